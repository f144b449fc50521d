"""Make the MaskGIT model shipped in data/ (notebook 05's parallel decoder).

    python scripts/train_digit_maskgit.py  # 33 min of training on a 2-core CPU (its card)
    python scripts/train_digit_maskgit.py --evaluate-only  # re-measure the shipped model's card

Uses the shipped GPT's tokenizer (data/digit_gpt.npz), so both models draw the same tokens;
trains a bidirectional Transformer of the GPT's size on randomly masked ``[class] + 49 tokens``
(``course_lib.generate.maskgit.train_maskgit``), and writes data/digit_maskgit.npz atomically with its
sha256 and a card (data/digit_maskgit.json) recording this command, the recipe, the training
curve and the classifier agreement of 100 samples per class at several numbers of passes.
"""

from __future__ import annotations

import argparse

RECIPE = {"width": 128, "depth": 3, "heads": 4, "dropout": 0.1, "epochs": 12,
          "batch_size": 128, "learning_rate": 2e-3, "weight_decay": 0.05,
          "schedule": "5% linear warm-up, cosine decay", "masking": "cos(pi/2 u) of 49 tokens",
          "seed": 0}
STEPS = (1, 2, 4, 8, 12, 16)
BAR_STEPS, REQUIRED_AGREEMENT, REQUIRED_PER_CLASS = 8, 0.90, 0.75
SCRIPT = "scripts/train_digit_maskgit.py"


def train(args: argparse.Namespace) -> dict:
    from course_lib import config
    from course_lib.generate import cards, maskgit, tiny_gpt
    from course_lib.mnist.splits import load_splits

    config.set_seed(RECIPE["seed"])
    train_split, test_split = load_splits()
    _, tokenizer = tiny_gpt.load_pretrained()
    tokens, test_tokens = tokenizer.encode(train_split.x), tokenizer.encode(test_split.x)
    spec = tiny_gpt.GPTConfig(tokenizer.vocab_size, tokenizer.tokens_per_image,
                              RECIPE["width"], RECIPE["depth"], RECIPE["heads"],
                              RECIPE["dropout"], causal=False)
    return cards.train_and_save(
        tiny_gpt.build(spec, seed=RECIPE["seed"]), tokenizer, maskgit.train_maskgit,
        (tokens, train_split.y, (test_tokens, test_split.y)), args, RECIPE,
        "bidirectional MaskGIT Transformer over the GPT's 4x4-patch tokens (notebook 05)", SCRIPT)


def evaluate(args: argparse.Namespace, card: dict) -> int:
    """100 digits per class at temperature 1.0 for each number of passes in ``STEPS``."""
    from course_lib.generate import cards, maskgit, tiny_gpt
    from course_lib.generate.quality import judge
    from course_lib.mnist.model_store import load_classifier

    model, tokenizer = tiny_gpt.load(args.output)
    classifier, qualities = load_classifier(), {}
    for steps in STEPS:
        qualities[str(steps)] = judge(model, tokenizer, classifier, per_class=100,
                                      temperature=1.0, seed=0, sampler=maskgit.sample_maskgit,
                                      steps=steps)
        print(f"{steps:2d} passes: {qualities[str(steps)]}")
    cards.record_quality(args, card, SCRIPT, qualities,
                               choice_temperature=maskgit.CHOICE_TEMPERATURE)
    return cards.meets_bar(qualities[str(BAR_STEPS)], REQUIRED_AGREEMENT,
                                 REQUIRED_PER_CLASS, f" at {BAR_STEPS} passes")


def main(argv: list[str] | None = None) -> int:
    from course_lib.generate import cards, maskgit

    args = cards.parser(__doc__.splitlines()[0], maskgit.MODEL_PATH,
                              checkpoint=True).parse_args(argv)
    return cards.run(args, train, evaluate)


if __name__ == "__main__":
    raise SystemExit(main())
