"""
Title: Show, Attend and Tell: reading handwritten digits with spatial attention
Author: keras-attention contributors
Date created: 2026/12/02
Last modified: 2026/12/02
Description: Train an image captioner with soft (or hard, or no) spatial attention that reads canvases of real handwritten digits as words, and see where it looks.
Accelerator: None
"""

"""
## Introduction

Show, Attend and Tell (Xu et al., 2015) captions an image with a recurrent
decoder that, before each word, weighs the locations of a convolutional
feature map: spatial attention. This example trains
`keras_attention.models.ImageCaptioner` on canvases of 1 to 5 real
handwritten digits (scikit-learn's 1,797 digits, no download) to write the
digits in reading order as words: "three one four".

The digit images are split between train, validation and test *before* the
canvases are drawn, so every test canvas is made of handwriting the model
never saw. Each canvas keeps the box of each digit, which gives a number no
captioning benchmark reports: attention localisation, the share of emitted
digits whose attention peak lies inside that digit's box.

```
python examples/caption_digits.py                       # soft attention, 12 epochs
python examples/caption_digits.py --attention hard      # sampled location, REINFORCE
python examples/caption_digits.py --attention none      # the mean feature: no attention
python examples/caption_digits.py --epochs 2 --train-size 4000 --no-export   # a quick look
python examples/caption_digits.py --logdir logs/caption # + TensorBoard attention overlays
```

It saves `saved_models/digit_captioner.keras`, a test canvas
(`digit_captioner_demo.png`) and its attention overlay
(`digit_captioner_attention.png`), the metrics
(`digit_captioner_metrics.json`), then exports the model to SavedModel and
LiteRT (greedy and beam search inside), checks both against Keras and
captions the demo canvas with the `.tflite` file.

Every step is a function of `keras_attention.recipes.captioning`; this
script calls them in order, as `keras-attention train caption` does. The
options are the fields of `keras_attention.recipes.configs.CaptionConfig`.
"""

"""
## Setup
"""

import sys  # noqa: E402
import time  # noqa: E402

from keras_attention.utils.startup import quiet_tensorflow  # noqa: E402

quiet_tensorflow(debug="--debug" in sys.argv)

import keras_attention.training as training  # noqa: E402
from keras_attention.recipes import captioning  # noqa: E402
from keras_attention.recipes.configs import CaptionConfig  # noqa: E402
from keras_attention.recipes.options import parse_config  # noqa: E402


def parse_args(argv=None):
    return parse_config(CaptionConfig, argv, description="Train an image captioner with "
                        "spatial attention on handwritten-digit canvases.")


"""
## The data

`keras_attention.data.digits` upsamples the 8×8 digits to 16–28 pixels and
places 1–5 of them left to right on a 32×96 canvas with random spacing,
offsets and noise. Captions are words; `captioning.caption_arrays` turns them
into teacher-forcing inputs `[START] three one four` and labels
`three one four [END]`.

## The model

A small convolutional stack (3×3 convolutions, batch normalisation, ReLU,
2×2 pooling: "16,32,64,64" filters, pools "2,2,2,1") maps a 32×96 canvas to
a 4×12 feature map, i.e. 48 locations. One-hot row and column features are
appended to every location (without them the decoder cannot tell *where* a
feature is, and exact match falls to about 44%). A GRU decoder with Bahdanau
attention over the 48 locations starts from `tanh(W · mean feature)`.

## Training, evaluation, saving, export
"""


def main(argv=None):
    config = parse_args(argv)
    training.seed_everything(config.seed, config.deterministic)
    started = time.time()

    data = captioning.load_canvases(config)
    model = captioning.build_captioner_model(config, data)
    print(f"Training {config.attention} attention ({model.count_params():,} parameters) on "
          f"{config.train_size:,} canvases for {config.epochs} epochs")
    train_started, train_cpu = time.time(), time.process_time()
    captioning.fit_captioner(model, data, config)
    train_seconds = time.time() - train_started
    train_cpu = time.process_time() - train_cpu

    metrics = captioning.evaluate_captioner(model, data)  # exact match, per digit, ...
    captioning.report_captioner(metrics)
    results = captioning.captioner_record(config, model, metrics, train_seconds, train_cpu)

    if training.is_chief():
        captioning.save_captioner(model, config, data)  # .keras, demo PNG, overlay PNG
        if not config.no_export:
            summary = captioning.export_captioner(model, data, config)
            results["export"] = {"paths": summary["paths"],
                                 "verified": summary["verification"]["passed"]}
        captioning.write_metrics(config, results)
    print(f"Done in {time.time() - started:.0f} s")
    return model, results


if __name__ == "__main__":
    main()
