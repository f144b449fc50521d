"""The terminal quiz, driven end to end: ``python -m course_lib quiz`` in a real subprocess with
scripted input, including bad options, bad answers, q, end of input and Ctrl-C."""

import io
import os
import select
import signal
import subprocess
import sys
import time

import pytest
import yaml

from course_lib import config
from course_lib.interview import quiz
from course_lib.interview.bank_file import BANK_PATH, load_bank
from course_lib.__main__ import main

BANK = load_bank()
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8"}
COMMAND = [sys.executable, "-m", "course_lib", "quiz"]


def run_quiz(*options, answers=""):
    """Run the quiz in a subprocess with ``answers`` as its input (one line per prompt)."""
    return subprocess.run(COMMAND + [str(option) for option in options], input=answers,
                          capture_output=True, text=True, encoding="utf-8", env=ENV,
                          cwd=config.ROOT, timeout=60)


def asked_ids(stdout):
    return [line.split("[", 2)[2].split(" ")[0] for line in stdout.splitlines()
            if line.startswith("[") and "] [" in line]


def test_a_whole_quiz_in_english_with_a_score_at_the_end():
    done = run_quiz("--lang", "en", "--count", 3, "--seed", 4, answers="\ny\n\nn\n\ny\n")
    assert done.returncode == 0, done.stderr
    expected = [q.id for q in BANK.select(count=3, seed=4)]
    assert asked_ids(done.stdout) == expected
    assert "3 question(s) · topic: any · difficulty: any · seed 4" in done.stdout
    assert done.stdout.count("Did you get it right?") == 3
    assert "All questions answered. Score: 2/3 (67%)" in done.stdout
    assert f"  {expected[1]}: " in done.stdout.split("To review")[1]
    assert BANK.get(expected[0]).answer.en.split()[0] in done.stdout
    assert done.stderr == ""


def test_a_quiz_in_chinese_filtered_by_topic_and_difficulty():
    done = run_quiz("--lang", "zh", "--topic", "decoding", "--difficulty", "hard",
                    "--count", 2, "--seed", 0, answers="\nn\n\ny\n")
    assert done.returncode == 0, done.stderr
    expected = BANK.select(topic="decoding", difficulty="hard", count=2, seed=0)
    assert asked_ids(done.stdout) == [q.id for q in expected]
    assert expected[0].question.zh in done.stdout and expected[0].answer.zh[:30] in done.stdout
    assert "难度：困难" in done.stdout and "参考答案" in done.stdout and "全部答完。得分：1/2（50%）" in done.stdout


def test_the_same_seed_asks_the_same_questions():
    first, second = (run_quiz("--count", 4, "--seed", 11, answers="q\n") for _ in range(2))
    other = run_quiz("--count", 4, "--seed", 12, answers="q\n")
    assert asked_ids(first.stdout) == asked_ids(second.stdout) != asked_ids(other.stdout)


def test_a_bad_answer_letter_is_asked_again():
    done = run_quiz("--count", 1, "--seed", 0, answers="\nmaybe\n\nY\n")
    assert done.returncode == 0
    assert "Please type y or n (or q to stop); you typed 'maybe'." in done.stdout
    assert "you typed ''." in done.stdout  # an empty line is not an answer either
    assert done.stdout.count("Did you get it right?") == 3
    assert "Score: 1/1 (100%)" in done.stdout


def test_q_stops_with_the_score_so_far():
    done = run_quiz("--count", 5, "--seed", 0, answers="\ny\n\nq\n")
    assert done.returncode == 0
    assert "Stopped. Score: 1/1 (100%)" in done.stdout
    assert len(asked_ids(done.stdout)) == 2


def test_end_of_input_mid_quiz_ends_cleanly_with_the_score_so_far():
    done = run_quiz("--count", 4, "--seed", 0, answers="\nn\n\n")
    assert done.returncode == 0
    assert "Input ended. Score: 0/1 (0%)" in done.stdout
    assert "To review" in done.stdout and "Traceback" not in done.stderr


def _read_until(stream, done, timeout=30.0):
    """Read a pipe until ``done(text so far)`` (prompts do not end with a newline)."""
    seen, deadline = b"", time.monotonic() + timeout
    while not done(seen.decode("utf-8", "replace")):
        ready, _, _ = select.select([stream], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            raise AssertionError(f"timed out; got {seen.decode()!r}")
        chunk = os.read(stream.fileno(), 65536)
        if not chunk:
            raise AssertionError(f"output ended early; got {seen.decode()!r}")
        seen += chunk
    return seen.decode()


def _waiting_at_question_2(text):
    return "[2/3]" in text and "Press Enter" in text.split("[2/3]", 1)[1]


@pytest.mark.skipif(sys.platform == "win32", reason="needs POSIX signals and select on pipes")
def test_ctrl_c_mid_quiz_ends_cleanly_with_the_score_so_far():
    process = subprocess.Popen(
        COMMAND + ["--count", "3", "--seed", "0"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=ENV, cwd=config.ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as in a terminal
    try:
        process.stdin.write(b"\ny\n")
        process.stdin.flush()
        shown = _read_until(process.stdout, _waiting_at_question_2)  # now waiting for input
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=30)
    finally:
        process.kill()
    output = shown + rest.decode()
    assert process.returncode == quiz.INTERRUPTED_STATUS
    assert "Interrupted. Score: 1/1 (100%)" in output
    assert "Traceback" not in errors.decode() and "KeyboardInterrupt" not in errors.decode()


@pytest.mark.parametrize("options, message", [
    (["--topic", "nope"], "--topic: expected one of 'article', 'llm-basics'"),
    (["--count", "0"], "--count: expected an integer >= 1, got 0"),
    (["--count", "-3"], "--count: expected an integer >= 1, got -3"),
    (["--count", "three"], "argument --count: invalid int value: 'three'"),
    (["--difficulty", "expert"], "argument --difficulty: invalid choice: 'expert'"),
    (["--lang", "fr"], "argument --lang: invalid choice: 'fr'"),
    (["--seed", "x"], "argument --seed: invalid int value: 'x'"),
    (["--bank", "missing.yaml"], "--bank: no such file: missing.yaml"),
    (["--topic", "article", "--difficulty", "hard"], "no question has topic 'article'"),
])
def test_bad_options_give_a_clear_error_and_status_2(options, message):
    done = run_quiz(*options, answers="")
    assert done.returncode == 2
    assert message in done.stderr
    assert "usage: python -m course_lib quiz" in done.stderr
    assert done.stdout == ""


def test_no_command_is_a_usage_error():
    done = subprocess.run([sys.executable, "-m", "course_lib"], capture_output=True, text=True,
                          env=ENV, cwd=config.ROOT, timeout=60)
    assert done.returncode == 2 and "required: COMMAND" in done.stderr


def test_a_malformed_bank_is_reported_with_the_entry_and_field(tmp_path):
    raw = yaml.safe_load(BANK_PATH.read_text(encoding="utf-8"))
    raw["questions"][0]["difficulty"] = "expert"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    done = run_quiz("--bank", bad)
    assert done.returncode == 1
    assert f"question '{raw['questions'][0]['id']}': field 'difficulty'" in done.stderr


def test_list_topics_shows_every_tag_with_its_count():
    done = run_quiz("--list-topics", "--lang", "zh")
    assert done.returncode == 0
    for tag, count in BANK.topic_counts().items():
        assert f"{tag:14} {count:3} · {BANK.topics[tag].zh}" in done.stdout


def test_main_runs_in_process_with_given_streams():
    out, err = io.StringIO(), io.StringIO()
    status = main(["quiz", "--count", "2", "--seed", "1"], io.StringIO("\ny\n\ny\n"), out, err)
    assert status == 0 and "Score: 2/2 (100%)" in out.getvalue() and err.getvalue() == ""
    assert main(["quiz", "--count", "0"], io.StringIO(), out, err) == 2
    assert "--count: expected an integer >= 1, got 0" in err.getvalue()
    help_out = io.StringIO()
    assert main(["quiz", "--help"], io.StringIO(), help_out, err) == 0
    assert "--difficulty {easy,medium,hard}" in help_out.getvalue()


class _InterruptedInput(io.StringIO):
    """Input that raises KeyboardInterrupt (what Ctrl-C does) after ``lines`` lines."""

    def __init__(self, text, lines):
        super().__init__(text)
        self.lines = lines

    def readline(self, *args):
        if self.lines == 0:
            raise KeyboardInterrupt
        self.lines -= 1
        return super().readline(*args)


def test_run_quiz_reports_how_it_ended():
    questions = BANK.select(count=3, seed=0)
    out = io.StringIO()
    score, ended = quiz.run_quiz(questions, "en", _InterruptedInput("\nn\n\n", 3), out)
    assert (score.asked, score.right, ended) == (1, 0, "interrupted")
    assert "\nInterrupted. Score: 0/1 (0%)\n" in out.getvalue()
    chinese_marks = io.StringIO("\n对\n\n错\n\n是\n")
    assert quiz.run_quiz(questions, "zh", chinese_marks, io.StringIO())[0].right == 2
