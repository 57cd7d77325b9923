"""An RNN encoder–decoder translator with Bahdanau, Luong, monotonic or no attention."""


import keras
import numpy as np
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.memory import Memory
from keras_attention.models import samplers as samplers_lib
from keras_attention.models import token_rows_step
from keras_attention.models import translator_layers as tl
from keras_attention.models.attention_options import AttentionOptions
from keras_attention.models.task import Task, to_numpy
from keras_attention.models.text_translation import (
    MAX_TOKENS_PER_SOURCE_TOKEN,
    TextTranslation,
)
from keras_attention.models.token_decoding import TokenDecoding, token_compile_defaults
from keras_attention.models.token_export import TokenDecoderExport
from keras_attention.runtime.preprocessors import TextPreprocessor
from keras_attention.runtime.text import validate_tokenization

ENCODERS = tl.ENCODERS
ATTENTIONS = tl.ATTENTIONS
AUTO = tl.AUTO



@keras.saving.register_keras_serializable(package="keras_attention")
class Seq2SeqTranslator(
    TextTranslation, AttentionOptions, TokenDecoding, TokenDecoderExport, Task
):
    """RNN encoder–decoder with attention, for translation-like tasks.

    The encoder embeds the source ids (0 = padding, masked) and runs
    `num_encoder_layers` recurrent layers (optionally bidirectional). The
    decoder is an `AttentionDecoder` around one `AttentionDecoderCell`,
    started from the encoder's final state (for a bidirectional encoder, a
    learned `tanh` projection of the merged forward and backward states).
    Trained with teacher forcing: `call()` maps
    `{"source_ids": (B, S), "target_ids": (B, T)}` to next-token logits
    `(B, T, target_vocabulary_size)`, where `target_ids` is
    `[START, y_1, …, y_{T-1}]` and the labels are `[y_1, …, y_{T-1}, END]`
    (see `keras_attention.data.to_model_arrays`).

    `attention="bahdanau"` (additive score, previous state as the query),
    `"luong"` (multiplicative scores, current state as the query, then
    `tanh(W_c[c; h])`), their monotonic variants (Raffel et al., 2017:
    `"bahdanau_monotonic"`, `"luong_monotonic"`, and `"mocha"`, monotonic
    chunkwise attention, Chiu & Raffel, 2018; the previous alignment is a
    decoder state that the samplers, beam search and the exported decoders
    carry) or `"none"` (the classic encoder–decoder: the encoder's final
    output is the context at every step). The data-flow
    arguments `attention_query`, `input_feeding`, `attention_layer_size` and
    `output_attention` default (`"auto"`) to each paper's choice and can be
    set to express any `tfa.seq2seq.AttentionWrapper` configuration.

    Decoding (`generate`, `translate`) runs a sampler from
    `keras_attention.models.samplers` over `decoder.decode_step`. The model
    implements the task protocol (`keras_attention.models.Task`): its
    `preprocessor` (a `TextPreprocessor` made from the vocabularies and the
    tokenization) turns text into ids and back, `attention_maps` gives what
    the TensorBoard logger draws, and `export_endpoints` what SavedModel and
    TFLite files contain.

    Args:
        source_vocabulary_size: integer >= 4, or `None` to take the size of
            `source_vocabulary`.
        target_vocabulary_size: integer >= 4, or `None` (see above).
        embedding_dim: size of the source and target embeddings.
        units: size of every recurrent layer (encoder and decoder).
        encoder: `"gru"`, `"lstm"` or `"simple"`; the decoder cell has the
            same type.
        bidirectional: bidirectional encoder layers.
        num_encoder_layers: number of stacked encoder layers.
        attention: `"bahdanau"`, `"luong"`, `"bahdanau_monotonic"`,
            `"luong_monotonic"`, `"mocha"` or `"none"`.
        attention_units: hidden size of the additive score (Bahdanau, its
            monotonic variants, and Luong `"concat"`); default `units`.
        score_mode: Luong score, `"dot"`, `"scaled_dot"`, `"general"`
            (default), `"concat"` or `"location"` (not for
            `"luong_monotonic"`); must be `None` otherwise.
        window_mode: Luong window, `"global"`, `"local_m"` or `"local_p"`.
        window: half-width of a local window.
        probability_fn: `"softmax"`, `"sparsemax"`, `"hardmax"` or
            `"hard_straight_through"`.
        use_attention_bias: whether the additive score has a bias inside
            the tanh (`False` is `tfa.seq2seq.BahdanauAttention`).
        monotonic_mode: `"parallel"` (default), `"recursive"` or `"hard"`
            (see `keras_attention.layers.monotonic_attention`); monotonic
            attention only. `with_monotonic_mode("hard")` gives a copy of a
            trained model that decodes with hard alignments.
        sigmoid_noise: standard deviation of the noise added to the
            monotonic energies in training (default 0; Raffel et al. use 1,
            which makes the stopping decisions nearly discrete so that
            `"hard"` decoding matches training).
        score_bias_init: initial value of the monotonic energy's learned
            offset (default 0; negative values stop later).
        chunk_size: MoChA's chunk width (default 2); `"mocha"` only.
        coverage: add the coverage vector to the additive score
            (`BahdanauAttention(use_coverage=True)`, See et al., 2017);
            `attention="bahdanau"` only.
        coverage_loss_weight: `λ ≥ 0`; in training, adds `λ ·
            keras_attention.losses.coverage_loss` of the alignments to the
            loss (default 0: none).
        attention_query: `"previous"`, `"current"` or `"auto"`.
        input_feeding: feed the previous attention vector to the next step.
        attention_layer_size: units of `tanh(W_c[c; h])`, `None` for none
            (attention vector = context), or `"auto"` (`units` for Luong).
        output_attention: logits from the attention vector (`True`) or from
            the decoder state (`False`).
        deep_output: `None` or `"maxout"` (Bahdanau et al., appendix A).
        deep_output_units: units of the maxout layer (default `units`).
        dropout: dropout rate on the source embeddings and the recurrent
            layers' inputs.
        source_vocabulary, target_vocabulary: optional token lists (or
            `keras_attention.data.Vocabulary`) stored in the config, so that
            a saved model can `translate()` text.
        tokenization: `"word"` or `"char"`, how `translate()` splits text
            (see `keras_attention.data.tokenize`).
        seed: integer seed for dropout and scheduled-sampling coin flips.
        **kwargs: base `keras.Model` arguments (`name`, `dtype`, ...).

    Call arguments:
        inputs: dict with int `"source_ids"` `(B, S)` and `"target_ids"`
            `(B, T)`, 0 for padding.
        training: Python boolean.
        return_attention_scores: also return the alignments `(B, T, S)`
            (`(B, T, 1)` without attention).

    Returns:
        Logits `(B, T, target_vocabulary_size)` (float32), and with
        `return_attention_scores=True` also the alignments.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models import Seq2SeqTranslator
    >>> model = Seq2SeqTranslator(40, 30, embedding_dim=16, units=32)
    >>> model.compile()  # Adam, masked cross-entropy, MaskedAccuracy
    >>> x = {"source_ids": np.array([[5, 6, 7, 0], [8, 9, 0, 0]]),  # 0 = padding
    ...      "target_ids": np.array([[2, 11, 12], [2, 13, 0]])}   # 2 = [START]
    >>> y = np.array([[11, 12, 3], [13, 3, 0]])                    # 3 = [END]
    >>> # model.fit(x, y, epochs=10)
    >>> logits, alignments = model(x, return_attention_scores=True)
    >>> tuple(logits.shape), tuple(alignments.shape)
    ((2, 3, 30), (2, 3, 4))
    >>> out = model.generate(x["source_ids"], sampler="beam", max_length=6)
    >>> tuple(out["token_ids"].shape), tuple(out["attention"].shape)
    ((2, 1, 6), (2, 1, 6, 4))

    With vocabularies in the config, the model translates text:

    >>> from keras_attention.data import Vocabulary
    >>> vocab = Vocabulary.build([list("0123456789-")])
    >>> model = Seq2SeqTranslator(embedding_dim=8, units=8, tokenization="char",
    ...                           source_vocabulary=vocab, target_vocabulary=vocab)
    >>> texts = model.translate(["12-3", "4"], max_length=5)  # untrained: noise
    >>> len(texts), all(len(t) <= 5 for t in texts)
    (2, True)

    Reference:
        - [Bahdanau et al., 2015](https://arxiv.org/abs/1409.0473)
        - [Luong et al., 2015](https://arxiv.org/abs/1508.04025)
        - [Cho et al., 2014](https://arxiv.org/abs/1406.1078)
    """

    family = "translator"
    endpoint_prefix = "translate"

    def __init__(
        self,
        # Sizes and the encoder.
        source_vocabulary_size=None, target_vocabulary_size=None, embedding_dim=64,
        units=128, encoder="gru", bidirectional=False, num_encoder_layers=1,
        # The attention layer.
        attention="bahdanau", attention_units=None, score_mode=None, window_mode="global",
        window=None, probability_fn="softmax", use_attention_bias=True,
        # Monotonic attention (None: the layer's default) and coverage.
        monotonic_mode=None, sigmoid_noise=None, score_bias_init=None, chunk_size=None,
        coverage=False, coverage_loss_weight=0.0,
        # The decoder (AUTO: per attention family, see above).
        attention_query=AUTO, input_feeding=AUTO, attention_layer_size=AUTO,
        output_attention=AUTO, deep_output=None, deep_output_units=None, dropout=0.0,
        # Text.
        source_vocabulary=None, target_vocabulary=None, tokenization="word", seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        source_vocabulary = tl.vocabulary_tokens("source_vocabulary", source_vocabulary)
        target_vocabulary = tl.vocabulary_tokens("target_vocabulary", target_vocabulary)
        self.source_vocabulary_size = tl.vocabulary_size(
            "source_vocabulary_size", source_vocabulary_size, source_vocabulary,
            "source_vocabulary",
        )
        self.target_vocabulary_size = tl.vocabulary_size(
            "target_vocabulary_size", target_vocabulary_size, target_vocabulary,
            "target_vocabulary",
        )
        self.source_vocabulary = source_vocabulary
        self.target_vocabulary = target_vocabulary
        self.embedding_dim = attention_utils.validate_positive_int(
            "embedding_dim", embedding_dim
        )
        self.units = attention_utils.validate_positive_int("units", units)
        self.encoder = attention_utils.validate_choice("encoder", encoder, ENCODERS)
        self.bidirectional = bool(bidirectional)
        self.num_encoder_layers = attention_utils.validate_positive_int(
            "num_encoder_layers", num_encoder_layers
        )
        self.attention = tl.validate_attention_args(attention, score_mode, window_mode, window)
        self.attention_units = attention_utils.validate_positive_int(
            "attention_units", attention_units, allow_none=True
        )
        self.score_mode = score_mode
        self.window_mode = window_mode
        self.window = window
        self.probability_fn = attention_utils.validate_probability_fn(probability_fn)
        self.use_attention_bias = bool(use_attention_bias)
        tl.validate_monotonic_args(
            attention, monotonic_mode, sigmoid_noise, score_bias_init, chunk_size
        )
        self.monotonic_mode = monotonic_mode
        self.sigmoid_noise = sigmoid_noise
        self.score_bias_init = score_bias_init
        self.chunk_size = chunk_size
        tl.validate_coverage_args(attention, coverage, coverage_loss_weight)
        self.coverage = coverage
        self.coverage_loss_weight = coverage_loss_weight
        if attention_query not in (AUTO, "previous", "current"):
            raise ValueError(
                "`attention_query` must be 'previous', 'current' or 'auto'. "
                f"Received: attention_query={attention_query!r}"
            )
        self.attention_query = attention_query
        self.input_feeding = tl.check_bool_or_auto("input_feeding", input_feeding)
        if attention_layer_size != AUTO:
            attention_utils.validate_positive_int(
                "attention_layer_size", attention_layer_size, allow_none=True
            )
        self.attention_layer_size = attention_layer_size
        self.output_attention = tl.check_bool_or_auto("output_attention", output_attention)
        self.deep_output = attention_utils.validate_choice(
            "deep_output", deep_output, (None, "maxout")
        )
        self.deep_output_units = attention_utils.validate_positive_int(
            "deep_output_units", deep_output_units, allow_none=True
        )
        self.dropout = attention_utils.validate_rate("dropout", dropout)
        self.tokenization = validate_tokenization(tokenization)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed
        self._token_rows_loss = False

        # The attribute names below are where a saved model's weights live:
        # renaming one breaks loading older `.keras` files.
        (
            self.source_embedding,
            self.embedding_dropout,
            self.encoder_layers,
            self.bridges,
            self._num_states,
        ) = tl.make_encoder(self)
        self.decoder = tl.make_decoder(self, tl.make_attention(self))

    # -- configuration ------------------------------------------------------
    @property
    def resolved_data_flow(self):
        """`(query, input_feeding, attention_layer_size, output_attention)` in use."""
        defaults = tl.AUTO_DEFAULTS[self.attention]
        query = defaults[0] if self.attention_query == AUTO else self.attention_query
        feeding = defaults[1] if self.input_feeding == AUTO else self.input_feeding
        size = self.attention_layer_size
        if size == AUTO:
            size = self.units if defaults[2] == "units" else defaults[2]
        output_att = defaults[3] if self.output_attention == AUTO else self.output_attention
        return query, feeding, size, output_att

    @property
    def memory_dim(self):
        return self.units * (2 if self.bidirectional else 1)

    @property
    def preprocessor(self):
        """A `TextPreprocessor` of the model's vocabularies and tokenization."""
        cached = self.__dict__.get("_text_preprocessor")
        if cached is None:
            cached = TextPreprocessor(
                self.source_vocabulary, self.target_vocabulary, self.tokenization
            )
            self.__dict__["_text_preprocessor"] = cached
        return cached

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "source_vocabulary_size": self.source_vocabulary_size,
                "target_vocabulary_size": self.target_vocabulary_size,
                "embedding_dim": self.embedding_dim,
                "units": self.units,
                "encoder": self.encoder,
                "bidirectional": self.bidirectional,
                "num_encoder_layers": self.num_encoder_layers,
                "attention": self.attention,
                "attention_units": self.attention_units,
                "score_mode": self.score_mode,
                "window_mode": self.window_mode,
                "window": self.window,
                "probability_fn": attention_utils.serialize_probability_fn(
                    self.probability_fn
                ),
                "use_attention_bias": self.use_attention_bias,
                "monotonic_mode": self.monotonic_mode,
                "sigmoid_noise": self.sigmoid_noise,
                "score_bias_init": self.score_bias_init,
                "chunk_size": self.chunk_size,
                "coverage": self.coverage,
                "coverage_loss_weight": self.coverage_loss_weight,
                "attention_query": self.attention_query,
                "input_feeding": self.input_feeding,
                "attention_layer_size": self.attention_layer_size,
                "output_attention": self.output_attention,
                "deep_output": self.deep_output,
                "deep_output_units": self.deep_output_units,
                "dropout": self.dropout,
                "source_vocabulary": self.source_vocabulary,
                "target_vocabulary": self.target_vocabulary,
                "tokenization": self.tokenization,
                "seed": self.seed,
            }
        )
        return config

    # -- building -----------------------------------------------------------
    def build(self, input_shape=None):
        if self.built:
            return
        self.source_embedding.build((None, None))
        dim = self.embedding_dim
        for layer in self.encoder_layers:
            layer.build((None, None, dim))
            dim = self.memory_dim
        for bridge in self.bridges:
            bridge.build((None, self.memory_dim))
        memory_length = 1 if self.attention == "none" else None
        self.decoder.build((None, None), (None, memory_length, self.memory_dim))
        self.built = True

    # -- training -------------------------------------------------------------
    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """`keras.Model.compile` with defaults for sequence training.

        `"auto"` gives Adam (learning rate 1e-3, gradient norm clipped at
        5), the masked next-token cross-entropy
        (`SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)`)
        and `MaskedAccuracy` (token accuracy without padding). On
        TensorFlow, these defaults let the training step score only the
        non-padding tokens (`keras_attention.models.token_rows_step`).
        """
        optimizer, loss, metrics = token_compile_defaults(optimizer, loss, metrics)
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)
        self._token_rows_loss = token_rows_step.applies(loss, metrics, kwargs)
        # Build now (the weights do not depend on the input shape), so that
        # callbacks such as ScheduledSampling find the decoder's variables
        # before the first batch.
        if not self.built:
            self.build()

    def train_step(self, *args):
        # TensorFlow calls train_step(data); JAX train_step(state, data):
        # the token-rows step is TensorFlow's, Keras' own step runs otherwise.
        if self._token_rows_loss and len(args) == 1:
            logs = token_rows_step.train_step(self, args[0])
            if logs is not None:
                return logs
        return super().train_step(*args)

    # -- the forward pass --------------------------------------------------
    def encode(self, source_ids, training=None):
        """Runs the encoder.

        Args:
            source_ids: int `(B, S)`, 0 for padding.
            training: Python boolean.

        Returns:
            `(memory, initial_cell_states)`: a `keras_attention.layers.Memory`
            (values `(B, S, memory_dim)` — `(B, 1, memory_dim)`, the final
            output, with `attention="none"` —, the boolean mask `(B, S)`
            (`None` without attention), keys not yet projected) and the
            decoder cell's initial states.
        """
        tl.check_token_ids(
            "source_ids", source_ids, self.source_vocabulary_size, "source_vocabulary_size"
        )
        source_ids = ops.convert_to_tensor(source_ids)
        mask = ops.not_equal(source_ids, 0)
        x = self.source_embedding(source_ids)
        x = self.embedding_dropout(x, training=training)
        states = None
        for layer in self.encoder_layers:
            outputs = layer(x, mask=mask, training=training)
            x, states = outputs[0], list(outputs[1:])
        n = self._num_states
        if self.bidirectional:
            forward, backward = states[:n], states[n:]
            cell_states = [
                bridge(ops.concatenate([f, b], axis=-1))
                for bridge, f, b in zip(self.bridges, forward, backward, strict=True)
            ]
            final_output = ops.concatenate([forward[0], backward[0]], axis=-1)
        else:
            cell_states = states
            final_output = states[0]
        if self.attention == "none":
            return Memory(ops.expand_dims(final_output, 1)), cell_states
        return Memory(x, mask), cell_states

    def _unpack(self, inputs):
        return tl.unpack_inputs(self, inputs)

    def call(self, inputs, training=None, return_attention_scores=False):
        source_ids, target_ids = self._unpack(inputs)
        memory, cell_states = self.encode(source_ids, training=training)
        logits, _, weights = self.decoder(
            target_ids, memory, initial_state=cell_states, training=training
        )
        if training:
            self._add_attention_losses(weights, target_ids)
        if return_attention_scores:
            return logits, weights
        return logits

    def attention_weights(self, source_ids, target_ids):
        """Teacher-forced alignments `(B, T, S)` as a numpy array."""
        _, weights = self(
            {"source_ids": source_ids, "target_ids": target_ids},
            training=False,
            return_attention_scores=True,
        )
        return to_numpy(weights)

    # -- decoding -------------------------------------------------------------
    def generate(self, source_ids, sampler="greedy", max_length=50):
        """Decodes token ids with a sampler.

        Args:
            source_ids: int `(B, S)`, 0 for padding.
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance
                from `keras_attention.models.samplers`.
            max_length: maximum number of output tokens (end token included);
                at most `8 · S + 64` and 4096.

        Returns:
            The sampler's dict (`token_ids`, `scores`, `lengths`,
            `attention`, ...), as tensors.
        """
        sampler = samplers_lib.get(sampler)
        source_length = getattr(source_ids, "shape", (None, None))[-1]
        max_length = self._check_max_length(
            max_length, source_length, MAX_TOKENS_PER_SOURCE_TOKEN
        )
        return self._sample(sampler, source_ids, max_length)

    def generate_input_spec(self):
        return (None, None), "int32"

    # -- export (the rest is TokenDecoderExport's) ---------------------------------
    def encoder_input_specs(self, batch_size):
        return [("source_ids", [batch_size, None], "int32")]

    def export_examples(self, samples=None, count=50, seed=0):
        """Per-example `{"source_ids": (1, S)}` inputs.

        Args:
            samples: texts or id lists (default: `count` random id sequences
                of lengths 1–24, seeded).
        """
        if samples is None:
            rng = np.random.default_rng(seed)
            high = self.source_vocabulary_size
            rows = [
                rng.integers(4, high, size=int(n)).tolist()
                for n in rng.integers(1, 25, count)
            ]
        else:
            rows = self.preprocessor.encode_sources(
                samples, argument="samples", vocabulary_size=self.source_vocabulary_size
            ).ids
        return [{"source_ids": np.asarray([row], "int32")} for row in rows]

    def export_metadata(self, sampler=None, max_length=None):
        data = super().export_metadata(sampler, max_length)
        data.update(
            {
                "attention": self.attention,
                "source_vocabulary_size": self.source_vocabulary_size,
                "target_vocabulary_size": self.target_vocabulary_size,
            }
        )
        return data

    def export_string_endpoints(self, beam_sampler, max_length):
        """The SavedModel's text → text `translate` endpoint (TensorFlow strings)."""
        if self.source_vocabulary is None or self.target_vocabulary is None:
            return {}
        from keras_attention.models.text_graph import translate_endpoint

        return {"translate": translate_endpoint(self, max_length)}
