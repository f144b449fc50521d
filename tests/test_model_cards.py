"""The training scripts' shared parts: the command line, the card, the bar."""

import json

import numpy as np
import pytest

from course_lib import files
from course_lib.generate import cards
from course_lib.generate.quality import Quality


def quality(agreement=0.95, weakest=0.85):
    return Quality(agreement=agreement, per_class=[weakest] + [0.97] * 9, confidence=0.9,
                   diversity=0.3, real_diversity=None, images=1000, temperature=1.0, seconds=1.0)


def test_parser_and_the_command_recorded_in_the_card(tmp_path):
    parser = cards.parser("make it", tmp_path / "m.npz", checkpoint=True)
    args = parser.parse_args([])
    assert args.output == str(tmp_path / "m.npz") and args.epochs is None
    assert not args.evaluate_only and args.checkpoint.endswith("m_checkpoint.npz")
    assert not hasattr(cards.parser("x", tmp_path / "m.npz").parse_args([]), "checkpoint")
    recipe = {"epochs": 10, "width": 8}
    card = cards.training_card("a model", "scripts/make.py", args, recipe, 1234, 61.26,
                                     {"loss": [2.123456, 1.5]}, extra=7)
    assert card["command"] == "python scripts/make.py" and card["recipe"]["epochs"] == 10
    assert card["history"] == {"loss": [2.1235, 1.5]} and card["train_seconds"] == 61.3
    assert card["extra"] == 7 and card["parameters"] == 1234
    short = parser.parse_args(["--epochs", "2"])
    card = cards.training_card("a model", "scripts/make.py", short, recipe, 1, 1.0, {})
    assert card["command"] == "python scripts/make.py --epochs 2"
    assert card["recipe"]["epochs"] == 2


def test_quality_is_written_beside_the_model_stamped_and_verified(tmp_path):
    args = cards.parser("x", tmp_path / "m.npz").parse_args(["--evaluate-only"])
    cards.record_quality(args, {"what": "a model"}, "scripts/make.py",
                               {"8": quality()}, choice_temperature=4.5)
    card = json.loads(files.verify(tmp_path / "m.json").read_text())
    assert card["quality_temperature_1"]["8"]["agreement"] == 0.95
    assert card["quality_command"] == "python scripts/make.py --evaluate-only"
    assert card["choice_temperature"] == 4.5 and "machine" in card and "made" in card


def test_run_evaluates_the_card_on_disk_when_asked(tmp_path):
    (tmp_path / "m.json").write_text(json.dumps({"what": "on disk"}))
    seen = []
    args = cards.parser("x", tmp_path / "m.npz").parse_args(["--evaluate-only"])
    assert cards.run(args, lambda a: pytest.fail("must not train"),
                           lambda a, card: seen.append(card) or 0) == 0
    assert seen == [{"what": "on disk"}]
    args = cards.parser("x", tmp_path / "m.npz").parse_args([])
    assert cards.run(args, lambda a: {"what": "trained"},
                           lambda a, card: seen.append(card) or 1) == 1
    assert seen[-1] == {"what": "trained"}


@pytest.mark.parametrize("agreement, weakest, code", [(0.95, 0.85, 0), (0.89, 0.85, 1),
                                                      (0.95, 0.70, 1)])
def test_the_bar(capsys, agreement, weakest, code):
    assert cards.meets_bar(quality(agreement, weakest), 0.90, 0.75, " at 8 passes") == code
    printed = capsys.readouterr().out
    assert ("PASS" if code == 0 else "FAIL") in printed and "at 8 passes" in printed


def test_train_and_save_checkpoints_every_epoch_and_writes_a_verified_card(tmp_path):
    """The scripts' shared training step: train with a checkpoint callback, then the weights and
    their card, both verified when read back (a stand-in ``train`` keeps the test fast)."""
    from course_lib.generate import tiny_gpt
    from course_lib.generate.image_tokens import Tokenizer

    model = tiny_gpt.build(tiny_gpt.GPTConfig(codes=8, length=4, width=16, depth=1, heads=2))
    tokenizer = Tokenizer(np.zeros((8, 4), np.float32), 2)
    seen = {}

    def train(model_, tokens, labels, *, epochs, callbacks, **options):
        seen.update(epochs=epochs, options=options, tokens=tokens.shape)
        callbacks[0].on_epoch_end(0, {})  # what Keras calls after an epoch
        return type("History", (), {"history": {"loss": [1.23456]}})()

    args = cards.parser("x", tmp_path / "m.npz", checkpoint=True).parse_args(
        ["--checkpoint", str(tmp_path / "ck.npz"), "--epochs", "2"])
    recipe = {"epochs": 10, "batch_size": 4, "learning_rate": 1e-3}
    card = cards.train_and_save(model, tokenizer, train, (np.zeros((6, 4)), np.zeros(6), None),
                                args, recipe, "a tiny model", "scripts/make.py",
                                card_extra={"note": 1}, label_smoothing=0.1)
    assert seen == {"epochs": 2, "tokens": (6, 4),
                    "options": {"batch_size": 4, "learning_rate": 1e-3, "validation": None,
                                "verbose": 2, "label_smoothing": 0.1}}
    assert files.verify(tmp_path / "ck.npz") and files.verify(tmp_path / "m.npz")
    written = json.loads(files.verify(tmp_path / "m.json").read_text())
    assert written["note"] == 1 and written["history"] == {"loss": [1.2346]}
    assert card["command"] == "python scripts/make.py --epochs 2" and "machine" in written
    reloaded, _ = tiny_gpt.load(tmp_path / "m.npz")
    assert all(np.array_equal(a, b) for a, b in zip(reloaded.get_weights(), model.get_weights()))
