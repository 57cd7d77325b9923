"""`keras-attention translate` / `forecast`: run a trained model on new data.

One command per family, named after its task; the family's `run` job
(`recipes.families`) does the work.
"""

from keras_attention.cli.common import (
    add_config_options,
    add_debug,
    epilog,
    load_model,
    make_config,
    print_outputs,
    progress,
    start,
    warn,
)


def add_parsers(sub):
    from keras_attention.recipes.families import FAMILIES

    for family in FAMILIES.values():
        job = family.run
        p = sub.add_parser(family.task, help=job.help, description=job.description,
                           epilog=epilog(job))
        p.set_defaults(func=run, family=family)
        p.add_argument("--model", default=family.default_model, metavar="PATH.keras",
                       help=f"the model (default: {family.default_model})")
        add_config_options(p, job)
        add_debug(p)


def run(args):
    job = args.family.run
    config = make_config(job, args)
    start(args)
    model = load_model(args.model, family=args.family.name)
    result = job.call(model, config, model_path=args.model, log=print, progress=progress,
                      warn=warn)
    if result.outputs:  # else the results went to stdout
        print_outputs(result.outputs)
    return 0
