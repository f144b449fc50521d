"""The seed's bugs, the corrected drawer's geometry, its errors and its memory limit."""

import ast
import inspect
import math
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from course_lib import checks
from course_lib.checks import MemoryNeedError
from course_lib.shapes import draw
from course_lib.shapes.draw import Shape, coverage, draw_shape, seed_generate_image

CANVAS = (128, 112)


def black(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L")) < 128


# --- The seed function: its bugs, demonstrated ----------------------------------------------

def test_seed_square_fills_the_whole_canvas():
    assert black(seed_generate_image("square", (50, 40))).all()


def test_seed_rectangle_is_two_squares_on_a_diagonal():
    drawn = black(seed_generate_image("rectangle", (60, 60)))
    assert drawn[0, 0] and drawn[-1, -1] and drawn[30, 30]
    assert not drawn[0, -1] and not drawn[-1, 0]  # the off-diagonal quarters stay white
    ys, xs = np.nonzero(drawn)
    box = (xs.max() - xs.min() + 1) * (ys.max() - ys.min() + 1)
    assert drawn.sum() < 0.6 * box  # a rectangle would fill its own bounding box


def test_seed_unknown_shape_gives_a_blank_image_without_error():
    assert not black(seed_generate_image("triangle", (30, 30))).any()


def test_seed_circle_touches_every_edge():
    drawn = black(seed_generate_image("circle", (40, 40)))
    assert drawn[0].any() and drawn[-1].any() and drawn[:, 0].any() and drawn[:, -1].any()


def test_seed_is_the_article_code_and_does_not_call_show():
    source = inspect.getsource(seed_generate_image)
    assert "draw.rectangle([0, 0, size[0]//2, size[1]//2], fill=(0, 0, 0))" in source
    called = {node.func.attr for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert "show" not in called and {"rectangle", "ellipse"} <= called


# --- Geometry of every kind -----------------------------------------------------------------

def rotate(offset: tuple[float, float], degrees: float) -> tuple[float, float]:
    """Screen offset of a point at ``offset`` (x right, y up) after a CCW rotation."""
    t = math.radians(degrees)
    u, v = offset
    return u * math.cos(t) - v * math.sin(t), -(u * math.sin(t) + v * math.cos(t))


def analytic(kind: str, w: float, h: float, rotation: float, sides: int) -> tuple[float, tuple]:
    """Area and centroid offset from the centre, worked out by hand for each kind."""
    if kind in ("square", "rectangle"):
        return w * h, (0.0, 0.0)
    if kind in ("circle", "ellipse"):
        return math.pi * w * h / 4, (0.0, 0.0)
    if kind == "triangle":  # apex up; its centroid is a third of the way up from the base
        return w * h / 2, rotate((0.0, -h / 6), rotation)
    radius = w / 2  # regular polygon inscribed in a circle of diameter w
    return sides / 2 * radius ** 2 * math.sin(2 * math.pi / sides), (0.0, 0.0)


GEOMETRY = [
    ("square", (50, 50), 0), ("square", (50, 50), 30),
    ("rectangle", (70, 36), 0), ("rectangle", (70, 36), 110),
    ("circle", (60, 60), 0), ("ellipse", (80, 40), 0), ("ellipse", (80, 40), 45),
    ("triangle", (60, 50), 0), ("triangle", (60, 50), 200),
    ("polygon", (64, 64), 0), ("polygon", (64, 64), 17),
]


@pytest.mark.parametrize("supersample", [1, 4])
@pytest.mark.parametrize("kind,size,rotation", GEOMETRY)
def test_area_and_centroid_match_the_analytic_shape(kind, size, rotation, supersample):
    sides, center = 6, (60.3, 55.8)
    cover = coverage(Shape(kind, center, size, rotation, sides), CANVAS, supersample)
    area, (ox, oy) = analytic(kind, *size, rotation, sides)
    assert cover.sum() == pytest.approx(area, rel=0.02)
    ys, xs = np.mgrid[: CANVAS[1], : CANVAS[0]] + 0.5
    centroid = ((xs * cover).sum() / cover.sum(), (ys * cover).sum() / cover.sum())
    assert math.dist(centroid, (center[0] + ox, center[1] + oy)) < 1


@pytest.mark.parametrize("sides", [3, 5, 8])
def test_polygon_has_the_requested_number_of_corners(sides):
    corners = Shape("polygon", (0, 0), 10, sides=sides).local_vertices()
    assert len(corners) == sides
    assert np.allclose(np.hypot(*corners.T), 5)


def test_rotating_a_rectangle_by_90_degrees_swaps_its_sides():
    turned = coverage(Shape("rectangle", (32, 32), (40, 20), 90), 64)
    swapped = coverage(Shape("rectangle", (32, 32), (20, 40), 0), 64)
    assert np.array_equal(turned, swapped)


def test_positive_rotation_turns_counter_clockwise_on_screen():
    # A triangle's apex points up; turned 90 degrees counter-clockwise it points left.
    cover = coverage(Shape("triangle", (32, 32), (30, 30), 90), 64)
    ys, xs = np.nonzero(cover)
    assert xs.mean() + 0.5 > 32  # the heavy base is on the right, the apex on the left


# --- The drawer ------------------------------------------------------------------------------

def test_draw_shape_returns_an_image_or_an_array_with_the_colours_asked_for():
    image = draw_shape("square", canvas=(40, 30), fill="red", background=(0, 0, 255))
    assert isinstance(image, Image.Image) and image.size == (40, 30) and image.mode == "RGB"
    pixels = draw_shape("square", canvas=(40, 30), fill="red", background=(0, 0, 255),
                        as_array=True)
    assert np.array_equal(pixels, np.asarray(image))
    assert tuple(pixels[15, 20]) == (255, 0, 0) and tuple(pixels[0, 0]) == (0, 0, 255)


def test_outline_is_a_band_of_the_outline_colour_round_the_fill():
    pixels = draw_shape("square", canvas=64, size=40, fill="white", outline="black",
                        outline_width=3, background="white", supersample=1, as_array=True)
    row = pixels[32, :, 0]
    assert list(np.flatnonzero(row == 0)) == [12, 13, 14, 49, 50, 51]  # 3 px each side


def test_supersampling_anti_aliases_the_edges_only():
    hard = draw_shape("circle", supersample=1, as_array=True)
    soft = draw_shape("circle", supersample=4, as_array=True)
    assert set(np.unique(hard)) == {0, 255}
    grey = (soft > 0) & (soft < 255)
    assert grey.any() and not grey[32, 20:44].any()  # the middle of the disc stays solid


def test_default_shape_is_centred_and_fits():
    cover = np.asarray(draw_shape("ellipse", canvas=(80, 50), as_array=True))[..., 0] < 128
    ys, xs = np.nonzero(cover)
    assert abs(xs.mean() + 0.5 - 40) < 0.5 and abs(ys.mean() + 0.5 - 25) < 0.5


BAD_INPUT = [
    ({"kind": "hexagon"}, ValueError, r"kind: expected one of 'square', 'rectangle', .*"
                                      r"got 'hexagon'"),
    ({"kind": "Circle"}, ValueError, "kind: expected one of"),
    ({"canvas": 0}, ValueError, "canvas: expected an integer >= 1, got 0"),
    ({"canvas": -64}, ValueError, "canvas:"),
    ({"canvas": (64,)}, ValueError, r"canvas: expected a number of pixels or a \(width, height\)"),
    ({"canvas": 64.5}, TypeError, r"canvas: expected an integer >= 1, got 64.5 \(float\)"),
    ({"canvas": (64, True)}, TypeError, "canvas:"),
    ({"canvas": "64"}, TypeError, "canvas:"),
    ({"size": 0}, ValueError, "size: expected a positive finite number"),
    ({"size": -5}, ValueError, "size:"),
    ({"size": float("nan")}, ValueError, "size:"),
    ({"size": "big"}, TypeError, "size:"),
    ({"kind": "square", "size": (20, 30)}, ValueError, "size: a square needs equal"),
    ({"fill": "blurple"}, ValueError, "fill: 'blurple' is not a colour"),
    ({"fill": 5}, TypeError, "fill: expected a name like 'red'"),
    ({"background": (0, 0, 256)}, ValueError, "background: expected an integer in 0..255, got 256"),
    ({"background": (0, 0, 1.5)}, TypeError, "background: expected an integer in 0..255"),
    ({"outline": (1, 2)}, ValueError, "outline: expected a name like"),
    ({"outline": "red", "outline_width": 0}, ValueError, "outline_width: expected a positive"),
    ({"size": 100}, ValueError, "center/size: this circle spans"),
    ({"center": (5, 32), "size": 20}, ValueError, "center/size: .* outside the 64x64 canvas"),
    ({"kind": "square", "size": 60, "rotation": 45}, ValueError, "center/size:"),
    ({"center": (1, 2, 3)}, ValueError, "center: expected a number or a pair of numbers"),
    ({"center": "middle"}, TypeError, "center: expected a finite number"),
    ({"rotation": "left"}, TypeError, r"rotation: expected a finite number, got 'left' \(str\)"),
    ({"rotation": float("inf")}, ValueError, "rotation: expected a finite number"),
    ({"kind": "polygon", "sides": 2}, ValueError, "sides: expected an integer >= 3, got 2"),
    ({"kind": "polygon", "sides": 4.5}, TypeError, "sides: expected an integer >= 3"),
    ({"supersample": 0}, ValueError, "supersample: expected an integer >= 1"),
]


@pytest.mark.parametrize("kwargs,error,message", BAD_INPUT)
def test_bad_input_raises_an_error_naming_the_argument(kwargs, error, message):
    with pytest.raises(error, match=f"^{message}"):
        draw_shape(**kwargs)


# --- Memory: a canvas that cannot fit is refused before anything is allocated ---------------

def test_a_canvas_too_big_for_any_machine_says_how_much_it_would_need():
    with pytest.raises(MemoryNeedError, match=r"^canvas: drawing on 1000000x1000000 pixels at "
                                              r"supersample=4 would need 592 TB of memory"):
        draw_shape(canvas=(10**6, 10**6))


def test_a_canvas_too_big_for_this_machine_is_refused(monkeypatch):
    monkeypatch.setattr(checks, "available_memory", lambda: 10**9)  # pretend 1 GB is free
    with pytest.raises(MemoryNeedError, match="only 1 GB is available here; make "
                                              "canvas"):
        coverage(Shape("circle", (1500, 1500), 100), canvas=3000, supersample=4)
    assert coverage(Shape("circle", (32, 32), 10), canvas=64).shape == (64, 64)


def test_small_drawings_do_not_ask_the_system_for_free_memory(monkeypatch):
    def refuse():
        raise AssertionError("asked the operating system about a drawing of 10 MB")

    monkeypatch.setattr(checks, "available_memory", refuse)
    assert draw_shape(canvas=128, supersample=4, as_array=True).shape == (128, 128, 3)


@pytest.mark.parametrize("kind", draw.KINDS)
@pytest.mark.parametrize("canvas,supersample", [(200, 1), ((160, 120), 4)])
def test_the_memory_estimate_covers_the_measured_peak(kind, canvas, supersample):
    tracemalloc.start()
    draw_shape(kind, canvas=canvas, supersample=supersample, sides=7, outline="red",
               rotation=0 if kind in draw.EQUAL_SIDED else 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    estimate = draw.drawing_bytes(*draw.canvas_size(canvas), supersample)
    assert peak <= estimate < 1.3 * peak  # an honest estimate: enough, and not far above
