"""Notebook 05's pictures, drawn from the real tensors: the causal mask the GPT uses, one KV-cache
step writing one row, and MaskGIT's schedule of tokens decided per pass.

Every figure is computed from the code it explains (``tiny_gpt.causal_mask``, a real
``DigitGPT.step``, ``maskgit.schedule``), so a change there changes the picture; nothing is a
pasted image.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from course_lib.checks import check_int
from course_lib.generate import maskgit, samplers, tiny_gpt
from course_lib.generate.tiny_gpt import Cache, DigitGPT
from course_lib.i18n.language import tr


def _axes(ax, size: tuple[float, float]):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_causal_mask(spec: tiny_gpt.GPTConfig, ax=None):
    """The (positions, positions) mask ``Block.call`` applies to a whole causal sequence: row t
    (the query that predicts image token t) sees the dark squares, keys 0..t. Returns the axes."""
    mask = tiny_gpt.causal_mask(spec.positions).numpy()
    ax = _axes(ax, (5, 5))
    ax.imshow(mask, cmap="Blues", vmin=0, vmax=1.4, interpolation="nearest")
    ticks = [0, spec.positions // 2, spec.positions - 1]
    ax.set_xticks(ticks, ["class"] + [f"img {t - 1}" for t in ticks[1:]], fontsize=8)
    ax.set_yticks(ticks, [f"→ img {t}" for t in ticks], fontsize=8)
    ax.set_xlabel(tr("key position (what is read: class token, then image tokens)"))
    ax.set_ylabel(tr("query position (→ the image token it predicts)"))
    ax.set_title(tr("Causal mask, {positions}×{positions}: {allowed:,} of {pairs:,} pairs allowed",
                    positions=spec.positions, allowed=int(mask.sum()), pairs=mask.size),
                 fontsize=10)
    return ax


def fill_cache(model: DigitGPT, digit: int, steps: int, seed: int = 0) -> tuple[np.ndarray, Cache]:
    """Decode ``steps`` tokens of one ``digit`` with ``samplers.cached_step`` (the real step);
    returns the sequence so far (1, 1 + length) and the cache after those steps."""
    steps = check_int("steps", steps, minimum=0, maximum=model.spec.length)
    request = samplers.prepare(model, [digit], seed=seed)
    state = samplers.start(model, request), model.empty_cache(1)
    for step in range(steps):
        state = samplers.cached_step(model, request, step, state)
    return state[0].numpy(), state[1]


def written_slots(before: Cache, after: Cache) -> list[int]:
    """Time slots where any block's keys or values changed between two caches."""
    changed = set()
    for old, new in zip(before, after):
        for a, b in ((old.keys, new.keys), (old.values, new.values)):
            rows = np.any(a.numpy() != b.numpy(), axis=(0, 1, 3))  # over batch, heads, width
            changed.update(np.flatnonzero(rows).tolist())
    return sorted(changed)


def plot_cache_step(before: Cache, after: Cache, position: int, block: int = 0):
    """Block ``block``'s keys before and after one step, one panel per head, (time, head width)
    each: filled slots coloured, empty slots white, and the one row the step wrote outlined."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    heads, slots, width = before[block].keys.shape[1:]
    figure, axes = plt.subplots(2, heads, figsize=(2.2 * heads, 6.5), sharey=True)
    for row, (cache, when) in enumerate(((before, tr("before")), (after, tr("after")))):
        keys = np.abs(cache[block].keys.numpy()[0])  # (heads, slots, head width)
        shown = np.ma.masked_equal(keys, 0.0)
        for head in range(heads):
            ax = axes[row, head]
            ax.imshow(shown[head], cmap="viridis", aspect="auto", interpolation="nearest",
                      vmin=0, vmax=float(keys.max()) or 1.0)
            ax.add_patch(Rectangle((-0.5, position - 0.5), width, 1, fill=False,
                                   edgecolor="red", linewidth=1.5))
            ax.set_title(tr("head {head}, {when}", head=head, when=when), fontsize=9)
            ax.set_xticks([0, width - 1])
        axes[row, 0].set_ylabel(tr("time slot"))
    figure.suptitle(tr("Block {block}'s keys, {shape} = (batch, heads, time, head width)\n"
                       "step {position} writes slot {position} (red) and nothing else; white "
                       "slots are still zero", block=block, shape=tuple(before[block].keys.shape),
                       position=position), fontsize=10)
    figure.tight_layout()
    return figure


def decided_per_pass(length: int, steps: int) -> list[int]:
    """Tokens MaskGIT decides in each pass: the drop in ``maskgit.schedule``'s masked count."""
    left = [length] + maskgit.schedule(length, steps)
    return [before - after for before, after in zip(left, left[1:])]


def plot_maskgit_schedule(length: int, steps: Sequence[int], ax=None):
    """Bars: tokens decided in each pass, one group per setting of ``steps``."""
    ax = _axes(ax, (8, 3.5))
    offset = 0
    for count in steps:
        decided = decided_per_pass(length, count)
        xs = offset + np.arange(count)
        ax.bar(xs, decided, label=tr("{count} passes", count=count))
        for x, value in zip(xs, decided):
            ax.text(x, value + 0.3, str(value), ha="center", fontsize=7)
        offset += count + 1
    ax.set_xticks([])
    ax.set_xlabel(tr("pass, left to right within each group"))
    ax.set_ylabel(tr("tokens decided in the pass"))
    ax.set_title(tr("MaskGIT's cosine schedule: {length} tokens, few decided first, many last",
                    length=length), fontsize=10)
    ax.legend(fontsize=8)
    return ax


# --- the sampler ladder on this machine's roofline ----------------------------------------------

def cache_bytes(spec: tiny_gpt.GPTConfig, batch: int) -> int:
    """Bytes of keys and values a cached step reads: every block's full, fixed-length cache
    (``attend`` runs over all slots and masks the empty ones), float32."""
    batch = check_int("batch", batch, minimum=1)
    return 4 * 2 * spec.depth * batch * spec.length * spec.width


def ladder_points(results: dict, model: DigitGPT) -> list:
    """One ``RooflinePoint`` per rung and batch size of the ladder's comparisons (batch size ->
    ``measure.Comparison`` of ``samplers.ladder_candidates``), per call (``batch`` images).

    FLOPs: the rung's ``flops`` mode of ``tiny_gpt.flops_per_image``. Bytes: the weights once
    per step (every image of the batch shares them) plus, for the KV-cache rungs, the whole cache
    once per step. Activations are not counted: at this size they stay in cache. Seconds: the
    comparison's median per call."""
    from course_lib.measure.roofline import RooflinePoint

    points = []
    for batch, result in results.items():
        for rung in result.names():
            mode = samplers.LADDER[rung].flops
            moved = 4 * model.weights_read_per_pass() \
                + (cache_bytes(model.spec, batch) if mode == "cached" else 0)  # float32
            points.append(RooflinePoint(f"{rung}, b{batch}",
                                        tiny_gpt.flops_per_image(model.spec, mode) * batch,
                                        model.spec.length * moved,
                                        result.per_item_s(rung) * batch))
    return points


def plot_ladder_roofline(limits, points: Sequence) -> object:
    """``measure.roofline.plot_roofline`` once per batch size (the label's ``b<batch>``), side by
    side, legends outside the plots so no point hides behind them."""
    import matplotlib.pyplot as plt

    from course_lib.measure.roofline import plot_roofline

    batches = sorted({point.label.rsplit(", b", 1)[1] for point in points}, key=int)
    figure, axes = plt.subplots(1, len(batches), figsize=(7 * len(batches), 4.8), squeeze=False)
    for ax, batch in zip(axes[0], batches):
        plot_roofline(limits, [p for p in points if p.label.endswith(f", b{batch}")], ax=ax)
        ax.set_title(tr("batch {batch}: filled = measured, hollow = the roofline's limit",
                        batch=batch), fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.15), ncol=2)
    figure.tight_layout()
    return figure


def roofline_reading(limits, point) -> str:
    """One point against the roofline, in words: ``time_over_roofline``, and which limit the
    roofline's least time comes from."""
    from course_lib.measure.roofline import bound_by, time_over_roofline

    ratio = time_over_roofline(limits, point)
    side = bound_by(limits, point.flops, point.bytes_moved)
    if ratio < 1:
        beyond = ("its bytes came faster than DRAM read bandwidth: from cache" if side == "memory"
                  else "faster than the measured matmul peak: the peak probe is not this code's best")
        return f"{point.label}: {side} side, {1 / ratio:.1f}x faster than the roofline — {beyond}"
    if ratio > 1.5:
        return (f"{point.label}: {side} side, {ratio:.3g}x the roofline's time — its FLOPs and "
                f"bytes explain at most {100 / ratio:.2g}% of it")
    return f"{point.label}: {side} side, {ratio:.2g}x the roofline's time — near the roof"
