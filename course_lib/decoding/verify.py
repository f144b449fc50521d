"""The target's cached pass over several new tokens at once: how speculative decoding checks k
drafted tokens for the price of about one step.

``DigitGPT.step`` feeds one token at one position shared by the whole batch. Verifying drafts
needs W tokens per row, and each row at its own position (rows accept different numbers of
drafted tokens, so they drift apart). ``step_tokens`` does that with the Block's own layers
(``norm1``, ``qkv``, ``residuals``) and the same ``attend``: input j of row b sits at sequence
position ``starts[b] + j``, writes its key and value into that cache slot, and sees slots
``<= starts[b] + j``. The writes are a one-hot blend (every shape is fixed, whatever the starts),
so a compiled loop never retraces. A negative position writes nothing (its one-hot row is zero);
``course_lib.decoding.drafts`` uses that for the slot before the class token.
"""

from __future__ import annotations

import functools
from typing import Callable, Sequence

import tensorflow as tf

from course_lib.checks import check_int
from course_lib.generate import common
from course_lib.generate.tiny_gpt import Block, Cache, DigitGPT, LayerCache, attend, check_model


def empty_cache(model: DigitGPT, batch: int, slots: int) -> Cache:
    """Zero key and value caches with ``slots`` positions per block: more than the model's
    length, so tokens drafted past the last image token are written somewhere harmless."""
    spec = model.spec
    shape = [batch, spec.heads, slots, spec.width // spec.heads]
    return tuple(LayerCache(tf.zeros(shape), tf.zeros(shape)) for _ in range(spec.depth))


def _write(cache: tf.Tensor, onehot: tf.Tensor, new: tf.Tensor) -> tf.Tensor:
    """(batch, heads, slots, hw) cache with the W new rows (batch, heads, W, hw) put in the
    slots that ``onehot`` (batch, W, slots) marks; the other slots keep their values."""
    written = tf.reduce_sum(onehot, axis=1)[:, None, :, None]  # (batch, 1, slots, 1): 1 or 0
    return cache * (1.0 - written) + tf.einsum("bws,bhwd->bhsd", onehot, new)


def block_tokens(block: Block, x: tf.Tensor, onehot: tf.Tensor, visible: tf.Tensor,
                 cache: LayerCache) -> tuple[tf.Tensor, LayerCache]:
    """One block over the W new tokens of each row, x (batch * W, width) (flat: the dense
    layers then run one plain matmul): write their keys and values into their slots, attend to
    the ``visible`` (batch, W, slots) ones, add the residuals."""
    batch, window = visible.shape[:2]
    qkv = tf.reshape(block.qkv(block.norm1(x)), [batch, window, 3, block.heads, block.head_width])
    q, k, v = tf.unstack(tf.transpose(qkv, [2, 0, 3, 1, 4]))  # each (batch, heads, W, hw)
    cache = LayerCache(_write(cache.keys, onehot, k), _write(cache.values, onehot, v))
    mixed = attend(q, cache.keys, cache.values, visible[:, None])  # (batch, heads, W, hw)
    mixed = tf.reshape(tf.transpose(mixed, [0, 2, 1, 3]), tf.shape(x))
    return block.residuals(x, mixed, training=False), cache


def step_tokens(model: DigitGPT, tokens: tf.Tensor, starts: tf.Tensor,
                cache: Cache) -> tuple[tf.Tensor, Cache]:
    """Logits (batch, W, codes) after each of ``tokens`` (batch, W), input j of row b at
    position ``starts[b] + j``, and the updated cache. W=1 with equal starts is ``model.step``;
    positions past the model's last position embedding are clamped (their logits are junk,
    and the callers never use them)."""
    tokens, starts = tf.cast(tokens, tf.int32), tf.cast(starts, tf.int32)
    positions = starts[:, None] + tf.range(tf.shape(tokens)[1])[None]  # (batch, W)
    slots = cache[0].keys.shape[2]
    onehot = tf.one_hot(positions, slots)  # a position outside 0..slots-1 writes nothing
    visible = tf.range(slots)[None, None] <= positions[:, :, None]  # (batch, W, slots)
    embedded = tf.clip_by_value(positions, 0, model.spec.positions - 1)
    x = tf.reshape(model.embed(tokens) + model.position(embedded), [-1, model.spec.width])
    updated = []
    for block, layer_cache in zip(model.blocks, cache):
        x, layer_cache = block_tokens(block, x, onehot, visible, layer_cache)
        updated.append(layer_cache)
    logits = model.head(model.norm(x))
    return tf.reshape(logits, [*tokens.shape, model.spec.codes]), tuple(updated)


def _passes(model: DigitGPT, tokens: tf.Tensor, passes: int) -> tf.Tensor:
    """``passes`` target passes over ``tokens`` (batch, W) in one while_loop (what
    ``pass_candidates`` compiles): the cost of verifying W tokens, ``passes`` times."""
    batch, window = tokens.shape
    cache = empty_cache(model, batch, model.spec.length + window + 1)
    starts = tf.zeros([batch], tf.int32)

    def one_pass(i: tf.Tensor, state: tuple) -> tuple:
        logits, cache = step_tokens(model, state[0], starts + i % model.spec.length, state[1])
        return tf.argmax(logits, axis=-1, output_type=tf.int32), cache

    return common.while_loop(one_pass, (tokens, cache), passes)[0]


def pass_candidates(model: DigitGPT, widths: Sequence[int], batch: int = 1,
                    passes: int | None = None) -> dict[str, Callable[[], object]]:
    """Zero-argument calls for ``measure.compare``, one per width W: ``passes`` (default: the
    model's length) cached passes over W tokens per row, each in one XLA-compiled loop.
    Speculative decoding pays only if a pass over k + 1 tokens costs about one pass over 1."""
    check_model(model, causal=True)
    batch = check_int("batch", batch, minimum=1)
    passes = model.spec.length if passes is None else check_int("passes", passes, minimum=1)
    loop = common.compiled(model, "verify_passes", _passes, jit_compile=True)
    return {f"W={check_int('widths', width, minimum=1)}": functools.partial(
        loop, tf.zeros([batch, width], tf.int32), passes) for width in widths}
