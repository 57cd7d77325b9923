"""What the models that decode tokens share: compile defaults, sampling.

`TokenDecoding` is a mixin for the `keras.Model`s that encode their inputs
with `self.encode(inputs, training)` into `(memory, cell_states)` and decode
tokens with `self.decoder` (`Seq2SeqTranslator`, `ImageCaptioner`).
"""

import keras

from keras_attention.metrics import MaskedAccuracy
from keras_attention.models.task import portable_compile_config
from keras_attention.runtime.vocabulary import END_ID, START_ID


def token_compile_defaults(optimizer="auto", loss="auto", metrics="auto"):
    """`"auto"` arguments of `compile` replaced by the token-training defaults.

    Adam (learning rate 1e-3, gradient norm clipped at 5), the masked
    next-token cross-entropy (`SparseCategoricalCrossentropy(from_logits=True,
    ignore_class=0)`) and `MaskedAccuracy`.

    Example:

    >>> optimizer, loss, metrics = token_compile_defaults(optimizer="sgd")
    >>> optimizer, loss.ignore_class, type(metrics[0]).__name__
    ('sgd', 0, 'MaskedAccuracy')
    """
    if optimizer == "auto":
        optimizer = keras.optimizers.Adam(1e-3, clipnorm=5.0)
    if loss == "auto":
        loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True, ignore_class=0
        )
    if metrics == "auto":
        metrics = [MaskedAccuracy()]
    return optimizer, loss, metrics


class TokenDecoding:
    """Mixin: restoring the compile state, and running a sampler."""

    def compile_from_config(self, config):
        config = keras.saving.deserialize_keras_object(portable_compile_config(config))
        self.compile(**config)
        if hasattr(self, "optimizer") and self.built:
            self.optimizer.build(self.trainable_variables)

    def _sample(self, sampler, inputs, max_length):
        """Runs `sampler` (a sampler instance) on the encoded `inputs`."""
        if not self.built:
            self.build()
        memory, cell_states = self.encode(inputs, training=False)
        return sampler(
            self.decoder,
            memory,
            initial_state=cell_states,
            start_id=START_ID,
            end_id=END_ID,
            max_length=max_length,
        )
