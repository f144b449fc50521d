"""What the training scripts in ``scripts/`` share: the command line, the model card, the bar.

Every model the course ships in ``data/`` is made by one documented command and carries a JSON
card beside it: the command, the recipe, the training curve, the quality it measured and where
and when it was made. A model below the course's quality bar makes the script exit with 1.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from course_lib import files
from course_lib.generate.quality import Quality
from course_lib.measure.machine import stamp


def parser(description: str, default_output: Path, checkpoint: bool = False
           ) -> argparse.ArgumentParser:
    """``--output``, ``--epochs`` (override the recipe), ``--evaluate-only`` and, for long runs,
    ``--checkpoint`` (weights after every epoch, to watch progress)."""
    found = argparse.ArgumentParser(description=description)
    found.add_argument("--output", default=str(default_output), help="where to write")
    found.add_argument("--epochs", type=int, default=None, help="override the recipe (tests)")
    if checkpoint:
        found.add_argument("--checkpoint", default=f"/tmp/{Path(default_output).stem}"
                           "_checkpoint.npz",
                           help="weights written after every epoch, to watch a long run")
    found.add_argument("--evaluate-only", action="store_true",
                       help="re-measure the model at --output and rewrite its card")
    return found


def run(args: argparse.Namespace, train: Callable[[argparse.Namespace], dict],
        evaluate: Callable[[argparse.Namespace, dict], int]) -> int:
    """Train then evaluate, or with ``--evaluate-only`` evaluate the card already written."""
    if args.evaluate_only:
        card = json.loads(card_path(args.output).read_text())
        return evaluate(args, card)
    return evaluate(args, train(args))


def card_path(output: str | Path) -> Path:
    return Path(output).with_suffix(".json")


def training_card(what: str, script: str, args: argparse.Namespace, recipe: Mapping,
                  parameters: int, train_seconds: float, history: Mapping[str, list],
                  **extra: Any) -> dict:
    """The card a training run writes: the exact command, recipe, size, time and curve."""
    epochs = args.epochs or recipe["epochs"]
    return {"what": what,
            "command": f"python {script}" + (f" --epochs {epochs}" if args.epochs else ""),
            "recipe": {**recipe, "epochs": epochs}, "parameters": int(parameters), **extra,
            "train_seconds": round(train_seconds, 1),
            "history": {key: [round(float(v), 4) for v in values]
                        for key, values in history.items()}}


def record_quality(args: argparse.Namespace, card: Mapping, script: str,
                   quality: Quality | Mapping[str, Quality], **extra: Any) -> dict:
    """Add the measured quality (one ``Quality``, or several by setting) to the card and write
    it beside the model, stamped with this machine and date."""
    measured = (quality.as_dict() if isinstance(quality, Quality)
                else {key: value.as_dict() for key, value in quality.items()})
    card = stamp({**card, "quality_temperature_1": measured, **extra,
                  "quality_command": f"python {script}"
                                     + (" --evaluate-only" if args.evaluate_only else "")})
    files.write_card(args.output, card)
    return card


def meets_bar(quality: Quality, agreement: float, per_class: float, setting: str = "") -> int:
    """Print whether ``quality`` clears the bar; the script's exit code (0 yes, 1 no)."""
    ok = quality.agreement >= agreement and min(quality.per_class) >= per_class
    print(f"{'PASS: meets' if ok else 'FAIL: below'} the bar{setting}: classifier agreement "
          f"{quality.agreement:.1%} (>= {agreement:.0%}), weakest class "
          f"{min(quality.per_class):.0%} (>= {per_class:.0%})")
    return 0 if ok else 1


def train_and_save(model: Any, tokenizer: Any, train: Callable[..., Any], data: tuple,
                   args: argparse.Namespace, recipe: Mapping, what: str, script: str, *,
                   card_extra: Mapping | None = None, **options: Any) -> dict:
    """Train a token Transformer with ``train(model, tokens, labels, ...)`` on ``data`` =
    (tokens, labels, validation), writing a checkpoint after every epoch (``--checkpoint``), then
    save the weights with its training card (plus ``card_extra``); the card. ``options`` go to
    ``train``."""
    import time

    import keras

    from course_lib.generate import tiny_gpt

    tokens, labels, validation = data
    checkpoint = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: tiny_gpt.save(model, tokenizer, args.checkpoint))
    start = time.perf_counter()
    history = train(model, tokens, labels, epochs=args.epochs or recipe["epochs"],
                    batch_size=recipe["batch_size"], learning_rate=recipe["learning_rate"],
                    validation=validation, verbose=2, callbacks=[checkpoint], **options)
    train_s = time.perf_counter() - start
    card = training_card(what, script, args, recipe, model.count_params(), train_s,
                         history.history, **(card_extra or {}))
    tiny_gpt.save(model, tokenizer, args.output, stamp(card))
    print(f"wrote {args.output} after {train_s:.0f} s of training")
    return card


def judge_gpt(args: argparse.Namespace, card: Mapping, script: str, agreement: float,
              per_class: float) -> int:
    """100 digits per class from the GPT at ``--output``, temperature 1.0, judged by the
    classifier and recorded on its card; the exit code of ``meets_bar``."""
    from course_lib.generate import tiny_gpt
    from course_lib.generate.quality import judge
    from course_lib.mnist.model_store import load_classifier

    model, tokenizer = tiny_gpt.load(args.output)
    quality = judge(model, tokenizer, load_classifier(), per_class=100, temperature=1.0, seed=0)
    print(quality)
    record_quality(args, card, script, quality)
    return meets_bar(quality, agreement, per_class)
