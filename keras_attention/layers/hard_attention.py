"""Stochastic hard attention (Show, Attend and Tell), trained with REINFORCE."""

import keras
from keras import ops

from keras_attention.layers import attention_utils
from keras_attention.layers.bahdanau_attention import BahdanauAttention

_NEG = -1e9


@keras.saving.register_keras_serializable(package="keras_attention")
class HardAttention(BahdanauAttention):
    """Hard attention: one memory position, sampled from the additive attention.

    The "stochastic hard attention" of Xu et al. (2015). The scores are
    Bahdanau's, `e_j = vᵀ tanh(W_q q + W_k k_j + b)`, and
    `α = softmax(e)` is a distribution over the memory positions (image
    locations), but the context is one position's value, not the
    `α`-weighted mean:

    - in training, a location `s ~ Multinoulli(α)` is sampled (Gumbel-max,
      with the layer's seed generator, so it runs inside the decoder's
      loops on every backend) and the context is `value[s]`;
    - at inference (`training=False`), the arg-max location: the context is
      `value[argmax α]` and the weights are its one-hot (as
      `probability_fn="hardmax"`).

    The sample has no gradient. The layer makes the REINFORCE gradient of
    the paper available through the weights it returns in training: their
    *values* are the one-hot sample `s`, and their *gradient* carries the
    score function, `w_j = s_j · exp(log α_j − ⊥log α_j) + (1 − s_j) ·
    (H(α) − ⊥H(α)) / (n − 1)` (`⊥` stops the gradient, `H` is the entropy
    of `α`, `n` the number of unmasked positions). With `s = ⊥w`:

    - `Σ_j s_j w_j` has the value 1 and the gradient `∇ log α_s`, the score
      function of the sampled location;
    - `Σ_j (1 − s_j) w_j` has the value 0 and the gradient `∇ H(α)`.

    A model turns them into the paper's update
    `λ_r (R − b) ∇ log p(s) + λ_e ∇ H` (reward `R`, the log-likelihood of
    the caption; `b` a moving-average baseline) without knowing `α`; see
    `keras_attention.models.ImageCaptioner(attention="hard")`.

    Args:
        units: positive integer, size of the hidden layer of the score.
        seed: integer seed of the location samples.
        **kwargs: the score's `use_bias`, `normalize`, initializers and
            regularizers, as `BahdanauAttention` (not `probability_fn`,
            `dropout` or `use_coverage`), and the base `Layer` arguments.

    Call arguments:
        query, value, key, query_mask, return_attention_scores: as
            `BahdanauAttention`.
        value_mask: optional boolean `(B, S)`; masked positions are never
            chosen.
        training: Python boolean: sample (True) or take the arg-max.

    Returns:
        The context `(B, [Tq,] value_dim)` (one position's value), and with
        `return_attention_scores=True` the weights `(B, [Tq,] S)`: one-hot
        values (with the gradient described above in training).

    Example:

    >>> import numpy as np
    >>> from keras_attention.layers import HardAttention
    >>> layer = HardAttention(units=8, seed=0)
    >>> query = np.ones((2, 4), "float32")
    >>> value = np.arange(2 * 5 * 3, dtype="float32").reshape(2, 5, 3)
    >>> context, weights = layer(query, value, return_attention_scores=True)
    >>> weights = np.asarray(weights)
    >>> weights.sum(axis=-1).tolist()  # one location per example
    [1.0, 1.0]
    >>> position = weights[0].argmax()
    >>> np.asarray(context)[0].tolist() == value[0, position].tolist()
    True
    >>> sampled = np.asarray(layer(query, value, return_attention_scores=True,
    ...                            training=True)[1])
    >>> sorted(set(sampled.ravel().tolist()))  # a sampled one-hot in training
    [0.0, 1.0]

    Reference:
        - [Xu et al., 2015](https://arxiv.org/abs/1502.03044), §4.1
        - [Williams, 1992](https://doi.org/10.1007/BF00992696) (REINFORCE)
        - [Foerster et al., 2018](https://arxiv.org/abs/1802.05098) (the
          score function carried by a value-1 factor, "DiCE")
    """

    def __init__(self, units, *, seed=None, **kwargs):
        for name in ("probability_fn", "dropout", "use_coverage"):
            if name in kwargs:
                raise ValueError(
                    f"HardAttention has no `{name}` argument: it samples one "
                    "location in training and takes the arg-max at inference. "
                    f"Received: {name}={kwargs[name]!r}"
                )
        super().__init__(units, seed=seed, probability_fn="hardmax", **kwargs)
        self.seed_generator = keras.random.SeedGenerator(seed)

    def _attend(self, query, value, keys, mask, positions, training, state):
        if not training:
            return super()._attend(query, value, keys, mask, positions, training, state)
        scores = ops.cast(self._scores(query, keys), "float32")  # (B, Tq, S)
        if mask is not None:
            scores = ops.where(mask, scores, _NEG)
        log_alpha = ops.log_softmax(scores, axis=-1)
        alpha = ops.exp(log_alpha)
        noise = keras.random.uniform(
            ops.shape(scores), minval=1e-6, maxval=1.0, seed=self.seed_generator
        )
        gumbel = -ops.log(-ops.log(noise))
        # Gumbel-max: arg-max of log α + g is a sample of α (masked
        # positions, at -1e9, are never drawn).
        sample = ops.stop_gradient(
            attention_utils.hardmax(log_alpha + gumbel, mask, "float32")
        )
        plogp = alpha * log_alpha
        if mask is not None:
            plogp = ops.where(mask, plogp, 0.0)
        entropy = -ops.sum(plogp, axis=-1, keepdims=True)
        if mask is None:
            count = ops.cast(ops.shape(scores)[-1], "float32")
        else:
            count = ops.sum(
                ops.cast(ops.broadcast_to(mask, ops.shape(scores)), "float32"),
                axis=-1, keepdims=True,
            )
        others = ops.maximum(count - 1.0, 1.0)
        score_function = ops.exp(log_alpha - ops.stop_gradient(log_alpha))  # value 1
        entropy_gradient = (entropy - ops.stop_gradient(entropy)) / others  # value 0
        weights = sample * score_function + (1.0 - sample) * entropy_gradient
        if mask is not None:
            weights = ops.where(mask, weights, 0.0)
        context = ops.matmul(ops.cast(sample, value.dtype), value)
        return context, ops.cast(weights, self.compute_dtype), None

    def get_config(self):
        config = super().get_config()
        for name in ("probability_fn", "dropout", "use_coverage"):
            config.pop(name, None)
        return config
