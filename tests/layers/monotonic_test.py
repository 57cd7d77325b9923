"""safe_cumprod, monotonic_attention and chunkwise_attention against numpy loops."""

import keras
import numpy as np
import pytest

from keras_attention.layers import monotonic_attention, safe_cumprod
from keras_attention.layers.monotonic import chunkwise_attention, initial_alignment
from tests.harness import to_numpy
from tests.layers import monotonic_reference as ref

TF_ONLY = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape"
)


def random_p(rng, shape, low=0.05, high=0.95):
    return rng.uniform(low, high, size=shape).astype("float32")


def random_previous(rng, batch, length):
    """Random previous alignments summing to less than 1 (mass already lost)."""
    prev = rng.uniform(0, 1, size=(batch, length))
    prev = prev / prev.sum(-1, keepdims=True) * rng.uniform(0.5, 1.0, (batch, 1))
    return prev.astype("float32")


def one_hot(batch, length, positions):
    out = np.zeros((batch, length), "float32")
    out[np.arange(batch), positions] = 1.0
    return out


# -- safe_cumprod ---------------------------------------------------------
def test_safe_cumprod_matches_numpy_cumprod():
    rng = np.random.default_rng(0)
    x = rng.uniform(0.1, 1.0, size=(3, 7)).astype("float32")
    np.testing.assert_allclose(to_numpy(safe_cumprod(x)), np.cumprod(x, -1), rtol=1e-5)
    exclusive = np.concatenate([np.ones((3, 1)), np.cumprod(x, -1)[:, :-1]], -1)
    np.testing.assert_allclose(
        to_numpy(safe_cumprod(x, exclusive=True)), exclusive, rtol=1e-5
    )
    # Another axis: the product runs down the columns.
    np.testing.assert_allclose(
        to_numpy(safe_cumprod(x, axis=0)), np.cumprod(x, 0), rtol=1e-5
    )


def test_safe_cumprod_of_zero_is_tiny_not_nan():
    out = to_numpy(safe_cumprod(np.array([[0.5, 0.0, 0.5]], "float32")))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [[0.5, 0.0, 0.0]], atol=1e-30)


@TF_ONLY
def test_safe_cumprod_gradient_is_finite_at_zero():
    import tensorflow as tf

    x = tf.Variable([[0.5, 0.0, 1.0, 0.3]])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(safe_cumprod(x, exclusive=True))
    grad = tape.gradient(y, x).numpy()
    assert np.isfinite(grad).all()
    # d/dx0 of 1 + x0 + x0*x1 + x0*x1*x2 at the clipped point = 1 + x1 (+ tiny).
    np.testing.assert_allclose(grad[0, 0], 1.0, atol=1e-6)


# -- monotonic_attention ----------------------------------------------------
def test_hand_computed_recurrence():
    # p = [.5, .5, .5], previous = [.5, .5, 0]:
    # q = [.5, .5*.5 + .5, .5*.75] = [.5, .75, .375]; a = p*q.
    p = np.full((1, 3), 0.5, "float32")
    prev = np.array([[0.5, 0.5, 0.0]], "float32")
    for mode in ("recursive", "parallel"):
        np.testing.assert_allclose(
            to_numpy(monotonic_attention(p, prev, mode)),
            [[0.25, 0.375, 0.1875]],
            atol=1e-7,
        )


@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_soft_modes_match_the_double_sum_of_the_paper(mode):
    rng = np.random.default_rng(1)
    p = random_p(rng, (4, 9))
    prev = random_previous(rng, 4, 9)
    got = to_numpy(monotonic_attention(p, prev, mode))
    np.testing.assert_allclose(got, ref.monotonic_rows(p, prev, mode), atol=1e-6)
    assert got.dtype == np.float32


def test_hard_mode_matches_the_test_time_algorithm():
    rng = np.random.default_rng(2)
    p = (rng.uniform(size=(16, 8)) > 0.6).astype("float32")
    prev = one_hot(16, 8, rng.integers(0, 8, 16))
    got = to_numpy(monotonic_attention(p, prev, "hard"))
    np.testing.assert_array_equal(got, ref.monotonic_rows(p, prev, "hard"))
    # Some rows find no stop to the right of the previous position: all zeros.
    assert (got.sum(-1) == 0).any() and (got.sum(-1) == 1).any()


def test_parallel_equals_recursive_within_float32_rounding():
    # Stated tolerance: 1e-6 absolute for S = 20 and p in [0.01, 0.99].
    # "parallel" computes the exclusive cumulative product of 1 - p as
    # exp(cumsum(log(.))) and then divides by it, so float32 rounding of the
    # log/exp and of the division (relative ~S * 6e-8) is all that separates
    # it from the exact scan of "recursive", as long as that product stays
    # above the 1e-10 clip.
    rng = np.random.default_rng(3)
    p = random_p(rng, (8, 20), 0.01, 0.99)
    prev = random_previous(rng, 8, 20)
    parallel = to_numpy(monotonic_attention(p, prev, "parallel"))
    recursive = to_numpy(monotonic_attention(p, prev, "recursive"))
    np.testing.assert_allclose(parallel, recursive, atol=1e-6)


def test_parallel_is_approximate_once_the_cumulative_product_underflows():
    # Documented limit of "parallel": with p close to 1 over a long stretch,
    # prod(1 - p) falls below the 1e-10 clip and the mass that the previous
    # alignment puts after that stretch is lost; "recursive" stays exact.
    p = np.full((1, 12), 0.99, "float32")
    prev = np.zeros((1, 12), "float32")
    prev[0, 0], prev[0, 10] = 0.5, 0.5
    exact = ref.monotonic_rows(p, prev, "recursive")
    recursive = to_numpy(monotonic_attention(p, prev, "recursive"))
    parallel = to_numpy(monotonic_attention(p, prev, "parallel"))
    np.testing.assert_allclose(recursive, exact, atol=1e-7)
    assert exact[0, 10] > 0.49  # stops at 10 almost surely
    assert parallel[0, 10] < 1e-3


@pytest.mark.parametrize("mode", ["recursive", "parallel", "hard"])
def test_expected_alignments_sum_to_at_most_one(mode):
    rng = np.random.default_rng(4)
    if mode == "hard":
        p = (rng.uniform(size=(32, 6)) > 0.5).astype("float32")
        prev = one_hot(32, 6, rng.integers(0, 6, 32))
    else:
        p = random_p(rng, (32, 6), 0.0, 1.0)
        prev = random_previous(rng, 32, 6)
    out = to_numpy(monotonic_attention(p, prev, mode))
    assert (out >= 0).all()
    assert (out.sum(-1) <= prev.sum(-1) + 1e-6).all()
    # With p = 1 at the last position nothing falls off the end: the sum is
    # exactly the previous mass.
    p[:, -1] = 1.0
    out = to_numpy(monotonic_attention(p, prev, mode))
    if mode == "hard":
        np.testing.assert_array_equal(out.sum(-1), 1.0)
    else:
        np.testing.assert_allclose(out.sum(-1), prev.sum(-1), atol=1e-6)


@pytest.mark.parametrize("mode", ["recursive", "parallel", "hard"])
def test_zero_probability_positions_get_exactly_zero(mode):
    rng = np.random.default_rng(5)
    p = random_p(rng, (3, 7))
    if mode == "hard":
        p = np.round(p)
    p[:, 4:] = 0.0  # padding
    prev = initial_alignment(3, 7)
    out = to_numpy(monotonic_attention(p, prev, mode))
    assert (out[:, 4:] == 0.0).all()
    # ... and the first positions do not depend on what is after them.
    trimmed = to_numpy(monotonic_attention(p[:, :4], to_numpy(prev)[:, :4], mode))
    np.testing.assert_allclose(out[:, :4], trimmed, atol=1e-7)


@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_float16_inputs_are_computed_in_float32(mode):
    rng = np.random.default_rng(6)
    p = random_p(rng, (4, 30), 0.001, 0.2)
    prev = random_previous(rng, 4, 30)
    out16 = monotonic_attention(p.astype("float16"), prev.astype("float16"), mode)
    assert keras.backend.standardize_dtype(out16.dtype) == "float16"
    out16 = to_numpy(out16).astype("float32")
    assert np.isfinite(out16).all()
    exact = ref.monotonic_rows(p.astype("float16"), prev.astype("float16"), mode)
    # Only the float16 rounding of the inputs and of the result remains.
    np.testing.assert_allclose(out16, exact, rtol=2e-3, atol=1e-6)


def test_leading_dimensions_are_kept():
    rng = np.random.default_rng(7)
    p = random_p(rng, (2, 3, 5))
    prev = np.broadcast_to(random_previous(rng, 1, 5), (2, 3, 5)).astype("float32")
    for mode in ("recursive", "parallel"):
        out = to_numpy(monotonic_attention(p, prev, mode))
        np.testing.assert_allclose(out, ref.monotonic_rows(p, prev, mode), atol=1e-6)


@TF_ONLY
@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_gradients_match_finite_differences(mode):
    import tensorflow as tf

    rng = np.random.default_rng(8)
    logits = rng.normal(size=(2, 6)) * 2
    prev = random_previous(rng, 2, 6)
    target = rng.normal(size=(2, 6))
    x = tf.Variable(logits.astype("float32"))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(monotonic_attention(tf.sigmoid(x), prev, mode) * target)
    grad = tape.gradient(loss, x).numpy()

    def f(z):
        return (ref.monotonic_rows(ref.sigmoid(z), prev, mode) * target).sum()

    numeric = np.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        step = np.zeros_like(logits)
        step[idx] = 1e-4
        numeric[idx] = (f(logits + step) - f(logits - step)) / 2e-4
    np.testing.assert_allclose(grad, numeric, atol=1e-4)


@TF_ONLY
@pytest.mark.parametrize("mode", ["recursive", "parallel"])
def test_gradients_are_finite_when_p_saturates(mode):
    import tensorflow as tf

    rng = np.random.default_rng(9)
    logits = rng.normal(size=(2, 6)) * 3
    logits[0, 2] = 40.0  # sigmoid = 1.0 in float32: 1 - p is exactly 0
    logits[1, 1] = -120.0  # sigmoid = 0.0 in float32
    x = tf.Variable(logits.astype("float32"))
    with tf.GradientTape() as tape:
        a = monotonic_attention(tf.sigmoid(x), random_previous(rng, 2, 6), mode)
        loss = tf.reduce_sum(a * rng.normal(size=(2, 6)))
    assert np.isfinite(a.numpy()).all()
    assert np.isfinite(tape.gradient(loss, x).numpy()).all()


def test_initial_alignment_with_dynamic_sizes():
    out = to_numpy(initial_alignment(keras.ops.convert_to_tensor(2), 4, "float16"))
    np.testing.assert_array_equal(out, [[1, 0, 0, 0], [1, 0, 0, 0]])
    assert out.dtype == np.float16


def test_mode_error():
    with pytest.raises(ValueError) as info:
        monotonic_attention(np.ones((1, 2)), np.ones((1, 2)), "soft")
    assert (
        "`mode` must be one of 'recursive', 'parallel', 'hard'. Received: mode='soft'"
        in str(info.value)
    )


def test_shape_mismatch_error():
    with pytest.raises(ValueError) as info:
        monotonic_attention(np.ones((1, 3)), np.ones((1, 4)), "parallel")
    message = str(info.value)
    assert "`p_choose_i` and `previous_attention` must have the same shape" in message
    assert "p_choose_i.shape=(1, 3)" in message
    assert "previous_attention.shape=(1, 4)" in message


# -- chunkwise_attention (MoChA) ---------------------------------------------
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 8])
def test_chunkwise_matches_the_formula_of_the_paper(chunk_size):
    rng = np.random.default_rng(9)
    alignment = random_previous(rng, 3, 6)
    energy = rng.normal(size=(3, 6)).astype("float32") * 2
    mask = np.array([[1] * 6, [1, 1, 1, 1, 0, 0], [1] * 6], bool)
    alignment = alignment * mask  # the monotonic head never stops on padding
    got = to_numpy(chunkwise_attention(alignment, energy, chunk_size, mask=mask))
    expected = np.stack(
        [ref.chunkwise(a, u, chunk_size, m) for a, u, m in zip(alignment, energy, mask)]
    )
    np.testing.assert_allclose(got, expected, atol=1e-6)
    np.testing.assert_allclose(got.sum(-1), alignment.sum(-1), atol=1e-6)
    assert (got[1, 4:] == 0).all()


def test_chunkwise_with_a_hard_stop_is_a_softmax_over_the_chunk():
    energy = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]], "float32")
    stop = one_hot(1, 5, [3])
    got = to_numpy(chunkwise_attention(stop, energy, 3))[0]
    window = np.exp(energy[0, 1:4]) / np.exp(energy[0, 1:4]).sum()
    np.testing.assert_allclose(got, [0.0, *window, 0.0], atol=1e-6)


def test_chunkwise_is_stable_with_widely_spread_energies():
    # exp(-200 - 100) underflows; each chunk's own maximum keeps it exact.
    energy = np.array([[100.0, -200.0, -250.0, 0.0]], "float32")
    stop = one_hot(1, 4, [2])
    got = to_numpy(chunkwise_attention(stop, energy, 2))
    np.testing.assert_allclose(got, [[0.0, 1.0, np.exp(-50.0), 0.0]], atol=1e-7)


def test_chunk_size_error():
    with pytest.raises(ValueError) as info:
        chunkwise_attention(np.ones((1, 2)), np.ones((1, 2)), 0)
    assert "`chunk_size` must be a positive integer. Received: chunk_size=0" in str(
        info.value
    )
