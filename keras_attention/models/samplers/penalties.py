"""GNMT length and coverage penalties of beam search (Wu et al., 2016, §7)."""

from keras import ops


def length_penalty(lengths, alpha):
    """GNMT length penalty `lp(Y) = ((5 + |Y|) / 6) ** alpha` (Wu et al., 2016).

    Args:
        lengths: integer tensor of hypothesis lengths `|Y|`.
        alpha: float `>= 0`; 0 gives 1 (no penalty).

    Returns:
        A float32 tensor shaped like `lengths`.

    Example:

    >>> from keras_attention.models.samplers import length_penalty
    >>> round(float(length_penalty(7, 0.6)), 4)  # (12 / 6) ** 0.6
    1.5157
    """
    lengths = ops.cast(lengths, "float32")
    return ops.power((5.0 + lengths) / 6.0, alpha)


def coverage_penalty(coverage, memory_mask, beta):
    """GNMT coverage penalty `β Σ_j log(min(Σ_i α_ij, 1))` over real positions.

    `coverage` holds `Σ_i α_ij`, `(..., S)`; padded positions (mask False)
    add nothing; coverage is floored at 1e-10 so that an unattended
    position costs `β · log(1e-10)` instead of −∞.

    Args:
        coverage: float tensor `(..., S)`, attention summed over the output
            steps.
        memory_mask: optional boolean `(..., S)`, `False` for padding.
        beta: float `>= 0`.

    Returns:
        A float tensor `(...)`, `<= 0`.

    Example:

    >>> import numpy as np
    >>> from keras_attention.models.samplers import coverage_penalty
    >>> coverage = np.array([[0.5, 1.5, 1.0]], "float32")
    >>> np.asarray(coverage_penalty(coverage, None, 1.0)).round(4)  # log(0.5)
    array([-0.6931], dtype=float32)
    >>> mask = np.array([[False, True, True]])
    >>> np.asarray(coverage_penalty(coverage, mask, 1.0)).round(4)
    array([0.], dtype=float32)
    """
    penalty = ops.log(ops.minimum(ops.maximum(coverage, 1e-10), 1.0))
    if memory_mask is not None:
        penalty = ops.where(memory_mask, penalty, 0.0)
    return beta * ops.sum(penalty, axis=-1)

