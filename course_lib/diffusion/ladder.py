"""The step ladder: every way notebook 07 draws a digit, as generators the course's trade-off
table, timer and judge take (``generate.tradeoff``), beside the GPT, MaskGIT and the VAE.

Rungs, all at the same guidance scale unless named otherwise: the full 1,000-step ancestral
schedule; DDIM at 50, 20, 10 and 5 steps from the same weights; DDIM-20 without guidance (one
pass a step instead of two); the reflow student at 4, 2 and 1 steps (guidance learned, one pass
a step). Cost per image = passes x FLOPs per pass: no cache carries work between steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from course_lib.checks import check_int
from course_lib.diffusion import samplers
from course_lib.diffusion.denoiser import DigitDenoiser, flops_per_pass
from course_lib.diffusion.schedule import STEPS
from course_lib.generate import common
from course_lib.generate.quality import Quality, score
from course_lib.generate.tradeoff import Generator
from course_lib.measure import Comparison, fmt

GUIDANCE = 3.0           # the teacher's card and every guided rung use this scale
FULL = "ddpm_1000"       # the rung every speed-up is measured against
DDIM_STEPS = (50, 20, 10, 5)
STUDENT_STEPS = (4, 2, 1)


@dataclass(frozen=True)
class Rung:
    """One setting: which model (``teacher`` or ``student``), sampler, steps and guidance."""

    key: str
    model: str
    method: str
    steps: int
    guidance: float

    @property
    def passes(self) -> int:
        return samplers.passes_per_image(self.method, self.steps, self.guidance)

    @property
    def label(self) -> str:
        name = {"ddpm": "DDPM", "ddim": "DDIM", "euler": "student"}[self.method]
        guide = (f", guidance {self.guidance:g}" if self.guidance != 1.0 else
                 "" if self.method == "euler" else ", no guidance")
        return f"{name}, {self.steps} step{'s' if self.steps > 1 else ''}{guide}"


def rungs(ddim_steps: Sequence[int] = DDIM_STEPS, student_steps: Sequence[int] = STUDENT_STEPS,
          full: bool = True, unguided: bool = True, guidance: float = GUIDANCE) -> list[Rung]:
    """The ladder, most passes first: the full schedule (``full``), DDIM at ``ddim_steps``,
    DDIM-20 without guidance (``unguided``), the student at ``student_steps``."""
    found = [Rung(FULL, "teacher", "ddpm", STEPS, guidance)] if full else []
    found += [Rung(f"ddim_{steps}", "teacher", "ddim", steps, guidance)
              for steps in sorted(ddim_steps, reverse=True)]
    if unguided:
        found.append(Rung("ddim_20_unguided", "teacher", "ddim", 20, 1.0))
    found += [Rung(f"student_{steps}", "student", "euler", steps, 1.0)
              for steps in sorted(student_steps, reverse=True)]
    return found


def generators(teacher: DigitDenoiser, student: DigitDenoiser | None,
               chosen: Sequence[Rung] | None = None) -> dict[str, Generator]:
    """``generate.tradeoff.Generator`` per rung (default ``rungs()``), drawing with the
    compiled ``samplers.sample``; student rungs are skipped when ``student`` is None."""
    models = {"teacher": teacher, "student": student}
    found = {}
    for rung in rungs() if chosen is None else chosen:
        model = models[rung.model]
        if model is None:
            continue
        found[rung.key] = Generator(
            rung.label, rung.passes, rung.passes * flops_per_pass(model.spec), model,
            samplers.sample, options={"method": rung.method, "steps": rung.steps,
                                      "guidance": rung.guidance})
    return found


def judge_rungs(found: Mapping[str, Generator], classifier, per_class: int, batch: int = 50,
                seed: int = 0) -> tuple[dict[str, Quality], dict[str, np.ndarray]]:
    """Each generator's quality on ``per_class`` digits per class, drawn ``batch`` at a time in
    the order 0, 1, ..., 9, 0, 1, ... (chunk at offset i from seed ``seed + i``), and its first
    ten digits, one per class: ``gen.draw(np.arange(10), seed)`` draws them from the same noises
    (a shorter batch's noise is the start of a longer one's), so every rung's examples, the full
    schedule's too, show what each cut changes."""
    check_int("per_class", per_class, minimum=1)
    labels = np.tile(np.arange(10, dtype=np.int32), per_class)
    qualities, examples = {}, {}
    for key, gen in found.items():
        images = np.concatenate([gen.draw(labels[i:i + batch], seed + i)
                                 for i in range(0, len(labels), batch)])
        qualities[key] = score(images, labels, classifier)
        examples[key] = images[:10]
    return qualities, examples


def card_quality(card: Mapping, key: str) -> Quality:
    """A ``Quality`` recorded on a model card (``quality_temperature_1[key]``), for a setting
    too slow to judge live (the full schedule: 2,000 passes a digit)."""
    return Quality.from_dict(card["quality_temperature_1"][key])


def one_pass(model: DigitDenoiser, batch: int) -> Callable[[], np.ndarray]:
    """A zero-argument callable running ONE compiled denoiser pass on ``batch`` noisy images
    (for ``measure.compare``): what every sampling step pays."""
    check_int("batch", batch, minimum=1)
    inputs = (samplers.normal_noise(batch, 0, 0), tf.fill([batch], 500.0),
              tf.constant(np.arange(batch) % 10, tf.int32))
    run = common.compiled(model, "diffusion_one_pass", lambda m, x, t, c: m((x, t, c)),
                          jit_compile=True)
    return lambda: run(*inputs).numpy()


TABLE_FORMATS = {"passes per image": "{:,}", "ms per image, batch 1": fmt,
                 "x faster than the full schedule": "{:,.1f}x", "agreement": "{:.1%}",
                 "weakest class": "{:.0%}", "confidence": "{:.1%}", "diversity": "{:.3f}",
                 "digits judged": "{:,}"}


def ladder_table(found: Mapping[str, Generator], timing: Comparison,
                 qualities: Mapping[str, Quality]):
    """One row per timed rung: passes, ms per image and speed-up against the full schedule
    (both from ``timing``), and its quality; indexed by rung id, its label beside."""
    import pandas as pd

    rows = []
    for key in timing.names():
        quality = qualities[key]
        rows.append({"rung": key, "label": found[key].label,
                     "passes per image": found[key].passes,
                     "ms per image, batch 1": timing.per_item_ms(key),
                     "x faster than the full schedule": timing.speedup(key),
                     "agreement": quality.agreement, "weakest class": min(quality.per_class),
                     "confidence": quality.confidence, "diversity": quality.diversity,
                     "digits judged": quality.images})
    return pd.DataFrame(rows).set_index("rung")
