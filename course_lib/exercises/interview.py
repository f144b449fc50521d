"""Checkers for notebook 01: how many tokens an image becomes."""

from __future__ import annotations

import numbers
from typing import Callable

from course_lib.generate.image_tokens import tokens_per_image as reference
from .report import CheckReport, run_cases

CASES = [  # (what it is, height, width, patch)
    ("256×256, 16×16 patches (VQGAN, MaskGIT, LlamaGen)", 256, 256, 16),
    ("256×256, 8×8 patches (DALL·E 1, Parti)", 256, 256, 8),
    ("384×384, 16×16 patches", 384, 384, 16),
    ("512×512, 8×8 patches", 512, 512, 8),
    ("a wide 256×512 image, 16×16 patches", 256, 512, 16),
    ("an MNIST digit, 4×4 patches", 28, 28, 4),
    ("an MNIST digit, one token per pixel", 28, 28, 1),
]


def _judge(height: int, width: int, patch: int) -> Callable[[object], str | None]:
    expected = reference(height, width, patch)

    def judge(result: object) -> str | None:
        if isinstance(result, numbers.Real) and not isinstance(result, numbers.Integral):
            if result == expected:
                return f"expected a whole number (int), got {result!r}: use // rather than /"
            return f"expected a whole number of tokens, got {result!r}"
        if isinstance(result, bool) or not isinstance(result, numbers.Integral):
            return f"expected an int, got {type(result).__name__}"
        if result == expected:
            return None
        if result == height * width // patch:
            return (f"got {result}: that divides the pixels by the patch's side; a patch "
                    f"covers {patch}×{patch} pixels")
        return (f"expected {expected} tokens ({height // patch} × {width // patch} patches), "
                f"got {result}")

    return judge


def check_tokens_per_image(tokens_per_image: Callable[..., int]) -> CheckReport:
    """Run the learner's ``tokens_per_image(height, width, patch)`` on sizes real models use."""
    return run_cases("Exercise 1 — tokens per image", tokens_per_image,
                     [(name, {"height": h, "width": w, "patch": p}, _judge(h, w, p))
                      for name, h, w, p in CASES])
