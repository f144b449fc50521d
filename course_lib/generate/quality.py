"""Quality measured, not eyeballed: does notebook 03's classifier agree with the requested digit?

A fast sampler is only worth having if its digits are still digits. ``judge`` generates the
same number of images per class, asks the pretrained CNN what each one is, and reports the
agreement, the classifier's mean confidence in the requested class, and a diversity measure
(so a model that draws one perfect "3" a hundred times does not score full marks).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Callable, Mapping

import numpy as np

from course_lib.checks import check_int
from course_lib.generate.image_tokens import Tokenizer
from course_lib.generate.samplers import sample_cached_xla
from course_lib.mnist.data import NUM_CLASSES


@dataclass(frozen=True)
class Quality:
    """Classifier agreement (overall and per class), mean confidence, diversity; all in 0..1
    except diversity, the mean pixel distance between two images of the same class."""

    agreement: float
    per_class: list[float]
    confidence: float
    diversity: float
    real_diversity: float | None
    images: int
    temperature: float
    seconds: float

    @classmethod
    def from_dict(cls, measured: Mapping) -> Quality:
        """The inverse of ``as_dict``: a quality as a model card records it."""
        return cls(**{name: measured[name] for name in cls.__dataclass_fields__})

    def as_dict(self) -> dict:
        return {key: (round(value, 4) if isinstance(value, float) else
                      [round(v, 4) for v in value] if isinstance(value, list) else value)
                for key, value in asdict(self).items()}

    def __str__(self) -> str:
        per_class = " ".join(f"{digit}:{share:.0%}" for digit, share in enumerate(self.per_class))
        real = "" if self.real_diversity is None else f" (real digits: {self.real_diversity:.3f})"
        return (f"{self.images} images at temperature {self.temperature:g}: classifier agrees on "
                f"{self.agreement:.1%} (mean confidence {self.confidence:.1%}); per class "
                f"{per_class}; diversity {self.diversity:.3f}{real}"
                + ("" if np.isnan(self.seconds) else f"; {self.seconds:.1f} s"))


def generate(model, tokenizer: Tokenizer | None, per_class: int, *, seed: int = 0,
             batch: int = 100, sampler: Callable[..., np.ndarray] = sample_cached_xla,
             **options) -> tuple[np.ndarray, np.ndarray]:
    """``per_class`` images of every digit, in batches: (images (n, 28, 28), labels (n,)).

    ``sampler(model, classes, seed=..., **options)`` returns tokens, decoded by ``tokenizer``;
    with ``tokenizer=None`` it returns images itself (the one-shot generator)."""
    check_int("per_class", per_class, minimum=1)
    check_int("batch", batch, minimum=1)
    labels = np.repeat(np.arange(NUM_CLASSES, dtype=np.int32), per_class)
    images = [draw(model, tokenizer, labels[i:i + batch], seed + i, sampler, **options)
              for i in range(0, len(labels), batch)]
    return np.concatenate(images), labels


def draw(model, tokenizer: Tokenizer | None, classes: np.ndarray, seed: int = 0,
         sampler: Callable[..., np.ndarray] = sample_cached_xla, **options) -> np.ndarray:
    """Images (n, 28, 28) of ``classes``: ``sampler``'s tokens decoded by ``tokenizer``, or its
    images as they are when ``tokenizer`` is None."""
    made = sampler(model, classes, seed=seed, **options)
    return made if tokenizer is None else tokenizer.decode(made)


def diversity(images: np.ndarray, labels: np.ndarray, pairs: int = 2000, seed: int = 0) -> float:
    """Mean root-mean-square pixel distance between random pairs of same-class images."""
    rng = np.random.default_rng(seed)
    flat = np.asarray(images, np.float32).reshape(len(images), -1)
    flat = flat / 255.0 if np.asarray(images).dtype == np.uint8 else flat
    distances = []
    for digit in np.unique(labels):
        members = flat[labels == digit]
        a, b = rng.integers(0, len(members), (2, pairs // NUM_CLASSES))
        keep = a != b
        distances.append(np.sqrt(np.mean((members[a[keep]] - members[b[keep]]) ** 2, axis=1)))
    distances = np.concatenate(distances)
    return float(distances.mean()) if len(distances) else float("nan")  # nan: no pairs


def judge(model, tokenizer: Tokenizer | None, classifier, *, per_class: int = 100,
          temperature: float = 1.0, seed: int = 0,
          reference: tuple[np.ndarray, np.ndarray] | None = None,
          sampler: Callable[..., np.ndarray] = sample_cached_xla, **options) -> Quality:
    """Generate ``per_class`` digits of each class (``generate``) and ``score`` them."""
    start = time.perf_counter()
    images, labels = generate(model, tokenizer, per_class, temperature=temperature, seed=seed,
                              sampler=sampler, **options)
    return score(images, labels, classifier, temperature=temperature,
                 seconds=time.perf_counter() - start, reference=reference)


def score(images: np.ndarray, labels: np.ndarray, classifier, *, temperature: float = 1.0,
          seconds: float = float("nan"),
          reference: tuple[np.ndarray, np.ndarray] | None = None) -> Quality:
    """Ask ``classifier`` what each generated image is, against the requested ``labels``.

    ``reference`` (real images, labels) adds the diversity of real digits for comparison."""
    probabilities = np.asarray(classifier.predict(images, batch_size=1000, verbose=0))
    correct = probabilities.argmax(axis=1) == labels
    return Quality(
        agreement=float(correct.mean()),
        per_class=[float(correct[labels == d].mean()) for d in range(NUM_CLASSES)],
        confidence=float(probabilities[np.arange(len(labels)), labels].mean()),
        diversity=diversity(images, labels),
        real_diversity=None if reference is None else diversity(*reference),
        images=len(labels), temperature=float(temperature), seconds=seconds)


def digit_grid(images: np.ndarray, labels: np.ndarray | None = None, columns: int = 10,
               title: str | None = None):
    """Show images in a grid, ``columns`` per row (label of the row on its left); the figure."""
    import matplotlib.pyplot as plt

    rows = -(-len(images) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(columns * 0.7, rows * 0.75),
                                squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if index < len(images):
            ax.imshow(images[index], cmap="gray_r", vmin=0, vmax=1)
            if labels is not None and index % columns == 0:
                ax.set_title(str(labels[index]), fontsize=8, loc="left")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure
