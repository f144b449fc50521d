"""MaskGIT: the bidirectional model, its masked training data, and the parallel sampler (the
compiled loop returns the eager loop's tokens; each pass leaves the scheduled number masked)."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib import files
from course_lib.generate import common, maskgit, tiny_gpt
from course_lib.generate.image_tokens import Tokenizer

SMALL = tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=2, heads=4, dropout=0.0,
                           causal=False)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SMALL, seed=0)


def inputs(batch=3, seed=0):
    ids = np.random.default_rng(seed).integers(0, SMALL.codes, (batch, SMALL.positions))
    ids[:, 0] = tiny_gpt.class_token(SMALL, np.arange(batch))
    return ids.astype(np.int32)


def test_bidirectional_model_sees_both_ways_and_scores_every_image_token(model):
    ids = inputs()
    changed = ids.copy()
    changed[:, -1] = (changed[:, -1] + 1) % SMALL.codes
    a, b = model(ids).numpy(), model(changed).numpy()
    assert a.shape == (3, SMALL.length, SMALL.codes)
    assert not np.allclose(a[:, 0], b[:, 0])  # the first token sees the last one


def test_mask_id_and_step_belong_to_one_kind_of_model(model):
    assert SMALL.mask_id == SMALL.codes + 10 == SMALL.vocab_in - 1
    with pytest.raises(ValueError, match="mask_id"):
        tiny_gpt.GPTConfig().mask_id
    with pytest.raises(ValueError, match="step"):
        model.step(np.zeros(2, np.int32), 0, ())


@pytest.mark.parametrize("length, steps", [(256, 8), (1024, 12), (64, 8), (5, 5), (10, 1)])
def test_schedule_decides_everything_and_always_progresses(length, steps):
    remaining = maskgit.schedule(length, steps)
    assert len(remaining) == steps and remaining[-1] == 0
    assert all(a > b for a, b in zip([length] + remaining, remaining))
    with pytest.raises(ValueError, match="steps"):
        maskgit.schedule(length, length + 1)
    with pytest.raises(TypeError, match="steps"):
        maskgit.schedule(length, 2.0)


SETTINGS = [dict(steps=1, seed=0), dict(steps=3, seed=5, temperature=0.7),
            dict(steps=SMALL.length, seed=2, choice_temperature=0.0)]


@pytest.mark.parametrize("settings", SETTINGS, ids=["one pass", "three passes", "one per pass"])
def test_compiled_loop_returns_the_eager_tokens(model, settings):
    eager = maskgit.sample_maskgit_eager(model, [0, 4, 9], **settings)
    assert eager.shape == (3, SMALL.length) and eager.dtype == np.int32
    assert eager.min() >= 0 and eager.max() < SMALL.codes  # nothing left masked
    np.testing.assert_array_equal(maskgit.sample_maskgit(model, [0, 4, 9], **settings), eager)


def test_seed_and_class_change_the_samples(model):
    a = maskgit.sample_maskgit(model, [1, 1], steps=4, seed=0)
    assert not np.array_equal(a, maskgit.sample_maskgit(model, [1, 1], steps=4, seed=1))
    np.testing.assert_array_equal(a, maskgit.sample_maskgit(model, [1, 1], steps=4, seed=0))
    b = maskgit.sample_maskgit(model, [1, 2], steps=4, seed=0)
    assert not np.array_equal(b[0], b[1])


def test_each_pass_leaves_the_scheduled_number_masked_and_keeps_decided_tokens(model):
    passes = maskgit.decode_passes(model, [3, 3], steps=4, seed=1)
    assert passes.shape == (4, 2, SMALL.length)
    masked = passes == SMALL.mask_id
    np.testing.assert_array_equal(masked.sum(axis=2),
                                  np.array(maskgit.schedule(SMALL.length, 4))[:, None].repeat(2, 1))
    for before, after in zip(passes[:-1], passes[1:]):
        decided = before != SMALL.mask_id
        np.testing.assert_array_equal(after[decided], before[decided])


def test_partial_images_show_undecided_patches_grey():
    tokenizer = Tokenizer(np.linspace(0, 1, 3 * 16, dtype=np.float32).reshape(3, 16), 4)
    tokens = np.array([[1] * 48 + [99]])
    image = maskgit.partial_images(tokens, tokenizer, 99, grey=0.35)[0]
    np.testing.assert_allclose(image[24:, 24:], 0.35)
    np.testing.assert_allclose(image[:4, :4].ravel(), tokenizer.codebook[1])


def test_the_most_confident_tokens_are_kept_first():
    peaks = np.arange(SMALL.length, dtype=np.float32)  # position j's best token has logit j
    logits = np.zeros((1, SMALL.length, SMALL.codes), np.float32)
    logits[0, np.arange(SMALL.length), 5] = peaks
    tokens = tf.fill([1, SMALL.length], SMALL.mask_id)
    uniforms = tf.fill([1, SMALL.length, 2], 0.5)
    out = maskgit.unmask(tokens, tf.constant(logits), uniforms,
                         remaining=tf.constant(SMALL.length - 2), noise_scale=tf.constant(0.0),
                         temperature=tf.constant(1.0), mask_id=SMALL.mask_id).numpy()[0]
    kept = np.flatnonzero(out != SMALL.mask_id)
    assert kept.tolist() == [SMALL.length - 2, SMALL.length - 1] and (out[kept] == 5).all()


def test_inverse_cdf_picks_tokens_with_their_probabilities():
    probabilities = np.array([0.5, 0.3, 0.2], np.float32)
    n = 20_000
    logits = tf.constant(np.log(probabilities)[None, None].repeat(n, axis=1))
    uniforms = tf.random.stateless_uniform((1, n, 2), seed=[4, 2], minval=1e-7)
    picks = maskgit.unmask(tf.fill([1, n], 99), logits, uniforms, remaining=tf.constant(0),
                           noise_scale=tf.constant(0.0), temperature=tf.constant(1.0),
                           mask_id=99).numpy()
    np.testing.assert_allclose(np.bincount(picks[0], minlength=3) / n, probabilities, atol=0.015)


def test_compiled_loop_traces_once_per_batch_and_steps():
    model = tiny_gpt.build(SMALL, seed=3)
    before = common.TRACES["maskgit_xla"]
    for seed, temperature in [(0, 1.0), (1, 0.5), (2, 1.5)]:
        maskgit.sample_maskgit(model, [1, 2], steps=3, seed=seed, temperature=temperature)
    assert common.TRACES["maskgit_xla"] - before == 1
    maskgit.sample_maskgit(model, [1, 2], steps=5)
    assert common.TRACES["maskgit_xla"] - before == 2


@pytest.mark.parametrize("kwargs, error, argument", [
    (dict(steps=0), ValueError, "steps"), (dict(steps=SMALL.length + 1), ValueError, "steps"),
    (dict(steps=True), TypeError, "steps"),
    (dict(temperature=0.0), ValueError, "temperature"),
    (dict(temperature=float("nan")), ValueError, "temperature"),
    (dict(choice_temperature=-1.0), ValueError, "choice_temperature"),
    (dict(choice_temperature="4"), TypeError, "choice_temperature"),
    (dict(seed=-1), ValueError, "seed"), (dict(seed=0.5), TypeError, "seed"),
    (dict(classes=[3, 10]), ValueError, "classes"), (dict(classes=[1.5]), TypeError, "classes"),
    (dict(classes=2, batch=0), ValueError, "batch")])
def test_bad_input_names_the_argument(model, kwargs, error, argument):
    kwargs = {"classes": [1], **kwargs}
    with pytest.raises(error, match=argument):
        maskgit.sample_maskgit(model, kwargs.pop("classes"), **kwargs)


def test_a_causal_model_is_refused():
    gpt = tiny_gpt.build(tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=1, heads=4))
    with pytest.raises(ValueError, match="model: expected a bidirectional"):
        maskgit.sample_maskgit(gpt, [1])
    with pytest.raises(ValueError, match="model"):
        maskgit.train_maskgit(gpt, np.zeros((4, 10), np.int32), np.zeros(4), epochs=1)
    with pytest.raises(TypeError, match="model: expected a bidirectional"):
        maskgit.decode_passes(None, [1])


def test_masked_training_pairs():
    tokens = np.random.default_rng(0).integers(0, SMALL.codes, (500, SMALL.length))
    labels = np.arange(500) % 10
    x, y = (t.numpy() for t in maskgit.mask_at_random(tokens, labels, SMALL))
    assert x.shape == (500, SMALL.positions) and y.shape == tokens.shape
    np.testing.assert_array_equal(x[:, 0], SMALL.codes + labels)
    masked = x[:, 1:] == SMALL.mask_id
    np.testing.assert_array_equal(y, np.where(masked, tokens, -1))
    np.testing.assert_array_equal(x[:, 1:][~masked], tokens[~masked])
    shares = masked.mean(axis=1)
    assert shares.min() > 0 and 0.5 < shares.mean() < 0.75  # E[cos(pi u / 2)] = 2/pi ~ 0.64


def test_loss_counts_only_masked_tokens():
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((2, 5, 7)).astype(np.float32)
    targets = np.array([[3, -1, -1, 0, -1], [-1, -1, 6, -1, -1]])
    nudged = logits.copy()
    nudged[targets < 0] += 5 * rng.standard_normal((int((targets < 0).sum()), 7))
    loss = maskgit.masked_loss(targets, logits).numpy()
    np.testing.assert_allclose(maskgit.masked_loss(targets, nudged).numpy(), loss, rtol=1e-6)
    expected = -tf.nn.log_softmax(logits)[1, 2, 6].numpy()
    assert loss[1] == pytest.approx(expected, rel=1e-5)
    perfect = np.where(np.arange(7) == np.maximum(targets, 0)[..., None], 9.0, 0.0)
    assert maskgit.masked_accuracy(targets, perfect).numpy().tolist() == [1.0, 1.0]


def test_training_lowers_the_loss():
    model = tiny_gpt.build(SMALL, seed=4)
    rng = np.random.default_rng(0)
    labels = np.arange(512) % 10
    tokens = (labels[:, None] * 2 + rng.integers(0, 2, (512, SMALL.length))) % SMALL.codes
    history = maskgit.train_maskgit(model, tokens, labels, epochs=4, batch_size=64, verbose=0,
                                    learning_rate=5e-3)
    assert history.history["loss"][-1] < 0.7 * history.history["loss"][0]


def test_save_and_load_keep_the_kind_of_model(model, tmp_path):
    tokenizer = Tokenizer(np.random.default_rng(0).random((SMALL.codes, 16), np.float32), 4)
    path = tiny_gpt.save(model, tokenizer, tmp_path / "m.npz")
    loaded, _ = tiny_gpt.load(path)
    assert loaded.spec == SMALL
    np.testing.assert_array_equal(maskgit.sample_maskgit(loaded, [5], steps=3, seed=1),
                                  maskgit.sample_maskgit(model, [5], steps=3, seed=1))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(files.FileIntegrityError):
        tiny_gpt.load(path)


def test_flops_per_pass_counts_every_position():
    one_pass = maskgit.flops_per_pass(SMALL)
    d, n = SMALL.width, SMALL.positions
    assert one_pass == SMALL.depth * (24 * d * d * n + 4 * n * n * d) + 2 * d * SMALL.codes * 10
    gpt = tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=2, heads=4)
    # one bidirectional pass costs about as much as the cached GPT's whole image
    assert 0.8 < one_pass / tiny_gpt.flops_per_image(gpt, "cached") < 1.5


# --- notebook 05's exercise 4 (reference and stub: tests/test_samplers.py) ------------------

def test_remask_checker_catches_plausible_mistakes():
    from course_lib.exercises import generation

    def most_confident(confidence, masked, remaining):  # re-masks the best, not the worst
        order = np.argsort(-np.where(masked, confidence, -np.inf), axis=1)
        chosen = np.zeros(confidence.shape, bool)
        np.put_along_axis(chosen, order[:, :remaining], True, axis=1)
        return chosen

    def ignores_decided(confidence, masked, remaining):  # may re-mask decided tokens
        order = np.argsort(confidence, axis=1)
        chosen = np.zeros(confidence.shape, bool)
        np.put_along_axis(chosen, order[:, :remaining], True, axis=1)
        return chosen

    for mistake in (most_confident, ignores_decided):
        report = generation.check_remask(mistake)
        assert not report.passed, mistake.__name__
