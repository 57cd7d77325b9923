"""The KerasTuner search space of `ImageCaptioner`."""

import keras

from keras_attention.models.image_captioner import ImageCaptioner
from keras_attention.tuners import search_utils

#: Convolutional stacks searched (filters per block; pools "2,2,2,1").
CONV_STACKS = ("16,32,64,64", "8,16,32,32", "24,48,64,64")
#: Weights of the doubly stochastic regulariser searched (soft attention).
REGULARISER_WEIGHTS = (0.0, 0.01, 0.1)


class HyperImageCaptioner(search_utils.TaskHyperModel):
    """KerasTuner search space over `ImageCaptioner` architectures.

    The constructor fixes the problem (vocabulary, image shape, attention
    kind); `build(hp)` draws an architecture and returns a compiled
    `ImageCaptioner` whose weights are built. The default of every
    hyperparameter reproduces the builder's default model,
    `ImageCaptioner(vocabulary, image_shape=..., attention=...)`.

    | name | values | default | active when |
    |---|---|---|---|
    | `conv_filters` | "16,32,64,64", "8,16,32,32", "24,48,64,64" | "16,32,64,64" | always |
    | `position` | onehot, learned, none | onehot | always |
    | `units` | 64, 128, 256 | 128 | always |
    | `cell` | gru, lstm | gru | always |
    | `attention_units` | 32, 64, 128 | 64 | attention != none |
    | `context_gate` | bool | True | attention != none |
    | `doubly_stochastic_weight` | 0, 0.01, 0.1 | 0 | attention = soft |
    | `dropout` | 0.0–0.5, step 0.1 | 0.0 | always |
    | `learning_rate` | 1e-4–1e-2, log | 1e-3 | always |
    | `batch_size` | `batch_sizes` | 32 | `fit()` with unbatched arrays |

    Models are compiled with `Adam(learning_rate, clipnorm=5.0)` and the
    captioner's default loss and metric (masked cross-entropy and accuracy).

    Args:
        vocabulary: the caption tokens (fixed).
        image_shape: `(height, width, channels)` (fixed).
        attention: `"soft"`, `"hard"` or `"none"` (fixed).
        conv_pools: pooling after each convolutional block (fixed).
        seed: the models' seed.
        batch_sizes: batch sizes searched by `fit()`, or `None`.
        epochs: `(min_epochs, max_epochs)` to search the number of epochs,
            or `None` (default) to use `search(epochs=...)`.
        name, tunable: KerasTuner's `HyperModel` arguments.

    Example:

    >>> import keras_tuner
    >>> from keras_attention.tuners import HyperImageCaptioner
    >>> words = ["", "[UNK]", "[START]", "[END]", "zero", "one"]
    >>> hypermodel = HyperImageCaptioner(words, image_shape=(32, 96, 1))
    >>> hp = keras_tuner.HyperParameters()
    >>> hp.Fixed("units", 64)
    64
    >>> model = hypermodel.build(hp)  # the other choices at their defaults
    >>> model.units, model.conv_filters, model.position
    (64, [16, 32, 64, 64], 'onehot')
    """

    def __init__(
        self, vocabulary, image_shape=(32, 96, 1), attention="soft", conv_pools=(2, 2, 2, 1),
        seed=None, batch_sizes=search_utils.DEFAULT_BATCH_SIZES, epochs=None, name=None,
        tunable=True,
    ):
        problem = {
            "vocabulary": vocabulary, "image_shape": tuple(image_shape),
            "attention": attention, "conv_pools": list(conv_pools), "seed": seed,
        }
        super().__init__(ImageCaptioner, problem, batch_sizes, epochs, name, tunable)

    def model_kwargs(self, hp):
        """The builder's arguments for `hp` (registers the hyperparameters)."""
        attention = self.problem["attention"]
        stack = hp.Choice("conv_filters", list(CONV_STACKS), default=CONV_STACKS[0])
        kwargs = {
            "conv_filters": [int(f) for f in stack.split(",")],
            "position": hp.Choice("position", ["onehot", "learned", "none"],
                                  default="onehot"),
            "units": hp.Choice("units", [64, 128, 256], default=128),
            "cell": hp.Choice("cell", ["gru", "lstm"], default="gru"),
        }
        if attention != "none":
            kwargs["attention_units"] = hp.Choice("attention_units", [32, 64, 128],
                                                  default=64)
            kwargs["context_gate"] = hp.Boolean("context_gate", default=True)
        if attention == "soft":
            kwargs["doubly_stochastic_weight"] = hp.Choice(
                "doubly_stochastic_weight", list(REGULARISER_WEIGHTS), default=0.0)
        kwargs["dropout"] = search_utils.dropout(hp)
        return kwargs

    def build(self, hp):
        """Builds, compiles and builds the weights of one captioner."""
        model = self.new_model(hp)
        model.compile(optimizer=keras.optimizers.Adam(search_utils.learning_rate(hp),
                                                      clipnorm=5.0))
        model.build()
        return model
