"""The closed-form linear part of `TimeSeriesForecaster` (numpy, float64).

The forecaster's linear path is a `Dense(horizon)` over the flattened window
`[vec(drivers); vec(past_target)]` (the "highway"), added to the last known
target value (`residual`). `fit_linear_part` sets it by ridge regression on
the training windows, in a basis that makes the penalty meaningful:

- **changes**: every value of the window minus the last value of its own
  series, `x_{t,k} - x_{last,k}` and `y_t - y_{last}`;
- **levels**: the last values `x_{last,k}` and `y_{last}`.

The target is the change `y_{τ+h} - y_{last}` (with `residual`). Shrinking
these weights towards 0 shrinks the forecast towards "repeat the last
value", and the two groups get their own penalty: on a series that leaves
its training range (a stock index) the level weights must vanish (the
forecast then depends only on changes and cannot extrapolate wrongly), while
a mean-reverting series needs them. Both penalties are chosen on held-out
windows (the validation windows if given, else the last 20% of the training
windows, in time order), then the model is refitted on all training windows
and the weights are mapped back to the flat basis of the `Dense` layer.
"""

import numpy as np

from keras_attention.evaluation.forecasting import recursive_forecast

#: Ridge penalties tried for each group (on inputs that are z-scored as a
#: whole); `inf` removes the level group.
L2_GRID = tuple(float(v) for v in np.logspace(-4, 5, 19))
LEVEL_L2_GRID = L2_GRID + (np.inf,)


def _arrays(inputs):
    if isinstance(inputs, dict):
        drivers, past = inputs["drivers"], inputs["past_target"]
    else:
        drivers, past = inputs
    drivers = np.asarray(drivers, dtype="float64")
    past = np.asarray(past, dtype="float64")
    if past.ndim == 3:
        past = past[..., 0]
    return drivers, past


def change_level_design(drivers, past):
    """The regression basis: changes from the last value, then the levels.

    Args:
        drivers: `(N, T, n)`.
        past: `(N, T_p)`.

    Returns:
        `(design, is_level)`: `(N, (T-1)·n + T_p - 1 + n + 1)` and a boolean
        mask of the level columns.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import change_level_design
    >>> drivers = np.array([[[1.0], [3.0]]])   # x = 1, 3
    >>> past = np.array([[5.0, 4.0, 7.0]])     # y = 5, 4, 7
    >>> design, is_level = change_level_design(drivers, past)
    >>> design.tolist(), is_level.tolist()
    ([[-2.0, -2.0, -3.0, 3.0, 7.0]], [False, False, False, True, True])
    """
    n = len(drivers)
    changes_x = (drivers[:, :-1] - drivers[:, -1:]).reshape(n, -1)
    changes_y = past[:, :-1] - past[:, -1:]
    levels = np.concatenate([drivers[:, -1], past[:, -1:]], axis=1)
    design = np.concatenate([changes_x, changes_y, levels], axis=1)
    is_level = np.zeros(design.shape[1], dtype=bool)
    is_level[-levels.shape[1]:] = True
    return design, is_level


def to_flat_weights(coef, window, num_features, past_length):
    """Maps weights of `change_level_design` to the flat window basis.

    Args:
        coef: `(k, H)` weights on the change/level columns.
        window, num_features, past_length: `T`, `n`, `T_p`.

    Returns:
        `(T·n + T_p, H)` weights on `[vec(drivers); past]`, the layout of the
        forecaster's highway (`vec` is row-major: step, then series).

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import (
    ...     change_level_design, to_flat_weights)
    >>> rng = np.random.default_rng(0)
    >>> drivers, past = rng.normal(size=(4, 3, 2)), rng.normal(size=(4, 2))
    >>> coef = rng.normal(size=(2 * 2 + 1 + 2 + 1, 1))
    >>> flat = np.concatenate([drivers.reshape(4, -1), past], axis=1)
    >>> design, _ = change_level_design(drivers, past)
    >>> np.allclose(design @ coef, flat @ to_flat_weights(coef, 3, 2, 2))
    True
    """
    t, n, tp = window, num_features, past_length
    coef = np.asarray(coef, dtype="float64")
    horizon = coef.shape[1]
    num_x = (t - 1) * n
    changes_x = coef[:num_x].reshape(t - 1, n, horizon)
    changes_y = coef[num_x : num_x + tp - 1]
    level_x = coef[num_x + tp - 1 : num_x + tp - 1 + n]
    level_y = coef[-1:]
    wx = np.concatenate([changes_x, (level_x - changes_x.sum(0))[None]], axis=0)
    wy = np.concatenate([changes_y, level_y - changes_y.sum(0, keepdims=True)], axis=0)
    return np.concatenate([wx.reshape(t * n, horizon), wy], axis=0)


def fit_grouped_ridge(design, target, is_level, holdout=None, l2=None, level_l2=None):
    """Ridge with one penalty for the change and one for the level columns.

    The intercept is not penalized (the columns and the target are centered
    on the fitting windows). Each target column (horizon step) gets its own
    pair of penalties.

    Args:
        design: `(N, k)`.
        target: `(N, H)`.
        is_level: `(k,)` boolean.
        holdout: `(design, target)` to choose the penalties on; `None`: the
            last 20% of the rows (time order), then refit on all rows.
        l2, level_l2: fixed penalties (skip the search for that group;
            `level_l2=inf` drops the level columns).

    Returns:
        `(coef (k, H), intercept (H,), info)`, `info` a dict with the chosen
        `l2` and `level_l2` per column and the holdout RMSE.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import fit_grouped_ridge
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(200, 3))
    >>> y = (a @ [1.0, -2.0, 0.0] + 0.5)[:, None]
    >>> coef, intercept, info = fit_grouped_ridge(
    ...     a, y, np.array([False, False, True]), l2=0.0, level_l2=0.0)
    >>> (coef[:, 0].round(6) + 0.0).tolist(), intercept.round(6).tolist()
    ([1.0, -2.0, 0.0], [0.5])
    """
    design = np.asarray(design, dtype="float64")
    target = np.asarray(target, dtype="float64")
    if target.ndim == 1:
        target = target[:, None]
    grid = L2_GRID if l2 is None else (float(l2),)
    level_grid = LEVEL_L2_GRID if level_l2 is None else (float(level_l2),)
    if len(grid) * len(level_grid) > 1:
        if holdout is None:
            cut = int(round(0.8 * len(design)))
            fit_a, fit_y = design[:cut], target[:cut]
            val_a, val_y = design[cut:], target[cut:]
        else:
            fit_a, fit_y = design, target
            val_a = np.asarray(holdout[0], dtype="float64")
            val_y = np.asarray(holdout[1], dtype="float64").reshape(len(val_a), -1)
        errors = np.full((len(grid), len(level_grid), target.shape[1]), np.inf)
        # One Gram matrix per column set (with / without the levels).
        systems = {}
        for j, lev in enumerate(level_grid):
            keep = ~is_level if np.isinf(lev) else np.ones(design.shape[1], dtype=bool)
            key = bool(np.isinf(lev))
            if key not in systems:
                systems[key] = _centered_system(fit_a[:, keep], fit_y)
            gram, cross, mean_a, mean_y = systems[key]
            for i, lam in enumerate(grid):
                penalty = np.where(is_level[keep], lev, lam)
                sol = _solve_penalized(gram, cross, penalty)
                pred = (val_a[:, keep] - mean_a) @ sol + mean_y
                errors[i, j] = np.sqrt(np.mean((pred - val_y) ** 2, axis=0))
        flat = errors.reshape(-1, target.shape[1]).argmin(axis=0)
        chosen = [(grid[f // len(level_grid)], level_grid[f % len(level_grid)]) for f in flat]
        holdout_rmse = errors.reshape(-1, target.shape[1]).min(axis=0)
    else:
        chosen = [(grid[0], level_grid[0])] * target.shape[1]
        holdout_rmse = np.full(target.shape[1], np.nan)
    coef = np.zeros((design.shape[1], target.shape[1]))
    intercept = np.zeros(target.shape[1])
    for h, (lam, lev) in enumerate(chosen):
        coef[:, h : h + 1], intercept[h : h + 1] = _fit(
            design, target[:, h : h + 1], is_level, lam, lev
        )
    info = {
        "l2": [c[0] for c in chosen],
        "level_l2": [c[1] for c in chosen],
        "holdout_rmse": holdout_rmse.tolist(),
    }
    return coef, intercept, info


def _centered_system(a, target):
    mean_a, mean_y = a.mean(axis=0), target.mean(axis=0)
    ac, yc = a - mean_a, target - mean_y
    return ac.T @ ac, ac.T @ yc, mean_a, mean_y


def _solve_penalized(gram, cross, penalty):
    if np.all(penalty == 0):
        # Plain least squares, also for a rank-deficient design (e.g. a
        # constant series): the minimum-norm solution.
        return np.linalg.lstsq(gram, cross, rcond=None)[0]
    return np.linalg.solve(gram + np.diag(penalty), cross)


def _fit(design, target, is_level, lam, lev):
    keep = ~is_level if np.isinf(lev) else np.ones(design.shape[1], dtype=bool)
    if np.all(np.where(is_level[keep], lev, lam) == 0):
        # lstsq on the centered design itself: better conditioned than on
        # the normal equations.
        a = design[:, keep]
        mean_a, mean_y = a.mean(axis=0), target.mean(axis=0)
        sol = np.linalg.lstsq(a - mean_a, target - mean_y, rcond=None)[0]
    else:
        gram, cross, mean_a, mean_y = _centered_system(design[:, keep], target)
        sol = _solve_penalized(gram, cross, np.where(is_level[keep], lev, lam))
    coef = np.zeros((design.shape[1], target.shape[1]))
    coef[keep] = sol
    intercept = mean_y - mean_a @ sol
    return coef, intercept


def compose_recursive(weights, bias, window, num_features, past_length, horizon, residual):
    """The iterated one-step linear model as `horizon` affine columns.

    `ŷ_1 = [y_last] + w·[vec(drivers); past] + b`; each later step applies
    the same model to the window shifted by one step (`recursive_forecast`:
    the driving series' last row repeated, the previous prediction appended
    to the past target). Every step is affine in the window, so the whole
    recursion is too. Column `h` returned here is the *increment*
    `ŷ_{h+1} - ŷ_h` (with `residual`; `ŷ_0 = y_last`) or `ŷ_{h+1}` itself
    (without), as a function of the original window: the forecaster adds
    the previous prediction (`residual`) to its highway column `h`.

    Args:
        weights: `(T·n + T_p,)` or `(T·n + T_p, 1)` one-step weights (flat).
        bias: scalar.
        window, num_features, past_length: `T`, `n`, `T_p`.
        horizon: `H`.
        residual: whether the one-step model predicts the change from the
            last value.

    Returns:
        `(kernel (T·n + T_p, H), bias (H,))`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import compose_recursive
    >>> # One step: y_next = 0.5 · y_last (a 2-value past, no drivers effect).
    >>> kernel, bias = compose_recursive(
    ...     np.array([0.0, 0.0, 0.5]), 0.0, window=1, num_features=1,
    ...     past_length=2, horizon=3, residual=False)
    >>> kernel[-1].tolist()   # y_{τ+h} = 0.5^(h+1) · y_last
    [0.5, 0.25, 0.125]
    """
    t, n, tp = window, num_features, past_length
    size = t * n + tp
    weights = np.asarray(weights, dtype="float64").reshape(size)
    basis = np.concatenate([np.zeros((1, size)), np.eye(size)], axis=0)
    drivers = basis[:, : t * n].reshape(-1, t, n)
    past = basis[:, t * n :]

    def one_step(d, p):
        value = np.concatenate([d.reshape(len(d), -1), p], axis=1) @ weights + bias
        return value + p[:, -1] if residual else value

    path = recursive_forecast(one_step, drivers, past, horizon)
    if residual:
        previous = np.concatenate([past[:, -1:], path[:, :-1]], axis=1)
        path = path - previous
    kernel = path[1:] - path[:1]
    return kernel, path[0]


def fit_linear_part(
    inputs,
    target,
    window,
    num_features,
    past_length,
    residual=True,
    strategy="direct",
    validation_data=None,
    l2=None,
    level_l2=None,
    refit=True,
):
    """Closed-form highway weights of a `TimeSeriesForecaster`.

    Args:
        inputs: `{"drivers": (N, T, n), "past_target": (N, T_p[, 1])}` or a
            `(drivers, past_target)` tuple, in time order.
        target: `(N, H)`.
        window, num_features, past_length: `T`, `n`, `T_p`.
        residual: the model adds the last known value (the regression
            target is then the change).
        strategy: `"direct"` (one fit per horizon step) or `"recursive"`
            (the one-step fit, iterated: `compose_recursive`).
        validation_data: `(inputs, target)` to choose the penalties on.
        l2, level_l2: fixed penalties (see `fit_grouped_ridge`).
        refit: once the penalties are chosen on `validation_data`, fit on
            the training and validation windows together (the usual refit
            after a hyper-parameter search; the validation windows are the
            most recent before the test part).

    Returns:
        `(kernel (T·n + T_p, H), bias (H,), info)`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import fit_linear_part
    >>> rng = np.random.default_rng(0)
    >>> drivers, past = rng.normal(size=(50, 2, 1)), rng.normal(size=(50, 1))
    >>> y = past + 2.0 * drivers[:, 1]                  # change = 2 x_last
    >>> kernel, bias, info = fit_linear_part(
    ...     (drivers, past), y, 2, 1, 1, l2=0.0, level_l2=0.0)
    >>> (kernel[:, 0].round(6) + 0.0).tolist()            # [x_0, x_1, y_last]
    [0.0, 2.0, 0.0]
    """
    drivers, past = _arrays(inputs)
    target = np.asarray(target, dtype="float64").reshape(len(drivers), -1)
    horizon = target.shape[1]
    design, is_level = change_level_design(drivers, past)
    fit_target = target[:, :1] if strategy == "recursive" else target
    if residual:
        fit_target = fit_target - past[:, -1:]
    holdout = None
    if validation_data is not None:
        val_drivers, val_past = _arrays(validation_data[0])
        val_target = np.asarray(validation_data[1], dtype="float64").reshape(
            len(val_drivers), -1
        )
        val_target = val_target[:, :1] if strategy == "recursive" else val_target
        if residual:
            val_target = val_target - val_past[:, -1:]
        holdout = (change_level_design(val_drivers, val_past)[0], val_target)
    coef, intercept, info = fit_grouped_ridge(
        design, fit_target, is_level, holdout=holdout, l2=l2, level_l2=level_l2
    )
    if holdout is not None and refit:
        both = np.concatenate([design, holdout[0]]), np.concatenate([fit_target, holdout[1]])
        for h in range(fit_target.shape[1]):
            coef[:, h : h + 1], intercept[h : h + 1], _ = fit_grouped_ridge(
                both[0], both[1][:, h : h + 1], is_level,
                l2=info["l2"][h], level_l2=info["level_l2"][h],
            )
        info["refit_on_validation"] = True
    kernel = to_flat_weights(coef, window, num_features, past_length)
    bias = intercept
    if strategy == "recursive" and horizon > 1:
        kernel, bias = compose_recursive(
            kernel[:, 0], intercept[0], window, num_features, past_length, horizon, residual
        )
    return kernel, bias, info
