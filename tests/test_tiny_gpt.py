"""The tiny GPT: cached steps match the full forward pass; saving keeps every weight."""

import numpy as np
import pytest

from course_lib import files
from course_lib.generate import tiny_gpt
from course_lib.generate.image_tokens import Tokenizer

SMALL = tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=2, heads=4, dropout=0.0)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SMALL, seed=0)


def prefix(batch=3, seed=0):
    tokens = np.random.default_rng(seed).integers(0, SMALL.codes, (batch, SMALL.length))
    tokens[:, 0] = tiny_gpt.class_token(SMALL, np.arange(batch) % 10)
    return tokens.astype(np.int32)


def test_cached_steps_match_the_full_forward_pass(model):
    tokens = prefix()
    full = model(tokens).numpy()
    cache, steps = model.empty_cache(len(tokens)), []
    for position in range(SMALL.length):
        logits, cache = model.step(tokens[:, position], position, cache)
        steps.append(logits.numpy())
    np.testing.assert_allclose(np.stack(steps, axis=1), full, atol=1e-4)
    assert np.abs(full).max() > 1e-3  # not trivially zero


def test_attention_is_causal(model):
    tokens, changed = prefix(), prefix()
    changed[:, 6:] = (changed[:, 6:] + 1) % SMALL.codes
    a, b = model(tokens).numpy(), model(changed).numpy()
    np.testing.assert_allclose(a[:, :6], b[:, :6], atol=1e-5)
    assert not np.allclose(a[:, 6:], b[:, 6:])


def test_cache_is_one_fixed_full_length_layer_cache_per_block(model):
    cache = model.empty_cache(5)
    assert len(cache) == SMALL.depth and all(isinstance(c, tiny_gpt.LayerCache) for c in cache)
    shape = (5, SMALL.heads, SMALL.length, SMALL.width // SMALL.heads)
    assert all(c.keys.shape == shape and c.values.shape == shape for c in cache)
    _, updated = model.step(np.zeros(5, np.int32), 3, cache)
    assert all(u.keys.shape == shape and u.values.shape == shape for u in updated)
    written = np.abs(updated[0].keys.numpy()).sum(axis=(0, 1, 3))  # per slot
    assert written[3] > 0 and not written[np.arange(SMALL.length) != 3].any()


def test_write_cache_replaces_one_slot_in_place():
    cache = np.random.default_rng(0).normal(size=(2, 3, 5, 4)).astype(np.float32)
    new = np.ones((2, 3, 4), np.float32)
    written = tiny_gpt.write_cache(cache, 2, new).numpy()
    expected = cache.copy()
    expected[:, :, 2] = new
    np.testing.assert_array_equal(written, expected)


def test_attend_mixes_only_the_values_the_mask_shows():
    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=(2, 3, 4, 8)).astype(np.float32) for _ in range(3))
    scores = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(8)
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    expected = (weights / weights.sum(-1, keepdims=True)) @ v
    np.testing.assert_allclose(tiny_gpt.attend(q, k, v).numpy(), expected, atol=1e-5)
    first_only = np.zeros((4, 4), bool)
    first_only[:, 0] = True
    np.testing.assert_allclose(tiny_gpt.attend(q, k, v, first_only).numpy(),
                               np.repeat(v[:, :, :1], 4, axis=2), atol=1e-6)


def test_flops_modes_are_checked():
    with pytest.raises(ValueError, match="mode"):
        tiny_gpt.flops_per_image(SMALL, "cache")


def test_sequences_put_the_class_first():
    tokens = np.arange(2 * 49).reshape(2, 49) % 512
    x, y = tiny_gpt.sequences(tokens, np.array([3, 7]), 512)
    assert x[:, 0].tolist() == [515, 519]
    np.testing.assert_array_equal(x[:, 1:], tokens[:, :-1])
    np.testing.assert_array_equal(y, tokens)


def test_training_lowers_the_loss():
    model = tiny_gpt.build(SMALL, seed=1)
    rng = np.random.default_rng(0)
    # A learnable pattern: every image token equals its class.
    labels = rng.integers(0, 10, 256)
    tokens = np.repeat(labels[:, None], SMALL.length, axis=1)
    history = tiny_gpt.train_gpt(model, tokens, labels, epochs=3, batch_size=32,
                                 learning_rate=3e-3, jit_compile=False, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.6 * losses[0]


def test_save_and_load_round_trip(model, tmp_path):
    codebook = np.random.default_rng(0).random((SMALL.codes, 16)).astype(np.float32)
    path = tiny_gpt.save(model, Tokenizer(codebook, 4), tmp_path / "gpt.npz", {"note": "test"})
    loaded, tokenizer = tiny_gpt.load(path)
    np.testing.assert_array_equal(tokenizer.codebook, codebook)
    assert loaded.spec == SMALL
    np.testing.assert_allclose(loaded(prefix()).numpy(), model(prefix()).numpy(), atol=1e-6)
    assert (tmp_path / "gpt.json").exists()
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(files.FileIntegrityError):
        tiny_gpt.load(path)


def test_parameter_count_of_the_course_model_matches_the_calibration():
    assert 0.6e6 < tiny_gpt.build().count_params() < 0.8e6
