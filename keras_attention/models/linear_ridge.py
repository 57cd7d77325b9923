"""The grouped-ridge machinery of `keras_attention.models.linear_part`.

Helpers of `fit_grouped_ridge` (which stays in `linear_part`, with the
penalty grids and `SEARCH_MARGIN` it reads): the held-out split, the
centered normal equations per column set, the held-out RMSE per penalty
tuple, the coordinate search over the grids, and the checks of the
per-column arguments.
"""

import numpy as np


def _holdout_split(design, target, holdout):
    if holdout is None:
        cut = int(round(0.8 * len(design)))
        return design[:cut], target[:cut], design[cut:], target[cut:]
    val_a = np.asarray(holdout[0], dtype="float64")
    val_y = np.asarray(holdout[1], dtype="float64").reshape(len(val_a), -1)
    return design, target, val_a, val_y


class _Systems:
    """Centered normal equations per column set, solved for given penalties."""

    def __init__(self, design, target, is_level, roughness, is_own):
        self.design, self.target = design, target
        self.is_level, self.roughness, self.is_own = is_level, roughness, is_own
        self._cache = {}

    def keep(self, level_l2):
        if np.isinf(level_l2):
            return ~self.is_level
        return np.ones(self.design.shape[1], dtype=bool)

    def system(self, level_l2):
        key = bool(np.isinf(level_l2))
        if key not in self._cache:
            self._cache[key] = _centered_system(self.design[:, self.keep(level_l2)], self.target)
        return self._cache[key]

    def solve(self, l2, level_l2, smooth_l2, own_l2, column=None):
        keep = self.keep(level_l2)
        gram, cross, mean_a, mean_y = self.system(level_l2)
        if column is not None:
            cross, mean_y = cross[:, column : column + 1], mean_y[column : column + 1]
        penalty = np.diag(np.where(
            self.is_level[keep], level_l2, np.where(self.is_own[keep], own_l2, l2)))
        if smooth_l2:
            penalty = penalty + smooth_l2 * self.roughness[np.ix_(keep, keep)]
        if not penalty.any():
            # Plain least squares, also for a rank-deficient design (e.g. a
            # constant series): the minimum-norm solution, from the centered
            # design itself (better conditioned than the normal equations).
            target = self.target if column is None else self.target[:, column : column + 1]
            sol = np.linalg.lstsq(
                self.design[:, keep] - mean_a, target - mean_y, rcond=None
            )[0]
        else:
            sol = np.linalg.solve(gram + penalty, cross)
        return keep, sol, mean_a, mean_y


def _naive_columns(naive, horizon):
    """`naive` as one boolean per column (all False for `True`: the search
    decides, or `False`: never)."""
    if isinstance(naive, bool):
        return [False] * horizon
    values = list(naive) if isinstance(naive, (list, tuple)) else None
    if values is None or len(values) != horizon or any(
        not isinstance(v, (bool, np.bool_)) for v in values
    ):
        raise ValueError(
            "`naive` must be True, False or a list of one boolean per target column "
            f"({horizon}). Received: naive={naive!r}"
        )
    return [bool(v) for v in values]


def _per_column(name, value, horizon):
    """`None`, or one float per target column."""
    if value is None:
        return None
    values = [value] * horizon if np.ndim(value) == 0 else list(value)
    if len(values) != horizon or any(
        isinstance(v, bool) or not isinstance(v, (int, float, np.floating)) or v < 0
        for v in values
    ):
        raise ValueError(
            f"`{name}` must be a non-negative number or a list of one per horizon step "
            f"({horizon}). Received: {name}={value!r}"
        )
    return [float(v) for v in values]


class _HoldoutError:
    """Held-out RMSE of one target column's fit, per penalty triple (cached)."""

    def __init__(self, systems, val_a, val_y, column):
        self.systems, self.val_a, self.val_y, self.column = systems, val_a, val_y, column
        self._cache = {}

    def __call__(self, params):
        if params not in self._cache:
            keep, sol, mean_a, mean_y = self.systems.solve(*params, column=self.column)
            pred = (self.val_a[:, keep] - mean_a) @ sol + mean_y
            self._cache[params] = float(np.sqrt(np.mean((pred - self.val_y) ** 2)))
        return self._cache[params]


def _coordinate_search(error, grids, rounds=6):
    def start(grid, value):
        return min(grid, key=lambda v: abs(np.log10(v) - np.log10(value)) if v > 0 else np.inf) \
            if value > 0 and any(v > 0 for v in grid) else grid[0]

    current = tuple(start(g, v) for g, v in zip(grids, (1.0, 1.0, 0.0, 1.0), strict=True))
    for _ in range(rounds):
        previous = current
        for axis, grid in enumerate(grids):
            if len(grid) == 1:
                continue
            candidates = [current[:axis] + (v,) + current[axis + 1 :] for v in grid]
            # Ties keep the current value (then the first in grid order).
            current = min(candidates, key=lambda c: (error(c), c != current))
        if current == previous:
            break
    return current


def _centered_system(a, target):
    mean_a, mean_y = a.mean(axis=0), target.mean(axis=0)
    ac, yc = a - mean_a, target - mean_y
    return ac.T @ ac, ac.T @ yc, mean_a, mean_y
