"""The search spaces: defaults reproduce the builders, conditions hold."""

import keras
import keras_tuner as kt
import numpy as np
import pytest

from keras_attention.data import Vocabulary
from keras_attention.models import Seq2SeqTranslator, TimeSeriesForecaster
from keras_attention.tuners import (
    HyperSeq2SeqTranslator,
    HyperTimeSeriesForecaster,
    search_utils,
)

SOURCE = Vocabulary.build([list("abcdefgh 0123")])
TARGET = Vocabulary.build([list("0123456789-")])


def without_name(config):
    config = dict(config)
    config.pop("name")
    return config


def optimizer_config(model):
    config = model.optimizer.get_config()
    config.pop("name")
    return config


def fixed(**values):
    hp = kt.HyperParameters()
    for name, value in values.items():
        hp.Fixed(name, value)
    return hp


# -- defaults -----------------------------------------------------------------
def test_translator_defaults_are_the_builders_default_model():
    problem = dict(source_vocabulary=SOURCE, target_vocabulary=TARGET, tokenization="char", seed=3)
    hp = kt.HyperParameters()
    model = HyperSeq2SeqTranslator(**problem).build(hp)
    reference = Seq2SeqTranslator(**problem)
    reference.compile()
    assert without_name(model.get_config()) == without_name(reference.get_config())
    assert optimizer_config(model) == optimizer_config(reference)
    assert model.built and model.compiled
    assert hp.values == {
        "embedding_dim": 64, "units": 128, "encoder": "gru", "num_encoder_layers": 1,
        "dropout": 0.0, "attention": "bahdanau", "use_attention_bias": True,
        "bidirectional": False, "learning_rate": 1e-3,
    }


@pytest.mark.parametrize("attention", ["luong", "none"])
def test_translator_defaults_per_attention_type(attention):
    model = HyperSeq2SeqTranslator(20, 15).build(fixed(attention=attention))
    reference = Seq2SeqTranslator(20, 15, attention=attention)
    reference.build()
    expected = without_name(reference.get_config())
    if attention == "luong":  # the builder's None means the layer default, "general"
        expected["score_mode"] = "general"
    assert without_name(model.get_config()) == expected
    assert [w.shape for w in model.weights] == [w.shape for w in reference.weights]


def test_forecaster_defaults_are_the_builders_default_model():
    problem = dict(window=7, num_features=3, horizon=2, protocol="forecast")
    hp = kt.HyperParameters()
    model = HyperTimeSeriesForecaster(**problem).build(hp)
    reference = TimeSeriesForecaster(**problem)
    assert without_name(model.get_config()) == without_name(reference.get_config())
    assert model.built and model.compiled
    assert model.optimizer.learning_rate.numpy() == pytest.approx(1e-3)
    assert hp.values == {
        "units": 64, "encoder": "lstm", "input_attention": False, "decoder": "lstm",
        "attention": "bahdanau", "residual": True, "dropout": 0.0, "learning_rate": 1e-3,
    }


def test_forecaster_luong_default_is_general():
    model = HyperTimeSeriesForecaster(6, 2).build(fixed(attention="luong"))
    expected = without_name(TimeSeriesForecaster(6, 2, attention="luong").get_config())
    expected["score_mode"] = "general"
    assert without_name(model.get_config()) == expected


def test_learning_rate_reaches_the_optimizer_and_keeps_clipping():
    model = HyperSeq2SeqTranslator(20, 15).build(fixed(learning_rate=3e-3))
    assert model.optimizer.learning_rate.numpy() == pytest.approx(3e-3)
    assert model.optimizer.clipnorm == 5.0


# -- conditions -----------------------------------------------------------------
def sample_values(hypermodel, count, seed=0):
    """Values drawn by KerasTuner's own random oracle over the space."""
    hp = kt.HyperParameters()
    hypermodel.build(hp)
    oracle = kt.oracles.RandomSearchOracle(
        objective="val_loss", max_trials=count, seed=seed
    )
    oracle.update_space(hp)
    return [oracle.populate_space(str(i))["values"] for i in range(count)]


def test_translator_conditional_options_appear_only_with_their_attention():
    hypermodel = HyperSeq2SeqTranslator(20, 15)
    seen = set()
    for values in sample_values(hypermodel, 200):
        attention = values["attention"]
        seen.add((attention, values.get("window_mode")))
        assert ("use_attention_bias" in values) == (attention == "bahdanau")
        assert ("bidirectional" in values) == (attention != "luong")
        assert ("score_mode" in values) == (attention == "luong")
        assert ("window_mode" in values) == (attention == "luong")
        local = values.get("window_mode") in ("local_m", "local_p")
        assert ("window" in values) == local
        kwargs = hypermodel.model_kwargs(fixed(**values))
        assert kwargs["attention"] == attention
        for name in ("score_mode", "window_mode", "window", "use_attention_bias"):
            assert (name in kwargs) == (name in values)
    assert {"bahdanau", "luong", "none"} <= {a for a, _ in seen}
    assert {("luong", m) for m in ("global", "local_m", "local_p")} <= seen


def test_forecaster_conditional_options_appear_only_with_their_owner():
    hypermodel = HyperTimeSeriesForecaster(6, 3)
    for values in sample_values(hypermodel, 200):
        assert ("score_mode" in values) == (values["attention"] == "luong")
        assert ("input_attention" in values) == (not values["encoder"].startswith("bi"))


def test_every_sampled_configuration_builds():
    # Builds (weights included) catch combinations the constructors accept
    # but the layers reject, e.g. a dot score over a wider memory.
    for hypermodel in (HyperSeq2SeqTranslator(20, 15), HyperTimeSeriesForecaster(6, 3)):
        for values in sample_values(hypermodel, 8, seed=1):
            hp = fixed(**values)
            model = hypermodel.build(hp)
            assert model.built
            keras.backend.clear_session()


# -- fit(): batch size and epochs ------------------------------------------------
class RecordingModel:
    highway = False  # no linear part: HyperTimeSeriesForecaster.fit goes straight to fit

    def fit(self, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        return None


def run_fit(hypermodel, hp, *args, **kwargs):
    model = RecordingModel()
    hypermodel.fit(hp, model, *args, **kwargs)
    return model.kwargs


def test_fit_searches_the_batch_size_with_keras_default():
    hp = kt.HyperParameters()
    hypermodel = HyperTimeSeriesForecaster(6, 3)
    kwargs = run_fit(hypermodel, hp, np.zeros((4, 1)), epochs=2)
    assert kwargs["batch_size"] == 32 and hp.values["batch_size"] == 32
    assert hp.get("batch_size") == 32
    assert [c.__class__ for c in kwargs["callbacks"]] == [keras.callbacks.TerminateOnNaN]
    assert "epochs" not in hp.values and kwargs["epochs"] == 2


def test_fit_leaves_an_explicit_or_batched_input_alone():
    import tensorflow as tf

    hypermodel = HyperTimeSeriesForecaster(6, 3)
    hp = kt.HyperParameters()
    assert run_fit(hypermodel, hp, np.zeros((4, 1)), batch_size=7)["batch_size"] == 7
    dataset = tf.data.Dataset.from_tensor_slices(np.zeros((4, 1))).batch(2)
    assert "batch_size" not in run_fit(hypermodel, hp, dataset)
    assert "batch_size" not in run_fit(HyperTimeSeriesForecaster(6, 3, batch_sizes=None), hp, np.zeros(1))
    assert "batch_size" not in hp.values


def test_fit_searches_epochs_except_under_hyperband():
    hypermodel = HyperSeq2SeqTranslator(20, 15, epochs=(1, 4), batch_sizes=(8, 16))
    hp = kt.HyperParameters()
    kwargs = run_fit(hypermodel, hp, np.zeros((4, 1)))
    assert kwargs["epochs"] == 4 and kwargs["batch_size"] == 8
    hyperband = kt.HyperParameters()
    hyperband.values.update({"tuner/epochs": 2, "tuner/initial_epoch": 1})
    kwargs = run_fit(hypermodel, hyperband, np.zeros((4, 1)), epochs=2, initial_epoch=1)
    assert kwargs["epochs"] == 2 and "epochs" not in hyperband.values
    with pytest.raises(ValueError, match=r"do not also pass `epochs` to search\(\)"):
        run_fit(hypermodel, kt.HyperParameters(), np.zeros((4, 1)), epochs=3)


# -- errors -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(batch_sizes=[]), r"`batch_sizes` must be None or a non-empty list of positive integers. Received: batch_sizes=\[\]"),
        (dict(batch_sizes=[0, 8]), r"Received: batch_sizes=\[0, 8\]"),
        (dict(epochs=(3, 1)), r"`epochs` must be None or a \(min_epochs, max_epochs\) pair .* Received: epochs=\(3, 1\)"),
        (dict(epochs=5), r"Received: epochs=5"),
    ],
)
def test_constructor_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HyperTimeSeriesForecaster(6, 3, **kwargs)
    with pytest.raises(ValueError, match=match):
        HyperSeq2SeqTranslator(20, 15, **kwargs)


def test_problem_errors_use_the_builders_messages():
    with pytest.raises(ValueError, match=r"`source_vocabulary_size` must be an integer >= 4"):
        HyperSeq2SeqTranslator(2, 15)
    with pytest.raises(ValueError, match=r"Pass `target_vocabulary_size` or `target_vocabulary`"):
        HyperSeq2SeqTranslator(20)
    with pytest.raises(ValueError, match=r"`window` must be at least 2 with protocol='nowcast'"):
        HyperTimeSeriesForecaster(1, 3)


def test_learning_rate_helper_copies_the_optimizer():
    adam = keras.optimizers.Adam(1e-3, clipnorm=5.0)
    copy = search_utils.with_learning_rate(adam, 0.02)
    assert copy is not adam and copy.clipnorm == 5.0
    assert float(copy.learning_rate.numpy()) == pytest.approx(0.02)
