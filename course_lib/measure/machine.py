"""What this machine is, and how fast it can compute and move memory, measured here and now.

Speedups only mean something next to the machine they were measured on, and "how far from the
limit are we?" needs the limits: ``measure_limits`` finds the float32 matmul peak and the memory
bandwidth that this machine actually achieves, so a notebook can say "this kernel reaches 40% of
peak compute" instead of guessing from a spec sheet.
"""

from __future__ import annotations

import functools
import html
import platform
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from time import perf_counter
from types import ModuleType
from typing import Any

import numpy as np

from course_lib import config
from course_lib.checks import check_bool, check_number
from course_lib.measure.timing import fmt, materialise, time_call


def info() -> dict[str, Any]:
    """CPU, cores, memory, OS, Python and NumPy versions, and the device the work runs on.

    TensorFlow's and Keras's versions and TensorFlow's GPUs are added once the program has
    loaded TensorFlow: asking earlier would load it, seconds of start-up that timing NumPy code
    must not pay. A fresh copy each call, so a caller cannot spoil the cached one."""
    return dict(_info(_tensorflow() is not None))


@functools.cache
def _info(tensorflow_loaded: bool) -> dict[str, Any]:
    """``info`` cached per state: once TensorFlow is loaded, it is described from then on."""
    import psutil

    logical = psutil.cpu_count(logical=True) or 1
    found = {
        "cpu_model": cpu_model(),
        "physical_cores": psutil.cpu_count(logical=False) or logical,
        "logical_cores": logical,
        "memory_gb": round(psutil.virtual_memory().total / 1e9, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "device": "CPU",
    }
    if tensorflow_loaded:
        found.update(_versions())
        gpus = gpu_names()
        if gpus:
            found["device"] = "GPU: " + ", ".join(gpus)
    return found


def gpu_names() -> list[str]:
    """The GPUs TensorFlow can use, by name; empty without a GPU or before TensorFlow is loaded
    (this module never imports it: timing NumPy code must not cost a TensorFlow start-up)."""
    tf = _tensorflow()
    if tf is None:
        return []
    return [tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name)
            for gpu in tf.config.list_physical_devices("GPU")]


def _versions() -> dict[str, str]:
    """TensorFlow's and Keras's versions, for those of the two that are loaded."""
    return {name: sys.modules[name].__version__ for name in ("tensorflow", "keras")
            if name in sys.modules}


def describe(d: Mapping[str, Any] | None = None) -> str:
    """One line for a plot or table footer, e.g. 'AMD EPYC, 2 cores, 25 GB, Linux, ..., CPU'."""
    d = info() if d is None else d
    physical, logical = d.get("physical_cores"), d.get("logical_cores")
    cores = f"{physical} cores" if physical == logical else f"{physical} cores/{logical} threads"
    parts = [d.get("cpu_model"), cores, f"{d['memory_gb']:.0f} GB" if "memory_gb" in d else None,
             str(d.get("os", "")).split("-")[0], f"Python {d['python']}" if "python" in d else None,
             f"TF {d['tensorflow']}" if "tensorflow" in d else None, d.get("device")]
    return ", ".join(str(part) for part in parts if part)


def stamp(card: Mapping[str, Any]) -> dict[str, Any]:
    """A model card with where and when it was made (this machine, TF/Keras versions, date)."""
    import datetime

    if not isinstance(card, Mapping):
        raise TypeError(f"card: expected a dict, got {type(card).__name__}")
    return {**card, "machine": describe(), "versions": _versions(),
            "made": datetime.date.today().isoformat()}


@dataclass
class MachineLimits:
    """Measured ceilings: float32 matmul GFLOP/s and memory copy GB/s (10^9 bytes per second)."""

    matmul_gflops: float
    bandwidth_gbs: float
    details: dict[str, Any] = field(default_factory=dict)

    def share_of_compute(self, flops_per_s: float) -> float:
        """Fraction of the measured matmul peak reached at ``flops_per_s`` (0.25 = a quarter)."""
        return check_number("flops_per_s", flops_per_s) / (self.matmul_gflops * 1e9)

    def share_of_bandwidth(self, bytes_per_s: float) -> float:
        """Fraction of the measured copy bandwidth reached at ``bytes_per_s``."""
        return check_number("bytes_per_s", bytes_per_s) / (self.bandwidth_gbs * 1e9)

    def __str__(self) -> str:
        engine = self.details.get("engine", "?")
        return (f"Peak float32 matmul: {fmt(self.matmul_gflops)} GFLOP/s ({engine}); "
                f"memory bandwidth: {fmt(self.bandwidth_gbs)} GB/s (copy)")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>"


def measure_limits(quick: bool | None = None) -> MachineLimits:
    """Measure peak float32 matmul speed and memory bandwidth (once per process and mode, and
    once more if TensorFlow is loaded later).

    Compute: square float32 matmuls (n = 1024 quick, 2048 full) with NumPy and, once the program
    has imported it, TensorFlow; the faster engine's best time counts, at 2 n^3 FLOPs per matmul.
    Bandwidth: ``np.copyto`` between two float32 arrays (64 MiB quick, 256 MiB full), counting
    read + write = 2 x nbytes. A copy measures what software achieves, not the spec-sheet
    bandwidth (the hardware may also move extra cache lines), so real kernels can be judged by it.
    Quick mode takes a few seconds on 2 cores. ``quick=None`` follows ``COURSE_QUICK``.
    """
    quick = config.quick_mode() if quick is None else check_bool("quick", quick)
    return _measure_limits(quick, _tensorflow() is not None)


@functools.cache
def _measure_limits(quick: bool, tensorflow_loaded: bool) -> MachineLimits:
    """Measured once per mode, and again once TensorFlow is loaded (it may be the faster)."""
    start = perf_counter()
    n, copy_mib = (1024, 64) if quick else (2048, 256)
    repeats, target_s = (3, 0.02) if quick else (7, 0.1)
    engines = {"NumPy": _numpy_matmuls(n)}
    if tensorflow_loaded:
        engines["TensorFlow"] = _tensorflow_matmuls(sys.modules["tensorflow"], n)
    matmul_s = {name: _best_seconds(run, repeats, target_s) for name, run in engines.items()}
    engine = min(matmul_s, key=matmul_s.get)

    src = np.ones(copy_mib << 18, dtype=np.float32)  # 4 bytes each: copy_mib MiB
    dst = np.zeros_like(src)

    def copies(k: int) -> np.ndarray:
        for _ in range(k):
            np.copyto(dst, src)
        return dst

    copy_s = _best_seconds(copies, repeats, target_s)
    return MachineLimits(
        matmul_gflops=2 * n**3 / matmul_s[engine] / 1e9,
        bandwidth_gbs=2 * src.nbytes / copy_s / 1e9,
        details={"engine": engine, "matmul_n": n, "matmul_s": matmul_s, "copy_mib": copy_mib,
                 "copy_s": copy_s, "repeats": repeats, "mode": "quick" if quick else "full",
                 "measure_s": perf_counter() - start})


def _best_seconds(run: Callable[[int], Any], repeats: int, target_s: float) -> float:
    """Best seconds per operation, where ``run(k)`` does k operations and returns one result.

    Only the last result is materialised, so an asynchronous engine (TensorFlow on a GPU) is
    timed by throughput, not by k round trips. k doubles until one timing lasts ``target_s``.
    """
    materialise(run(1))  # warm-up: first-call set-up and page faults are not the limit
    k = 1
    while time_call(lambda: run(k)) < target_s and k < 1 << 16:
        k *= 2
    return min(time_call(lambda: run(k)) for _ in range(repeats)) / k


def _numpy_matmuls(n: int) -> Callable[[int], np.ndarray]:
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
    out = np.empty_like(a)

    def run(k: int) -> np.ndarray:
        for _ in range(k):
            np.matmul(a, b, out=out)
        return out

    return run


def _tensorflow_matmuls(tf: ModuleType, n: int) -> Callable[[int], Any]:
    a, b = (tf.random.normal((n, n), seed=seed) for seed in (1, 2))

    def run(k: int) -> Any:
        for _ in range(k):
            out = tf.linalg.matmul(a, b)
        return tf.reduce_sum(out)  # a scalar to read back, not an n x n copy

    return run


def _tensorflow() -> ModuleType | None:
    """TensorFlow if the program has loaded it, else None: never imported from here."""
    return sys.modules.get("tensorflow")


def cpu_flags() -> set[str]:
    """The CPU's instruction-set flags (avx2, avx512_vnni, ...), empty where they can't be read."""
    return set(_cpu_info().get("flags", []))


def cpu_model() -> str:
    """The CPU's brand name, or what the platform says, or 'unknown CPU'."""
    return _cpu_info().get("brand_raw") or platform.processor() or "unknown CPU"


@functools.cache
def _cpu_info() -> dict[str, Any]:
    try:
        import cpuinfo

        return cpuinfo.get_cpu_info()
    except Exception:  # py-cpuinfo probes the OS in many ways; any failure means "unknown here"
        return {}
