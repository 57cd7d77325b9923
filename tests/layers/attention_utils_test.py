"""Masked normalisers, checked against hand-computed values (attention-math.md §4)."""

import math

import keras
import numpy as np
import pytest

from keras_attention.layers import attention_utils as au
from tests.harness import gradients, to_numpy

ALL_FNS = [au.masked_softmax, au.sparsemax, au.hardmax, au.hard_straight_through]


def test_softmax_hand_computed():
    # exp(0) : exp(ln 3) = 1 : 3
    w = to_numpy(au.masked_softmax(np.array([[0.0, math.log(3.0)]], "float32")))
    np.testing.assert_allclose(w, [[0.25, 0.75]], atol=1e-7)


def test_softmax_mask_excludes_positions_before_normalising():
    scores = np.array([[0.0, math.log(3.0), 5.0]], "float32")
    mask = np.array([[True, True, False]])
    w = to_numpy(au.masked_softmax(scores, mask))
    np.testing.assert_allclose(w, [[0.25, 0.75, 0.0]], atol=1e-7)
    assert w[0, 2] == 0.0


def test_sparsemax_hand_computed_with_exact_zeros():
    # z = [1, .8, .1, 0]: support k=2 (1 + 2*.8 > 1.8, 1 + 3*.1 < 1.9),
    # tau = (1.8 - 1) / 2 = .4  ->  p = [.6, .4, 0, 0]
    w = to_numpy(au.sparsemax(np.array([[1.0, 0.8, 0.1, 0.0]], "float32")))
    np.testing.assert_allclose(w, [[0.6, 0.4, 0.0, 0.0]], atol=1e-6)
    assert (w[0, 2:] == 0.0).all()


def test_sparsemax_full_support_hand_computed():
    # z = [.5, .2, .1]: k=3, tau = (.8 - 1)/3
    w = to_numpy(au.sparsemax(np.array([[0.5, 0.2, 0.1]], "float32")))
    tau = (0.8 - 1.0) / 3.0
    np.testing.assert_allclose(w, [[0.5 - tau, 0.2 - tau, 0.1 - tau]], atol=1e-6)


def test_sparsemax_is_a_projection_on_the_simplex():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(50, 4)).astype("float32") * 3
    w = to_numpy(au.sparsemax(z))
    np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-5)
    assert (w >= 0).all()
    # KKT: on the support, z - p is the same constant tau
    for zi, wi in zip(z, w):
        support = wi > 0
        tau = zi[support] - wi[support]
        np.testing.assert_allclose(tau, tau[0], atol=1e-5)
        assert (zi[~support] <= tau[0] + 1e-5).all()


def test_hardmax_hand_computed_and_masked():
    scores = np.array([[0.1, 0.7, 0.2]], "float32")
    np.testing.assert_array_equal(to_numpy(au.hardmax(scores)), [[0, 1, 0]])
    mask = np.array([[True, False, True]])
    np.testing.assert_array_equal(to_numpy(au.hardmax(scores, mask)), [[0, 0, 1]])


def test_straight_through_is_one_hot_forward_with_soft_gradient():
    scores = keras.Variable([[0.1, 2.0, 0.3]])
    probe = np.array([[1.0, 2.0, 3.0]], "float32")
    w = to_numpy(au.hard_straight_through(scores.value, training=True, seed=3))
    assert sorted(w[0].round(6).tolist()) == [0.0, 0.0, 1.0]

    def loss():
        w = au.hard_straight_through(scores.value, training=True, seed=3)
        return keras.ops.sum(keras.ops.multiply(w, probe))

    _, (grad,) = gradients(loss, [scores])
    assert np.abs(grad).sum() > 0  # the soft sample carries a gradient
    # hardmax has none
    _, (grad,) = gradients(
        lambda: keras.ops.sum(keras.ops.multiply(au.hardmax(scores.value), probe)), [scores]
    )
    np.testing.assert_array_equal(grad, 0.0)


def test_straight_through_at_inference_equals_hardmax():
    scores = np.array([[0.1, 2.0, 0.3], [3.0, 0.0, -1.0]], "float32")
    np.testing.assert_array_equal(
        to_numpy(au.hard_straight_through(scores, training=False)),
        to_numpy(au.hardmax(scores)),
    )


@pytest.mark.parametrize("fn", ALL_FNS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_fully_masked_row_is_zero_and_finite(fn, dtype):
    scores = np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]], dtype)
    mask = np.array([[False, False, False], [True, False, True]])
    w = to_numpy(fn(scores, mask))
    assert keras.backend.standardize_dtype(w.dtype) == dtype
    assert np.isfinite(w).all()
    np.testing.assert_array_equal(w[0], [0, 0, 0])
    assert w[1, 1] == 0
    np.testing.assert_allclose(w[1].sum(), 1.0, atol=1e-3)


@pytest.mark.parametrize("fn", ALL_FNS, ids=lambda f: f.__name__)
def test_float16_large_scores_stay_finite(fn):
    # 6e4 is close to float16's max: a -1e9 mask constant would be -inf here.
    scores = np.array([[6e4, -6e4, 0.0, 1.0]], "float16")
    mask = np.array([[True, True, False, True]])
    w = to_numpy(fn(scores, mask))
    assert np.isfinite(w).all()
    np.testing.assert_allclose(w.astype("float32").sum(), 1.0, atol=1e-3)
    assert w[0, 2] == 0


def test_unknown_probability_fn_message():
    with pytest.raises(ValueError, match=r"Received: probability_fn='softmin'"):
        au.validate_probability_fn("softmin")


def test_mask_broadcasts_over_query_steps():
    scores = keras.ops.zeros((2, 3, 4))
    mask = np.array([[[1, 1, 0, 0]], [[1, 1, 1, 1]]], bool)
    w = to_numpy(au.masked_softmax(scores, mask))
    np.testing.assert_allclose(w[0], [[0.5, 0.5, 0, 0]] * 3)
    np.testing.assert_allclose(w[1], [[0.25] * 4] * 3)
