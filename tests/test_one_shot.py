"""The one-shot generator: one compiled decoder pass, seeded, validated, saved whole."""

import numpy as np
import pytest

from course_lib import files
from course_lib.generate import common, one_shot

TINY = one_shot.CVAEConfig(latent=4, width=8)


@pytest.fixture(scope="module")
def model():
    return one_shot.build(TINY, seed=0)


def test_samples_are_float_images_in_unit_range(model):
    images = one_shot.sample(model, [0, 3, 9])
    assert images.shape == (3, 28, 28) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert one_shot.sample(model, 7, batch=5).shape == (5, 28, 28)


def test_same_seed_same_images_other_seed_other_images(model):
    a, b = one_shot.sample(model, [1, 2], seed=3), one_shot.sample(model, [1, 2], seed=3)
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - one_shot.sample(model, [1, 2], seed=4)).max() > 1e-3


def test_temperature_scales_the_latent(model):
    cold = [one_shot.sample(model, [5, 5], temperature=1e-4, seed=s) for s in (0, 1)]
    np.testing.assert_allclose(cold[0], cold[1], atol=1e-4)  # all near z = 0
    mean = model.decode(np.zeros((2, TINY.latent), np.float32), np.array([5, 5])).numpy()
    np.testing.assert_allclose(cold[0], mean, atol=1e-4)
    warm = [one_shot.sample(model, [5, 5], temperature=2.0, seed=s) for s in (0, 1)]
    assert np.abs(warm[0] - warm[1]).max() > 100 * np.abs(cold[0] - cold[1]).max()


def test_one_trace_per_batch_shape():
    model = one_shot.build(TINY, seed=2)  # fresh: nothing compiled for it yet
    before = common.TRACES["cvae_decode"]
    for seed, temperature in [(0, 1.0), (1, 0.5), (2, 2.0)]:
        one_shot.sample(model, [seed, 4, 5, 6], temperature=temperature, seed=seed)
    assert common.TRACES["cvae_decode"] == before + 1
    one_shot.sample(model, 3, batch=6)
    one_shot.sample(model, [1, 2, 3, 4])
    assert common.TRACES["cvae_decode"] == before + 2


@pytest.mark.parametrize("arguments, error, name", [
    (dict(classes=10), ValueError, "classes"), (dict(classes=[3, -1]), ValueError, "classes"),
    (dict(classes=[1.5]), TypeError, "classes"), (dict(classes=[]), ValueError, "classes"),
    (dict(classes=3, batch=0), ValueError, "batch"),
    (dict(classes=[1, 2], batch=2), ValueError, "batch"),
    (dict(classes=1, temperature=0.0), ValueError, "temperature"),
    (dict(classes=1, temperature=-1.0), ValueError, "temperature"),
    (dict(classes=1, temperature=float("nan")), ValueError, "temperature"),
    (dict(classes=1, temperature=float("inf")), ValueError, "temperature"),
    (dict(classes=1, temperature=None), TypeError, "temperature"),
    (dict(classes=1, seed=-1), ValueError, "seed"),
    (dict(classes=1, seed=2**31), ValueError, "seed"),
    (dict(classes=1, seed=1.5), TypeError, "seed"),
])
def test_bad_arguments_are_named(model, arguments, error, name):
    with pytest.raises(error, match=name):
        one_shot.sample(model, **arguments)


def test_a_model_of_another_kind_is_refused():
    with pytest.raises(TypeError, match="model: expected a DigitCVAE"):
        one_shot.sample("cvae", [1])


def test_flops_count_the_decoders_own_weights(model):
    # Dense: one multiply-add per kernel entry; a stride-2 transposed conv: every kernel entry
    # once per INPUT pixel (7x7, then 14x14).
    expand = model.expand.kernel.shape
    up1, up2 = (layer.kernel.shape for layer in model.upsample.layers[1:3])
    expected = 2 * (np.prod(expand) + 49 * np.prod(up1) + 196 * np.prod(up2))
    assert one_shot.flops_per_image(TINY) == expected
    assert isinstance(one_shot.flops_per_image(TINY), int)


def test_save_and_load_round_trip(tmp_path):
    model = one_shot.build(TINY, seed=3)  # not the weights load() starts from (seed 0)
    path = one_shot.save(model, tmp_path / "cvae.npz", {"note": "test"})
    loaded = one_shot.load(path)
    assert loaded.spec == TINY
    np.testing.assert_array_equal(one_shot.sample(loaded, [0, 8], seed=5),
                                  one_shot.sample(model, [0, 8], seed=5))
    assert (tmp_path / "cvae.json").exists()
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(files.FileIntegrityError, match="corrupted"):
        one_shot.load(path)


def test_missing_pretrained_file_says_how_to_remake_it(monkeypatch, tmp_path):
    monkeypatch.setattr(one_shot, "MODEL_PATH", tmp_path / "digit_cvae.npz")
    with pytest.raises(files.FileIntegrityError, match="train_digit_cvae.py"):
        one_shot.load_pretrained()


def test_training_lowers_the_loss():
    from course_lib.mnist.splits import load_splits

    train_split, _ = load_splits()
    model = one_shot.build(TINY, seed=1)
    history = one_shot.train_cvae(model, train_split.x[:512], train_split.y[:512], epochs=4,
                                  batch_size=32, learning_rate=1e-2, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.9 * losses[0] and losses == sorted(losses, reverse=True), losses
    assert set(history.history) >= {"loss", "reconstruction", "kl"}


@pytest.mark.skipif(not one_shot.MODEL_PATH.exists(), reason="no shipped data/digit_cvae.npz")
def test_shipped_model_draws_the_requested_digits():
    from course_lib.generate.quality import score
    from course_lib.mnist.model_store import load_classifier

    labels = np.repeat(np.arange(one_shot.NUM_CLASSES), 20)
    images = one_shot.sample(one_shot.load_pretrained(), labels, temperature=1.0, seed=0)
    quality = score(images, labels, load_classifier())
    assert quality.agreement >= 0.85, str(quality)
