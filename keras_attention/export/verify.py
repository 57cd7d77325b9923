"""Parity of exported artifacts with the Keras model they came from."""

import os
import time

import numpy as np
from keras import ops

from keras_attention.data import text_utils
from keras_attention.data.vocabulary import Vocabulary
from keras_attention.export import endpoints, metadata


class ExportVerificationError(RuntimeError):
    """An artifact disagrees with the Keras model beyond tolerance.

    Attributes:
        report: the full report dict (see `verify_export`).
    """

    def __init__(self, message, report):
        super().__init__(message)
        self.report = report


def _artifact_format(path):
    path = os.fspath(path)
    if path.endswith(".tflite"):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No such .tflite file: {path!r}")
        return "tflite"
    if os.path.isdir(path) and os.path.exists(os.path.join(path, "saved_model.pb")):
        return "saved_model"
    raise ValueError(
        "Each artifact must be a `.tflite` file or a SavedModel folder. "
        f"Received: {path!r}"
    )


def _source_rows(model, samples):
    """Samples (strings, id lists or an int array) → list of 1-D int32 arrays."""
    if isinstance(samples, str):
        samples = [samples]
    rows = []
    for i, sample in enumerate(samples):
        if isinstance(sample, str):
            if model.source_vocabulary is None:
                raise ValueError(
                    "Text samples need the model's `source_vocabulary`; this "
                    "model has none. Pass source id lists instead."
                )
            vocab = Vocabulary(model.source_vocabulary)
            ids = vocab.encode(text_utils.tokenize(sample, model.tokenization))
        else:
            ids = [int(t) for t in np.asarray(sample).reshape(-1) if int(t) != 0]
        if not ids:
            raise ValueError(f"Sample {i} of `samples` has no tokens.")
        rows.append(np.asarray(ids, "int32"))
    if not rows:
        raise ValueError("`samples` is empty: nothing to verify.")
    return rows


def _pad(rows):
    batch = np.zeros((len(rows), max(len(r) for r in rows)), "int32")
    for i, r in enumerate(rows):
        batch[i, : len(r)] = r
    return batch


def _trim(out, length):
    """Per-sample outputs with the source axis cut to the real length."""
    trimmed = dict(out)
    if "attention" in trimmed:
        trimmed["attention"] = trimmed["attention"][..., :length]
    return trimmed


def _keras_decode(model, rows, name, options, chunk=64):
    sampler = options.greedy_sampler() if name == "translate_greedy" else options.beam_sampler()
    results = []
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        out = model.generate(_pad(part), sampler=sampler, max_length=options.max_length)
        out = {k: ops.convert_to_numpy(v) for k, v in out.items()}
        for i, row in enumerate(part):
            sample = {k: v[i] for k, v in out.items()}
            if model.attention == "none":
                results.append(sample)
            else:
                results.append(_trim(sample, len(row)))
    return results


def _saved_model_decode(loaded, rows, name, attention):
    fn = loaded.signatures[name]
    batch = fn.structured_input_signature[1]["source_ids"].shape[0]
    results = []
    if batch is None:
        for start in range(0, len(rows), 64):
            part = rows[start : start + 64]
            out = {k: v.numpy() for k, v in fn(source_ids=_pad(part)).items()}
            for i, row in enumerate(part):
                sample = {k: v[i] for k, v in out.items()}
                results.append(sample if not attention else _trim(sample, len(row)))
        return results
    for row in rows:
        out = fn(source_ids=np.repeat(row[None], batch, 0))
        results.append({k: v.numpy()[0] for k, v in out.items()})
    return results


def _tokens(sample):
    """Emitted tokens (up to the length), one list per hypothesis."""
    ids, lengths = np.asarray(sample["token_ids"]), np.asarray(sample["lengths"])
    if ids.ndim == 1:
        return [ids[: int(lengths)].tolist()]
    return [ids[n, : int(lengths[n])].tolist() for n in range(ids.shape[0])]


def _max_abs_diff(a, b):
    """Largest |a - b|; infinite if either side holds a NaN or an infinity.

    A NaN is never silently ignored: it fails any tolerance.
    """
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    if a.size == 0:
        return 0.0
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    return float(np.max(np.abs(a - b)))


def _compare_decodes(reference, candidate):
    mismatches, score_diff, attention_diff = 0, 0.0, 0.0
    for ref, got in zip(reference, candidate, strict=True):
        if _tokens(ref) != _tokens(got):
            mismatches += 1
            continue
        score_diff = max(score_diff, _max_abs_diff(ref["scores"], got["scores"]))
        a, b = np.asarray(ref["attention"]), np.asarray(got["attention"])
        if a.shape == b.shape:
            attention_diff = max(attention_diff, _max_abs_diff(a, b))
        else:
            attention_diff = float("inf")
    return mismatches, score_diff, attention_diff


def _forecaster_inputs(model, samples):
    if not isinstance(samples, dict) or not {"drivers", "past_target"} <= set(samples):
        raise ValueError(
            "Forecaster `samples` must be a dict with 'drivers' (N, window, "
            "num_features) and 'past_target' arrays. Received: "
            f"{type(samples).__name__}"
        )
    drivers = np.asarray(samples["drivers"], "float32")
    past = np.asarray(samples["past_target"], "float32")
    if past.ndim == 2:
        past = past[..., None]
    if len(drivers) == 0:
        raise ValueError("`samples` is empty: nothing to verify.")
    return drivers, past


def _keras_forecast(model, drivers, past):
    forecast, scores = model(
        {"drivers": drivers, "past_target": past}, training=False, return_attention_scores=True
    )
    out = {"predictions": ops.convert_to_numpy(forecast)}
    for key, value in scores.items():
        out[f"{key}_attention"] = ops.convert_to_numpy(value)
    return out


def _max_diffs(reference, candidate):
    pred = _max_abs_diff(reference["predictions"], candidate["predictions"])
    att = 0.0
    for key, value in reference.items():
        if key.endswith("_attention"):
            if key not in candidate:
                raise ValueError(f"The artifact's `predict` does not return {key!r}.")
            att = max(att, _max_abs_diff(value, candidate[key]))
    return pred, att


def verify_export(
    model,
    artifacts,
    samples,
    endpoints_to_check=None,
    max_token_mismatches=0,
    score_atol=1e-3,
    prediction_atol=1e-4,
    raise_on_failure=True,
):
    """Runs the Keras model and its exports on the same inputs and compares.

    For a translator, each decode endpoint present in an artifact
    (`translate_greedy`, `translate_beam`) is compared with
    `model.generate` run with the same sampler options (read from the
    artifact's metadata): the number of samples whose emitted tokens differ,
    and, over the samples whose tokens agree, the largest |Δscore| and
    |Δattention|. If the artifact has `encode` and `decode_step`, a greedy
    loop run here over them (the two-model split) is compared too
    (`"decode_step_loop"`). For a forecaster, `predict` is compared:
    the largest |Δprediction| and |Δattention|. SavedModels run with
    TensorFlow; `.tflite` files with `ai_edge_litert` through
    `keras_attention.runtime`.

    Args:
        model: the Keras model that was exported.
        artifacts: a path or a list of paths (SavedModel folders and/or
            `.tflite` files).
        samples: translator: strings (tokenised with the model's
            vocabulary), id lists or an int array `(N, S)` (0 = padding);
            forecaster: a dict with `"drivers"` and `"past_target"` arrays.
        endpoints_to_check: optional subset of the endpoint names.
        max_token_mismatches: samples allowed to differ in tokens, per
            endpoint and artifact.
        score_atol: tolerance on |Δscore| (sums of log-probabilities).
        prediction_atol: tolerance on |Δprediction| (forecaster).
        raise_on_failure: raise `ExportVerificationError` when a check
            fails (otherwise only `report["passed"]` is False).

    Returns:
        A report dict: `"passed"`, `"samples"`, `"tolerances"` and
        `"results"`, a list with one dict per artifact and endpoint
        (`artifact`, `format`, `endpoint`, `token_mismatches`,
        `max_abs_score_diff`, `max_abs_attention_diff` or
        `max_abs_prediction_diff`, `seconds`, `passed`).

    Example:

    >>> import numpy as np
    >>> from keras_attention.export import export_tflite, verify_export
    >>> from keras_attention.models import TimeSeriesForecaster
    >>> model = TimeSeriesForecaster(window=4, num_features=2, units=4)
    >>> model.build()
    >>> _ = export_tflite(model, "forecaster.tflite")
    >>> samples = {"drivers": np.random.rand(5, 4, 2),
    ...            "past_target": np.random.rand(5, 3, 1)}
    >>> report = verify_export(model, "forecaster.tflite", samples)
    >>> report["passed"], [r["endpoint"] for r in report["results"]]
    (True, ['predict'])
    >>> report["results"][0]["max_abs_prediction_diff"] < 1e-4
    True

    For a translator, `samples` are texts or token-id lists, and every
    decode endpoint of every artifact is compared token by token, e.g.
    `verify_export(model, ["m", "m.tflite"], ["3 mar. 1998", "03/03/98"])`.
    """
    endpoints.check_built(model)
    kind = endpoints.model_kind(model)
    if isinstance(artifacts, (str, os.PathLike)):
        artifacts = [artifacts]
    artifacts = [os.fspath(a) for a in artifacts]
    if not artifacts:
        raise ValueError("`artifacts` is empty: pass a SavedModel folder or a .tflite file.")
    formats = {path: _artifact_format(path) for path in artifacts}
    results = []
    if kind == "translator":
        rows = _source_rows(model, samples)
        n_samples = len(rows)
        cache = {}
        for path in artifacts:
            results += _verify_translator_artifact(
                model, path, formats[path], rows, endpoints_to_check, cache
            )
    else:
        drivers, past = _forecaster_inputs(model, samples)
        n_samples = len(drivers)
        reference = _keras_forecast(model, drivers, past)
        for path in artifacts:
            results.append(
                _verify_forecaster_artifact(path, formats[path], drivers, past, reference)
            )
    for r in results:
        if "token_mismatches" in r:
            r["passed"] = (
                r["token_mismatches"] <= max_token_mismatches
                and r["max_abs_score_diff"] <= score_atol
            )
        else:
            r["passed"] = r["max_abs_prediction_diff"] <= prediction_atol
    report = {
        "passed": all(r["passed"] for r in results),
        "samples": n_samples,
        "tolerances": {
            "max_token_mismatches": max_token_mismatches,
            "score_atol": score_atol,
            "prediction_atol": prediction_atol,
        },
        "results": results,
    }
    if raise_on_failure and not report["passed"]:
        lines = [format_report_line(r) for r in results if not r["passed"]]
        raise ExportVerificationError(
            "Exported artifacts disagree with the Keras model beyond tolerance "
            f"(max_token_mismatches={max_token_mismatches}, score_atol={score_atol}, "
            f"prediction_atol={prediction_atol}):\n" + "\n".join(lines),
            report,
        )
    return report


def format_report_line(r):
    head = f"  {r['artifact']} [{r['endpoint']}]"
    if "token_mismatches" in r:
        return (
            f"{head}: {r['token_mismatches']}/{r['samples']} token mismatches, "
            f"max |Δscore| {r['max_abs_score_diff']:.3g}, "
            f"max |Δattention| {r['max_abs_attention_diff']:.3g}"
        )
    return (
        f"{head}: max |Δprediction| {r['max_abs_prediction_diff']:.3g}, "
        f"max |Δattention| {r['max_abs_attention_diff']:.3g}"
    )


def _verify_translator_artifact(model, path, fmt, rows, wanted, cache):
    meta = metadata.find_metadata(path)
    options = endpoints.DecodingOptions.from_config(meta["decoding"])
    attention = model.attention != "none"
    results = []
    if fmt == "tflite":
        import keras_attention.runtime as runtime

        translator = runtime.TFLiteTranslator(path, _sidecar_for(path))
        available = set(translator.signatures)
    else:
        import tensorflow as tf

        loaded = tf.saved_model.load(path)
        available = set(loaded.signatures)
    names = [n for n in ("translate_greedy", "translate_beam") if n in available]
    if {"encode", "decode_step"} <= available and fmt == "tflite":
        names.append("decode_step_loop")
    if wanted is not None:
        names = [n for n in names if n in wanted]
    for name in names:
        ref_name = "translate_greedy" if name == "decode_step_loop" else name
        key = (ref_name, tuple(sorted(options.get_config().items())))
        if key not in cache:
            cache[key] = _keras_decode(model, rows, ref_name, options)
        reference = cache[key]
        start = time.perf_counter()
        if fmt == "tflite":
            if name == "decode_step_loop":
                got = [translator.generate_with_steps(r, options.max_length) for r in rows]
            else:
                method = name.split("_", 1)[1]
                got = [translator.generate(r, method) for r in rows]
            if attention:
                got = [_trim(g, len(r)) for g, r in zip(got, rows, strict=True)]
        else:
            got = _saved_model_decode(loaded, rows, name, attention)
        seconds = time.perf_counter() - start
        mismatches, score_diff, attention_diff = _compare_decodes(reference, got)
        results.append(
            {
                "artifact": path,
                "format": fmt,
                "endpoint": name,
                "samples": len(rows),
                "token_mismatches": mismatches,
                "max_abs_score_diff": score_diff,
                "max_abs_attention_diff": attention_diff,
                "seconds": round(seconds, 3),
            }
        )
    return results


def _sidecar_for(path):
    return metadata.sidecar_path(path, "translator")


def _verify_forecaster_artifact(path, fmt, drivers, past, reference):
    start = time.perf_counter()
    if fmt == "tflite":
        import keras_attention.runtime as runtime

        got = runtime.TFLiteForecaster(path, metadata.sidecar_path(path, "forecaster")).predict(
            drivers, past
        )
    else:
        import tensorflow as tf

        fn = tf.saved_model.load(path).signatures["predict"]
        batch = fn.structured_input_signature[1]["drivers"].shape[0]
        parts = []
        step = batch or 256
        for s in range(0, len(drivers), step):
            d, p = drivers[s : s + step], past[s : s + step]
            n = len(d)
            if batch and n < batch:
                d = np.concatenate([d, np.repeat(d[-1:], batch - n, 0)])
                p = np.concatenate([p, np.repeat(p[-1:], batch - n, 0)])
            parts.append({k: v.numpy()[:n] for k, v in fn(drivers=d, past_target=p).items()})
        got = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
    pred, att = _max_diffs(reference, got)
    return {
        "artifact": path,
        "format": fmt,
        "endpoint": "predict",
        "samples": len(drivers),
        "max_abs_prediction_diff": pred,
        "max_abs_attention_diff": att,
        "seconds": round(time.perf_counter() - start, 3),
    }
