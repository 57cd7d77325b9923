"""The pipelines of the project, as functions: train, evaluate, export, tune.

Every job that the example scripts and the `keras-attention` command line
run lives here, as typed functions that return their results (metrics and
the paths written) and report progress through a `log` callable and Keras
verbosity:

- `translation_training`: the date translator of the README
  (`train_dates`) and the sentence-pair translator (`train_pairs`), step
  by step (`load_dates` → `build_dates_model` → `fit_dates` →
  `evaluate_dates` → `save_translator` → `export_translator`);
- `forecasting`: the forecaster next to its baselines (`train`) and its
  steps (`load_series` → `build_model` → `fit` → `evaluate_model` →
  `save_forecaster` → `save_plots`), then forecasting a CSV (`run`);
- `translation`: using a trained translator (`run`, `evaluate`,
  `plot_attention`);
- `tuning`: KerasTuner searches (`tune_translator`, `tune_forecaster`);
- `configs`, `command_configs`: the configurations, each default declared
  once; `options` turns them into command-line options;
- `families`: the registry the command line looks a model up in.

`configs`, `command_configs`, `options` and `families` import neither Keras
nor TensorFlow.
"""
