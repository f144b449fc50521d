"""Evaluation helpers on hand-made predictions with known answers (no training needed)."""

import numpy as np
import pytest

from course_lib.mnist.evaluation import (Evaluation, Mistake, accuracy, confident_mistakes,
                                         confusion_matrix, evaluate, per_class_accuracy,
                                         plot_confusion, plot_mistakes, predict_proba)
from course_lib.mnist.splits import Split

LABELS = np.array([0, 0, 1, 1, 2, 3])
PREDICTED = np.array([0, 1, 1, 1, 0, 3])
# Rows are images; the most probable class of each row is PREDICTED.
PROBABILITIES = np.full((6, 10), 0.01)
PROBABILITIES[np.arange(6), PREDICTED] = [0.90, 0.60, 0.95, 0.70, 0.80, 0.50]


def test_accuracy_and_its_validation():
    assert accuracy(PREDICTED, LABELS) == pytest.approx(4 / 6)
    for predicted, labels in ((PREDICTED[:5], LABELS), ([], [])):
        with pytest.raises(ValueError, match="predicted: expected the same non-empty shape"):
            accuracy(predicted, labels)


def test_confusion_matrix_counts_true_rows_against_predicted_columns():
    counts = confusion_matrix(PREDICTED, LABELS)
    expected = np.zeros((10, 10), int)
    for true, predicted in [(0, 0), (0, 1), (1, 1), (1, 1), (2, 0), (3, 3)]:
        expected[true, predicted] += 1
    assert np.array_equal(counts, expected)


def test_per_class_accuracy_is_nan_for_absent_classes():
    per_class = per_class_accuracy(PREDICTED, LABELS)
    assert np.array_equal(per_class[:4], [0.5, 1.0, 0.0, 1.0])
    assert np.isnan(per_class[4:]).all()


def test_confident_mistakes_are_the_wrong_ones_most_sure_first():
    assert confident_mistakes(PROBABILITIES, LABELS) == [
        Mistake(index=4, label=2, predicted=0, confidence=0.80),
        Mistake(index=1, label=0, predicted=1, confidence=0.60)]
    assert [m.index for m in confident_mistakes(PROBABILITIES, LABELS, k=1)] == [4]
    assert confident_mistakes(PROBABILITIES, PREDICTED) == []


def test_evaluation_bundles_the_helpers():
    evaluation = Evaluation(PROBABILITIES, LABELS)
    assert np.array_equal(evaluation.predicted, PREDICTED)
    assert evaluation.accuracy == pytest.approx(4 / 6)
    assert np.array_equal(evaluation.confusion, confusion_matrix(PREDICTED, LABELS))
    assert evaluation.per_class[1] == 1.0 and evaluation.mistakes(k=1)[0].index == 4


class OneHotModel:
    """Stands in for a Keras model: 'predicts' the class stored in each image's first pixel."""

    def predict(self, images, batch_size, verbose):
        assert images.dtype == np.float32 and images.max() <= 1, "the model gets scaled images"
        return np.eye(10)[np.rint(images[:, 0, 0] * 255).astype(int)]


def test_evaluate_feeds_scaled_images_and_compares_with_the_labels():
    images = np.zeros((6, 28, 28), np.uint8)
    images[:, 0, 0] = PREDICTED
    evaluation = evaluate(OneHotModel(), Split(images, LABELS))
    assert evaluation.accuracy == pytest.approx(4 / 6)
    with pytest.raises(ValueError, match="labels: expected class ids"):
        evaluate(OneHotModel(), Split(images, LABELS + 7))


def test_plots_show_every_count_and_every_mistake():
    counts = confusion_matrix(PREDICTED, LABELS)
    ax = plot_confusion(counts)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]
    mistakes = confident_mistakes(PROBABILITIES, LABELS)
    fig = plot_mistakes(np.zeros((6, 28, 28), np.uint8), mistakes, columns=4)
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["2→0 (80%)", "0→1 (60%)"] and len(fig.axes) == 4


@pytest.mark.parametrize("call, error, message", [
    (lambda: confident_mistakes(PROBABILITIES, LABELS, k=-1), ValueError,
     "k: expected an integer >= 0"),
    (lambda: confident_mistakes(PROBABILITIES, LABELS, k=2.0), TypeError,
     "k: expected an integer"),
    (lambda: confident_mistakes(list(PROBABILITIES), LABELS), TypeError,
     "probabilities: expected a NumPy array"),
    (lambda: plot_mistakes(np.zeros((6, 28, 28), np.uint8), [], columns=0), ValueError,
     "columns: expected an integer >= 1"),
    (lambda: predict_proba(OneHotModel(), np.zeros((2, 28, 28), np.uint8), batch_size=0),
     ValueError, "batch_size: expected an integer >= 1"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=f"^{message}"):
        call()
