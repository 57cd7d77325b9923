"""InputAttentionEncoder: DA-RNN's input attention (Qin et al., 2017, eq. 8–11)."""

import re

import keras
import numpy as np
import pytest

from keras_attention.layers import BahdanauAttention, LuongAttention
from keras_attention.layers.input_attention_encoder import InputAttentionEncoder
from tests.harness import assert_config_round_trip, assert_model_save_load, to_numpy

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 6, 4)).astype("float32")  # (B, T, n)


def make_encoder(cell=None, attention=None):
    return InputAttentionEncoder(
        cell or keras.layers.LSTMCell(5), attention or BahdanauAttention(7)
    )


@pytest.mark.parametrize(
    "cell,num_states",
    [(keras.layers.LSTMCell, 2), (keras.layers.GRUCell, 1), (keras.layers.SimpleRNNCell, 1)],
)
def test_shapes_and_weights_sum_to_one(cell, num_states):
    encoder = make_encoder(cell(5))
    outputs, states, alpha = encoder(X)
    assert tuple(outputs.shape) == (3, 6, 5)
    assert len(states) == num_states
    assert tuple(alpha.shape) == (3, 6, 4)
    np.testing.assert_allclose(to_numpy(alpha).sum(-1), 1.0, atol=1e-5)
    assert (to_numpy(alpha) >= 0).all()
    np.testing.assert_allclose(to_numpy(states[0]), to_numpy(outputs[:, -1]), atol=1e-6)


def test_matches_the_equations_step_by_step():
    encoder = make_encoder()
    outputs, _, alpha = encoder(X)
    attention, cell = encoder.attention, encoder.cell
    series = np.transpose(X, (0, 2, 1))  # x^k as rows: (B, n, T)
    h = np.zeros((3, 5), "float32")
    c = np.zeros((3, 5), "float32")
    for t in range(X.shape[1]):
        # e_t^k = v_e' tanh(W_e [h_{t-1}; s_{t-1}] + U_e x^k), α_t = softmax(e_t)
        query = np.concatenate([h, c], -1)
        q = query @ to_numpy(attention.query_kernel)
        k = series @ to_numpy(attention.key_kernel)
        e = np.tanh(q[:, None, :] + k + to_numpy(attention.bias)) @ to_numpy(
            attention.score_vector
        )
        a = np.exp(e - e.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        np.testing.assert_allclose(to_numpy(alpha[:, t]), a, atol=1e-5)
        out, (h, c) = cell(a * X[:, t], [h, c])
        h, c = to_numpy(h), to_numpy(c)
        np.testing.assert_allclose(to_numpy(outputs[:, t]), h, atol=1e-5)


def test_luong_scores_also_work():
    encoder = make_encoder(keras.layers.GRUCell(5), LuongAttention("general"))
    _, _, alpha = encoder(X)
    np.testing.assert_allclose(to_numpy(alpha).sum(-1), 1.0, atol=1e-5)


def test_config_round_trip_and_save_load(tmp_path):
    encoder = make_encoder(keras.layers.GRUCell(5))
    clone = assert_config_round_trip(encoder)
    assert isinstance(clone.attention, BahdanauAttention)
    inp = keras.Input((6, 4))
    outputs, states, alpha = make_encoder()(inp)
    model = keras.Model(inp, [outputs, alpha])
    assert_model_save_load(model, X, tmp_path)


def test_trains_under_fit_with_cell_dropout():
    inp = keras.Input((6, 4))
    outputs, _, _ = InputAttentionEncoder(
        keras.layers.LSTMCell(5, dropout=0.2, recurrent_dropout=0.2), BahdanauAttention(4)
    )(inp)
    model = keras.Model(inp, keras.layers.Dense(1)(outputs[:, -1]))
    model.compile("adam", "mse")
    history = model.fit(X, np.ones((3, 1)), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(cell="lstm", attention=BahdanauAttention(3)), "`cell` must be a Keras RNN cell (e.g. keras.layers.LSTMCell(64)). Received: cell='lstm'"),
        (dict(cell=keras.layers.LSTMCell(3), attention=keras.layers.Dense(3)), "`attention` must be a BahdanauAttention or LuongAttention layer."),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        InputAttentionEncoder(**kwargs)


def test_unknown_length_is_an_error():
    with pytest.raises(ValueError, match=re.escape("with a known number of steps and series")):
        make_encoder().build((None, None, 4))
