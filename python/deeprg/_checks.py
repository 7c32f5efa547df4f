"""Checks of the Python-side arguments: a bad one raises deeprg.ConfigError naming its keyword,
as the library's own checks do."""
from . import _core

INT = (-2**31, 2**31 - 1)
UINT64 = (0, 2**64 - 1)


def config_error(key, message):
    """A deeprg.ConfigError for the keyword `key`."""
    error = _core.ConfigError(f"{key}: {message}")
    error.key = key
    return error


def whole(key, value, low, high):
    """`value` as an int from low to high, or a ConfigError naming `key`."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = None
    if number is None or isinstance(value, bool) or number != value or not low <= number <= high:
        raise config_error(key, f"expected a whole number from {low} to {high}, got {value!r}")
    return number


def progress_callback(progress):
    """The callable of a `progress` argument (True, False or a callable), or None."""
    if not (isinstance(progress, bool) or callable(progress)):
        raise config_error("progress", "expected True, False or a callable (stage, done, total), "
                           f"got {progress!r}")
    return progress if callable(progress) else None
