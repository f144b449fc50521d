"""What this machine is, and how fast it can compute and move memory, measured here and now.

Speedups only mean something next to the machine they were measured on, and "how far from the
limit are we?" needs the limits: ``measure_limits`` finds the float32 matmul peak and the memory
read and copy bandwidth that this machine actually achieves with all its cores, so a notebook can
say "this kernel reaches 40% of peak compute" instead of guessing from a spec sheet.
"""

from __future__ import annotations

import functools
import glob
import html
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from time import perf_counter
from types import ModuleType
from typing import Any

import numpy as np

from course_lib import config
from course_lib.checks import check_bool, check_fits_in_memory, check_number
from course_lib.measure.timing import fmt, materialise, time_call

# Where sysfs cannot say, the cache assumed: more than most laptop CPUs have, so the bandwidth
# array still outgrows it (32 MiB is also one AMD Zen 3 or Zen 4 core complex's L3).
ASSUMED_CACHE_BYTES = 32 << 20


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
    """Measured ceilings, every core at work: float32 matmul GFLOP/s, memory *read* GB/s
    (``bandwidth_gbs``: what streaming weights needs) and memory copy GB/s (``copy_gbs``: bytes
    read plus bytes written). GB = 10^9 bytes. ``details`` keeps every time and size used, and
    the one-thread figures next to the all-thread ones."""

    matmul_gflops: float
    bandwidth_gbs: float
    copy_gbs: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def share_of_compute(self, flops_per_s: float) -> float:
        """Fraction of the measured matmul peak reached at ``flops_per_s`` (0.25 = a quarter)."""
        return check_number("flops_per_s", flops_per_s) / (self.matmul_gflops * 1e9)

    def share_of_bandwidth(self, bytes_per_s: float) -> float:
        """Fraction of the measured all-core read bandwidth reached at ``bytes_per_s``."""
        return check_number("bytes_per_s", bytes_per_s) / (self.bandwidth_gbs * 1e9)

    def __str__(self) -> str:
        engine = self.details.get("engine", "?")
        threads = self.details.get("threads")
        cores = f", {threads} thread{'s' if threads != 1 else ''}" if threads else ""
        copy = f", copy {fmt(self.copy_gbs)} GB/s" if self.copy_gbs else ""
        return (f"Peak float32 matmul: {fmt(self.matmul_gflops)} GFLOP/s ({engine}); "
                f"memory read {fmt(self.bandwidth_gbs)} GB/s{copy} (all cores{cores})")

    def _repr_html_(self) -> str:
        return f"<p>{html.escape(str(self))}</p>"


def measure_limits(quick: bool | None = None) -> MachineLimits:
    """Measure peak float32 matmul speed and memory bandwidth with every core (once per process
    and mode, and once more if TensorFlow is loaded later).

    Compute: square float32 matmuls (n = 1024 quick, 2048 full) with NumPy and, once the program
    has imported it, TensorFlow; the faster engine's best time counts, at 2 n^3 FLOPs per matmul.
    Both engines use every core, so bandwidth must too, or the ridge point comes out inflated.

    Bandwidth: one float32 array, 4x (quick) or 8x (full) the last-level cache and at least 128
    or 512 MiB, split into one slice per core; a thread per slice reads it (``read_kernel``) or
    copies it into a second array. Read counts each byte once; copy counts read + write, 2 x
    nbytes (the hardware may also read the destination before writing it, uncounted). These are
    what software achieves, below the DIMMs' theoretical peak: see ``details["hardware"]``.
    Quick mode takes a few seconds on 2 cores. ``quick=None`` follows ``COURSE_QUICK``.
    """
    quick = config.quick_mode() if quick is None else check_bool("quick", quick)
    return _measure_limits(quick, _tensorflow() is not None)


def read_kernel(part: np.ndarray) -> Any:
    """Read every element once: ``np.maximum.reduce``, NumPy's fastest pass over a float32
    array (several times faster than ``np.sum``'s pairwise loop when the data is in cache, so
    the memory, not the loop, is what it measures). It releases the GIL, so threads overlap."""
    return np.maximum.reduce(part)


def last_level_cache_bytes() -> int | None:
    """The last-level cache of all CPUs together (each shared instance once), read from Linux's
    sysfs; None where it cannot be read (other systems: ``measure_limits`` assumes 32 MiB)."""
    caches: dict[tuple[int, str], int] = {}
    for index in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/cache/index[0-9]*"):
        try:
            read = {name: Path(index, name).read_text().strip()
                    for name in ("level", "type", "shared_cpu_list", "size")}
        except OSError:
            continue
        if read["type"] != "Instruction" and read["size"].endswith("K"):
            caches[(int(read["level"]), read["shared_cpu_list"])] = int(read["size"][:-1]) << 10
    if not caches:
        return None
    top = max(level for level, _ in caches)
    return sum(size for (level, _), size in caches.items() if level == top)


def usable_cores() -> int:
    """The cores this process may run on (a container may allow fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@functools.cache
def _measure_limits(quick: bool, tensorflow_loaded: bool) -> MachineLimits:
    """Measured once per mode, and again once TensorFlow is loaded (it may be the faster)."""
    start = perf_counter()
    n = 1024 if quick else 2048
    repeats, target_s = (3, 0.02) if quick else (7, 0.1)
    engines = {"NumPy": _numpy_matmuls(n)}
    if tensorflow_loaded:
        engines["TensorFlow"] = _tensorflow_matmuls(sys.modules["tensorflow"], n)
    matmul_s = {name: _best_seconds(run, repeats, target_s) for name, run in engines.items()}
    engine = min(matmul_s, key=matmul_s.get)

    cache = last_level_cache_bytes()
    factor, floor_mib = (4, 128) if quick else (8, 512)
    array_mib = max(factor * ((cache or ASSUMED_CACHE_BYTES) >> 20), floor_mib)
    check_fits_in_memory("array_mib", 2 * array_mib << 20, "the bandwidth test's two arrays")
    src = np.ones(array_mib << 18, dtype=np.float32)  # 4 bytes each: array_mib MiB
    dst = np.empty_like(src)  # src is written (untouched zero pages would all read one page)
    threads = usable_cores()
    read_s, copy_s = {}, {}
    for used in sorted({1, threads}):
        read_s[used], copy_s[used] = _stream_seconds(src, dst, used, repeats, target_s)
    return MachineLimits(
        matmul_gflops=2 * n**3 / matmul_s[engine] / 1e9,
        bandwidth_gbs=src.nbytes / read_s[threads] / 1e9,
        copy_gbs=2 * src.nbytes / copy_s[threads] / 1e9,
        details={"engine": engine, "matmul_n": n, "matmul_s": matmul_s, "threads": threads,
                 "array_mib": array_mib, "cache_bytes": cache, "read_s": read_s,
                 "copy_s": copy_s,
                 "read_gbs": {used: src.nbytes / s / 1e9 for used, s in read_s.items()},
                 "copy_gbs": {used: 2 * src.nbytes / s / 1e9 for used, s in copy_s.items()},
                 "hardware": memory_hardware_note(), "repeats": repeats,
                 "mode": "quick" if quick else "full", "measure_s": perf_counter() - start})


def _stream_seconds(src: np.ndarray, dst: np.ndarray, threads: int, repeats: int,
                    target_s: float) -> tuple[float, float]:
    """Best seconds for ``threads`` threads to read all of ``src``, and to copy it to ``dst``,
    each thread on its own contiguous slice."""
    sources, targets = np.array_split(src, threads), np.array_split(dst, threads)

    def copy_part(i: int) -> None:
        np.copyto(targets[i], sources[i])

    with ThreadPoolExecutor(threads) as pool:
        def reads(k: int) -> list[Any]:
            for _ in range(k):
                found = list(pool.map(read_kernel, sources))
            return found

        def copies(k: int) -> np.ndarray:
            for _ in range(k):
                list(pool.map(copy_part, range(threads)))
            return dst

        return (_best_seconds(reads, repeats, target_s),
                _best_seconds(copies, repeats, target_s))


def memory_hardware_note() -> str:
    """What can honestly be said about the memory's theoretical peak on this machine."""
    speeds = _dimm_speeds()
    if speeds:
        per_channel = max(speeds) * 8 / 1e3  # MT/s x 8 bytes per transfer, in GB/s
        found = (f"{len(speeds)} memory module(s) at up to {max(speeds):,} MT/s (dmidecode): "
                 f"{per_channel:.1f} GB/s per channel, at most {len(speeds) * per_channel:.0f}"
                 " GB/s if each module has its own channel.")
    else:
        found = ("The memory's type and speed are not readable here (dmidecode needs root and "
                 "must be installed): compare with the machine's spec sheet, where the peak is "
                 "channels x 8 bytes x transfers per second (one DDR4-3200 channel: 25.6 GB/s).")
    note = found + (" A program reading memory reaches only part of that theoretical peak.")
    if "hypervisor" in cpu_flags():
        note += (" This is a virtual machine: its memory channels belong to the host and are "
                 "shared with the host's other guests.")
    return note


def _dimm_speeds() -> list[int]:
    """Each installed memory module's configured speed in MT/s, from ``dmidecode``; empty where
    it is missing or not allowed (it reads firmware tables that only root may read)."""
    if shutil.which("dmidecode") is None:
        return []
    try:
        out = subprocess.run(["dmidecode", "-t", "17"], capture_output=True, text=True,
                             timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    speeds = re.findall(r"Configured (?:Memory|Clock) Speed: (\d+) MT/s", out)
    return [int(speed) for speed in speeds]


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
