"""course.py: the two README commands' set-up logic (without running pip)."""

import json

import pytest

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
    assert course.main(["slides", "--lang", "zh"]) == 0
    assert calls == [["py", "-m", "course_lib.publish.book", "--quick"],
                     ["py", "-m", "course_lib.publish.book", "--slides"],
                     ["py", "-m", "course_lib.publish.book", "--slides", "--lang", "zh"]]


def _record_calls(monkeypatch, codes):
    calls = []
    monkeypatch.setattr(course, "ensure_environment", lambda gpu=False: "py")
    monkeypatch.setattr(course.subprocess, "call",
                        lambda command, **kw: calls.append((command, kw["env"])) or codes.pop(0))
    return calls


def test_lab_in_chinese_builds_the_chinese_notebooks_then_opens_them_in_chinese(monkeypatch):
    calls = _record_calls(monkeypatch, [0, 0])
    assert course.main(["lab", "--lang", "zh", "--no-browser"]) == 0
    (translate, _), (lab, env) = calls
    assert translate == ["py", "-m", "course_lib.publish.translation", "build", "--lang", "zh"]
    assert f"--ServerApp.root_dir={course.ROOT / 'notebooks' / 'zh'}" in lab
    assert f"--LabApp.app_settings_dir={course.ROOT / 'jupyter' / 'zh'}" in lab
    assert env["COURSE_LANG"] == "zh"


def test_lab_does_not_open_when_the_translation_fails(monkeypatch):
    calls = _record_calls(monkeypatch, [1])
    assert course.main(["lab", "--lang", "zh"]) == 1
    assert len(calls) == 1


def test_the_chinese_settings_are_the_english_ones_plus_the_chinese_interface():
    english, chinese = (json.loads((course.ROOT / "jupyter" / lang / "overrides.json").read_text())
                        for lang in course.LANGS)
    assert english["@jupyterlab/apputils-extension:notification"] == {
        "fetchNews": "false", "checkForUpdates": False}
    locale = chinese.pop("@jupyterlab/translation-extension:plugin")
    assert chinese == english and locale == {"locale": "zh_CN"}


def test_the_script_knows_the_course_s_languages():
    from course_lib.i18n.language import LANGS

    assert course.LANGS == LANGS


def test_lab_command_refuses_an_unknown_language():
    with pytest.raises(ValueError, match="lang"):
        course.lab_command("py", lang="fr")
