"""The pieces `Seq2SeqTranslator` is built from, and its argument checks."""

import keras
import numpy as np

from keras_attention.layers import attention_utils
from keras_attention.layers.attention_decoder import AttentionDecoder
from keras_attention.layers.attention_decoder_cell import AttentionDecoderCell
from keras_attention.layers.bahdanau_attention import BahdanauAttention
from keras_attention.layers.bahdanau_monotonic_attention import (
    BahdanauMonotonicAttention,
)
from keras_attention.layers.luong_attention import LuongAttention
from keras_attention.layers.luong_monotonic_attention import LuongMonotonicAttention
from keras_attention.layers.monotonic import MODES as MONOTONIC_MODES
from keras_attention.layers.monotonic_chunkwise_attention import (
    MonotonicChunkwiseAttention,
)
from keras_attention.runtime.vocabulary import Vocabulary
from keras_attention.utils.validation import validate_non_negative_float

ENCODERS = ("lstm", "gru", "simple")
ATTENTIONS = (
    "bahdanau", "luong", "none", "bahdanau_monotonic", "luong_monotonic", "mocha",
)
# Monotonic attention (Raffel et al., 2017) and MoChA (Chiu & Raffel, 2018).
MONOTONIC = ("bahdanau_monotonic", "luong_monotonic", "mocha")
# The defaults of the monotonic options (`None` in a model's config).
MONOTONIC_DEFAULTS = {
    "monotonic_mode": "parallel", "sigmoid_noise": 0.0, "score_bias_init": 0.0,
    "chunk_size": 2,
}
AUTO = "auto"

RNN = {
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
AUTO_DEFAULTS = {
    "bahdanau": ("previous", False, None, False),
    "luong": ("current", False, "units", True),
    "none": ("previous", False, None, False),
}
# The monotonic variants keep their score's data flow.
AUTO_DEFAULTS.update(
    bahdanau_monotonic=AUTO_DEFAULTS["bahdanau"],
    mocha=AUTO_DEFAULTS["bahdanau"],
    luong_monotonic=AUTO_DEFAULTS["luong"],
)


def check_bool_or_auto(name, value):
    if value != AUTO and not isinstance(value, bool):
        raise ValueError(
            f"`{name}` must be True, False or 'auto'. Received: {name}={value!r}"
        )
    return value


def vocabulary_tokens(name, vocabulary):
    """A vocabulary argument as a token list (or None)."""
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


def vocabulary_size(name, size, tokens, vocab_name):
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


def eager_values(x):
    """The values of `x` as a NumPy array if they are known now, else None."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, keras.KerasTensor):
        return None
    try:  # an eager tensor; a traced one has no values
        return np.asarray(keras.ops.convert_to_numpy(x))
    except Exception:  # noqa: BLE001 (tracers of every backend refuse differently)
        return None


def check_token_ids(name, ids, size, size_name):
    """Token ids must be a `(batch, length)` array of integers in [0, size)
    (the values checked when they are known).

    An embedding lookup would otherwise fail deep inside the backend (TF on
    CPU), silently return zeros (TF on GPU), wrap around (negative ids) or
    truncate floats.
    """
    shape = getattr(ids, "shape", None)
    try:
        rank = None if shape is None else len(shape)
    except (TypeError, ValueError):  # a traced tensor of unknown rank
        rank = None
    if rank not in (None, 2):
        raise ValueError(
            f"`{name}` must have shape (batch, length): one row of ids per example. "
            f"Received: {name}.shape={tuple(shape)}"
        )
    dtype = str(getattr(ids, "dtype", ""))
    if dtype and "int" not in dtype:
        values = eager_values(ids)
        example = ""
        if values is not None and values.size:
            index = ", ".join("0" for _ in values.shape)
            example = f" (e.g. {name}[{index}]={values.reshape(-1)[0].item()!r})"
        raise ValueError(
            f"`{name}` must hold integer token ids. Received: dtype={dtype}{example}"
        )
    values = eager_values(ids)
    if values is None or values.size == 0:
        return
    bad = np.argwhere((values < 0) | (values >= size))
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        index = ", ".join(str(i) for i in where)
        raise ValueError(
            f"`{name}` must hold token ids in [0, {size}) "
            f"({size_name}={size}). Received: {name}[{index}]={int(values[where])}"
        )


def make_encoder(model):
    """The source embedding, its dropout, the recurrent layers and the bridges."""
    rnn_cls, _, num_states = RNN[model.encoder]
    embedding = keras.layers.Embedding(
        model.source_vocabulary_size,
        model.embedding_dim,
        mask_zero=True,
        name="source_embedding",
    )
    dropout = keras.layers.Dropout(model.dropout, seed=model.seed, name="embedding_dropout")
    layers = []
    for i in range(model.num_encoder_layers):
        rnn = rnn_cls(
            model.units,
            return_sequences=True,
            return_state=True,
            dropout=model.dropout,
            seed=model.seed,
            name=f"encoder_{i}",
        )
        if model.bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"encoder_{i}_bidirectional")
        layers.append(rnn)
    bridges = []
    if model.bidirectional:
        bridges = [
            keras.layers.Dense(model.units, activation="tanh", name=f"bridge_{j}")
            for j in range(num_states)
        ]
    return embedding, dropout, layers, bridges, num_states


def monotonic_option(model, name):
    """A monotonic option of the model, its default where the config has None."""
    value = getattr(model, name)
    return MONOTONIC_DEFAULTS[name] if value is None else value


def make_attention(model):
    """The attention layer of the decoder cell, or None."""
    if model.attention == "bahdanau":
        return BahdanauAttention(
            model.attention_units or model.units,
            use_bias=model.use_attention_bias,
            probability_fn=model.probability_fn,
            use_coverage=model.coverage,
            name="attention",
        )
    if model.attention in MONOTONIC:
        options = dict(
            sigmoid_noise=monotonic_option(model, "sigmoid_noise"),
            score_bias_init=monotonic_option(model, "score_bias_init"),
            mode=monotonic_option(model, "monotonic_mode"),
            seed=model.seed,
            name="attention",
        )
        if model.attention == "luong_monotonic":
            return LuongMonotonicAttention(
                score_mode=model.score_mode or "general", units=model.attention_units,
                **options,
            )
        units = model.attention_units or model.units
        if model.attention == "mocha":
            return MonotonicChunkwiseAttention(
                units, chunk_size=monotonic_option(model, "chunk_size"),
                use_bias=model.use_attention_bias, **options,
            )
        return BahdanauMonotonicAttention(
            units, use_bias=model.use_attention_bias, **options
        )
    if model.attention == "luong":
        return LuongAttention(
            score_mode=model.score_mode or "general",
            units=model.attention_units,
            window=model.window,
            window_mode=model.window_mode,
            probability_fn=model.probability_fn,
            name="attention",
        )
    return None


def make_decoder(model, attention_layer):
    """The `AttentionDecoder`: target embedding, the step cell, the logits."""
    _, cell_cls, _ = RNN[model.encoder]
    query, feeding, layer_size, output_attention = model.resolved_data_flow
    rnn_cell = cell_cls(
        model.units, dropout=model.dropout, seed=model.seed, name="decoder_rnn_cell"
    )
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
        output_attention=output_attention,
        deep_output=model.deep_output,
        deep_output_units=model.deep_output_units,
        name="decoder_cell",
    )
    return AttentionDecoder(
        cell,
        embedding=keras.layers.Embedding(
            model.target_vocabulary_size,
            model.embedding_dim,
            mask_zero=True,
            name="target_embedding",
        ),
        # float32 logits under mixed precision (softmax and loss stay exact).
        output_layer=keras.layers.Dense(
            model.target_vocabulary_size, name="logits", dtype="float32"
        ),
        seed=model.seed,
        name="decoder",
    )


def validate_attention_args(attention, score_mode, window_mode, window):
    attention_utils.validate_choice("attention", attention, ATTENTIONS)
    if attention not in ("luong", "luong_monotonic") and score_mode is not None:
        raise ValueError(
            "`score_mode` applies to attention='luong' only (and its monotonic "
            "variant 'luong_monotonic'; Bahdanau's score is additive). Received: "
            f"score_mode={score_mode!r} with attention={attention!r}"
        )
    if attention == "luong_monotonic" and score_mode == "location":
        raise ValueError(
            "attention='luong_monotonic' takes score_mode 'dot', 'scaled_dot', "
            "'general' or 'concat' (a location score ignores the memory). "
            "Received: score_mode='location'"
        )
    if attention != "luong" and (window_mode != "global" or window is not None):
        raise ValueError(
            "`window_mode` and `window` apply to attention='luong' only. "
            f"Received: window_mode={window_mode!r}, window={window!r} with "
            f"attention={attention!r}"
        )
    return attention


def validate_monotonic_args(attention, monotonic_mode, sigmoid_noise, score_bias_init,
                            chunk_size):
    """Checks the monotonic options; `None` means the default (see `MONOTONIC_DEFAULTS`)."""
    given = {
        "monotonic_mode": monotonic_mode, "sigmoid_noise": sigmoid_noise,
        "score_bias_init": score_bias_init, "chunk_size": chunk_size,
    }
    allowed = {name: MONOTONIC for name in given}
    allowed["chunk_size"] = ("mocha",)
    for name, value in given.items():
        if value is not None and attention not in allowed[name]:
            where = "'mocha'" if name == "chunk_size" else (
                "'bahdanau_monotonic', 'luong_monotonic' and 'mocha'"
            )
            raise ValueError(
                f"`{name}` applies to attention={where} only. Received: "
                f"{name}={value!r} with attention={attention!r}"
            )
    if monotonic_mode is not None:
        attention_utils.validate_choice("monotonic_mode", monotonic_mode, MONOTONIC_MODES)
    if sigmoid_noise is not None and (
        isinstance(sigmoid_noise, bool) or not isinstance(sigmoid_noise, (int, float))
        or not sigmoid_noise >= 0
    ):
        raise ValueError(
            "`sigmoid_noise` must be a non-negative number. "
            f"Received: sigmoid_noise={sigmoid_noise!r}"
        )
    if score_bias_init is not None and (
        isinstance(score_bias_init, bool) or not isinstance(score_bias_init, (int, float))
    ):
        raise ValueError(
            "`score_bias_init` must be a float. "
            f"Received: score_bias_init={score_bias_init!r}"
        )
    attention_utils.validate_positive_int("chunk_size", chunk_size, allow_none=True)


def validate_coverage_args(attention, coverage, coverage_loss_weight):
    if not isinstance(coverage, bool):
        raise ValueError(
            f"`coverage` must be True or False. Received: coverage={coverage!r}"
        )
    if coverage and attention != "bahdanau":
        raise ValueError(
            "`coverage=True` adds the coverage vector to the additive score of "
            "attention='bahdanau' only. Received: coverage=True with "
            f"attention={attention!r}"
        )
    validate_non_negative_float("coverage_loss_weight", coverage_loss_weight)
    if coverage_loss_weight > 0 and attention == "none":
        raise ValueError(
            "`coverage_loss_weight` needs attention (its alignments). Received: "
            f"coverage_loss_weight={coverage_loss_weight!r} with attention='none'"
        )


def check_input_dict(owner, inputs, keys):
    """Raises unless `inputs` is a dict holding `keys` (`owner`: the model's name).

    Example:

    >>> check_input_dict("Model", {"a": 1}, ("a", "b"))
    Traceback (most recent call last):
    ...
    ValueError: Model expects a dict with 'a' and 'b'. Received: ['a']
    """
    if not isinstance(inputs, dict) or not set(keys) <= set(inputs):
        got = sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__
        wanted = " and ".join(repr(key) for key in keys)
        raise ValueError(f"{owner} expects a dict with {wanted}. Received: {got}")


def unpack_inputs(model, inputs):
    """`(source_ids, target_ids)` of a translator's call, checked."""
    check_input_dict("Seq2SeqTranslator", inputs, ("source_ids", "target_ids"))
    source_ids, target_ids = inputs["source_ids"], inputs["target_ids"]
    batch = [getattr(x, "shape", (None,))[0] for x in (source_ids, target_ids)]
    if None not in batch and batch[0] != batch[1]:
        raise ValueError(
            "`source_ids` and `target_ids` must have the same batch size. "
            f"Received: source_ids.shape={tuple(source_ids.shape)} and "
            f"target_ids.shape={tuple(target_ids.shape)}"
        )
    check_token_ids(
        "target_ids", target_ids, model.target_vocabulary_size, "target_vocabulary_size"
    )
    return source_ids, target_ids
