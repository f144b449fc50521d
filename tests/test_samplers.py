"""The sampler ladder: every rung returns the recompute sampler's tokens, traces once per
shape, and names the argument a learner got wrong."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.generate import common, samplers, tiny_gpt

SMALL = tiny_gpt.GPTConfig(codes=32, length=8, width=32, depth=2, heads=2, dropout=0.0)
COMPILED = {"recompute_xla": samplers.sample_recompute_xla,
            "cached_step": samplers.sample_cached_step,
            "cached_loop": samplers.sample_cached_loop,
            "cached_xla": samplers.sample_cached_xla}


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SMALL, seed=0)


SETTINGS = [dict(top_k=1),                       # greedy
            dict(seed=7),                        # plain sampling
            dict(seed=3, temperature=0.6, top_k=5, prompt=[4, 5, 6])]


@pytest.mark.parametrize("settings", SETTINGS, ids=["greedy", "seeded", "top-k+prompt"])
def test_every_rung_returns_the_recompute_tokens(model, settings):
    expected = samplers.sample_recompute(model, [0, 3, 9], **settings)
    assert expected.shape == (3, SMALL.length) and expected.dtype == np.int32
    for rung_id, rung in samplers.LADDER.items():
        np.testing.assert_array_equal(rung.sample(model, [0, 3, 9], **settings), expected,
                                      err_msg=rung_id)


def test_seed_and_class_change_the_samples(model):
    a = samplers.sample_cached_loop(model, [1, 1], seed=0)
    assert not np.array_equal(a, samplers.sample_cached_loop(model, [1, 1], seed=1))
    greedy = samplers.sample_cached_loop(model, [1, 2], top_k=1)
    assert not np.array_equal(greedy[0], greedy[1])


def test_prompt_tokens_are_kept(model):
    out = samplers.sample_cached_xla(model, 4, batch=3, prompt=[[1, 2], [3, 4], [5, 6]], seed=2)
    np.testing.assert_array_equal(out[:, :2], [[1, 2], [3, 4], [5, 6]])
    full = np.arange(SMALL.length) % SMALL.codes
    np.testing.assert_array_equal(samplers.sample_cached_step(model, 4, prompt=full)[0], full)


def test_gumbel_top_k_keeps_to_the_top_k(model):
    logits = tf.constant(np.linspace(0, 3, 20, dtype=np.float32)[None].repeat(4, axis=0))
    picked = set()
    for seed in range(5):
        noise = samplers.prepare(model, [0] * 4, seed=seed).noise[0, :, :20]
        picks = samplers.gumbel_top_k(logits, noise, temperature=1.0, top_k=3).numpy()
        assert set(picks) <= {17, 18, 19}
        picked |= set(picks)
        everything = samplers.gumbel_top_k(logits, noise, temperature=1.0).numpy()
        np.testing.assert_array_equal(everything, np.argmax(logits + noise, axis=1))
    assert len(picked) > 1  # a draw, not the argmax


def test_choose_forces_the_prompt_then_draws(model):
    request = samplers.prepare(model, [0, 1], seed=4, prompt=[7, 8])
    logits = tf.constant(np.random.default_rng(0).normal(size=(2, SMALL.codes)), tf.float32)
    assert samplers.choose(logits, 1, request).numpy().tolist() == [8, 8]
    drawn = samplers.gumbel_top_k(logits, request.noise[2], temperature=1.0)
    np.testing.assert_array_equal(samplers.choose(logits, 2, request), drawn)


def test_low_temperature_approaches_greedy(model):
    greedy = samplers.sample_cached_loop(model, [2, 5], top_k=1)
    cold = samplers.sample_cached_loop(model, [2, 5], temperature=1e-4, seed=11)
    np.testing.assert_array_equal(cold, greedy)


@pytest.fixture(scope="module")
def untraced_model():
    """A model no other test samples from, so its compiled functions start untraced."""
    return tiny_gpt.build(SMALL, seed=1)


@pytest.mark.parametrize("name", list(COMPILED))
def test_compiled_rungs_trace_once_per_shape(untraced_model, name):
    sampler, model = COMPILED[name], untraced_model
    before = common.TRACES[name]
    for seed, temperature in [(0, 1.0), (1, 0.5), (2, 2.0)]:
        sampler(model, [1, 2], seed=seed, temperature=temperature, prompt=[seed])
    assert common.TRACES[name] - before == 1
    sampler(model, [1, 2, 3], seed=0)  # a new batch size is a new shape: one more trace
    assert common.TRACES[name] - before == 2
    sampler(model, [1, 2, 3], seed=0, top_k=4)  # top_k is part of the graph: one more
    assert common.TRACES[name] - before == 3


@pytest.mark.parametrize("kwargs, error, argument", [
    (dict(classes=10), ValueError, "classes: unknown digit class 10"),
    (dict(classes=[1, -1]), ValueError, "classes: unknown digit class -1"),
    (dict(classes=[]), ValueError, "classes"),
    (dict(classes=1.5), TypeError, "classes"),
    (dict(temperature=0), ValueError, "temperature"),
    (dict(temperature=-1.0), ValueError, "temperature"),
    (dict(temperature="hot"), TypeError, "temperature"),
    (dict(top_k=0), ValueError, "top_k"),
    (dict(top_k=SMALL.codes + 1), ValueError, "top_k"),
    (dict(top_k=2.0), TypeError, "top_k"),
    (dict(batch=0), ValueError, "batch"),
    (dict(batch=True), TypeError, "batch"),
    (dict(classes=[1, 2], batch=2), ValueError, "batch"),
    (dict(prompt=[1] * (SMALL.length + 1)), ValueError,
     "prompt: 9 tokens is longer than the context"),
    (dict(prompt=[SMALL.codes]), ValueError, "prompt"),
    (dict(prompt=[1.5]), TypeError, "prompt"),
    (dict(seed=-1), ValueError, "seed"),
    (dict(seed="0"), TypeError, "seed"),
])
def test_bad_input_names_the_argument(model, kwargs, error, argument):
    kwargs = {"classes": 3, **kwargs}
    for sampler in (samplers.sample_predict, samplers.sample_cached_xla):
        with pytest.raises(error, match=argument):
            sampler(model, **kwargs)


def test_a_model_of_the_wrong_kind_is_refused(model):
    bidirectional = tiny_gpt.build(tiny_gpt.GPTConfig(codes=24, length=8, width=16, depth=1,
                                                      heads=2, causal=False))
    with pytest.raises(ValueError, match="model: expected a causal DigitGPT"):
        samplers.sample_cached_xla(bidirectional, [1])
    with pytest.raises(TypeError, match="model: expected a causal DigitGPT"):
        samplers.sample_recompute("gpt", [1])


def test_ladder_ids_name_real_rungs_and_claims(model):
    assert all(rung_id == rung.sample.__name__.removeprefix("sample_")
               for rung_id, rung in samplers.LADDER.items())
    assert {rung for claim in samplers.CLAIMS for rung in claim[:2]} <= set(samplers.LADDER)
    candidates = samplers.ladder_candidates(model, 2, ["cached_step", "predict"])
    assert list(candidates) == ["cached_step", "predict"]
    np.testing.assert_array_equal(candidates["cached_step"](), candidates["predict"]())
    with pytest.raises(ValueError, match="rungs"):
        samplers.ladder_candidates(model, 2, ["KV cache, XLA loop"])


def test_ladder_table_reports_per_image_figures_by_rung(model):
    from course_lib.measure import compare
    from course_lib.measure.machine import MachineLimits

    result = compare(samplers.ladder_candidates(model, 2, ["cached_xla", "recompute_xla"]),
                     work=2, unit="images", repeats=1, warmup=0, progress=False)
    table = samplers.ladder_table({2: result}, SMALL, MachineLimits(1.0, 1.0))
    assert table["rung"].tolist() == ["cached_xla", "recompute_xla"]
    assert table["sampler"].tolist() == ["KV cache, XLA loop", "recompute, XLA loop"]
    seconds = result.row("recompute_xla").median_s
    row = table.iloc[1]
    assert row["ms/image"] == pytest.approx(seconds / 2 * 1e3)
    assert row["images/s"] == pytest.approx(2 / seconds)
    flops = tiny_gpt.flops_per_image(SMALL, "buffer")
    assert row["share of peak compute"] == pytest.approx(flops * 2 / seconds / 1e9)


# --- notebook 05's exercise checkers: pass the references, fail wrong answers ------------------

@pytest.mark.parametrize("name", ["kv_cache_update", "top_k_sample", "generation_flops", "remask"])
def test_exercise_checkers_pass_the_reference_and_fail_a_stub(name):
    from course_lib.exercises import generation, solution

    check = getattr(generation, f"check_{name}")
    report = check(solution(name))
    assert report.passed, str(report)

    def stub(**_):
        raise NotImplementedError

    assert not check(stub).passed


def test_exercise_checkers_catch_plausible_mistakes():
    from course_lib.exercises import generation

    unchanged = generation.check_kv_cache_update(lambda cache, position, new: cache)
    no_top_k = generation.check_top_k_sample(
        lambda logits, k, temperature, gumbel: np.argmax(logits / temperature + gumbel, 1))
    everything_once = generation.check_generation_flops(
        lambda width, depth, codes, length, cached: length * depth * 24 * width**2)
    assert not (unchanged.passed or no_top_k.passed or everything_once.passed)


def test_compiled_samplers_do_not_keep_a_dropped_model_alive():
    import gc
    import weakref

    model = tiny_gpt.build(SMALL, seed=2)
    samplers.sample_cached_xla(model, [1], seed=0)
    alive = weakref.ref(model)
    del model
    gc.collect()
    assert alive() is None
