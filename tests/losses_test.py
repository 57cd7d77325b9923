"""keras_attention.losses against numpy loops of the papers' formulas."""

import numpy as np
import pytest

from keras_attention.losses import coverage_loss, doubly_stochastic_loss
from tests.harness import to_numpy


def random_alignments(seed=0, batch=3, steps=5, length=6):
    rng = np.random.default_rng(seed)
    a = rng.uniform(size=(batch, steps, length)).astype("float32")
    return a / a.sum(-1, keepdims=True)


def numpy_coverage_loss(a, mask):
    """See et al. (2017) eq. 12-13, as loops: per-step sums, mean over real steps."""
    total, steps = 0.0, 0
    for b in range(a.shape[0]):
        coverage = np.zeros(a.shape[2])
        for t in range(a.shape[1]):
            if not mask[b, t]:
                continue
            total += np.minimum(a[b, t], coverage).sum()
            coverage += a[b, t]
            steps += 1
    return total / steps


def test_coverage_loss_matches_the_paper_with_a_target_mask():
    a = random_alignments()
    mask = np.ones(a.shape[:2], bool)
    mask[0, 3:] = False
    mask[2, 1:] = False
    got = float(coverage_loss(a, mask))
    np.testing.assert_allclose(got, numpy_coverage_loss(a, mask), rtol=1e-5)
    no_mask = float(coverage_loss(a))
    np.testing.assert_allclose(no_mask, numpy_coverage_loss(a, np.ones_like(mask)), rtol=1e-5)
    assert got != pytest.approx(no_mask)


def test_coverage_loss_is_zero_when_no_position_is_attended_twice():
    a = np.eye(4, dtype="float32")[None]  # step t attends position t only
    assert float(coverage_loss(a)) == 0.0
    repeated = np.repeat(np.eye(4, dtype="float32")[:1], 4, 0)[None]  # position 0, 4 times
    assert float(coverage_loss(repeated)) == pytest.approx(3 / 4)


def test_doubly_stochastic_loss_matches_the_formula():
    a = random_alignments(1)
    mask = np.array([[1] * 5, [1, 1, 1, 0, 0], [1] * 5], bool)
    source_mask = np.array([[1] * 6, [1] * 6, [1, 1, 1, 1, 0, 0]], bool)
    expected = np.mean([
        (((1 - (a[b] * mask[b][:, None]).sum(0)) ** 2) * source_mask[b]).sum()
        for b in range(3)
    ])
    got = float(doubly_stochastic_loss(a, mask, source_mask))
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    # Each position attended exactly once in total: no penalty.
    assert float(doubly_stochastic_loss(np.eye(3, dtype="float32")[None])) == 0.0


def test_losses_accept_float16_and_return_float32_scalars():
    a = random_alignments(2).astype("float16")
    for fn in (coverage_loss, doubly_stochastic_loss):
        value = fn(a)
        assert tuple(value.shape) == () and str(to_numpy(value).dtype) == "float32"
        assert np.isfinite(to_numpy(value))
