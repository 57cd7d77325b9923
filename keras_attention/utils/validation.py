"""Argument checks with Keras-style messages, shared across the package.

Each `validate_*` returns the (normalised) value or raises `ValueError`
naming the argument and showing the received value, e.g. "`units` must be
a positive integer. Received: units=0". The module imports only the
standard library, so configuration dataclasses and the command line can use
it without importing Keras.
"""

import math
import numbers


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def validate_positive_int(name, value, allow_none=False):
    """An integer >= 1 (NumPy integers included), as `int`.

    Example:

    >>> validate_positive_int("units", 8)
    8
    >>> validate_positive_int("units", 0)
    Traceback (most recent call last):
    ...
    ValueError: `units` must be a positive integer. Received: units=0
    """
    if value is None and allow_none:
        return None
    if not _is_int(value) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    return int(value)


def validate_non_negative_int(name, value, allow_none=False):
    """An integer >= 0, as `int`.

    Example:

    >>> validate_non_negative_int("seed", 0)
    0
    >>> validate_non_negative_int("seed", -1)
    Traceback (most recent call last):
    ...
    ValueError: `seed` must be a non-negative integer. Received: seed=-1
    """
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < 0:
        raise ValueError(
            f"`{name}` must be a non-negative integer. Received: {name}={value!r}"
        )
    return int(value)


def validate_positive_float(name, value, allow_none=False):
    """A finite number > 0, as `float`.

    Example:

    >>> validate_positive_float("learning_rate", 1e-3)
    0.001
    >>> validate_positive_float("learning_rate", 0)
    Traceback (most recent call last):
    ...
    ValueError: `learning_rate` must be a positive number. Received: learning_rate=0
    """
    if value is None and allow_none:
        return None
    if not _is_number(value) or not (value > 0 and math.isfinite(value)):
        raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
    return float(value)


def validate_non_negative_float(name, value):
    """A finite number >= 0 (a penalty, a loss weight), as `float`.

    Example:

    >>> validate_non_negative_float("length_penalty", 0.6)
    0.6
    >>> validate_non_negative_float("length_penalty", float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: `length_penalty` must be a number >= 0. Received: length_penalty=nan
    """
    if not _is_number(value) or not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"`{name}` must be a number >= 0. Received: {name}={value!r}")
    return float(value)


def validate_rate(name, value):
    """A number in [0, 1) (a dropout rate, a fraction), as `float`.

    Example:

    >>> validate_rate("dropout", 0.1)
    0.1
    >>> validate_rate("dropout", 1.0)
    Traceback (most recent call last):
    ...
    ValueError: `dropout` must be a float in [0, 1). Received: dropout=1.0
    """
    if not _is_number(value) or not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be a float in [0, 1). Received: {name}={value!r}")
    return float(value)


def validate_choice(name, value, choices):
    """One of `choices`.

    Example:

    >>> validate_choice("protocol", "nowcast", ("nowcast", "forecast"))
    'nowcast'
    >>> validate_choice("protocol", "now", ("nowcast", "forecast"))
    Traceback (most recent call last):
    ...
    ValueError: `protocol` must be one of 'nowcast', 'forecast'. Received: protocol='now'
    """
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {', '.join(repr(c) for c in choices)}. "
            f"Received: {name}={value!r}"
        )
    return value
