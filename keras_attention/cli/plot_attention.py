"""`keras-attention plot-attention`: PNG heat maps of any trained model's attention."""

from keras_attention.cli.common import (
    add_debug,
    add_options,
    epilog,
    load_model,
    make_config,
    print_outputs,
    start,
)


def add_parser(sub):
    from keras_attention.recipes.families import FAMILIES

    families = list(FAMILIES.values())
    jobs = [f.plot for f in families]
    default = families[0].default_model
    p = sub.add_parser(
        "plot-attention",
        help="PNG heat maps of a model's attention for given inputs",
        description="Draw attention matrices as PNG.\n\n"
        + "\n\n".join(j.description for j in jobs),
        epilog=epilog(*jobs),
    )
    p.set_defaults(func=run)
    p.add_argument("--model", default=default, metavar="PATH.keras",
                   help=f"any keras_attention model (default: {default})")
    add_options(p, *[c for j in jobs for c in j.configs])
    add_debug(p)


def run(args):
    from keras_attention.recipes.families import FAMILIES, family_of

    start(args)
    model = load_model(args.model)
    job = family_of(model).plot
    offered = [c for f in FAMILIES.values() for c in f.plot.configs]
    config = make_config(job, args, offered)
    result = job.call(model, config, model_path=args.model, log=print)
    print_outputs(result.outputs)
    return 0
