"""The speed ladder: one batch of filled circles drawn rung by rung, from slowest to fastest.

Every rung takes the same ``centres`` (N, 2) and ``radii`` (N,) integer arrays and returns an
(N, H, W) uint8 array, 255 inside a circle and 0 outside, under one exact pixel rule:

    pixel (x, y) is inside circle (cx, cy, r) when its centre (x + 0.5, y + 0.5) is:
    (x + 0.5 - cx)**2 + (y + 0.5 - cy)**2 <= r**2, i.e. in integers
    (2x + 1 - 2cx)**2 + (2y + 1 - 2cy)**2 <= 4 r**2.

With integer centres the left side is never equal to the right, so no rung can disagree on a
tie: the Python, NumPy, threaded, process and TensorFlow rungs give identical pixels. Pillow uses
its own ellipse rasteriser, which leaves out a few edge pixels; its rung matches the others to
an intersection-over-union of about 0.99 rather than exactly.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, NamedTuple

import numpy as np
from PIL import Image, ImageDraw

from course_lib.checks import (ALWAYS_FITS_BYTES, check_array, check_fits_in_memory, check_int,
                               check_seed, describe_array)
from course_lib.shapes.draw import CanvasSize, canvas_size

if TYPE_CHECKING:
    import pandas as pd

    from course_lib.measure.machine import MachineLimits
    from course_lib.measure import Comparison


class Circles(NamedTuple):
    """A batch of circles: integer ``centres`` (N, 2) as (x, y) and ``radii`` (N,)."""

    centres: np.ndarray
    radii: np.ndarray


def random_circles(n: int, canvas: CanvasSize = 64, r_min: int = 4, r_max: int = 28,
                   seed: int = 0) -> Circles:
    """``n`` seeded circles with radii in [r_min, r_max], each wholly on the canvas."""
    n = check_int("n", n, minimum=1)
    width, height = canvas_size(canvas)
    r_min = check_int("r_min", r_min, minimum=1)
    r_max = check_int("r_max", r_max, minimum=r_min)
    if 2 * r_max > min(width, height):
        raise ValueError(f"r_max: a circle of radius {r_max} does not fit a "
                         f"{width}x{height} canvas")
    # Centres and radii are int64, and drawing the centres needs two temporaries of n each.
    check_fits_in_memory("n", n * 5 * 8, f"{n:,} random circles", skip_below=ALWAYS_FITS_BYTES)
    rng = np.random.default_rng(check_seed(seed))
    radii = rng.integers(r_min, r_max + 1, size=n)
    centres = np.stack([rng.integers(radii, width - radii + 1),
                        rng.integers(radii, height - radii + 1)], axis=1)
    return Circles(centres, radii)


INTEGER_DTYPES = tuple(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64,
                                              np.uint8, np.uint16, np.uint32))


def _checked(centres: np.ndarray, radii: np.ndarray, canvas: CanvasSize,
             bytes_per_pixel: int = 1) -> tuple[np.ndarray, np.ndarray, int, int]:
    """The circles as int64 arrays and the canvas as ``(width, height)``; a batch whose images
    (``bytes_per_pixel`` per pixel while a rung draws) cannot fit in memory is refused first."""
    check_array("centres", centres, ndim=2, dtypes=INTEGER_DTYPES)
    if centres.shape[1] != 2:
        raise ValueError(f"centres: expected an (N, 2) array of (x, y) pairs, "
                         f"got {describe_array(centres)}")
    check_array("radii", radii, ndim=1, dtypes=INTEGER_DTYPES)
    if len(radii) != len(centres):
        raise ValueError(f"radii: expected {len(centres)} radii, one per row of centres, "
                         f"got {describe_array(radii)}")
    if len(radii) and radii.min() < 0:
        raise ValueError(f"radii: expected radii >= 0, got {radii.min()}")
    width, height = canvas_size(canvas)
    check_fits_in_memory("centres", bytes_per_pixel * len(radii) * width * height,
                         f"drawing {len(radii):,} circles of {width}x{height} pixels",
                         skip_below=ALWAYS_FITS_BYTES)
    return centres.astype(np.int64), radii.astype(np.int64), width, height


def _blank_batch(centres: np.ndarray, radii: np.ndarray,
                 canvas: CanvasSize) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """The circles as plain ``(cx, cy, r)`` ints, and an all-black (N, H, W) output to fill."""
    centres, radii, width, height = _checked(centres, radii, canvas)
    circles = [(cx, cy, r) for (cx, cy), r in zip(centres.tolist(), radii.tolist())]
    return circles, np.zeros((len(circles), height, width), dtype=np.uint8)


# --- Rung 1: every pixel through the Python interpreter -------------------------------------

def draw_circles_python(centres: np.ndarray, radii: np.ndarray,
                        canvas: CanvasSize = 64) -> np.ndarray:
    """Two nested Python loops per image: tens of interpreted operations per pixel."""
    circles, out = _blank_batch(centres, radii, canvas)
    _, height, width = out.shape
    for image, (cx, cy, r) in zip(out, circles):
        for y in range(height):
            for x in range(width):
                if (2 * x + 1 - 2 * cx) ** 2 + (2 * y + 1 - 2 * cy) ** 2 <= 4 * r * r:
                    image[y, x] = 255
    return out


# --- Rung 2: NumPy, but one image at a time -------------------------------------------------

def draw_circles_numpy_per_image(centres: np.ndarray, radii: np.ndarray,
                                 canvas: CanvasSize = 64) -> np.ndarray:
    """Whole-image array expressions, still a Python loop over images (a few calls each)."""
    circles, out = _blank_batch(centres, radii, canvas)
    _, height, width = out.shape
    xs, ys = 2 * np.arange(width) + 1, 2 * np.arange(height)[:, None] + 1
    for image, (cx, cy, r) in zip(out, circles):
        image[(xs - 2 * cx) ** 2 + (ys - 2 * cy) ** 2 <= 4 * r * r] = 255
    return out


# --- Rung 3: a C library (Pillow), one image at a time --------------------------------------

def draw_circles_pillow(centres: np.ndarray, radii: np.ndarray,
                        canvas: CanvasSize = 64) -> np.ndarray:
    """Pillow's C ellipse rasteriser per image; its edge rule differs slightly (IoU ~0.99)."""
    circles, out = _blank_batch(centres, radii, canvas)
    _, height, width = out.shape
    for image, (cx, cy, r) in zip(out, circles):
        if r == 0:
            continue  # nothing to draw, and Pillow rejects an empty box
        drawing = Image.new("L", (width, height), 0)
        # Pillow's box is inclusive: pixels cx - r .. cx + r - 1 are those the circle spans.
        ImageDraw.Draw(drawing).ellipse([cx - r, cy - r, cx + r - 1, cy + r - 1], fill=255)
        image[...] = np.asarray(drawing)
    return out


# --- Rung 4: the whole batch in a handful of NumPy calls ------------------------------------

def _reach(size: int, c: np.ndarray) -> int:
    """The largest |2x + 1 - 2c| over pixels 0..size-1 and the given centre coordinates."""
    ends = (int(c.min(initial=0)), int(c.max(initial=0)))  # |a - 2c| peaks at an extreme c
    return max(abs(edge - 2 * end) for edge in (1, 2 * size - 1) for end in ends)


def _int_type(*bounds: int) -> type:
    """The smallest of int16/int32/int64 holding every bound: fewer bytes, faster loops."""
    for dtype in (np.int16, np.int32):
        if max(bounds) <= np.iinfo(dtype).max:
            return dtype
    return np.int64


def draw_circles_batch(centres: np.ndarray, radii: np.ndarray, canvas: CanvasSize = 64,
                       out: np.ndarray | None = None) -> np.ndarray:
    """All N images at once, with one full-size pass that writes each output byte once.

    The rule dy**2 <= 4r**2 - dx**2 splits into a per-column term (N, W) and a per-row term
    (N, H), both tiny; broadcasting them in a single comparison writes the (N, H, W) booleans
    straight into the uint8 output. Everything is in the smallest integer type that cannot
    overflow (int16 for 64 x 64): no float64 or int64 temporaries.
    """
    centres, radii, width, height = _checked(centres, radii, canvas, int(out is None))
    reach = max(_reach(width, centres[:, 0]), _reach(height, centres[:, 1]))
    dtype = _int_type(reach ** 2, 4 * int(radii.max(initial=0)) ** 2)
    c2, r = 2 * centres.astype(dtype), radii.astype(dtype)[:, None]
    dx = np.arange(1, 2 * width, 2, dtype=dtype) - c2[:, :1]      # (N, W)
    dy = np.arange(1, 2 * height, 2, dtype=dtype) - c2[:, 1:]     # (N, H)
    room, dy2 = 4 * r * r - dx * dx, dy * dy
    if out is None:
        out = np.empty((len(radii), height, width), dtype=np.uint8)
    elif check_array("out", out, dtypes=(np.uint8,)).shape != (len(radii), height, width):
        raise ValueError(f"out: expected shape {(len(radii), height, width)} to hold the "
                         f"images, got {describe_array(out)}")
    np.less_equal(dy2[:, :, None], room[:, None, :], out=out.view(bool))
    out *= 255  # True/False are stored as 1/0: make them white/black in place
    return out


# --- Rung 5: the batch split across CPU cores -----------------------------------------------

def _chunks(n: int, parts: int) -> list[slice]:
    bounds = np.linspace(0, n, min(parts, n) + 1).astype(int)
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


@functools.cache
def _thread_pool(workers: int) -> ThreadPoolExecutor:
    """One long-lived pool per size: starting threads on every call would be timed too."""
    return ThreadPoolExecutor(workers, thread_name_prefix="shape-ladder")


def draw_circles_threads(centres: np.ndarray, radii: np.ndarray, canvas: CanvasSize = 64,
                         workers: int | None = None) -> np.ndarray:
    """Rung 4 on one slice of the batch per thread, all writing into one shared output.

    Threads work here because NumPy releases Python's GIL inside its compiled loops, and they
    share memory, so nothing is copied between workers.
    """
    centres, radii, width, height = _checked(centres, radii, canvas)
    workers = check_int("workers", workers or os.cpu_count() or 1, minimum=1)
    out = np.empty((len(radii), height, width), dtype=np.uint8)
    jobs = [_thread_pool(workers).submit(draw_circles_batch, centres[s], radii[s],
                                         (width, height), out[s])
            for s in _chunks(len(radii), workers)]
    for job in jobs:
        job.result()
    return out


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool whose workers start from a clean process, not a fork of this one.

    Forking a process that already runs threads (TensorFlow's, a thread pool's) can deadlock;
    'forkserver' (or 'spawn' where there is none, e.g. Windows) avoids that.
    """
    methods = multiprocessing.get_all_start_methods()
    method = "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(workers or os.cpu_count(), mp_context=context)


def draw_circles_processes(centres: np.ndarray, radii: np.ndarray, canvas: CanvasSize = 64,
                           pool: Executor | None = None, workers: int | None = None) -> np.ndarray:
    """Rung 4 on one slice per worker process; every result is pickled back to the parent.

    Pass a running :func:`process_pool` as ``pool`` to leave out its start-up; without one, a
    pool is started (and its cost paid) on every call. The copying back is the lesson.
    """
    # Each worker's slice is pickled back and joined: the batch is in memory about twice.
    centres, radii, width, height = _checked(centres, radii, canvas, bytes_per_pixel=2)
    workers = check_int("workers", workers or os.cpu_count() or 1, minimum=1)
    owned = pool is None
    pool = process_pool(workers) if owned else pool
    try:
        jobs = [pool.submit(draw_circles_batch, centres[s], radii[s], (width, height))
                for s in _chunks(len(radii), workers)]
        return np.concatenate([job.result() for job in jobs])
    finally:
        if owned:
            pool.shutdown()


# --- Rung 6 (optional): TensorFlow, eager or compiled by XLA --------------------------------

@functools.cache
def _tensorflow_kernel(xla: bool) -> Callable[..., Any]:
    """Rung 4's broadcasting as TensorFlow ops; with ``xla`` compiled into one fused loop."""
    import tensorflow as tf

    def kernel(centres: Any, radii: Any, width: int, height: int) -> Any:
        dx = tf.range(1, 2 * width, 2) - 2 * centres[:, :1]           # (N, W)
        dy = tf.range(1, 2 * height, 2) - 2 * centres[:, 1:]          # (N, H)
        room = 4 * radii[:, None] ** 2 - dx * dx
        inside = dy[:, :, None] * dy[:, :, None] <= room[:, None, :]
        return tf.cast(inside, tf.uint8) * 255

    return tf.function(kernel, jit_compile=True) if xla else kernel


def draw_circles_tensorflow(centres: np.ndarray, radii: np.ndarray, canvas: CanvasSize = 64,
                            xla: bool = False) -> np.ndarray:
    """Rung 4 in TensorFlow: eager (one dispatch per op) or XLA-compiled (``xla=True``).

    XLA fuses the ops into one compiled loop with no temporaries, which NumPy cannot do; the
    first call per canvas size compiles (the warm-up column shows it). On a GPU it would run there.
    """
    # The kernel holds the booleans, their uint8 cast and the scaled result: 3 bytes a pixel.
    centres, radii, width, height = _checked(centres, radii, canvas, bytes_per_pixel=3)
    kernel = _tensorflow_kernel(bool(xla))
    return kernel(centres.astype(np.int32), radii.astype(np.int32), width, height).numpy()


SINGLE_CORE_RUNGS = {
    "per-pixel Python": draw_circles_python,
    "NumPy per image": draw_circles_numpy_per_image,
    "Pillow per image": draw_circles_pillow,
    "NumPy batch": draw_circles_batch,
}


def ladder_candidates(circles: Circles, canvas: CanvasSize = 64, *, workers: int | None = None,
                      pool: Executor | None = None,
                      tensorflow: bool = False) -> dict[str, Callable[[], np.ndarray]]:
    """Zero-argument callables for ``measure.compare``: every rung on the same ``circles``.

    Threads always take part; processes only with a running ``pool`` (see :func:`process_pool`),
    TensorFlow (eager and XLA) only when asked: importing it takes seconds.
    """
    workers = check_int("workers", workers or os.cpu_count() or 1, minimum=1)
    candidates = {name: functools.partial(rung, *circles, canvas)
                  for name, rung in SINGLE_CORE_RUNGS.items()}
    candidates[f"NumPy batch, {workers} threads"] = functools.partial(
        draw_circles_threads, *circles, canvas, workers)
    if pool is not None:
        candidates[f"NumPy batch, {workers} processes"] = functools.partial(
            draw_circles_processes, *circles, canvas, pool, workers)
    if tensorflow:
        for name, xla in (("TensorFlow (eager)", False), ("TensorFlow (XLA)", True)):
            candidates[name] = functools.partial(draw_circles_tensorflow, *circles, canvas, xla)
    return candidates


def ladder_table(comparison: Comparison, image_bytes: int,
                 limits: MachineLimits | None = None) -> pd.DataFrame:
    """Per-image view of a ladder comparison: ms/image, images/s, speedups, output GB/s.

    The comparison's ``work`` is the images per call. ``image_bytes`` is what one image's output
    occupies (H x W for uint8): the least memory traffic any rung can get away with. With
    ``limits`` (``machine.measure_limits()``), that output rate is also given as a share of the
    machine's all-core read bandwidth: a yardstick, not a ceiling, for output that stays in cache.
    """
    import pandas as pd

    names = comparison.names()
    per_image_s = [comparison.per_item_s(name) for name in names]
    table = pd.DataFrame({
        "rung": names,
        "ms/image": [seconds * 1e3 for seconds in per_image_s],
        "images/s": [1 / seconds for seconds in per_image_s],
        f"speedup vs {comparison.baseline}": [comparison.speedup(name) for name in names],
        "output GB/s": [image_bytes / seconds / 1e9 for seconds in per_image_s],
    })
    if limits is not None:
        table["output / read bandwidth"] = [limits.share_of_bandwidth(image_bytes / seconds)
                                            for seconds in per_image_s]
    return table


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two sets of masks (nonzero = inside); 1.0 if both are empty."""
    a, b = np.asarray(a) != 0, np.asarray(b) != 0
    union = np.count_nonzero(a | b)
    return 1.0 if union == 0 else np.count_nonzero(a & b) / union
