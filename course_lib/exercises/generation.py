"""Checkers for notebook 05: the KV-cache update, top-k sampling, the FLOPs a cache saves, and
MaskGIT's choice of tokens to mask again."""

from __future__ import annotations

from typing import Callable

import numpy as np

from course_lib.i18n.language import tr
from .report import CheckReport, run_cases

_SMALL = dict(codes=24, length=8, width=32, depth=2, heads=2, dropout=0.0)


def _same(expected: np.ndarray, atol: float = 0.0) -> Callable[[object], str | None]:
    def judge(result) -> str | None:
        result = np.asarray(result)
        if result.shape != expected.shape:
            return f"expected shape {expected.shape}, got {result.shape}"
        if not np.allclose(result, expected, atol=atol, rtol=0):
            worst = np.abs(result.astype(np.float64) - expected).max()
            return f"values differ from the expected ones by up to {worst:.3g}"
        return None
    return judge


def check_kv_cache_update(kv_cache_update: Callable) -> CheckReport:
    """Exercise 1: write one new key/value row into a fixed-size cache; then decode with it
    and compare every step's logits with the full recompute (within 1e-4)."""
    import tensorflow as tf

    from course_lib.generate.tiny_gpt import GPTConfig, build

    rng = np.random.default_rng(0)
    cache = rng.normal(size=(3, 2, 8, 4)).astype(np.float32)  # (batch, heads, time, width)
    new = rng.normal(size=(3, 2, 4)).astype(np.float32)
    cases = []
    for position in (0, 5, 7):
        expected = cache.copy()
        expected[:, :, position] = new
        cases.append((f"write time slot {position}", dict(cache=tf.constant(cache),
                      position=tf.constant(position), new=tf.constant(new)), _same(expected)))
    report = run_cases(tr("Exercise 1 — the KV-cache update"), kv_cache_update, cases)
    if report.passed:
        model = build(GPTConfig(**_SMALL), seed=0)
        tokens = rng.integers(0, _SMALL["codes"], (2, _SMALL["length"])).astype(np.int32)
        tokens[:, 0] = _SMALL["codes"] + 3  # the class token of a "3"
        expected = model(tokens).numpy()

        def decode(**_) -> np.ndarray:
            cache_, steps = model.empty_cache(2), []
            for position in range(_SMALL["length"]):
                logits, cache_ = model.step(tokens[:, position], tf.constant(position), cache_,
                                            write=kv_cache_update)
                steps.append(logits.numpy())
            return np.stack(steps, axis=1)

        report.check("cached decoding matches recompute logits (1e-4)",
                     lambda: _same(expected, atol=1e-4)(decode()))
    return report


def check_top_k_sample(top_k_sample: Callable) -> CheckReport:
    """Exercise 2: top-k sampling with Gumbel noise, against the course's ``gumbel_top_k``."""
    from course_lib.generate.samplers import gumbel_top_k

    rng = np.random.default_rng(1)
    logits = rng.normal(size=(6, 40)).astype(np.float32) * 3
    gumbel = rng.gumbel(size=(6, 40)).astype(np.float32)

    def reference(k: int, temperature: float) -> np.ndarray:
        return gumbel_top_k(logits, gumbel, temperature=temperature, top_k=k).numpy()

    cases = [(f"k={k}, temperature={t}", dict(logits=logits, k=k, temperature=t, gumbel=gumbel),
              _same(reference(k, t))) for k, t in [(1, 1.0), (3, 1.0), (5, 0.5), (40, 2.0)]]
    hand = dict(logits=np.array([[2.0, 1.0, 0.0]], np.float32), k=3,
                gumbel=np.array([[0.0, 1.5, 0.0]], np.float32))
    cases += [("by hand, temperature 1: 2 + 0 < 1 + 1.5, so token 1", dict(hand, temperature=1.0),
               _same(np.array([1]))),
              ("by hand, temperature 0.5: 4 + 0 > 2 + 1.5, so token 0 (divide BEFORE the noise)",
               dict(hand, temperature=0.5), _same(np.array([0]))),
              ("by hand, k=1 cuts token 1's noise away: token 0", dict(hand, k=1, temperature=1.0),
               _same(np.array([0])))]
    cases.append(("k=1 is greedy, whatever the noise",
                  dict(logits=logits, k=1, temperature=1.0, gumbel=gumbel * 100),
                  _same(logits.argmax(axis=1))))
    return run_cases(tr("Exercise 2 — top-k sampling"), top_k_sample, cases)


def check_generation_flops(generation_flops: Callable) -> CheckReport:
    """Exercise 3: FLOPs to generate one image with and without the KV cache."""
    from course_lib.generate.tiny_gpt import GPTConfig, flops_per_image

    cases = []
    for width, depth, codes, length in [(128, 3, 512, 49), (64, 2, 256, 196), (32, 1, 16, 4)]:
        spec = GPTConfig(codes, length, width, depth)
        for cached in (True, False):
            expected = flops_per_image(spec, "cached" if cached else "prefix")
            cases.append((f"d={width}, {depth} blocks, {length} tokens, cached={cached}",
                          dict(width=width, depth=depth, codes=codes, length=length,
                               cached=cached), _close(expected)))
    return run_cases(tr("Exercise 3 — FLOPs the cache saves"), generation_flops, cases)


def check_remask(remask: Callable) -> CheckReport:
    """Exercise 4: which tokens MaskGIT masks again, against ``maskgit.remask``; then a whole
    decode with the learner's function must draw the course sampler's tokens."""
    import tensorflow as tf

    from course_lib.generate import maskgit
    from course_lib.generate.tiny_gpt import GPTConfig, build

    def reference(confidence, masked, remaining) -> np.ndarray:
        return maskgit.remask(tf.constant(confidence), tf.constant(masked),
                              tf.constant(remaining)).numpy()

    def as_bools(expected: np.ndarray) -> Callable[[object], str | None]:
        def judge(result) -> str | None:
            result = np.asarray(result)
            if result.shape != expected.shape:
                return f"expected shape {expected.shape}, got {result.shape}"
            if not np.array_equal(result.astype(bool), expected):
                rows = np.flatnonzero((result.astype(bool) != expected).any(axis=1))
                return f"wrong tokens chosen in row(s) {rows.tolist()}"
            return None
        return judge

    rng = np.random.default_rng(4)
    hand = (np.array([[0.9, 0.1, 0.5, 0.3]], np.float32), np.array([[True, True, False, True]]))
    cases = [("4 tokens, 3 masked, keep 1 masked",
              dict(confidence=hand[0], masked=hand[1], remaining=1),
              as_bools(np.array([[False, True, False, False]]))),
             ("a confident decided token is never masked again",
              dict(confidence=hand[0], masked=hand[1], remaining=3),
              as_bools(np.array([[True, True, False, True]]))),
             ("remaining 0: nothing masked", dict(confidence=hand[0], masked=hand[1], remaining=0),
              as_bools(np.zeros((1, 4), bool)))]
    for remaining in (1, 6, 11):
        confidence = rng.normal(size=(5, 16)).astype(np.float32)
        masked = rng.random((5, 16)) < 0.8
        masked[:, :remaining + 1] = True  # enough masked tokens in every row
        cases.append((f"5 random rows of 16, {remaining} stay masked",
                      dict(confidence=confidence, masked=masked, remaining=remaining),
                      as_bools(reference(confidence, masked, remaining))))
    report = run_cases(tr("Exercise 4 — MaskGIT's choice"), remask, cases)
    if report.passed:
        model = build(GPTConfig(codes=24, length=16, width=32, depth=1, heads=2, dropout=0.0,
                                causal=False), seed=0)
        expected = maskgit.sample_maskgit(model, [1, 4, 7], steps=5, seed=2)

        def learner(confidence, masked, remaining):
            return np.asarray(remask(confidence.numpy(), masked.numpy(), int(remaining)))

        report.check("decoding with it draws the course sampler's tokens (5 passes)",
                     lambda: _same(expected)(maskgit.decode_passes(
                         model, [1, 4, 7], steps=5, seed=2, choose_remasked=learner)[-1]))
    return report


def _close(expected: int) -> Callable[[object], str | None]:
    def judge(result) -> str | None:
        if abs(float(result) - expected) > 0.01 * expected:
            return f"expected about {expected:,} FLOPs, got {float(result):,.0f}"
        return None
    return judge
