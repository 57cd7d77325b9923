"""The closed-form linear part (numpy): basis change, grouped ridge, recursion."""

import numpy as np
import pytest

from keras_attention.evaluation import forecasting as fc
from keras_attention.models import linear_part as lp

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def _fresh_generator():
    # Every test starts from the same generator state, whichever tests ran
    # before it in this process (xdist spreads a file's tests over workers).
    global RNG
    RNG = np.random.default_rng(0)


def problem(n=80, window=4, features=3, past=3, horizon=2):
    drivers = RNG.normal(size=(n, window, features))
    past_target = RNG.normal(size=(n, past))
    target = RNG.normal(size=(n, horizon))
    return drivers, past_target, target


def flat(drivers, past):
    return np.concatenate([drivers.reshape(len(drivers), -1), past], axis=1)


def test_design_is_a_reparameterization_of_the_flat_window():
    drivers, past, _ = problem()
    design, is_level = lp.change_level_design(drivers, past)
    assert design.shape == (80, 3 * 3 + 2 + 3 + 1)
    assert is_level.sum() == 4 and is_level[-4:].all()
    # Hand check of one row: changes from the last value, then the levels.
    row = np.concatenate(
        [(drivers[0, :-1] - drivers[0, -1]).ravel(), past[0, :-1] - past[0, -1], drivers[0, -1], past[0, -1:]]
    )
    np.testing.assert_allclose(design[0], row)
    # Same column space: any flat linear function is one of the design.
    w = RNG.normal(size=(design.shape[1], 2))
    np.testing.assert_allclose(design @ w, flat(drivers, past) @ lp.to_flat_weights(w, 4, 3, 3))


def test_without_penalty_it_is_ordinary_least_squares():
    drivers, past, target = problem()
    kernel, bias, _ = lp.fit_linear_part(
        (drivers, past), target, 4, 3, 3, residual=False,
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    a = np.concatenate([flat(drivers, past), np.ones((80, 1))], axis=1)
    coef = np.linalg.lstsq(a, target, rcond=None)[0]
    np.testing.assert_allclose(kernel, coef[:-1], atol=1e-10)
    np.testing.assert_allclose(bias, coef[-1], atol=1e-10)
    # With `residual` the fit is of the change: the same forecast.
    kernel_r, bias_r, _ = lp.fit_linear_part(
        (drivers, past), target, 4, 3, 3, residual=True,
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    forecast = flat(drivers, past) @ kernel_r + bias_r + past[:, -1:]
    np.testing.assert_allclose(forecast, a @ coef, atol=1e-10)


def test_grouped_ridge_matches_the_closed_form():
    design = RNG.normal(size=(60, 5))
    target = RNG.normal(size=(60, 1))
    is_level = np.array([False, False, False, True, True])
    coef, intercept, info = lp.fit_grouped_ridge(design, target, is_level, l2=0.7, level_l2=3.0)
    # Centered normal equations with the penalty on the diagonal; the
    # intercept is not penalized.
    ac, yc = design - design.mean(0), target - target.mean(0)
    expected = np.linalg.solve(ac.T @ ac + np.diag([0.7, 0.7, 0.7, 3.0, 3.0]), ac.T @ yc)
    np.testing.assert_allclose(coef, expected, atol=1e-12)
    np.testing.assert_allclose(intercept, target.mean(0) - design.mean(0) @ expected, atol=1e-12)
    assert info["l2"] == [0.7] and info["level_l2"] == [3.0]
    # An infinite level penalty removes the level columns.
    coef, _, _ = lp.fit_grouped_ridge(design, target, is_level, l2=0.0, level_l2=np.inf)
    assert (coef[3:] == 0).all()
    np.testing.assert_allclose(coef[:3], np.linalg.lstsq(ac[:, :3], yc, rcond=None)[0], atol=1e-12)


def test_penalties_are_chosen_on_the_holdout():
    # Level columns that hold only noise on the fitting rows but move far
    # away on the holdout (a series leaving its range): the search drops
    # them and keeps the changes unpenalized.
    n = 200
    changes = RNG.normal(size=(n, 3))
    levels = RNG.normal(size=(n, 2)) * 0.1
    target = changes @ [1.0, -1.0, 0.5]
    design = np.concatenate([changes, levels], axis=1)
    is_level = np.array([False] * 3 + [True] * 2)
    holdout_design = design.copy()
    holdout_design[:, 3:] += 50.0
    noisy = target + levels @ [3.0, -3.0] * 0.1 + 0.05 * RNG.normal(size=n)
    _, _, info = lp.fit_grouped_ridge(
        design, noisy[:, None], is_level, holdout=(holdout_design, target[:, None])
    )
    assert info["level_l2"] == [np.inf]
    assert info["l2"][0] <= 1.0  # next to X^T X ≈ 200: hardly any shrinkage
    assert info["holdout_rmse"][0] < 0.1
    assert np.isfinite(info["holdout_rmse"]).all()


def test_penalties_must_beat_plain_least_squares_by_the_margin(monkeypatch):
    # A linear process with a little noise: the search may find penalties
    # a hair better on the holdout, but not by SEARCH_MARGIN, so the column
    # is fitted by plain least squares (all searched penalties 0).
    rng = np.random.default_rng(1)
    n = 400
    design = rng.normal(size=(n, 4))
    target = (design @ [1.0, -2.0, 0.5, 0.0] + 0.3 * rng.normal(size=n))[:, None]
    is_level = np.array([False, False, True, True])
    coef, _, info = lp.fit_grouped_ridge(design, target, is_level)
    assert (info["l2"], info["level_l2"], info["smooth_l2"]) == ([0.0], [0.0], [0.0])
    assert info["holdout_rmse"] == info["least_squares_rmse"]
    # Fitted on all rows by plain least squares (centered: free intercept).
    ac, yc = design - design.mean(0), target - target.mean(0)
    np.testing.assert_allclose(coef, np.linalg.lstsq(ac, yc, rcond=None)[0], atol=1e-10)
    # Without the margin, the search's penalties stand: 0.4% better on the
    # holdout here, less than SEARCH_MARGIN.
    monkeypatch.setattr(lp, "SEARCH_MARGIN", 0.0)
    free_coef, _, free = lp.fit_grouped_ridge(design, target, is_level)
    gain = 1 - free["holdout_rmse"][0] / free["least_squares_rmse"][0]
    assert 0 < gain < 0.01
    assert free["l2"][0] > 0 and free["level_l2"][0] > 0
    assert not np.allclose(free_coef, coef, atol=1e-6)


def test_penalties_that_beat_least_squares_by_the_margin_are_kept():
    # Few rows, many pure-noise columns: least squares overfits, and the
    # penalties found lower its holdout RMSE by far more than the margin.
    n, k = 60, 40
    design = RNG.normal(size=(n, k))
    target = (design[:, 0] + 0.5 * RNG.normal(size=n))[:, None]
    is_level = np.zeros(k, dtype=bool)
    _, _, info = lp.fit_grouped_ridge(design, target, is_level)
    assert info["holdout_rmse"][0] <= (1 - lp.SEARCH_MARGIN) * info["least_squares_rmse"][0]
    assert info["l2"][0] > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_without_holdout_the_last_fifth_is_held_out(seed):
    # Its own generator: the outcome must not depend on which tests ran
    # before it in the same process.
    design = np.random.default_rng(seed).normal(size=(100, 2))
    target = design @ [[1.0], [2.0]]
    is_level = np.array([False, True])
    # Make the last 20 rows disagree with the others: only the search on
    # them prefers heavy penalties (on the first 80 rows the fit is exact,
    # and no penalty at all would win).
    target[80:] = 0.0
    _, _, info = lp.fit_grouped_ridge(design, target, is_level)
    assert info["l2"][0] >= 1e3 and info["level_l2"][0] >= 1e3


def test_compose_recursive_equals_iterating_the_one_step_model():
    drivers, past, _ = problem(n=7)
    weights = RNG.normal(size=4 * 3 + 3)
    bias = 0.3
    for residual in (False, True):
        kernel, hbias = lp.compose_recursive(weights, bias, 4, 3, 3, horizon=4, residual=residual)

        def one_step(d, p, residual=residual):
            value = flat(d, p) @ weights + bias
            return value + p[:, -1] if residual else value

        expected = fc.recursive_forecast(one_step, drivers, past, 4)
        increments = flat(drivers, past) @ kernel + hbias
        got = past[:, -1:] + np.cumsum(increments, axis=1) if residual else increments
        np.testing.assert_allclose(got, expected, atol=1e-10)


def test_recursive_fit_uses_only_the_first_step():
    drivers, past, target = problem(horizon=3)
    k3, b3, _ = lp.fit_linear_part(
        (drivers, past), target, 4, 3, 3, strategy="recursive",
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    k1, b1, _ = lp.fit_linear_part(
        (drivers, past), target[:, :1], 4, 3, 3, strategy="recursive",
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    np.testing.assert_allclose(k3[:, 0], k1[:, 0], atol=1e-10)
    np.testing.assert_allclose(b3[0], b1[0], atol=1e-10)
    # Changing later targets changes nothing.
    other = target.copy()
    other[:, 1:] = 100.0
    k, b, _ = lp.fit_linear_part(
        (drivers, past), other, 4, 3, 3, strategy="recursive",
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    np.testing.assert_allclose(k, k3, atol=1e-10)
    np.testing.assert_allclose(b, b3, atol=1e-10)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_matches_the_baselines_run_the_same_way(strategy):
    from keras_attention.data import make_windows, synthetic_series

    series = make_windows(synthetic_series(300), "target", window=5, horizon=3, split=(0.7, 0.3))
    train, test = series["train"], series["test"]
    kernel, bias, _ = lp.fit_linear_part(
        train.inputs, train.target, 5, 4, 4, strategy=strategy,
        l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
    )
    increments = flat(test.drivers, test.past_target[..., 0]) @ kernel + bias
    last = test.past_target[:, -1]
    forecast = last + (np.cumsum(increments, axis=1) if strategy == "recursive" else increments)
    baseline = fc.baseline_predictions(series, strategy=strategy)["linear"]
    np.testing.assert_allclose(forecast, baseline, atol=1e-6)


def test_refit_on_training_and_validation_windows_with_the_chosen_penalties():
    drivers, past, target = problem(n=120, horizon=2)
    train = (drivers[:90], past[:90])
    val = ((drivers[90:], past[90:]), target[90:])
    kernel, bias, info = lp.fit_linear_part(
        train, target[:90], 4, 3, 3, validation_data=val, refit=True
    )
    assert info["refit_on_validation"]
    for h in range(2):
        k, b, _ = lp.fit_linear_part(
            (drivers, past), target[:, h : h + 1], 4, 3, 3,
            l2=info["l2"][h], level_l2=info["level_l2"][h], smooth_l2=info["smooth_l2"][h],
            own_l2=info["own_l2"][h],
        )
        np.testing.assert_allclose(kernel[:, h : h + 1], k, atol=1e-10)
        np.testing.assert_allclose(bias[h], b[0], atol=1e-10)
    # Without refit: the training windows only.
    kernel, _, info = lp.fit_linear_part(train, target[:90], 4, 3, 3, validation_data=val)
    assert "refit_on_validation" not in info
    k, _, _ = lp.fit_linear_part(
        train, target[:90, :1], 4, 3, 3, l2=info["l2"][0], level_l2=info["level_l2"][0],
        smooth_l2=info["smooth_l2"][0], own_l2=info["own_l2"][0]
    )
    np.testing.assert_allclose(kernel[:, :1], k, atol=1e-10)


def test_own_columns_get_their_own_penalty():
    # The target's own changes carry the signal, the 30 driver columns are
    # noise: one shared penalty must shrink both alike; with the own group
    # the search leaves the own weights free and shrinks the noise.
    rng = np.random.default_rng(3)
    n, k = 120, 34
    design = rng.normal(size=(n, k))
    is_own = np.zeros(k, dtype=bool)
    is_own[30:33] = True
    is_level = np.zeros(k, dtype=bool)
    is_level[33] = True
    target = (design[:, 30:33] @ [2.0, -1.5, 1.0] + 0.5 * rng.normal(size=n))[:, None]
    _, _, shared = lp.fit_grouped_ridge(design, target, is_level)
    coef, _, own = lp.fit_grouped_ridge(design, target, is_level, is_own=is_own)
    assert own["own_l2"][0] < own["l2"][0]
    assert own["holdout_rmse"][0] < shared["holdout_rmse"][0]
    assert np.abs(coef[:30, 0]).max() < 0.5 * np.abs(coef[30:33, 0]).min()
    # With the own penalty fixed equal to the other, the groups are one.
    fixed = dict(l2=own["l2"][0], level_l2=own["level_l2"][0])
    a, _, _ = lp.fit_grouped_ridge(design, target, is_level, **fixed)
    b, _, info = lp.fit_grouped_ridge(
        design, target, is_level, is_own=is_own, own_l2=own["l2"][0], **fixed)
    np.testing.assert_allclose(a, b, atol=1e-12)
    assert info["own_l2"] == [own["l2"][0]]
    # Without `is_own` there is no own group to search.
    assert shared["own_l2"] == [0.0]


def test_own_change_columns_are_the_past_target_changes():
    drivers, past, _ = problem(window=4, features=3, past=3)
    design, _ = lp.change_level_design(drivers, past)
    own = lp.own_change_columns(4, 3, 3)
    np.testing.assert_allclose(design[:, own], past[:, :-1] - past[:, -1:])
    with pytest.raises(ValueError, match="own_l2"):
        lp.fit_grouped_ridge(design, past[:, :1], own, is_own=own, own_l2=-1.0)


def test_repeat_the_last_value_is_a_candidate():
    # A random walk: the change is noise, so no fit beats predicting a zero
    # change (the last value) by the margin on the held-out windows.
    rng = np.random.default_rng(5)
    walk = np.cumsum(rng.normal(size=(400, 1)), axis=0)
    drivers = np.stack([walk[i : i + 4] for i in range(395)])  # (395, 4, 1)
    past = drivers[:, :, 0]
    target = walk[4:399]
    kernel, bias, info = lp.fit_linear_part((drivers, past), target, 4, 1, 4)
    assert info["naive"] == [True]
    assert info["holdout_rmse"][0] > (1 - lp.SEARCH_MARGIN) * info["naive_rmse"][0]
    assert not kernel.any() and not bias.any()  # the forecast is past[:, -1]
    # Never a candidate: the fit stands.
    kernel, _, info = lp.fit_linear_part((drivers, past), target, 4, 1, 4, naive=False)
    assert info["naive"] == [False] and kernel.any()
    # A signal the fit finds: not naive.
    signal = past[:, -1:] + 0.8 * (past[:, -1:] - past[:, -2:-1])
    _, _, info = lp.fit_linear_part((drivers, past), signal, 4, 1, 4)
    assert info["naive"] == [False]
    assert info["holdout_rmse"][0] < 0.01 * info["naive_rmse"][0]
    # Fixed per horizon step (the refit), and only with `residual`.
    kernel, _, info = lp.fit_linear_part(
        (drivers, past), signal, 4, 1, 4, l2=0.0, level_l2=0.0, smooth_l2=0.0, own_l2=0.0,
        naive=[True])
    assert not kernel.any() and info["naive"] == [True]
    with pytest.raises(ValueError, match="residual"):
        lp.fit_linear_part((drivers, past), signal, 4, 1, 4, residual=False, naive=True)
    with pytest.raises(ValueError, match=r"naive=\[True, True\]"):
        lp.fit_linear_part((drivers, past), signal, 4, 1, 4, naive=[True, True])
