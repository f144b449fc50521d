"""Benchmark (not a test): the diffusion step ladder, measured side by side in one run (nb 07).

    .venv/bin/python benchmarks/diffusion.py          # about 10 minutes on a 2-core CPU
    .venv/bin/python benchmarks/diffusion.py --save   # also results/diffusion_ladder_b1.json

The shipped teacher (data/digit_diffusion.npz) and its reflow student: every rung of the ladder
(the full 1,000-step ancestral schedule, DDIM at 50/20/10/5 steps, DDIM-20 without guidance,
the student at 4/2/1 steps) timed per image at batch 1 in ONE interleaved comparison, and judged
by notebook 03's classifier: ``--per-class`` digits per class for every rung, ``--full-per-class``
for the full schedule (2,000 passes a digit). The compiled XLA loops are checked against their
eager references from the same seed. Prints the issue's targets as PASS/FAIL lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from course_lib.diffusion import denoiser, ladder, samplers  # noqa: E402
from course_lib.generate import tradeoff  # noqa: E402
from course_lib.generate.quality import judge  # noqa: E402
from course_lib.measure import machine, results  # noqa: E402
from course_lib.mnist.model_store import load_classifier  # noqa: E402


def equivalence_checks(teacher, student) -> list[tuple[bool, str]]:
    """Compiled loop against eager reference, same seed, for one setting of each sampler."""
    checks = []
    for model, options, classes in ((teacher, dict(method="ddpm", steps=1000, guidance=2.0), [3]),
                                    (teacher, dict(method="ddim", steps=20, guidance=2.0), [0, 9]),
                                    (student, dict(method="euler", steps=4), [1, 6])):
        gap = np.abs(samplers.sample(model, classes, seed=4, **options)
                     - samplers.reference(model, classes, seed=4, **options)).max()
        checks.append((gap < 1e-3, f"compiled {options['method']} loop equals its eager reference "
                                   f"(largest pixel difference {gap:.1e}, target < 1e-3)"))
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-class", type=int, default=100, help="digits judged per class")
    parser.add_argument("--full-per-class", type=int, default=20,
                        help="digits per class judged for the 1,000-step schedule")
    parser.add_argument("--save", action="store_true", help="save results/diffusion_*.json")
    args = parser.parse_args(argv)
    print(machine.describe())
    teacher, student = denoiser.load_pretrained(), denoiser.load_student()
    classifier = load_classifier()
    found = ladder.generators(teacher, student)

    timing = tradeoff.time_generators(found, batch=1, baseline=ladder.FULL, repeats=args.repeats,
                                      progress=False)
    print(timing)
    if args.save:
        timing.save("diffusion_ladder_b1")
    full = found[ladder.FULL]
    qualities = {ladder.FULL: judge(full.model, None, classifier, per_class=args.full_per_class,
                                    sampler=full.sampler, batch=100, **full.options)}
    qualities.update(tradeoff.judge_generators(
        {k: g for k, g in found.items() if k != ladder.FULL}, classifier,
        per_class=args.per_class, batch=100))
    table = ladder.ladder_table(found, timing, qualities)
    print(table.to_string(formatters={c: (f.format if isinstance(f, str) else f)
                                      for c, f in ladder.TABLE_FORMATS.items() if c in table}))

    full_q, ddim_q, student_q = (qualities[k] for k in (ladder.FULL, "ddim_20", "student_4"))
    checks = [
        (full_q.agreement >= 0.90 and min(full_q.per_class) >= 0.80,
         f"full schedule: agreement {full_q.agreement:.1%} (>= 90%), weakest class "
         f"{min(full_q.per_class):.0%} (>= 80%), {full_q.images} digits"),
        (timing.speedup("ddim_20") >= 40, f"DDIM-20 vs full schedule at batch 1: "
                                          f"{timing.speedup('ddim_20'):.1f}x (target >= 40x)"),
        (ddim_q.agreement >= full_q.agreement - 0.02,
         f"DDIM-20 agreement {ddim_q.agreement:.1%} vs full {full_q.agreement:.1%} "
         f"(target: at most 2 points less)"),
        (student_q.agreement >= 0.90, f"4-step student agreement {student_q.agreement:.1%} "
                                      "(target >= 90%)"),
        (timing.speedup("student_4") >= 150, f"4-step student vs full schedule at batch 1: "
                                             f"{timing.speedup('student_4'):.0f}x "
                                             "(target >= 150x)"),
        *equivalence_checks(teacher, student)]
    one = qualities["student_1"]
    print(f"\n(reported, no target) 1-step student: agreement {one.agreement:.1%}, weakest class "
          f"{min(one.per_class):.0%}, {timing.speedup('student_1'):.0f}x faster than the full "
          "schedule")
    return results.report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
