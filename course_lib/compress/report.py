"""Notebook 04's study: the variants it builds, the bars they must meet, and the table's format.

Shared by the notebook and ``benchmarks/compression.py`` so both measure the same thing. What
the timings say about the usual claims, beside the counts that bear on them, is in ``claims``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from course_lib import config

if TYPE_CHECKING:
    import pandas as pd

    from course_lib.mnist.splits import Split

FLOAT = "Keras float32"
LITERT = "LiteRT float32"
DYNAMIC = "LiteRT dynamic int8"
FLOAT16 = "LiteRT float16"
INT8 = "LiteRT full int8"
KERAS_INT8 = "Keras int8"
PRUNED = "Keras pruned 80%"
STUDENT = "Keras distilled student"


@dataclass(frozen=True)
class Settings:
    """How much data and time each step gets; ``settings()`` picks them by mode."""

    test_size: int | None
    representative: int
    prune_train: int
    prune_epochs: int
    distill_train: int
    distill_epochs: int
    repeats: int
    sparsity: float = 0.8


def settings() -> Settings:
    return Settings(test_size=config.pick(quick=2000, full=None), representative=200,
                    prune_train=config.pick(quick=8192, full=30000),
                    prune_epochs=2,
                    distill_train=config.pick(quick=20000, full=60000),
                    distill_epochs=config.pick(quick=2, full=3),
                    repeats=config.pick(quick=5, full=15))


def quantized_variants(teacher: Any, representative: Any) -> dict[str, Any]:
    """The four LiteRT flatbuffers (float32, dynamic int8, float16, full int8) and Keras int8."""
    from course_lib.compress import quantization

    variants = {name: quantization.to_tflite(teacher, kind,
                                             representative if kind == "int8" else None)
                for name, kind in ((LITERT, "float32"), (DYNAMIC, "dynamic"),
                                   (FLOAT16, "float16"), (INT8, "int8"))}
    variants[KERAS_INT8] = quantization.keras_int8(teacher)
    return variants


def build_variants(teacher: Any, train: Split, s: Settings) -> dict[str, Any]:
    """Every variant of the table, made from ``teacher`` with the steps the notebook shows."""
    from course_lib.compress import distillation, pruning

    variants = {FLOAT: teacher, **quantized_variants(teacher, train.x[:s.representative])}
    variants[PRUNED] = pruning.prune(teacher, train.take(s.prune_train), s.sparsity,
                                     epochs=s.prune_epochs).model
    variants[STUDENT] = distillation.distill(teacher, train.take(s.distill_train),
                                             epochs=s.distill_epochs).model
    return variants


@dataclass(frozen=True)
class Bar:
    """One of the issue's targets: a measured value against its limit."""

    what: str
    measured: float
    limit: float
    unit: str

    @property
    def met(self) -> bool:
        return self.measured <= self.limit


def bars(frame: pd.DataFrame, parameter_ratio: float, *, prune_drop_pp: float = 0.5,
         student_drop_pp: float = 1.0) -> list[Bar]:
    """The targets the methods must meet (sizes and accuracy drops), measured in ``frame``;
    ``parameter_ratio`` is the student's weights over the teacher's.

    Quantized flatbuffers are compared with the float32 flatbuffer (same format), Keras
    variants with the Keras float32 file; accuracy drops are against the float32 model.
    """
    row = frame.set_index("name")

    def drop(name: str) -> float:
        return float((row.loc[FLOAT, "accuracy"] - row.loc[name, "accuracy"]) * 100)

    def share(name: str, base: str, column: str) -> float:
        return float(row.loc[name, column] / row.loc[base, column])

    return [
        Bar("dynamic int8 size / float32 size", share(DYNAMIC, LITERT, "size_bytes"), 0.30, "x"),
        Bar("dynamic int8 accuracy drop", drop(DYNAMIC), 0.3, "pp"),
        Bar("full int8 size / float32 size", share(INT8, LITERT, "size_bytes"), 0.30, "x"),
        Bar("full int8 accuracy drop", drop(INT8), 0.3, "pp"),
        Bar("pruned gzipped / float32 gzipped", share(PRUNED, FLOAT, "gzip_bytes"), 1 / 3, "x"),
        Bar("pruned accuracy drop", drop(PRUNED), prune_drop_pp, "pp"),
        Bar("student parameters / teacher's", parameter_ratio, 0.2, "x"),
        Bar("student accuracy drop", drop(STUDENT), student_drop_pp, "pp"),
    ]


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The results table with units in the headers and numbers rounded, for reading."""
    import pandas as pd

    from course_lib.measure import fmt

    return pd.DataFrame({
        "variant": frame["name"],
        "size (MB)": (frame["size_bytes"] / 1e6).map(lambda x: f"{x:.3f}"),
        "gzipped (MB)": (frame["gzip_bytes"] / 1e6).map(lambda x: f"{x:.3f}"),
        "size vs float": frame["size_vs_base"].map(lambda x: f"{x:.0%}"),
        "gzip vs float": frame["gzip_vs_base"].map(lambda x: f"{x:.0%}"),
        "accuracy": frame["accuracy"].map(lambda x: f"{x:.2%}"),
        "drop (pp)": frame["accuracy_drop_pp"].map(lambda x: f"{x:+.2f}"),
        "batch-1 latency (ms)": frame["latency_ms"].map(fmt),
        "images/s at 256": frame["images_per_s"].map(fmt),
        "Pareto (size, latency)": [("size " if a else "") + ("latency" if b else "") or "-"
                                   for a, b in zip(frame["pareto_size"], frame["pareto_latency"])],
    })


def bars_frame(found: list[Bar]) -> pd.DataFrame:
    import pandas as pd

    from course_lib.measure import fmt

    return pd.DataFrame([{"target": bar.what, "measured": fmt(bar.measured), "limit": fmt(bar.limit),
                          "unit": bar.unit, "met": "yes" if bar.met else "NO"} for bar in found])
