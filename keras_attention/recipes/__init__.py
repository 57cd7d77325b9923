"""The pipelines of the project, as functions: train, evaluate, export, tune.

Every job that the example scripts and the `keras-attention` command line
run lives here, as typed functions that return their results (`Result`:
metrics, the paths written, the model) and report progress through a `log`
callable and Keras verbosity. Each pipeline exposes its steps, which the
example scripts call in order, and one function composing them, which the
command line calls:

- `dates`: the date translator of the README, `train_dates` (`load_dates`
  → `build_dates_model` → `fit_dates` → `evaluate_dates` →
  `save_translator` → `export_dates`);
- `pairs`: a sentence-pair translator scored with BLEU, `train_pairs`;
- `translation`: translators trained (`train`) and used: `run` (translate
  text), `evaluate`, `plot_attention`;
- `forecasting`: the forecaster next to its baselines, `train`
  (`load_series` → `fit_and_evaluate` per seed → `finish`), and used: `run`
  (forecast a CSV, its empty targets at the end included), `evaluate`,
  `plot_attention`; `forecast_data` loads the series and the saved
  preprocessing, `forecast_plots` draws its PNGs;
- `tuning`: KerasTuner searches, `tune_translator`, `tune_forecaster`;
- `configs`, `command_configs`: the configurations, each default declared
  once (on the option groups of `shared_configs`); `options` turns them
  into command-line options;
- `families`: the registry of model families the command line looks a model
  up in; `common`: shared helpers.

`configs`, `shared_configs`, `command_configs`, `options` and `families`
import neither Keras nor TensorFlow.
"""
