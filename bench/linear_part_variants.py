"""Test RMSE of the forecaster's linear part and two variants, per data set
(the numbers behind docs/forecasting.md and bench/RESULTS.md, issue 17):

- `own_penalty`: the library's fit (`fit_linear_part`: the target's own
  changes with their own penalty, refitted on training + validation);
- `shared_penalty`: the same search with one penalty for all changes
  (`fit_grouped_ridge` without `is_own`), refitted the same way;
- `lasso`: scikit-learn's Lasso on the same (z-scored) design, its alpha
  chosen on the validation windows (no refit);
- `relaxed_lasso`: least squares on the columns a lasso keeps (the support
  chosen on the validation windows along the lasso path), refitted on
  training + validation: a sparse model without the lasso's shrinkage;
- `least_squares`: plain least squares (every penalty 0);
- `naive`: "repeat the last value" (the change 0);
- `true_model` (the embedded series only): the process that generated
  the series, noise left out (`true_model_prediction`): the lowest RMSE
  any forecaster can expect on these test rows, and with it how far below
  least squares "below linear" can go at all.

RMSE on the scaled target (the ratios are those of original units).

    .venv/bin/python bench/linear_part_variants.py      # prints JSON, ~2 min
"""

import json
import warnings

import numpy as np
from sklearn.linear_model import Lasso, lasso_path

from keras_attention.models import linear_part as lp
from keras_attention.recipes import configs, forecasting

ROWS = {
    "sml2010-nowcast": dict(data="sml2010", split="3200,400,537", protocol="nowcast"),
    "nasdaq-nowcast": dict(data="nasdaq", split="0.7,0.3", protocol="nowcast"),
    "synthetic-nowcast": dict(data="synthetic", split="0.7,0.3", protocol="nowcast"),
    "synthetic-forecast": dict(data="synthetic", split="0.7,0.3", protocol="forecast"),
    "nasdaq-forecast": dict(data="nasdaq", split="0.7,0.3", protocol="forecast"),
}
ALPHAS = np.logspace(-5, -1, 17)


def changes(part):
    """The change/level design and the target's change from the last value."""
    drivers, past = part.inputs["drivers"], part.inputs["past_target"][..., 0]
    design, is_level = lp.change_level_design(drivers.astype("float64"), past.astype("float64"))
    return design, part.target[:, :1] - past[:, -1:], is_level


def rmse(pred, target):
    return float(np.sqrt(np.mean((pred - target) ** 2)))


def ridge(fit, val, test, rough, is_own):
    """The grouped ridge searched on `val`, refitted on `fit` + `val`."""
    (a, y, is_level), (va, vy), (ta, ty) = fit, val, test
    _, _, info = lp.fit_grouped_ridge(a, y, is_level, rough, holdout=(va, vy), is_own=is_own)
    fixed = {k: info[k] for k in ("l2", "level_l2", "smooth_l2")}
    if is_own is not None:
        fixed["own_l2"] = info["own_l2"]
    coef, b, _ = lp.fit_grouped_ridge(np.concatenate([a, va]), np.concatenate([y, vy]),
                                      is_level, rough, is_own=is_own, **fixed)
    return rmse(ta @ coef + b, ty)


def true_model(series, config):
    """Scaled test RMSE of the embedded series' generating process."""
    prediction = forecasting.true_model_prediction(config, series)["true_model"]
    return rmse(prediction, series["test"].target)


def least_squares(a, y):
    """Weights (with the intercept last) of plain least squares."""
    return np.linalg.lstsq(np.c_[a, np.ones(len(a))], y, rcond=None)[0]


def relaxed_lasso(a, y, va, vy, ta, ty):
    """Least squares on the lasso's support, the support chosen on `va`."""
    mu, sd = a.mean(0), a.std(0) + 1e-12
    _, path, _ = lasso_path((a - mu) / sd, y[:, 0] - y[:, 0].mean(), n_alphas=60, eps=1e-4)
    supports = {tuple(np.flatnonzero(path[:, i])) for i in range(path.shape[1])}

    def val_rmse(keep):
        w = least_squares(a[:, keep], y)
        return rmse(np.c_[va[:, keep], np.ones(len(va))] @ w, vy)

    keep = list(min(supports, key=lambda s: val_rmse(list(s))))
    w = least_squares(np.concatenate([a, va])[:, keep], np.concatenate([y, vy]))
    return rmse(np.c_[ta[:, keep], np.ones(len(ta))] @ w, ty), len(keep)


def main():
    warnings.filterwarnings("ignore")  # Lasso's convergence warnings
    out = {}
    for name, kwargs in ROWS.items():
        config = configs.ForecastConfig(window=10, **kwargs)
        series = forecasting.load_series(config)
        (a, y, is_level), (va, vy, _), (ta, ty, _) = (
            changes(series[p]) for p in ("train", "val", "test"))
        x = series["train"].inputs
        n, tp = x["drivers"].shape[2], x["past_target"].shape[1]
        rough = lp.roughness_penalty(10, n, tp)
        fit, val, test = (a, y, is_level), (va, vy), (ta, ty)

        mu, sd = a.mean(0), a.std(0) + 1e-12
        lasso = min(
            ((rmse(m.predict((va - mu) / sd)[:, None], vy), rmse(m.predict((ta - mu) / sd)[:, None], ty))
             for m in (Lasso(alpha=alpha, max_iter=20000).fit((a - mu) / sd, y[:, 0])
                       for alpha in ALPHAS)),
        )[1]
        coef, b, _ = lp.fit_grouped_ridge(a, y, is_level, l2=0.0, level_l2=0.0)
        relaxed, kept = relaxed_lasso(a, y, va, vy, ta, ty)
        row = {
            "own_penalty": ridge(fit, val, test, rough, lp.own_change_columns(10, n, tp)),
            "shared_penalty": ridge(fit, val, test, rough, None),
            "lasso": lasso,
            "relaxed_lasso": relaxed,
            "relaxed_lasso_columns": f"{kept} of {a.shape[1]}",
            "least_squares": rmse(ta @ coef + b, ty),
            "naive": rmse(0.0 * ty, ty),
        }
        if kwargs["data"] == "synthetic":
            row["true_model"] = true_model(series, config)
            # own_penalty is the library's part, refitted on training +
            # validation like the defaults table's "linear AR" baseline.
            row["true_model_vs_own_penalty"] = round(
                row["true_model"] / row["own_penalty"] - 1, 4)
        row["own_vs_shared"] = round(row["own_penalty"] / row["shared_penalty"] - 1, 4)
        row["lasso_vs_least_squares"] = round(row["lasso"] / row["least_squares"] - 1, 4)
        # Both refitted on training + validation (least_squares and lasso are not).
        row["relaxed_lasso_vs_own_penalty"] = round(relaxed / row["own_penalty"] - 1, 4)
        out[name] = row
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
