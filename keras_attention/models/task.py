"""`Task`: the protocol every model family implements.

The translator, the forecaster and the captioner are Keras models that
share one protocol, so that export, the command line, the TensorBoard image
logger and the LiteRT runtime work with any of them without knowing which
it is (no `isinstance` branches outside `keras_attention/models/`):

| member | what it gives | who calls it |
|---|---|---|
| `family` | `"translator"`, `"forecaster"`, `"captioner"` | registries: CLI recipes, export metadata, runtime runners |
| `preprocessor` | the object turning raw inputs into arrays and back (`keras_attention.runtime` classes), saved with the model | CLI, runtime, image logger |
| `generate(inputs, sampler, max_length)` | model-level results with `"attention"` | samplers, export endpoints |
| `attention_maps(examples, ...)` | 2-D maps with labels, ready to draw | `AttentionImageLogger`, `plot-attention` |
| `export_endpoints(sampler, max_length, batch_size)` | `{name: Endpoint}`: functions, input specs, output roles | `export_saved_model`, `export_tflite` |
| `export_metadata(sampler, max_length)` | what travels with an artifact | export, runtime |
| `export_examples(samples)` / `export_reference(...)` | per-example signature inputs and the Keras outputs to compare | `verify_export`, int8 calibration |

A new family subclasses `Task`, sets `family`, implements these members,
and registers a runtime runner and a CLI recipe (see docs/design.md).
"""

import weakref
from collections.abc import Callable
from typing import Any, NamedTuple

import keras
import numpy as np

from keras_attention.models import samplers as samplers_lib
from keras_attention.runtime.series_preprocessor import first_non_finite

# Output roles of an endpoint, as `verify_export` compares them.
TOKENS = "tokens"  # exact: a sample whose tokens differ is a mismatch
SCORES = "scores"  # |Δ| within the score tolerance, where the tokens agree
ATTENTION = "attention"  # |Δ| reported, where the tokens agree
VALUES = "values"  # |Δ| within the prediction tolerance
STATE = "state"  # not compared (packed decoder states)

# The largest decoding buffer a model accepts (`max_length`), and the most
# steps per source token: beyond these, a request is a mistake, not a need
# (a buffer of 10^9 steps asks for tens of GiB and kills the process).
MAX_LENGTH_CAP = 4096

_COMPILED = weakref.WeakKeyDictionary()  # model -> {key: tf.function}


class Endpoint(NamedTuple):
    """A serving endpoint of a task.

    Attributes:
        function: the Python function (keras.ops) to trace.
        input_signature: list of `(name, shape, dtype)` inputs.
        outputs: `{output name: role}` (`TOKENS`, `SCORES`, `ATTENTION`,
            `VALUES`, `STATE`).
        looped: whether it runs a loop (TFLite then needs a fixed batch
            size).
        resources: TensorFlow resources (lookup tables) the function uses,
            to track in a SavedModel.

    Example:

    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8)
    >>> model.build()
    >>> endpoints = model.export_endpoints(max_length=6)
    >>> sorted(endpoints)
    ['decode_step', 'encode', 'translate_beam', 'translate_greedy']
    >>> greedy = endpoints["translate_greedy"]
    >>> greedy.input_signature, greedy.looped
    ([('source_ids', [None, None], 'int32')], True)
    >>> greedy.outputs["token_ids"], greedy.outputs["scores"]
    ('tokens', 'scores')
    """

    function: Callable
    input_signature: list
    outputs: dict
    looped: bool = False
    resources: tuple = ()


class Task(keras.Model):
    """Base class of the model families; see the module docstring.

    Subclasses keep `get_config()` equal to their constructor arguments.

    Example:

    Every model family is a `Task`, and code that consumes models asks the
    protocol instead of testing the class:

    >>> import numpy as np
    >>> from keras_attention.models import FAMILIES, Task, TimeSeriesForecaster
    >>> sorted(FAMILIES)
    ['captioner', 'forecaster', 'translator']
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> isinstance(model, Task), model.family
    (True, 'forecaster')
    >>> x = {"drivers": np.zeros((1, 4, 2)), "past_target": np.zeros((1, 3, 1))}
    >>> sorted(model.generate(x))
    ['predictions', 'temporal_attention']
    >>> [m["tag"] for m in model.attention_maps(x)]
    ['temporal/example_0']
    """

    family: Any = None

    def get_compile_config(self):
        """Keras' compile config, loadable on every backend (see
        `portable_compile_config`)."""
        return portable_compile_config(super().get_compile_config())

    def compile_from_config(self, config):
        return super().compile_from_config(portable_compile_config(config))

    @classmethod
    def from_config(cls, config):
        """The model of `get_config()`: its constructor arguments (not a
        functional graph, as `keras.Model.from_config` would expect)."""
        return cls(**config)

    # -- Keras' entry points, with the inputs checked first ------------------
    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`; NaN or infinite values in array inputs are refused."""
        _check_arrays(x, "x")
        _check_arrays(y, "y")
        self._check_input_arrays(x)
        return super().fit(x, y, *args, **kwargs)

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.evaluate`; NaN or infinite values in array inputs are refused."""
        _check_arrays(x, "x")
        _check_arrays(y, "y")
        self._check_input_arrays(x)
        return super().evaluate(x, y, *args, **kwargs)

    def predict(self, x, *args, **kwargs):
        """`keras.Model.predict`; NaN or infinite values in array inputs are refused."""
        _check_arrays(x, "x")
        self._check_input_arrays(x)
        return super().predict(x, *args, **kwargs)

    def _check_input_arrays(self, x):
        """Checks a task can make of `x` when it holds numpy arrays, before
        Keras traces the model (a traced shape may show `None` for the size
        at fault). None by default."""

    @property
    def preprocessor(self):
        """Raw inputs ↔ arrays (a `keras_attention.runtime` preprocessor), or None."""
        return None

    # -- inference ---------------------------------------------------------
    def generate(self, inputs, sampler="greedy", max_length=None):
        raise NotImplementedError

    def attention_maps(self, examples, sampler="greedy", max_length=None):
        """The attention of `examples` as 2-D maps with labels, ready to draw.

        Returns:
            A list of dicts with `"tag"` (a name for the map, e.g.
            `"example_0"`), `"weights"` (2-D numpy array, rows × columns as
            drawn), `"x_labels"`, `"y_labels"`, `"title"`, `"x_title"` and
            `"y_title"`; an empty list if the model has no attention.
        """
        raise NotImplementedError

    # -- export ------------------------------------------------------------
    def export_endpoints(self, sampler=None, max_length=None, batch_size=None):
        raise NotImplementedError

    def export_metadata(self, sampler=None, max_length=None):
        """The family-specific part of an export's metadata (JSON-able)."""
        return {}

    def export_examples(self, samples=None):
        """Per-example signature inputs `[{input name: array (1, ...)}]`."""
        raise NotImplementedError

    def export_reference(self, examples, endpoint_names, sampler=None, max_length=None):
        """`{endpoint: [per-example outputs]}` computed by the Keras model."""
        raise NotImplementedError

    # -- shared helpers ------------------------------------------------------
    def _check_max_length(self, max_length, source_length=None, per_token=None):
        """`max_length` as an int, refused beyond the caps (argument + value)."""
        if isinstance(max_length, bool) or not isinstance(
            max_length, (int, np.integer)
        ) or max_length < 1:
            raise ValueError(
                "`max_length` must be a positive integer. "
                f"Received: max_length={max_length!r}"
            )
        cap = MAX_LENGTH_CAP
        reason = f"the absolute cap {MAX_LENGTH_CAP}"
        if per_token is not None and source_length is not None:
            relative = per_token * int(source_length) + 64
            if relative < cap:
                cap = relative
                reason = (
                    f"{per_token} output tokens per source token + 64 for a source "
                    f"of {int(source_length)} tokens"
                )
        if max_length > cap:
            raise ValueError(
                f"`max_length` must be at most {cap} ({reason}): every decoding "
                "step has a buffer slot, so a larger value only costs memory. "
                f"Received: max_length={max_length}"
            )
        return int(max_length)

    def _compiled_generate(self, sampler, max_length, input_spec):
        """`generate` traced once per (sampler, max_length), on TensorFlow.

        Run eagerly, a decoding loop dispatches every op from Python (for a
        small model, 100x slower than traced). On TensorFlow greedy and beam
        search are traced into a `tf.function` with a dynamic batch (and
        dynamic sequence dimensions), cached per sampler configuration
        (samplers compare by configuration) and `max_length`. Random
        sampling stays eager, so that every call draws new samples; other
        backends run `generate` as is.

        Args:
            input_spec: `(shape, dtype)` of `generate`'s input.
        """
        if keras.backend.backend() != "tensorflow" or isinstance(
            sampler, samplers_lib.RandomSampler
        ):
            return lambda x: self.generate(x, sampler=sampler, max_length=max_length)
        import tensorflow as tf

        if not self.built:
            self.build()  # variables are created outside the trace
        # Kept beside the model (not on it: an attribute would be tracked
        # and exported); the function holds only a weak reference to it.
        cache = _COMPILED.setdefault(self, {})
        key = (sampler, max_length)
        if key not in cache:
            model = weakref.ref(self)

            # The loops are keras.ops (tf.while_loop): nothing for AutoGraph
            # to convert, and without this it warns that it cannot parse
            # the function's source.
            @tf.autograph.experimental.do_not_convert
            def decode(x):
                return model().generate(x, sampler=sampler, max_length=max_length)

            shape, dtype = input_spec
            cache[key] = tf.function(
                decode, input_signature=[tf.TensorSpec(shape, dtype)]
            )
        return cache[key]


def portable_compile_config(config):
    """A compile config whose optimizer loads on any backend.

    On PyTorch, Keras serialises `keras.optimizers.Adam` (and the other
    optimizers with a backend class) under the backend's module,
    `keras.src.backend.torch.optimizers.torch_adam`: a `.keras` file
    trained there then fails to load on TensorFlow or JAX ("Could not
    deserialize class 'Adam' because its parent module ... cannot be
    imported"). The public module `keras.optimizers` names the same class
    on every backend, so such modules are rewritten to it (on saving, and
    on loading files written before this fix).

    Example:

    >>> config = {"optimizer": {"module": "keras.src.backend.torch.optimizers.torch_adam",
    ...                         "class_name": "Adam", "config": {}}}
    >>> portable_compile_config(config)["optimizer"]["module"]
    'keras.optimizers'
    """
    if isinstance(config, dict):
        module = config.get("module")
        if (isinstance(module, str) and module.startswith("keras.src.backend.")
                and ".optimizers" in module):
            config = dict(config, module="keras.optimizers")
        return {key: portable_compile_config(value) for key, value in config.items()}
    if isinstance(config, (list, tuple)):
        return type(config)(portable_compile_config(value) for value in config)
    return config


def get_sampler(sampler):
    """`samplers.get`, kept here so task modules import one name."""
    return samplers_lib.get(sampler)


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def _check_arrays(data, name):
    """`check_finite` on the numpy arrays of `x` / `y` (a dict, a tuple or an array).

    Datasets and generators pass unchecked (their values are not known
    before training reads them).
    """
    if isinstance(data, np.ndarray):
        check_finite(name, data)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, np.ndarray):
                check_finite(f'{name}["{key}"]', value)
    elif isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            if isinstance(value, np.ndarray):
                check_finite(f"{name}[{i}]", value)


def check_finite(name, values):
    """Refuses NaN / infinite model inputs with the argument and the position."""
    array = np.asarray(values)
    if array.dtype.kind != "f":
        return
    where = first_non_finite(array)
    if where is not None:
        raise ValueError(
            f"`{name}` must not hold NaN or infinite values (they would propagate "
            f"silently through the attention weights). Received: "
            f"{name}[{', '.join(map(str, where))}]={float(array[where])}"
        )
