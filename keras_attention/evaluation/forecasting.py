"""Forecast metrics and the two baselines every forecasting result is shown with.

Metrics (numpy, float64), for arrays of the same shape `(N,)` or `(N, H)`:

- `rmse = sqrt(mean((y - ŷ)²))`, `mae = mean(|y - ŷ|)`,
- `mape = 100 · mean(|y - ŷ| / |y|)` (percent; undefined if a `y` is 0),
- `nrmse = rmse / (max(y) - min(y))`: RMSE divided by the range of the
  *evaluated* (test) target, on the original scale. The seed's nRMSE used an
  unstated constant (attention-math.md §7), so its values cannot be compared
  with ours directly.

Baselines, computed from the same model inputs:

- `naive_forecast`: repeat the last known target value for every step;
- `LinearAutoregressive`: ordinary least squares from the flattened driving
  window, the past target values and a bias to the `H` targets, either one
  fit per horizon step (`strategy="direct"`) or the one-step fit iterated on
  its own predictions (`strategy="recursive"`, see `recursive_forecast`).
"""

import numpy as np

# Re-exported: the baselines iterate them, and they were defined here first.
from keras_attention.data.timeseries.recursive import recursive_forecast, shift_window  # noqa: F401


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype="float64")
    y_pred = np.asarray(y_pred, dtype="float64")
    if y_true.shape != y_pred.shape:
        raise ValueError(
            "`y_true` and `y_pred` must have the same shape. Received: "
            f"y_true.shape={y_true.shape}, y_pred.shape={y_pred.shape}"
        )
    if y_true.size == 0:
        raise ValueError("`y_true` is empty: nothing to evaluate.")
    if not (np.isfinite(y_true).all() and np.isfinite(y_pred).all()):
        raise ValueError(
            "`y_true` and `y_pred` must be finite. Received non-finite values in "
            + ("y_pred" if np.isfinite(y_true).all() else "y_true")
        )
    return y_true, y_pred


def rmse(y_true, y_pred):
    """Root mean squared error (a float) of two finite arrays of one shape.

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> fc.rmse([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 6.0])
    1.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2)))


def mae(y_true, y_pred):
    """Mean absolute error (a float), as `rmse` (same arguments and checks).

    Example:

    Any shape, here `(N, H)` with two horizon steps:

    >>> import numpy as np
    >>> from keras_attention.evaluation.forecasting import mae
    >>> mae(np.array([[1.0, 2.0], [3.0, 4.0]]), np.zeros((2, 2)))
    2.5
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred)))


def mape(y_true, y_pred):
    """Mean absolute percentage error, in percent.

    Args:
        y_true, y_pred: arrays of the same shape, finite; `y_true` has no
            zero (MAPE is undefined there, and that is an error).

    Returns:
        A float (percent).

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> fc.mape([50.0, 100.0], [55.0, 100.0])
    5.0
    """
    y_true, y_pred = _pair(y_true, y_pred)
    zeros = int(np.sum(y_true == 0))
    if zeros:
        raise ValueError(
            f"MAPE is undefined: `y_true` contains {zeros} zero value(s)."
        )
    return float(100.0 * np.mean(np.abs(y_true - y_pred) / np.abs(y_true)))


def nrmse(y_true, y_pred):
    """RMSE divided by the range `max(y_true) - min(y_true)`.

    Args:
        y_true, y_pred: arrays of the same shape, finite; `y_true` not
            constant.

    Returns:
        A float.

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> fc.nrmse([1.0, 2.0, 3.0, 5.0], [1.0, 2.0, 3.0, 7.0])  # 1.0 / (5 - 1)
    0.25
    """
    y_true, y_pred = _pair(y_true, y_pred)
    spread = float(np.max(y_true) - np.min(y_true))
    if spread == 0:
        raise ValueError("nRMSE is undefined: `y_true` is constant (range 0).")
    return rmse(y_true, y_pred) / spread


def forecast_metrics(y_true, y_pred, y_true_scaled=None, y_pred_scaled=None):
    """All metrics of one forecast.

    Args:
        y_true, y_pred: original-scale targets and predictions.
        y_true_scaled, y_pred_scaled: the same on the model's scale (for
            `rmse_scaled`); omitted from the result if not given.

    Returns:
        A dict with `rmse`, `mae`, `mape`, `nrmse` (and `rmse_scaled`).

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> fc.forecast_metrics([50.0, 100.0], [55.0, 100.0])
    {'rmse': 3.5355339059327378, 'mae': 2.5, 'mape': 5.0, 'nrmse': 0.07071067811865475}
    """
    out = {
        "rmse": rmse(y_true, y_pred),
        "mae": mae(y_true, y_pred),
        "mape": mape(y_true, y_pred),
        "nrmse": nrmse(y_true, y_pred),
    }
    if y_true_scaled is not None and y_pred_scaled is not None:
        out["rmse_scaled"] = rmse(y_true_scaled, y_pred_scaled)
    return out


def naive_forecast(past_target, horizon=1):
    """Repeats the last known target value for `horizon` steps.

    Args:
        past_target: `(N, T_p)` or `(N, T_p, 1)` past target values.
        horizon: number of steps.

    Returns:
        `(N, horizon)`.

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> fc.naive_forecast([[1.0, 2.0, 3.0], [7.0, 8.0, 9.0]], horizon=2)
    array([[3., 3.],
           [9., 9.]])
    """
    past = np.asarray(past_target, dtype="float64")
    if past.ndim == 3:
        past = past[..., 0]
    if past.ndim != 2 or past.shape[1] == 0:
        raise ValueError(
            "`past_target` must be (N, T_p) or (N, T_p, 1) with T_p >= 1. "
            f"Received: past_target.shape={np.shape(past_target)}"
        )
    return np.repeat(past[:, -1:], horizon, axis=1)


def _design(inputs):
    drivers = np.asarray(inputs["drivers"], dtype="float64")
    past = np.asarray(inputs["past_target"], dtype="float64")
    n = drivers.shape[0]
    return np.concatenate(
        [drivers.reshape(n, -1), past.reshape(n, -1), np.ones((n, 1))], axis=1
    )


class LinearAutoregressive:
    """Least-squares linear baseline with the model's inputs.

    `ŷ = [vec(drivers); vec(past_target); 1] · W`, `W` of shape
    `(T·n + T_p + 1, H)`, fitted by `numpy.linalg.lstsq` (the minimum-norm
    solution when the design is rank deficient), optionally with a ridge
    penalty `l2 · ‖W‖²` on the non-bias weights.

    Args:
        l2: non-negative ridge penalty (0 = ordinary least squares).

    Example:

    >>> import numpy as np
    >>> from keras_attention.evaluation.forecasting import LinearAutoregressive
    >>> x = {"drivers": np.zeros((4, 2, 1)), "past_target": np.arange(4.0).reshape(4, 1, 1)}
    >>> LinearAutoregressive().fit(x, 2 * np.arange(4.0) + 1).predict(x)[:, 0].round(6)
    array([1., 3., 5., 7.])
    """

    def __init__(self, l2=0.0):
        if isinstance(l2, bool) or not isinstance(l2, (int, float)) or l2 < 0:
            raise ValueError(f"`l2` must be a non-negative number. Received: l2={l2!r}")
        self.l2 = float(l2)
        self.coef_ = None

    def fit(self, inputs, target):
        a = _design(inputs)
        y = np.asarray(target, dtype="float64")
        if y.ndim == 1:
            y = y[:, None]
        if self.l2 > 0:
            k = a.shape[1]
            penalty = np.sqrt(self.l2) * np.eye(k)[:-1]  # no penalty on the bias
            a = np.concatenate([a, penalty], axis=0)
            y = np.concatenate([y, np.zeros((k - 1, y.shape[1]))], axis=0)
        self.coef_, *_ = np.linalg.lstsq(a, y, rcond=None)
        return self

    def predict(self, inputs):
        if self.coef_ is None:
            raise ValueError("Call fit() before predict().")
        return _design(inputs) @ self.coef_


def baseline_predictions(series, part="test", l2=0.0, strategy="direct", fit_parts=("train",)):
    """Scaled predictions of both baselines on one part of a `WindowedSeries`.

    The linear model is fitted on the windows of `fit_parts`.

    Args:
        series: a `WindowedSeries` (from `make_windows`).
        part: the part to predict (`"test"`, `"val"` or `"train"`).
        l2: ridge penalty of the linear model.
        strategy: for `horizon > 1`, `"direct"` (one least-squares fit per
            horizon step) or `"recursive"` (the one-step fit iterated on its
            own predictions by `recursive_forecast`). The naive forecast is
            the same either way.
        fit_parts: the parts whose windows the linear model is fitted on,
            e.g. `("train", "val")` when the validation part was carved from
            the protocol's training rows.

    Returns:
        `{"naive": (N, H), "linear": (N, H)}` on the scaled target.

    Example:

    >>> from keras_attention.data import make_windows, synthetic_series
    >>> from keras_attention.evaluation import forecasting as fc
    >>> series = make_windows(synthetic_series(300), "target", window=8)
    >>> predictions = fc.baseline_predictions(series)
    >>> {name: p.shape for name, p in predictions.items()}
    {'naive': (83, 1), 'linear': (83, 1)}
    """
    if strategy not in ("direct", "recursive"):
        raise ValueError(
            "`strategy` must be one of 'direct', 'recursive'. "
            f"Received: strategy={strategy!r}"
        )
    test = series[part]
    parts = [series[name] for name in fit_parts]
    inputs = {
        key: np.concatenate([p.inputs[key] for p in parts]) for key in ("drivers", "past_target")
    }
    target = np.concatenate([p.target for p in parts])
    if strategy == "recursive":
        linear = LinearAutoregressive(l2=l2).fit(inputs, target[:, :1])
        predictions = recursive_forecast(
            lambda d, p: linear.predict({"drivers": d, "past_target": p})[:, 0],
            test.drivers,
            test.past_target,
            series.horizon,
        )
    else:
        linear = LinearAutoregressive(l2=l2).fit(inputs, target)
        predictions = linear.predict(test.inputs)
    return {
        "naive": naive_forecast(test.past_target, series.horizon),
        "linear": predictions,
    }


def evaluate(series, predictions, part="test"):
    """Metrics of scaled predictions on one part of a `WindowedSeries`.

    Args:
        series: the `WindowedSeries` the predictions were made on.
        predictions: dict `name -> (N, H)` scaled predictions (e.g. the
            model's and `baseline_predictions(series)`).
        part: `"test"`, `"val"` or `"train"`.

    Returns:
        dict `name -> metrics` (see `forecast_metrics`); every entry also
        records the `protocol`.

    Example:

    The embedded series is linear in its lagged drivers, so the linear
    baseline beats the naive one by far:

    >>> from keras_attention.data import make_windows, synthetic_series
    >>> from keras_attention.evaluation import forecasting as fc
    >>> series = make_windows(synthetic_series(1000), "target", window=8)
    >>> results = fc.evaluate(series, fc.baseline_predictions(series))
    >>> sorted(results["linear"])
    ['mae', 'mape', 'nrmse', 'protocol', 'rmse', 'rmse_scaled']
    >>> results["linear"]["protocol"]
    'nowcast'
    >>> results["linear"]["rmse"] < results["naive"]["rmse"] / 2
    True
    """
    windows = series[part]
    results = {}
    for name, scaled in predictions.items():
        scaled = np.asarray(scaled, dtype="float64").reshape(windows.target.shape)
        metrics = forecast_metrics(
            windows.target_raw,
            series.inverse_target(scaled),
            windows.target,
            scaled,
        )
        metrics["protocol"] = series.protocol
        results[name] = metrics
    return results


def format_table(results, title=None):
    """A plain-text table of `evaluate` results (names the protocol).

    Args:
        results: the dict returned by `evaluate`.
        title: optional first line.

    Returns:
        A string.

    Example:

    >>> from keras_attention.evaluation import forecasting as fc
    >>> metrics = fc.forecast_metrics([50.0, 100.0], [55.0, 100.0], [0.0, 1.0], [0.1, 1.0])
    >>> print(fc.format_table({"naive": dict(metrics, protocol="forecast")}))
    protocol: forecast
    model                           RMSE         MAE    MAPE %     nRMSE  RMSE scaled
    naive                         3.5355         2.5    5.0000    0.0707     0.070711
    """
    protocols = sorted({r.get("protocol", "?") for r in results.values()})
    lines = []
    if title:
        lines.append(title)
    lines.append(f"protocol: {', '.join(protocols)}")
    lines.append(
        f"{'model':<24}{'RMSE':>12}{'MAE':>12}{'MAPE %':>10}{'nRMSE':>10}{'RMSE scaled':>13}"
    )
    for name, r in results.items():
        lines.append(
            f"{name:<24}{r['rmse']:>12.5g}{r['mae']:>12.5g}{r['mape']:>10.4f}"
            f"{r['nrmse']:>10.4f}{r.get('rmse_scaled', float('nan')):>13.5g}"
        )
    return "\n".join(lines)
