"""`keras-attention evaluate`: score a trained model, whatever its family."""

import pathlib

from keras_attention.cli.common import (
    add_debug,
    add_options,
    check_writable,
    epilog,
    load_model,
    make_config,
    print_outputs,
    progress,
    start,
)


def add_parser(sub):
    from keras_attention.recipes.families import FAMILIES

    families = list(FAMILIES.values())
    jobs = [f.evaluate for f in families]
    default = families[0].default_model
    p = sub.add_parser(
        "evaluate",
        help="score a trained model (exact match / BLEU; RMSE, MAE... with baselines)",
        description="Evaluate a saved model.\n\n" + "\n\n".join(j.description for j in jobs),
        epilog=epilog(*jobs),
    )
    p.set_defaults(func=run)
    p.add_argument("--model", default=default, metavar="PATH.keras",
                   help=f"any keras_attention model (default: {default})")
    p.add_argument("--output", metavar="FILE.json",
                   help="the results (default: <model>_evaluation.json)")
    add_options(p, *[c for j in jobs for c in j.configs])
    add_debug(p)


def run(args):
    import keras_attention.io_utils as io_utils
    from keras_attention.recipes.families import FAMILIES, family_of

    output = args.output or str(pathlib.Path(args.model).with_suffix("")) + "_evaluation.json"
    check_writable("--output", output, "file")
    start(args)
    model = load_model(args.model)
    job = family_of(model).evaluate
    offered = [c for f in FAMILIES.values() for c in f.evaluate.configs]
    config = make_config(job, args, offered)
    result = job.call(model, config, model_path=args.model, log=print, progress=progress)
    io_utils.atomic_write_json(output, {"model": args.model, **result.metrics})
    print_outputs([output, *result.outputs])
    return 0
