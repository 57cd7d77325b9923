"""`keras-attention train TASK`: a family's training recipe (`recipes.families`)."""

from keras_attention.cli.common import add_pipeline_command


def add_parser(sub):
    return add_pipeline_command(
        sub, "train", "train",
        help="train a translator or a forecaster",
        description="Train a model with a recipe of keras_attention.recipes (the same\n"
        "functions as examples/translate_dates.py, translate_pairs.py and forecast.py).",
    )
