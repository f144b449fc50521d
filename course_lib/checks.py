"""Every argument check in the course, with one convention, so a learner's mistake reads the same
everywhere: a wrong *type* raises ``TypeError``, a wrong *value* raises ``ValueError``, and the
message starts with the argument's name and says what was expected and what came instead.

Checks run before TensorFlow sees anything: its own errors point deep inside a graph.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")
SEED_LIMIT = 2**31  # the stateless random generators take seeds in 0..2**31-1
# Refuse an allocation that would leave less than this share of the available memory free:
# the notebook kernel, TensorFlow and the browser need some too.
MEMORY_HEADROOM = 0.8
# Sizes below this fit any machine the course runs on. Asking the system what is free takes about
# 0.1 ms, as long as drawing a small batch of circles: timed code passes it as ``skip_below``.
ALWAYS_FITS_BYTES = 64 << 20


class MemoryNeedError(ValueError):
    """A size argument would need more memory than this machine has available."""


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _range_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" in {minimum}..{maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def check_int(name: str, value: object, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """``value`` as an int: TypeError unless it is an integer (bool is not), ValueError unless it
    lies in ``minimum..maximum`` (both inclusive, either may be None)."""
    if not _is_int(value):  # messages are built only on failure: checks run in timed code
        raise TypeError(f"{name}: expected an integer{_range_text(minimum, maximum)}, "
                        f"got {value!r} ({type(value).__name__})")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name}: expected an integer{_range_text(minimum, maximum)}, "
                         f"got {value!r}")
    return int(value)


def check_number(name: str, value: object, *, positive: bool = False,
                 maximum: float | None = None, below: float | None = None) -> float:
    """A finite real number >= 0 (> 0 with ``positive``; <= ``maximum``; < ``below``) as a
    float: TypeError for a non-number, ValueError for a value out of range, NaN or infinity."""
    def expected() -> str:
        kind = "a positive" if positive else "a non-negative"
        limit = (f" <= {maximum}" if maximum is not None else "") + \
            (f" and < {below}" if below is not None else "")
        return f"{name}: expected {kind} finite number{limit}"

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{expected()}, got {value!r} ({type(value).__name__})")
    if (not math.isfinite(value) or value < 0 or (positive and value == 0)
            or (maximum is not None and value > maximum)
            or (below is not None and value >= below)):
        raise ValueError(f"{expected()}, got {value!r}")
    return float(value)


def check_fraction(name: str, value: object, *, include_one: bool = False) -> float:
    """A share in [0, 1) (or [0, 1] with ``include_one``) as a float."""
    if include_one:
        return check_number(name, value, maximum=1.0)
    return check_number(name, value, below=1.0)


def check_seed(value: object, name: str = "seed") -> int:
    """A seed for the stateless generators: an integer in 0..2**31-1."""
    return check_int(name, value, minimum=0, maximum=SEED_LIMIT - 1)


def check_choice(name: str, value: T, choices: Collection[T]) -> T:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    try:
        known = value in choices
    except TypeError:  # an unhashable value cannot be a key of a dict of choices
        known = False
    if not known:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, "
                         f"got {value!r}")
    return value


def check_callable(name: str, value: object, what: str = "a callable") -> Callable[..., Any]:
    """``value`` if it can be called, else a TypeError saying what was expected."""
    if not callable(value):
        raise TypeError(f"{name}: expected {what}, got {type(value).__name__}")
    return value


def describe_array(value: object) -> str:
    """'float32 array of shape (2, 28, 28)' or the type name: what error messages say we got."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} array of shape {value.shape}"
    return type(value).__name__


def check_array(name: str, value: object, *, ndim: int | Collection[int] | None = None,
                dtypes: Collection[Any] | None = None, finite: bool = False,
                nonempty: bool = False) -> np.ndarray:
    """``value`` if it is a NumPy array with the given number of dimensions and dtype; with
    ``finite``, NaN or infinity is refused (a NaN pixel silently poisons a whole batch)."""
    if not isinstance(value, np.ndarray):
        raise TypeError(f"{name}: expected a NumPy array, got {describe_array(value)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if value.ndim not in allowed:
            dims = " or ".join(str(n) for n in allowed)
            raise ValueError(f"{name}: expected {dims} dimensions, got {describe_array(value)}")
    if dtypes is not None:
        allowed_dtypes = [np.dtype(d) for d in dtypes]
        if value.dtype not in allowed_dtypes:
            names = " or ".join(str(d) for d in allowed_dtypes)
            raise ValueError(f"{name}: expected dtype {names}, got {describe_array(value)}")
    if nonempty and value.size == 0:
        raise ValueError(f"{name}: expected at least one element, got {describe_array(value)}")
    if finite and np.issubdtype(value.dtype, np.inexact) and not np.isfinite(value).all():
        bad = int(np.size(value) - np.count_nonzero(np.isfinite(value)))
        raise ValueError(f"{name}: expected finite values, got {bad:,} NaN or infinite "
                         f"value{'s' if bad != 1 else ''}")
    return value


def format_bytes(nbytes: float) -> str:
    """Bytes in the largest unit that keeps the number >= 1: '512 B', '3.2 MB', '1.5 GB'."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes:.0f} B"


def available_memory() -> int:
    """Bytes of memory the operating system can give this process now."""
    import psutil

    return int(psutil.virtual_memory().available)


def check_fits_in_memory(name: str, nbytes: float, what: str, *,
                         available: int | None = None, skip_below: int = 0) -> None:
    """Refuse, before allocating, a size that could not fit: a ``MemoryNeedError`` (a
    ValueError) naming the argument, how much it would need and how much is available, instead
    of a bare MemoryError or a machine that swaps to a halt. Sizes up to ``skip_below`` bytes
    pass without asking the system; ``available`` (bytes) stands in for its figure in tests."""
    if nbytes <= skip_below:
        return
    if available is None:
        available = available_memory()
    if nbytes > MEMORY_HEADROOM * available:
        raise MemoryNeedError(
            f"{name}: {what} would need {format_bytes(nbytes)} of memory, but only "
            f"{format_bytes(available)} is available here; make {name} smaller")


def check_real(name: str, value: object) -> float:
    """A finite real number of either sign (a coordinate, an angle in degrees) as a float:
    TypeError for a non-number (bool is not one), ValueError for NaN or infinity."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a finite number, got {value!r} "
                        f"({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    return float(value)


def check_bool(name: str, value: object) -> bool:
    """``value`` if it is True or False (a switch), else a TypeError: 1, "yes" or None are not
    switches, and reading them as one hides a mistake."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {value!r} ({type(value).__name__})")
    return value


def check_distribution(name: str, value: object, *, atol: float = 1e-6) -> np.ndarray:
    """``value`` as a float64 probability vector: 1-D, finite, every entry >= 0, summing to 1
    (within ``atol``). A ValueError names the argument and says which of these fails."""
    array = check_array(name, value, ndim=1, finite=True, nonempty=True).astype(np.float64)
    if array.min() < 0 or not math.isclose(array.sum(), 1.0, abs_tol=atol):
        raise ValueError(f"{name}: expected probabilities >= 0 that sum to 1, got values from "
                         f"{array.min():.3g} to {array.max():.3g} summing to {array.sum():.6g}")
    return array
