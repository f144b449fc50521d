"""The environment check of notebook 00: versions, cores, GPU, mode and data, with advice."""

from __future__ import annotations

import importlib.metadata
import os
import sys
from dataclasses import dataclass

from course_lib import config

EXPECTED_VERSIONS = {"tensorflow": "2.21.", "keras": "3.", "numpy": "2.", "pillow": "13."}


@dataclass(frozen=True)
class Check:
    name: str
    value: str
    ok: bool
    advice: str = ""


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_environment() -> list[Check]:
    """Everything that decides whether the course runs as written, and what to do if not."""
    checks = [Check("Python", sys.version.split()[0], sys.version_info >= (3, 10),
                    "the course needs Python 3.10 or newer")]
    for package, prefix in EXPECTED_VERSIONS.items():
        found = _version(package)
        checks.append(Check(package, found or "missing", bool(found and found.startswith(prefix)),
                            f"expected {prefix}x: run `python3 course.py lab` from the course "
                            "folder, which installs the pinned versions into .venv"))
    cores = os.cpu_count() or 1
    checks.append(Check("CPU cores", str(cores), cores >= 2,
                        "one core works, but parallel rungs cannot beat serial ones"))
    gpus = _gpu_names()
    checks.append(Check("device", f"GPU ({len(gpus)}): {', '.join(gpus)}" if gpus else "CPU only",
                        True, "TensorFlow runs on the GPU; the timings in the notebooks are "
                        "this GPU's" if gpus else "no GPU: fine, the course is built for a "
                        "laptop CPU"))
    checks.append(Check("mode", config.mode_name(), True,
                        "quick mode shrinks data and epochs; unset COURSE_QUICK for full mode"
                        if config.quick_mode() else "full mode; set COURSE_QUICK=1 for a lecture"))
    checks.append(_data_check())
    return checks


def _gpu_names() -> list[str]:
    """The GPUs TensorFlow sees (loaded here, so that the one GPU probe can ask it)."""
    import tensorflow  # noqa: F401

    from course_lib.measure import machine

    return machine.gpu_names()


def _data_check() -> Check:
    from course_lib.mnist.data import DataFileError, load_mnist

    try:
        load_mnist()
    except DataFileError as error:
        return Check("data/mnist.npz", "problem", False, str(error))
    return Check("data/mnist.npz", "present, checksum verified", True)


def environment_table(checks: list[Check] | None = None):
    """The checks as a pandas DataFrame for display."""
    import pandas as pd

    checks = check_environment() if checks is None else checks
    return pd.DataFrame([{"check": c.name, "value": c.value, "ok": "yes" if c.ok else "NO",
                          "advice": "" if c.ok and c.name not in ("device", "mode")
                          else c.advice} for c in checks])
