"""Drawing shapes: the seed article's function (the course's buggy starting point), and a
corrected general drawer (``synthetic`` makes data sets with it).

Coordinates are canvas pixels, x to the right and y down; pixel (x, y) covers the square from
(x, y) to (x + 1, y + 1), so its centre is (x + 0.5, y + 0.5). Without anti-aliasing a pixel is
inside a shape when its centre is; with ``supersample=s`` it is shaded by the fraction of its
s x s sub-pixel centres that are. That rule is unbiased, so a drawn shape's pixel area matches
its true area closely, which the tests check for every kind.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Union

import numpy as np
from PIL import Image, ImageColor, ImageDraw

from course_lib.checks import (ALWAYS_FITS_BYTES, check_choice, check_fits_in_memory, check_int,
                               check_number, check_real)

KINDS = ("square", "rectangle", "circle", "ellipse", "triangle", "polygon")
ROUND_KINDS = ("circle", "ellipse")
EQUAL_SIDED = ("square", "circle")

Colour = Union[str, tuple[int, int, int]]
CanvasSize = Union[int, tuple[int, int]]


# --- The seed -------------------------------------------------------------------------------

def seed_generate_image(shape, size):
    """THE COURSE'S BUGGY STARTING POINT: the seed article's function exactly as printed.

    Kept unchanged so notebook 02 can show what is wrong with it: 'square' fills the whole
    canvas, 'rectangle' draws two squares on a diagonal, an unknown shape name gives a blank
    white image without any error, and every box is one pixel too big (Pillow's ``[x0, y0, x1,
    y1]`` includes both ends). (The article then calls ``image.show()``, which opens an external
    viewer, never the notebook, so here the image is only returned.) Use :func:`draw_shape`.
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


# --- Arguments: every error names the argument (course_lib.checks) -------------------------

COLOUR_HINT = "a name like 'red', a hex string like '#ff0000' or an (r, g, b) tuple of 0-255"
# What drawing costs in memory, measured with tracemalloc (tests/test_shapes.py checks it):
# per sub-pixel sample, the shape-frame coordinates u and v, two float64 temporaries and the
# inside mask; per pixel, the float32 coverage and the float32 RGB image.
BYTES_PER_SAMPLE = 36
BYTES_PER_PIXEL = 16


def canvas_size(canvas: CanvasSize) -> tuple[int, int]:
    """``(width, height)`` from ``64`` or ``(64, 48)``: whole numbers of pixels, at least 1."""
    pair = canvas if isinstance(canvas, (tuple, list)) else (canvas, canvas)
    if len(pair) != 2:
        raise ValueError(f"canvas: expected a number of pixels or a (width, height) pair of "
                         f"them, got {canvas!r}")
    return check_int("canvas", pair[0], minimum=1), check_int("canvas", pair[1], minimum=1)


def _number_pair(name: str, value: object, positive: bool) -> tuple[float, float]:
    """``(x, y)`` from one number or a pair: positive sizes, or coordinates of either sign."""
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2:
        raise ValueError(f"{name}: expected a number or a pair of numbers, got {value!r}")
    if positive:
        return tuple(check_number(name, v, positive=True) for v in pair)
    return check_real(name, pair[0]), check_real(name, pair[1])


def colour_rgb(name: str, value: object) -> tuple[int, int, int]:
    """An (r, g, b) tuple from a colour name, '#rrggbb' or a tuple of three 0-255 ints."""
    if isinstance(value, str):
        try:
            return tuple(ImageColor.getrgb(value)[:3])
        except ValueError:
            raise ValueError(f"{name}: {value!r} is not a colour; use {COLOUR_HINT}") from None
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name}: expected {COLOUR_HINT}, got {value!r} ({type(value).__name__})")
    if len(value) != 3:
        raise ValueError(f"{name}: expected {COLOUR_HINT}, got {value!r}")
    return tuple(check_int(name, v, minimum=0, maximum=255) for v in value)


def drawing_bytes(width: int, height: int, supersample: int) -> int:
    """Memory one drawing needs at its peak: checked before anything is allocated."""
    return width * height * (BYTES_PER_SAMPLE * supersample ** 2 + BYTES_PER_PIXEL)


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
        check_choice("kind", self.kind, KINDS)
        # Normalise in place (the dataclass is frozen): size 20 means (20.0, 20.0).
        object.__setattr__(self, "center", _number_pair("center", self.center, positive=False))
        object.__setattr__(self, "size", _number_pair("size", self.size, positive=True))
        if self.kind in EQUAL_SIDED and self.size[0] != self.size[1]:
            raise ValueError(f"size: a {self.kind} needs equal width and height, got "
                             f"{self.size!r}; use a single number, or kind='rectangle'/'ellipse'")
        object.__setattr__(self, "rotation", check_real("rotation", self.rotation))
        if self.kind == "polygon":
            check_int("sides", self.sides, minimum=3)

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
    s = check_int("supersample", supersample, minimum=1)
    check_fits_in_memory("canvas", drawing_bytes(width, height, s),
                         f"drawing on {width}x{height} pixels at supersample={s}",
                         skip_below=ALWAYS_FITS_BYTES)
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
    raises an error that names it (TypeError for a wrong type, ValueError for a wrong value),
    a shape that does not fit the canvas is an error rather than silently clipped, and a
    canvas too big for memory says how much it would need. Returns a Pillow image, or an
    (H, W, 3) uint8 array.
    """
    width, height = canvas_size(canvas)
    center = (width / 2, height / 2) if center is None else center
    size = 0.6 * min(width, height) if size is None else size
    shape = Shape(kind, center, size, rotation, sides)
    named = {"fill": fill, "background": background}
    if outline is not None:
        named["outline"] = outline
        check_number("outline_width", outline_width, positive=True)
    colours = {name: np.array(colour_rgb(name, value), dtype=np.float32)
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


# --- Showing them ---------------------------------------------------------------------------

def image_grid(images: list, titles: list[str] | None = None, ncols: int = 6,
               size: float = 1.8):
    """Show images (Pillow or arrays, grey or RGB) in a grid with titles; returns the figure.

    In JupyterLab a figure is how an image gets on screen: ``image.show()`` would try to open an
    external viewer program on the machine running the kernel instead.
    """
    import matplotlib.pyplot as plt

    ncols = min(check_int("ncols", ncols, minimum=1), max(len(images), 1))
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
