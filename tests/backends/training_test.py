"""The models train on every backend, through differentiable loops, compiled.

Issue 16's JAX bugs: the translator's `train_step` had TensorFlow's
signature (every `fit` failed on JAX), `supports_jit=False` turned off
`jax.jit` (~150x slower), and a trainable `while_loop` has no reverse-mode
gradient on JAX. These tests train with everything random switched on
(dropout, scheduled sampling, `hard_straight_through`, attention dropout)
and check the gradients of every loop against finite differences.
"""

import keras
import numpy as np
import pytest
from keras import ops

from keras_attention.layers import (
    AttentionDecoder,
    AttentionDecoderCell,
    LuongAttention,
)
from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
from tests.harness import gradients, to_numpy

BACKEND = keras.backend.backend()


def translator_data(n=16, s=6, t=5, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(4, 20, (n, s)).astype("int32")
    src[0, s - 2 :] = 0
    tgt = rng.integers(4, 15, (n, t)).astype("int32")
    tgt[:, 0] = 2
    tgt[1, t - 2 :] = 0
    labels = np.concatenate([tgt[:, 1:], np.full((n, 1), 3)], 1)
    labels = np.where(tgt != 0, labels, 0).astype("int32")
    return {"source_ids": src, "target_ids": tgt}, labels


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(attention="bahdanau", dropout=0.2, probability_fn="hard_straight_through"),
        dict(attention="luong", dropout=0.2, input_feeding=True),
    ],
    ids=["bahdanau-straight-through", "luong-input-feeding"],
)
def test_translator_fits_with_dropout_and_scheduled_sampling(kwargs):
    keras.utils.set_random_seed(0)
    x, y = translator_data()
    model = Seq2SeqTranslator(20, 15, embedding_dim=8, units=8, seed=1, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    # JAX compiles the step (jax.jit); TensorFlow on a CPU and PyTorch do not.
    assert model.jit_compile is (BACKEND == "jax")
    model.decoder.sampling_probability.assign(0.5)
    before = [to_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, epochs=4, batch_size=8, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    moved = [not np.allclose(a, to_numpy(w)) for a, w in zip(before, model.trainable_weights)]
    assert all(moved), [w.path for w, m in zip(model.trainable_weights, moved) if not m]
    # The variables stay usable after fit (the failed JAX fit left them not).
    out = model.generate(x["source_ids"][:2], "greedy", max_length=4)
    assert to_numpy(out["token_ids"]).shape == (2, 4)


@pytest.mark.parametrize("input_attention", [False, True])
def test_forecaster_fits_with_dropout_over_a_recursive_horizon(input_attention):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = {
        "drivers": rng.normal(size=(32, 6, 3)).astype("float32"),
        "past_target": rng.normal(size=(32, 5, 1)).astype("float32"),
    }
    # A target the model can learn: a scaled copy of the first series' last value.
    y = np.repeat(x["drivers"][:, -1, :1], 3, axis=1) * np.array([0.5, 1.0, 1.5], "float32")
    model = TimeSeriesForecaster(
        6, 3, horizon=3, units=8, dropout=0.3, input_attention=input_attention
    )
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
    assert model.jit_compile is (BACKEND == "jax")
    before = [to_numpy(w).copy() for w in model.trainable_weights]
    history = model.fit(x, y, epochs=5, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert np.isfinite(losses).all() and losses[-1] < losses[0]
    moved = [not np.allclose(a, to_numpy(w)) for a, w in zip(before, model.trainable_weights)]
    assert all(moved), [w.path for w, m in zip(model.trainable_weights, moved) if not m]


def finite_difference(loss_fn, variable, index, eps=1e-3):
    """Central difference of `loss_fn()` in one element of `variable`."""
    original = to_numpy(variable).copy()
    values = []
    for sign in (1, -1):
        shifted = original.copy()
        shifted[index] += sign * eps
        variable.assign(shifted)
        values.append(float(to_numpy(loss_fn())))
    variable.assign(original)
    return (values[0] - values[1]) / (2 * eps)


def check_gradients(loss_fn, variables):
    """Every variable gets a finite, non-zero gradient that matches a finite difference."""
    _, grads = gradients(loss_fn, variables)
    for variable, grad in zip(variables, grads):
        assert np.isfinite(grad).all(), variable.path
        assert np.abs(grad).sum() > 0, variable.path
        index = np.unravel_index(np.argmax(np.abs(grad)), grad.shape)
        expected = finite_difference(loss_fn, variable, index)
        np.testing.assert_allclose(grad[index], expected, rtol=0.05, atol=1e-4)


@pytest.mark.parametrize(
    "path", ["step-loop", "fast-path", "scheduled", "feedback"],
)
def test_gradients_through_every_loop_match_finite_differences(path):
    """The trainable loops are scans: reverse-mode gradients on every backend."""
    rng = np.random.default_rng(1)
    memory = rng.normal(size=(2, 5, 6)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    if path == "feedback":
        # The recursive horizon is the FeedbackSampler's scan.
        model = TimeSeriesForecaster(5, 2, horizon=3, units=4, attention="luong",
                                     strategy="recursive")
        x = {
            "drivers": rng.normal(size=(2, 5, 2)).astype("float32"),
            "past_target": rng.normal(size=(2, 4, 1)).astype("float32"),
        }
        model(x)
        # The output layer starts at zero (the untrained model is its linear
        # part), which would zero every gradient behind it: give it weights.
        model.head.kernel.assign(
            rng.normal(size=tuple(model.head.kernel.shape)).astype("float32"))

        def loss():
            return ops.sum(model(x, training=True) ** 2)

        variables = [model.decoder_cell.cell.kernel, model.head.kernel]
        check_gradients(loss, variables)
        return
    cell = AttentionDecoderCell(
        keras.layers.GRUCell(4),
        LuongAttention("general"),
        query="current",
        input_feeding=path != "fast-path",
        attention_layer_size=4,
    )
    tokens = path == "scheduled"
    decoder = AttentionDecoder(
        cell,
        keras.layers.Embedding(7, 3) if tokens else None,
        keras.layers.Dense(7) if tokens else None,
        seed=2,
    )
    inputs = (
        np.array([[2, 4, 5, 6], [2, 6, 5, 0]], "int32")
        if tokens
        else rng.normal(size=(2, 4, 3)).astype("float32")
    )
    decoder(inputs, memory, memory_mask=mask)
    assert decoder.uses_fast_path is (path == "fast-path")
    if tokens:
        # Every step after the first reads the arg-max prediction (no coin
        # flip can differ between the finite-difference evaluations).
        decoder.sampling_probability.assign(1.0)

    def loss():
        out, _, _ = decoder(inputs, memory, memory_mask=mask, training=True)
        return ops.sum(ops.tanh(out) ** 2)

    variables = [cell.cell.kernel, cell.attention.weights[0]]
    if tokens:
        variables.append(decoder.output_layer.kernel)
    check_gradients(loss, variables)
