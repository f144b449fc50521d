"""The seed's bugs, the corrected drawer's geometry and errors, and the synthetic data set."""

import ast
import inspect
import math

import numpy as np
import pytest
from PIL import Image

from course_lib.shapes import draw
from course_lib.shapes.draw import Shape, coverage, draw_shape, random_shapes, seed_generate_image

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
    ({"kind": "hexagon"}, r"kind: unknown shape kind 'hexagon'; choose one of: square, rectangle"),
    ({"kind": "Circle"}, "kind: unknown"),
    ({"canvas": 0}, "canvas:"),
    ({"canvas": -64}, "canvas:"),
    ({"canvas": 64.5}, "canvas:"),
    ({"canvas": (64, True)}, "canvas:"),
    ({"canvas": "64"}, "canvas:"),
    ({"size": 0}, "size:"),
    ({"size": -5}, "size:"),
    ({"size": float("nan")}, "size:"),
    ({"kind": "square", "size": (20, 30)}, "size: a square needs equal"),
    ({"fill": "blurple"}, "fill: 'blurple' is not a colour"),
    ({"background": (0, 0, 256)}, "background:"),
    ({"outline": (1, 2)}, "outline:"),
    ({"outline": "red", "outline_width": 0}, "outline_width:"),
    ({"size": 100}, "center/size: this circle spans"),
    ({"center": (5, 32), "size": 20}, "outside the 64x64 canvas"),
    ({"kind": "square", "size": 60, "rotation": 45}, "center/size:"),
    ({"center": (1, 2, 3)}, "center:"),
    ({"rotation": "left"}, "rotation:"),
    ({"kind": "polygon", "sides": 2}, "sides: must be at least 3"),
    ({"kind": "polygon", "sides": 4.5}, "sides: expected a whole number"),
    ({"supersample": 0}, "supersample:"),
]


@pytest.mark.parametrize("kwargs,message", BAD_INPUT)
def test_bad_input_raises_an_error_naming_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        draw_shape(**kwargs)


# --- The synthetic data set -----------------------------------------------------------------

def test_random_shapes_is_seeded_labelled_and_fits_the_canvas():
    batch = random_shapes(60, canvas=(48, 40), seed=3)
    assert batch.images.shape == (60, 40, 48) and batch.images.dtype == np.uint8
    assert np.array_equal(batch.images, random_shapes(60, canvas=(48, 40), seed=3).images)
    assert not np.array_equal(batch.images, random_shapes(60, canvas=(48, 40), seed=4).images)
    assert set(batch.frame()["kind"]) == set(draw.KINDS)
    for i in range(len(batch)):
        shape = batch.shape_at(i)
        shape.check_fits((48, 40))
        expected = np.rint(coverage(shape, (48, 40)) * 255)
        assert np.array_equal(batch.images[i], expected)  # the labels describe the image


def test_random_shapes_respects_kinds_and_supersampling():
    batch = random_shapes(10, kinds=("circle",), supersample=4)
    assert set(batch.frame()["kind"]) == {"circle"}
    assert ((batch.images > 0) & (batch.images < 255)).any()


@pytest.mark.parametrize("kwargs,message", [
    ({"n": 0}, "n: must be at least 1"),
    ({"n": 2.5}, "n: expected a whole number"),
    ({"n": 3, "kinds": ()}, "kinds: need at least one"),
    ({"n": 3, "kinds": ("circle", "star")}, "kind: unknown shape kind 'star'"),
    ({"n": 3, "canvas": (64, 0)}, "canvas:"),
])
def test_random_shapes_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        random_shapes(**kwargs)
