"""The book command: executes notebooks into HTML pages with an index, and stops on a failure
with the notebook and cell named."""

import nbformat
import pytest

from course_lib import config
from course_lib.publish import book


def _notebook(path, *sources):
    cells = [nbformat.v4.new_markdown_cell(f"# {path.stem} — a test page")]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_book_writes_a_page_per_notebook_and_an_index(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    first = _notebook(tmp_path / "00_a.ipynb", "import os\nprint('mode', os.environ['COURSE_QUICK'])")
    second = _notebook(tmp_path / "01_b.ipynb", "print(6 * 7)")
    pages = book.build(tmp_path / "out", quick=True, notebooks=[first, second])
    assert [page.title for page in pages] == ["00_a — a test page", "01_b — a test page"]
    assert "mode 1" in (tmp_path / "out" / "00_a.html").read_text()
    assert "42" in (tmp_path / "out" / "01_b.html").read_text()
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="00_a.html"' in index and 'href="01_b.html"' in index and "quick mode" in index


def test_a_failing_cell_stops_the_build_naming_notebook_and_cell(tmp_path):
    broken = _notebook(tmp_path / "02_c.ipynb", "x = 1", "raise ValueError('the data is gone')")
    with pytest.raises(book.BookError, match=r"02_c\.ipynb: cell 2 .*raise ValueError.*the data is gone"):
        book.build(tmp_path / "out", quick=True, notebooks=[broken])
    assert not (tmp_path / "out" / "index.html").exists()


def test_slides_open_at_headings_and_render_as_reveal_decks(tmp_path):
    path = _notebook(tmp_path / "05_s.ipynb", "print('hello')")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("### A detail\ntext"))
    notebook.cells.append(nbformat.v4.new_markdown_cell("plain text"))
    nbformat.write(notebook, path)
    assert [book.slide_type(cell) for cell in notebook.cells] == ["slide", "-", "subslide", "-"]
    pages = book.build(tmp_path / "out", quick=True, notebooks=[path], slides=True)
    deck = (tmp_path / "out" / "05_s.slides.html").read_text()
    assert pages[0].page == "05_s.slides.html" and "reveal" in deck and "hello" in deck
    assert 'href="05_s.slides.html"' in (tmp_path / "out" / "index.html").read_text()


def test_the_command_reports_a_failed_build(monkeypatch, capsys):
    def fail(out, quick, notebooks=None, slides=False):
        raise book.BookError("03_x.ipynb: cell 4 ('train()') failed: boom")

    monkeypatch.setattr(book, "build", fail)
    assert book.main(["--quick"]) == 1
    assert "build stopped: 03_x.ipynb: cell 4" in capsys.readouterr().err


def test_bad_arguments_name_themselves(tmp_path):
    with pytest.raises(ValueError, match="notebooks"):
        book.build(tmp_path / "out", notebooks=[])
    with pytest.raises(TypeError, match="quick"):
        book.build(tmp_path / "out", quick="yes", notebooks=[tmp_path / "00_a.ipynb"])
    with pytest.raises(ValueError, match="timeout"):
        book.execute(tmp_path / "00_a.ipynb", timeout=0)


def test_the_start_here_notebook_renders(tmp_path):
    """One real course notebook, quick mode, with its figures embedded."""
    pages = book.build(tmp_path / "out", quick=True,
                       notebooks=[config.NOTEBOOKS_DIR / "00_start_here.ipynb"])
    page = (tmp_path / "out" / "00_start_here.html").read_text()
    assert pages[0].title.startswith("00 — Start here")
    assert "data:image/png;base64" in page and "Contrast stretch" in page
