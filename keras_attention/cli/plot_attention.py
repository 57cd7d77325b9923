"""`keras-attention plot-attention`: PNG heat maps of any trained model's attention."""

from keras_attention.cli.common import add_model_command, print_outputs, run_model_job


def add_parser(sub):
    p = add_model_command(
        sub, "plot-attention", "plot",
        help="PNG heat maps of a model's attention for given inputs",
        intro="Draw attention matrices as PNG.",
    )
    p.set_defaults(func=run)


def run(args):
    print_outputs(run_model_job(args).outputs)
    return 0
