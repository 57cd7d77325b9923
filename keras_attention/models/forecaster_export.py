"""The task-protocol members of `TimeSeriesForecaster` beyond the forward pass."""

import numpy as np

from keras_attention.models import forecaster_layers
from keras_attention.models.task import ATTENTION, VALUES, Endpoint, to_numpy


def _window_labels(window, protocol):
    """Window steps relative to the first forecast time τ.

    "nowcast" windows end at τ, "forecast" windows just before it (see
    `keras_attention.data.timeseries`).
    """
    last = 0 if protocol == "nowcast" else -1
    first = last - window + 1
    return ["τ" if k == 0 else f"τ{k:+d}" for k in range(first, last + 1)]


class ForecasterExport:
    """Mixin of `TimeSeriesForecaster`: generate, attention maps, export."""

    def _inputs(self, inputs):
        """float32 `{"drivers": (N, T, n), "past_target": (N, T_p, 1)}` from
        a dict or a `(drivers, past_target)` pair (as `predict` takes them),
        checked as `call` checks them."""
        if isinstance(inputs, (list, tuple)) and len(inputs) == 2:
            inputs = {"drivers": inputs[0], "past_target": inputs[1]}
        if not isinstance(inputs, dict) or not {"drivers", "past_target"} <= set(inputs):
            raise ValueError(
                "`inputs` must be a dict with 'drivers' (N, window, num_features) and "
                "'past_target' arrays, or a (drivers, past_target) pair. Received: "
                f"{sorted(inputs) if isinstance(inputs, dict) else type(inputs).__name__}"
            )
        arrays = {}
        for name in ("drivers", "past_target"):
            try:
                arrays[name] = np.asarray(inputs[name], "float32")
            except (TypeError, ValueError):
                raise ValueError(
                    f"`{name}` must be an array of numbers. Received: {inputs[name]!r:.80}"
                ) from None
        past = arrays["past_target"]
        if past.ndim == 2:  # expanded here: `split_inputs` would return a tensor
            arrays["past_target"] = past[..., None]
        forecaster_layers.split_inputs(self, arrays)  # shapes, batch, finite values
        return arrays

    def generate(self, inputs, sampler=None, max_length=None):
        """Forecasts and attention, as the exported `predict` returns them.

        Args:
            inputs: dict with `"drivers"` and `"past_target"` arrays.
            sampler, max_length: unused (a forecast has `horizon` steps);
                accepted so that every task is called the same way.

        Returns:
            A dict of tensors: `"predictions"` `(N, horizon)`,
            `"temporal_attention"` `(N, horizon, T)` and, with input
            attention, `"input_attention"` `(N, T, n)`.
        """
        forecast, scores = self(inputs, training=False, return_attention_scores=True)
        out = {"predictions": forecast}
        for key in sorted(scores):
            out[f"{key}_attention"] = scores[key]
        return out

    def attention_maps(self, examples, sampler=None, max_length=None):
        """Temporal (forecast step × window step) and input (series × step) maps.

        Args:
            examples: a dict of input arrays with a first axis of examples.
        """
        forecast, scores = self.predict_with_attention(self._inputs(examples))
        del forecast
        names = (
            list(self.preprocessor.features)
            if self.preprocessor is not None
            else [f"x{j}" for j in range(self.num_features)]
        )
        steps = _window_labels(self.window, self.protocol)
        maps = []
        temporal = scores.get("temporal")
        if temporal is not None:
            rows = ["τ"] + [f"τ+{h}" for h in range(1, temporal.shape[1])]
            for i, matrix in enumerate(temporal):
                maps.append(
                    {
                        "tag": f"temporal/example_{i}",
                        "weights": matrix,
                        "x_labels": steps,
                        "y_labels": rows,
                        "title": f"temporal attention, example {i}",
                        "x_title": "window step (τ = first forecast time)",
                        "y_title": "forecast step",
                    }
                )
        input_weights = scores.get("input")
        if input_weights is not None:
            for i, matrix in enumerate(input_weights):
                maps.append(
                    {
                        "tag": f"input/example_{i}",
                        "weights": matrix.T,
                        "x_labels": steps,
                        "y_labels": names,
                        "title": f"input attention, example {i}",
                        "x_title": "window step (τ = first forecast time)",
                        "y_title": "driving series",
                    }
                )
        return maps

    # -- export ------------------------------------------------------------
    def export_endpoints(self, sampler=None, max_length=None, batch_size=None, **kwargs):
        """`{"predict": Endpoint}`: drivers and past target → predictions and attention."""

        def predict(drivers, past_target):
            return dict(self.generate({"drivers": drivers, "past_target": past_target}))

        outputs = {"predictions": VALUES}
        if self.attention_type != "none":
            outputs["temporal_attention"] = ATTENTION
        if self.input_attention:
            outputs["input_attention"] = ATTENTION
        specs = [
            ("drivers", [batch_size, self.window, self.num_features], "float32"),
            ("past_target", [batch_size, self.past_target_length, 1], "float32"),
        ]
        return {"predict": Endpoint(predict, specs, outputs, True)}

    def export_metadata(self, sampler=None, max_length=None):
        data = {
            "window": self.window,
            "num_features": self.num_features,
            "horizon": self.horizon,
            "protocol": self.protocol,
            "past_target_length": self.past_target_length,
        }
        if self.preprocessor is not None:
            data["preprocessor"] = {
                "class_name": type(self.preprocessor).__name__,
                "config": self.preprocessor.get_config(),
            }
        return data

    def export_examples(self, samples=None, count=20, seed=0):
        """Per-example `{"drivers": (1, T, n), "past_target": (1, T_p, 1)}` inputs."""
        if samples is None:
            rng = np.random.default_rng(seed)
            samples = {
                "drivers": rng.normal(size=(count, self.window, self.num_features)),
                "past_target": rng.normal(size=(count, self.past_target_length, 1)),
            }
        inputs = self._inputs(samples)
        if len(inputs["drivers"]) == 0:
            raise ValueError("`samples` is empty: nothing to verify.")
        return [
            {k: v[i : i + 1] for k, v in inputs.items()}
            for i in range(len(inputs["drivers"]))
        ]

    def export_reference(self, examples, endpoint_names, sampler=None, max_length=None):
        if "predict" not in endpoint_names:
            return {}
        batch = {k: np.concatenate([e[k] for e in examples]) for k in examples[0]}
        out = {k: to_numpy(v) for k, v in self.generate(batch).items()}
        return {"predict": [{k: v[i] for k, v in out.items()} for i in range(len(examples))]}
