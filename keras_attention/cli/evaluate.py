"""`keras-attention evaluate`: score a trained model, whatever its family."""

import pathlib

from keras_attention.cli.common import (
    add_model_command,
    check_writable,
    print_outputs,
    run_model_job,
)


def add_parser(sub):
    p = add_model_command(
        sub, "evaluate", "evaluate",
        help="score a trained model (exact match / BLEU; RMSE, MAE... with baselines)",
        intro="Evaluate a saved model.",
    )
    p.set_defaults(func=run)
    p.add_argument("--output", metavar="FILE.json",
                   help="the results (default: <model>_evaluation.json)")


def run(args):
    import keras_attention.io_utils as io_utils

    output = args.output or str(pathlib.Path(args.model).with_suffix("")) + "_evaluation.json"
    check_writable("--output", output, "file")
    result = run_model_job(args)
    io_utils.atomic_write_json(output, {"model": args.model, **result.metrics})
    print_outputs([output, *result.outputs])
    return 0
