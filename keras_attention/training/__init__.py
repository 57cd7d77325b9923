"""Training plumbing shared by the recipes, the examples and the CLI.

Three pieces, each usable alone, one module each:

- **Determinism** (`determinism`): `enable_determinism(seed)` seeds Python,
  NumPy and the backend and turns on TensorFlow's deterministic ops, so
  that two runs give identical losses and weights (see
  docs/reliability.md).
- **Resume** (`checkpoints`, `shuffled_arrays`):
  `checkpoint_callbacks(checkpoint_dir, data)` returns a `BackupAndRestore`
  callback that backs up the training state at every epoch end and
  restores it when the same command is run again. `ShuffledArrays` feeds
  arrays in an order that depends only on the seed and the epoch, so a
  resumed run sees the same batches as an uninterrupted one and ends with
  the same weights.
- **Distribution** (`distribution`, `fit`):
  `strategy_scope("none" | "mirrored" | "multiworker")` opens a
  `tf.distribute` strategy scope to build and compile the model in, and
  `fit` trains under any of them.

The recipes expose them as `--seed`, `--deterministic`,
`--checkpoint-dir` and `--strategy` (fields of their configurations); the
example of `fit` shows the four together.

TensorFlow is imported only by the functions that need it.
"""

from keras_attention.training.checkpoints import (
    POINTER,
    BackupAndRestore,
    checkpoint_callbacks,
)
from keras_attention.training.determinism import enable_determinism, seed_everything
from keras_attention.training.distribution import (
    STRATEGIES,
    get_strategy,
    is_chief,
    strategy_scope,
)
from keras_attention.training.fit import build_for_strategy, fit
from keras_attention.training.shuffled_arrays import EpochArrays, ShuffledArrays

__all__ = [
    "POINTER",
    "STRATEGIES",
    "BackupAndRestore",
    "EpochArrays",
    "ShuffledArrays",
    "build_for_strategy",
    "checkpoint_callbacks",
    "enable_determinism",
    "fit",
    "get_strategy",
    "is_chief",
    "seed_everything",
    "strategy_scope",
]
