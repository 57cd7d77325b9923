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

# The design and the ridge helpers live in `linear_design` and `linear_ridge`;
# their public names stay importable from here (users, tests and benches
# call `linear_part.<name>`). `fit_grouped_ridge` stays here: it reads the
# grids and `SEARCH_MARGIN`, which tests and benches set on this module.
from keras_attention.models.linear_design import (
    _arrays,
    change_level_design,
    compose_recursive,
    own_change_columns,
    roughness_penalty,
    to_flat_weights,
)
from keras_attention.models.linear_ridge import (
    _coordinate_search,
    _holdout_split,
    _HoldoutError,
    _naive_columns,
    _per_column,
    _Systems,
)

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
