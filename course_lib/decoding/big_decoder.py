"""A decoder too big for the cache: time per token predicted from bytes and FLOPs, then measured.

Each decode step of the cached loop reads every weight once, whatever the batch. At batch 1
that is 2 FLOPs per 4-byte weight, far below the ridge point, so once the weights outgrow the
last-level cache the step should take ``bytes / read bandwidth``; a batch of B shares that read
among B tokens until the FLOPs catch up and compute binds. ``decoder_spec`` sizes a
``DigitGPT`` several times the cache, ``token_costs`` counts one step's FLOPs and bytes,
``predict_and_measure`` predicts each batch's time per step BEFORE timing it, then times the
course's best sampler (``samplers.sample_cached_xla``). The weights are random
(``tiny_gpt.build``): fine for timing, which does not depend on their values; its digits are noise.

Keras's own int8 route (``keras_int8_copy``, ``explain_keras_int8``) is measured beside float32.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple, Sequence

import numpy as np

from course_lib.checks import check_int, check_number
from course_lib.generate import samplers, tiny_gpt
from course_lib.generate.tiny_gpt import DigitGPT, GPTConfig, check_model
from course_lib.i18n.language import tr
from course_lib.measure import machine, roofline
from course_lib.measure.compare import compare
from course_lib.measure.comparison import Comparison
from course_lib.measure.machine import MachineLimits
from course_lib.measure.roofline import RooflinePoint
from course_lib.mnist.data import NUM_CLASSES

FLOAT_BYTES = 4  # float32 weights and caches
BATCHES = (1, 4, 16, 64, 256)


def weights_per_pass(spec: GPTConfig) -> int:
    """What ``DigitGPT.weights_read_per_pass`` returns for ``spec``, counted without building:
    per block q/k/v, output and the 4x MLP (12 d^2 + 9 d) plus two layer norms (4 d); then
    the final norm (2 d) and the head (d codes + codes)."""
    d = spec.width
    return spec.depth * (12 * d * d + 13 * d) + 2 * d + d * spec.codes + spec.codes


def decoder_spec(cache_multiple: float = 4.0, llc_bytes: int | None = None, length: int = 16,
                 width: int = 1024, head_width: int = 128, codes: int = 512) -> GPTConfig:
    """A causal ``DigitGPT`` shape whose float32 weights read per step are at least
    ``cache_multiple`` x the last-level cache (``llc_bytes``; None: read from sysfs, else
    ``machine.ASSUMED_CACHE_BYTES``, 32 MiB), so each step must stream them from DRAM.

    ``width`` (a multiple of 128) and ``head_width`` (64 or 128) are fixed; depth grows until
    the weights are big enough. A short ``length`` (tokens per call) keeps the KV cache and a
    call at batch 256 affordable."""
    cache_multiple = check_number("cache_multiple", cache_multiple, positive=True)
    if llc_bytes is None:
        llc_bytes = machine.last_level_cache_bytes() or machine.ASSUMED_CACHE_BYTES
    llc_bytes = check_int("llc_bytes", llc_bytes, minimum=1)
    length = check_int("length", length, minimum=1)
    width = check_int("width", width, minimum=128)
    if width % 128:
        raise ValueError(f"width: expected a multiple of 128, got {width}")
    if head_width not in (64, 128):
        raise ValueError(f"head_width: expected 64 or 128, got {head_width!r}")
    codes = check_int("codes", codes, minimum=2)
    one_block = GPTConfig(codes=codes, length=length, width=width, depth=1,
                          heads=width // head_width, dropout=0.0)
    outside_blocks = weights_per_pass(replace(one_block, depth=0))  # final norm and head
    per_block = weights_per_pass(one_block) - outside_blocks
    needed = cache_multiple * llc_bytes / FLOAT_BYTES - outside_blocks
    return replace(one_block, depth=max(1, math.ceil(needed / per_block)))


class StepCost(NamedTuple):
    """One decode step of the cached loop at some batch: FLOPs done and bytes moved."""

    flops: float
    bytes_moved: float


def token_costs(model: DigitGPT, batch: int) -> StepCost:
    """FLOPs and bytes of ONE step of ``sample_cached_xla`` at ``batch`` rows.

    Bytes: every weight once (float32, shared by the batch), plus each block's whole KV cache
    read, plus the new key and value written. The loop has fixed shapes, so every step reads
    all ``length`` slots (later ones masked), not the average of the slots filled so far.
    FLOPs: 2 per weight per row, plus attention's 4 x slots x width per row and block.
    Ignored: activations (at most batch x 4 width floats at a time: 16 KB per row at width
    1024, cached at small batches, not at 256), the embedding rows, the Gumbel noise and the
    logits (batch x codes floats each)."""
    spec = check_model(model, causal=True).spec
    batch = check_int("batch", batch, minimum=1)
    weights = model.weights_read_per_pass()
    kv_slot = 2 * batch * spec.width * spec.depth  # keys and values of one slot, every block
    return StepCost(flops=2 * weights * batch + 2 * kv_slot * spec.length,
                    bytes_moved=FLOAT_BYTES * (weights + kv_slot * spec.length + kv_slot))


def _candidates(model: DigitGPT, batches: Sequence[int], seed: int) -> dict[str, Any]:
    """One zero-argument ``sample_cached_xla`` call per batch size, named 'batch B'."""
    return {f"batch {batch}": functools.partial(
        samplers.sample_cached_xla, model, np.arange(batch) % NUM_CLASSES, seed=seed)
        for batch in batches}


def _check_batches(batches: Sequence[int]) -> tuple[int, ...]:
    if isinstance(batches, (str, bytes)) or not isinstance(batches, Sequence) or not batches:
        raise TypeError(f"batches: expected a non-empty sequence of batch sizes, got {batches!r}")
    return tuple(check_int(f"batches[{i}]", b, minimum=1) for i, b in enumerate(batches))


class Measured(NamedTuple):
    """``predict_and_measure``'s result: the table, one roofline point per batch, the timing."""

    table: Any  # pandas DataFrame, one row per batch
    points: list[RooflinePoint]
    comparison: Comparison


def predict_and_measure(model: DigitGPT, batches: Sequence[int] = BATCHES,
                        limits: MachineLimits | None = None, *, repeats: int | None = None,
                        seed: int = 0, label: str = "big decoder",
                        progress: bool = True) -> Measured:
    """Predict each batch's seconds per decode step from ``token_costs`` and the roofline
    (``limits``; None: ``machine.measure_limits()``), then time ``sample_cached_xla`` on
    ``model`` at every batch with ``measure.compare`` (a call is ``length`` steps).

    Columns: predicted and measured ms per step, their ratio, the GB/s and GFLOP/s reached,
    arithmetic intensity and which roof binds (``roofline.bound_by``)."""
    import pandas as pd

    spec = check_model(model, causal=True).spec
    batches = _check_batches(batches)
    limits = machine.measure_limits() if limits is None else limits
    costs = {batch: token_costs(model, batch) for batch in batches}
    predicted = {batch: roofline.predicted_seconds(limits, *cost) for batch, cost in costs.items()}
    result = compare(_candidates(model, batches, seed), work=spec.length, unit="steps",
                     repeats=repeats, title=tr("{label}: cached XLA loop by batch", label=label),
                     progress=progress)
    rows, points = [], []
    for batch, cost in costs.items():
        seconds = result.per_item_s(f"batch {batch}")
        points.append(RooflinePoint(f"{label}, batch {batch}", cost.flops, cost.bytes_moved,
                                    seconds))
        rows.append({"batch": batch, "predicted ms/step": predicted[batch] * 1e3,
                     "measured ms/step": seconds * 1e3,
                     "measured/predicted": seconds / predicted[batch],
                     "GB/s": cost.bytes_moved / seconds / 1e9,
                     "GFLOP/s": cost.flops / seconds / 1e9,
                     "FLOP/byte": cost.flops / cost.bytes_moved,
                     "bound_by": roofline.bound_by(limits, *cost)})
    return Measured(pd.DataFrame(rows), points, result)


def shipped_points(model: DigitGPT, batches: Sequence[int] = BATCHES,
                   limits: MachineLimits | None = None, *, repeats: int | None = None,
                   progress: bool = True) -> list[RooflinePoint]:
    """The shipped GPT's ``sample_cached_xla`` at each batch as roofline points, counted like
    the big decoder's. Its ~2.9 MB of weights fit in the last-level cache, so its "bytes" come
    from cache, not DRAM: the DRAM slope is a bound it could beat, and a point far below the
    roof is held back by something other than memory bandwidth."""
    return predict_and_measure(model, batches, limits, repeats=repeats, progress=progress,
                               label="shipped GPT (weights in cache)").points


def _thread_cpu_ticks() -> dict[int, int]:
    """CPU clock ticks (user + system) each thread of this process has used so far, from
    Linux's /proc; empty elsewhere."""
    ticks = {}
    for stat in Path("/proc/self/task").glob("*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the thread ended while being read
            continue
        ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])  # utime + stime
    return ticks


def threads_working(fn: Any, calls: int = 3, share: float = 0.1) -> dict[str, float]:
    """Which threads did the work of ``calls`` calls of ``fn`` (after one untimed call)?

    ``threads doing work``: how many of this process's threads each used at least ``share``
    of the CPU time spent (and the busiest one's share); ``CPU s per wall s``: CPU time over
    wall time. The count does not depend on what else runs on the machine (other programs
    stretch the wall time, not which threads work); it needs Linux's /proc (NaN elsewhere)
    and calls lasting about a second (the kernel counts in 10 ms ticks)."""
    calls = check_int("calls", calls, minimum=1)
    share = check_number("share", share, positive=True, maximum=1)
    fn()  # compile first
    before, wall, cpu = _thread_cpu_ticks(), time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    used = [ticks - before.get(tid, 0) for tid, ticks in _thread_cpu_ticks().items()]
    total = sum(used)
    working = sum(ticks >= share * total for ticks in used) if total else math.nan
    return {"threads doing work": working,
            "busiest thread's share": max(used) / total if total else math.nan,
            "CPU s per wall s": cpu / wall,
            "usable cores": machine.usable_cores()}


def loop_threads(model: DigitGPT, batch: int = 1, calls: int = 3,
                 seed: int = 0) -> dict[str, float]:
    """``threads_working`` for the cached XLA loop on ``model`` at ``batch``: does a decode
    step use every core (as the all-core read roof assumes) or one?"""
    batch = check_int("batch", batch, minimum=1)
    call = _candidates(check_model(model, causal=True), (batch,), seed)[f"batch {batch}"]
    return threads_working(call, calls)


# --- Keras's own int8 route ---------------------------------------------------------------------

def keras_int8_copy(model: DigitGPT) -> DigitGPT:
    """A copy of ``model`` with Keras 3's ``quantize("int8")`` applied (the original is kept):
    every Dense layer's kernel stored as int8 with one float scale per output channel.
    (``compress.quantization.keras_int8`` copies from the config, which leaves a subclassed
    ``DigitGPT`` unbuilt; this builds the copy first.)"""
    spec = check_model(model, causal=True).spec
    copy = tiny_gpt.build(spec)
    copy.set_weights(model.get_weights())
    with warnings.catch_warnings():  # one warning per layer it leaves alone (norms, dropout)
        warnings.simplefilter("ignore")
        copy.quantize("int8")
    return copy


def compare_keras_int8(model: DigitGPT, batch: int = 1, *, repeats: int | None = None,
                       seed: int = 0, progress: bool = True) -> Comparison:
    """float32 vs Keras int8, both through ``sample_cached_xla`` at ``batch``: ms per step."""
    batch = check_int("batch", batch, minimum=1)
    name = f"batch {batch}"
    candidates = {"float32": _candidates(check_model(model, causal=True), (batch,), seed)[name],
                  "keras int8": _candidates(keras_int8_copy(model), (batch,), seed)[name]}
    return compare(candidates, baseline="float32", work=model.spec.length, unit="steps",
                   repeats=repeats, title=tr("Keras int8 vs float32, batch {batch}", batch=batch),
                   progress=progress)


def explain_keras_int8(quantized: DigitGPT) -> str:
    """What a Keras-int8 Dense layer of ``quantized`` computes on the TensorFlow backend, from
    the layer itself and the Keras source it runs (``Dense._int8_call`` and the backend's
    ``matmul``), so the text follows the installed Keras, not a memory of it."""
    import keras
    from keras.src.backend.tensorflow import numpy as tf_numpy
    from keras.src.layers.core.dense import Dense

    layer = check_model(quantized, causal=True).blocks[0].qkv
    if getattr(layer, "quantization_mode", None) != "int8":
        raise ValueError("quantized: expected a model from keras_int8_copy (its Dense layers "
                         f"in int8), got quantization mode {layer.quantization_mode!r}")
    call = inspect.getsource(Dense._int8_call)
    matmul = inspect.getsource(tf_numpy.matmul)
    inputs_int8 = layer.inputs_quantizer is not None and "self.inputs_quantizer(" in call
    int_matmul = 'result_dtype = "int32"' in matmul
    forward = call.split("return (inputs_grad, None, None)", 1)[-1]  # after the gradient
    dequantizes = "float_kernel" in forward or "dequantize" in forward
    lines = [f"Keras {keras.__version__}, layer {layer.name}: kernel stored as "
             f"{layer._kernel.dtype} {tuple(layer._kernel.shape)}, one float scale per output "
             f"channel {tuple(layer.kernel_scale.shape)}."]
    if inputs_int8:
        lines.append("Dense._int8_call quantizes the INPUTS too, on every call "
                     f"({type(layer.inputs_quantizer).__name__}: absmax per row, a reduction "
                     "and a rescale per step), so it is not weight-only int8.")
    if int_matmul:
        lines.append("It then calls ops.matmul(int8 inputs, int8 kernel); the TensorFlow "
                     "backend's numpy.matmul runs that as an int8 x int8 -> int32 matmul "
                     "(output_type=int32), and the result is divided by the scales.")
    lines.append("The forward pass does " + ("" if dequantizes else "NOT ")
                 + "dequantize the kernel to float before the matmul (only the gradient does).")
    widened = xla_dot_operands(layer)
    lines.append(f"Compiled by XLA (jit_compile=True), the layer's dot multiplies {widened}"
                 + (": XLA widens the int8 kernel to int32 on every call (a convert before the "
                    "dot: up to 4 more bytes per weight written and read) and runs a generic "
                    "integer dot, not its float32 matmul kernel." if "s32" in widened else "."))
    return " ".join(lines)


def xla_dot_operands(layer: Any) -> str:
    """The operand and result types of the dot XLA compiles for ``layer`` called on one row,
    read from its optimized HLO (e.g. 's32[128] x s32[128,384] -> s32[384]')."""
    import tensorflow as tf

    kernel_rows = int(layer._kernel.shape[0])
    row = tf.zeros([1, kernel_rows])
    hlo = tf.function(layer, jit_compile=True).experimental_get_compiler_ir(row)(
        stage="optimized_hlo")
    types = dict(re.findall(r"%([\w.\-]+) = (\w+\[[\d,]*\])", hlo))  # name -> type
    dot = re.search(r"= (\w+\[[\d,]*\])\S* dot\(%([\w.\-]+), %([\w.\-]+)\)", hlo)
    if dot is None:
        return "(no dot found in the optimized HLO)"
    result, left, right = dot.groups()
    return f"{types.get(left, '?')} x {types.get(right, '?')} -> {result}"

