"""How much the linear part's ridge penalties beat plain least squares on
validation, per data set and horizon step (the `SEARCH_MARGIN` rule of
`keras_attention.models.linear_part`: below 1%, plain least squares is used).

    .venv/bin/python bench/forecast_margins.py                # prints JSON, ~1 min
    .venv/bin/python bench/forecast_margins.py --no-margin    # the search's own choice
"""

import argparse
import json

from keras_attention.models import linear_part as lp
from keras_attention.recipes import configs, forecasting

ROWS = {
    "sml2010-nowcast": dict(data="sml2010", split="3200,400,537", protocol="nowcast"),
    "sml2010-forecast": dict(data="sml2010", split="3200,400,537", protocol="forecast"),
    "sml2010-forecast-h6-direct": dict(
        data="sml2010", split="3200,400,537", protocol="forecast", horizon=6),
    "nasdaq-nowcast": dict(data="nasdaq", split="0.7,0.3", protocol="nowcast"),
    "nasdaq-forecast": dict(data="nasdaq", split="0.7,0.3", protocol="forecast"),
    "synthetic-nowcast": dict(data="synthetic", split="0.7,0.3", protocol="nowcast"),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-margin", action="store_true",
                        help="SEARCH_MARGIN = 0: keep whatever the search finds")
    if parser.parse_args().no_margin:
        lp.SEARCH_MARGIN = 0.0
    out = {}
    for name, kwargs in ROWS.items():
        series = forecasting.load_series(configs.ForecastConfig(window=10, **kwargs))
        x = series["train"].inputs
        _, _, info = lp.fit_linear_part(
            x, series["train"].target, 10, x["drivers"].shape[2], x["past_target"].shape[1],
            validation_data=(series["val"].inputs, series["val"].target))
        out[name] = {
            "gain_over_least_squares": [
                round(1 - a / b, 4)
                for a, b in zip(info["holdout_rmse"], info["least_squares_rmse"])],
            "l2": info["l2"], "level_l2": info["level_l2"], "smooth_l2": info["smooth_l2"],
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
