"""Recursive multi-step forecasts: a one-step forecaster iterated on its own
predictions (numpy; used by the linear part and the baselines)."""

import numpy as np


def shift_window(drivers, past, value):
    """The window one step later, for a recursive forecast.

    The driving series' values after the window are unknown, so their last
    row is repeated (their naive forecast); the predicted target `value` is
    appended to the past target values.

    Args:
        drivers: `(N, T, n)`.
        past: `(N, T_p)`.
        value: `(N,)`, the prediction for the first step after `past`.

    Returns:
        `(drivers, past)` of the same shapes.

    Example:

    >>> import numpy as np
    >>> from keras_attention.data.timeseries import recursive_forecast, shift_window
    >>> d, p = shift_window(np.array([[[1.0], [2.0]]]), np.array([[5.0, 6.0]]),
    ...                     np.array([7.0]))
    >>> d[..., 0].tolist(), p.tolist()
    ([[2.0, 2.0]], [[6.0, 7.0]])
    """
    drivers = np.concatenate([drivers[:, 1:], drivers[:, -1:]], axis=1)
    past = np.concatenate([past[:, 1:], np.asarray(value)[:, None]], axis=1)
    return drivers, past


def recursive_forecast(one_step, drivers, past, horizon):
    """Iterates a one-step forecaster on its own predictions.

    Args:
        one_step: `f(drivers (N, T, n), past (N, T_p)) -> (N,)`, the forecast
            of the step after the window.
        drivers: `(N, T, n)`.
        past: `(N, T_p)` (or `(N, T_p, 1)`).
        horizon: number of steps.

    Returns:
        `(N, horizon)`: step 1 from the window, step `h` from the window
        shifted `h - 1` times by `shift_window`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.data.timeseries import recursive_forecast, shift_window
    >>> step = lambda d, p: p[:, -1] + (p[:, -1] - p[:, -2])  # linear trend
    >>> recursive_forecast(step, np.zeros((1, 2, 1)), np.array([[1.0, 3.0]]), 3)
    array([[5., 7., 9.]])
    """
    drivers = np.asarray(drivers, dtype="float64")
    past = np.asarray(past, dtype="float64")
    if past.ndim == 3:
        past = past[..., 0]
    steps = []
    for _ in range(horizon):
        value = np.asarray(one_step(drivers, past), dtype="float64").reshape(len(drivers))
        steps.append(value)
        drivers, past = shift_window(drivers, past, value)
    return np.stack(steps, axis=1)
