"""Images as token sequences: square patches matched to a k-means codebook, and back.

An LLM-style image generator predicts one token per forward pass, so the number of tokens per
image sets its cost. A 28x28 digit is 784 pixel tokens, 196 tokens of 2x2 patches or 49 tokens
of 4x4 patches; a learned codebook of 4x4 patches keeps the 49 tokens close to the original.
The codebook is fitted with plain NumPy (Lloyd's k-means, seeded) so it is fast and exact to
reproduce, and needs no training framework.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.checks import check_int

IMAGE_SIZE = 28


def tokens_per_image(height: int, width: int, patch: int) -> int:
    """Tokens for a ``height`` x ``width`` image cut into ``patch`` x ``patch`` squares (the
    tokenizer's downsampling; ``patch=1`` is one token per pixel). The sequence length an
    LLM-style generator must produce one token at a time."""
    for name, value in (("height", height), ("width", width), ("patch", patch)):
        check_int(name, value, minimum=1)
    if height % patch or width % patch:
        raise ValueError(f"patch: expected a divisor of height {height} and width {width}, "
                         f"got {patch}")
    return (height // patch) * (width // patch)


def to_patches(images: np.ndarray, patch: int) -> np.ndarray:
    """(n, 28, 28) images -> (n, tokens, patch*patch) float32 in [0, 1], row by row."""
    images = _as_float(images)
    n, side = len(images), IMAGE_SIZE // patch
    tokens_per_image(IMAGE_SIZE, IMAGE_SIZE, patch)  # validates patch
    blocks = images.reshape(n, side, patch, side, patch).transpose(0, 1, 3, 2, 4)
    return blocks.reshape(n, side * side, patch * patch)


def from_patches(patches: np.ndarray, patch: int) -> np.ndarray:
    """Inverse of ``to_patches``: (n, tokens, patch*patch) -> (n, 28, 28)."""
    n, side = len(patches), IMAGE_SIZE // patch
    blocks = np.asarray(patches).reshape(n, side, side, patch, patch).transpose(0, 1, 3, 2, 4)
    return blocks.reshape(n, IMAGE_SIZE, IMAGE_SIZE)


@dataclass(frozen=True)
class Tokenizer:
    """A codebook of ``patch`` x ``patch`` pixel squares; token id = row of the codebook."""

    codebook: np.ndarray  # (codes, patch*patch) float32 in [0, 1]
    patch: int

    @property
    def vocab_size(self) -> int:
        return len(self.codebook)

    @property
    def tokens_per_image(self) -> int:
        return tokens_per_image(IMAGE_SIZE, IMAGE_SIZE, self.patch)

    def encode(self, images: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """(n, 28, 28) images -> (n, tokens) int32 ids of the nearest codebook entries."""
        patches = to_patches(images, self.patch)
        flat = patches.reshape(-1, patches.shape[-1])
        ids = np.concatenate([_nearest(flat[i:i + chunk], self.codebook)
                              for i in range(0, len(flat), chunk)])
        return ids.reshape(patches.shape[:2]).astype(np.int32)

    def decode(self, tokens: np.ndarray) -> np.ndarray:
        """(n, tokens) ids -> (n, 28, 28) float32 images in [0, 1]."""
        tokens = np.asarray(tokens)
        if tokens.ndim != 2 or tokens.shape[1] != self.tokens_per_image:
            raise ValueError(f"tokens: expected shape (n, {self.tokens_per_image}), "
                             f"got {tokens.shape}")
        if tokens.min() < 0 or tokens.max() >= self.vocab_size:
            raise ValueError(f"tokens: expected ids in 0..{self.vocab_size - 1}, got values "
                             f"from {tokens.min()} to {tokens.max()}")
        return from_patches(self.codebook[tokens], self.patch)

    def reconstruction_error(self, images: np.ndarray) -> float:
        """Mean squared error per pixel (images in [0, 1]) after encode -> decode."""
        images = _as_float(images)
        return float(np.mean((self.decode(self.encode(images)) - images) ** 2))


def fit_tokenizer(images: np.ndarray, patch: int = 4, codes: int = 512, *, iterations: int = 20,
                  sample: int = 200_000, seed: int = 0) -> Tokenizer:
    """Fit a k-means codebook on up to ``sample`` patches of ``images`` (Lloyd's algorithm).

    Starts from distinct random patches; a code that loses all its patches restarts on the
    patch that is worst represented, so no code is wasted on nothing."""
    rng = np.random.default_rng(seed)
    patches = to_patches(images, patch).reshape(-1, patch * patch)
    patches = patches[rng.choice(len(patches), min(sample, len(patches)), replace=False)]
    distinct = np.unique(patches, axis=0)
    if len(distinct) < codes:
        raise ValueError(f"codes: expected at most {len(distinct)} (distinct patches), got {codes}")
    codebook = distinct[rng.choice(len(distinct), codes, replace=False)].copy()
    for _ in range(iterations):
        ids = np.concatenate([_nearest(patches[i:i + 8192], codebook)
                              for i in range(0, len(patches), 8192)])
        counts = np.bincount(ids, minlength=codes)
        sums = np.zeros_like(codebook)
        np.add.at(sums, ids, patches)
        used = counts > 0
        codebook[used] = sums[used] / counts[used, None]
        if not used.all():
            errors = np.sum((patches - codebook[ids]) ** 2, axis=1)
            codebook[~used] = patches[np.argsort(errors)[::-1][:int((~used).sum())]]
    return Tokenizer(codebook.astype(np.float32), patch)


def _nearest(points: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Index of the nearest codebook row for each point (squared Euclidean distance)."""
    distances = (np.sum(codebook ** 2, axis=1)[None, :] - 2.0 * points @ codebook.T)
    return np.argmin(distances, axis=1)


def _as_float(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"images: expected shape (n, 28, 28), got {images.shape}")
    return (images.astype(np.float32) / 255.0 if images.dtype == np.uint8
            else images.astype(np.float32))
