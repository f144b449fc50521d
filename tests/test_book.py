"""The book command: executes notebooks into HTML pages with an index, and stops on a failure
with the notebook and cell named; pages and decks load nothing from the network."""

import re

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


def _glossary(tmp_path):
    path = tmp_path / "glossary.md"
    path.write_text("# 术语表：中英对照\n\n| English | 中文 |\n|---|---|\n| latency | 延迟 |\n",
                    encoding="utf-8")
    return path


def test_book_writes_a_page_per_notebook_the_glossary_and_an_index(tmp_path, monkeypatch):
    monkeypatch.delenv("COURSE_QUICK", raising=False)
    first = _notebook(tmp_path / "00_a.ipynb", "import os\nprint('mode', os.environ['COURSE_QUICK'])")
    progress = ("from course_lib.measure.timing import Progress\n"
                "bar = Progress(2, 'timing', enabled=True)\nbar.step('a')\nbar.step('b')\nbar.close()")
    second = _notebook(tmp_path / "01_b.ipynb", "print(6 * 7)", progress)
    pages = book.build(tmp_path / "out", quick=True, notebooks=[first, second],
                       glossary=_glossary(tmp_path))
    assert [page.title for page in pages] == ["00_a — a test page", "01_b — a test page",
                                              "术语表：中英对照"]
    assert "mode 1" in (tmp_path / "out" / "00_a.html").read_text()
    second_page = (tmp_path / "out" / "01_b.html").read_text()
    assert "42" in second_page
    assert "widget-view+json" not in second_page and "HBox" not in second_page  # the bar hid itself
    index = (tmp_path / "out" / "index.html").read_text()
    assert 'href="00_a.html"' in index and 'href="01_b.html"' in index and "quick mode" in index
    assert 'href="glossary.html"' in index
    glossary = (tmp_path / "out" / "glossary.html").read_text(encoding="utf-8")
    assert "<table>" in glossary and "<td>延迟</td>" in glossary and not book.network_loads(glossary)


def test_the_chinese_book_runs_its_kernels_in_chinese_with_a_chinese_index(tmp_path):
    page = _notebook(tmp_path / "00_zh.ipynb", "import os\nprint('lang', os.environ['COURSE_LANG'])")
    book.build(tmp_path / "out", quick=False, notebooks=[page], lang="zh", glossary=None)
    assert "lang zh" in (tmp_path / "out" / "00_zh.html").read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "lang='zh-CN'" in index and "完整模式" in index and "运行" in index
    assert "glossary.html" not in index and not (tmp_path / "out" / "glossary.html").exists()


def test_a_failing_cell_stops_the_build_naming_notebook_and_cell(tmp_path):
    broken = _notebook(tmp_path / "02_c.ipynb", "x = 1", "raise ValueError('the data is gone')")
    with pytest.raises(book.BookError, match=r"02_c\.ipynb: cell 2 .*raise ValueError.*the data is gone"):
        book.build(tmp_path / "out", quick=True, notebooks=[broken])
    assert not (tmp_path / "out" / "index.html").exists()


def test_slides_open_at_headings_and_render_as_reveal_decks_that_need_no_network(tmp_path):
    """Structural: the deck carries reveal.js itself and fetches nothing (no browser here runs
    it; the vendored reveal.js is the one nbconvert's template was written for)."""
    path = _notebook(tmp_path / "05_s.ipynb", "print('hello')")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("### A detail\ntext"))
    notebook.cells.append(nbformat.v4.new_markdown_cell("plain text"))
    nbformat.write(notebook, path)
    assert [book.slide_type(cell) for cell in notebook.cells] == ["slide", "-", "subslide", "-"]
    pages = book.build(tmp_path / "out", quick=True, notebooks=[path], slides=True, glossary=None)
    deck = (tmp_path / "out" / "05_s.slides.html").read_text()
    assert pages[0].page == "05_s.slides.html" and "hello" in deck
    assert 'href="05_s.slides.html"' in (tmp_path / "out" / "index.html").read_text()
    assert book.network_loads(deck) == []
    assert '<script src="http' not in deck and '<link href="http' not in deck
    vendored = book.TEMPLATES / "offline_reveal" / "reveal.js"
    assert (vendored / "dist" / "reveal.js").read_text() in deck  # reveal's code, inlined
    assert "Reveal.initialize(" in deck and "require(" not in deck
    assert deck.count("<section") == 3  # a slide holding a sub-slide, then the detail sub-slide
    assert "MIT" in (vendored / "LICENSE").read_text()


def test_the_network_check_finds_what_nbconvert_s_own_templates_load():
    """The stock templates load reveal.js, require.js and MathJax from CDNs: the check sees them."""
    from nbconvert import SlidesExporter

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A")])
    stock, _ = SlidesExporter().from_notebook_node(notebook)
    found = " ".join(book.network_loads(stock))
    assert "reveal.js" in found and "require" in found and "mathjax" in found
    ours, _ = book.exporter(slides=False).from_notebook_node(notebook)
    assert book.network_loads(ours) == []
    assert book.network_loads("<style>@import url(https://fonts.example/x.css);</style>")


def test_the_command_reports_a_failed_build(monkeypatch, capsys):
    def fail(out, **options):
        raise book.BookError("03_x.ipynb: cell 4 ('train()') failed: boom")

    monkeypatch.setattr(book, "build", fail)
    assert book.main(["--quick"]) == 1
    assert "build stopped: 03_x.ipynb: cell 4" in capsys.readouterr().err


def test_the_chinese_build_goes_to_its_own_folder(monkeypatch):
    calls = []
    monkeypatch.setattr(book, "build", lambda out, **options: calls.append((out, options)) or [])
    assert book.main(["--slides", "--lang", "zh"]) == 0
    assert calls == [(config.ROOT / "build" / "slides" / "zh",
                      {"quick": False, "slides": True, "lang": "zh"})]


def test_bad_arguments_name_themselves(tmp_path):
    with pytest.raises(ValueError, match="notebooks"):
        book.build(tmp_path / "out", notebooks=[])
    with pytest.raises(TypeError, match="quick"):
        book.build(tmp_path / "out", quick="yes", notebooks=[tmp_path / "00_a.ipynb"])
    with pytest.raises(ValueError, match="lang"):
        book.build(tmp_path / "out", lang="fr", notebooks=[tmp_path / "00_a.ipynb"])
    with pytest.raises(ValueError, match="timeout"):
        book.execute(tmp_path / "00_a.ipynb", timeout=0)


def test_the_chinese_start_here_notebook_runs_and_renders(tmp_path):
    """One real course notebook, built in Chinese and executed in quick mode with
    COURSE_LANG=zh: the same code runs, the page is Chinese, its figures are embedded, what the
    code prints for the learner (the checker's verdicts) is Chinese, and it loads nothing."""
    from course_lib.i18n.language import CHINESE
    from course_lib.publish import translation

    [chinese] = translation.build("zh", tmp_path / "zh",
                                  [config.NOTEBOOKS_DIR / "00_start_here.ipynb"])
    pages = book.build(tmp_path / "out", quick=True, lang="zh", notebooks=[chinese])
    page = (tmp_path / "out" / "00_start_here.html").read_text(encoding="utf-8")
    assert pages[0].title.startswith("00 — 从这里开始")
    assert "data:image/png;base64" in page
    assert book.network_loads(page) == []
    verdicts = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert any(CHINESE.search(cell) for cell in verdicts), "no Chinese in the printed tables"


def _executed(*outputs):
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = list(outputs)
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x"), cell])


def test_tensorflow_s_native_log_lines_are_stripped_and_empty_outputs_dropped():
    native = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
              "I0000 00:00:1733312345.678901    4242 service.cc:152] XLA service 0x55d0 initialized\n"
              "W0000 00:00:1733312345.700000    4242 gpu_device.cc:2344] Cannot dlopen some GPU libraries.\n"
              "E0000 00:00:1733312346.000001    4243 cuda_dnn.cc:8310] Unable to register cuDNN factory\n"
              "I0000 00:00:1733312346.1    4243 cpu_feature_guard.cc:210] This TensorFlow binary is optimized\n"
              "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.\n")
    notebook = _executed(
        nbformat.v4.new_output("stream", name="stderr", text=native),
        nbformat.v4.new_output("stream", name="stdout",
                               text="epoch 1: loss 0.31\nI0000 00:00:1.5  7 cpu.cc:9] noise\nI0 said: 42\n"
                                    "To enable the following instructions: kept, no log above\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "I0000 00:00:1.5  7 a.cc:1] kept"},
                               execution_count=1))
    assert book.cleaning.strip_native_logs(notebook) == 7
    outputs = notebook.cells[1].outputs
    assert [output.output_type for output in outputs] == ["stream", "execute_result"]
    assert outputs[0].text == ("epoch 1: loss 0.31\nI0 said: 42\n"  # the learner's lines stay
                               "To enable the following instructions: kept, no log above\n")
    assert book.cleaning.strip_native_logs(notebook) == 0


def test_widgets_are_frozen_into_static_html_hidden_ones_removed_and_their_state_dropped():
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_card", "IPY_MODEL_row"]}},
        "card": {"model_name": "HTMLModel", "state": {"value": "<b>Q1</b> Why is decoding slow?"}},
        "row": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_reveal"]}},
        "reveal": {"model_name": "ButtonModel", "state": {"description": "Show <answer>"}},
        "bar": {"model_name": "FloatProgressModel", "state": {"value": 3}},
        "done": {"model_name": "HBoxModel", "state": {"children": ["IPY_MODEL_bar"],
                                                      "layout": "IPY_MODEL_gone"}},
        "gone": {"model_name": "LayoutModel", "state": {"visibility": "hidden"}},
    }
    view = "application/vnd.jupyter.widget-view+json"
    notebook = _executed(
        nbformat.v4.new_output("display_data", data={view: {"model_id": "box"}, "text/plain": "VBox()"}),
        nbformat.v4.new_output("display_data", data={view: {"model_id": "bar"}, "text/plain": "3/10"}),
        nbformat.v4.new_output("display_data", data={view: {"model_id": "done"}, "text/plain": "HBox"}))
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    assert book.cleaning.freeze_widgets(notebook) == 1
    drawn, unknown = notebook.cells[1].outputs
    assert "<b>Q1</b> Why is decoding slow?" in drawn.data["text/html"]
    assert "<button disabled>Show &lt;answer&gt;</button>" in drawn.data["text/html"]
    assert view not in drawn.data and dict(unknown.data) == {"text/plain": "3/10"}
    assert "widgets" not in notebook.metadata
