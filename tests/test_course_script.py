"""course.py: the two README commands' set-up logic (without running pip)."""

import course


def test_reinstall_is_triggered_only_by_a_change_in_the_pinned_inputs(tmp_path, monkeypatch):
    for name in course.INPUTS:
        (tmp_path / name).write_text(f"{name} v1\n")
    monkeypatch.setattr(course, "ROOT", tmp_path)
    first = course.requirements_hash(gpu=False)
    assert course.requirements_hash(gpu=False) == first
    assert course.requirements_hash(gpu=True) != first
    (tmp_path / "requirements-lock.txt").write_text("numpy==9\n")
    assert course.requirements_hash(gpu=False) != first


def test_a_second_run_skips_pip_when_nothing_changed(tmp_path, monkeypatch):
    for name in course.INPUTS:
        (tmp_path / name).write_text("x\n")
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "VENV", venv)
    monkeypatch.setattr(course, "STAMP", venv / ".course-installed")
    calls = []
    monkeypatch.setattr(course.subprocess, "run", lambda *a, **k: calls.append(a))
    course.ensure_environment()
    course.ensure_environment()
    assert len(calls) == 1


def test_test_command_runs_pytest_in_the_venv():
    assert course.test_command("py", ["-x"]) == ["py", "-m", "pytest", "-x"]


def test_book_and_slides_commands_run_the_book_module(monkeypatch):
    calls = []
    monkeypatch.setattr(course, "ensure_environment", lambda gpu=False: "py")
    monkeypatch.setattr(course.subprocess, "call", lambda command, **kw: calls.append(command) or 0)
    assert course.main(["book", "--quick"]) == 0
    assert course.main(["slides"]) == 0
    assert calls == [["py", "-m", "course_lib.publish.book", "--quick"],
                     ["py", "-m", "course_lib.publish.book", "--slides"]]
