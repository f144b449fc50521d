"""Make the one-shot digit generator shipped in data/ (notebook 05's conditional VAE).

    python scripts/train_digit_cvae.py  # 5 min of training on a 2-core CPU (its card)
    python scripts/train_digit_cvae.py --evaluate-only  # re-measure the shipped model's card

Trains ``one_shot.DigitCVAE`` on the MNIST training images with the course's own code, writes
data/digit_cvae.npz atomically with its sha256 and a card (data/digit_cvae.json) recording
this command, the recipe, the training curve and the classifier agreement of 100 samples per
class drawn at temperature 1.0, 100 digits per decoder pass.
"""

from __future__ import annotations

import argparse
import time

RECIPE = {"latent": 8, "width": 64, "epochs": 20, "batch_size": 128, "learning_rate": 1e-3,
          "optimizer": "Adam", "schedule": "cosine decay to 5%", "jit_compile": False,
          "seed": 0}
REQUIRED_AGREEMENT, REQUIRED_PER_CLASS = 0.90, 0.75
SCRIPT = "scripts/train_digit_cvae.py"


def train(args: argparse.Namespace) -> dict:
    from course_lib import config
    from course_lib.generate import cards, one_shot
    from course_lib.measure.machine import stamp
    from course_lib.mnist.splits import load_splits

    config.set_seed(RECIPE["seed"])
    train_split, test_split = load_splits()
    spec = one_shot.CVAEConfig(RECIPE["latent"], RECIPE["width"])
    model = one_shot.build(spec, seed=RECIPE["seed"])
    epochs = args.epochs or RECIPE["epochs"]
    start = time.perf_counter()
    history = one_shot.train_cvae(
        model, train_split.x, train_split.y, epochs=epochs, batch_size=RECIPE["batch_size"],
        learning_rate=RECIPE["learning_rate"], jit_compile=RECIPE["jit_compile"],
        validation=(test_split.x, test_split.y), verbose=2)
    train_s = time.perf_counter() - start
    card = cards.training_card(
        "class-conditional VAE, one decoder pass per digit (notebook 05)", SCRIPT, args, RECIPE,
        model.count_params(), train_s, history.history,
        decoder_flops_per_image=one_shot.flops_per_image(spec))
    one_shot.save(model, args.output, stamp(card))
    print(f"wrote {args.output} after {train_s:.0f} s of training")
    return card


def evaluate(args: argparse.Namespace, card: dict) -> int:
    """Sample 100 digits per class at temperature 1.0; record the classifier's agreement."""
    from course_lib.generate import cards, one_shot
    from course_lib.generate.quality import judge
    from course_lib.mnist.splits import load_splits
    from course_lib.mnist.model_store import load_classifier

    _, test_split = load_splits()
    quality = judge(one_shot.load(args.output), None, load_classifier(), per_class=100,
                    temperature=1.0, seed=0, sampler=one_shot.sample,
                    reference=(test_split.x[:2000], test_split.y[:2000]))
    print(quality)
    cards.record_quality(args, card, SCRIPT, quality)
    return cards.meets_bar(quality, REQUIRED_AGREEMENT, REQUIRED_PER_CLASS)


def main(argv: list[str] | None = None) -> int:
    from course_lib.generate import cards, one_shot

    args = cards.parser(__doc__.splitlines()[0], one_shot.MODEL_PATH).parse_args(argv)
    return cards.run(args, train, evaluate)


if __name__ == "__main__":
    raise SystemExit(main())
