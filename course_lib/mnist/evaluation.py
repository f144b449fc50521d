"""How good is a classifier, and where does it fail: accuracy, per-class accuracy, confusion
matrix, the most confident mistakes, and their plots."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.checks import check_array, check_int
from course_lib.i18n.language import tr
from course_lib.mnist.data import NUM_CLASSES
from course_lib.mnist.splits import Split, to_float, validate


def predict_proba(model, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities for every image, computed in large batches (one ``predict`` call)."""
    validate(images)
    check_int("batch_size", batch_size, minimum=1)
    return np.asarray(model.predict(to_float(images), batch_size=batch_size, verbose=0))


def accuracy(predicted: np.ndarray, labels: np.ndarray) -> float:
    predicted, labels = np.asarray(predicted), np.asarray(labels)
    if predicted.shape != labels.shape or labels.size == 0:
        raise ValueError(f"predicted: expected the same non-empty shape as labels {labels.shape}, "
                         f"got {predicted.shape}")
    return float(np.mean(predicted == labels))


def confusion_matrix(predicted: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """counts[true, predicted]: rows are the real digits, columns what the model said."""
    accuracy(predicted, labels)  # same validation
    counts = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(counts, (np.asarray(labels), np.asarray(predicted)), 1)
    return counts


def per_class_accuracy(predicted: np.ndarray, labels: np.ndarray) -> np.ndarray:
    counts = confusion_matrix(predicted, labels)
    with np.errstate(invalid="ignore"):
        return np.diag(counts) / counts.sum(axis=1)


@dataclass(frozen=True)
class Mistake:
    index: int
    label: int
    predicted: int
    confidence: float


def confident_mistakes(probabilities: np.ndarray, labels: np.ndarray, k: int = 16) -> list[Mistake]:
    """The ``k`` wrong predictions the model was most sure of: often label noise, or digits a
    person would also misread."""
    check_array("probabilities", probabilities, ndim=2)
    check_int("k", k, minimum=0)
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    order = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:k]
    return [Mistake(int(i), int(labels[i]), int(predicted[i]), float(probabilities[i, predicted[i]]))
            for i in order]


@dataclass
class Evaluation:
    probabilities: np.ndarray
    labels: np.ndarray

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        return accuracy(self.predicted, self.labels)

    @property
    def per_class(self) -> np.ndarray:
        return per_class_accuracy(self.predicted, self.labels)

    @property
    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.predicted, self.labels)

    def mistakes(self, k: int = 16) -> list[Mistake]:
        return confident_mistakes(self.probabilities, self.labels, k)


def evaluate(model, split: Split) -> Evaluation:
    validate(split.x, split.y, name="split.x")
    return Evaluation(predict_proba(model, split.x), np.asarray(split.y))


def plot_confusion(confusion: np.ndarray, ax=None):
    """The confusion matrix with the diagonal left out, so the mistakes are visible."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(5.5, 5))[1]
    off = confusion.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    ax.imshow(off, cmap="Reds")
    for (true, pred), count in np.ndenumerate(confusion):
        if count:
            ax.text(pred, true, str(count), ha="center", va="center", fontsize=7,
                    color="grey" if true == pred else "black")
    ax.set(xlabel=tr("predicted"), ylabel=tr("true digit"), xticks=range(NUM_CLASSES),
           yticks=range(NUM_CLASSES),
           title=tr("Confusion matrix (diagonal greyed: correct)"))
    return ax


def plot_mistakes(images: np.ndarray, mistakes: list[Mistake], columns: int = 8):
    """A grid of misclassified digits, each titled 'true → predicted (confidence)'."""
    import matplotlib.pyplot as plt

    rows = max(1, -(-len(mistakes) // check_int("columns", columns, minimum=1)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.3, rows * 1.5))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, mistake in zip(np.ravel(axes), mistakes):
        ax.imshow(images[mistake.index], cmap="gray_r")
        ax.set_title(f"{mistake.label}→{mistake.predicted} ({mistake.confidence:.0%})", fontsize=8)
    fig.tight_layout()
    return fig
