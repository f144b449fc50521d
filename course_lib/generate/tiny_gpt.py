"""A tiny class-conditional Transformer over image tokens: one set of weights, two ways to run it.

The sequence is ``[class token] + image tokens``; the model predicts each image token from the
ones before it. ``model(tokens)`` runs the whole prefix at once (training, and the "recompute"
samplers); ``model.step(token, position, cache)`` runs ONE new token against a key/value cache
of everything before it. Both paths call the same layers (so they share weights) and the same
``attend`` over (batch, heads, time, head width) tensors, so attention is a plain batched
matmul. The cache is one ``LayerCache(keys, values)`` per block, allocated at full length and
written in place with ``keras.ops.slice_update`` (XLA's dynamic-update-slice), so every step
has the same shapes and a compiled step or loop never retraces.

``causal=False`` makes the same network bidirectional, for MaskGIT-style parallel decoding
(``course_lib.generate.maskgit``): it reads ``[class token] + all image tokens``, some replaced
by a mask id, and predicts every image token at once. Either way ``model(ids)[:, t]`` are the
logits of image token t.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, NamedTuple

import keras
import numpy as np
import tensorflow as tf

from course_lib import config, files
from course_lib.checks import check_choice
from course_lib.generate.image_tokens import Tokenizer
from course_lib.mnist.data import NUM_CLASSES

MODEL_PATH = config.DATA_DIR / "digit_gpt.npz"
CARD_PATH = config.DATA_DIR / "digit_gpt.json"


@dataclass(frozen=True)
class GPTConfig:
    """Shape of the model. ``length`` = tokens per image; a causal model reads class +
    length-1 tokens, a bidirectional (``causal=False``) one reads class + length."""

    codes: int = 512
    length: int = 49
    width: int = 128
    depth: int = 3
    heads: int = 4
    dropout: float = 0.1
    causal: bool = True

    @property
    def vocab_in(self) -> int:
        """Input ids: image codes 0..codes-1, one id per digit class, then (bidirectional
        only) the mask id."""
        return self.codes + NUM_CLASSES + (0 if self.causal else 1)

    @property
    def positions(self) -> int:
        """Sequence length the model reads."""
        return self.length + (0 if self.causal else 1)

    @property
    def mask_id(self) -> int:
        """The input id of a not-yet-decided token (bidirectional models only)."""
        if self.causal:
            raise ValueError("mask_id: a causal model has no mask token; use causal=False")
        return self.codes + NUM_CLASSES


def write_cache(cache: tf.Tensor, position: tf.Tensor, new: tf.Tensor) -> tf.Tensor:
    """Slot ``position`` of a (batch, heads, length, head_width) cache replaced by ``new``
    (batch, heads, head_width); same shape out, so compiled code never retraces."""
    return keras.ops.slice_update(cache, [0, 0, position, 0], new[:, :, None, :])


class LayerCache(NamedTuple):
    """One block's keys and values of every position so far, each (batch, heads, length,
    head_width): allocated at full length, filled one slot per step."""

    keys: tf.Tensor
    values: tf.Tensor


Cache = tuple[LayerCache, ...]  # the model's cache: one LayerCache per block


def causal_mask(time: int | tf.Tensor) -> tf.Tensor:
    """(time, time) bools, True where query position t may see key position s: s <= t. The
    lower triangle that keeps every position of a whole sequence from seeing its future."""
    return tf.linalg.band_part(tf.ones([time, time], tf.bool), -1, 0)


def attend(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | None = None) -> tf.Tensor:
    """Scaled dot-product attention over (batch, heads, time, head_width) tensors: each query
    mixes the values of the keys ``mask`` lets it see ((queries, keys) bools; None: all).
    The whole sequence and the one-token cached step both run this."""
    scores = tf.matmul(q, k, transpose_b=True) / math.sqrt(q.shape[-1])  # (..., queries, keys)
    if mask is not None:
        scores = tf.where(mask, scores, tf.constant(-1e9, scores.dtype))
    return tf.matmul(tf.nn.softmax(scores, axis=-1), v)


def flops_per_image(spec: GPTConfig, mode: str = "cached") -> int:
    """Matmul FLOPs (2 per multiply-add) to generate one image's ``spec.length`` tokens.

    ``cached``: one new position per step; ``prefix``: the whole prefix recomputed each step;
    ``buffer``: the full fixed-length buffer each step. A position that sees n keys costs
    24 d^2 + 4 n d per block (q/k/v, output, 4x MLP; scores and weighted sum) + 2 d codes."""
    d, length = spec.width, spec.length

    def position(s: int) -> int:  # position s attends to s + 1 keys
        return spec.depth * (24 * d * d + 4 * (s + 1) * d) + 2 * d * spec.codes

    steps = {"cached": lambda t: position(t),
             "prefix": lambda t: sum(position(s) for s in range(t + 1)),
             "buffer": lambda t: sum(position(s) for s in range(length))}
    return sum(steps[check_choice("mode", mode, steps)](t) for t in range(length))


def class_token(config_: GPTConfig, digit: tf.Tensor | np.ndarray | int):
    """Input id of a digit's class token (it comes after the image codes)."""
    return config_.codes + digit


class Block(keras.layers.Layer):
    """Pre-norm Transformer block: self-attention (causal or not) then an MLP, each with a
    residual. ``call`` runs a whole sequence, ``step`` one new token against its cache: both
    through the same layers and the same ``attend``."""

    def __init__(self, width: int, heads: int, dropout: float, causal: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.heads, self.head_width, self.causal = heads, width // heads, causal
        self.norm1 = keras.layers.LayerNormalization(epsilon=1e-5)
        self.qkv = keras.layers.Dense(3 * width)
        self.out = keras.layers.Dense(width)
        self.norm2 = keras.layers.LayerNormalization(epsilon=1e-5)
        self.up = keras.layers.Dense(4 * width, activation="gelu")
        self.down = keras.layers.Dense(width)
        self.drop = keras.layers.Dropout(dropout)

    def _heads(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        """(batch, time, width) -> q, k, v, each (batch, heads, time, head_width)."""
        shape = tf.concat([tf.shape(x)[:-1], [3, self.heads, self.head_width]], axis=0)
        q, k, v = tf.unstack(tf.transpose(tf.reshape(self.qkv(x), shape), [2, 0, 3, 1, 4]))
        return q, k, v

    def residuals(self, x: tf.Tensor, mixed: tf.Tensor, training: bool) -> tf.Tensor:
        """The heads' output ``mixed`` (shaped like x) projected and added to x; then the MLP,
        added too."""
        x = x + self.drop(self.out(mixed), training=training)
        return x + self.drop(self.down(self.up(self.norm2(x))), training=training)

    def call(self, x: tf.Tensor, training: bool = False) -> tf.Tensor:
        """Whole sequence: x (batch, time, width) -> same shape; if causal, position t sees
        0..t, else every position sees all."""
        q, k, v = self._heads(self.norm1(x))
        time = tf.shape(x)[1]
        mask = causal_mask(time) if self.causal else None
        mixed = tf.transpose(attend(q, k, v, mask), [0, 2, 1, 3])  # (batch, time, heads, hw)
        return self.residuals(x, tf.reshape(mixed, tf.shape(x)), training)

    def step(self, x: tf.Tensor, position: tf.Tensor, cache: LayerCache,
             write: Callable = write_cache) -> tuple[tf.Tensor, LayerCache]:
        """One token: x (batch, width) at ``position``, against this block's ``cache``.

        Writes the token's key and value into slot ``position`` of the cache, then attends to
        slots 0..position; later slots hold zeros and are masked out. Returns x for the next
        block and the updated cache. (One token needs no time axis in the layers; its query
        gets one for ``attend``.)"""
        qkv = tf.reshape(self.qkv(self.norm1(x)), [-1, 3, self.heads, self.head_width])
        q, k, v = tf.unstack(qkv, axis=1)  # each (batch, heads, head_width)
        cache = LayerCache(write(cache.keys, position, k), write(cache.values, position, v))
        visible = tf.range(tf.shape(cache.keys)[2]) <= position  # (slots,)
        mixed = attend(q[:, :, None], cache.keys, cache.values, visible[None, :])
        return self.residuals(x, tf.reshape(mixed, tf.shape(x)), training=False), cache


class DigitGPT(keras.Model):
    """Transformer over image tokens: ids (batch, time) -> logits over codes (batch, length,
    codes). Causal: a decoder-only GPT. Not causal: MaskGIT's bidirectional model."""

    def __init__(self, codes: int = 512, length: int = 49, width: int = 128, depth: int = 3,
                 heads: int = 4, dropout: float = 0.1, causal: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = GPTConfig(codes, length, width, depth, heads, dropout, causal)
        self.embed = keras.layers.Embedding(self.spec.vocab_in, width)
        self.position = keras.layers.Embedding(self.spec.positions, width)
        self.blocks = [Block(width, heads, dropout, causal, name=f"block{i}")
                       for i in range(depth)]
        self.norm = keras.layers.LayerNormalization(epsilon=1e-5)
        self.head = keras.layers.Dense(codes)

    def call(self, tokens: tf.Tensor, training: bool = False) -> tf.Tensor:
        tokens = tf.cast(tokens, tf.int32)
        x = self.embed(tokens) + self.position(tf.range(tf.shape(tokens)[1]))[None]
        for block in self.blocks:
            x = block(x, training=training)
        if not self.spec.causal:
            x = x[:, 1:]  # the class token's own output predicts nothing
        return self.head(self.norm(x))

    def weights_read_per_pass(self) -> int:
        """Weights one forward pass reads from memory: all of them but the two embedding
        tables, of which a pass reads only its tokens' rows (counted as none)."""
        tables = self.embed.embeddings.shape.num_elements() \
            + self.position.embeddings.shape.num_elements()
        return self.count_params() - tables

    def empty_cache(self, batch: int) -> Cache:
        """Zero key and value caches for every block, full length from the start."""
        shape = [batch, self.spec.heads, self.spec.length, self.spec.width // self.spec.heads]
        return tuple(LayerCache(tf.zeros(shape), tf.zeros(shape))
                     for _ in range(self.spec.depth))

    def step(self, token: tf.Tensor, position: tf.Tensor, cache: Cache,
             write: Callable = write_cache) -> tuple[tf.Tensor, Cache]:
        """Logits (batch, codes) for the token after ``token`` (batch,) at ``position``, and the
        updated cache. Same weights and result as ``call`` on the whole prefix, one token's work.
        ``write`` puts a new key or value into a cache (exercise 1 swaps in the learner's)."""
        if not self.spec.causal:
            raise ValueError("step: a KV cache needs a causal model; this one is bidirectional")
        position = tf.cast(position, tf.int32)
        x = self.embed(tf.cast(token, tf.int32)) + self.position(position)[None]
        updated = []
        for block, layer_cache in zip(self.blocks, cache):
            x, layer_cache = block.step(x, position, layer_cache, write)
            updated.append(layer_cache)
        return self.head(self.norm(x)), tuple(updated)

    def get_config(self) -> dict:
        return asdict(self.spec)


def build(spec: GPTConfig = GPTConfig(), seed: int = 0) -> DigitGPT:
    """A freshly initialised model, built (weights exist) and seeded."""
    keras.utils.set_random_seed(seed)
    model = DigitGPT(**asdict(spec))
    model(np.zeros((1, spec.positions), np.int32))
    return model


def check_model(model: object, causal: bool) -> DigitGPT:
    """``model`` if it is a ``DigitGPT`` of the kind a sampler needs: a TypeError for anything
    else, a ValueError for the other kind (the GPT's samplers need ``causal=True``, MaskGIT's
    ``causal=False``)."""
    kind = "causal" if causal else "bidirectional"
    if not isinstance(model, DigitGPT):
        raise TypeError(f"model: expected a {kind} DigitGPT (GPTConfig(causal={causal})), got "
                        f"{type(model).__name__}")
    if model.spec.causal != causal:
        raise ValueError(f"model: expected a {kind} DigitGPT (GPTConfig(causal={causal})), got "
                         f"{model.spec}")
    return model


# --- training ---------------------------------------------------------------------------------

def sequences(tokens: np.ndarray, labels: np.ndarray, codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs ``[class] + tokens[:-1]`` and targets ``tokens`` (teacher forcing)."""
    first = (codes + np.asarray(labels, np.int32))[:, None]
    return np.concatenate([first, tokens[:, :-1]], axis=1).astype(np.int32), tokens.astype(np.int32)


def train_gpt(model: DigitGPT, tokens: np.ndarray, labels: np.ndarray, *, epochs: int = 8,
              batch_size: int = 128, learning_rate: float = 2e-3, label_smoothing: float = 0.0,
              jit_compile: bool = True, validation: tuple[np.ndarray, np.ndarray] | None = None,
              verbose: int | str = "auto", callbacks: list | None = None
              ) -> keras.callbacks.History:
    """Next-token training with AdamW, warm-up + cosine decay, optional label smoothing.

    Label smoothing is off by default (the shipped card: 0.0): a smoothed target puts
    ``epsilon / codes`` on EVERY token, and sampling at temperature 1.0 draws from that tail
    (``smoothing.tail_of_smoothed_target``; notebook 05 works out how often over 49 tokens).
    Keras draws the progress bar. ``jit_compile`` is explicit because Keras's "auto" leaves XLA
    off on CPU."""
    x, y = sequences(tokens, labels, model.spec.codes)
    codes = model.spec.codes

    def loss(target, logits):
        onehot = tf.one_hot(tf.cast(target, tf.int32), codes)
        return keras.losses.categorical_crossentropy(onehot, logits, from_logits=True,
                                                     label_smoothing=label_smoothing)

    model.compile(optimizer=optimizer(learning_rate, epochs * math.ceil(len(x) / batch_size)),
                  loss=loss, metrics=["sparse_categorical_accuracy"], jit_compile=jit_compile)
    val = None if validation is None else sequences(*validation, codes)
    return model.fit(x, y, batch_size=batch_size, epochs=epochs, validation_data=val,
                     shuffle=True, verbose=verbose, callbacks=callbacks)


def optimizer(learning_rate: float, steps: int,
              weight_decay: float = 0.05) -> keras.optimizers.Optimizer:
    """AdamW with 5% linear warm-up then cosine decay over ``steps`` (the course's recipe for
    both Transformers)."""
    warmup = steps // 20
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=steps - warmup, warmup_target=learning_rate, warmup_steps=warmup,
        alpha=0.02)
    return keras.optimizers.AdamW(schedule, weight_decay=weight_decay)


# --- shipping ---------------------------------------------------------------------------------

def save(model: DigitGPT, tokenizer: Tokenizer, path: str | Path = MODEL_PATH,
         card: dict | None = None) -> Path:
    """Weights, model shape and codebook in one .npz (atomic, with sha256), plus a JSON card."""
    return files.write_weights(path, model.get_weights(), asdict(model.spec), card,
                               codebook=tokenizer.codebook, patch=np.int32(tokenizer.patch))


def load(path: str | Path = MODEL_PATH) -> tuple[DigitGPT, Tokenizer]:
    """The model and tokenizer written by ``save`` (hash checked first)."""
    spec, weights, extra = files.read_weights(path)
    model = build(GPTConfig(**spec))
    model.set_weights(weights)
    return model, Tokenizer(extra["codebook"], int(extra["patch"]))


def load_pretrained() -> tuple[DigitGPT, Tokenizer]:
    """The GPT shipped in ``data/`` (``data/digit_gpt.json`` says how it was made)."""
    return files.load_shipped(load, MODEL_PATH, "scripts/train_digit_gpt.py")
