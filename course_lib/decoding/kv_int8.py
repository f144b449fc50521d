"""An int8 KV cache: each new key and value stored as int8 codes with one float32 scale per
(row, head, slot), symmetric, absmax: ``scale = max|x| / 127``, ``q = round(x / scale)``.

The cache grows with every token and every image in the batch, so at long contexts or big
batches it, not the weights, is what a decode step streams. Here the numerics are exact but the
memory saving is COUNTED, NOT REALISED: ``write_int8`` is a ``write`` hook for
``DigitGPT.step`` that stores ``dequantize(quantize(new))`` in the float32 cache, so every later
step attends to exactly the values an int8 cache would give back, while the tensor stays
float32. Holding real int8 tensors would mean a second ``Block.step`` that dequantizes before
``attend``, a copy of the block this course keeps in one place. ``kv_bytes_per_token`` counts
what an int8 cache would hold.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_choice
from course_lib.generate import common, quality, samplers
from course_lib.generate.image_tokens import Tokenizer
from course_lib.generate.tiny_gpt import Cache, DigitGPT, GPTConfig, write_cache

KV_DTYPES = ("float32", "int8")
INT8_LIMIT = 127  # symmetric: -128 is never used
SCALE_BYTES = 4  # one float32 scale per (row, head, slot)


def quantize_kv(new: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(batch, heads, head_width) floats -> int8 codes of the same shape and scales (batch,
    heads, 1): one per row and head of this slot. An all-zero vector gets scale 1."""
    absmax = tf.reduce_max(tf.abs(new), axis=-1, keepdims=True)
    scale = tf.where(absmax > 0, absmax / INT8_LIMIT, tf.ones_like(absmax))
    codes = tf.clip_by_value(tf.round(new / scale), -INT8_LIMIT, INT8_LIMIT)
    return tf.cast(codes, tf.int8), scale


def dequantize_kv(codes: tf.Tensor, scale: tf.Tensor) -> tf.Tensor:
    """The float32 values int8 ``codes`` with their ``scale`` stand for."""
    return tf.cast(codes, tf.float32) * scale


def write_int8(cache: tf.Tensor, position: tf.Tensor, new: tf.Tensor) -> tf.Tensor:
    """``tiny_gpt.write_cache`` of what an int8 cache holds: ``new`` quantized, then read back.
    Each value is off by at most half its scale, ``max|x| / 254`` of its (row, head)."""
    return write_cache(cache, position, dequantize_kv(*quantize_kv(new)))


class Int8KV:
    """``model`` whose ``step`` writes its caches through ``write_int8``; what the cached
    samplers need of a model (``spec``, ``empty_cache``, ``step``), so they run it unchanged."""

    def __init__(self, model: DigitGPT) -> None:
        self.model, self.spec = model, model.spec

    def empty_cache(self, batch: int) -> Cache:
        return self.model.empty_cache(batch)

    def step(self, token: tf.Tensor, position: tf.Tensor, cache: Cache):
        return self.model.step(token, position, cache, write=write_int8)


def int8_kv_loop(model: DigitGPT, request: common.Request) -> tf.Tensor:
    """The cached loop of ``sample_cached_xla`` over ``Int8KV(model)``."""
    return samplers.cached_while_loop(Int8KV(model), request)


def sample_kv_int8(model: DigitGPT, classes: int | Sequence[int] | np.ndarray,
                   **options) -> np.ndarray:
    """``sample_cached_xla`` with the int8 KV cache: same noise, same compiled XLA loop."""
    request = samplers.prepare(model, classes, **options)
    loop = common.compiled(model, "cached_xla_kv_int8", int8_kv_loop, jit_compile=True)
    return loop(request).numpy()


def kv_bytes_per_token(spec: GPTConfig, dtype: str = "float32") -> int:
    """Bytes the cache holds per image per token: a key and a value of ``width`` numbers in
    every block; int8 adds a float32 scale per head for each."""
    check_choice("dtype", dtype, KV_DTYPES)
    if not isinstance(spec, GPTConfig):
        raise TypeError(f"spec: expected a GPTConfig, got {type(spec).__name__}")
    per_vector = spec.width * 4 if dtype == "float32" else spec.width + spec.heads * SCALE_BYTES
    return 2 * spec.depth * per_vector


def kv_int8_quality(model: DigitGPT, tokenizer: Tokenizer, classifier, per_class: int = 100, *,
                    temperature: float = 1.0, seed: int = 0
                    ) -> tuple[quality.Quality, quality.Quality]:
    """Classifier quality of the float32 cache and the int8 cache, same seeds: (float, int8)."""
    return tuple(quality.judge(model, tokenizer, classifier, per_class=per_class,
                               temperature=temperature, seed=seed, sampler=sampler)
                 for sampler in (samplers.sample_cached_xla, sample_kv_int8))
