"""Make the tiny digit GPT shipped in data/ (the model notebook 05 samples from).

    python scripts/train_digit_gpt.py  # 21 min of training on a 2-core CPU (its card)
    python scripts/train_digit_gpt.py --evaluate-only  # re-measure the shipped model's card

Fits the 4x4-patch k-means tokenizer on the MNIST training images, trains ``tiny_gpt`` on
``[class] + 49 tokens`` with the course's own code, and writes data/digit_gpt.npz (weights +
codebook) atomically with its sha256 and a card (data/digit_gpt.json) recording this command,
the recipe, the training curve and the classifier agreement of 100 samples per class.
"""

from __future__ import annotations

import argparse
import time

RECIPE = {"patch": 4, "codes": 512, "kmeans_iterations": 25, "kmeans_sample": 300_000,
          "width": 128, "depth": 3, "heads": 4, "dropout": 0.1, "epochs": 10,
          "batch_size": 128, "learning_rate": 2e-3, "label_smoothing": 0.0,
          "weight_decay": 0.05, "schedule": "5% linear warm-up, cosine decay", "seed": 0}
REQUIRED_AGREEMENT, REQUIRED_PER_CLASS = 0.92, 0.80
SCRIPT = "scripts/train_digit_gpt.py"


def train(args: argparse.Namespace) -> dict:
    from course_lib import config
    from course_lib.generate import cards, tiny_gpt
    from course_lib.generate.image_tokens import fit_tokenizer
    from course_lib.mnist.splits import load_splits

    config.set_seed(RECIPE["seed"])
    train_split, test_split = load_splits()
    start = time.perf_counter()
    tokenizer = fit_tokenizer(train_split.x, RECIPE["patch"], RECIPE["codes"],
                              iterations=RECIPE["kmeans_iterations"],
                              sample=RECIPE["kmeans_sample"], seed=RECIPE["seed"])
    tokens, test_tokens = tokenizer.encode(train_split.x), tokenizer.encode(test_split.x)
    mse = round(tokenizer.reconstruction_error(test_split.x), 5)
    print(f"tokenizer: {time.perf_counter() - start:.0f} s, test reconstruction MSE {mse:.5f}")
    spec = tiny_gpt.GPTConfig(RECIPE["codes"], tokenizer.tokens_per_image, RECIPE["width"],
                              RECIPE["depth"], RECIPE["heads"], RECIPE["dropout"])
    return cards.train_and_save(
        tiny_gpt.build(spec, seed=RECIPE["seed"]), tokenizer, tiny_gpt.train_gpt,
        (tokens, train_split.y, (test_tokens, test_split.y)), args, RECIPE,
        "tiny class-conditional GPT over 4x4-patch image tokens (notebook 05)", SCRIPT,
        card_extra={"tokenizer_test_mse": mse}, label_smoothing=RECIPE["label_smoothing"])


def evaluate(args: argparse.Namespace, card: dict) -> int:
    """Sample 100 digits per class at temperature 1.0; record the classifier's agreement."""
    from course_lib.generate import cards

    return cards.judge_gpt(args, card, SCRIPT, REQUIRED_AGREEMENT, REQUIRED_PER_CLASS)


def main(argv: list[str] | None = None) -> int:
    from course_lib.generate import cards, tiny_gpt

    args = cards.parser(__doc__.splitlines()[0], tiny_gpt.MODEL_PATH,
                              checkpoint=True).parse_args(argv)
    return cards.run(args, train, evaluate)


if __name__ == "__main__":
    raise SystemExit(main())
