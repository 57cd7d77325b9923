"""KerasTuner searches over translators and forecasters.

Both searches follow the same steps (the functions below):

    data = tuning_data(config)                  # splits, arrays
    hypermodel, tuner = make_tuner(config, ...) # the search space, narrowed
    search(config, tuner, x, y, validation)     # one line per trial
    model = retrain(...)                        # the best, trained longer
    ... evaluate it, save it and the search summary

`tune_translator(config)` and `tune_forecaster(config)` compose them
(`examples/tune_translator.py`, `examples/tune_forecaster.py`,
`keras-attention tune`). With `verbose=0` (the default) each trial prints
one line; `verbose >= 1` adds KerasTuner's trial tables and summaries and
Keras' progress.
"""

import dataclasses
import os
import time

import keras

import keras_attention.io_utils as io_utils
from keras_attention.callbacks import AttentionImageLogger
from keras_attention.data import (
    Vocabulary,
    build_vocabularies,
    encode_pairs,
    load_dates,
    load_text_pairs,
    split_pairs,
    to_model_arrays,
    tokenize,
)
from keras_attention.evaluation import corpus_bleu, exact_match
from keras_attention.recipes.common import Result, get_log, written
from keras_attention.recipes.configs import TuneForecasterConfig, TuneTranslatorConfig
from keras_attention.recipes.forecast_data import (
    _absolute_data,
    load_series,
    series_preprocessor,
)
from keras_attention.recipes.forecasting import evaluate_model, refit_linear_part
from keras_attention.recipes.options import ConfigError


def is_worker():
    """A worker of a distributed search (it only runs trials)."""
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "")
    return "KERASTUNER_ORACLE_IP" in os.environ and "chief" not in tuner_id


def make_tuner(config, hypermodel, kind, hp):
    """The KerasTuner tuner of `config.tuner` over `hypermodel`.

    `hp` (a `keras_tuner.HyperParameters`) narrows the hypermodel's space:
    an entry of the same name replaces the hypermodel's.
    """
    import keras_tuner as kt

    common = dict(
        objective="val_loss",
        hyperparameters=hp,
        directory=config.directory,
        project_name=config.project_name or f"{kind}_{config.tuner}",
        # Workers of a distributed search share the chief's folder: only the
        # chief may start it afresh.
        overwrite=not config.resume and not is_worker(),
        seed=config.seed,
    )
    if config.tuner == "random":
        return kt.RandomSearch(hypermodel, max_trials=config.max_trials, **common)
    if config.tuner == "bayesian":
        return kt.BayesianOptimization(hypermodel, max_trials=config.max_trials, **common)
    return kt.Hyperband(hypermodel, max_epochs=config.epochs, factor=3, **common)


def search(config, tuner, x, y, validation, **fit_kwargs):
    """`tuner.search` with one progress line per trial (Hyperband chooses
    each trial's epochs itself)."""
    from keras_attention.tuners import TrialProgress

    if config.verbose:
        tuner.search_space_summary()
    kwargs = dict(validation_data=validation, verbose=config.verbose, **fit_kwargs)
    if config.tuner != "hyperband":
        kwargs["epochs"] = config.epochs
    kwargs["callbacks"] = [TrialProgress(None if config.tuner == "hyperband"
                                         else config.max_trials)]
    if config.logdir:
        kwargs["callbacks"].append(keras.callbacks.TensorBoard(os.path.join(config.logdir,
                                                                            "search")))
    tuner.search(x, y, **kwargs)


def best(config, tuner, log, started):
    """`(best_hp, summary)` of a finished search; `(None, None)` on a worker
    of a distributed search (it only runs trials)."""
    log = get_log(log)
    if is_worker():
        log(f"Worker {os.environ['KERASTUNER_TUNER_ID']}: no trial left.")
        return None, None
    if config.verbose:
        tuner.results_summary(num_trials=5)
    best_hp = tuner.get_best_hyperparameters(1)[0]
    trials = list(tuner.oracle.trials.values())
    completed = [t for t in trials if t.status == "COMPLETED"]
    seconds = time.time() - started
    log(f"{len(completed)}/{len(trials)} trials completed in {seconds:.0f} s; "
        f"best: {best_hp.values}")
    return best_hp, {
        "tuner": config.tuner,
        "trials": len(trials),
        "completed_trials": len(completed),
        "best_hyperparameters": best_hp.values,
        "search_seconds": round(seconds, 1),
    }


def _logging_callbacks(config, examples, **kwargs):
    if not config.logdir:
        return []
    return [
        keras.callbacks.TensorBoard(os.path.join(config.logdir, "best")),
        AttentionImageLogger(os.path.join(config.logdir, "best", "attention"), examples,
                             **kwargs),
    ]


def save_tuned(config, model, summary, started, log=print):
    """Saves the retrained model and the search summary; returns their paths."""
    log = get_log(log)
    path = io_utils.save_model(model, os.path.join(config.output_dir, config.name + ".keras"))
    summary["total_seconds"] = round(time.time() - started, 1)
    summary_path = io_utils.atomic_write_json(
        os.path.join(config.output_dir, config.name + "_search.json"), summary)
    log(f"Saved {path} and {summary_path}")
    if config.logdir:
        log(f"TensorBoard: tensorboard --logdir {config.logdir}  "
            "(then open http://localhost:6006)")
    log(f"Done in {summary['total_seconds']:.0f} s")
    return [path, summary_path]


# -- translators ------------------------------------------------------------------------
def translator_data(config):
    """Padded arrays of the date task (character level) or of a sentence-pair
    file (word level), so that the batch size can be searched."""
    if config.data == "dates":
        splits = load_dates(train_size=config.train_size,
                            validation_size=config.validation_size,
                            test_size=config.test_size, seed=config.seed)
        splits = {k: list(zip(*v, strict=True)) for k, v in splits.items()}
        tokenization = "char"
        source_vocab = Vocabulary.build([tokenize(s, "char") for s, _ in splits["train"]])
        target_vocab = Vocabulary.build([tokenize(t, "char") for _, t in splits["train"]])
    else:
        if not os.path.isfile(config.data):
            raise ConfigError("data", f"no such file: {config.data!r}")
        pairs = load_text_pairs(config.data)
        pairs = [p for p in pairs if len(tokenize(p[0], "word")) <= config.max_words]
        total = config.train_size + config.validation_size + config.test_size
        splits = split_pairs(pairs[: max(total, 1)], config.validation_size / total,
                             config.test_size / total, seed=config.seed)
        tokenization = "word"
        source_vocab, target_vocab = build_vocabularies(
            splits["train"], "word", source_max_size=8000, target_max_size=8000)

    def arrays(name):
        src, tgt = encode_pairs(splits[name], source_vocab, target_vocab, tokenization)
        return to_model_arrays(src, tgt)

    return {
        "splits": splits,
        "tokenization": tokenization,
        "source_vocabulary": source_vocab,
        "target_vocabulary": target_vocab,
        "train": arrays("train"),
        "validation": arrays("validation"),
    }


def evaluate_translator(model, data):
    """Exact match (characters) or corpus BLEU (words) on the test split."""
    sources = [s for s, _ in data["splits"]["test"]]
    targets = [t for _, t in data["splits"]["test"]]
    predictions = model.translate(sources, batch_size=256)
    if data["tokenization"] == "char":
        return {"test_exact_match": exact_match(predictions, targets)}
    try:
        return {"test_bleu": corpus_bleu(predictions, targets)}
    except ImportError:
        return {"test_exact_match": exact_match(predictions, targets)}


def translator_hypermodel(config, data):
    """`(hypermodel, hp)`: `HyperSeq2SeqTranslator` over the data's
    vocabularies, and the narrowing of its space (small models, one encoder
    layer) unless `config.full_space`."""
    import keras_tuner as kt

    from keras_attention.tuners import HyperSeq2SeqTranslator

    hypermodel = HyperSeq2SeqTranslator(
        source_vocabulary=data["source_vocabulary"],
        target_vocabulary=data["target_vocabulary"],
        tokenization=data["tokenization"], seed=config.seed, batch_sizes=(32, 64, 128),
    )
    hp = kt.HyperParameters()
    if not config.full_space:
        hp.Choice("units", [32, 64], default=64)
        hp.Choice("embedding_dim", [16, 32], default=32)
        hp.Fixed("num_encoder_layers", 1)
    return hypermodel, hp


def retrain_translator(config, hypermodel, best_hp, data):
    """The best configuration, rebuilt and trained for `final_epochs`."""
    model = hypermodel.build(best_hp)
    examples = [s for s, _ in data["splits"]["validation"][:2]]
    hypermodel.fit(best_hp, model, *data["train"], validation_data=data["validation"],
                   epochs=config.final_epochs, callbacks=_logging_callbacks(config, examples),
                   verbose=config.verbose)
    return model


def tune_translator(config=None, log=print):
    """Searches translator architectures, retrains the best and saves it.

    By default the space is narrowed to small models (units 32 or 64,
    embeddings 16 or 32, one encoder layer) to fit in minutes on a CPU;
    `config.full_space` searches all of `HyperSeq2SeqTranslator`'s space.

    Returns:
        A `Result`: the search summary (also `<name>_search.json`), the
        paths written and the retrained model (None on a worker of a
        distributed search).
    """
    config = config or TuneTranslatorConfig()
    log = get_log(log)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    data = translator_data(config)
    hypermodel, hp = translator_hypermodel(config, data)
    tuner = make_tuner(config, hypermodel, "translator", hp)
    search(config, tuner, *data["train"], data["validation"])
    best_hp, summary = best(config, tuner, log, started)
    if best_hp is None:
        return Result({}, [], None)
    model = retrain_translator(config, hypermodel, best_hp, data)
    metrics = evaluate_translator(model, data)
    summary.update(metrics)
    log("Best configuration retrained: " + ", ".join(f"{k} {v:.4g}" for k, v in metrics.items()))
    example = data["splits"]["test"][0][0]
    log(f"  {example!r} -> {model.translate(example)!r}")
    return Result(summary, save_tuned(config, model, summary, started, log), model)


# -- forecasters -----------------------------------------------------------------------------
def forecaster_hypermodel(config, series):
    """`(hypermodel, hp)`: `HyperTimeSeriesForecaster` for the series' windows,
    and the narrowing of its space (at most 64 units, a learning rate of at
    least 1e-3) unless `config.full_space`."""
    import keras_tuner as kt

    from keras_attention.tuners import HyperTimeSeriesForecaster

    hypermodel = HyperTimeSeriesForecaster(
        window=series.window, num_features=series.num_features, horizon=series.horizon,
        protocol=series.protocol, batch_sizes=(32, 64, 128),
        preprocessor=series_preprocessor(series),  # saved with the model
        fit_linear=config.fit_linear, keep_margin=config.keep_margin,
    )
    hp = kt.HyperParameters()
    if not config.full_space:
        hp.Choice("units", [16, 32, 64], default=64)
        hp.Float("learning_rate", 1e-3, 1e-2, sampling="log", default=3e-3)
    return hypermodel, hp


def retrain_forecaster(config, hypermodel, best_hp, series):
    """The best configuration, rebuilt and trained for `final_epochs`,
    keeping the weights of its best validation epoch (or, with the linear
    part, the untrained model where no epoch beats it by `keep_margin`),
    then the linear part fitted again on the training and validation
    windows (`refit_linear`), as `keras-attention train forecast` does."""
    model = hypermodel.build(best_hp)
    train, val = series["train"], series["val"]
    callbacks = [keras.callbacks.EarlyStopping(patience=config.final_epochs,
                                               restore_best_weights=True)]
    callbacks += _logging_callbacks(config, {k: v[:2] for k, v in val.inputs.items()})
    hypermodel.fit(best_hp, model, train.inputs, train.target,
                   validation_data=(val.inputs, val.target), epochs=config.final_epochs,
                   shuffle=True, callbacks=callbacks, verbose=config.verbose)
    refit_linear_part(model, config, series, hypermodel.linear_info)
    return model


def tune_forecaster(config=None, log=print):
    """Searches forecaster architectures on a validation part, retrains the
    best (keeping its best validation epoch) and evaluates it once on the
    test part next to the naive and linear baselines.

    Returns:
        A `Result`: the search summary (also `<name>_search.json`), the
        paths written (the model, the summary, its preprocessing) and the
        retrained model (None on a worker of a distributed search).
    """
    config = config or TuneForecasterConfig()
    log = get_log(log)
    keras.utils.set_random_seed(config.seed)
    started = time.time()
    series = load_series(config)
    log(series.describe())
    hypermodel, hp = forecaster_hypermodel(config, series)
    tuner = make_tuner(config, hypermodel, "forecaster", hp)
    train, val = series["train"], series["val"]
    search(config, tuner, train.inputs, train.target, (val.inputs, val.target), shuffle=True)
    best_hp, summary = best(config, tuner, log, started)
    if best_hp is None:
        return Result({}, [], None)
    model = retrain_forecaster(config, hypermodel, best_hp, series)
    results = evaluate_model(model, series)
    log(f"Test RMSE, protocol={series.protocol!r}: model {results['model']['rmse']:.5g}, "
        f"naive {results['naive']['rmse']:.5g}, linear {results['linear']['rmse']:.5g}")
    summary.update(protocol=series.protocol, description=series.describe(), test=results,
                   args=_absolute_data(dataclasses.asdict(config)))
    outputs = save_tuned(config, model, summary, started, log)
    return Result(summary, written(outputs), model)
