"""`keras-attention tune TASK`: a family's KerasTuner search (`recipes.tuning`)."""

from keras_attention.cli.common import add_pipeline_command


def add_parser(sub):
    from keras_attention.recipes.families import FAMILIES

    return add_pipeline_command(
        sub, "tune", "tune",
        help=f"KerasTuner search over {' or '.join(FAMILIES)} architectures",
        description="Hyperparameter search with KerasTuner (keras_attention.recipes.tuning,\n"
        "as examples/tune_translator.py and tune_forecaster.py): search, retrain the best\n"
        "configuration, save it. Each trial prints one progress line (a bar on a\n"
        "terminal); --verbose 1 adds KerasTuner's trial tables and Keras progress bars.",
    )
