"""Notebook 07's checkers pass the reference solutions, fail each known wrong answer with a
sentence that names the mistake, and report a stub as not written yet. No trained model needed."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.diffusion import samplers
from course_lib.diffusion.denoiser import DenoiserConfig, build
from course_lib.exercises import diffusion as ex
from course_lib.exercises import show_solution, solution, solution_names


def failures(report) -> dict[str, str]:
    assert not report.passed
    return {case.name: case.message for case in report.failures}


def stub(*args, **kwargs):
    raise NotImplementedError("write it")


def test_the_solutions_are_registered_and_shown_only_on_request():
    assert {"ddim_step", "guided_prediction", "passes"} <= set(solution_names())
    assert "uncond + scale * (cond - uncond)" in show_solution("guided_prediction").code


@pytest.mark.parametrize("check, name", [(ex.check_ddim_step, "ddim_step"),
                                         (ex.check_guided_prediction, "guided_prediction"),
                                         (ex.check_passes, "passes")])
def test_the_reference_solutions_pass_and_stubs_are_not_written_yet(check, name):
    report = check(solution(name))
    assert report.passed and len(report.cases) >= 6, str(report)
    written = check(stub)
    assert [case.name for case in written.cases] == [f"{name}: not written yet"]
    assert "'write it'" in written.cases[0].message


# ---- Exercise 1 ------------------------------------------------------------------------------

def test_the_reference_ddim_step_is_the_formula_and_the_samplers_step_with_a_real_model():
    rng = np.random.default_rng(0)
    x0, eps = rng.uniform(-0.5, 0.5, (2, 28, 28, 1)), rng.normal(size=(2, 28, 28, 1))
    abar, abar_next = 0.25, 0.64  # square roots 0.5 and 0.8
    x = 0.5 * x0 + np.sqrt(0.75) * eps
    np.testing.assert_allclose(solution("ddim_step")(x, eps, abar, abar_next),
                               0.8 * x0 + 0.6 * eps)
    # with a real (tiny, random) denoiser the sampler's step is the formula on its prediction,
    # wherever x0 needs no clipping
    model = build(DenoiserConfig((8, 16), 16), seed=0)
    times = tf.constant([50, 20, -1], tf.int32)  # low noise: the random x0 stays in [-1, 1]
    x = tf.constant(0.1 * rng.normal(size=(2, 28, 28, 1)), tf.float32)
    classes = tf.constant([3, 7], tf.int32)
    velocity = samplers.predict(model, x, times[0], classes, None).numpy()
    abar, abar_next = (float(samplers.ALPHA_BARS[int(t)]) for t in times[:2])
    predicted = np.sqrt(1 - abar) * x.numpy() + np.sqrt(abar) * velocity  # its noise
    x0 = (x.numpy() - np.sqrt(1 - abar) * predicted) / np.sqrt(abar)
    assert np.abs(x0).max() < 1, "the test needs a step the sampler does not clip"
    np.testing.assert_allclose(samplers.update("ddim", model, x, tf.constant(0), times, classes,
                                               None, None).numpy(),
                               solution("ddim_step")(x.numpy(), predicted, abar, abar_next),
                               atol=1e-5)


def _without_roots(x, eps, abar, abar_next):
    x0 = (x - (1 - abar) * eps) / abar
    return abar_next * x0 + (1 - abar_next) * eps


def _swapped_levels(x, eps, abar, abar_next):
    return solution("ddim_step")(x, eps, min(abar_next, 0.9999), abar)


def _only_x0(x, eps, abar, abar_next):
    return (x - np.sqrt(1 - abar) * eps) / np.sqrt(abar)


def _swapped_weights(x, eps, abar, abar_next):
    x0 = (x - np.sqrt(1 - abar) * eps) / np.sqrt(abar)
    return np.sqrt(1 - abar_next) * x0 + np.sqrt(abar_next) * eps


@pytest.mark.parametrize("wrong, words, passing", [
    (_without_roots, "the square roots are missing:", 0),
    (_swapped_levels, "abar and abar_next are swapped", 0),
    (_only_x0, "that is the predicted clean image x0", 2),  # right where abar_next = 1
    (_swapped_weights, "the weights are swapped", 0),
    (lambda x, eps, abar, abar_next: x - eps, "subtracting the whole predicted noise", 0)])
def test_ddim_mistakes_are_named(wrong, words, passing):
    report = ex.check_ddim_step(wrong)
    found = failures(report)
    assert len(report.cases) - len(found) == passing
    named = [message for message in found.values() if words in message]
    assert len(named) >= 3, str(report)
    assert "a middle step of 20 (t = 499 -> 449)" in found


def test_a_missing_root_in_one_line_is_named_and_a_wrong_shape_is_said():
    def x0_without_root(x, eps, abar, abar_next):
        x0 = (x - (1 - abar) * eps) / abar
        return np.sqrt(abar_next) * x0 + np.sqrt(1 - abar_next) * eps

    found = failures(ex.check_ddim_step(x0_without_root))
    assert "missing in x0's line" in found["a middle step of 20 (t = 499 -> 449)"]
    found = failures(ex.check_ddim_step(lambda x, eps, abar, abar_next: np.ravel(x)))
    assert "expected an array of shape (3, 28, 28, 1), got (2352,)" in found[
        "a middle step of 20 (t = 499 -> 449)"]


def test_a_numpy_only_step_fails_only_on_tensors_and_says_why():
    def numpy_only(x, eps, abar, abar_next):
        return solution("ddim_step")(x.copy(), eps.copy(), abar, abar_next)  # tensors: no copy

    found = failures(ex.check_ddim_step(numpy_only))
    assert list(found) == ["a middle step of 20 (t = 499 -> 449), as TensorFlow tensors"]
    assert "your function raised AttributeError" in next(iter(found.values()))


# ---- Exercise 2 ------------------------------------------------------------------------------

def test_the_guidance_mix_is_the_samplers_mix_on_a_real_model():
    model = build(DenoiserConfig((8, 16), 16), seed=1)
    x = tf.constant(np.random.default_rng(1).normal(size=(2, 28, 28, 1)), tf.float32)
    classes = tf.constant([1, 5], tf.int32)
    t = tf.constant(400)
    cond = samplers.predict(model, x, t, classes, None).numpy()
    uncond = samplers.predict(model, x, t, tf.fill([2], 10), None).numpy()
    np.testing.assert_allclose(samplers.predict(model, x, t, classes,
                                                      tf.constant(3.0)).numpy(),
                               solution("guided_prediction")(cond, uncond, 3.0), atol=1e-5)


@pytest.mark.parametrize("wrong, case, words", [
    (lambda cond, uncond, scale: cond + scale * (uncond - cond), "scale 2.0",
     "cond and uncond are swapped"),
    (lambda cond, uncond, scale: cond + scale * (cond - uncond), "scale 3.0",
     "(1 + s) cond - s uncond"),
    (lambda cond, uncond, scale: cond, "scale 7.5", "that is cond itself"),
    (lambda cond, uncond, scale: scale * (cond - uncond), "scale 2.0", "uncond is missing"),
    (lambda cond, uncond, scale: uncond + scale * cond, "scale 3.0", "not cond alone")])
def test_guidance_mistakes_are_named(wrong, case, words):
    assert words in failures(ex.check_guided_prediction(wrong))[case]


def test_the_swapped_mix_fails_even_at_scale_1_and_an_unknown_one_says_how_far():
    found = failures(ex.check_guided_prediction(
        lambda cond, uncond, scale: cond + scale * (uncond - cond)))
    assert len(found) == 6  # at scale 1 it gives uncond, at scale 0 cond
    assert "swapped" in found["scale 1.0 (no guidance: the result is cond)"]
    found = failures(ex.check_guided_prediction(lambda cond, uncond, scale: cond * 1.1))
    assert "differs from the sampler's guided prediction by up to" in found["scale 2.0"]


# ---- Exercise 3 ------------------------------------------------------------------------------

def test_the_passes_table_is_the_ladder_and_shows_the_learners_count():
    report = ex.check_passes(solution("passes"))
    table = report.details["passes"]
    assert list(table["passes"]) == [1000, 2000, 50, 40, 20, 10, 4, 1]
    assert list(table["your passes"]) == list(table["passes"])
    assert ex.check_passes(stub).details["passes"]["your passes"].isna().all()


@pytest.mark.parametrize("wrong, case, words", [
    (lambda method, steps, guidance: steps, "DDIM, 20 steps, guided",
     "guidance costs a second pass"),
    (lambda method, steps, guidance: 2 * steps, "DDIM, 50 steps, no guidance",
     "guidance 1.0 means no guidance"),
    (lambda method, steps, guidance: steps * guidance, "DDIM, 20 steps, guided",
     "the scale sets the mix, not the count"),
    (lambda method, steps, guidance: 1000 * (2 if guidance != 1 else 1),
     "DDIM, 20 steps, guided", "DDIM visits only its `steps` timesteps"),
    (lambda method, steps, guidance: [steps], "DDIM, 50 steps, no guidance",
     "expected one number, got list")])
def test_pass_count_mistakes_are_named(wrong, case, words):
    assert words in failures(ex.check_passes(wrong))[case]


# ---- the reference solutions refuse bad arguments, naming them -------------------------------

@pytest.mark.parametrize("name, kwargs, error, argument", [
    ("ddim_step", dict(x=np.zeros(3), eps=np.zeros(3), abar=1.0, abar_next=1.0), ValueError,
     "abar"),
    ("ddim_step", dict(x=np.zeros(3), eps=np.zeros(3), abar=0.5, abar_next=0.0), ValueError,
     "abar_next"),
    ("ddim_step", dict(x=np.zeros(3), eps=np.zeros(2), abar=0.5, abar_next=0.9), ValueError,
     "eps"),
    ("guided_prediction", dict(cond=np.zeros(3), uncond=np.zeros(3), scale="3"), TypeError, "scale"),
    ("guided_prediction", dict(cond=np.zeros(3), uncond=np.zeros(4), scale=3.0), ValueError,
     "uncond"),
    ("passes", dict(method="dpm", steps=20, guidance=1.0), ValueError, "method"),
    ("passes", dict(method="ddim", steps=0, guidance=1.0), ValueError, "steps"),
    ("passes", dict(method="ddpm", steps=50, guidance=1.0), ValueError, "steps"),
    ("passes", dict(method="euler", steps=4, guidance=3.0), ValueError, "guidance"),
])
def test_reference_solutions_name_a_bad_argument(name, kwargs, error, argument):
    with pytest.raises(error, match=f"^{argument}:"):
        solution(name)(**kwargs)
