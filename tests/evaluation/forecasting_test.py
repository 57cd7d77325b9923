import math
import re

import numpy as np
import pandas as pd
import pytest

from keras_attention.data import timeseries as ts
from keras_attention.evaluation import forecasting as fc


def test_metrics_by_hand():
    y = np.array([2.0, 4.0, 5.0, 10.0])
    p = np.array([1.0, 4.0, 7.0, 10.0])
    # errors: 1, 0, -2, 0
    assert fc.rmse(y, p) == pytest.approx(math.sqrt(5 / 4))
    assert fc.mae(y, p) == pytest.approx(3 / 4)
    assert fc.mape(y, p) == pytest.approx(100 * (1 / 2 + 0 + 2 / 5 + 0) / 4)
    assert fc.nrmse(y, p) == pytest.approx(math.sqrt(5 / 4) / 8)
    m = fc.forecast_metrics(y, p, y / 10, p / 10)
    assert m["rmse_scaled"] == pytest.approx(math.sqrt(5 / 4) / 10)
    assert set(m) == {"rmse", "mae", "mape", "nrmse", "rmse_scaled"}


def test_naive_forecast_repeats_the_last_value():
    past = np.array([[[1.0], [2.0], [3.0]], [[5.0], [4.0], [-1.0]]])
    np.testing.assert_array_equal(fc.naive_forecast(past, 2), [[3.0, 3.0], [-1.0, -1.0]])
    np.testing.assert_array_equal(fc.naive_forecast(past[..., 0]), [[3.0], [-1.0]])


def test_linear_autoregressive_by_hand():
    rng = np.random.default_rng(0)
    drivers = rng.normal(size=(30, 2, 2))
    past = rng.normal(size=(30, 3, 1))
    target = (
        1.5 * drivers[:, 1, 0] - 2.0 * drivers[:, 0, 1] + 0.5 * past[:, -1, 0] + 3.0
    )
    inputs = {"drivers": drivers, "past_target": past}
    model = fc.LinearAutoregressive().fit(inputs, target)
    # Design columns: drivers (t0a, t0b, t1a, t1b), past (3), bias.
    np.testing.assert_allclose(
        model.coef_[:, 0], [0, -2.0, 1.5, 0, 0, 0, 0.5, 3.0], atol=1e-10
    )
    np.testing.assert_allclose(model.predict(inputs)[:, 0], target, atol=1e-10)


def test_ridge_shrinks_weights_but_not_the_bias():
    inputs = {"drivers": np.zeros((4, 1, 1)), "past_target": np.arange(4.0).reshape(4, 1, 1)}
    y = 2 * np.arange(4.0) + 1
    plain = fc.LinearAutoregressive().fit(inputs, y)
    ridge = fc.LinearAutoregressive(l2=100.0).fit(inputs, y)
    assert abs(ridge.coef_[1, 0]) < abs(plain.coef_[1, 0])
    # With the slope shrunk towards 0 the bias moves towards the mean of y.
    assert ridge.coef_[-1, 0] > plain.coef_[-1, 0]


def test_evaluate_names_the_protocol_and_matches_hand_metrics():
    rows = np.arange(30, dtype="float64")
    frame = pd.DataFrame({"a": np.sin(rows), "y": 10 + rows})
    s = ts.make_windows(frame, "y", window=3, split=(20, 10), protocol="forecast")
    baselines = fc.baseline_predictions(s)
    results = fc.evaluate(s, baselines)
    assert results["naive"]["protocol"] == "forecast"
    # y rises by 1 per step: the naive forecast is off by exactly 1.
    assert results["naive"]["rmse"] == pytest.approx(1.0)
    assert results["naive"]["mae"] == pytest.approx(1.0)
    # ... and a linear AR model extrapolates it exactly.
    assert results["linear"]["rmse"] < 1e-6
    assert "protocol: forecast" in fc.format_table(results)


@pytest.mark.parametrize(
    "fn,args,match",
    [
        (fc.rmse, ([1.0, 2.0], [1.0]), "`y_true` and `y_pred` must have the same shape. Received: y_true.shape=(2,), y_pred.shape=(1,)"),
        (fc.mape, ([0.0, 2.0], [1.0, 2.0]), "MAPE is undefined: `y_true` contains 1 zero value(s)."),
        (fc.nrmse, ([3.0, 3.0], [1.0, 2.0]), "nRMSE is undefined: `y_true` is constant (range 0)."),
        (fc.mae, ([1.0], [float("nan")]), "`y_true` and `y_pred` must be finite. Received non-finite values in y_pred"),
        (fc.rmse, ([], []), "`y_true` is empty: nothing to evaluate."),
        (fc.LinearAutoregressive, (-1.0,), "`l2` must be a non-negative number. Received: l2=-1.0"),
    ],
)
def test_errors(fn, args, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        fn(*args)


def test_predict_before_fit():
    with pytest.raises(ValueError, match=re.escape("Call fit() before predict().")):
        fc.LinearAutoregressive().predict({"drivers": np.zeros((1, 1, 1)), "past_target": np.zeros((1, 1, 1))})


def test_shift_window_and_recursive_forecast_by_hand():
    drivers = np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]]])
    past = np.array([[5.0, 6.0]])
    d, p = fc.shift_window(drivers, past, np.array([7.0]))
    # The drivers' last row repeats (their values after the window are
    # unknown); the prediction is appended to the past target.
    np.testing.assert_array_equal(d[0], [[2.0, 20.0], [3.0, 30.0], [3.0, 30.0]])
    np.testing.assert_array_equal(p, [[6.0, 7.0]])
    # y_next = y_last + x_last[0]: every step adds 3 (the repeated driver).
    def step(d, p):
        return p[:, -1] + d[:, -1, 0]

    np.testing.assert_allclose(fc.recursive_forecast(step, drivers, past, 3), [[9.0, 12.0, 15.0]])
    # (N, T_p, 1) past values work the same way.
    np.testing.assert_allclose(
        fc.recursive_forecast(step, drivers, past[..., None], 2), [[9.0, 12.0]]
    )


def test_recursive_baseline_iterates_the_one_step_fit():
    rows = np.arange(60, dtype="float64")
    frame = pd.DataFrame({"a": np.cos(rows), "y": 0.5 * rows + np.sin(rows)})
    s = ts.make_windows(frame, "y", window=4, horizon=3, split=(40, 20), protocol="forecast")
    direct = fc.baseline_predictions(s, strategy="direct")
    recursive = fc.baseline_predictions(s, strategy="recursive")
    np.testing.assert_array_equal(direct["naive"], recursive["naive"])
    # By hand: the one-step least-squares model, applied to shifted windows.
    train, test = s["train"], s["test"]
    one = fc.LinearAutoregressive().fit(train.inputs, train.target[:, :1])
    d, p = test.drivers.astype("float64"), test.past_target[..., 0].astype("float64")
    expected = []
    for _ in range(3):
        value = one.predict({"drivers": d, "past_target": p})[:, 0]
        expected.append(value)
        d = np.concatenate([d[:, 1:], d[:, -1:]], axis=1)
        p = np.concatenate([p[:, 1:], value[:, None]], axis=1)
    np.testing.assert_allclose(recursive["linear"], np.stack(expected, 1), atol=1e-9)
    # Step 1 is the same model either way; later steps differ.
    np.testing.assert_allclose(recursive["linear"][:, 0], direct["linear"][:, 0], atol=1e-6)
    assert not np.allclose(recursive["linear"][:, 2], direct["linear"][:, 2])


def test_baselines_fitted_on_train_and_validation_windows():
    s = ts.make_windows(ts.synthetic_series(200), "target", window=5, split=(0.5, 0.2, 0.3))
    both = fc.baseline_predictions(s, fit_parts=("train", "val"))["linear"]
    inputs = {
        k: np.concatenate([s["train"].inputs[k], s["val"].inputs[k]]) for k in ("drivers", "past_target")
    }
    target = np.concatenate([s["train"].target, s["val"].target])
    expected = fc.LinearAutoregressive().fit(inputs, target).predict(s["test"].inputs)
    np.testing.assert_allclose(both, expected)
    assert not np.allclose(both, fc.baseline_predictions(s)["linear"])


def test_baseline_strategy_error():
    s = ts.make_windows(ts.synthetic_series(100), "target", window=5)
    with pytest.raises(ValueError, match=re.escape(
        "`strategy` must be one of 'direct', 'recursive'. Received: strategy='mimo'"
    )):
        fc.baseline_predictions(s, strategy="mimo")
