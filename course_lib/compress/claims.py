"""The usual compression claims against this run's timings, each beside the counts that bear on it.

A speed-up is only explained when something measured or counted accounts for it. For every
claim this module puts the measured ratio next to the counted ratios (multiply-adds per image,
weight bytes read) and says whether the timing lies in the range those counts allow; where it
does not, it says so, and names no cause the run did not check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from course_lib.compress import report as study
from course_lib.measure import Comparison, machine

if TYPE_CHECKING:
    import pandas as pd

# (variant, its baseline, the usual claim): LiteRT against LiteRT, Keras against Keras
CLAIMS = ((study.DYNAMIC, study.LITERT, "int8 is 2-4x faster"),
          (study.INT8, study.LITERT, "int8 is 2-4x faster"),
          (study.FLOAT16, study.LITERT, "float16 is faster"),
          (study.KERAS_INT8, study.FLOAT, "int8 is faster"),
          (study.PRUNED, study.FLOAT, "pruning makes models faster"),
          (study.STUDENT, study.FLOAT, "a smaller model is faster"))
TOLERANCE = 1.15  # timings on a shared CPU wander; closer than this counts as "in range"
# x86 VNNI (both spellings) and AMX; Arm's dot-product (asimddp) and int8 matrix (i8mm) units
INT8_FLAGS = ("avx512_vnni", "avx512vnni", "avx_vnni", "avxvnni", "amx_int8", "asimddp", "i8mm")


def ratio_words(ratio: float) -> str:
    """'2.3x faster' / '1.4x slower' / 'about as fast' (within 10%)."""
    if 0.9 <= ratio <= 1.1:
        return f"about as fast ({ratio:.2f}x)"
    return f"{ratio:.1f}x faster" if ratio > 1 else f"{1 / ratio:.1f}x slower"


def int8_units() -> list[str] | None:
    """The CPU's int8 dot-product flags (VNNI, AMX, Arm dotprod/i8mm); None when unreadable."""
    flags = machine.cpu_flags()
    return None if not flags else sorted(flags & set(INT8_FLAGS))


def speed_evidence(table: pd.DataFrame, costs: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: the measured speed-ups and the counted ratios beside them.

    ``table`` is ``evaluate.results_frame``; ``costs`` is ``costs.costs_frame`` of the same
    variants. If time followed the multiply-adds, the speed-up would be ``1 / macs_ratio``; if
    it followed the weight bytes a call reads, ``1 / bytes_ratio``. At batch 1 both can matter;
    at batch 256 each weight serves 256 images, so only the multiply-adds scale with the work.
    """
    import pandas as pd

    measured, counted = table.set_index("name"), costs.set_index("name")
    rows = []
    for name, base, claim in CLAIMS:
        macs = counted.loc[name, "macs"] / counted.loc[base, "macs"]
        read = counted.loc[name, "read_bytes"] / counted.loc[base, "read_bytes"]
        one = measured.loc[base, "latency_ms"] / measured.loc[name, "latency_ms"]
        many = measured.loc[name, "images_per_s"] / measured.loc[base, "images_per_s"]
        rows.append({"variant": name, "baseline": base, "claim": claim,
                     "speedup_batch1": one, "speedup_batch256": many, "macs_ratio": macs,
                     "nonzero_macs_ratio": counted.loc[name, "nonzero_macs"]
                     / counted.loc[base, "macs"],
                     "read_bytes_ratio": read,
                     "batch1": _in_range(one, min(1 / macs, 1 / read), max(1 / macs, 1 / read)),
                     "batch256": _in_range(many, 1 / macs, 1 / macs)})
    return pd.DataFrame(rows)


def _in_range(speedup: float, low: float, high: float) -> str:
    if speedup < low / TOLERANCE:
        return "slower than the counts allow"
    if speedup > high * TOLERANCE:
        return "faster than the counts allow"
    return "within the counts"


def evidence_lines(evidence: pd.DataFrame) -> list[str]:
    """Each claim in words: measured, counted, and whether the counts account for it. A timing
    the counts do not account for is said to be unexplained here, never given a cause."""
    lines = []
    for row in evidence.itertuples(index=False):
        zeros = (f"; on non-zero weights only, x{row.nonzero_macs_ratio:.2f} (a kernel that "
                 "skipped zeros could do that few; these layers keep their dense shapes)"
                 if row.nonzero_macs_ratio < 0.9 * row.macs_ratio else "")
        verdict = (f"at both batch sizes, {_reading(row.batch1)}" if row.batch1 == row.batch256
                   else f"batch 1: {_reading(row.batch1)}; batch 256: {_reading(row.batch256)}")
        lines.append(
            f"{row.variant} vs {row.baseline} (usual claim: {row.claim}). Measured: "
            f"{ratio_words(row.speedup_batch1)} at batch 1, {ratio_words(row.speedup_batch256)} "
            f"at batch 256. Counted: multiply-adds per image x{row.macs_ratio:.2f}{zeros}; "
            f"weight bytes read x{row.read_bytes_ratio:.2f}. So, {verdict}.")
    return lines


def _reading(verdict: str) -> str:
    if verdict == "within the counts":
        return "within what the counts allow"
    return (f"{verdict}: the counts do not account for it, and this run did not establish what "
            "does (work the counts leave out, or timing noise on a shared CPU)")


def int8_line() -> str:
    """What the CPU offers int8 arithmetic, read from its flags."""
    found = int8_units()
    cpu = machine.cpu_model()
    if found is None:
        return f"{cpu}: its instruction-set flags could not be read, so whether it has int8 " \
               "dot-product instructions (VNNI, AMX) is unknown."
    if found:
        return f"{cpu} reports {', '.join(found)}: int8 pairs multiplied and summed into 32 bits " \
               "by one instruction (VNNI: four pairs per 32-bit lane). Whether LiteRT's kernels " \
               "use them is not checked here."
    if "avx2" not in machine.cpu_flags():
        return f"{cpu} reports none of the int8 dot-product flags {', '.join(INT8_FLAGS)}; " \
               "its int8 timings say nothing about CPUs that have them."
    return f"{cpu} reports none of AVX-512 VNNI, AVX-VNNI or AMX (flags avx512_vnni, avx_vnni, " \
           "amx_int8). Without them a 256-bit AVX2 register does 32 int8 multiply-adds in about " \
           "three instructions (multiply-add to 16 bits, then to 32, then add): about 11 per " \
           "instruction against 8 for a float32 FMA, where VNNI does the 32 in one. So here " \
           "int8 arithmetic has a small edge over float32 at best, and most of what int8 can " \
           "save is bytes moved; these timings say nothing about CPUs with VNNI or AMX."


def latency_story(comparison: Comparison, keras: str, traced: str, litert: str) -> str:
    """What a batch-1 comparison says about LiteRT against calling Keras, whatever it measured:
    the ratio, and how much of the gap tracing Keras into one graph closes. All three run the
    same model, so the same multiply-adds: a gap between them is the runtime's, not the work's."""
    t_keras, t_graph, t_lite = (comparison.row(name).median_s for name in (keras, traced, litert))
    ratio = t_keras / t_lite
    story = (f"{litert} takes {t_lite * 1e3:.3f} ms per image, {keras} {t_keras * 1e3:.3f} ms: "
             f"LiteRT is {ratio_words(ratio)} at batch 1 (Keras time / LiteRT time = "
             f"{ratio:.2f}).\n")
    if ratio <= 1.1:
        return story + ("On this machine the interpreter buys nothing at batch 1; this "
                        "comparison alone does not say what sets the time.")
    if t_graph >= t_keras / 1.1:
        return story + (f"Tracing the Keras model into one graph does not help here "
                        f"({ratio_words(t_keras / t_graph)}): with the same multiply-adds in "
                        "both, the gap lies in the runtimes themselves.")
    closed = min((t_keras - t_graph) / (t_keras - t_lite), 1.0)
    return story + (f"Tracing the Keras model into one graph alone makes it "
                    f"{ratio_words(t_keras / t_graph)}, closing {closed:.0%} of the gap: the "
                    "same multiply-adds, so that much was the cost of running Keras layer by "
                    "layer from Python, not the arithmetic.")
