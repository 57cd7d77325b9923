"""Our cell configured as tfa's AttentionWrapper gives tfa's numbers.

docs/migrating-from-tfa.md says how to reproduce `tfa.seq2seq` exactly. This
checks it against a numpy re-implementation of tfa's equations (from
tensorflow_addons/seq2seq/attention_wrapper.py and loss.py), with tfa's
weights mapped onto ours as the guide says:

- AttentionWrapper step: `cell_inputs = concat([inputs, attention_{t-1}])`,
  `h = cell(cell_inputs)`, score `h` (the current state) against the keys,
  `context = alignments @ memory`, `attention = attention_layer(concat([h,
  context]))` with a bias-free linear `Dense` (ours takes `[context; h]`:
  the kernel's two row blocks swap), output the attention.
- LuongAttention: keys = memory @ W_mem (units = query size), score =
  g · hᵀ k (g only with scale=True). BahdanauAttention: score =
  vᵀ tanh(W_q h + W_mem m) (normalize=True: (g v/‖v‖)ᵀ tanh(W_q h + W_mem m
  + b)). Monotonic: score + r, sigmoid, the recurrence from one-hot at 0.
- sequence_loss: Σ crossent · weights / Σ weights.

The wrapped RNN cell is the same Keras LSTMCell object on both sides.
"""

import keras
import numpy as np
import pytest

from keras_attention.layers import (
    AttentionDecoderCell,
    BahdanauAttention,
    BahdanauMonotonicAttention,
    LuongAttention,
    LuongMonotonicAttention,
)
from tests.harness import to_numpy
from tests.layers import monotonic_reference as ref

RNG = np.random.default_rng(11)
B, S, D_MEM, UNITS, D_IN, ATT = 2, 5, 6, 4, 3, 5
MEMORY = RNG.normal(size=(B, S, D_MEM)).astype("float32")
LENGTHS = np.array([3, 5])  # tfa's memory_sequence_length
MASK = np.arange(S)[None, :] < LENGTHS[:, None]
INPUTS = RNG.normal(size=(B, 4, D_IN)).astype("float32")


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class TfaMechanism:
    """tfa's mechanisms in numpy: `(alignments, next_state) = f(query, state)`."""

    def __init__(self, kind, w):
        self.kind, self.w = kind, w
        masked = MEMORY * MASK[..., None]  # tfa's _prepare_memory zeroes padding
        self.values = masked
        self.keys = masked @ w["memory_kernel"]

    def initial_state(self):
        if "monotonic" in self.kind:
            return np.eye(S)[np.zeros(B, int)]  # one-hot at position 0
        return np.zeros((B, S))

    def __call__(self, query, state):
        w = self.w
        if self.kind.startswith("luong"):
            score = np.einsum("bd,bsd->bs", query, self.keys)
            if "g" in w:
                score = w["g"] * score
        else:
            processed = query @ w["query_kernel"]
            hidden = self.keys + processed[:, None, :]
            if "g" in w:  # normalize=True
                v = w["g"] * w["v"] / np.sqrt((w["v"] ** 2).sum())
                score = np.tanh(hidden + w["b"]) @ v
            else:
                score = np.tanh(hidden) @ w["v"]
        if "monotonic" in self.kind:
            score = score + w["r"]
            score = np.where(MASK, score, -np.inf)
            p = ref.sigmoid(score)
            alignments = np.stack([ref.monotonic_soft(p[b], state[b]) for b in range(B)])
        else:
            alignments = softmax(np.where(MASK, score, -np.inf))
        return alignments, alignments


def tfa_decode(mechanism, cell, attention_kernel, h0, c0, steps=4):
    """tfa AttentionWrapper (output_attention=True) over `steps` inputs."""
    attention = np.zeros((B, ATT))
    cell_state = [h0, c0]
    attention_state = mechanism.initial_state()
    outputs, all_alignments = [], []
    for t in range(steps):
        cell_inputs = np.concatenate([INPUTS[:, t], attention], -1)
        h, cell_state = cell(cell_inputs.astype("float32"), cell_state)
        h, cell_state = to_numpy(h), [to_numpy(s) for s in cell_state]
        alignments, attention_state = mechanism(h, attention_state)
        context = np.einsum("bs,bsd->bd", alignments, mechanism.values)
        attention = np.concatenate([h, context], -1) @ attention_kernel
        outputs.append(attention)
        all_alignments.append(alignments)
    return np.stack(outputs, 1), np.stack(all_alignments, 1)


CASES = {
    # name: (our layer, tfa weights by name -> our weights in order)
    "luong": lambda: LuongAttention("general"),
    "luong_scaled": lambda: LuongAttention("general", use_scale=True),
    "bahdanau": lambda: BahdanauAttention(UNITS, use_bias=False),
    "bahdanau_normalized": lambda: BahdanauAttention(UNITS, use_bias=True, normalize=True),
    "bahdanau_monotonic": lambda: BahdanauMonotonicAttention(UNITS, use_bias=False),
    "luong_monotonic": lambda: LuongMonotonicAttention(use_scale=True),
}


def tfa_weights(name):
    w = {"memory_kernel": RNG.normal(size=(D_MEM, UNITS)).astype("float32")}
    if name.startswith("bahdanau"):
        w["query_kernel"] = RNG.normal(size=(UNITS, UNITS)).astype("float32")
        w["v"] = RNG.normal(size=(UNITS,)).astype("float32")
    if name in ("luong_scaled", "luong_monotonic", "bahdanau_normalized"):
        w["g"] = np.float32(1.7)
    if name == "bahdanau_normalized":
        w["b"] = RNG.normal(size=(UNITS,)).astype("float32")
    if "monotonic" in name:
        w["r"] = np.float32(-0.4)
    return w


def our_weights(name, w):
    """tfa's weights in our layers' order (see the migration guide's table)."""
    if name.startswith("luong"):
        order = [w["memory_kernel"]]  # LuongAttention("general").kernel: (D_mem, units)
        if "g" in w:
            order.append(w["g"])  # use_scale=True: `scale`
    else:
        order = [w["query_kernel"], w["memory_kernel"], w["v"]]
        if name == "bahdanau_normalized":
            order += [w["b"], w["g"]]  # bias, score_scale
    if "r" in w:
        order.append(w["r"])  # score_bias
    return order


@pytest.mark.parametrize("name", sorted(CASES))
def test_cell_as_tfa_attention_wrapper_matches_tfa_equations(name):
    keras.utils.set_random_seed(0)
    lstm = keras.layers.LSTMCell(UNITS)
    dense = keras.layers.Dense(ATT, use_bias=False)
    cell = AttentionDecoderCell(
        lstm, CASES[name](), query="current", input_feeding=True,
        attention_layer=dense, output_attention=True,
    )
    cell.build((None, D_IN), MEMORY.shape)
    w = tfa_weights(name)
    cell.attention.set_weights(our_weights(name, w))
    tfa_kernel = RNG.normal(size=(UNITS + D_MEM, ATT)).astype("float32") * 0.5
    # tfa's attention layer reads [h; context], ours [context; h]: swap the blocks.
    dense.set_weights([np.concatenate([tfa_kernel[UNITS:], tfa_kernel[:UNITS]], 0)])
    h0 = RNG.normal(size=(B, UNITS)).astype("float32")
    c0 = RNG.normal(size=(B, UNITS)).astype("float32")

    expected, expected_alignments = tfa_decode(TfaMechanism(name, w), lstm, tfa_kernel, h0, c0)

    memory = cell.prepare_memory(MEMORY, MASK)
    states = cell.get_initial_state(cell_states=[h0, c0], memory=memory)
    outputs, alignments = [], []
    for t in range(4):
        out, states, weights = cell(INPUTS[:, t], states, memory)
        outputs.append(to_numpy(out))
        alignments.append(to_numpy(weights))
    np.testing.assert_allclose(np.stack(alignments, 1), expected_alignments, atol=1e-5)
    np.testing.assert_allclose(np.stack(outputs, 1), expected, atol=1e-4)


def test_our_default_attention_layer_is_not_tfas():
    """attention_layer_size=n is tanh(W[c; h] + b) here, W[h; c] in tfa: the
    guide's `attention_layer=Dense(n, use_bias=False)` is needed."""
    cell = AttentionDecoderCell(
        keras.layers.LSTMCell(UNITS), LuongAttention("general"), query="current",
        input_feeding=True, attention_layer_size=ATT,
    )
    cell.build((None, D_IN), MEMORY.shape)
    dense = cell.attention_dense
    assert dense.use_bias and dense.activation is keras.activations.tanh


def test_sequence_loss_is_the_masked_mean_of_our_default_loss():
    """tfa.seq2seq.sequence_loss(logits, targets, weights=mask) (default
    averaging) = Σ crossent·w / Σ w = the translator's compile() loss."""
    logits = RNG.normal(size=(3, 4, 7)).astype("float32")
    targets = RNG.integers(1, 7, (3, 4))
    targets[0, 2:] = 0
    targets[2, 1:] = 0
    weights = (targets != 0).astype("float32")
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    crossent = -np.take_along_axis(log_probs, targets[..., None], -1)[..., 0]
    tfa_value = (crossent * weights).sum() / weights.sum()
    ours = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    np.testing.assert_allclose(float(ours(targets, logits)), tfa_value, rtol=1e-5)
