"""Gaps in a time index: windows never cross them."""

import numpy as np
import pandas as pd

from keras_attention.utils.validation import validate_choice


def find_time_gaps(index):
    """Positions `i` where row `i` follows a gap in a `DatetimeIndex`.

    A gap is a step longer than 1.5 times the median step. Returns `[]` for
    any other index.

    Example:

    >>> import pandas as pd
    >>> from keras_attention.data import timeseries as ts
    >>> index = pd.DatetimeIndex(["2012-03-13 11:45", "2012-03-13 12:00",
    ...                           "2012-03-13 12:15", "2012-03-13 14:00",
    ...                           "2012-03-13 14:15"])
    >>> ts.find_time_gaps(index)  # row 3 follows a gap of 1 h 45 min
    [3]
    """
    if not isinstance(index, pd.DatetimeIndex) or len(index) < 3:
        return []
    steps = np.diff(index.asi8)
    median = np.median(steps)
    return [int(i) + 1 for i in np.nonzero(steps > 1.5 * median)[0]]


def window_starts(start, stop, breaks, span, lead):
    """First target rows τ of the windows inside [start, stop) minus breaks.

    `lead` rows of inputs come before τ and the window spans `span` rows.
    """
    edges = [start] + [b for b in breaks if start < b < stop] + [stop]
    taus = []
    for a, b in zip(edges[:-1], edges[1:]):
        first, last = a + lead, b - (span - lead)
        if last >= first:
            taus.append(np.arange(first, last + 1))
    return np.concatenate(taus) if taus else np.zeros((0,), dtype=int)


def breaks_of(breaks, index, num_rows):
    """The row positions where a new contiguous piece starts (`make_windows`' `breaks`)."""
    if breaks is None:
        return []
    if isinstance(breaks, str):
        validate_choice("breaks", breaks, ("auto",))
        return find_time_gaps(index)
    out = sorted(int(b) for b in breaks)
    if any(b <= 0 or b >= num_rows for b in out):
        raise ValueError(
            f"`breaks` must be row positions in 1 … {num_rows - 1}. Received: {out}"
        )
    return out
