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
- `sparse_candidate`: the relaxed lasso as a candidate of the library's
  search would be one (the lever RESULTS named for the NASDAQ nowcast):
  its support chosen without the validation windows (the lasso path on the
  first 80% of the training windows, each support scored on the last
  20%), least squares on that support over the training windows, and
  kept only if its validation RMSE beats the library's part by
  `SEARCH_MARGIN` (as the library keeps penalties over least squares);
  the kept model is then refitted on training + validation. Its test RMSE
  (`sparse_candidate`), whether it was kept (`sparse_kept`), its
  validation gain (`sparse_val_gain`, with its Diebold-Mariano statistic
  `sparse_val_diebold_mariano`) and its test change against the library's
  part (`sparse_candidate_vs_own_penalty`);
- `least_squares`: plain least squares (every penalty 0);
- `naive`: "repeat the last value" (the change 0);
- `true_model` (the embedded series only): the process that generated
  the series, noise left out (`true_model_prediction`): the lowest RMSE
  any forecaster can expect on these test rows, and with it how far below
  least squares "below linear" can go at all.

RMSE on the scaled target (the ratios are those of original units).

    .venv/bin/python bench/linear_part_variants.py      # prints JSON, ~3 min
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
    "sml2010-forecast": dict(data="sml2010", split="3200,400,537", protocol="forecast"),
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


def _support_path(a, y):
    """The lasso path's supports (z-scored design, centered target)."""
    mu, sd = a.mean(0), a.std(0) + 1e-12
    _, path, _ = lasso_path((a - mu) / sd, y[:, 0] - y[:, 0].mean(), n_alphas=60, eps=1e-4)
    return sorted({tuple(np.flatnonzero(path[:, i])) for i in range(path.shape[1])}, key=len)


def _ls_predict(keep, a, y, x):
    """Least squares (with an intercept) on the columns `keep` of `a`, applied to `x`."""
    return np.c_[x[:, keep], np.ones(len(x))] @ least_squares(a[:, keep], y)


def relaxed_lasso(a, y, va, vy, ta, ty):
    """Least squares on the lasso's support, the support chosen on `va`."""
    keep = list(min(_support_path(a, y), key=lambda s: rmse(_ls_predict(list(s), a, y, va), vy)))
    test = _ls_predict(keep, np.concatenate([a, va]), np.concatenate([y, vy]), ta)
    return rmse(test, ty), len(keep)


def _sparse_predict(keep, a, y, x):
    """`_ls_predict`; with no column, the change 0 ("repeat the last value")."""
    return _ls_predict(keep, a, y, x) if keep else np.zeros((len(x), 1))


def sparse_candidate(fit, val, test, rough, is_own):
    """The relaxed lasso chosen like a candidate of the library's search."""
    (a, y, is_level), (va, vy), (ta, ty) = fit, val, test
    cut = int(round(0.8 * len(a)))  # `_holdout_split`'s inner split
    keep = list(min(_support_path(a[:cut], y[:cut]), key=lambda s: rmse(
        _sparse_predict(list(s), a[:cut], y[:cut], a[cut:]), y[cut:])))
    # The library's search; with a holdout it fits the chosen part on `a`.
    coef, b, info = lp.fit_grouped_ridge(
        a, y, is_level, rough, holdout=(va, vy), is_own=is_own, naive=True)
    library_val = info["naive_rmse"][0] if info["naive"][0] else info["holdout_rmse"][0]
    sparse_error = (_sparse_predict(keep, a, y, va) - vy)[:, 0]
    sparse_val = rmse(sparse_error, 0.0)
    # Diebold-Mariano statistic of the validation gain (per-window squared
    # errors, the library's part minus the candidate's; > 2: not chance).
    loss_gain = (va @ coef + b - vy)[:, 0] ** 2 - sparse_error**2
    spread = loss_gain.std(ddof=1) / np.sqrt(len(loss_gain))
    dm = loss_gain.mean() / spread if spread > 0 else 0.0  # 0: the same forecasts
    kept = sparse_val <= (1.0 - lp.SEARCH_MARGIN) * library_val
    test_pred = _sparse_predict(keep, np.concatenate([a, va]), np.concatenate([y, vy]), ta)
    return {"test": rmse(test_pred, ty), "kept": bool(kept), "columns": len(keep),
            "val_gain": round(1 - sparse_val / library_val, 4), "val_dm": round(float(dm), 2)}


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
        own = lp.own_change_columns(10, n, tp)
        sparse = sparse_candidate(fit, val, test, rough, own)
        row = {
            "own_penalty": ridge(fit, val, test, rough, own),
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
        row["sparse_kept"] = sparse["kept"]
        row["sparse_columns"] = f"{sparse['columns']} of {a.shape[1]}"
        row["sparse_val_gain"] = sparse["val_gain"]
        row["sparse_val_diebold_mariano"] = sparse["val_dm"]
        # With the candidate in the search: the library's part unless kept.
        row["sparse_candidate"] = sparse["test"] if sparse["kept"] else row["own_penalty"]
        row["sparse_candidate_vs_own_penalty"] = round(
            row["sparse_candidate"] / row["own_penalty"] - 1, 4)
        row["own_vs_shared"] = round(row["own_penalty"] / row["shared_penalty"] - 1, 4)
        row["lasso_vs_least_squares"] = round(row["lasso"] / row["least_squares"] - 1, 4)
        # Both refitted on training + validation (least_squares and lasso are not).
        row["relaxed_lasso_vs_own_penalty"] = round(relaxed / row["own_penalty"] - 1, 4)
        out[name] = row
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
