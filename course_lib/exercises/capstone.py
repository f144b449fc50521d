"""Notebook 08's capstone: a plan for a latency budget and a quality floor, checked live.

The challenge (``CHALLENGE``): a handwriting preview page shows 100 fresh digits, ten of each,
and the whole page must arrive within the second a user waits ("flow" in ``measure.budgets``).
The digits must be the digits asked for (classifier agreement floor) and must vary like real
handwriting (a diversity floor, relative to real MNIST digits), which rules out some of notebook
05's generators whatever their speed.

The learner writes ``plan_for(challenge, contenders, limits) -> Plan``: a generator, a batch
size, passes where the generator has them, a precision, the time the roofline predicts from the
machine's measured limits, and a justification. ``check_plan`` then

* recomputes the prediction from the plan and the limits, and asks again for a machine ten times
  slower: a number typed in instead of computed does not follow the limits;
* measures the plan live (``measure.compare``: warm-up, interleaved repeats, the median), as the
  budget means it: the time until the whole page of digits exists, one or several calls;
* judges a fixed-seed batch of its digits with the shipped classifier, drawn as the plan draws.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from course_lib import config
from course_lib.checks import check_callable, check_choice, check_int, check_number
from course_lib.generate import maskgit, one_shot, tiny_gpt, tradeoff
from course_lib.generate.quality import Quality, diversity, score
from course_lib.i18n.language import tr, word_count
from course_lib.measure import compare, machine, roofline
from course_lib.measure.budgets import BUDGETS_BY_KEY, Budget
from course_lib.mnist.data import NUM_CLASSES, load_mnist
from .report import CheckReport, call_learner, describe_error

# Bytes per weight of each precision the generators really run in. Only float32: the shipped
# weights are float32 and no float16, bfloat16 or int8 version of these generators was made and
# measured (notebook 04 quantizes the classifier, not them).
PRECISIONS = {"float32": 4}
MASKGIT = "maskgit"  # the one generator whose passes the plan chooses
GENERATORS = ("gpt_recompute_xla", "gpt_cached_xla", MASKGIT, "cvae")
SLOWER = 10  # the second machine the plan is asked about is this many times slower


@dataclass(frozen=True)
class Challenge:
    """``images`` digits needed together within ``share`` of ``budget``; quality floors."""

    budget: Budget
    images: int
    share: float = 1.0
    agreement: float = 0.95       # the classifier must agree with the requested digit this often
    diversity_share: float = 0.9  # same-class variety, as a share of real digits' variety

    @property
    def budget_ms(self) -> float:
        return self.budget.ms * self.share

    def __str__(self) -> str:
        return (f"{self.images} digits within {self.budget_ms:g} ms ({self.budget.name}); "
                f"classifier agreement >= {self.agreement:.0%}; diversity >= "
                f"{self.diversity_share:.0%} of real digits'")


CHALLENGE = Challenge(BUDGETS_BY_KEY["flow"], images=10 * NUM_CLASSES)


@dataclass(frozen=True)
class Contender:
    """A generator a plan may choose, with what a prediction needs: FLOPs of one pass for one
    image, and the weights every pass reads. ``passes`` is None where the plan picks them."""

    key: str
    label: str
    passes: int | None
    flops_per_pass: float
    weights: int
    make: Callable[[int], tradeoff.Generator]  # passes -> the generator that draws


@dataclass(frozen=True)
class Plan:
    """What the learner chooses; a wrong field raises at once, naming the field."""

    generator: str
    batch: int
    passes: int | None
    precision: str
    predicted_ms: float
    justification: str

    def __post_init__(self) -> None:
        if not isinstance(self.generator, str):
            raise TypeError(f"generator: expected a string, got {type(self.generator).__name__}")
        check_choice("generator", self.generator, GENERATORS)
        check_int("batch", self.batch, minimum=1)
        if self.generator == MASKGIT:
            check_int("passes", self.passes, minimum=1, maximum=tiny_gpt.GPTConfig().length)
        elif self.passes is not None:
            raise ValueError(f"passes: {self.generator!r} has a fixed number of passes, so "
                             f"passes must be None; got {self.passes!r} (only {MASKGIT!r} "
                             "lets the plan choose them)")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision: only {', '.join(map(repr, PRECISIONS))} exists for "
                             f"these generators (their shipped weights; no lower-precision "
                             f"version was made or measured), got {self.precision!r}")
        check_number("predicted_ms", self.predicted_ms, positive=True)
        if not isinstance(self.justification, str):
            raise TypeError(f"justification: expected a string, got "
                            f"{type(self.justification).__name__}")


def contenders(gpt: tiny_gpt.DigitGPT, maskgit_model: tiny_gpt.DigitGPT, tokenizer,
               cvae: one_shot.DigitCVAE) -> dict[str, Contender]:
    """The generators of ``GENERATORS`` by key; FLOPs from notebook 05's counts, weights from
    the models (the weights a pass reads; the cVAE samples with its decoder only)."""
    def generator(key: str, steps: int = 1) -> tradeoff.Generator:
        return tradeoff.generators(gpt, maskgit_model, tokenizer, cvae, (steps,))[key]

    decoder = cvae.expand.count_params() + cvae.upsample.count_params()
    found = {}
    for key, weights in (("gpt_recompute_xla", gpt.weights_read_per_pass()),
                         ("gpt_cached_xla", gpt.weights_read_per_pass()), ("cvae", decoder)):
        made = generator(key)
        found[key] = Contender(key, made.label, made.passes, made.flops_per_image / made.passes,
                               weights, lambda passes, key=key: generator(key))
    found[MASKGIT] = Contender(MASKGIT, "MaskGIT, N passes", None,
                               maskgit.flops_per_pass(maskgit_model.spec),
                               maskgit_model.weights_read_per_pass(),
                               lambda passes: generator(f"maskgit_{passes}", passes))
    return found


def load_contenders() -> dict[str, Contender]:
    """``contenders`` of the shipped models (loaded in about a second each)."""
    gpt, tokenizer = tiny_gpt.load_pretrained()
    return contenders(gpt, maskgit.load_pretrained()[0], tokenizer, one_shot.load_pretrained())


def contenders_table(found: Mapping[str, Contender]):
    """What a plan chooses from, one row per generator, for the notebook to show."""
    import pandas as pd

    return pd.DataFrame([{"generator": c.key, "label": c.label,
                          "passes": "you choose" if c.passes is None else c.passes,
                          "MFLOP per pass per image": c.flops_per_pass / 1e6,
                          "weights read per pass": c.weights}
                         for c in found.values()]).set_index("generator")


def card_quality(challenge: Challenge = CHALLENGE):
    """Each generator's quality as its model card records it (1,000 digits at temperature 1),
    against the challenge's floors: the evidence a plan can choose from before measuring."""
    import json

    import pandas as pd

    def read(path) -> dict:
        return json.loads(path.read_text())["quality_temperature_1"]

    gpt, cvae = read(tiny_gpt.CARD_PATH), read(one_shot.CARD_PATH)
    rows = {"GPT (cached or not: the same tokens)": gpt, "cVAE": cvae}
    rows.update({f"MaskGIT, {passes} pass{'' if passes == '1' else 'es'}": quality
                 for passes, quality in read(maskgit.CARD_PATH).items()})
    real = cvae["real_diversity"]  # the card that measured real digits' variety
    table = pd.DataFrame([{"generator": name, "agreement": q["agreement"],
                           "diversity": q["diversity"], "diversity / real": q["diversity"] / real}
                          for name, q in rows.items()]).set_index("generator")
    table["meets both floors"] = ((table["agreement"] >= challenge.agreement)
                                  & (table["diversity / real"] >= challenge.diversity_share))
    return table


def calls(plan: Plan, challenge: Challenge) -> int:
    """Calls of ``plan.batch`` digits it takes to have ``challenge.images`` of them."""
    return math.ceil(challenge.images / plan.batch)


def predicted_ms(plan: Plan, challenge: Challenge, found: Mapping[str, Contender],
                 limits: machine.MachineLimits) -> float:
    """The roofline's least time for the whole page: every call computes ``batch`` images for
    each pass and reads every weight once per pass (the batch shares them); the calls run one
    after another. Activations and the KV cache are left out: small next to the weights here."""
    contender = found[plan.generator]
    passes = plan.passes or contender.passes
    flops = plan.batch * passes * contender.flops_per_pass
    bytes_moved = passes * contender.weights * PRECISIONS[plan.precision]
    return calls(plan, challenge) * roofline.predicted_seconds(limits, flops, bytes_moved) * 1e3


def slower_machine(limits: machine.MachineLimits, times: float = SLOWER) -> machine.MachineLimits:
    """The same limits divided by ``times``: a machine a typed-in prediction would not follow."""
    return dataclasses.replace(limits, matmul_gflops=limits.matmul_gflops / times,
                               bandwidth_gbs=limits.bandwidth_gbs / times)


def draw_page(generator: tradeoff.Generator, plan: Plan, images: int, seed: int = 0) -> np.ndarray:
    """``images`` digits cycling through 0-9, drawn as the plan draws them: calls of
    ``plan.batch`` one after another (the last one full too: one compiled shape)."""
    rows = [generator.draw(np.arange(i * plan.batch, (i + 1) * plan.batch) % NUM_CLASSES,
                           seed + i) for i in range(math.ceil(images / plan.batch))]
    return np.concatenate(rows)[:images]


@functools.cache
def real_diversity(images: int = 1000) -> float:
    """Same-class variety of the first ``images`` real MNIST test digits (the floor's yardstick)."""
    _, (x_test, y_test) = load_mnist()
    return diversity(x_test[:images], y_test[:images])


def check_plan(plan_for: Callable, found: Mapping[str, Contender], classifier, *,
               challenge: Challenge = CHALLENGE, limits: machine.MachineLimits | None = None,
               quality_images: int | None = None, repeats: int | None = None) -> CheckReport:
    """Ask ``plan_for(challenge, found, limits)`` for a plan; check its prediction, then measure
    its latency live on this machine and judge its digits (200 quick, 1,000 full)."""
    check_callable("plan_for", plan_for, "a function (challenge, contenders, limits) -> Plan")
    quality_images = check_int("quality_images", config.pick(quick=200, full=1000)
                               if quality_images is None else quality_images, minimum=NUM_CLASSES)
    limits = machine.measure_limits() if limits is None else limits
    report = CheckReport(tr("Capstone — {challenge}", challenge=challenge))
    plans = {}
    for name, machine_limits in (("this machine", limits),
                                 (f"a machine {SLOWER}x slower", slower_machine(limits))):
        try:
            plans[name] = call_learner(plan_for, challenge=challenge, contenders=found,
                                       limits=machine_limits)
        except Exception as error:  # noqa: BLE001 - a learner's bug is a result
            report.add(f"plan_for(..., limits of {name})", False, str(error))
            return report
        if not isinstance(plans[name], Plan):
            report.add(f"plan_for(..., limits of {name})", False,
                       f"expected a capstone.Plan, got {type(plans[name]).__name__}")
            return report
        _check_prediction(report, name, plans[name], challenge, found, machine_limits)
    plan = plans["this machine"]
    _check_live(report, plan, challenge, found, limits, classifier, quality_images, repeats)
    return report


def _check_prediction(report: CheckReport, name: str, plan: Plan, challenge: Challenge,
                      found: Mapping[str, Contender], limits: machine.MachineLimits) -> None:
    """Is the plan's predicted time the roofline's for its choices, and does its text quote it?"""
    expected = predicted_ms(plan, challenge, found, limits)
    computed = math.isclose(plan.predicted_ms, expected, rel_tol=0.01)
    report.add(f"prediction computed from the limits ({name})", computed,
               f"{plan.predicted_ms:,.3g} ms; the roofline gives {expected:,.3g} ms for "
               f"{_describe(plan, challenge)}" + ("" if computed else
               ": compute it from `limits` and the contender's FLOPs and weights"))
    quoted = [float(text.replace(",", "")) for text in
              re.findall(r"\d[\d,]*(?:\.\d+)?", plan.justification)]
    words = word_count(plan.justification)
    near = any(math.isclose(value, expected, rel_tol=0.05, abs_tol=0.5) for value in quoted)
    report.add(f"justification quotes the prediction ({name})", words >= 15 and near,
               f"{words} words" + (", quoting it" if near else
                                   f"; it must quote {expected:,.3g} ms (an f-string)")
               + ("" if words >= 15 else "; write at least 15 words: why this choice"))


def _describe(plan: Plan, challenge: Challenge) -> str:
    passes = "" if plan.passes is None else f", {plan.passes} passes"
    return (f"{plan.generator}{passes}, {calls(plan, challenge)} call(s) of batch {plan.batch}, "
            f"{plan.precision}")


def _check_live(report: CheckReport, plan: Plan, challenge: Challenge,
                found: Mapping[str, Contender], limits: machine.MachineLimits, classifier,
                quality_images: int, repeats: int | None) -> None:
    """Measure the whole page's latency and judge the plan's digits; record both."""
    predicted = predicted_ms(plan, challenge, found, limits)
    bound = "within" if predicted <= challenge.budget_ms else "OVER"
    report.add("predicted to fit the budget", predicted <= challenge.budget_ms,
               f"{predicted:,.3g} ms predicted, {bound} {challenge.budget_ms:g} ms")
    generator = found[plan.generator].make(plan.passes or 0)
    try:
        timing = compare({plan.generator: lambda: draw_page(generator, plan, challenge.images)},
                         work=challenge.images, unit="images", repeats=repeats, warmup=1,
                         progress=False, labels={plan.generator: generator.label},
                         title=tr("Your plan: {plan}", plan=_describe(plan, challenge)))
    except Exception as error:  # noqa: BLE001 - e.g. memory refused for a huge batch
        report.add("measured live", False, describe_error(error))
        return
    latency_ms = timing.row(plan.generator).median_s * 1e3
    report.add("fits the budget, measured now", latency_ms <= challenge.budget_ms,
               f"the page of {challenge.images} took {latency_ms:,.3g} ms (median of "
               f"{len(timing.row(plan.generator).samples_s)}, after warm-up) against "
               f"{challenge.budget_ms:g} ms; {latency_ms / predicted:.2g}x the prediction; "
               f"{timing.per_item_ms(plan.generator):,.3g} ms per digit is throughput, not the "
               f"latency the budget limits. Measured on this machine: {machine.describe()}")
    quality = judge_plan(generator, plan, classifier, quality_images)
    real = real_diversity()
    report.add(f"classifier agreement >= {challenge.agreement:.0%}",
               quality.agreement >= challenge.agreement,
               f"{quality.agreement:.1%} of {quality.images} digits (fixed seeds; weakest class "
               f"{min(quality.per_class):.0%})")
    report.add(f"diversity >= {challenge.diversity_share:.0%} of real digits'",
               quality.diversity >= challenge.diversity_share * real,
               f"{quality.diversity:.3f} against {real:.3f} for real test digits "
               f"({quality.diversity / real:.0%})")
    report.details.update(timing=timing, quality=quality, predicted_ms=predicted)


def judge_plan(generator: tradeoff.Generator, plan: Plan, classifier, images: int) -> Quality:
    """The plan's digits (seeds 0, 1, ... per call, classes cycling 0-9) judged by the
    classifier: agreement, confidence, diversity."""
    drawn = draw_page(generator, plan, images)
    return score(drawn, np.arange(images) % NUM_CLASSES, classifier)
