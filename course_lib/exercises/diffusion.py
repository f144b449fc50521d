"""Checkers for notebook 07: one DDIM update, the classifier-free guidance mix, and the denoiser
passes one image costs.

Each is judged against the library's own code, not a copy of the formula: exercise 1 against
``samplers.update("ddim", ...)`` and exercise 2 against ``samplers.predict``, both given a
stand-in model that returns fixed predictions (so no trained weights are needed), and
exercise 3 against ``samplers.passes_per_image``. Known wrong answers (a forgotten square root,
cond and uncond swapped, the (1 + w) convention, guidance counted as free...) are named.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from course_lib.diffusion import samplers
from course_lib.diffusion.schedule import ddim_timesteps
from course_lib.i18n.language import tr
# The stub detection and the one-number check are notebook 06's, shared rather than copied.
from .report import CheckReport, combine, one_number, run_cases

ATOL = 1e-3  # the library steps in float32; a learner may work in float64
SCALES = (1.0, 0.0, 2.0, 3.0, 7.5)  # 1: no guidance (cond); 0: the unconditional model


def _judge_array(expected: np.ndarray, mistakes: list[tuple[np.ndarray, str]],
                 right: str) -> Callable[[object], str | None]:
    """None when ``result`` equals ``expected`` (within ATOL), else what is wrong: the known
    mistakes it matches (several can agree on one case: scale 0 makes some alike), or how far
    it is from ``right`` (what the right value is called)."""
    def judge(result: object) -> str | None:
        got = np.asarray(result, np.float64)
        if got.shape != expected.shape:
            return f"expected an array of shape {expected.shape}, got {got.shape}"
        if not np.isfinite(got).all():
            return "your result has NaN or infinite values"
        if np.allclose(got, expected, atol=ATOL, rtol=0):
            return None
        known = [what for value, what in mistakes  # relative: a mistake can be huge
                 if np.allclose(got, value, atol=ATOL, rtol=1e-4)]
        return "; or: ".join(known) or \
            f"differs from {right} by up to {np.abs(got - expected).max():.3g}"
    return judge


def _fake_model(output: np.ndarray) -> Callable[[tuple], tf.Tensor]:
    """A stand-in denoiser: whatever it is given, it predicts ``output``."""
    return lambda inputs: tf.constant(output, tf.float32)


# ---- Exercise 1: one DDIM update -------------------------------------------------------------

# (what it shows, DDIM steps, step index i): the step from timesteps[i] to timesteps[i + 1]
DDIM_CASES = [("the first of 20 steps (t = 999 -> 949: almost pure noise)", 20, 0),
              ("a middle step of 20 (t = 499 -> 449)", 20, 10),
              ("the last of 20 steps (t = 49 -> the clean image: abar_next = 1)", 20, 19),
              ("a single step from pure noise to the clean image", 1, 0),
              ("one of 1,000 steps (t = 500 -> 499: a tiny move)", 1000, 499)]


def _ddim_inputs(rng: np.random.Generator, abar: float
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x, eps and the velocity the course's model would predict for them (its output is
    ``v = sqrt(abar) eps - sqrt(1 - abar) x0``, from which the sampler gets x0 and eps back),
    with the clean image inside [-1, 1], so the sampler's clip of x0 is a no-op."""
    x0 = rng.uniform(-0.9, 0.9, (3, 28, 28, 1))
    eps = rng.normal(size=x0.shape)
    x = np.sqrt(abar) * x0 + np.sqrt(1 - abar) * eps
    velocity = np.sqrt(abar) * eps - np.sqrt(1 - abar) * x0
    return x.astype(np.float32), eps.astype(np.float32), velocity.astype(np.float32)


def _ddim_mistakes(x: np.ndarray, eps: np.ndarray, abar: float,
                   abar_next: float) -> list[tuple[np.ndarray, str]]:
    x, eps = x.astype(np.float64), eps.astype(np.float64)

    def step(a: float, b: float, x0_power: float = 0.5, next_power: float = 0.5,
             swap_weights: bool = False) -> np.ndarray:
        x0 = (x - (1 - a) ** x0_power * eps) / a ** x0_power
        signal, noise = b ** next_power, (1 - b) ** next_power
        return (noise * x0 + signal * eps) if swap_weights else (signal * x0 + noise * eps)

    return [(step(abar, abar_next, 1, 1), "the square roots are missing: x = sqrt(abar) x0 + "
             "sqrt(1 - abar) eps, so both lines need sqrt(abar) and sqrt(1 - abar)"),
            (step(abar, abar_next, x0_power=1), "the square roots are missing in x0's line: "
             "x0 = (x - sqrt(1 - abar) eps) / sqrt(abar)"),
            (step(abar, abar_next, next_power=1), "the square roots are missing in the "
             "next x: sqrt(abar_next) x0 + sqrt(1 - abar_next) eps"),
            (step(abar_next, abar), "abar and abar_next are swapped: that steps back toward "
             "noise; x0 comes from the current abar, the next x from abar_next"),
            (step(abar, abar_next, swap_weights=True), "the weights are swapped: x0 gets "
             "sqrt(abar_next) (the signal kept), eps gets sqrt(1 - abar_next)"),
            (step(abar, 1.0), "that is the predicted clean image x0; the step then re-noises it "
             "to the next level: sqrt(abar_next) x0 + sqrt(1 - abar_next) eps"),
            (x - eps, "subtracting the whole predicted noise is not a DDIM step: estimate x0, "
             "then mix it with eps at the next noise level")]


def check_ddim_step(ddim_step: Callable) -> CheckReport:
    """Exercise 1: ``ddim_step(x, eps, abar, abar_next)`` against the sampler's own DDIM step
    (``samplers.update``, with a stand-in model predicting ``eps``) at five points of the
    schedule, on NumPy arrays and once on TensorFlow tensors."""
    rng = np.random.default_rng(7)
    cases = []
    for k, (name, steps, i) in enumerate(DDIM_CASES + [DDIM_CASES[1]]):
        times = ddim_timesteps(steps)
        abar = float(samplers.ALPHA_BARS[int(times[i])])
        abar_next = float(samplers.ALPHA_BARS[int(times[i + 1])]) if i + 1 < steps else 1.0
        x, eps, velocity = _ddim_inputs(rng, abar)
        expected = samplers.update("ddim", _fake_model(velocity), tf.constant(x),
                                   tf.constant(i), samplers.timesteps("ddim", steps),
                                   tf.zeros([len(x)], tf.int32), None, None).numpy()
        tensors = k == len(DDIM_CASES)  # the sampler itself passes tensors
        given = (tf.constant(x), tf.constant(eps)) if tensors else (x.copy(), eps.copy())
        cases.append((name + (", as TensorFlow tensors" if tensors else ""),
                      dict(x=given[0], eps=given[1], abar=abar, abar_next=abar_next),
                      _judge_array(expected, _ddim_mistakes(x, eps, abar, abar_next),
                                   "the sampler's DDIM step")))
    return combine(tr("Exercise 1 — one DDIM update"), {"ddim_step": run_cases("", ddim_step,
                                                                            cases)})


# ---- Exercise 2: the guidance mix ------------------------------------------------------------

def _guidance_mistakes(cond: np.ndarray, uncond: np.ndarray,
                       scale: float) -> list[tuple[np.ndarray, str]]:
    cond, uncond = cond.astype(np.float64), uncond.astype(np.float64)
    return [(cond + scale * (uncond - cond), "cond and uncond are swapped: start from the "
             "unconditional prediction and move toward the class: uncond + s (cond - uncond)"),
            (uncond + (1 + scale) * (cond - uncond), "that is (1 + s) cond - s uncond, the "
             "other convention (guidance weight w = s - 1); here scale 1 must give cond"),
            (cond, "that is cond itself: the scale is ignored"),
            (uncond, "that is uncond itself: the scale is ignored"),
            (scale * (cond - uncond), "uncond is missing: uncond + s (cond - uncond)"),
            (uncond + scale * cond, "the bracket is cond - uncond, not cond alone")]


def check_guided_prediction(guided_prediction: Callable) -> CheckReport:
    """Exercise 2: ``guided_prediction(cond, uncond, scale)`` against the mix
    ``samplers.predict`` makes of a stand-in model's two predictions, at scales 1 (cond),
    0 (uncond), 2, 3 and 7.5, and once on TensorFlow tensors."""
    rng = np.random.default_rng(8)
    cases = []
    for scale in SCALES + (3.0,):
        cond, uncond = (rng.normal(size=(4, 28, 28, 1)).astype(np.float32) for _ in range(2))
        x = tf.zeros(cond.shape)
        expected = samplers.predict(_fake_model(np.concatenate([cond, uncond])), x,
                                          tf.constant(500), tf.zeros([4], tf.int32),
                                          tf.constant(scale)).numpy()
        tensors = len(cases) == len(SCALES)
        what = {1.0: " (no guidance: the result is cond)",
                0.0: " (the unconditional model alone)"}.get(scale, "")
        cases.append((f"scale {scale}{what}" + (", as TensorFlow tensors" if tensors else ""),
                      dict(cond=tf.constant(cond) if tensors else cond.copy(),
                           uncond=tf.constant(uncond) if tensors else uncond.copy(),
                           scale=scale),
                      _judge_array(expected, _guidance_mistakes(cond, uncond, scale),
                                   "the sampler's guided prediction")))
    return combine(tr("Exercise 2 — the guidance mix"), {"guided_prediction": run_cases("",
                                                                                guided_prediction,
                                                                                cases)})


# ---- Exercise 3: passes per image ------------------------------------------------------------

# (what it is, method, steps, guidance)
PASS_CASES = [("the full schedule (DDPM), no guidance", "ddpm", 1000, 1.0),
              ("the full schedule (DDPM), guided", "ddpm", 1000, 3.0),
              ("DDIM, 50 steps, no guidance", "ddim", 50, 1.0),
              ("DDIM, 20 steps, guided", "ddim", 20, 3.0),
              ("DDIM, 10 steps, guided at scale 1.5", "ddim", 10, 1.5),
              ("DDIM, 5 steps, guided", "ddim", 5, 2.0),
              ("the student (euler), 4 steps: guidance is distilled in", "euler", 4, 1.0),
              ("the student (euler), 1 step", "euler", 1, 1.0)]


def _judge_passes(method: str, steps: int, guidance: float,
                  row: dict[str, object]) -> Callable[[object], str | None]:
    expected = samplers.passes_per_image(method, steps, guidance)
    guided = guidance != 1.0
    mistakes = [(steps, "guidance costs a second pass per step (with and without the class): "
                        "2 x steps"),
                (2 * steps, "guidance 1.0 means no guidance: one pass per step"),
                (steps * guidance, "the scale sets the mix, not the count: any scale other "
                                   "than 1 costs exactly one more pass per step"),
                (1000 * (2 if guided else 1), "DDIM visits only its `steps` timesteps, one pass "
                                              "each, not all 1,000"),
                (steps + 1, "one pass per step, nothing more")]

    def judge(result: object) -> str | None:
        row["your passes"] = result
        got = one_number(result)
        if got == expected:
            return None
        known = [what for value, what in mistakes if got == value != expected]
        return f"got {result!r}, expected {expected}" + "".join(f": {w}" for w in known[:1])
    return judge


def check_passes(passes: Callable) -> CheckReport:
    """Exercise 3: ``passes(method, steps, guidance)`` against ``samplers.passes_per_image`` for
    the step ladder's settings; ``details["passes"]`` tables the learner's count beside it."""
    import pandas as pd

    table: list[dict[str, object]] = []
    cases = []
    for name, method, steps, guidance in PASS_CASES:
        table.append(row := {"setting": name, "method": method, "steps": steps,
                             "guidance": guidance, "your passes": None,
                             "passes": samplers.passes_per_image(method, steps, guidance)})
        cases.append((name, dict(method=method, steps=steps, guidance=guidance),
                      _judge_passes(method, steps, guidance, row)))
    report = combine(tr("Exercise 3 — passes per image"),
                     {"passes": run_cases("", passes, cases)})
    report.details["passes"] = pd.DataFrame(table)
    return report
