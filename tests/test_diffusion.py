"""The diffusion denoiser and its samplers: the update math proven with an oracle, the compiled
loops equal to their eager references, one trace per shape, clear errors, weights saved whole."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.diffusion import denoiser, samplers, schedule
from course_lib.generate import common

TINY = denoiser.DenoiserConfig((8, 16), 16)


@pytest.fixture(scope="module")
def model():
    return denoiser.build(TINY, seed=0)


# ---- the schedule ------------------------------------------------------------------------------

def test_the_linear_schedule_leaves_almost_no_signal_after_1000_steps():
    found = schedule.linear_schedule()
    assert found.steps == 1000 and np.all(np.diff(found.alpha_bars) < 0)
    assert np.sqrt(found.alpha_bars[-1]) < 0.01 and found.alpha_bars[0] == 1 - 1e-4


def test_ddim_timesteps_start_at_pure_noise_and_are_evenly_spaced():
    assert list(schedule.ddim_timesteps(1)) == [999]
    assert list(schedule.ddim_timesteps(4)) == [999, 749, 499, 249]
    assert np.array_equal(schedule.ddim_timesteps(1000), np.arange(999, -1, -1))
    with pytest.raises(ValueError, match="steps"):
        schedule.ddim_timesteps(0)


# ---- the update math, proven with an oracle that knows the answer ------------------------------

def _oracle(x0):
    """A 'denoiser' that knows the clean image: the velocity that explains ``x`` at level t."""
    def predict(inputs):
        x, t, _ = inputs
        abar = tf.gather(samplers.ALPHA_BARS, tf.cast(t[0], tf.int32))
        eps = (x - tf.sqrt(abar) * x0) / tf.sqrt(1.0 - abar)
        return tf.sqrt(abar) * eps - tf.sqrt(1.0 - abar) * x0
    return predict


@pytest.mark.parametrize("method,steps", [("ddim", 1), ("ddim", 5), ("ddpm", 1000)])
def test_with_a_perfect_noise_prediction_every_sampler_lands_on_the_clean_image(method, steps):
    rng = np.random.default_rng(0)
    x0 = tf.constant(rng.uniform(-0.9, 0.9, (2, 28, 28, 1)), tf.float32)
    x = samplers.normal_noise(2, 0, 0)
    times = samplers.timesteps(method, steps)
    for i in range(steps):
        noise = samplers.normal_noise(2, 0, i + 1) if method == "ddpm" else None
        x = samplers.update(method, _oracle(x0), x, tf.constant(i), times,
                            tf.constant([1, 2]), None, noise)
    np.testing.assert_allclose(x.numpy(), x0.numpy(), atol=2e-3)


def test_with_the_straight_line_velocity_euler_lands_on_its_end_in_any_step_count():
    rng = np.random.default_rng(1)
    x1 = tf.constant(rng.uniform(-1, 1, (2, 28, 28, 1)), tf.float32)

    def velocity(inputs):  # the straight line's direction, from x1 toward where x is
        x, t, _ = inputs
        s = 1.0 - t[0] / (schedule.STEPS - 1)
        return (x - x1) / (1.0 - s)

    for steps in (1, 2, 4):
        x, times = samplers.normal_noise(2, 0, 0), samplers.timesteps("euler", steps)
        for i in range(steps):
            x = samplers.update("euler", velocity, x, tf.constant(i), times, tf.constant([0, 1]),
                                None, None)
        np.testing.assert_allclose(x.numpy(), x1.numpy(), atol=1e-4)


def test_guidance_mixes_the_conditional_and_unconditional_predictions(model):
    x = samplers.normal_noise(3, 5, 0)
    classes = tf.constant([0, 4, 9])
    cond = samplers.predict(model, x, 500, classes, None)
    uncond = samplers.predict(model, x, 500, tf.fill([3], denoiser.NULL_CLASS), None)
    for scale in (0.0, 1.0, 3.0):
        mixed = samplers.predict(model, x, 500, classes, tf.constant(scale))
        np.testing.assert_allclose(mixed, uncond + scale * (cond - uncond), atol=1e-4)


# ---- compiled loops against their eager references ---------------------------------------------

@pytest.mark.parametrize("method,steps,guidance", [("ddim", 5, 1.0), ("ddim", 3, 2.0),
                                                   ("euler", 2, 1.0), ("ddpm", 1000, 2.0)])
def test_the_compiled_loop_draws_what_the_eager_reference_draws(model, method, steps, guidance):
    options = dict(method=method, steps=steps, guidance=guidance, seed=7)
    classes = [3] if method == "ddpm" else [3, 8]  # 1,000 reference steps: keep them small
    compiled = samplers.sample(model, classes, **options)
    eager = samplers.reference(model, classes, **options)
    assert compiled.shape == (len(classes), 28, 28) and 0 <= compiled.min() and compiled.max() <= 1
    np.testing.assert_allclose(compiled, eager, atol=1e-4)
    other_seed = samplers.sample(model, classes, **{**options, "seed": 8})
    assert np.abs(other_seed - compiled).max() > 1e-3


def test_a_sampler_traces_once_per_batch_size_whatever_its_steps():
    model = denoiser.build(TINY, seed=1)  # fresh: nothing compiled for it yet
    before = common.TRACES["diffusion_ddim_guided"]
    for seed, steps in enumerate((4, 4, 20, 1)):  # the step count is an input, not a shape
        samplers.sample(model, [1, 2], steps=steps, guidance=1.5, seed=seed)
    samplers.sample(model, [5, 6], steps=4, guidance=3.0, seed=0)  # so is the scale
    assert common.TRACES["diffusion_ddim_guided"] == before + 1


def test_passes_per_image_count_the_guidance_pass():
    assert samplers.passes_per_image("ddpm", 1000, 2.0) == 2000
    assert samplers.passes_per_image("ddim", 20, 1.0) == 20
    assert samplers.passes_per_image("euler", 4) == 4


@pytest.mark.parametrize("options,error,words", [
    ({"method": "dpm"}, ValueError, "method"),
    ({"steps": 0}, ValueError, "steps"),
    ({"steps": 1001}, ValueError, "steps"),
    ({"method": "ddpm", "steps": 50}, ValueError, "steps: the ancestral sampler runs all 1000"),
    ({"guidance": -1.0}, ValueError, "guidance"),
    ({"method": "euler", "steps": 4, "guidance": 2.0}, ValueError, "guidance"),
    ({"temperature": 0.0}, ValueError, "temperature"),
    ({"seed": -1}, ValueError, "seed"),
])
def test_bad_settings_are_named(model, options, error, words):
    with pytest.raises(error, match=words):
        samplers.sample(model, [1], **options)


def test_bad_models_and_classes_are_named(model):
    with pytest.raises(TypeError, match="model: expected a DigitDenoiser"):
        samplers.sample("a model", [1])
    with pytest.raises(ValueError, match="classes"):
        samplers.sample(model, [10])


# ---- the model and its file --------------------------------------------------------------------

def test_the_denoiser_maps_noisy_digits_to_velocities_of_the_same_shape(model):
    out = model((np.zeros((3, 28, 28, 1), np.float32), np.full(3, 10.0, np.float32),
                 np.array([0, 5, 10], np.int32)))
    assert out.shape == (3, 28, 28, 1)


def test_flops_per_pass_counts_every_convolution_at_its_resolution(model):
    positions = {"pool": 7 * 7, "down2": 7 * 7, "middle": 7 * 7}  # the rest run at 14x14
    counted = 0
    for layer in model.layers:
        convs = [layer] if isinstance(layer, tf.keras.layers.Conv2D) else \
            [sub for sub in getattr(layer, "_layers", []) if isinstance(sub, tf.keras.layers.Conv2D)]
        for conv in convs:
            counted += int(np.prod(conv.kernel.shape)) * positions.get(layer.name, 14 * 14)
    assert counted > 0 and denoiser.flops_per_pass(TINY) == 2 * counted


def test_saved_weights_load_back_to_the_same_predictions(model, tmp_path):
    path = denoiser.save(model, tmp_path / "d.npz", {"what": "test"})
    again = denoiser.load(path)
    inputs = (samplers.normal_noise(2, 0, 0), tf.constant([3.0, 900.0]), tf.constant([1, 10]))
    np.testing.assert_array_equal(model(inputs), again(inputs))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(Exception, match="corrupted|sha256"):
        denoiser.load(path)


def test_passes_per_image_refuses_what_the_sampler_refuses():
    with pytest.raises(ValueError, match="guidance"):
        samplers.passes_per_image("euler", 4, 2.0)
    with pytest.raises(ValueError, match="method"):
        samplers.passes_per_image("plms", 4)
