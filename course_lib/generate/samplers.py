"""The sampler ladder: the same tiny GPT weights, sampled seven ways, each faster than the last.

Every sampler has the same signature and returns the same tokens for the same seed:

    tokens = sampler(model, classes, temperature=1.0, top_k=None, seed=0, prompt=None)

1. ``sample_predict``       recompute the whole prefix with ``model.predict`` per token
2. ``sample_recompute``     recompute the whole prefix by calling the model (no predict overhead)
3. ``sample_recompute_xla`` recompute a fixed-size buffer, the whole loop in one XLA function
4. ``sample_cached_eager``  KV cache: one token's work per step, but an eager Python loop
5. ``sample_cached_step``   KV cache, each step one compiled ``tf.function`` call
6. ``sample_cached_loop``   KV cache, the whole loop one ``tf.while_loop`` in one tf.function
7. ``sample_cached_xla``    the same loop compiled by XLA (``jit_compile=True``, set explicitly)

Randomness: the Gumbel noise for every step is drawn up front from ``seed`` alone (a stateless
generator) and handed to the sampler, so every rung uses exactly the same random numbers. (XLA
compiles ``tf.random`` ops to a different stream, so drawing inside would break equivalence.)
A compiled function takes noise, prompt and temperature as tensors: it traces once per batch
shape and top-k setting (``TRACES`` counts traces, to prove it).
"""

from __future__ import annotations

import collections
import functools
import numbers
import weakref
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_number
from course_lib.generate.tiny_gpt import DigitGPT
from course_lib.mnist.data import NUM_CLASSES

TRACES: collections.Counter = collections.Counter()  # compiled sampler name -> times traced
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Request:
    """Validated sampling inputs, as tensors a compiled function can take without retracing."""

    first: tf.Tensor        # (batch,) class-token ids
    prompt: tf.Tensor       # (batch, length) image tokens to force, zero-padded
    prompt_len: tf.Tensor   # () how many leading tokens are forced
    temperature: tf.Tensor  # () float32 > 0
    noise: tf.Tensor        # (length, batch, codes) Gumbel noise, one slice per step
    top_k: int | None       # static: changes the traced graph

    @property
    def batch(self) -> int:
        return int(self.first.shape[0])

    def tensors(self) -> tuple[tf.Tensor, ...]:
        return self.first, self.noise, self.prompt, self.prompt_len, self.temperature


def prepare(model: DigitGPT, classes: int | Sequence[int] | np.ndarray, *, batch: int | None = None,
            temperature: float = 1.0, top_k: int | None = None, seed: int = 0,
            prompt: np.ndarray | Sequence[int] | None = None) -> Request:
    """Check every argument and name the wrong one; ``batch`` repeats a single class."""
    labels = check_classes(classes, batch)
    codes, length = model.spec.codes, model.spec.length
    check_number("temperature", temperature, positive=True)
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral)
                              or not 1 <= top_k <= codes):
        raise ValueError(f"top_k: expected None or an integer in 1..{codes} (the vocabulary), "
                         f"got {top_k!r}")
    check_seed(seed)
    forced = _check_prompt(prompt, len(labels), codes, length)
    padded = np.zeros((len(labels), length), np.int32)
    padded[:, :forced.shape[1]] = forced
    uniform = tf.random.stateless_uniform((length, len(labels), codes), seed=[seed, 0],
                                          minval=1e-7, maxval=1.0, alg="philox")
    return Request(tf.constant(codes + labels, tf.int32), tf.constant(padded),
                   tf.constant(forced.shape[1], tf.int32), tf.constant(temperature, tf.float32),
                   -tf.math.log(-tf.math.log(uniform)), None if top_k is None else int(top_k))


def choose(logits: tf.Tensor, step: tf.Tensor | int, noise: tf.Tensor, prompt: tf.Tensor,
           prompt_len: tf.Tensor, temperature: tf.Tensor, top_k: int | None) -> tf.Tensor:
    """Next token (batch,): the prompt's while it lasts, else a Gumbel-max draw.

    ``argmax(logits / T + Gumbel noise)`` is an exact sample from ``softmax(logits / T)``.
    ``top_k=1`` is greedy decoding."""
    step = tf.cast(step, tf.int32)
    logits = tf.cast(logits, tf.float32) / temperature
    if top_k is not None:
        kth = tf.math.top_k(logits, k=top_k).values[:, -1:]
        logits = tf.where(logits < kth, tf.constant(-np.inf, tf.float32), logits)
    sampled = tf.argmax(logits + noise[step], axis=-1, output_type=tf.int32)
    return tf.where(step < prompt_len, prompt[:, tf.minimum(step, tf.shape(prompt)[1] - 1)],
                    sampled)


# --- 1-2: recompute the whole prefix for every token, in a Python loop -----------------------

def _recompute(forward: Callable[[np.ndarray], np.ndarray], request: Request,
               length: int) -> np.ndarray:
    tokens = request.first.numpy()[:, None]
    for step in range(length):
        logits = forward(tokens)[:, -1]
        token = choose(logits, step, *request.tensors()[1:], request.top_k).numpy()
        tokens = np.concatenate([tokens, token[:, None]], axis=1)
    return tokens[:, 1:]


def sample_predict(model: DigitGPT, classes, **options) -> np.ndarray:
    """What popular tutorials do: ``model.predict`` on the growing prefix, once per token."""
    request = prepare(model, classes, **options)
    return _recompute(lambda tokens: model.predict(tokens, verbose=0), request,
                      model.spec.length)


def sample_recompute(model: DigitGPT, classes, **options) -> np.ndarray:
    """Call the model directly: no ``predict`` set-up per call, still the whole prefix."""
    request = prepare(model, classes, **options)
    return _recompute(lambda tokens: model(tokens, training=False).numpy(), request,
                      model.spec.length)


# --- 3: recompute, but a fixed-size buffer and the whole loop compiled ------------------------

def _recompute_loop(model: DigitGPT, top_k: int | None, name: str):
    length = model.spec.length

    def loop(first, noise, prompt, prompt_len, temperature):
        TRACES[name] += 1  # Python side effect: runs only while tracing
        batch = first.shape[0]
        # Row 0 holds the class, row t+1 the t-th image token (time-major, so one scatter
        # writes a row). The causal mask means rows not yet written cannot change the
        # logits at row t.
        buffer = tf.concat([first[None], tf.zeros([length - 1, batch], tf.int32)], axis=0)
        out = tf.zeros([length, batch], tf.int32)

        def body(step, buffer, out):
            logits = model(tf.transpose(buffer), training=False)[:, step]
            token = choose(logits, step, noise, prompt, prompt_len, temperature, top_k)
            out = tf.tensor_scatter_nd_update(out, [[step]], token[None])
            row = tf.minimum(step + 1, length - 1)  # the last token needs no row
            return step + 1, tf.tensor_scatter_nd_update(buffer, [[row]], token[None]), out

        _, _, out = tf.while_loop(lambda step, *_: step < length, body,
                                  (tf.constant(0), buffer, out))
        return tf.transpose(out)

    return loop


def sample_recompute_xla(model: DigitGPT, classes, **options) -> np.ndarray:
    """The recompute sampler at its best: fixed shapes, one XLA-compiled ``while_loop``."""
    request = prepare(model, classes, **options)
    loop = compiled(model, "recompute_xla", request.top_k, _recompute_loop, jit_compile=True)
    return loop(*request.tensors()).numpy()


# --- 4-7: the KV cache: each step does one token's work -----------------------------------------

def sample_cached_eager(model: DigitGPT, classes, **options) -> np.ndarray:
    """KV cache in an eager Python loop: far less arithmetic, but every layer call is eager."""
    request = prepare(model, classes, **options)
    cache, token, out = model.empty_cache(request.batch), request.first, []
    for step in range(model.spec.length):
        logits, cache = model.step(token, step, cache)
        token = choose(logits, step, *request.tensors()[1:], request.top_k)
        out.append(token.numpy())
    return np.stack(out, axis=1)


def _cached_step(model: DigitGPT, top_k: int | None, name: str):
    def step_fn(token, step, cache, noise, prompt, prompt_len, temperature):
        TRACES[name] += 1
        logits, cache = model.step(token, step, cache)
        return choose(logits, step, noise, prompt, prompt_len, temperature, top_k), cache

    return step_fn


def sample_cached_step(model: DigitGPT, classes, **options) -> np.ndarray:
    """KV cache; each step is one call of a compiled function (same shapes every step)."""
    request = prepare(model, classes, **options)
    step_fn = compiled(model, "cached_step", request.top_k, _cached_step)
    first, *rest = request.tensors()
    cache, token, out = model.empty_cache(request.batch), first, []
    for step in range(model.spec.length):
        token, cache = step_fn(token, tf.constant(step), cache, *rest)
        out.append(token)
    return tf.stack(out, axis=1).numpy()


def _cached_loop(model: DigitGPT, top_k: int | None, name: str):
    length = model.spec.length

    def loop(first, noise, prompt, prompt_len, temperature):
        TRACES[name] += 1
        out = tf.zeros([length, first.shape[0]], tf.int32)

        def body(step, token, out, cache):
            logits, cache = model.step(token, step, cache)
            token = choose(logits, step, noise, prompt, prompt_len, temperature, top_k)
            return step + 1, token, tf.tensor_scatter_nd_update(out, [[step]], token[None]), cache

        loop_vars = (tf.constant(0), first, out, model.empty_cache(first.shape[0]))
        _, _, out, _ = tf.while_loop(lambda step, *_: step < length, body, loop_vars)
        return tf.transpose(out)

    return loop


def sample_cached_loop(model: DigitGPT, classes, *, jit_compile: bool = False,
                       **options) -> np.ndarray:
    """KV cache with the whole token loop inside one tf.function: one call per image batch."""
    request = prepare(model, classes, **options)
    name = "cached_xla" if jit_compile else "cached_loop"
    loop = compiled(model, name, request.top_k, _cached_loop, jit_compile=jit_compile)
    return loop(*request.tensors()).numpy()


sample_cached_xla = functools.partial(sample_cached_loop, jit_compile=True)
sample_cached_xla.__doc__ = "``sample_cached_loop`` compiled by XLA: the fastest rung on CPU."

LADDER: dict[str, Callable[..., np.ndarray]] = {
    "predict() per token": sample_predict,
    "recompute, eager": sample_recompute,
    "recompute, XLA loop": sample_recompute_xla,
    "KV cache, eager": sample_cached_eager,
    "KV cache, compiled step": sample_cached_step,
    "KV cache, compiled loop": sample_cached_loop,
    "KV cache, XLA loop": sample_cached_xla,
}
"""Every rung, slowest first, by the name the benchmark and notebook 05 print."""


def compiled(model: DigitGPT, name: str, top_k: int | None, make: Callable,
             jit_compile: bool = False) -> Callable:
    """One tf.function per (model, name, top_k), kept for reuse, so repeated calls never
    retrace. ``make(model, top_k, name)`` builds the Python function to trace; it gets a weak
    proxy of the model, so the cache never keeps a model alive that the learner dropped."""
    functions = _COMPILED.setdefault(model, {})
    key = (name, top_k)
    if key not in functions:
        functions[key] = tf.function(make(weakref.proxy(model), top_k, name),
                                     jit_compile=jit_compile, reduce_retracing=False)
    return functions[key]


def check_seed(seed) -> int:
    """An integer seed in 0..2**31-1 (what the stateless generators take), else a ValueError."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**31:
        raise ValueError(f"seed: expected an integer in 0..2**31-1, got {seed!r}")
    return int(seed)


def check_classes(classes, batch: int | None) -> np.ndarray:
    """Digit classes as int32 (n,), or one class repeated ``batch`` times; wrong input raises
    a ValueError naming ``classes`` or ``batch`` (every generator of notebook 05 uses this)."""
    labels = np.asarray(classes)
    if batch is not None:
        if isinstance(batch, bool) or not isinstance(batch, numbers.Integral) or batch < 1:
            raise ValueError(f"batch: expected an integer >= 1, got {batch!r}")
        if labels.ndim != 0:
            raise ValueError(f"batch: only with a single class (repeated batch times), got "
                             f"classes of shape {labels.shape}")
        labels = np.full(batch, labels)
    labels = labels.reshape(-1) if labels.ndim == 0 else labels
    if labels.ndim != 1 or len(labels) < 1:
        raise ValueError(f"classes: expected a digit class or a batch of at least one, got "
                         f"shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"classes: expected integer digit classes, got dtype {labels.dtype}")
    unknown = labels[(labels < 0) | (labels >= NUM_CLASSES)]
    if len(unknown):
        raise ValueError(f"classes: unknown digit class {unknown[0]}; expected 0..9")
    return labels.astype(np.int32)


def _check_prompt(prompt, batch: int, codes: int, length: int) -> np.ndarray:
    if prompt is None:
        return np.zeros((batch, 0), np.int32)
    forced = np.asarray(prompt)
    forced = forced[None] if forced.ndim == 1 else forced
    if forced.ndim != 2 or len(forced) not in (1, batch):
        raise ValueError(f"prompt: expected image tokens of shape (tokens,) or ({batch}, tokens),"
                         f" got {np.asarray(prompt).shape}")
    if forced.shape[1] > length:
        raise ValueError(f"prompt: {forced.shape[1]} tokens is longer than the context "
                         f"({length} image tokens after the class token)")
    if forced.size and (not np.issubdtype(forced.dtype, np.integer)
                        or forced.min() < 0 or forced.max() >= codes):
        raise ValueError(f"prompt: expected integer token ids in 0..{codes - 1}")
    return np.broadcast_to(forced, (batch, forced.shape[1])).astype(np.int32)


# --- measuring the ladder ------------------------------------------------------------------------

FLOPS_MODE = {"predict() per token": "prefix", "recompute, eager": "prefix",
              "recompute, XLA loop": "buffer"}  # every KV-cache rung: "cached"
CLAIMS = [  # (faster, slower, batch sizes where the course claims it) checked by notebook 05
    ("recompute, eager", "predict() per token", (1, 64)),
    ("recompute, XLA loop", "recompute, eager", (1, 64)),
    ("KV cache, eager", "recompute, eager", (64,)),
    ("KV cache, compiled step", "KV cache, eager", (1, 64)),
    ("KV cache, compiled loop", "KV cache, compiled step", (1, 64)),
    ("KV cache, XLA loop", "KV cache, compiled loop", (1, 64)),
    ("KV cache, XLA loop", "recompute, XLA loop", (1, 64)),
]


def ladder_candidates(model: DigitGPT, batch: int, names: Sequence[str] | None = None,
                      seed: int = 0) -> dict[str, Callable[[], np.ndarray]]:
    """Zero-argument callables for ``measure.compare``: each rung draws ``batch`` images of
    mixed classes with the same seed (so all draw the same tokens)."""
    classes = np.arange(batch) % NUM_CLASSES
    return {name: functools.partial(LADDER[name], model, classes, seed=seed)
            for name in (names or LADDER)}


def ladder_table(results: dict, spec, limits):
    """One row per rung and batch size: ms/image, images/s, speedup over that comparison's
    baseline (named in ``baseline``), and share of the machine's peak compute.

    ``results`` maps batch size -> ``measure.Comparison`` (work = images per call)."""
    import pandas as pd

    from course_lib.generate.tiny_gpt import flops_per_image

    rows = []
    for batch, result in results.items():
        for row in result.rows:
            per_image = row.median_s / batch
            flops = flops_per_image(spec, FLOPS_MODE.get(row.name, "cached"))
            rows.append({"sampler": row.name, "batch": batch, "ms/image": per_image * 1e3,
                         "images/s": 1 / per_image, "speedup": row.speedup,
                         "baseline": result.baseline,
                         "share of peak compute": limits.share_of_compute(flops / per_image)})
    return pd.DataFrame(rows)
