"""Monotonic attention and coverage on `Seq2SeqTranslator`: hard decoding, the coverage loss."""

from keras import ops

import keras_attention.losses as losses_lib
from keras_attention.models import translator_layers as tl


class AttentionOptions:
    """Mixin of `Seq2SeqTranslator`: what its `monotonic_mode` and
    `coverage_loss_weight` arguments need beyond building the layers."""

    def with_monotonic_mode(self, mode):
        """A copy of this model whose monotonic attention runs in `mode`.

        Monotonic attention is trained in a soft mode (`"parallel"` or
        `"recursive"`, the expected alignment) and can decode with `"hard"`
        alignments (stop at the first position with energy > 0: one-hot
        weights, linear time, the online decoding of Raffel et al.). The
        mode changes no weight, so the copy shares the architecture and
        takes this model's weights (copied, not shared). Hard decoding
        matches soft training when the stopping probabilities are nearly 0
        or 1, which training with `sigmoid_noise` (e.g. 1) encourages.

        Args:
            mode: `"parallel"`, `"recursive"` or `"hard"`.

        Returns:
            A new `Seq2SeqTranslator` (not compiled).

        Example:

        >>> import numpy as np
        >>> from keras_attention.models import Seq2SeqTranslator
        >>> model = Seq2SeqTranslator(20, 20, embedding_dim=8, units=8,
        ...                           attention="bahdanau_monotonic")
        >>> model.build()
        >>> hard = model.with_monotonic_mode("hard")
        >>> hard.monotonic_mode, hard.decoder.cell.attention.mode
        ('hard', 'hard')
        >>> out = hard.generate(np.array([[5, 6, 7]]), max_length=4)
        >>> set(np.unique(out["attention"])) <= {0.0, 1.0}  # one-hot or zero rows
        True
        """
        if self.attention not in tl.MONOTONIC:
            raise ValueError(
                "with_monotonic_mode() needs monotonic attention "
                "('bahdanau_monotonic', 'luong_monotonic' or 'mocha'). Received a "
                f"model with attention={self.attention!r}"
            )
        config = dict(self.get_config(), monotonic_mode=mode)
        clone = type(self).from_config(config)
        if not self.built:
            self.build()
        clone.build()
        clone.set_weights(self.get_weights())
        return clone

    def _attention_losses(self, weights, target_ids):
        """The training losses on the alignments (coverage), or None."""
        if not self.coverage_loss_weight:
            return None
        mask = ops.not_equal(target_ids, 0)
        return self.coverage_loss_weight * losses_lib.coverage_loss(weights, mask)

    def _add_attention_losses(self, weights, target_ids):
        loss = self._attention_losses(weights, target_ids)
        if loss is not None:
            self.add_loss(loss)
