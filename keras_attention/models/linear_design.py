"""The regression basis of the linear part and its bookkeeping (numpy).

The change/level design of `keras_attention.models.linear_part` (changes
from each series' last value, then the last values), its column masks and
roughness penalty, the map of its weights back to the forecaster's flat
highway basis, and the iterated one-step model as `horizon` affine columns
(`compose_recursive`).
"""

import numpy as np

from keras_attention.data.timeseries.recursive import recursive_forecast


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
