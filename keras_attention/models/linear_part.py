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

from keras_attention.data.timeseries.recursive import recursive_forecast

#: Ridge penalties tried for each group (on inputs that are z-scored as a
#: whole); `inf` removes the level group.
L2_GRID = tuple(float(v) for v in np.logspace(-4, 5, 19))
LEVEL_L2_GRID = L2_GRID + (np.inf,)
#: Penalties tried for the roughness of the lag weights (0: none).
SMOOTH_L2_GRID = (0.0,) + tuple(float(v) for v in np.logspace(-2, 5, 8))
#: The penalties found by the search are used only if they lower the
#: held-out RMSE of plain least squares (every searched penalty 0) by at
#: least this fraction; else plain least squares is used. A search over
#: about 3,400 penalty triples finds a small held-out gain by chance alone
#: (on the embedded series, linear by construction, 0.3%, which was a 0.1%
#: loss on the test part: `bench/forecast_margins.py --no-margin`,
#: bench/RESULTS.md).
SEARCH_MARGIN = 0.01


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


def own_change_columns(window, num_features, past_length):
    """The columns of `change_level_design` that hold the target's own past
    changes `y_t - y_last` (they get their own penalty, `own_l2`: how much
    the target's own history matters is not how much the drivers' does).

    Example:

    >>> from keras_attention.models.linear_part import own_change_columns
    >>> own_change_columns(window=3, num_features=1, past_length=3).tolist()
    [False, False, True, True, False, False]
    """
    t, n, tp = window, num_features, past_length
    mask = np.zeros((t - 1) * n + (tp - 1) + n + 1, dtype=bool)
    mask[(t - 1) * n : (t - 1) * n + tp - 1] = True
    return mask


def roughness_penalty(window, num_features, past_length):
    """Sum of squared first differences of each series' lag weights.

    As a quadratic form `wᵀ R w` on the weights of `change_level_design`:
    for every series, the squared differences between the weights of
    consecutive lags, `Σ_t (w_{t+1,k} - w_{t,k})²`. A large penalty makes
    each series' weights nearly equal over its lags (a weight on the
    window's mean change); a small one leaves them free. The level columns
    are not penalized by it.

    Args:
        window, num_features, past_length: `T`, `n`, `T_p`.

    Returns:
        `R`, `(k, k)` positive semi-definite, `k` the design's width.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import roughness_penalty
    >>> r = roughness_penalty(window=3, num_features=1, past_length=1)
    >>> w = np.array([1.0, 4.0, 0.0, 0.0])   # lags 1.0, 4.0; two levels
    >>> float(w @ r @ w)                      # (4 - 1)²
    9.0
    """
    t, n, tp = window, num_features, past_length
    size = (t - 1) * n + (tp - 1) + n + 1

    def first_differences(length):
        d = np.diff(np.eye(length), axis=0)
        return d.T @ d

    r = np.zeros((size, size))
    if t > 2:
        block = first_differences(t - 1)
        for k in range(n):
            idx = np.arange(t - 1) * n + k
            r[np.ix_(idx, idx)] = block
    if tp > 2:
        start = (t - 1) * n
        r[start : start + tp - 1, start : start + tp - 1] = first_differences(tp - 1)
    return r


def _holdout_split(design, target, holdout):
    if holdout is None:
        cut = int(round(0.8 * len(design)))
        return design[:cut], target[:cut], design[cut:], target[cut:]
    val_a = np.asarray(holdout[0], dtype="float64")
    val_y = np.asarray(holdout[1], dtype="float64").reshape(len(val_a), -1)
    return design, target, val_a, val_y


class _Systems:
    """Centered normal equations per column set, solved for given penalties."""

    def __init__(self, design, target, is_level, roughness, is_own):
        self.design, self.target = design, target
        self.is_level, self.roughness, self.is_own = is_level, roughness, is_own
        self._cache = {}

    def keep(self, level_l2):
        if np.isinf(level_l2):
            return ~self.is_level
        return np.ones(self.design.shape[1], dtype=bool)

    def system(self, level_l2):
        key = bool(np.isinf(level_l2))
        if key not in self._cache:
            self._cache[key] = _centered_system(self.design[:, self.keep(level_l2)], self.target)
        return self._cache[key]

    def solve(self, l2, level_l2, smooth_l2, own_l2, column=None):
        keep = self.keep(level_l2)
        gram, cross, mean_a, mean_y = self.system(level_l2)
        if column is not None:
            cross, mean_y = cross[:, column : column + 1], mean_y[column : column + 1]
        penalty = np.diag(np.where(
            self.is_level[keep], level_l2, np.where(self.is_own[keep], own_l2, l2)))
        if smooth_l2:
            penalty = penalty + smooth_l2 * self.roughness[np.ix_(keep, keep)]
        if not penalty.any():
            # Plain least squares, also for a rank-deficient design (e.g. a
            # constant series): the minimum-norm solution, from the centered
            # design itself (better conditioned than the normal equations).
            target = self.target if column is None else self.target[:, column : column + 1]
            sol = np.linalg.lstsq(
                self.design[:, keep] - mean_a, target - mean_y, rcond=None
            )[0]
        else:
            sol = np.linalg.solve(gram + penalty, cross)
        return keep, sol, mean_a, mean_y


def fit_grouped_ridge(
    design,
    target,
    is_level,
    roughness=None,
    holdout=None,
    l2=None,
    level_l2=None,
    smooth_l2=None,
    is_own=None,
    own_l2=None,
    naive=False,
):
    """Ridge with separate penalties for changes, levels and lag roughness.

    Minimizes `‖y - b - A w‖² + l2 ‖w_changes‖² + own_l2 ‖w_own‖²
    + level_l2 ‖w_levels‖² + smooth_l2 wᵀ R w` (`R`: `roughness_penalty`;
    `w_own`: the columns of `is_own`, the target's own past changes, which
    then leave `w_changes`); the intercept `b` is not
    penalized (the columns and the target are centered). The penalties that
    are not fixed are chosen on held-out rows by coordinate descent over
    their grids (`L2_GRID`, `LEVEL_L2_GRID`, `SMOOTH_L2_GRID`, `L2_GRID`),
    one search per target column (horizon step), starting from
    `l2 = level_l2 = own_l2 = 1`, `smooth_l2 = 0`. The penalties found are
    kept only if their held-out RMSE is at least `SEARCH_MARGIN` below that
    of plain least squares (the searched penalties at 0); else the column
    is fitted by plain least squares. With `naive`, the fit must also beat
    the constant 0 (all weights and the intercept 0: with a target that is
    the change from the last value, "repeat the last value") by
    `SEARCH_MARGIN` on the held-out rows, else the column is 0.

    Args:
        design: `(N, k)`.
        target: `(N, H)`.
        is_level: `(k,)` boolean.
        roughness: `(k, k)` matrix `R`; `None`: no roughness penalty.
        holdout: `(design, target)` to choose the penalties on; `None`: the
            last 20% of the rows (time order), then refit on all rows.
        l2, level_l2, smooth_l2, own_l2: fixed penalties (skip their search;
            `level_l2=inf` drops the level columns): a number, or a list of
            one per target column (e.g. the `info` of an earlier search).
        is_own: `(k,)` boolean, the columns with their own penalty `own_l2`;
            `None`: none (every change column has `l2`).
        naive: `True`: the constant 0 is a candidate where penalties are
            searched; a list of one boolean per target column: those columns
            are 0 (the `info["naive"]` of an earlier search); `False`: never.

    Returns:
        `(coef (k, H), intercept (H,), info)`, `info` a dict with the chosen
        `l2`, `level_l2`, `smooth_l2`, `own_l2` and `naive` per column (the
        keys of `CHOSEN`), their holdout RMSE, that of plain least squares
        (`least_squares_rmse`) and that of the constant 0 (`naive_rmse`).

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
    is_level = np.asarray(is_level, dtype=bool)
    if is_own is None:
        is_own = np.zeros(design.shape[1], dtype=bool)
        if own_l2 is None:
            own_l2 = 0.0  # no such columns: nothing to search
    is_own = np.asarray(is_own, dtype=bool) & ~is_level
    if roughness is None:
        roughness = np.zeros((design.shape[1], design.shape[1]))
        if smooth_l2 is None:
            smooth_l2 = 0.0
    horizon = target.shape[1]
    fixed = [_per_column(name, v, horizon) for name, v in (
        ("l2", l2), ("level_l2", level_l2), ("smooth_l2", smooth_l2), ("own_l2", own_l2)
    )]
    defaults = (L2_GRID, LEVEL_L2_GRID, SMOOTH_L2_GRID, L2_GRID)
    is_naive = _naive_columns(naive, horizon)
    chosen, holdout_rmse, least_squares_rmse, naive_rmse = [], [], [], []
    systems = None
    for h in range(horizon):
        grids = tuple(
            grid if values is None else (values[h],) for grid, values in zip(defaults, fixed)
        )
        if all(len(g) == 1 for g in grids):
            chosen.append(tuple(g[0] for g in grids))
            holdout_rmse.append(float("nan"))
            least_squares_rmse.append(float("nan"))
            naive_rmse.append(float("nan"))
            continue
        if systems is None:
            fit_a, fit_y, val_a, val_y = _holdout_split(design, target, holdout)
            systems = _Systems(fit_a, fit_y, is_level, roughness, is_own)
        error = _HoldoutError(systems, val_a, val_y[:, h : h + 1], h)
        params = _coordinate_search(error, grids)
        plain = tuple(0.0 if len(g) > 1 else g[0] for g in grids)
        if not error(params) <= (1.0 - SEARCH_MARGIN) * error(plain):
            params = plain
        chosen.append(params)
        holdout_rmse.append(error(params))
        least_squares_rmse.append(error(plain))
        naive_rmse.append(float(np.sqrt(np.mean(val_y[:, h] ** 2))))
        if naive is True and not holdout_rmse[-1] <= (1.0 - SEARCH_MARGIN) * naive_rmse[-1]:
            is_naive[h] = True
    full = _Systems(design, target, is_level, roughness, is_own)
    coef = np.zeros((design.shape[1], horizon))
    intercept = np.zeros(horizon)
    for h, params in enumerate(chosen):
        if is_naive[h]:
            continue
        keep, sol, mean_a, mean_y = full.solve(*params, column=h)
        coef[keep, h] = sol[:, 0]
        intercept[h] = (mean_y - mean_a @ sol)[0]
    info = {
        "l2": [c[0] for c in chosen],
        "level_l2": [c[1] for c in chosen],
        "smooth_l2": [c[2] for c in chosen],
        "own_l2": [c[3] for c in chosen],
        "naive": is_naive,
        "holdout_rmse": [float(e) for e in holdout_rmse],
        "least_squares_rmse": [float(e) for e in least_squares_rmse],
        "naive_rmse": [float(e) for e in naive_rmse],
    }
    return coef, intercept, info


def _naive_columns(naive, horizon):
    """`naive` as one boolean per column (all False for `True`: the search
    decides, or `False`: never)."""
    if isinstance(naive, bool):
        return [False] * horizon
    values = list(naive) if isinstance(naive, (list, tuple)) else None
    if values is None or len(values) != horizon or any(
        not isinstance(v, (bool, np.bool_)) for v in values
    ):
        raise ValueError(
            "`naive` must be True, False or a list of one boolean per target column "
            f"({horizon}). Received: naive={naive!r}"
        )
    return [bool(v) for v in values]


#: What a search chooses per horizon step (keys of its `info`); `chosen`
#: passes them back to fix them in a later fit.
CHOSEN = ("l2", "level_l2", "smooth_l2", "own_l2", "naive")


def chosen(info):
    """The choices of an earlier search as keyword arguments of
    `fit_linear_part` and `TimeSeriesForecaster.fit_linear` (to refit on
    more windows with the same penalties and the same naive columns).

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.linear_part import chosen, fit_linear_part
    >>> rng = np.random.default_rng(0)
    >>> drivers, past = rng.normal(size=(60, 3, 1)), rng.normal(size=(60, 3))
    >>> y = past[:, -1:] + drivers[:, -1]
    >>> _, _, info = fit_linear_part((drivers, past), y, 3, 1, 3)
    >>> sorted(chosen(info))
    ['l2', 'level_l2', 'naive', 'own_l2', 'smooth_l2']
    """
    return {key: info[key] for key in CHOSEN}


def _per_column(name, value, horizon):
    """`None`, or one float per target column."""
    if value is None:
        return None
    values = [value] * horizon if np.ndim(value) == 0 else list(value)
    if len(values) != horizon or any(
        isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or v < 0
        for v in values
    ):
        raise ValueError(
            f"`{name}` must be a non-negative number or a list of one per horizon step "
            f"({horizon}). Received: {name}={value!r}"
        )
    return [float(v) for v in values]


class _HoldoutError:
    """Held-out RMSE of one target column's fit, per penalty triple (cached)."""

    def __init__(self, systems, val_a, val_y, column):
        self.systems, self.val_a, self.val_y, self.column = systems, val_a, val_y, column
        self._cache = {}

    def __call__(self, params):
        if params not in self._cache:
            keep, sol, mean_a, mean_y = self.systems.solve(*params, column=self.column)
            pred = (self.val_a[:, keep] - mean_a) @ sol + mean_y
            self._cache[params] = float(np.sqrt(np.mean((pred - self.val_y) ** 2)))
        return self._cache[params]


def _coordinate_search(error, grids, rounds=6):
    def start(grid, value):
        return min(grid, key=lambda v: abs(np.log10(v) - np.log10(value)) if v > 0 else np.inf) \
            if value > 0 and any(v > 0 for v in grid) else grid[0]

    current = tuple(start(g, v) for g, v in zip(grids, (1.0, 1.0, 0.0, 1.0), strict=True))
    for _ in range(rounds):
        previous = current
        for axis, grid in enumerate(grids):
            if len(grid) == 1:
                continue
            candidates = [current[:axis] + (v,) + current[axis + 1 :] for v in grid]
            # Ties keep the current value (then the first in grid order).
            current = min(candidates, key=lambda c: (error(c), c != current))
        if current == previous:
            break
    return current


def _centered_system(a, target):
    mean_a, mean_y = a.mean(axis=0), target.mean(axis=0)
    ac, yc = a - mean_a, target - mean_y
    return ac.T @ ac, ac.T @ yc, mean_a, mean_y


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
    inputs, target, window, num_features, past_length, residual=True, strategy="direct",
    validation_data=None, l2=None, level_l2=None, smooth_l2=None, refit=False, own_l2=None,
    naive=None,
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
        l2, level_l2, smooth_l2, own_l2: fixed penalties (see
            `fit_grouped_ridge`; `own_l2` is the penalty of the target's own
            past changes, `l2` that of the driving series' changes).
        naive: with `residual`, "repeat the last value" (all weights 0) is
            a candidate of the search (`None`, the default): the fit must
            beat it by `SEARCH_MARGIN` on the held-out windows; a list of
            booleans per horizon step (`info["naive"]`) fixes the choice;
            `False`: never.
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
    ...     (drivers, past), y, 2, 1, 1, l2=0.0, level_l2=0.0, smooth_l2=0.0)
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
    roughness = roughness_penalty(window, num_features, past_length)
    is_own = own_change_columns(window, num_features, past_length)
    if naive is None:
        naive = bool(residual)
    if not residual and (naive is True or any(_naive_columns(naive, fit_target.shape[1]))):
        raise ValueError(
            "`naive` (repeat the last value) needs `residual=True`. "
            f"Received: naive={naive!r}, residual={residual!r}"
        )
    coef, intercept, info = fit_grouped_ridge(
        design, fit_target, is_level, roughness=roughness, holdout=holdout,
        l2=l2, level_l2=level_l2, smooth_l2=smooth_l2, is_own=is_own, own_l2=own_l2,
        naive=naive,
    )
    if holdout is not None and refit:
        coef, intercept, _ = fit_grouped_ridge(
            np.concatenate([design, holdout[0]]),
            np.concatenate([fit_target, holdout[1]]),
            is_level,
            roughness=roughness,
            is_own=is_own,
            **chosen(info),
        )
        info["refit_on_validation"] = True
    kernel = to_flat_weights(coef, window, num_features, past_length)
    bias = intercept
    if strategy == "recursive" and horizon > 1:
        kernel, bias = compose_recursive(
            kernel[:, 0], intercept[0], window, num_features, past_length, horizon, residual
        )
    return kernel, bias, info
