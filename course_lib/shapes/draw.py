"""Drawing shapes: the seed article's function (the course's buggy starting point), a corrected
general drawer, and a seeded synthetic data set of labelled shapes.

Coordinates are canvas pixels, x to the right and y down; pixel (x, y) covers the square from
(x, y) to (x + 1, y + 1), so its centre is (x + 0.5, y + 0.5). Without anti-aliasing a pixel is
inside a shape when its centre is; with ``supersample=s`` it is shaded by the fraction of its
s x s sub-pixel centres that are. That rule is unbiased, so a drawn shape's pixel area matches
its true area closely, which the tests check for every kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Union

import numpy as np
from PIL import Image, ImageColor, ImageDraw

KINDS = ("square", "rectangle", "circle", "ellipse", "triangle", "polygon")
ROUND_KINDS = ("circle", "ellipse")
EQUAL_SIDED = ("square", "circle")

Colour = Union[str, tuple[int, int, int]]
CanvasSize = Union[int, tuple[int, int]]


# --- The seed -------------------------------------------------------------------------------

def seed_generate_image(shape, size):
    """THE COURSE'S BUGGY STARTING POINT: the seed article's function exactly as printed.

    Kept unchanged so notebook 02 can show what is wrong with it: 'square' fills the whole
    canvas, 'rectangle' draws two squares on a diagonal, and an unknown shape name gives a blank
    white image without any error. (The article then calls ``image.show()``, which opens an
    external viewer and does nothing useful in JupyterLab, so here the image is only returned.)
    Use :func:`draw_shape` instead.
    """
    image = Image.new('RGB', size, (255, 255, 255))
    draw = ImageDraw.Draw(image)

    if shape == 'square':
        draw.rectangle([0, 0, size[0], size[1]], fill=(0, 0, 0))
    elif shape == 'rectangle':
        draw.rectangle([0, 0, size[0]//2, size[1]//2], fill=(0, 0, 0))
        draw.rectangle([size[0]//2, size[1]//2, size[0], size[1]], fill=(0, 0, 0))
    elif shape == 'circle':
        draw.ellipse([0, 0, size[0], size[1]], fill=(0, 0, 0))

    return image


# --- Validation: every error names the argument ---------------------------------------------

def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def positive_int(value: object, name: str, minimum: int = 1) -> int:
    """``value`` as an int, or a ValueError naming ``name`` if it is not an integer >= minimum."""
    if not _is_int(value):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: must be at least {minimum}, got {value}")
    return int(value)


def canvas_size(canvas: CanvasSize) -> tuple[int, int]:
    """``(width, height)`` from ``64`` or ``(64, 48)``; a clear error for anything else."""
    pair = canvas if isinstance(canvas, (tuple, list)) else (canvas, canvas)
    if len(pair) != 2 or not all(_is_int(v) and v > 0 for v in pair):
        raise ValueError(f"canvas: expected a positive whole number of pixels or a "
                         f"(width, height) pair of them, got {canvas!r}")
    return int(pair[0]), int(pair[1])


def _number_pair(value: object, name: str, positive: bool) -> tuple[float, float]:
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    ok = len(pair) == 2 and all(_is_number(v) and (v > 0 or not positive) for v in pair)
    if not ok:
        kind = "positive number" if positive else "number"
        raise ValueError(f"{name}: expected a {kind} or a pair of {kind}s, got {value!r}")
    return float(pair[0]), float(pair[1])


def colour_rgb(value: object, name: str) -> tuple[int, int, int]:
    """An (r, g, b) tuple from a colour name, '#rrggbb' or a tuple of three 0-255 ints."""
    hint = "use a name like 'red', a hex string like '#ff0000' or an (r, g, b) tuple of 0-255"
    if isinstance(value, str):
        try:
            rgb = ImageColor.getrgb(value)
        except ValueError:
            raise ValueError(f"{name}: {value!r} is not a colour; {hint}") from None
        return tuple(rgb[:3])
    if (isinstance(value, (tuple, list)) and len(value) == 3
            and all(_is_int(v) and 0 <= v <= 255 for v in value)):
        return tuple(int(v) for v in value)
    raise ValueError(f"{name}: {value!r} is not a colour; {hint}")


def check_kind(kind: object) -> str:
    if kind not in KINDS:
        raise ValueError(f"kind: unknown shape kind {kind!r}; choose one of: {', '.join(KINDS)}")
    return kind


# --- Geometry -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Shape:
    """One shape's geometry: the labels of the synthetic data set.

    ``size`` is (width, height) before rotation: the bounding box for square, rectangle,
    ellipse and triangle (apex up), the diameter for a circle, and the circumscribed ellipse
    for a polygon (regular when width == height, first vertex up). ``rotation`` is in degrees,
    counter-clockwise on screen, about ``center``.
    """

    kind: str
    center: tuple[float, float]
    size: tuple[float, float]
    rotation: float = 0.0
    sides: int = 5

    def __post_init__(self) -> None:
        check_kind(self.kind)
        # Normalise in place (the dataclass is frozen): size 20 means (20.0, 20.0).
        object.__setattr__(self, "center", _number_pair(self.center, "center", positive=False))
        object.__setattr__(self, "size", _number_pair(self.size, "size", positive=True))
        if self.kind in EQUAL_SIDED and self.size[0] != self.size[1]:
            raise ValueError(f"size: a {self.kind} needs equal width and height, got "
                             f"{self.size!r}; use a single number, or kind='rectangle'/'ellipse'")
        if not _is_number(self.rotation):
            raise ValueError(f"rotation: expected a number of degrees, got {self.rotation!r}")
        if self.kind == "polygon":
            positive_int(self.sides, "sides", minimum=3)

    def local_vertices(self) -> np.ndarray:
        """Corners counter-clockwise in the unrotated frame (y up), for the straight-edged kinds."""
        a, b = self.size[0] / 2, self.size[1] / 2
        if self.kind in ("square", "rectangle"):
            return np.array([(-a, -b), (a, -b), (a, b), (-a, b)])
        if self.kind == "triangle":
            return np.array([(0.0, b), (-a, -b), (a, -b)])
        if self.kind == "polygon":
            angles = np.pi / 2 + 2 * np.pi * np.arange(self.sides) / self.sides
            return np.stack([a * np.cos(angles), b * np.sin(angles)], axis=1)
        raise ValueError(f"kind: a {self.kind} has no vertices")

    def half_extent(self) -> tuple[float, float]:
        """Half the width and height of the rotated shape's bounding box, about its centre."""
        theta = math.radians(self.rotation)
        cos, sin = abs(math.cos(theta)), abs(math.sin(theta))
        if self.kind in ROUND_KINDS:
            a, b = self.size[0] / 2, self.size[1] / 2
            return math.hypot(a * cos, b * sin), math.hypot(a * sin, b * cos)
        u, v = self.local_vertices().T
        c, s = math.cos(theta), math.sin(theta)
        return float(np.abs(u * c - v * s).max()), float(np.abs(u * s + v * c).max())

    def check_fits(self, canvas: tuple[int, int]) -> None:
        """Raise if any part of the shape lies outside the canvas (it would be cut off)."""
        ex, ey = self.half_extent()
        (cx, cy), (width, height), eps = self.center, canvas, 1e-9
        if cx - ex < -eps or cx + ex > width + eps or cy - ey < -eps or cy + ey > height + eps:
            raise ValueError(
                f"center/size: this {self.kind} spans x {cx - ex:.1f}..{cx + ex:.1f} and "
                f"y {cy - ey:.1f}..{cy + ey:.1f}, outside the {width}x{height} canvas; "
                "make it smaller or move its centre")

    def inside(self, x: np.ndarray, y: np.ndarray, inset: float = 0.0) -> np.ndarray:
        """Which points (canvas coordinates) lie inside, at least ``inset`` px from the edge."""
        theta = math.radians(self.rotation)
        dx, dy_up = x - self.center[0], self.center[1] - y  # y up in the shape's own frame
        u = dx * math.cos(theta) + dy_up * math.sin(theta)
        v = dy_up * math.cos(theta) - dx * math.sin(theta)
        if self.kind in ROUND_KINDS:
            a, b = self.size[0] / 2 - inset, self.size[1] / 2 - inset
            if a <= 0 or b <= 0:
                return np.zeros(u.shape, dtype=bool)
            return (u / a) ** 2 + (v / b) ** 2 <= 1
        corners = self.local_vertices()
        mask = np.ones(u.shape, dtype=bool)
        for (px, py), (qx, qy) in zip(corners, np.roll(corners, -1, axis=0)):
            length = math.hypot(qx - px, qy - py)
            nx, ny = (py - qy) / length, (qx - px) / length  # inward normal: corners are CCW
            mask &= (u - px) * nx + (v - py) * ny >= inset
        return mask


def coverage(shape: Shape, canvas: CanvasSize = 64, supersample: int = 1,
             inset: float = 0.0) -> np.ndarray:
    """Fraction (0..1, float32, shape (H, W)) of each pixel the shape covers.

    Samples ``supersample`` x ``supersample`` points per pixel: 1 gives the hard pixel-centre
    rule, 4 gives 17 grey levels along the edges (anti-aliasing).
    """
    width, height = canvas_size(canvas)
    s = positive_int(supersample, "supersample")
    offsets = (np.arange(s) + 0.5) / s
    xs = (np.arange(width)[:, None] + offsets).ravel()
    ys = (np.arange(height)[:, None] + offsets).ravel()
    inside = shape.inside(xs[None, :], ys[:, None], inset)
    return inside.reshape(height, s, width, s).mean(axis=(1, 3), dtype=np.float32)


# --- The corrected drawer -------------------------------------------------------------------

def draw_shape(kind: str = "circle", *, canvas: CanvasSize = 64,
               center: tuple[float, float] | None = None,
               size: float | tuple[float, float] | None = None, rotation: float = 0.0,
               sides: int = 5, fill: Colour = "black", outline: Colour | None = None,
               outline_width: float = 1.0, background: Colour = "white",
               supersample: int = 4, as_array: bool = False) -> Image.Image | np.ndarray:
    """Draw one shape on a fresh RGB canvas; what the seed function should have been.

    Defaults: centred, 60% of the smaller canvas side, 4x4 supersampling. Every bad argument
    raises a ValueError that names it, and a shape that does not fit the canvas is an error
    rather than silently clipped. Returns a Pillow image, or an (H, W, 3) uint8 array.
    """
    width, height = canvas_size(canvas)
    center = (width / 2, height / 2) if center is None else center
    size = 0.6 * min(width, height) if size is None else size
    shape = Shape(kind, center, size, rotation, sides)
    named = {"fill": fill, "background": background}
    if outline is not None:
        named["outline"] = outline
        if not (_is_number(outline_width) and outline_width > 0):
            raise ValueError(f"outline_width: expected a positive number of pixels, "
                             f"got {outline_width!r}")
    colours = {name: np.array(colour_rgb(value, name), dtype=np.float32)
               for name, value in named.items()}
    shape.check_fits((width, height))

    outer = coverage(shape, (width, height), supersample)
    inner = outer if outline is None else coverage(shape, (width, height), supersample,
                                                   inset=outline_width)
    image = colours["background"] * (1 - outer)[..., None] + colours["fill"] * inner[..., None]
    if outline is not None:
        image += colours["outline"] * (outer - inner)[..., None]
    pixels = np.clip(np.rint(image), 0, 255).astype(np.uint8)
    return pixels if as_array else Image.fromarray(pixels, mode="RGB")


# --- A seeded synthetic data set ------------------------------------------------------------

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
    n = positive_int(n, "n")
    size = canvas_size(canvas)
    kinds = tuple(kinds)
    if not kinds:
        raise ValueError(f"kinds: need at least one of: {', '.join(KINDS)}")
    for kind in kinds:
        check_kind(kind)
    rng = np.random.default_rng(seed)
    images = np.empty((n, size[1], size[0]), dtype=np.uint8)
    names = ("kind", "cx", "cy", "width", "height", "rotation", "sides")
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


# --- Showing them ---------------------------------------------------------------------------

def image_grid(images: list, titles: list[str] | None = None, ncols: int = 6,
               size: float = 1.8):
    """Show images (Pillow or arrays, grey or RGB) in a grid with titles; returns the figure.

    In JupyterLab a figure is how an image gets on screen: ``image.show()`` would try to open an
    external viewer program on the machine running the kernel instead.
    """
    import matplotlib.pyplot as plt

    ncols = min(positive_int(ncols, "ncols"), max(len(images), 1))
    nrows = max(1, -(-len(images) // ncols))
    figure, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                                squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= len(images):
            ax.axis("off")
            continue
        ax.imshow(np.asarray(images[i]), cmap="gray", vmin=0, vmax=255, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])  # keep the frame: a blank white image must still be visible
        if titles is not None:
            ax.set_title(titles[i], fontsize=9)
    figure.tight_layout()
    return figure
