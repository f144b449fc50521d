"""Every rung of the speed ladder draws the same circles: identical pixels, or IoU >= 0.99."""

import functools
import math

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import MemoryNeedError
from course_lib.shapes import ladder

CIRCLES = ladder.random_circles(40, canvas=(48, 40), r_min=1, r_max=20, seed=5)
RUNGS = (ladder.draw_circles_python, ladder.draw_circles_numpy_per_image,
         ladder.draw_circles_pillow, ladder.draw_circles_batch, ladder.draw_circles_threads,
         functools.partial(ladder.draw_circles_processes, workers=1),
         ladder.draw_circles_tensorflow)


@pytest.fixture(scope="module")
def reference():
    """Rung 1, the literal per-pixel rule, is the reference for all the others."""
    return ladder.draw_circles_python(*CIRCLES, canvas=(48, 40))


def test_the_pixel_rule_on_a_circle_worked_out_by_hand():
    # Radius 1 at (5, 5): only the four pixels whose centres are 0.71 px away are inside.
    image = ladder.draw_circles_python(np.array([[5, 5]]), np.array([1]), canvas=10)[0]
    assert sorted(zip(*np.nonzero(image))) == [(4, 4), (4, 5), (5, 4), (5, 5)]
    assert set(np.unique(image)) == {0, 255}


def test_a_large_circle_covers_close_to_pi_r_squared():
    image = ladder.draw_circles_batch(np.array([[100, 100]]), np.array([90]), canvas=200)[0]
    assert np.count_nonzero(image) == pytest.approx(math.pi * 90 ** 2, rel=0.002)


@pytest.mark.parametrize("rung", [
    ladder.draw_circles_numpy_per_image, ladder.draw_circles_batch, ladder.draw_circles_threads,
    ladder.draw_circles_tensorflow, functools.partial(ladder.draw_circles_tensorflow, xla=True)])
def test_exact_rungs_give_identical_pixels(rung, reference):
    drawn = rung(*CIRCLES, canvas=(48, 40))
    assert drawn.dtype == np.uint8 and drawn.shape == (40, 40, 48)
    assert np.array_equal(drawn, reference)


@pytest.mark.parametrize("workers", [1, 2, 3, 64])
def test_threads_split_the_batch_without_changing_it(workers, reference):
    assert np.array_equal(ladder.draw_circles_threads(*CIRCLES, (48, 40), workers), reference)


def test_processes_give_identical_pixels_with_or_without_a_pool(reference):
    with ladder.process_pool(2) as pool:
        drawn = ladder.draw_circles_processes(*CIRCLES, (48, 40), pool=pool)
    assert np.array_equal(drawn, reference)
    assert np.array_equal(ladder.draw_circles_processes(*CIRCLES, (48, 40), workers=2), reference)


def test_batch_rung_handles_canvases_too_big_for_int16_and_writes_into_out():
    circles = ladder.random_circles(5, canvas=300, r_min=100, r_max=150, seed=1)
    out = np.full((5, 300, 300), 7, dtype=np.uint8)
    result = ladder.draw_circles_batch(*circles, canvas=300, out=out)
    assert result is out
    assert np.array_equal(out, ladder.draw_circles_numpy_per_image(*circles, canvas=300))


@pytest.mark.parametrize("side", [90, 91, 92, 93])
def test_batch_rung_is_exact_where_int16_stops_being_enough(side):
    circles = ladder.random_circles(30, canvas=side, r_min=1, r_max=side // 2, seed=side)
    expected = ladder.draw_circles_numpy_per_image(*circles, canvas=side)
    assert np.array_equal(ladder.draw_circles_batch(*circles, canvas=side), expected)


def test_batch_rung_is_exact_for_circles_partly_off_the_canvas():
    centres, radii = np.array([[-5, 70], [63, 0], [32, 32], [100, -40]]), np.array([10, 3, 40, 90])
    expected = ladder.draw_circles_python(centres, radii, canvas=64)
    assert np.array_equal(ladder.draw_circles_batch(centres, radii, canvas=64), expected)


def test_pillow_rung_matches_to_iou_099_on_the_ladder_batch():
    circles = ladder.random_circles(300, seed=0)
    exact, pillow = ladder.draw_circles_batch(*circles), ladder.draw_circles_pillow(*circles)
    assert ladder.iou(pillow, exact) >= 0.99
    assert min(ladder.iou(p, e) for p, e in zip(pillow, exact)) > 0.9


def test_pillow_rung_draws_nothing_for_radius_zero():
    drawn = ladder.draw_circles_pillow(np.array([[3, 3]]), np.array([0]), canvas=8)
    assert not drawn.any()


def test_random_circles_are_seeded_and_on_the_canvas():
    centres, radii = ladder.random_circles(500, canvas=(64, 48), r_min=3, r_max=20, seed=2)
    assert radii.min() >= 3 and radii.max() <= 20
    assert (centres - radii[:, None] >= 0).all()
    assert (centres + radii[:, None] <= [64, 48]).all()
    again = ladder.random_circles(500, canvas=(64, 48), r_min=3, r_max=20, seed=2)
    assert np.array_equal(centres, again.centres) and np.array_equal(radii, again.radii)


def test_iou_of_identical_different_and_empty_masks():
    a = np.zeros((2, 4, 4), np.uint8)
    a[0, :2] = 255
    assert ladder.iou(a, a) == 1.0
    assert ladder.iou(a, np.zeros_like(a)) == 0.0
    assert ladder.iou(np.zeros_like(a), np.zeros_like(a)) == 1.0


@pytest.mark.parametrize("centres,radii,error,message", [
    ([[1, 2]], np.array([1]), TypeError, "centres: expected a NumPy array, got list"),
    (np.array([1, 2]), np.array([1]), ValueError, "centres: expected 2 dimensions"),
    (np.array([[1, 2, 3]]), np.array([1]), ValueError, r"centres: expected an \(N, 2\) array"),
    (np.array([[1.5, 2.0]]), np.array([1]), ValueError, "centres: expected dtype"),
    (np.array([[1, 2]]), np.array([1, 2]), ValueError, "radii: expected 1 radii, one per row"),
    (np.array([[1, 2]]), np.array([1.0]), ValueError, "radii: expected dtype"),
    (np.array([[1, 2]]), np.array([-1]), ValueError, "radii: expected radii >= 0, got -1"),
])
def test_rungs_reject_bad_circles(centres, radii, error, message):
    for rung in RUNGS:
        with pytest.raises(error, match=f"^{message}"):
            rung(centres, radii)


@pytest.mark.parametrize("kwargs,error,message", [
    ({"n": 0}, ValueError, "n: expected an integer >= 1, got 0"),
    ({"n": 2.5}, TypeError, "n: expected an integer >= 1"),
    ({"n": 5, "r_max": 40}, ValueError, "r_max: a circle of radius 40 does not fit"),
    ({"n": 5, "r_min": 10, "r_max": 5}, ValueError, "r_max: expected an integer >= 10, got 5"),
    ({"n": 5, "canvas": 0}, ValueError, "canvas:"),
    ({"n": 5, "seed": "1"}, TypeError, "seed: expected an integer"),
])
def test_random_circles_rejects_bad_input(kwargs, error, message):
    with pytest.raises(error, match=f"^{message}"):
        ladder.random_circles(**kwargs)


# --- Memory: a batch that cannot fit is refused before any rung allocates it -----------------

@pytest.fixture
def one_gigabyte_free(monkeypatch):
    monkeypatch.setattr(checks, "available_memory", lambda: 10**9)


def test_every_rung_refuses_a_batch_too_big_for_memory(one_gigabyte_free):
    circles = ladder.random_circles(300, canvas=2000, seed=0)  # 300 images of 4 MB: 1.2 GB
    for rung in RUNGS:  # processes hold the batch twice, TensorFlow three times
        with pytest.raises(MemoryNeedError, match=r"^centres: drawing 300 circles of 2000x2000 "
                                                  r"pixels would need (1.2|2.4|3.6) GB of memory"):
            rung(*circles, canvas=2000)


def test_drawing_into_a_given_output_allocates_nothing_and_is_not_refused(one_gigabyte_free):
    circles = ladder.random_circles(20, canvas=2000, seed=0)
    out = np.empty((20, 2000, 2000), np.uint8)
    assert ladder.draw_circles_batch(*circles, canvas=2000, out=out) is out
    with pytest.raises(ValueError, match=r"^out: expected shape \(20, 1000, 2000\)"):
        ladder.draw_circles_batch(*circles, canvas=(2000, 1000), out=out)


def test_random_circles_refuses_more_circles_than_memory_holds(one_gigabyte_free):
    with pytest.raises(MemoryNeedError, match="^n: 100,000,000 random circles would need 4 GB"):
        ladder.random_circles(10**8)


def test_ladder_candidates_run_every_rung_on_the_same_circles(reference):
    with ladder.process_pool(2) as pool:
        candidates = ladder.ladder_candidates(CIRCLES, (48, 40), workers=2, pool=pool,
                                              tensorflow=True)
        results = {name: run() for name, run in candidates.items()}
    assert list(results) == ["per-pixel Python", "NumPy per image", "Pillow per image",
                             "NumPy batch", "NumPy batch, 2 threads", "NumPy batch, 2 processes",
                             "TensorFlow (eager)", "TensorFlow (XLA)"]
    for name, result in results.items():
        if name != "Pillow per image":
            assert np.array_equal(result, reference), name


def test_ladder_table_turns_a_comparison_into_per_image_figures():
    from course_lib.measure.machine import MachineLimits
    from course_lib.measure import compare

    circles = ladder.random_circles(50, seed=0)
    candidates = ladder.ladder_candidates(circles, 64, workers=2)
    result = compare(candidates, baseline="per-pixel Python", work=50, unit="images",
                     repeats=1, warmup=0, progress=False)
    table = ladder.ladder_table(result, 64 * 64, MachineLimits(1.0, 1.0))
    assert list(table["rung"]) == list(candidates)
    python = result.row("per-pixel Python").median_s
    assert table["ms/image"].iloc[0] == pytest.approx(python / 50 * 1e3)
    assert table["images/s"].iloc[0] == pytest.approx(50 / python)
    assert table["output GB/s"].iloc[0] == pytest.approx(50 * 4096 / python / 1e9)
    # against 1 GB/s of read bandwidth, the share is the same number
    assert table["output / read bandwidth"].iloc[0] == pytest.approx(50 * 4096 / python / 1e9)
    assert "output / read bandwidth" not in ladder.ladder_table(result, 64 * 64).columns
    assert table["speedup vs per-pixel Python"].iloc[0] == 1
