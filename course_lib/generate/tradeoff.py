"""Speed against quality: token-by-token, MaskGIT and one-shot generators on the same footing.

Every generator here turns digit classes and a seed into finished 28x28 images (decoding
tokens to pixels included), is timed by ``measure.compare`` at the same batch sizes, and is
judged by the same classifier on the same number of digits per class. What differs is how many
*sequential* forward passes an image needs: 49 for the GPT, a handful for MaskGIT, one for the
conditional VAE's decoder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, Sequence

import numpy as np

from course_lib.generate import maskgit, one_shot, samplers, tiny_gpt
from course_lib.generate.quality import Quality, draw, judge
from course_lib.generate.image_tokens import Tokenizer
from course_lib.i18n.language import tr
from course_lib.measure import Comparison, compare, fmt
from course_lib.mnist.data import NUM_CLASSES

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

BASELINE = "gpt_cached_xla"  # the generator every other is timed against


@dataclass(frozen=True)
class Generator:
    """One way to make digits: ``draw(classes, seed) -> images`` (n, 28, 28) in [0, 1].
    ``label`` is what tables print; ``generators`` keys each by an id."""

    label: str
    passes: int           # sequential forward passes per image
    flops_per_image: int  # matmul FLOPs per image (2 per multiply-add)
    model: object
    sampler: Callable[..., np.ndarray]
    tokenizer: Tokenizer | None = None  # None: the sampler makes images, not tokens
    options: Mapping = field(default_factory=dict)
    same_tokens_as: str | None = None  # the id of a generator proven to draw identical tokens

    def draw(self, classes: np.ndarray, seed: int = 0) -> np.ndarray:
        return draw(self.model, self.tokenizer, classes, seed, self.sampler, **self.options)


def generators(gpt: tiny_gpt.DigitGPT, maskgit_model: tiny_gpt.DigitGPT, tokenizer: Tokenizer,
               cvae: one_shot.DigitCVAE, maskgit_steps: Sequence[int] = (4, 8, 12)
               ) -> dict[str, Generator]:
    """The contenders by id, most passes first, all at temperature 1.0: ``gpt_recompute_xla``,
    ``gpt_cached_xla``, ``maskgit_<passes>`` for each of ``maskgit_steps``, ``cvae``. The GPT
    runs twice: without a KV cache (what "49 passes" costs when each pass is a full one, as
    MaskGIT's are) and with it (the ladder's best rung); both draw the same tokens."""
    spec = gpt.spec
    found = {"gpt_recompute_xla": Generator("GPT, no cache, XLA loop", spec.length,
                                            tiny_gpt.flops_per_image(spec, "buffer"), gpt,
                                            samplers.sample_recompute_xla, tokenizer,
                                            same_tokens_as="gpt_cached_xla"),
             "gpt_cached_xla": Generator("GPT, KV cache, XLA loop", spec.length,
                                         tiny_gpt.flops_per_image(spec, "cached"), gpt,
                                         samplers.sample_cached_xla, tokenizer)}
    for steps in sorted(maskgit_steps, reverse=True):
        found[f"maskgit_{steps}"] = Generator(
            f"MaskGIT, {steps} pass{'es' if steps > 1 else ''}", steps,
            steps * maskgit.flops_per_pass(maskgit_model.spec), maskgit_model,
            maskgit.sample_maskgit, tokenizer, {"steps": steps})
    found["cvae"] = Generator("cVAE decoder, 1 pass", 1, one_shot.flops_per_image(cvae.spec),
                              cvae, one_shot.sample)
    return found


def time_generators(found: Mapping[str, Generator], batch: int, repeats: int = 5,
                    seed: int = 0, baseline: str = BASELINE, **compare_options) -> Comparison:
    """``measure.compare`` of every generator making ``batch`` images of mixed classes; rows
    named by generator id, speed-ups against ``baseline`` when it is one of them."""
    classes = np.arange(batch) % NUM_CLASSES
    candidates = {key: functools.partial(gen.draw, classes, seed) for key, gen in found.items()}
    return compare(candidates, baseline=baseline if baseline in found else None, work=batch,
                   unit="images", repeats=repeats,
                   labels={key: gen.label for key, gen in found.items()},
                   title=tr("Finished digits, batch {batch}", batch=batch), **compare_options)


def judge_generators(found: Mapping[str, Generator], classifier, per_class: int, seed: int = 0,
                     batch: int = 64, reference: tuple[np.ndarray, np.ndarray] | None = None
                     ) -> dict[str, Quality]:
    """Classifier agreement, confidence and diversity of ``per_class`` digits per class each,
    drawn ``batch`` at a time (the timed batch size, so nothing compiles again). A generator
    that draws the same tokens as another (the samplers' tests prove it) shares its score."""
    qualities = {}
    for key, gen in sorted(found.items(), key=lambda item: item[1].same_tokens_as is not None):
        if gen.same_tokens_as in qualities:
            qualities[key] = qualities[gen.same_tokens_as]
            continue
        qualities[key] = judge(gen.model, gen.tokenizer, classifier, per_class=per_class,
                                seed=seed, reference=reference, sampler=gen.sampler,
                                batch=batch, **gen.options)
    return {key: qualities[key] for key in found}


def card_qualities(found: Mapping[str, Generator]) -> dict[str, Quality]:
    """The quality each generator of ``generators`` has on its model card (1,000 digits at
    temperature 1, the same classifier): for a chart that judges only its new rows live."""
    from course_lib import files

    cards = {"gpt": files.read_card(tiny_gpt.MODEL_PATH),
             "maskgit": files.read_card(maskgit.MODEL_PATH),
             "cvae": files.read_card(one_shot.MODEL_PATH)}
    found_qualities = {}
    for key, gen in found.items():
        family = key.split("_")[0]
        measured = cards[family]["quality_temperature_1"]
        if family == "maskgit":
            measured = measured[str(gen.options["steps"])]
        found_qualities[key] = Quality.from_dict(measured)
    return found_qualities


def tradeoff_table(found: Mapping[str, Generator],
                   timings: Mapping[int, Comparison | Sequence[Comparison]],
                   qualities: Mapping[str, Quality], limits=None):
    """One row per generator (indexed by id, its label beside): passes, ms/image at each timed
    batch, images/s at the largest, quality, and (with measured ``limits``) the share of peak
    compute at the largest batch. A batch's timing may be several comparisons (each generator
    is read from the one that timed it); a generator none of them timed gets NaN there."""
    import pandas as pd

    def per_image_s(key: str, batch: int) -> float:
        timing = timings[batch]
        for comparison in [timing] if isinstance(timing, Comparison) else timing:
            if key in comparison.names():
                return comparison.per_item_s(key)
        return float("nan")

    largest = max(timings)
    rows = []
    for key, gen in found.items():
        row = {"generator": key, "label": gen.label, "sequential passes": gen.passes,
               "MFLOP/image": gen.flops_per_image / 1e6}
        for batch in sorted(timings):
            row[f"ms/image, batch {batch}"] = per_image_s(key, batch) * 1e3
        seconds = per_image_s(key, largest)
        row[f"images/s, batch {largest}"] = 1 / seconds
        if limits is not None:
            row["share of peak compute"] = (float("nan") if np.isnan(seconds) else
                                            limits.share_of_compute(gen.flops_per_image / seconds))
        quality = qualities[key]
        row.update({"agreement": quality.agreement, "weakest class": min(quality.per_class),
                    "confidence": quality.confidence, "diversity": quality.diversity})
        rows.append(row)
    return pd.DataFrame(rows).set_index("generator")


def table_formats(table) -> dict[str, Callable[[float], str]]:
    """How to show each column of ``tradeoff_table`` (``Styler.format``, as notebooks display
    it): times and rates with ``measure.fmt``, shares as percentages, and a number that was not
    measured (a generator untimed at that batch) as a dash, never NaN."""
    formats = {column: fmt for column in table.columns
               if column.startswith(("ms/", "images/", "MFLOP"))}
    formats.update({"share of peak compute": _or_dash("{:.1%}"), "agreement": _or_dash("{:.1%}"),
                    "weakest class": _or_dash("{:.0%}"), "confidence": _or_dash("{:.1%}"),
                    "diversity": _or_dash("{:.3f}")})
    return {column: formats[column] for column in table.columns if column in formats}


def _or_dash(pattern: str) -> Callable[[float], str]:
    """``pattern.format`` for a number, ``fmt``'s dash for a missing one."""
    return lambda value: pattern.format(value) if np.isfinite(value) else fmt(value)


def show_table(table: pd.DataFrame) -> Styler:
    """``tradeoff_table`` as a notebook displays it: ``table_formats``, headers in the run's
    language. The table itself keeps the English column names code and the bank index by."""
    headers = [_header(column) for column in table.columns]
    return (table.rename_axis(index=tr("generator")).style.format(table_formats(table))
            .relabel_index(headers, axis="columns"))


def _header(column: str) -> str:
    """A ``tradeoff_table`` column's name as the table shows it."""
    kind, _, batch = column.partition(", batch ")
    if kind == "ms/image" and batch:
        return tr("ms/image, batch {batch}", batch=batch)
    if kind == "images/s" and batch:
        return tr("images/s, batch {batch}", batch=batch)
    return {"label": tr("label"), "sequential passes": tr("sequential passes"),
            "MFLOP/image": tr("MFLOP/image"), "share of peak compute": tr("share of peak compute"),
            "agreement": tr("agreement"), "weakest class": tr("weakest class"),
            "confidence": tr("confidence"), "diversity": tr("diversity")}.get(column, column)


def plot_tradeoff(table, real_diversity: float | None = None, title: str | None = None):
    """Quality against time per image: one line per generator joining its timed batch sizes
    (markers), named by its id once, at its smallest batch."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2))
    columns = [c for c in table.columns if c.startswith("ms/image")]
    metrics = (("agreement", tr("classifier agreement")),
               ("diversity", tr("diversity (same-class distance)")))
    for ax, (metric, label) in zip(axes, metrics):
        for index, (key, row) in enumerate(table.iterrows()):
            xs = [row[c] for c in columns]
            line, = ax.plot(xs, [row[metric]] * len(xs), linewidth=1, alpha=0.6)
            for x, column, marker in zip(xs, columns, "os^D"):
                ax.scatter(x, row[metric], marker=marker, s=45, color=line.get_color())
            ax.annotate(key, (xs[0], row[metric]), fontsize=8,
                        xytext=(5, 6 if index % 2 else -11), textcoords="offset points")
        for column, marker in zip(columns, "os^D"):  # legend entries for the batch sizes
            batch = column.removeprefix("ms/image, batch ")
            ax.scatter([], [], marker=marker, color="grey", label=tr("batch {batch}", batch=batch))
        if metric == "diversity" and real_diversity is not None:
            ax.axhline(real_diversity, color="grey", linestyle="--", linewidth=1,
                       label=tr("real test digits"))
        ax.set_xscale("log")
        ax.set_xlabel(tr("ms per finished image (log scale; left is faster)"))
        ax.set_ylabel(label)
        ax.legend(fontsize=8, loc="best")
        ax.grid(alpha=0.3)
    figure.suptitle(title or tr("Speed against quality: fewer sequential passes, what is lost?"))
    figure.tight_layout()
    return figure
