"""Quick mode, project paths and seeds: the settings every notebook reads.

Quick mode (``COURSE_QUICK=1``) shrinks data, epochs and repeats so the test suite and a live
lecture finish in minutes; it still computes real results that the notebooks check.
"""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TypeVar

import numpy as np

from course_lib.checks import check_int

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
CACHE_DIR = Path(os.environ.get("COURSE_CACHE_DIR", ROOT / ".cache"))
RESULTS_DIR = Path(os.environ.get("COURSE_RESULTS_DIR", ROOT / "results"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def quick_mode() -> bool:
    """True when ``COURSE_QUICK`` is set to 1/true/yes/on (the test suite sets it)."""
    value = os.environ.get("COURSE_QUICK", "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"COURSE_QUICK: expected 1 or 0 (or true/false), got {value!r}")


def pick(quick: T, full: T) -> T:
    """Choose a setting by mode, e.g. ``epochs = pick(quick=1, full=10)``."""
    return quick if quick_mode() else full


def set_seed(seed: int = 42) -> int:
    """Seed Python, NumPy and (if imported) TensorFlow/Keras, so a rerun tells the same story.

    ``seed`` is an integer in 0..2**32-1, what NumPy accepts."""
    check_int("seed", seed, minimum=0, maximum=2**32 - 1)
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras
        keras.utils.set_random_seed(seed)
    return seed


def mode_name() -> str:
    """'quick' or 'full', as results and tables record the mode they were measured in."""
    return "quick" if quick_mode() else "full"
