"""The PNGs of a forecaster: forecast vs truth, temporal and input attention."""

import keras_attention.plotting as plotting
from keras_attention.evaluation import forecasting as fc


def lag_labels(series):
    """Labels of the driving-window steps, relative to the first target time τ.

    Example:

    >>> from keras_attention.data import make_windows, synthetic_series
    >>> lag_labels(make_windows(synthetic_series(100), "target", window=3))
    ['τ-2', 'τ-1', 'τ']
    """
    last = 0 if series.protocol == "nowcast" else -1
    first = last - series.window + 1
    return [("τ" if k == 0 else f"τ{k:+d}") for k in range(first, last + 1)]


def save_plots(model, series, out_dir, part="test"):
    """Writes `forecast.png`, `temporal_attention.png` and, with input
    attention, `input_attention.png` for the windows of `series[part]`.

    Returns:
        `(paths, scores)`: the PNGs written and the attention scores of
        `model.predict_with_attention`.
    """
    windows = series[part]
    forecast, scores = model.predict_with_attention(windows.inputs)
    plt = plotting._pyplot()
    n = min(300, len(windows))
    fig, ax = plt.subplots(figsize=(10, 4))
    x = windows.target_rows[:n]
    ax.plot(x, windows.target_raw[:n, 0], label="truth", color="black", linewidth=1.2)
    ax.plot(x, series.inverse_target(forecast[:n, 0]), label="model", linewidth=1.0)
    ax.plot(
        x, series.inverse_target(fc.naive_forecast(windows.past_target)[:n, 0]),
        label="naive (last value)", linewidth=0.8, linestyle="--",
    )
    ax.set_xlabel(f"row of the series ({part} part)")
    ax.set_ylabel(series.target)
    ax.set_title(f"{series.target}: one-step forecast vs truth — protocol={series.protocol}")
    ax.legend()
    fig.tight_layout()
    paths = [plotting.save_figure(fig, out_dir / "forecast.png")]
    if "temporal" in scores:
        rows = min(40, len(windows))
        paths.append(plotting.plot_attention(
            scores["temporal"][:rows, 0], out_dir / "temporal_attention.png",
            x_labels=lag_labels(series), y_labels=[str(r) for r in windows.target_rows[:rows]],
            x_title="driving-window step (τ = first target time)",
            y_title=f"{part} window (row of τ)",
            title=f"Temporal attention, protocol={series.protocol}", size=(7, 8),
        ))
    if "input" in scores:
        paths.append(plotting.plot_attention(
            scores["input"].mean(axis=0), out_dir / "input_attention.png",
            x_labels=series.features, y_labels=lag_labels(series), x_title="driving series",
            y_title="encoder step",
            title=f"Input attention ({part} mean), protocol={series.protocol}",
            size=(max(6, 0.3 * series.num_features + 3), 5),
        ))
    return paths, scores
