"""The forecaster recipe's saved preprocessing: written, and read back in
every form earlier versions wrote."""

import json
import re

import numpy as np
import pytest

from keras_attention.data.prediction_windows import preprocessing_config
from keras_attention.models import TimeSeriesForecaster
from keras_attention.recipes import configs, forecasting
from keras_attention.recipes.options import ConfigError

SPEC = configs.SeriesConfig(num_steps=200, window=6, protocol="forecast")


@pytest.fixture
def model():
    return TimeSeriesForecaster(window=6, num_features=4, units=4, protocol="forecast")


def test_the_preprocessing_saved_with_a_model_rebuilds_its_data(tmp_path):
    series = forecasting.load_series(SPEC)
    config = configs.ForecastConfig(**vars(SPEC), units=4, epochs=1, output_dir=str(tmp_path))
    model = forecasting.build_model(config, series)
    path = forecasting.save_forecaster(model, series, config)[0]
    (tmp_path / "metrics.json").write_text(json.dumps({"args": vars(config)}))
    from keras_attention.models import load_model

    loaded = load_model(path)
    assert loaded.preprocessor.get_config() == model.preprocessor.get_config()
    record, spec = forecasting.load_preprocessing(loaded, path)
    assert record == json.loads(json.dumps(preprocessing_config(series)))
    assert spec == SPEC
    again = forecasting.load_series(spec)
    assert again.row_ranges == series.row_ranges and again.window == 6


def test_sidecars_of_earlier_versions_still_read(model, tmp_path):
    """0.1 wrote the preprocessing beside the model, with the example's command line."""
    series = forecasting.load_series(SPEC)
    record = preprocessing_config(series)
    record["training"] = {"example": "forecast", "argv": [
        "--data", "synthetic", "--num-steps", "200", "--window", "6", "--protocol",
        "forecast", "--epochs", "3", "--units", "4", "--input-attention"]}
    (tmp_path / "m.preprocessing.json").write_text(json.dumps(record))
    _, spec = forecasting.load_preprocessing(model, tmp_path / "m.keras")
    assert spec == SPEC


def test_a_training_runs_metrics_json_is_the_last_resort(model, tmp_path):
    args = {"data": "synthetic", "num_steps": 200, "window": 6, "protocol": "forecast",
            "epochs": 3, "output_dir": str(tmp_path)}
    (tmp_path / "metrics.json").write_text(json.dumps({"args": args}))
    config, spec = forecasting.load_preprocessing(model, tmp_path / "model.keras")
    assert spec == SPEC and config["window"] == 6 and config["protocol"] == "forecast"
    (tmp_path / "metrics.json").unlink()
    with pytest.raises(ConfigError, match="has no saved preprocessing"):
        forecasting.load_preprocessing(model, tmp_path / "model.keras")


def test_data_errors_name_the_option():
    with pytest.raises(ConfigError) as info:
        forecasting.load_series(configs.SeriesConfig(data="missing.csv", target="y"))
    assert info.value.cli_message() == "argument --data: no such file: 'missing.csv'"
    with pytest.raises(ConfigError) as info:
        forecasting.load_series(configs.SeriesConfig(data=__file__))
    assert info.value.cli_message().startswith("argument --target: required with a CSV file")


def test_a_two_part_split_carves_validation_from_the_end_of_the_training_rows():
    spec = configs.SeriesConfig(num_steps=200, window=6, split="0.7,0.3")
    plain = forecasting.load_series(spec)
    carved = forecasting.load_series(
        configs.ForecastConfig(num_steps=200, window=6, split="0.7,0.3"))
    assert list(plain.parts) == ["train", "test"]
    assert list(carved.parts) == ["train", "val", "test"]
    # 140 training rows: the last 28 become validation; the test rows stay.
    assert forecasting.carve_validation((0.7, 0.3), 200, 0.2) == (112, 28, 60)
    assert forecasting.carve_validation((150, 40), 200, 0.2) == (120, 30, 40)
    assert carved.row_ranges["test"] == plain.row_ranges["test"]
    assert carved.row_ranges["val"][1] == plain.row_ranges["train"][1]
    assert len(carved["train"]) + len(carved["val"]) < len(plain["train"])
    none = forecasting.load_series(
        configs.ForecastConfig(num_steps=200, window=6, split="0.7,0.3", validation_fraction=0))
    assert list(none.parts) == ["train", "test"]


@pytest.mark.parametrize("split", ["0.7,0.2", "0.5,0.6", "1.5,-0.5", "0.7,30", "150,60"])
def test_a_two_part_split_is_checked_before_validation_is_carved_from_it(split):
    # Carving used to read only the training ratio: "0.7,0.2" ran as 0.7/0.3.
    config = configs.ForecastConfig(num_steps=200, window=6, split=split)
    with pytest.raises(ValueError, match=re.escape(f"Received: split={config.split_parts()!r}")):
        forecasting.load_series(config)


def test_the_baselines_are_fitted_on_the_protocols_training_rows():
    assert forecasting.baseline_fit_parts(configs.ForecastConfig()) == ("train", "val")
    assert forecasting.baseline_fit_parts(
        configs.ForecastConfig(validation_fraction=0)) == ("train",)
    assert forecasting.baseline_fit_parts(
        configs.ForecastConfig(split="0.6,0.2,0.2")) == ("train",)


@pytest.mark.tensorflow_only  # forecasting.fit trains on tf.data
def test_fit_keeps_the_linear_part_unless_an_epoch_beats_it_by_the_margin():
    """The same run with keep_margin 0 and 0.99: an epoch that improves the
    validation loss is kept only if it improves it by the margin."""
    kept = {}
    for margin in (0.0, 0.99):
        config = configs.ForecastConfig(num_steps=300, window=6, units=4, epochs=3,
                                        learning_rate=1e-2, keep_margin=margin,
                                        output_dir="unused")
        series = forecasting.load_series(config)
        model, history, _, best_epoch, _ = forecasting.fit(config, series, seed=0)
        kept[margin] = (best_epoch, history)
    best_epoch, history = kept[0.0]
    assert best_epoch > 0 and history["val_loss_kept"] < history["val_loss_initial"]
    best_epoch, history = kept[0.99]
    assert best_epoch == 0
    assert history["val_loss_kept"] == history["val_loss_initial"]
    inputs = series["test"].inputs
    np.testing.assert_allclose(
        model.predict(inputs, verbose=0), forecasting.linear_part_forecast(model, inputs),
        atol=1e-6)


@pytest.mark.tensorflow_only  # forecasting.fit trains on tf.data
def test_a_diverging_fit_ends_as_the_linear_part():
    """A learning rate that overflows the weights: training stops at the
    first NaN loss and the untrained model (the linear part) is kept, with
    finite forecasts."""
    config = configs.ForecastConfig(num_steps=300, window=6, units=4, epochs=3,
                                    learning_rate=1e38, output_dir="unused")
    series = forecasting.load_series(config)
    model, history, _, best_epoch, _ = forecasting.fit(config, series, seed=0)
    assert len(history["loss"]) == 1 and not np.isfinite(history["loss"][0])  # stopped
    assert best_epoch == 0
    inputs = series["test"].inputs
    predicted = model.predict(inputs, verbose=0)
    assert np.all(np.isfinite(predicted))
    np.testing.assert_allclose(predicted, forecasting.linear_part_forecast(model, inputs),
                               atol=1e-6)


def test_fit_keeps_the_linear_part_when_no_epoch_beats_it():
    """fit_linear first, then the network; an epoch that ends worse on
    validation than the untrained model (the linear part) is not kept, and
    the linear part is refitted on train + validation."""
    config = configs.ForecastConfig(num_steps=300, window=6, units=4, epochs=2,
                                    learning_rate=50.0, output_dir="unused")
    series = forecasting.load_series(config)
    model, history, _, best_epoch, info = forecasting.fit(config, series, seed=0)
    assert info["refit_on_validation"] and not model.highway_layer.trainable
    assert history["val_loss_kept"] <= history["val_loss_initial"]
    assert best_epoch == 0
    inputs = series["test"].inputs
    np.testing.assert_allclose(
        model.predict(inputs, verbose=0), forecasting.linear_part_forecast(model, inputs),
        atol=1e-6)
