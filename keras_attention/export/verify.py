"""Parity of exported artifacts with the Keras model they came from."""

import os
import time

import numpy as np

from keras_attention.export import metadata
from keras_attention.export.saved_model import check_built
from keras_attention.models import samplers as samplers_lib
from keras_attention.models.task import ATTENTION, SCORES, TOKENS, VALUES


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


def _max_abs_diff(a, b):
    """Largest |a - b|; infinite if either side holds a NaN or an infinity.

    A NaN is never silently ignored: it fails any tolerance. Different
    shapes are an infinite difference too.
    """
    a, b = np.asarray(a, "float64"), np.asarray(b, "float64")
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("inf")
    return float(np.max(np.abs(a - b)))


def compare(reference, candidate, roles):
    """Compares per-example outputs by role (see `keras_attention.models.task`).

    Returns:
        A dict: `token_mismatches` (examples whose `TOKENS` outputs differ,
        when the endpoint has any), and the largest |Δ| of the `SCORES`,
        `ATTENTION` and `VALUES` outputs over the examples whose tokens
        agree (every example when there are no tokens).
    """
    names = {role: [n for n, r in roles.items() if r == role] for role in set(roles.values())}
    result = {}
    mismatches = 0
    diffs = {SCORES: 0.0, ATTENTION: 0.0, VALUES: 0.0}
    for ref, got in zip(reference, candidate, strict=True):
        if any(
            not np.array_equal(np.asarray(ref[n]), np.asarray(got[n]))
            for n in names.get(TOKENS, [])
        ):
            mismatches += 1
            continue
        for role in diffs:
            for n in names.get(role, []):
                diffs[role] = max(diffs[role], _max_abs_diff(ref[n], got[n]))
    if TOKENS in names:
        result["token_mismatches"] = mismatches
    if SCORES in names:
        result["max_abs_score_diff"] = diffs[SCORES]
    if ATTENTION in names:
        result["max_abs_attention_diff"] = diffs[ATTENTION]
    if VALUES in names:
        result["max_abs_prediction_diff"] = diffs[VALUES]
    return result


class _SavedModelRunner:
    def __init__(self, path):
        import tensorflow as tf

        self.loaded = tf.saved_model.load(path)
        self.signatures = set(self.loaded.signatures)

    def run(self, name, **inputs):
        out = self.loaded.signatures[name](**inputs)
        return {k: v.numpy() for k, v in out.items()}


def _runner(path, fmt):
    if fmt == "saved_model":
        return _SavedModelRunner(path)
    import keras_attention.runtime as runtime

    return runtime.load(path)


def verify_export(
    model,
    artifacts,
    samples=None,
    endpoints_to_check=None,
    max_token_mismatches=0,
    score_atol=1e-3,
    attention_atol=1e-3,
    prediction_atol=1e-4,
    raise_on_failure=True,
):
    """Runs the Keras model and its exports on the same inputs and compares.

    Every endpoint of an artifact that the model declares with comparable
    outputs (`Task.export_endpoints`: tokens, scores, attention, values) is
    run on each example (`Task.export_examples(samples)`) and compared with
    the Keras model's own result (`Task.export_reference`), with the
    decoding options read from the artifact's metadata: the number of
    examples whose tokens differ, and, over the others, the largest |Δscore|,
    |Δattention| and |Δprediction|. If a `.tflite` file has `encode` and
    `decode_step`, a greedy loop run here over them (the two-model split of
    `keras_attention.runtime.greedy_step_loop`) is compared with greedy
    search too (`"decode_step_loop"`). SavedModels run with TensorFlow;
    `.tflite` files with `ai_edge_litert` through `keras_attention.runtime`.

    Args:
        model: the Keras model that was exported.
        artifacts: a path or a list of paths (SavedModel folders and/or
            `.tflite` files).
        samples: what the model's `export_examples` takes: texts or token-id
            lists (translator), a dict of `"drivers"` / `"past_target"`
            arrays (forecaster), ...; default: a seeded random set.
        endpoints_to_check: optional subset of the endpoint names.
        max_token_mismatches: examples allowed to differ in tokens, per
            endpoint and artifact.
        score_atol: tolerance on |Δscore| (sums of log-probabilities).
        attention_atol: tolerance on |Δattention| (attention weights).
        prediction_atol: tolerance on |Δprediction| (forecasts).
        raise_on_failure: raise `ExportVerificationError` when a check
            fails (otherwise only `report["passed"]` is False).

    Returns:
        A report dict: `"passed"`, `"samples"`, `"tolerances"` and
        `"results"`, a list with one dict per artifact and endpoint
        (`artifact`, `format`, `endpoint`, `samples`, the differences of
        `compare`, `seconds`, `passed`).

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
    check_built(model)
    if isinstance(artifacts, (str, os.PathLike)):
        artifacts = [artifacts]
    artifacts = [os.fspath(a) for a in artifacts]
    if not artifacts:
        raise ValueError("`artifacts` is empty: pass a SavedModel folder or a .tflite file.")
    formats = {path: _artifact_format(path) for path in artifacts}
    examples = model.export_examples(samples)
    tolerances = {
        "max_token_mismatches": max_token_mismatches,
        "score_atol": score_atol,
        "attention_atol": attention_atol,
        "prediction_atol": prediction_atol,
    }
    results, cache = [], {}
    for path in artifacts:
        results += _verify_artifact(
            model, path, formats[path], examples, endpoints_to_check, cache
        )
    for r in results:
        r["passed"] = passes(r, tolerances)
    report = {
        "passed": all(r["passed"] for r in results),
        "samples": len(examples),
        "tolerances": tolerances,
        "results": results,
    }
    if raise_on_failure and not report["passed"]:
        lines = [format_report_line(r) for r in results if not r["passed"]]
        raise ExportVerificationError(
            "Exported artifacts disagree with the Keras model beyond tolerance "
            f"({', '.join(f'{k}={v}' for k, v in tolerances.items())}):\n"
            + "\n".join(lines),
            report,
        )
    return report


def passes(result, tolerances):
    """Whether one result of `compare` is within the tolerances (every kind).

    Example:

    >>> from keras_attention.export.verify import passes
    >>> tolerances = {"max_token_mismatches": 0, "score_atol": 1e-3,
    ...               "attention_atol": 1e-3, "prediction_atol": 1e-4}
    >>> passes({"token_mismatches": 0, "max_abs_attention_diff": 0.2}, tolerances)
    False
    """
    return (
        result.get("token_mismatches", 0) <= tolerances["max_token_mismatches"]
        and result.get("max_abs_score_diff", 0.0) <= tolerances["score_atol"]
        and result.get("max_abs_attention_diff", 0.0) <= tolerances["attention_atol"]
        and result.get("max_abs_prediction_diff", 0.0) <= tolerances["prediction_atol"]
    )


def format_report_line(r):
    parts = []
    if "token_mismatches" in r:
        parts.append(f"{r['token_mismatches']}/{r['samples']} token mismatches")
    for key, label in (
        ("max_abs_score_diff", "Δscore"),
        ("max_abs_attention_diff", "Δattention"),
        ("max_abs_prediction_diff", "Δprediction"),
    ):
        if key in r:
            parts.append(f"max |{label}| {r[key]:.3g}")
    return f"  {r['artifact']} [{r['endpoint']}]: " + ", ".join(parts)


def _decoding_options(meta):
    decoding = dict(meta.get("decoding") or {})
    max_length = decoding.pop("max_length", None)
    sampler = samplers_lib.BeamSampler(**decoding) if decoding else None
    return sampler, max_length


def _verify_artifact(model, path, fmt, examples, wanted, cache):
    meta = metadata.find_metadata(path)
    sampler, max_length = _decoding_options(meta)
    endpoints = model.export_endpoints(sampler=sampler, max_length=max_length)
    runner = _runner(path, fmt)
    available = set(runner.signatures)
    comparable = {
        name: {k: r for k, r in e.outputs.items() if r in (TOKENS, SCORES, ATTENTION, VALUES)}
        for name, e in endpoints.items()
        if e.looped and name in available
    }
    names = [n for n in sorted(comparable) if wanted is None or n in wanted]
    greedy = next((n for n in sorted(endpoints) if n.endswith("_greedy")), None)
    step_loop = (
        fmt == "tflite" and greedy is not None
        and {"encode", "decode_step"} <= available
        and (wanted is None or "decode_step_loop" in wanted)
    )
    needed = sorted(set(names) | ({greedy} if step_loop else set()))
    key = (tuple(needed), repr(sampler), max_length)
    if key not in cache:
        cache[key] = model.export_reference(examples, needed, sampler, max_length)
    reference = cache[key]
    results = []
    for name in names:
        start = time.perf_counter()
        inputs = [name_ for name_, _, _ in endpoints[name].input_signature]
        got = [
            {k: v[0] for k, v in runner.run(name, **{n: e[n] for n in inputs}).items()}
            for e in examples
        ]
        results.append(
            _result(path, fmt, name, examples, comparable[name], reference[name], got, start)
        )
    if step_loop:
        from keras_attention.runtime import greedy_step_loop

        start = time.perf_counter()
        inputs = [n for n, _, _ in endpoints["encode"].input_signature]
        got = [
            greedy_step_loop(runner, {n: e[n] for n in inputs}, meta["decoding"]["max_length"])
            for e in examples
        ]
        results.append(
            _result(path, fmt, "decode_step_loop", examples, comparable[greedy],
                    reference[greedy], got, start)
        )
    return results


def _result(path, fmt, name, examples, roles, reference, got, start):
    return {
        "artifact": path,
        "format": fmt,
        "endpoint": name,
        "samples": len(examples),
        **compare(reference, got, roles),
        "seconds": round(time.perf_counter() - start, 3),
    }
