"""Auxiliary losses on attention alignments: coverage and doubly stochastic.

Both take the alignments a decoder returns, `(B, T, S)` (`AttentionDecoder`,
`Seq2SeqTranslator(..., return_attention_scores=True)`), and return a
scalar to add to the training loss (`model.add_loss`, or a custom
`compute_loss`). They are written with `keras.ops` only.
"""

from keras import ops


def _target_mask(alignments, mask):
    if mask is None:
        return ops.ones(ops.shape(alignments)[:2], "float32")
    return ops.cast(mask, "float32")


def coverage_loss(alignments, mask=None):
    """The coverage loss of See et al. (2017): `Σ_t Σ_j min(α_tj, c_tj)`.

    `c_t = Σ_{t' < t} α_t'` is the coverage before step `t`, the attention
    already paid to each source position. The loss penalises attending
    again to what is already covered (repetition in summaries and
    translations); it is 0 when no position is attended twice. As in the
    paper (where it is added to each step's negative log-likelihood), the
    sum is divided by the number of real target steps: the result is the
    mean per decoder step, on the scale of the token cross-entropy.

    Args:
        alignments: float `(B, T, S)`, the attention weights of each decoder
            step.
        mask: optional boolean `(B, T)` of real target steps; padded steps
            add nothing (neither to the loss nor to the coverage).

    Returns:
        A float32 scalar.

    Example:

    >>> import numpy as np
    >>> from keras_attention.losses import coverage_loss
    >>> a = np.array([[[0.9, 0.1, 0.0],    # step 1: nothing covered yet
    ...                [0.5, 0.5, 0.0]]],  # step 2: min(.5, .9) + min(.5, .1)
    ...              "float32")
    >>> round(float(coverage_loss(a)), 4)  # (0 + 0.6) / 2 steps
    0.3

    Reference:
        - [See et al., 2017](https://arxiv.org/abs/1704.04368), eq. 12–13
    """
    alignments = ops.cast(alignments, "float32")
    steps = _target_mask(alignments, mask)
    alignments = alignments * ops.expand_dims(steps, -1)
    coverage = ops.cumsum(alignments, axis=1) - alignments  # exclusive: c before t
    per_step = ops.sum(ops.minimum(alignments, coverage), axis=-1)  # (B, T)
    return ops.sum(per_step) / ops.maximum(ops.sum(steps), 1.0)


def doubly_stochastic_loss(alignments, mask=None, source_mask=None):
    """The doubly stochastic attention penalty: `Σ_j (1 − Σ_t α_tj)²`.

    Show, Attend and Tell (Xu et al., 2015, eq. 14) asks every source
    position (image region) to receive, summed over the output steps, a
    total attention of about 1, so that the decoder looks at every part of
    the input. The penalty is summed over the source positions of each
    example and averaged over the batch; multiply it by the paper's `λ`.

    Args:
        alignments: float `(B, T, S)`.
        mask: optional boolean `(B, T)` of real target steps (padded steps'
            weights are not counted).
        source_mask: optional boolean `(B, S)` of real source positions
            (padded positions are not asked for attention).

    Returns:
        A float32 scalar.

    Example:

    >>> import numpy as np
    >>> from keras_attention.losses import doubly_stochastic_loss
    >>> a = np.array([[[0.5, 0.5, 0.0],
    ...                [0.5, 0.5, 0.0]]], "float32")  # position 2 never seen
    >>> float(doubly_stochastic_loss(a))  # 0² + 0² + 1²
    1.0
    >>> float(doubly_stochastic_loss(a, source_mask=np.array([[1, 1, 0]], bool)))
    0.0

    Reference:
        - [Xu et al., 2015](https://arxiv.org/abs/1502.03044), §4.2.1
    """
    alignments = ops.cast(alignments, "float32")
    steps = _target_mask(alignments, mask)
    total = ops.sum(alignments * ops.expand_dims(steps, -1), axis=1)  # (B, S)
    penalty = ops.square(1.0 - total)
    if source_mask is not None:
        penalty = penalty * ops.cast(source_mask, "float32")
    return ops.mean(ops.sum(penalty, axis=-1))
