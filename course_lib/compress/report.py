"""Notebook 04's study: the variants it builds, the bars they must meet, and what the timings say.

Shared by the notebook and ``benchmarks/compression.py`` so both measure the same thing. Every
sentence about speed is computed from a results table, so it is right whatever this machine
measured: "int8 is faster" is printed only when int8 was faster here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from course_lib import config
from course_lib.measure import Comparison, machine

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


def ratio_words(ratio: float) -> str:
    """'2.3x faster' / '1.4x slower' / 'about as fast' (within 10%)."""
    if 0.9 <= ratio <= 1.1:
        return f"about as fast ({ratio:.2f}x)"
    return f"{ratio:.1f}x faster" if ratio > 1 else f"{1 / ratio:.1f}x slower"


def _int8_reasons() -> tuple[str, str]:
    vnni = has_int8_dot_product()
    cpu = {True: "this CPU has int8 dot-product instructions (VNNI)",
           False: "this CPU lacks int8 dot-product instructions (VNNI)",
           None: "whether this CPU has int8 dot-product instructions (VNNI) is unknown"}[vnni]
    return (f"{cpu}; int8 packs four values into each 32-bit SIMD lane, so one instruction "
            "does up to four times the multiply-adds, on a quarter of the bytes",
            f"{cpu}; the float input must be quantized and every layer's int32 result "
            "rescaled, rounded and clipped back to int8, and at this model's size the float32 "
            "kernels already run well, so the extra steps eat the savings")


def speed_verdicts(frame: pd.DataFrame) -> list[str]:
    """One sentence per usual claim: what this run measured, and the reason that fits it.

    "Faster" means more than 10% faster at batch 256 (throughput, the steadier measure)."""
    row = frame.set_index("name")
    int8_fast, int8_slow = _int8_reasons()
    claims = (
        (DYNAMIC, LITERT, "int8 is 2-4x faster", int8_fast, int8_slow),
        (INT8, LITERT, "int8 is 2-4x faster", int8_fast, int8_slow),
        (FLOAT16, LITERT, "float16 is faster",
         "the smaller weights fit better in the caches",
         "CPUs compute in float32, so float16 weights are widened back before use: the file "
         "halves, the arithmetic does not"),
        (KERAS_INT8, FLOAT, "int8 is faster",
         "its dense layers read a quarter of the weight bytes",
         "Keras quantizes the dense layers' inputs on every call and runs the int8 matmul "
         "through TensorFlow's general integer kernels: this int8 is for storage, not speed"),
        (PRUNED, FLOAT, "pruning makes models faster",
         "none that lasts: it has the float32 model's layers and shapes, zeros included, so "
         "the difference is timing noise (a shared or boosting CPU)",
         "its zeros are stored and multiplied like any other weight; only sparse kernels or "
         "structured pruning (removing whole channels) skip the work"),
        (STUDENT, FLOAT, "a smaller model is faster",
         "it has fewer layers and channels: less work per image",
         "at these sizes the fixed cost of calling a Keras model, not the arithmetic, "
         "sets the pace"),
    )
    lines = []
    for name, base, claim, faster, slower in claims:
        one = row.loc[base, "latency_ms"] / row.loc[name, "latency_ms"]
        many = row.loc[name, "images_per_s"] / row.loc[base, "images_per_s"]
        lines.append(f"{name} vs {base} (usual claim: {claim}): {ratio_words(one)} at batch 1, "
                     f"{ratio_words(many)} at batch 256. Why: {faster if many > 1.1 else slower}.")
    return lines


def latency_story(comparison: Comparison, keras: str, traced: str, litert: str) -> str:
    """What a batch-1 comparison says about LiteRT against calling Keras, whatever it measured:
    the ratio, and how much of the gap tracing Keras into one graph closes."""
    t_keras, t_graph, t_lite = (comparison.row(name).median_s for name in (keras, traced, litert))
    ratio = t_keras / t_lite
    story = (f"{litert} takes {t_lite * 1e3:.3f} ms per image, {keras} {t_keras * 1e3:.3f} ms: "
             f"LiteRT is {ratio_words(ratio)} at batch 1 (Keras time / LiteRT time = "
             f"{ratio:.2f}).\n")
    if ratio <= 1.1:
        return story + ("On this machine the interpreter buys nothing at batch 1: the model's "
                        "arithmetic, not the cost of calling it, sets the time.")
    if t_graph >= t_keras / 1.1:
        return story + (f"Tracing the Keras model into one graph does not help here "
                        f"({ratio_words(t_keras / t_graph)}): the gap is the runtimes themselves.")
    closed = min((t_keras - t_graph) / (t_keras - t_lite), 1.0)
    return story + (f"Tracing the Keras model into one graph alone makes it "
                    f"{ratio_words(t_keras / t_graph)}, closing {closed:.0%} of the gap: that "
                    "much was the cost of running Keras layer by layer from Python, not the "
                    "arithmetic.")


def has_int8_dot_product() -> bool | None:
    """True when the CPU reports AVX-512 VNNI or AVX-VNNI, None when flags can't be read."""
    flags = machine.cpu_flags()
    if not flags:
        return None
    return bool(flags & {"avx512_vnni", "avx512vnni", "avx_vnni", "avxvnni"})
