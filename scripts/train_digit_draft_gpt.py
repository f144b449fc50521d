"""Make the 1-layer draft GPT shipped in data/ (speculative decoding's draft, notebook 06).

    python scripts/train_digit_draft_gpt.py  # 36 min on a busy 2-core CPU (its card)
    python scripts/train_digit_draft_gpt.py --evaluate-only  # re-measure the shipped draft's card

A draft proposes tokens that the shipped 3-layer GPT (``scripts/train_digit_gpt.py``) then checks,
so it must speak the same language: it reuses that model's tokenizer (codebook) unchanged and
trains ``tiny_gpt`` with one block on ``[class] + 49 tokens``, with the course's own code. It
writes data/digit_draft_gpt.npz (weights + the same codebook) atomically with its sha256, and a
card (data/digit_draft_gpt.json) with this command, the recipe, the training curve and the
classifier agreement of 100 samples per class at temperature 1.

The bar is lower than the target's on purpose: speculative decoding's output follows the
target's distribution whatever the draft proposes (the accept/reject rule sees to that); a
better draft only gets more of its tokens accepted. A draft below the bar is still refused.
"""

from __future__ import annotations

import argparse

RECIPE = {"tokenizer": "data/digit_gpt.npz (the target's codebook, unchanged)",
          "width": 128, "depth": 1, "heads": 4, "dropout": 0.1, "epochs": 8,
          "batch_size": 128, "learning_rate": 2e-3, "label_smoothing": 0.0,
          "weight_decay": 0.05, "schedule": "5% linear warm-up, cosine decay", "seed": 0}
REQUIRED_AGREEMENT, REQUIRED_PER_CLASS = 0.70, 0.40
SCRIPT = "scripts/train_digit_draft_gpt.py"


def train(args: argparse.Namespace) -> dict:
    from course_lib import config
    from course_lib.generate import cards, tiny_gpt
    from course_lib.mnist.splits import load_splits

    config.set_seed(RECIPE["seed"])
    train_split, test_split = load_splits()
    target, tokenizer = tiny_gpt.load_pretrained()
    tokens, test_tokens = tokenizer.encode(train_split.x), tokenizer.encode(test_split.x)
    spec = tiny_gpt.GPTConfig(target.spec.codes, target.spec.length, RECIPE["width"],
                              RECIPE["depth"], RECIPE["heads"], RECIPE["dropout"])
    return cards.train_and_save(
        tiny_gpt.build(spec, seed=RECIPE["seed"]), tokenizer, tiny_gpt.train_gpt,
        (tokens, train_split.y, (test_tokens, test_split.y)), args, RECIPE,
        "1-layer draft GPT for speculative decoding, the target's tokenizer (notebook 06)",
        SCRIPT, label_smoothing=RECIPE["label_smoothing"])


def evaluate(args: argparse.Namespace, card: dict) -> int:
    """Sample 100 digits per class at temperature 1.0; record the classifier's agreement."""
    from course_lib.generate import cards

    return cards.judge_gpt(args, card, SCRIPT, REQUIRED_AGREEMENT, REQUIRED_PER_CLASS)


def main(argv: list[str] | None = None) -> int:
    from course_lib import config
    from course_lib.generate import cards

    args = cards.parser(__doc__.splitlines()[0], config.DATA_DIR / "digit_draft_gpt.npz",
                        checkpoint=True).parse_args(argv)
    return cards.run(args, train, evaluate)


if __name__ == "__main__":
    raise SystemExit(main())
