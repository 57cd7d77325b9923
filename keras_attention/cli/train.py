"""`keras-attention train TASK`: a family's training recipe (`recipes.families`)."""

from keras_attention.cli.common import add_pipeline_command


def add_parser(sub):
    from keras_attention.recipes.families import FAMILIES

    return add_pipeline_command(
        sub, "train", "train",
        help=f"train a {' or a '.join(FAMILIES)}",
        description="Train a model with a recipe of keras_attention.recipes (the functions\n"
        "that the example scripts call: examples/translate_dates.py, forecast.py, ...).",
    )
