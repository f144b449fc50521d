"""MNIST from the course's own ``data/`` folder: same layout as ``keras.datasets.mnist``.

``keras.datasets.mnist.load_data()`` downloads, which fails in an offline classroom, so the
course ships the file and checks its hash before use.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from course_lib import config
from course_lib.files import sha256_of

NUM_CLASSES = 10  # digits 0..9: the one place the class count is written
IMAGE_SHAPE = (28, 28)
MNIST_SHA256 = "06af5dfe73b70e3bc1c36439982b18a8d76803db9b544f6fdf838a37fbb01b64"
MNIST_KEYS = ("x_train", "y_train", "x_test", "y_test")
RESTORE_HINT = ("Restore it with `git checkout -- data/mnist.npz` in your clone of the course, "
                "or copy data/mnist.npz from a fresh clone.")

MnistSplits = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class DataFileError(RuntimeError):
    """A data file the course ships is missing or is not the expected file."""


def mnist_path() -> Path:
    return config.DATA_DIR / "mnist.npz"


def load_mnist(path: str | os.PathLike | None = None) -> MnistSplits:
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays, checksum-verified."""
    path = Path(path) if path is not None else mnist_path()
    (x_train, y_train), (x_test, y_test) = _load_verified(path.resolve())
    # Copies, so a learner may edit them without changing the cached originals.
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


@functools.lru_cache(maxsize=2)
def _load_verified(path: Path) -> MnistSplits:
    if not path.is_file():
        raise DataFileError(f"MNIST file {path} is missing. {RESTORE_HINT}")
    actual = sha256_of(path)
    if actual != MNIST_SHA256:
        raise DataFileError(f"MNIST file {path} is corrupted or not the course's copy: sha256 "
                            f"{actual}, expected {MNIST_SHA256}. {RESTORE_HINT}")
    with np.load(path) as archive:  # the hash pins keys, shapes and dtypes too
        arrays = {key: archive[key] for key in MNIST_KEYS}
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
