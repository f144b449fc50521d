import json

import nbformat
import pytest

from course_lib import config, files
from course_lib.measure import results
from course_lib.measure import compare, fmt


def _notebook(path, *sources):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(notebook, path)


def test_expected_results_come_from_the_notebooks_save_calls(tmp_path):
    _notebook(tmp_path / "00_a.ipynb", 'cmp.save("00_first")\nx = 1', '# not code: .save("no")')
    _notebook(tmp_path / "02_b.ipynb", "ladder.save('02_ladder'); other.save( \"02_more\" )")
    assert results.expected_results(tmp_path) == {
        "00_first": "00_a.ipynb", "02_ladder": "02_b.ipynb", "02_more": "02_b.ipynb"}


def test_the_course_notebooks_declare_their_results():
    expected = results.expected_results()
    assert expected["00_first_comparison"] == "00_start_here.ipynb"
    assert expected["03_training_ladder"] == "03_mnist_keras.ipynb"


def test_found_missing_corrupted_and_foreign_results_are_told_apart(tmp_path, monkeypatch):
    notebooks = tmp_path / "nb"
    notebooks.mkdir()
    _notebook(notebooks / "00_a.ipynb", 'a.save("found")', 'b.save("missing")',
              'c.save("broken")', 'd.save("other_format")')
    monkeypatch.setattr(config, "RESULTS_DIR", tmp_path / "results")
    compare({"slow": lambda: sum(range(2000)), "fast": lambda: 1}, baseline="slow",
            repeats=2, progress=False).save("found")
    files.write_text_atomic(tmp_path / "results" / "broken.json", "{}")
    (tmp_path / "results" / "broken.json").write_text('{"tampered": true}')
    files.write_text_atomic(tmp_path / "results" / "other_format.json", json.dumps(
        {"kind": "training_ladder", "rows": [{"rung": "a", "speedup": 1.0}]}))

    stored = {r.name: r for r in results.load_all(notebooks_dir=notebooks)}
    assert stored["found"].found and not stored["missing"].found
    assert stored["missing"].problem == "not saved yet"
    assert "corrupted" in stored["broken"].problem
    assert not stored["other_format"].found
    assert "expected a comparison saved by Comparison.save" in stored["other_format"].problem
    assert stored["other_format"].problem.startswith("unreadable, rerun 00_a.ipynb: ")
    frame = results.summary_frame(list(stored.values()))
    row = frame.set_index("result").loc["found"]
    assert row["status"] == "found" and row["headline"].startswith("fastest: fast (")
    assert row["notebook"] == "00_a.ipynb" and "cores" in row["machine"]
    assert row["title"] == "slow vs fast" and row["mode"] == config.mode_name()
    assert frame.set_index("result").loc["missing", "headline"] == ""


def test_headlines_chart_and_comparisons_per_notebook(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "RESULTS_DIR", tmp_path)
    saved = compare({"base": lambda: sum(range(3000)), "quick": lambda: 1}, repeats=2,
                    progress=False)
    saved.save("05_x")
    stored = [results.StoredResult("05_x", "05_n.ipynb", results.load_result("05_x")),
              results.StoredResult("05_y", "05_n.ipynb", None, "not saved yet")]
    assert results.comparisons(stored) == {"05_x": saved}  # the missing one is left out
    assert results.headline(saved) == (
        f"fastest: quick ({fmt(saved.speedup('quick'))}x vs base)")
    ax = results.plot_headlines(stored)
    assert len(ax.patches) == 1
    assert len(results.plot_headlines([]).patches) == 0


def test_load_result_names_a_bad_name(tmp_path):
    with pytest.raises(TypeError, match="name"):
        results.load_result(5)
    with pytest.raises(ValueError, match="name"):
        results.load_result("../secrets")
    with pytest.raises(TypeError, match="results_dir"):
        results.load_result("x", results_dir=5)
    with pytest.raises(files.FileIntegrityError, match="missing"):
        results.load_result("x", results_dir=tmp_path)
