"""An RNN encoder–decoder translator with Bahdanau, Luong or no attention."""

import weakref

import keras
import numpy as np
from keras import ops

from keras_attention.data import text_utils
from keras_attention.data.vocabulary import END_ID, START_ID, Vocabulary
from keras_attention.evaluation.masked_accuracy import MaskedAccuracy
from keras_attention.layers import attention_utils
from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.luong_attention import LuongAttention
from keras_attention.models import samplers as samplers_lib

ENCODERS = ("lstm", "gru", "simple")
ATTENTIONS = ("bahdanau", "luong", "none")
AUTO = "auto"

_GENERATE_CACHE = weakref.WeakKeyDictionary()  # model -> {sampler key: tf.function}

_RNN = {
    "lstm": (keras.layers.LSTM, keras.layers.LSTMCell, 2),
    "gru": (keras.layers.GRU, keras.layers.GRUCell, 1),
    "simple": (keras.layers.SimpleRNN, keras.layers.SimpleRNNCell, 1),
}

# Defaults of the "auto" arguments per attention type:
# (attention_query, input_feeding, attention_layer_size, output_attention).
# Bahdanau et al. (2015): the previous state queries, the context enters the
# RNN update, logits from the new state. Luong et al. (2015, without input
# feeding, so the fast path applies): the current state queries and
# tanh(W_c[c; h]) feeds the logits. No attention: the encoder's final output
# is the context at every step (Cho et al., 2014).
_AUTO_DEFAULTS = {
    "bahdanau": ("previous", False, None, False),
    "luong": ("current", False, "units", True),
    "none": ("previous", False, None, False),
}


def _check_bool_or_auto(name, value):
    if value != AUTO and not isinstance(value, bool):
        raise ValueError(
            f"`{name}` must be True, False or 'auto'. Received: {name}={value!r}"
        )
    return value


def _vocabulary_tokens(name, vocabulary):
    if vocabulary is None:
        return None
    if isinstance(vocabulary, Vocabulary):
        return vocabulary.tokens
    if isinstance(vocabulary, dict) and "tokens" in vocabulary:
        vocabulary = vocabulary["tokens"]
    if isinstance(vocabulary, (list, tuple)):
        try:
            return Vocabulary(vocabulary).tokens
        except ValueError as e:
            raise ValueError(f"`{name}` is not a valid vocabulary: {e}") from None
    raise ValueError(
        f"`{name}` must be a Vocabulary, a list of tokens or None. "
        f"Received: {name} of type {type(vocabulary).__name__}"
    )


def _vocabulary_size(name, size, tokens, vocab_name):
    if size is None:
        if tokens is None:
            raise ValueError(
                f"Pass `{name}` or `{vocab_name}`. Received: {name}=None and "
                f"{vocab_name}=None"
            )
        return len(tokens)
    if isinstance(size, bool) or not isinstance(size, int) or size < 4:
        raise ValueError(
            f"`{name}` must be an integer >= 4 (ids 0-3 are padding, OOV, start "
            f"and end). Received: {name}={size!r}"
        )
    if tokens is not None and len(tokens) != size:
        raise ValueError(
            f"`{name}` must equal the length of `{vocab_name}`. Received: "
            f"{name}={size} and a vocabulary of {len(tokens)} tokens"
        )
    return size


def _scores_token_rows(loss, metrics, compile_kwargs):
    """Whether `train_step` may score gathered token rows (see there)."""
    if not isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
        return False
    config = loss.get_config()
    if not (
        config.get("from_logits")
        and config.get("ignore_class") == 0
        and config.get("reduction") in ("sum_over_batch_size", "sum", "mean")
    ):
        return False
    if metrics is not None and not (
        isinstance(metrics, (list, tuple))
        and all(isinstance(m, MaskedAccuracy) and m.ignore_class == 0 for m in metrics)
    ):
        return False
    return not any(compile_kwargs.get(k) for k in ("loss_weights", "weighted_metrics"))


def _eager_values(x):
    """The values of `x` as a NumPy array if they are known now, else None."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, keras.KerasTensor) or not hasattr(x, "numpy"):
        return None
    try:  # an eager tensor; a traced one has no values
        return np.asarray(x.numpy())
    except (AttributeError, NotImplementedError, TypeError, ValueError):
        return None


def _check_token_ids(name, ids, vocabulary_size, size_name):
    """Ids outside [0, vocabulary_size) are an error (when their values are known).

    An embedding lookup would otherwise fail deep inside the backend (TF on
    CPU), silently return zeros (TF on GPU) or wrap around (negative ids).
    """
    values = _eager_values(ids)
    if values is None or values.size == 0:
        return
    bad = np.argwhere((values < 0) | (values >= vocabulary_size))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        index = ", ".join(str(i) for i in where)
        raise ValueError(
            f"`{name}` must hold token ids in [0, {vocabulary_size}) "
            f"({size_name}={vocabulary_size}). Received: "
            f"{name}[{index}]={int(values[where])}"
        )


@keras.saving.register_keras_serializable(package="keras_attention")
class Seq2SeqTranslator(keras.Model):
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
    `tanh(W_c[c; h])`) or `"none"` (the classic encoder–decoder: the
    encoder's final output is the context at every step). The data-flow
    arguments `attention_query`, `input_feeding`, `attention_layer_size` and
    `output_attention` default (`"auto"`) to each paper's choice and can be
    set to express any `tfa.seq2seq.AttentionWrapper` configuration.

    Decoding (`generate`, `translate`) runs a sampler from
    `keras_attention.models.samplers` over `decoder.decode_step`.

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
        attention: `"bahdanau"`, `"luong"` or `"none"`.
        attention_units: hidden size of the additive score (Bahdanau, and
            Luong `"concat"`); default `units`.
        score_mode: Luong score, `"dot"`, `"scaled_dot"`, `"general"`
            (default), `"concat"` or `"location"`; must be `None` otherwise.
        window_mode: Luong window, `"global"`, `"local_m"` or `"local_p"`.
        window: half-width of a local window.
        probability_fn: `"softmax"`, `"sparsemax"`, `"hardmax"` or
            `"hard_straight_through"`.
        use_attention_bias: whether the additive score has a bias inside
            the tanh (`False` is `tfa.seq2seq.BahdanauAttention`).
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
            (see `keras_attention.data.text_utils`).
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

    def __init__(
        self,
        source_vocabulary_size=None,
        target_vocabulary_size=None,
        embedding_dim=64,
        units=128,
        encoder="gru",
        bidirectional=False,
        num_encoder_layers=1,
        attention="bahdanau",
        attention_units=None,
        score_mode=None,
        window_mode="global",
        window=None,
        probability_fn="softmax",
        use_attention_bias=True,
        attention_query=AUTO,
        input_feeding=AUTO,
        attention_layer_size=AUTO,
        output_attention=AUTO,
        deep_output=None,
        deep_output_units=None,
        dropout=0.0,
        source_vocabulary=None,
        target_vocabulary=None,
        tokenization="word",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        source_vocabulary = _vocabulary_tokens("source_vocabulary", source_vocabulary)
        target_vocabulary = _vocabulary_tokens("target_vocabulary", target_vocabulary)
        self.source_vocabulary_size = _vocabulary_size(
            "source_vocabulary_size", source_vocabulary_size, source_vocabulary,
            "source_vocabulary",
        )
        self.target_vocabulary_size = _vocabulary_size(
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
        self.attention = attention_utils.validate_choice(
            "attention", attention, ATTENTIONS
        )
        self.attention_units = attention_utils.validate_positive_int(
            "attention_units", attention_units, allow_none=True
        )
        if attention != "luong" and score_mode is not None:
            raise ValueError(
                "`score_mode` applies to attention='luong' only (Bahdanau's score "
                f"is additive). Received: score_mode={score_mode!r} with "
                f"attention={attention!r}"
            )
        if attention != "luong" and (window_mode != "global" or window is not None):
            raise ValueError(
                "`window_mode` and `window` apply to attention='luong' only. "
                f"Received: window_mode={window_mode!r}, window={window!r} with "
                f"attention={attention!r}"
            )
        self.score_mode = score_mode
        self.window_mode = window_mode
        self.window = window
        self.probability_fn = attention_utils.validate_probability_fn(probability_fn)
        self.use_attention_bias = bool(use_attention_bias)
        if attention_query not in (AUTO, "previous", "current"):
            raise ValueError(
                "`attention_query` must be 'previous', 'current' or 'auto'. "
                f"Received: attention_query={attention_query!r}"
            )
        self.attention_query = attention_query
        self.input_feeding = _check_bool_or_auto("input_feeding", input_feeding)
        if attention_layer_size != AUTO:
            attention_utils.validate_positive_int(
                "attention_layer_size", attention_layer_size, allow_none=True
            )
        self.attention_layer_size = attention_layer_size
        self.output_attention = _check_bool_or_auto("output_attention", output_attention)
        self.deep_output = attention_utils.validate_choice(
            "deep_output", deep_output, (None, "maxout")
        )
        self.deep_output_units = attention_utils.validate_positive_int(
            "deep_output_units", deep_output_units, allow_none=True
        )
        self.dropout = attention_utils.validate_rate("dropout", dropout)
        self.tokenization = text_utils.validate_tokenization(tokenization)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
        self.seed = seed

        rnn_cls, cell_cls, self._num_states = _RNN[encoder]
        self.source_embedding = keras.layers.Embedding(
            self.source_vocabulary_size,
            embedding_dim,
            mask_zero=True,
            name="source_embedding",
        )
        self.embedding_dropout = keras.layers.Dropout(
            self.dropout, seed=seed, name="embedding_dropout"
        )
        self.encoder_layers = []
        for i in range(num_encoder_layers):
            rnn = rnn_cls(
                units,
                return_sequences=True,
                return_state=True,
                dropout=self.dropout,
                seed=seed,
                name=f"encoder_{i}",
            )
            if self.bidirectional:
                rnn = keras.layers.Bidirectional(rnn, name=f"encoder_{i}_bidirectional")
            self.encoder_layers.append(rnn)
        self.bridges = []
        if self.bidirectional:
            self.bridges = [
                keras.layers.Dense(units, activation="tanh", name=f"bridge_{j}")
                for j in range(self._num_states)
            ]

        query, feeding, layer_size, output_att = self.resolved_data_flow
        attention_layer = None
        if attention == "bahdanau":
            attention_layer = BahdanauAttention(
                self.attention_units or units,
                use_bias=self.use_attention_bias,
                probability_fn=probability_fn,
                name="attention",
            )
        elif attention == "luong":
            attention_layer = LuongAttention(
                score_mode=score_mode or "general",
                units=self.attention_units,
                window=window,
                window_mode=window_mode,
                probability_fn=probability_fn,
                name="attention",
            )
        rnn_cell = cell_cls(units, dropout=self.dropout, seed=seed, name="decoder_rnn_cell")
        # The decoder applies the target mask itself; embedded step inputs reach
        # the cell with their Keras mask attached, which the cell may ignore
        # (without this flag Keras warns that the mask is dropped).
        rnn_cell.supports_masking = True
        cell = AttentionDecoderCell(
            rnn_cell,
            attention_layer,
            query=query,
            input_feeding=feeding,
            attention_layer_size=layer_size,
            output_attention=output_att,
            deep_output=deep_output,
            deep_output_units=deep_output_units,
            name="decoder_cell",
        )
        self.decoder = AttentionDecoder(
            cell,
            embedding=keras.layers.Embedding(
                self.target_vocabulary_size,
                embedding_dim,
                mask_zero=True,
                name="target_embedding",
            ),
            # float32 logits under mixed precision (softmax and loss stay exact).
            output_layer=keras.layers.Dense(
                self.target_vocabulary_size, name="logits", dtype="float32"
            ),
            seed=seed,
            name="decoder",
        )

    # -- configuration ------------------------------------------------------
    @property
    def resolved_data_flow(self):
        """`(query, input_feeding, attention_layer_size, output_attention)` in use."""
        defaults = _AUTO_DEFAULTS[self.attention]
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
                "probability_fn": self.probability_fn,
                "use_attention_bias": self.use_attention_bias,
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

    @classmethod
    def from_config(cls, config):
        return cls(**config)

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
        and `MaskedAccuracy` (token accuracy without padding).
        """
        if optimizer == "auto":
            optimizer = keras.optimizers.Adam(1e-3, clipnorm=5.0)
        if loss == "auto":
            loss = keras.losses.SparseCategoricalCrossentropy(
                from_logits=True, ignore_class=0
            )
        if metrics == "auto":
            metrics = [MaskedAccuracy()]
        super().compile(optimizer=optimizer, loss=loss, metrics=metrics, **kwargs)
        self._token_rows_loss = _scores_token_rows(loss, metrics, kwargs)
        # Build now (the weights do not depend on the input shape), so that
        # callbacks such as ScheduledSampling find the decoder's variables
        # before the first batch.
        if not self.built:
            self.build()

    def train_step(self, data):
        """`keras.Model.train_step`, scoring only the non-padding tokens.

        With the default loss (`SparseCategoricalCrossentropy(from_logits=True,
        ignore_class=0)`, any reduction but `"none"`) and no metrics other than
        `MaskedAccuracy`, and no sample weights, the logits are computed only
        at the labelled positions (`labels != 0`, gathered into `(N, vocab)`)
        and the compiled loss and metrics score those rows: the same loss
        value and gradients as Keras' step on the `(B, T, vocab)` logits,
        without making that tensor (6–8% faster on the benchmark spec,
        see bench/RESULTS.md). Anything else takes Keras' own `train_step`.
        """
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if not (
            getattr(self, "_token_rows_loss", False)
            and keras.backend.backend() == "tensorflow"
            and sample_weight is None
            and y is not None
            and isinstance(x, dict)
        ):
            return super().train_step(data)
        import tensorflow as tf

        source_ids, target_ids = self._unpack(x)
        labels = ops.convert_to_tensor(y)
        index = tf.where(ops.not_equal(labels, 0))
        row_labels = tf.gather_nd(labels, index)
        with tf.GradientTape() as tape:
            memory, memory_mask, cell_states = self.encode(source_ids, training=True)
            rows = self.decoder.logits_at(
                target_ids, memory, index, memory_mask=memory_mask,
                initial_state=cell_states,
            )
            loss = self._compute_loss(
                x=x, y=row_labels, y_pred=rows, sample_weight=None, training=True
            )
            # As keras.Model.train_step: the tracker sees the unscaled loss.
            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            self._loss_tracker.update_state(
                loss * tf.cast(replicas, loss.dtype),
                sample_weight=tf.shape(source_ids)[0],
            )
            if self.optimizer is not None:
                loss = self.optimizer.scale_loss(loss)
        gradients = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self.compute_metrics(x, row_labels, rows, sample_weight=None)

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if hasattr(self, "optimizer") and self.built:
            self.optimizer.build(self.trainable_variables)

    # -- the forward pass --------------------------------------------------
    def encode(self, source_ids, training=None):
        """Runs the encoder.

        Args:
            source_ids: int `(B, S)`, 0 for padding.
            training: Python boolean.

        Returns:
            `(memory, memory_mask, initial_cell_states)`: the memory
            `(B, S, memory_dim)` (`(B, 1, memory_dim)`, the final output,
            with `attention="none"`), its boolean mask `(B, S)` (`None`
            without attention) and the decoder cell's initial states.
        """
        source_ids = ops.convert_to_tensor(source_ids)
        if "int" not in str(source_ids.dtype):
            raise ValueError(
                "`source_ids` must hold integer token ids. "
                f"Received: dtype={source_ids.dtype}"
            )
        _check_token_ids(
            "source_ids", source_ids, self.source_vocabulary_size, "source_vocabulary_size"
        )
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
            return ops.expand_dims(final_output, 1), None, cell_states
        return x, mask, cell_states

    def _unpack(self, inputs):
        if not isinstance(inputs, dict) or not {"source_ids", "target_ids"} <= set(inputs):
            got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
            raise ValueError(
                "Seq2SeqTranslator expects a dict with 'source_ids' and "
                f"'target_ids'. Received: {got}"
            )
        source_ids, target_ids = inputs["source_ids"], inputs["target_ids"]
        batch = [getattr(x, "shape", (None,))[0] for x in (source_ids, target_ids)]
        if None not in batch and batch[0] != batch[1]:
            raise ValueError(
                "`source_ids` and `target_ids` must have the same batch size. "
                f"Received: source_ids.shape={tuple(source_ids.shape)} and "
                f"target_ids.shape={tuple(target_ids.shape)}"
            )
        _check_token_ids(
            "target_ids", target_ids, self.target_vocabulary_size, "target_vocabulary_size"
        )
        return source_ids, target_ids

    def call(self, inputs, training=None, return_attention_scores=False):
        source_ids, target_ids = self._unpack(inputs)
        memory, memory_mask, cell_states = self.encode(source_ids, training=training)
        logits, _, weights = self.decoder(
            target_ids,
            memory,
            memory_mask=memory_mask,
            initial_state=cell_states,
            training=training,
        )
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
        return ops.convert_to_numpy(weights)

    # -- decoding -------------------------------------------------------------
    def generate(self, source_ids, sampler="greedy", max_length=50):
        """Decodes token ids with a sampler.

        Args:
            source_ids: int `(B, S)`, 0 for padding.
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance
                from `keras_attention.models.samplers`.
            max_length: maximum number of output tokens (end token included).

        Returns:
            The sampler's dict (`token_ids`, `scores`, `lengths`,
            `attention`, ...), as tensors.
        """
        sampler = samplers_lib.get(sampler)
        if not self.built:
            self.build()
        memory, memory_mask, cell_states = self.encode(source_ids, training=False)
        return sampler(
            self.decoder,
            memory,
            memory_mask,
            cell_states,
            start_id=START_ID,
            end_id=END_ID,
            max_length=max_length,
        )

    def _generate_compiled(self, sampler, max_length):
        """`generate` for `translate`, traced once per sampler configuration.

        Run eagerly, the decoding loop dispatches every op from Python (for
        a small model, 100x slower than traced). On TensorFlow, greedy and beam search
        are traced into a `tf.function` with a dynamic batch and source
        length, cached per (sampler configuration, `max_length`). Random
        sampling stays eager, so that every call draws new samples.
        """
        if keras.backend.backend() != "tensorflow" or not isinstance(
            sampler, (samplers_lib.GreedySampler, samplers_lib.BeamSampler)
        ):
            return lambda ids: self.generate(ids, sampler=sampler, max_length=max_length)
        import tensorflow as tf

        if not self.built:
            self.build()  # variables are created outside the trace
        # Kept beside the model (not on it: an attribute would be tracked
        # and exported); the function holds only a weak reference to it.
        cache = _GENERATE_CACHE.setdefault(self, {})
        key = (type(sampler).__name__, repr(sorted(sampler.get_config().items())), max_length)
        if key not in cache:
            model = weakref.ref(self)

            # The loops are keras.ops (tf.while_loop): nothing for AutoGraph
            # to convert, and without this it warns that it cannot parse
            # the function's source.
            @tf.autograph.experimental.do_not_convert
            def decode(ids):
                return model().generate(ids, sampler=sampler, max_length=max_length)

            cache[key] = tf.function(
                decode, input_signature=[tf.TensorSpec((None, None), tf.int32)]
            )
        return cache[key]

    def _source_ids(self, texts_or_ids):
        """Text(s) or id lists → list of id lists (and token lists for labels)."""
        if isinstance(texts_or_ids, str):
            texts_or_ids = [texts_or_ids]
        if isinstance(texts_or_ids, np.ndarray) and texts_or_ids.dtype.kind in "iu":
            return [list(row[row != 0]) for row in texts_or_ids], None
        items = list(texts_or_ids)
        if items and all(isinstance(t, str) for t in items):
            if self.source_vocabulary is None:
                raise ValueError(
                    "translate() of text needs the model's `source_vocabulary`; "
                    "this model has none. Pass token ids instead."
                )
            vocab = Vocabulary(self.source_vocabulary)
            tokens = [text_utils.tokenize(t, self.tokenization) for t in items]
            return [vocab.encode(t) for t in tokens], tokens
        try:
            ids = [[int(i) for i in row if int(i) != 0] for row in items]
        except (TypeError, ValueError):
            raise ValueError(
                "`texts_or_ids` must be a string, a list of strings or a list of "
                "token-id lists. Received: "
                f"{type(items[0]).__name__ if items else 'an empty list'} items"
            ) from None
        return ids, None

    def translate(
        self,
        texts_or_ids,
        sampler="greedy",
        max_length=None,
        batch_size=64,
        return_attention=False,
    ):
        """Translates texts (or source id lists) to strings.

        Args:
            texts_or_ids: a string, a list of strings (split with the
                model's `tokenization` and encoded with its
                `source_vocabulary`), or a list / int array of id lists.
            sampler: `"greedy"`, `"random"`, `"beam"` or a sampler instance.
                With an n-best beam sampler, the best hypothesis is used.
            max_length: maximum output tokens; default `2 · S + 10`, rounded
                up to a multiple of 16, for a
                batch whose longest source has `S` tokens.
            batch_size: sources decoded together (each batch is padded to
                its longest source).
            return_attention: also return, for each input, a dict with
                `"weights"` `(output tokens incl. end, source tokens)`,
                `"source_tokens"` and `"output_tokens"` (for plotting).

        Returns:
            A list of strings (one per input), and with `return_attention`
            a second list of dicts as described above.
        """
        if self.target_vocabulary is None:
            raise ValueError(
                "translate() needs the model's `target_vocabulary` to write "
                "strings; this model has none. Use generate() for token ids."
            )
        attention_utils.validate_positive_int("batch_size", batch_size)
        single = isinstance(texts_or_ids, str)
        ids, source_tokens = self._source_ids(texts_or_ids)
        for i, row in enumerate(ids):
            if not row:
                raise ValueError(
                    f"Input {i} of `texts_or_ids` has no tokens: nothing to translate."
                )
        target_vocab = Vocabulary(self.target_vocabulary)
        source_vocab = (
            Vocabulary(self.source_vocabulary) if self.source_vocabulary else None
        )
        sampler = samplers_lib.get(sampler)
        texts, attentions = [], []
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            longest = max(len(r) for r in chunk)
            batch = np.zeros((len(chunk), longest), "int32")
            for i, r in enumerate(chunk):
                batch[i, : len(r)] = r
            # The default cap is rounded up to a multiple of 16, so that a
            # corpus of varied lengths needs only a few traced decoders.
            length = max_length if max_length is not None else -(-(2 * longest + 10) // 16) * 16
            out = self._generate_compiled(sampler, length)(batch)
            token_ids = ops.convert_to_numpy(out["token_ids"])
            lengths = ops.convert_to_numpy(out["lengths"])
            weights = ops.convert_to_numpy(out["attention"])
            if token_ids.ndim == 3:  # beam search: best hypothesis first
                token_ids, lengths, weights = token_ids[:, 0], lengths[:, 0], weights[:, 0]
            for i, r in enumerate(chunk):
                output = target_vocab.decode(token_ids[i, : lengths[i]])
                texts.append(text_utils.detokenize(output, self.tokenization))
                if return_attention:
                    n_out = int(lengths[i])
                    if source_tokens is not None:
                        src_labels = source_tokens[start + i]
                    elif source_vocab is not None:
                        src_labels = [source_vocab.id_to_token(t) for t in r]
                    else:
                        src_labels = [str(t) for t in r]
                    out_labels = [
                        target_vocab.id_to_token(t) for t in token_ids[i, :n_out]
                    ]
                    w = weights[i, :n_out]
                    if self.attention != "none":
                        w = w[:, : len(r)]
                    attentions.append(
                        {
                            "weights": w,
                            "source_tokens": list(src_labels),
                            "output_tokens": out_labels,
                        }
                    )
        if single:
            texts = texts[0]
            attentions = attentions[0] if return_attention else attentions
        if return_attention:
            return texts, attentions
        return texts
