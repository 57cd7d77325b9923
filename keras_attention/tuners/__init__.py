"""KerasTuner search spaces (`HyperModel`s) over the model builders.

Needs KerasTuner: `pip install 'keras-attention[tuner]'`. Not imported by
`import keras_attention` (KerasTuner is optional and slow to import):

```python
from keras_attention.tuners import HyperSeq2SeqTranslator, HyperTimeSeriesForecaster
from keras_attention.tuners import HyperImageCaptioner
```
"""

from keras_attention.tuners.hyper_image_captioner import HyperImageCaptioner
from keras_attention.tuners.hyper_seq2seq_translator import HyperSeq2SeqTranslator
from keras_attention.tuners.hyper_time_series_forecaster import (
    HyperTimeSeriesForecaster,
)
from keras_attention.tuners.trial_progress import TrialProgress

__all__ = ["HyperImageCaptioner", "HyperSeq2SeqTranslator", "HyperTimeSeriesForecaster", "TrialProgress"]
