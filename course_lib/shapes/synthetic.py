"""A seeded synthetic data set of labelled shapes: free, exactly known training images.

Each image is drawn with :func:`draw.coverage` (white shape on black, like MNIST) and labelled
with the parameters of its :class:`draw.Shape`; the same seed gives the same set everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.checks import (ALWAYS_FITS_BYTES, check_choice, check_fits_in_memory, check_int,
                               check_seed)
from course_lib.shapes.draw import (EQUAL_SIDED, KINDS, CanvasSize, Shape, canvas_size,
                                    coverage, drawing_bytes)


@dataclass(frozen=True)
class ShapeBatch:
    """N grey-scale images (white shape on black, uint8, (N, H, W)) and their labels.

    ``labels`` holds one array per parameter: ``kind`` (index into ``kinds``), ``cx``, ``cy``,
    ``width``, ``height``, ``rotation`` and ``sides`` (polygon only, else 0).
    """

    images: np.ndarray
    labels: dict[str, np.ndarray]
    kinds: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.images)

    def shape_at(self, i: int) -> Shape:
        """The :class:`Shape` drawn in image ``i``."""
        lab = {k: v[i].item() for k, v in self.labels.items()}
        return Shape(self.kinds[lab["kind"]], (lab["cx"], lab["cy"]), (lab["width"], lab["height"]),
                     lab["rotation"], lab["sides"] or 5)

    def frame(self):
        """The labels as a pandas DataFrame, with kind names instead of indices."""
        import pandas as pd
        table = pd.DataFrame(self.labels)
        table["kind"] = [self.kinds[k] for k in table["kind"]]
        return table


def _random_shape(rng: np.random.Generator, kind: str, canvas: tuple[int, int]) -> Shape:
    """One shape of ``kind`` with random size, rotation and sides, placed so it fits."""
    width, height = rng.uniform(0.25, 0.75, size=2) * min(canvas)
    if kind in EQUAL_SIDED or kind == "polygon":
        height = width
    rotation = 0.0 if kind == "circle" else float(rng.uniform(0, 360))
    sides = int(rng.integers(5, 9)) if kind == "polygon" else 5
    ex, ey = Shape(kind, (0.0, 0.0), (width, height), rotation, sides).half_extent()
    shrink = min(1.0, canvas[0] / (2 * ex), canvas[1] / (2 * ey))  # a rotated corner may stick out
    width, height, ex, ey = width * shrink, height * shrink, ex * shrink, ey * shrink
    center = (rng.uniform(ex, canvas[0] - ex), rng.uniform(ey, canvas[1] - ey))
    return Shape(kind, center, (width, height), rotation, sides)


def random_shapes(n: int, *, canvas: CanvasSize = 64, kinds: tuple[str, ...] = KINDS,
                  seed: int = 0, supersample: int = 1) -> ShapeBatch:
    """``n`` random shapes, each fully on its canvas, as one array plus their parameters.

    The same ``seed`` gives the same data set on every machine: a cheap, exactly known
    training set for later notebooks.
    """
    n = check_int("n", n, minimum=1)
    size = canvas_size(canvas)
    supersample = check_int("supersample", supersample, minimum=1)
    kinds = tuple(kinds)
    if not kinds:
        raise ValueError(f"kinds: need at least one of: {', '.join(KINDS)}")
    for kind in kinds:
        check_choice("kinds", kind, KINDS)
    names = ("kind", "cx", "cy", "width", "height", "rotation", "sides")  # 8 bytes each
    check_fits_in_memory("n", n * (size[0] * size[1] + 8 * len(names))
                         + drawing_bytes(*size, supersample),
                         f"{n:,} labelled images of {size[0]}x{size[1]} pixels",
                         skip_below=ALWAYS_FITS_BYTES)
    rng = np.random.default_rng(check_seed(seed))
    images = np.empty((n, size[1], size[0]), dtype=np.uint8)
    labels = {name: np.zeros(n, dtype=np.int64 if name in ("kind", "sides") else np.float64)
              for name in names}
    for i in range(n):
        k = int(rng.integers(len(kinds)))
        shape = _random_shape(rng, kinds[k], size)
        images[i] = np.rint(coverage(shape, size, supersample) * 255)
        values = (k, *shape.center, *shape.size, shape.rotation,
                  shape.sides if shape.kind == "polygon" else 0)
        for name, value in zip(names, values):
            labels[name][i] = value
    return ShapeBatch(images, labels, kinds)
