"""Training, distillation and the step ladder of notebook 07: what the scripts and the notebook
rely on, checked on tiny models (and, when shipped, on the real ones)."""

import numpy as np
import pytest

from course_lib import files
from course_lib.diffusion import denoiser, ladder, reflow, samplers, schedule, training
from course_lib.generate.quality import Quality, score

TINY = denoiser.DenoiserConfig((8, 16), 16)


def _digits(count):
    from course_lib.mnist.splits import load_splits

    train_split, _ = load_splits()
    return training.to_signed(train_split.x[:count]).numpy(), train_split.y[:count].astype("int32")


def test_images_go_to_the_signed_range_and_back():
    images = np.array([[[0, 255]]], np.uint8).repeat(28, 1).repeat(14, 2)
    signed = training.to_signed(images)
    assert signed.shape == (1, 28, 28, 1) and float(signed.numpy().min()) == -1.0
    np.testing.assert_allclose(training.to_unit(signed), images / 255.0)


def test_fit_lowers_the_loss_and_leaves_the_averaged_weights():
    model = denoiser.build(TINY, seed=0)
    history = training.fit(model, _digits(256), training.velocity_prediction_loss(
        schedule.linear_schedule()), steps=60, batch_size=32, learning_rate=3e-3, every=20,
        verbose=False)
    assert len(history["loss"]) == 3 and history["loss"][-1] < history["loss"][0], history
    frozen = denoiser.build(TINY, seed=0)
    before = [w.copy() for w in frozen.get_weights()]
    training.fit(frozen, _digits(64), training.velocity_prediction_loss(
        schedule.linear_schedule()), steps=3, batch_size=16, ema_decay=1.0, verbose=False)
    for kept, weight in zip(before, frozen.get_weights()):  # decay 1: the average never moves
        np.testing.assert_array_equal(kept, weight)


def test_bad_training_settings_are_named():
    model = denoiser.build(TINY, seed=0)
    loss = training.velocity_prediction_loss(schedule.linear_schedule())
    with pytest.raises(ValueError, match="steps"):
        training.fit(model, _digits(16), loss, steps=0)
    with pytest.raises(ValueError, match="ema_decay"):
        training.fit(model, _digits(16), loss, steps=1, ema_decay=1.5)


def test_teacher_pairs_are_the_noise_the_sampler_starts_from_and_the_digit_it_ends_at():
    model = denoiser.build(TINY, seed=2)
    noises, digits, classes = reflow.teacher_pairs(model, 5, steps=3, guidance=2.0, batch=3,
                                                   seed=10, progress=False)
    assert noises.shape == digits.shape == (5, 28, 28, 1) and list(classes) == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(noises[3:], samplers.normal_noise(2, 11, 0).numpy())
    again = samplers.sample(model, [3, 4], method="ddim", steps=3, guidance=2.0, seed=11)
    np.testing.assert_allclose(training.to_unit(digits[3:]), again, atol=1e-6)


def test_the_velocity_loss_is_zero_for_the_straight_line_direction():
    noises = np.random.default_rng(0).normal(size=(4, 28, 28, 1)).astype("float32")
    digits = np.full((4, 28, 28, 1), -1.0, "float32")
    direction = noises - digits

    class Perfect:  # returns the line's direction wherever it is asked
        def __call__(self, inputs):
            return direction

    loss = reflow.velocity_loss()(Perfect(), (noises, digits, np.arange(4)), np.array([0, 1]))
    assert float(loss) == 0.0


def test_the_ladder_counts_passes_and_skips_a_missing_student():
    keys = [rung.key for rung in ladder.rungs()]
    assert keys[0] == ladder.FULL and keys[-1] == "student_1"
    passes = {rung.key: rung.passes for rung in ladder.rungs()}
    assert passes[ladder.FULL] == 2000 and passes["ddim_20"] == 40
    assert passes["ddim_20_unguided"] == 20 and passes["student_4"] == 4
    found = ladder.generators(denoiser.build(TINY, seed=0), None)
    assert not any(key.startswith("student") for key in found)
    flops = denoiser.flops_per_pass(TINY)
    assert found["ddim_5"].flops_per_image == 10 * flops


def test_a_card_quality_round_trips():
    quality = Quality(0.9, [0.9] * 10, 0.8, 0.3, None, 100, 1.0, 2.0)
    card = {"quality_temperature_1": {"x": quality.as_dict()}}
    assert ladder.card_quality(card, "x") == quality


def test_missing_shipped_models_say_how_to_remake_them(monkeypatch, tmp_path):
    monkeypatch.setattr(denoiser, "MODEL_PATH", tmp_path / "digit_diffusion.npz")
    monkeypatch.setattr(denoiser, "STUDENT_PATH", tmp_path / "digit_diffusion_student.npz")
    with pytest.raises(files.FileIntegrityError, match="train_digit_diffusion.py"):
        denoiser.load_pretrained()
    with pytest.raises(files.FileIntegrityError, match="train_digit_diffusion_student.py"):
        denoiser.load_student()


@pytest.mark.skipif(not denoiser.STUDENT_PATH.exists(), reason="no shipped diffusion models")
def test_the_shipped_teacher_and_student_draw_the_requested_digits():
    from course_lib.mnist.model_store import load_classifier

    labels = np.repeat(np.arange(10), 5)
    classifier = load_classifier()
    teacher = samplers.sample(denoiser.load_pretrained(), labels, steps=20, guidance=2.0)
    student = samplers.sample(denoiser.load_student(), labels, method="euler", steps=4)
    for images in (teacher, student):
        assert score(images, labels, classifier).agreement >= 0.8


def test_judged_examples_start_from_the_noises_a_fresh_draw_uses():
    class Judge:  # a stand-in classifier: it names each digit as asked (the labels cycle 0..9)
        def predict(self, images, batch_size, verbose):
            return np.tile(np.eye(10), (len(images) // 10, 1))

    found = ladder.generators(denoiser.build(TINY, seed=3), None,
                              [ladder.Rung("ddim_3", "teacher", "ddim", 3, 2.0)])
    qualities, examples = ladder.judge_rungs(found, Judge(), per_class=3, batch=20)
    assert qualities["ddim_3"].images == 30 and qualities["ddim_3"].agreement == 1.0
    np.testing.assert_allclose(examples["ddim_3"], found["ddim_3"].draw(np.arange(10), seed=0),
                               atol=1e-5)
