"""`keras-attention export`: SavedModel + `.tflite` of any trained model, verified."""

import os
import pathlib
import time

from keras_attention.cli.common import (
    CLIError,
    UsageError,
    add_debug,
    add_options,
    load_model,
    make_config,
    print_outputs,
    start,
)
from keras_attention.recipes.command_configs import ExportConfig
from keras_attention.recipes.families import FAMILIES, Job

JOB = Job(configs=(ExportConfig,), function="keras_attention.export:export_artifacts")


def add_parser(sub):
    default = next(iter(FAMILIES.values())).default_model
    p = sub.add_parser(
        "export",
        help="export to SavedModel and TFLite (LiteRT), and verify against Keras",
        description=(
            "Export a saved model with keras_attention.export: a SavedModel folder NAME/\n"
            "(translators: translate_greedy, translate_beam, encode, decode_step and a\n"
            "string translate endpoint; forecasters: predict), NAME.tflite with the same\n"
            "signatures (builtin ops only; run it with keras_attention.runtime) and its\n"
            "sidecar JSON. Both are then run on the same inputs as the Keras model\n"
            "(verify_export): zero token mismatches and |Δscore| <= 1e-3 for translators,\n"
            "|Δprediction| <= 1e-4 for forecasters, or the command fails."
        ),
        epilog=(
            "Examples:\n"
            "  keras-attention export\n"
            "  keras-attention export --model saved_models/date_translator.keras "
            "--output-dir exports --quantize float16,dynamic_range\n"
            "  keras-attention export --model runs/forecast/model.keras --name forecaster"
        ),
    )
    p.set_defaults(func=run)
    p.add_argument("--model", default=default, metavar="PATH.keras",
                   help=f"any keras_attention model (default: {default})")
    add_options(p, ExportConfig)
    add_debug(p)


def _samples(path):
    if path is None:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f.read().splitlines() if line.strip()]
    except OSError as e:
        raise CLIError(f"argument --samples: cannot read {path!r}: {e.strerror}") from None
    if not lines:
        raise CLIError(f"argument --samples: {path!r} holds no text")
    return lines


def _beam_sampler(config):
    """The `translate_beam` endpoint's sampler: BeamSampler with the options given."""
    from keras_attention.models import BeamSampler

    given = {k: getattr(config, k) for k in ("beam_width", "length_penalty")}
    return BeamSampler(**{k: v for k, v in given.items() if v is not None})


def run(args):
    from keras_attention.recipes.options import ConfigError
    from keras_attention.utils.startup import quiet_native_logs

    config = make_config(JOB, args)
    try:
        quantizations = config.quantizations()
    except ConfigError as e:
        raise UsageError(e.cli_message()) from None
    samples = _samples(config.samples)
    start(args)
    from keras_attention.export import export_artifacts
    from keras_attention.export.verify import format_report_line

    model = load_model(args.model)
    out_dir = config.output_dir or os.path.dirname(os.path.abspath(args.model))
    name = config.name or pathlib.Path(args.model).stem
    started = time.time()
    print(f"Exporting {args.model} to {os.path.join(out_dir, name)}/ and {name}.tflite ...")
    with quiet_native_logs(debug=getattr(args, "debug", False)):
        summary = export_artifacts(
            model, out_dir, name, samples=samples, sampler=_beam_sampler(config),
            max_length=config.max_length, quantizations=quantizations,
            verify=not config.no_verify,
        )
    reports = [summary["verification"]] if summary["verification"] else []
    reports += list(summary["quantized"].values())
    for report in reports:
        print(f"Verified on {report['samples']} samples: "
              f"{'passed' if report['passed'] else 'FAILED'}")
        for r in report["results"]:
            print(format_report_line(r))
    print(f"Done in {time.time() - started:.0f} s")
    print_outputs(summary["paths"].values())
    return 0
