"""The sampler ladder: every rung returns the recompute sampler's tokens, traces once per
shape, and names the argument a learner got wrong."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.generate import samplers, tiny_gpt

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
    for name, sampler in samplers.LADDER.items():
        np.testing.assert_array_equal(sampler(model, [0, 3, 9], **settings), expected,
                                      err_msg=name)


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


def test_choose_keeps_to_the_top_k(model):
    logits = tf.constant(np.linspace(0, 3, 20, dtype=np.float32)[None].repeat(4, axis=0))
    for seed in range(5):
        noise = samplers.prepare(model, [0] * 4, seed=seed).noise
        prompt = tf.zeros([4, SMALL.length], tf.int32)
        picks = samplers.choose(logits, 0, noise[:, :, :20], prompt, tf.constant(0),
                                tf.constant(1.0), top_k=3).numpy()
        assert set(picks) <= {17, 18, 19}


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
    before = samplers.TRACES[name]
    for seed, temperature in [(0, 1.0), (1, 0.5), (2, 2.0)]:
        sampler(model, [1, 2], seed=seed, temperature=temperature, prompt=[seed])
    assert samplers.TRACES[name] - before == 1
    sampler(model, [1, 2, 3], seed=0)  # a new batch size is a new shape: one more trace
    assert samplers.TRACES[name] - before == 2


@pytest.mark.parametrize("kwargs, argument", [
    (dict(classes=10), "classes: unknown digit class 10"),
    (dict(classes=[1, -1]), "classes: unknown digit class -1"),
    (dict(classes=[]), "classes"),
    (dict(classes=1.5), "classes"),
    (dict(temperature=0), "temperature"),
    (dict(temperature=-1.0), "temperature"),
    (dict(top_k=0), "top_k"),
    (dict(top_k=SMALL.codes + 1), "top_k"),
    (dict(batch=0), "batch"),
    (dict(classes=[1, 2], batch=2), "batch"),
    (dict(prompt=[1] * (SMALL.length + 1)), "prompt: 9 tokens is longer than the context"),
    (dict(prompt=[SMALL.codes]), "prompt"),
    (dict(seed=-1), "seed"),
])
def test_bad_input_names_the_argument(model, kwargs, argument):
    kwargs = {"classes": 3, **kwargs}
    for sampler in (samplers.sample_predict, samplers.sample_cached_xla):
        with pytest.raises(ValueError, match=argument):
            sampler(model, **kwargs)


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
