"""Show, Attend and Tell: an image captioner with soft, hard or no spatial attention."""

import keras
import numpy as np
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.memory import Memory
from keras_attention.models import captioner_layers as cl
from keras_attention.models import samplers as samplers_lib
from keras_attention.models import translator_layers as tl
from keras_attention.models.image_captioning import ImageCaptioning
from keras_attention.models.task import Task, check_finite
from keras_attention.models.token_decoding import TokenDecoding, token_compile_defaults
from keras_attention.models.token_export import TokenDecoderExport
from keras_attention.runtime.image_preprocessor import ImagePreprocessor
from keras_attention.utils.validation import validate_non_negative_float

ATTENTIONS = cl.ATTENTIONS
POSITIONS = cl.POSITIONS
CELLS = tuple(cl.CELLS)


@keras.saving.register_keras_serializable(package="keras_attention")
class ImageCaptioner(ImageCaptioning, TokenDecoding, TokenDecoderExport, Task):
    """An attention image captioner: Show, Attend and Tell (Xu et al., 2015).

    The encoder maps an image to a feature map `(H', W', D)` — a small
    convolutional stack trained from scratch (`encoder="conv"`: 3×3
    convolutions with batch normalisation, ReLU and max-pooling) or any
    Keras backbone — whose `L = H'·W'` locations are the memory. Attention
    is spatial: at every step the decoder weighs the locations, and the
    weights `(B, T, H', W')` can be drawn back onto the image. Location
    features (`position`) tell the decoder *where* each location is:
    `"onehot"` concatenates the one-hot row and column of every location,
    `"learned"` adds a learned table, `"none"` leaves the features alone.

    The decoder is an `AttentionDecoder` around one `AttentionDecoderCell`
    (the step the samplers and the exported endpoints run too), with
    Bahdanau's data flow: the previous state `h_{t-1}` queries the memory,
    the context `z_t` enters the RNN update, the logits come from `h_t` (or
    a maxout deep output of `h_{t-1}`, the embedded token and `z_t`). The
    initial state is `tanh(W · mean feature)`, and `context_gate=True`
    scales the context by the gating scalar `β_t = σ(w · h_{t-1} + b)`.

    - `attention="soft"`: `z_t = Σ_i α_{t,i} a_i`, deterministic and
      trained by back-propagation, with the doubly stochastic regulariser
      `λ Σ_i (1 − Σ_t α_{t,i})²` (`doubly_stochastic_weight = λ`, added to
      the loss in training; 0 turns it off).
    - `attention="hard"`: `z_t = a_s` for a location `s ~ α_t` sampled in
      training (`keras_attention.layers.HardAttention`) and the arg-max
      location at inference; the attention is trained with REINFORCE: the
      reward is the caption's log-likelihood `R`, with a moving-average
      baseline `b` (`baseline_decay`) and an entropy bonus, i.e. the loss
      gets `−λ_r (R − b) Σ_t log α_t(s_t) − λ_e Σ_t H(α_t)` per caption
      (`reinforce_weight = λ_r`, `entropy_weight = λ_e`, in the loss's
      per-token units; their values are 0, only their gradients count).
    - `attention="none"`: the mean feature is the context at every step
      (the comparison that shows what attention buys).

    Trained with teacher forcing: `call()` maps `{"images": (B, H, W, C),
    "target_ids": (B, T)}` to next-token logits `(B, T, vocabulary_size)`,
    where `target_ids` is `[START, y_1, …, y_n, 0…]` and the labels are
    `[y_1, …, y_n, END, 0…]`. `caption(images)` writes text (greedy or beam
    search through `keras_attention.models.samplers`); the model implements
    the task protocol (`keras_attention.models.Task`): its `preprocessor`
    (`keras_attention.runtime.ImagePreprocessor`) reads image files and
    arrays and writes captions, `attention_maps` gives the image overlays
    the TensorBoard logger and `plot-attention` draw, and `export_endpoints`
    what SavedModel and TFLite files contain (`caption_greedy`,
    `caption_beam`, `encode`, `decode_step`).

    Args:
        vocabulary: the caption tokens (a list starting with the four
            special tokens, or a `keras_attention.data.Vocabulary`), or
            `None` with `vocabulary_size` (ids only).
        vocabulary_size: integer >= 4, or `None` for the vocabulary's size.
        image_shape: `(height, width, channels)` of the input images.
        encoder: `"conv"` or a `keras.Model` mapping images to a feature
            map `(B, H', W', D)` (e.g. a Keras Applications model with
            `include_top=False`).
        conv_filters: filters of the convolutional blocks (`encoder="conv"`).
        conv_pools: max-pooling size after each block (1: none).
        position: location features, `"onehot"`, `"learned"` or `"none"`.
        embedding_dim: size of the token embedding.
        units: decoder units.
        cell: `"gru"` or `"lstm"`.
        attention: `"soft"`, `"hard"` or `"none"`.
        attention_units: hidden size of the additive score.
        context_gate: gate the context with `β_t` (attention only).
        deep_output: `None` or `"maxout"`.
        deep_output_units: units of the maxout layer (default `units`).
        doubly_stochastic_weight: `λ` of the soft attention regulariser.
        reinforce_weight: `λ_r` of the hard attention's REINFORCE term.
        entropy_weight: `λ_e` of the hard attention's entropy bonus.
        baseline_decay: decay of the hard attention's moving-average
            baseline.
        dropout: dropout on the memory and the decoder cell's inputs.
        seed: integer seed (dropout, hard attention's samples).
        **kwargs: base `keras.Model` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: dict with float `"images"` `(B, H, W, C)` in [0, 1] and int
            `"target_ids"` `(B, T)`, 0 for padding.
        training: Python boolean.
        return_attention_scores: also return the weights `(B, T, L)`
            (`(B, T, 1)` without attention).

    Returns:
        Logits `(B, T, vocabulary_size)` (float32), and with
        `return_attention_scores=True` the attention weights.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import ImageCaptioner
    >>> words = ["", "[UNK]", "[START]", "[END]", "zero", "one", "two"]
    >>> model = ImageCaptioner(words, image_shape=(16, 32, 1), conv_filters=[8, 8],
    ...                        conv_pools=[2, 2], units=16, embedding_dim=8)
    >>> model.compile()  # Adam, masked cross-entropy, MaskedAccuracy
    >>> x = {"images": np.random.rand(2, 16, 32, 1).astype("float32"),
    ...      "target_ids": np.array([[2, 5, 6], [2, 4, 0]])}  # [START] one two
    >>> y = np.array([[5, 6, 3], [4, 3, 0]])                    # one two [END]
    >>> # model.fit(x, y, epochs=10)
    >>> logits, weights = model(x, return_attention_scores=True)
    >>> tuple(logits.shape), tuple(weights.shape)  # 4×8 = 32 image locations
    ((2, 3, 7), (2, 3, 32))
    >>> captions, maps = model.caption(x["images"], return_attention=True,
    ...                                max_length=4)  # untrained: noise
    >>> len(captions), maps[0].shape[1:]  # (tokens, H', W') per image
    (2, (4, 8))

    Reference:
        - [Xu et al., 2015](https://arxiv.org/abs/1502.03044)
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [Wojna et al., 2017](https://arxiv.org/abs/1704.03549) (one-hot
          location features)
    """

    family = "captioner"
    endpoint_prefix = "caption"

    def __init__(
        self,
        vocabulary=None,
        vocabulary_size=None,
        image_shape=(32, 96, 1),
        encoder="conv",
        conv_filters=(16, 32, 64, 64),
        conv_pools=(2, 2, 2, 1),
        position="onehot",
        embedding_dim=32,
        units=128,
        cell="gru",
        attention="soft",
        attention_units=64,
        context_gate=True,
        deep_output=None,
        deep_output_units=None,
        doubly_stochastic_weight=0.0,
        reinforce_weight=1.0,
        entropy_weight=0.01,
        baseline_decay=0.9,
        dropout=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.vocabulary = tl.vocabulary_tokens("vocabulary", vocabulary)
        self.vocabulary_size = tl.vocabulary_size(
            "vocabulary_size", vocabulary_size, self.vocabulary, "vocabulary"
        )
        self.image_shape = cl.check_image_shape(image_shape)
        encoder = cl.check_encoder(encoder, self.image_shape)
        self.conv_filters = cl.check_int_list("conv_filters", conv_filters, 1)
        self.conv_pools = cl.check_int_list("conv_pools", conv_pools, 1)
        if len(self.conv_pools) != len(self.conv_filters):
            raise ValueError(
                "`conv_pools` must have one entry per block of `conv_filters`. "
                f"Received: conv_filters={self.conv_filters}, conv_pools={self.conv_pools}"
            )
        self.position = attention_utils.validate_choice("position", position, POSITIONS)
        self.embedding_dim = attention_utils.validate_positive_int(
            "embedding_dim", embedding_dim
        )
        self.units = attention_utils.validate_positive_int("units", units)
        self.cell = attention_utils.validate_choice("cell", cell, CELLS)
        self.attention = cl.check_attention_value(attention)
        self.attention_units = attention_utils.validate_positive_int(
            "attention_units", attention_units
        )
        self.context_gate = bool(context_gate)
        self.deep_output = attention_utils.validate_choice(
            "deep_output", deep_output, cl.DEEP_OUTPUTS
        )
        self.deep_output_units = attention_utils.validate_positive_int(
            "deep_output_units", deep_output_units, allow_none=True
        )
        self.doubly_stochastic_weight = validate_non_negative_float(
            "doubly_stochastic_weight", doubly_stochastic_weight
        )
        self.reinforce_weight = validate_non_negative_float("reinforce_weight", reinforce_weight)
        self.entropy_weight = validate_non_negative_float("entropy_weight", entropy_weight)
        self.baseline_decay = attention_utils.validate_rate("baseline_decay", baseline_decay)
        self.dropout = attention_utils.validate_rate("dropout", dropout)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed

        # The attribute names below are where a saved model's weights live.
        if encoder == "conv":
            self.backbone = cl.conv_encoder(self.conv_filters, self.conv_pools)
        else:
            self.backbone = encoder
        self._user_backbone = encoder != "conv"
        self.feature_map = cl.feature_map_shape(self.backbone, self.image_shape)
        height, width, channels = self.feature_map
        self.feature_dim = channels
        _, num_states = cl.CELLS[self.cell]
        self.bridges = [
            keras.layers.Dense(self.units, activation="tanh", name=f"init_state_{k}")
            for k in range(num_states)
        ]
        self.memory_dropout = keras.layers.Dropout(self.dropout, seed=seed,
                                                   name="memory_dropout")
        self.decoder = cl.make_decoder(self)

    # -- configuration ------------------------------------------------------
    @property
    def encoder(self):
        """`"conv"`, or the user's backbone model."""
        return self.backbone if self._user_backbone else "conv"

    @property
    def num_locations(self):
        return self.feature_map[0] * self.feature_map[1]

    @property
    def memory_dim(self):
        extra = sum(self.feature_map[:2]) if self.position == "onehot" else 0
        return self.feature_dim + (extra if self.attention != "none" else 0)

    @property
    def preprocessor(self):
        """An `ImagePreprocessor` of the model's image shape and vocabulary."""
        cached = self.__dict__.get("_image_preprocessor")
        if cached is None:
            cached = ImagePreprocessor(self.image_shape, self.vocabulary)
            self.__dict__["_image_preprocessor"] = cached
        return cached

    def get_config(self):
        config = super().get_config()
        encoder = self.encoder
        config.update(
            {
                "vocabulary": self.vocabulary,
                "vocabulary_size": self.vocabulary_size,
                "image_shape": list(self.image_shape),
                "encoder": encoder if isinstance(encoder, str)
                else keras.saving.serialize_keras_object(encoder),
                "conv_filters": list(self.conv_filters),
                "conv_pools": list(self.conv_pools),
                "position": self.position,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "cell": self.cell,
                "attention": self.attention,
                "attention_units": self.attention_units,
                "context_gate": self.context_gate,
                "deep_output": self.deep_output,
                "deep_output_units": self.deep_output_units,
                "doubly_stochastic_weight": self.doubly_stochastic_weight,
                "reinforce_weight": self.reinforce_weight,
                "entropy_weight": self.entropy_weight,
                "baseline_decay": self.baseline_decay,
                "dropout": self.dropout,
                "seed": self.seed,
            }
        )
        return config

    # -- building -----------------------------------------------------------
    def build(self, input_shape=None):
        if self.built:
            return
        if not self.backbone.built:
            self.backbone.build((None,) + self.image_shape)
        for bridge in self.bridges:
            bridge.build((None, self.feature_dim))
        if self.position == "learned" and self.attention != "none":
            self.position_table = self.add_weight(
                name="position_table",
                shape=(self.num_locations, self.feature_dim),
                initializer=keras.initializers.RandomNormal(stddev=0.02),
            )
        if self.attention == "hard":
            # REINFORCE's moving-average baseline (and whether it has a value).
            self.reward_baseline = self.add_weight(
                name="reward_baseline", shape=(), initializer="zeros",
                trainable=False, dtype="float32",
            )
            self.baseline_updates = self.add_weight(
                name="baseline_updates", shape=(), initializer="zeros",
                trainable=False, dtype="float32",
            )
        memory_length = 1 if self.attention == "none" else self.num_locations
        self.decoder.build((None, None), (None, memory_length, self.memory_dim))
        self.built = True

    # -- training -------------------------------------------------------------
    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """`keras.Model.compile` with defaults for caption training.

        `"auto"` gives Adam (learning rate 1e-3, gradient norm clipped at
        5), the masked next-token cross-entropy and `MaskedAccuracy`. The
        attention terms (regulariser, REINFORCE) are added by the model
        itself in training.
        """
        optimizer, loss, metrics = token_compile_defaults(optimizer, loss, metrics)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)
        if not self.built:
            self.build()

    # -- the forward pass --------------------------------------------------
    def _check_images(self, images):
        shape = tuple(getattr(images, "shape", ()))
        expected = self.image_shape
        if len(shape) != 4 or any(
            s is not None and s != e for s, e in zip(shape[1:], expected, strict=True)
        ):
            raise ValueError(
                f"`images` must have shape (batch, {expected[0]}, {expected[1]}, "
                f"{expected[2]}) (the model's `image_shape`). Received: "
                f"images.shape={shape}"
            )
        dtype = str(getattr(images, "dtype", ""))
        if dtype and "float" not in dtype:
            raise ValueError(
                "`images` must hold float pixels in [0, 1] (the model's "
                "`preprocessor.encode_images` converts integer images). "
                f"Received: dtype={dtype}"
            )
        values = tl.eager_values(images)  # known values: NaN would caption silently
        if values is not None:
            check_finite("images", values)

    def encode(self, images, training=None):
        """Runs the encoder.

        Args:
            images: float `(B, H, W, C)` in [0, 1].
            training: Python boolean.

        Returns:
            `(memory, initial_cell_states)`: a `keras_attention.layers.Memory`
            whose values are the `L = H'·W'` location features (with their
            location features appended or added), `(B, 1, D)` the mean
            feature with `attention="none"`; and the decoder cell's initial
            states, `tanh(W · mean feature)`.
        """
        self._check_images(images)
        x = ops.convert_to_tensor(images)
        features = self.backbone(x, training=training)
        batch = ops.shape(features)[0]
        features = ops.reshape(features, (batch, self.num_locations, self.feature_dim))
        mean = ops.mean(features, axis=1)
        cell_states = [bridge(mean) for bridge in self.bridges]
        if self.attention == "none":
            return Memory(ops.expand_dims(mean, 1)), cell_states
        if self.position == "learned":
            features = features + ops.cast(self.position_table, features.dtype)[None]
        elif self.position == "onehot":
            grid = ops.convert_to_tensor(cl.onehot_positions(*self.feature_map[:2]))
            grid = ops.broadcast_to(
                ops.cast(grid, features.dtype)[None],
                (batch, self.num_locations, int(grid.shape[-1])),
            )
            features = ops.concatenate([features, grid], axis=-1)
        features = self.memory_dropout(features, training=training)
        return Memory(features), cell_states

    def _unpack(self, inputs):
        tl.check_input_dict("ImageCaptioner", inputs, ("images", "target_ids"))
        tl.check_token_ids(
            "target_ids", inputs["target_ids"], self.vocabulary_size, "vocabulary_size"
        )
        return inputs["images"], inputs["target_ids"]

    def call(self, inputs, training=None, return_attention_scores=False):
        images, target_ids = self._unpack(inputs)
        memory, cell_states = self.encode(images, training=training)
        logits, _, weights = self.decoder(
            target_ids, memory, initial_state=cell_states, training=training
        )
        if training:
            self._add_attention_losses(logits, target_ids, weights)
        if return_attention_scores:
            return logits, weights
        return logits

    def _add_attention_losses(self, logits, target_ids, weights):
        """The doubly stochastic regulariser (soft) or REINFORCE (hard)."""
        if self.attention == "soft" and self.doubly_stochastic_weight > 0:
            mask = ops.not_equal(target_ids, 0)
            self.add_loss(
                self.doubly_stochastic_weight * cl.doubly_stochastic_penalty(weights, mask)
            )
        elif self.attention == "hard":
            reward, score, entropy, tokens = cl.reinforce_terms(logits, target_ids, weights)
            tokens = ops.maximum(tokens, 1.0)
            mean_reward = ops.mean(reward)
            # Read the variables as tensors (JAX refuses a variable in `where`).
            updates = ops.convert_to_tensor(self.baseline_updates)
            first = ops.equal(updates, 0.0)
            baseline = ops.where(first, mean_reward, ops.convert_to_tensor(self.reward_baseline))
            advantage = ops.stop_gradient(reward - baseline)
            decay = self.baseline_decay
            self.reward_baseline.assign(
                ops.where(first, mean_reward, decay * baseline + (1 - decay) * mean_reward)
            )
            self.baseline_updates.assign(updates + 1.0)
            self.add_loss(
                -(self.reinforce_weight * ops.sum(advantage * score)
                  + self.entropy_weight * ops.sum(entropy)) / tokens
            )

    def attention_weights(self, images, target_ids):
        """Teacher-forced attention `(B, T, H', W')` as a numpy array."""
        _, weights = self(
            {"images": images, "target_ids": target_ids},
            training=False,
            return_attention_scores=True,
        )
        weights = ops.convert_to_numpy(weights)
        if self.attention == "none":
            return weights
        return weights.reshape(weights.shape[:2] + tuple(self.feature_map[:2]))

    # -- decoding -------------------------------------------------------------
    def generate(self, images, sampler="greedy", max_length=32):
        """Decodes caption token ids with a sampler.

        Args:
            images: float `(B, H, W, C)` in [0, 1].
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance.
            max_length: maximum number of output tokens (end token included).

        Returns:
            The sampler's dict (`token_ids`, `scores`, `lengths`,
            `attention` `(B, [N,] max_length, L)`, ...), as tensors.
        """
        sampler = samplers_lib.get(sampler)
        max_length = self._check_max_length(max_length)
        return self._sample(sampler, images, max_length)

    def generate_input_spec(self):
        return (None,) + self.image_shape, "float32"

    # -- export (the rest is TokenDecoderExport's) ---------------------------
    def encoder_input_specs(self, batch_size):
        return [("images", [batch_size, *self.image_shape], "float32")]

    def export_metadata(self, sampler=None, max_length=None):
        data = super().export_metadata(sampler, max_length)
        data.update(
            {
                "attention": self.attention,
                "image_shape": list(self.image_shape),
                "feature_map": list(self.feature_map[:2]),
                "vocabulary_size": self.vocabulary_size,
            }
        )
        return data

    def export_examples(self, samples=None, count=50, seed=0):
        """Per-example `{"images": (1, H, W, C)}` inputs.

        Args:
            samples: what `preprocessor.encode_images` reads (image paths,
                arrays); default `count` digit canvases of the test split
                of `keras_attention.data.digits` at the model's image size
                (seeded), or uniform noise where they do not fit.
        """
        if samples is None:
            images = _default_examples(self.image_shape, count, seed)
        else:
            images = self.preprocessor.encode_images(samples, argument="samples")
        return [{"images": images[i : i + 1]} for i in range(len(images))]


def _default_examples(image_shape, count, seed):
    from keras_attention.data import digits

    height, width, channels = image_shape
    try:
        canvases = digits.make_digit_canvases(
            digits.split_digit_images(seed)["test"], count, height=height, width=width,
            max_size=min(28, height), min_size=min(16, height), seed=seed,
        )["images"]
    except ValueError:  # a size the canvases do not fit
        rng = np.random.default_rng(seed)
        return rng.uniform(size=(count,) + tuple(image_shape)).astype("float32")
    return np.repeat(canvases, channels, axis=-1) if channels > 1 else canvases
