"""Plain numpy loops of the monotonic-attention formulas (test references).

Written from the papers' equations, independently of the layers' vectorised
code: double sums instead of cumulative products, and the inference-time
algorithm (a pointer that walks right) for the hard mode.
"""

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def monotonic_soft(p, previous):
    """Raffel et al. (2017), eq. 12 as a double sum, for one row.

    a_j = p_j * sum_{k<=j} previous_k * prod_{l=k}^{j-1} (1 - p_l)
    """
    p = np.asarray(p, "float64")
    previous = np.asarray(previous, "float64")
    out = np.zeros_like(p)
    for j in range(len(p)):
        total = 0.0
        for k in range(j + 1):
            stay = 1.0
            for m in range(k, j):
                stay *= 1.0 - p[m]
            total += previous[k] * stay
        out[j] = p[j] * total
    return out


def monotonic_hard(p, previous):
    """The test-time algorithm (Raffel et al., 2017, Algorithm 1), one row.

    Start at the previous attended position; walk right until p_j >= 0.5;
    attend there (one-hot), or attend nothing if the end is reached.
    """
    out = np.zeros(len(p))
    nonzero = np.flatnonzero(np.asarray(previous) > 0)
    if len(nonzero) == 0:
        return out
    for j in range(nonzero[0], len(p)):
        if p[j] >= 0.5:
            out[j] = 1.0
            break
    return out


def monotonic_rows(p, previous, mode):
    """Applies the row reference to every row of `(..., S)` arrays."""
    p = np.asarray(p)
    previous = np.broadcast_to(previous, p.shape)
    fn = monotonic_hard if mode == "hard" else monotonic_soft
    flat_p = p.reshape(-1, p.shape[-1])
    flat_prev = previous.reshape(-1, p.shape[-1])
    return np.stack([fn(a, b) for a, b in zip(flat_p, flat_prev)]).reshape(p.shape)


def over_steps(p, mode, previous=None):
    """Runs the recurrence over decoder steps: p `(B, T, S)` -> `(B, T, S)`."""
    b, t, s = p.shape
    if previous is None:
        previous = np.zeros((b, s))
        previous[:, 0] = 1.0
    out = np.zeros((b, t, s))
    for i in range(t):
        previous = monotonic_rows(p[:, i], previous, mode)
        out[:, i] = previous
    return out


def chunkwise(alignment, energy, chunk_size, mask=None):
    """Chiu & Raffel (2018), eq. 17, one row, as written:

    b_j = sum_{k=j}^{j+w-1} a_k exp(u_j) / sum_{l=k-w+1}^{k} exp(u_l)

    with positions outside the memory or masked left out of the sums.
    """
    s = len(alignment)
    valid = np.ones(s, bool) if mask is None else np.asarray(mask, bool)
    out = np.zeros(s)
    for j in range(s):
        if not valid[j]:
            continue
        for k in range(j, min(j + chunk_size, s)):
            window = [m for m in range(k - chunk_size + 1, k + 1) if m >= 0 and valid[m]]
            top = max(energy[m] for m in window)
            denominator = sum(np.exp(energy[m] - top) for m in window)
            out[j] += alignment[k] * np.exp(energy[j] - top) / denominator
    return out


def bahdanau_energy(query, value, wq, wk, v, b, r):
    """`vᵀ tanh(W_q q + W_k h + b) + r`, query `(B, T, dq)`, value `(B, S, dk)`."""
    hidden = np.tanh((query @ wq)[:, :, None, :] + (value @ wk)[:, None, :, :] + b)
    return hidden @ v + r
