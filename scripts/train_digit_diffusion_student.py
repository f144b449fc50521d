"""Make the few-step diffusion student shipped in data/ (notebook 07's distilled sampler).

    python scripts/train_digit_diffusion_student.py                  # 17 min on a 2-core CPU
    python scripts/train_digit_diffusion_student.py --evaluate-only  # re-measure its card

Reflow distillation (``course_lib.diffusion.reflow``; Liu et al. 2023): the shipped teacher
(data/digit_diffusion.npz) draws digits by DDIM at 20 steps with guidance from seeded noises;
a copy of it is trained to predict the straight-line velocity from each noise to its digit.
Writes data/digit_diffusion_student.npz atomically with its sha256 and a card recording this
command, the recipe, the loss curve and the classifier's verdict on 100 digits per class at 4,
2 and 1 Euler steps. Below the bar at 4 steps, it exits with 1.
"""

from __future__ import annotations

import argparse
import time

RECIPE = {"pairs": 10000, "teacher_sampler": "DDIM, 20 steps", "teacher_guidance": 3.0,
          "steps": 2000, "batch_size": 128, "learning_rate": 5e-4,
          "schedule": "200-step warm-up, cosine decay to 10%", "optimizer": "Adam",
          "ema_decay": 0.995, "initialised_from": "the teacher's weights",
          "loss": "velocity MSE on the straight line noise -> teacher digit; half the times "
                  "on the 4-step grid", "jit_compile": True, "seed": 0}
STUDENT_STEPS = (4, 2, 1)
REQUIRED_AGREEMENT, REQUIRED_PER_CLASS = 0.90, 0.80
SCRIPT = "scripts/train_digit_diffusion_student.py"


def train(args: argparse.Namespace) -> dict:
    from course_lib import config, files
    from course_lib.diffusion import denoiser, reflow, training
    from course_lib.measure.machine import stamp

    config.set_seed(RECIPE["seed"])
    teacher = denoiser.load_pretrained()
    start = time.perf_counter()
    pairs = reflow.teacher_pairs(teacher, args.pairs or RECIPE["pairs"], steps=20,
                                 guidance=RECIPE["teacher_guidance"], seed=RECIPE["seed"])
    pairs_s = time.perf_counter() - start
    print(f"{len(pairs[0])} teacher pairs in {pairs_s:.0f} s")
    student = denoiser.build(teacher.spec)
    student.set_weights(teacher.get_weights())
    steps = args.steps or RECIPE["steps"]
    start = time.perf_counter()
    history = training.fit(
        student, pairs, reflow.velocity_loss(), steps=steps, batch_size=RECIPE["batch_size"],
        learning_rate=RECIPE["learning_rate"], ema_decay=RECIPE["ema_decay"],
        seed=RECIPE["seed"], on_checkpoint=lambda step: denoiser.save(student, args.checkpoint))
    train_s = time.perf_counter() - start
    card = {"what": "reflow-distilled few-step student of the diffusion teacher (notebook 07)",
            "command": f"python {SCRIPT}" + (f" --steps {steps}" if args.steps else "")
                       + (f" --pairs {args.pairs}" if args.pairs else ""),
            "recipe": {**RECIPE, "steps": steps, "pairs": len(pairs[0])},
            "teacher_sha256": files.sha256_of(denoiser.MODEL_PATH),
            "parameters": int(student.count_params()),
            "flops_per_pass": denoiser.flops_per_pass(student.spec),
            "pairs_seconds": round(pairs_s, 1), "train_seconds": round(train_s, 1),
            "history": {key: [round(v, 5) for v in values] for key, values in history.items()}}
    denoiser.save(student, args.output, stamp(card))
    print(f"wrote {args.output} after {pairs_s + train_s:.0f} s (pairs and training)")
    return card


def evaluate(args: argparse.Namespace, card: dict) -> int:
    """100 digits per class at 4, 2 and 1 Euler steps, judged; the bar is on 4 steps."""
    from course_lib.diffusion import denoiser, samplers
    from course_lib.generate import cards
    from course_lib.generate.quality import judge
    from course_lib.mnist.model_store import load_classifier
    from course_lib.mnist.splits import load_splits

    _, test_split = load_splits()
    model, classifier = denoiser.load(args.output), load_classifier()
    qualities = {f"euler_{steps}": judge(model, None, classifier, per_class=100, seed=0,
                                         reference=(test_split.x[:2000], test_split.y[:2000]),
                                         sampler=samplers.sample, batch=100, method="euler",
                                         steps=steps)
                 for steps in STUDENT_STEPS}
    for key, quality in qualities.items():
        print(key, quality)
    cards.record_quality(args, card, SCRIPT, qualities)
    return cards.meets_bar(qualities["euler_4"], REQUIRED_AGREEMENT, REQUIRED_PER_CLASS,
                           " (4 Euler steps)")


def main(argv: list[str] | None = None) -> int:
    from course_lib.diffusion import denoiser
    from course_lib.generate import cards

    parser = cards.parser(__doc__.splitlines()[0], denoiser.STUDENT_PATH, checkpoint=True)
    parser.add_argument("--steps", type=int, default=None, help="override the recipe (tests)")
    parser.add_argument("--pairs", type=int, default=None, help="override the recipe (tests)")
    return cards.run(parser.parse_args(argv), train, evaluate)


if __name__ == "__main__":
    raise SystemExit(main())
