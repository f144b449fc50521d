"""The question bank: it validates, it is bilingual, its evidence links resolve, a malformed
entry is reported with its id and field, and selection follows its options and seed."""

import collections
import copy
import json
import re

import pytest
import yaml

from course_lib import config
from course_lib.interview import bank
from course_lib.interview import notebook_sections
from course_lib.interview.bank_file import BANK_PATH, BankError, load_bank, parse_bank
from course_lib.interview.languages import CHINESE

BANK = load_bank()
RAW = yaml.safe_load(BANK_PATH.read_text(encoding="utf-8"))
SEED_IDS = {"seed-what-is-llm", "seed-why-slow", "seed-how-to-speed-up", "seed-where-it-matters"}
EVIDENCE_NOTEBOOKS = {"00_start_here.ipynb", "01_interview_qa.ipynb", "02_drawing_shapes.ipynb",
                      "03_mnist_keras.ipynb", "04_model_compression.ipynb",
                      "05_llm_image_generation.ipynb", "06_decoding_at_scale.ipynb",
                      "07_diffusion.ipynb"}


def _texts(question):
    """Every bilingual text of a question, named."""
    yield "question", question.question
    yield "answer", question.answer
    for i, weak in enumerate(question.weak_answers):
        yield f"weak_answers[{i}].answer", weak.answer
        yield f"weak_answers[{i}].why", weak.why
    if question.article_says is not None:
        yield "article_says", question.article_says
    for i, point in enumerate(question.critique):
        yield f"critique[{i}]", point


def test_the_bank_has_at_least_30_questions_with_unique_ids():
    ids = [q.id for q in BANK]
    assert len(ids) >= 30
    assert len(set(ids)) == len(ids)
    assert len(RAW["questions"]) == len(ids), "every entry in the file became a question"


@pytest.mark.parametrize("question", BANK.questions, ids=lambda q: q.id)
def test_every_text_is_in_english_and_chinese(question):
    for name, text in _texts(question):
        assert text.en.strip() and not CHINESE.search(text.en), name
        assert CHINESE.search(text.zh), f"{name}: no Chinese in {text.zh!r}"
    assert question.weak_answers and question.evidence


def test_the_four_seed_questions_carry_the_article_and_a_critique():
    seeds = {q.id: q for q in BANK if q.is_seed}
    assert set(seeds) == SEED_IDS
    for question in seeds.values():
        assert bank.SEED_TOPIC in question.topics
        assert len(question.critique) >= 3, question.id
        assert question.article_says.en and question.article_says.zh


@pytest.mark.parametrize("claim, words", [
    ("RNN/LSTM are not today's architecture", ("RNN", "Transformer")),
    ("reading files is not the bottleneck", ("reading", "not the bottleneck")),
    ("one token per forward pass", ("one token per forward pass",)),
    ("hundreds to thousands of tokens", ("hundreds to thousands",)),
    ("decoding is bandwidth-bound", ("bandwidth",)),
    ("diffusion takes many steps", ("denoising steps",)),
    ("the data transfer that matters is the weights'", ("data transfer", "weights moving from memory")),
    ("training cost is not generation speed", ("cost of training", "inference alone")),
    ("quantization keeps the operations", ("keeps every operation", "only structured pruning")),
    ("an LLM is a DNN", ("category error",)),
    ("diffusion dominates today", ("dominate image generation today",)),
])
def test_the_seed_critiques_name_what_the_article_gets_wrong(claim, words):
    critiques = " ".join(point.en for q in BANK if q.is_seed for point in q.critique)
    assert all(word.lower() in critiques.lower() for word in words), claim


@pytest.mark.parametrize("subject", [
    "tokens per", "KV cache", "batch", "quantiz", "int8", "prun", "distil", "roofline",
    "bandwidth", "input pipeline", "XLA", "mixed precision", "data parallel", "MaskGIT",
    "diffusion", "speculative", "VR", "60 fps", "Keras", "full pass", "DDIM", "eta = 0",
    "classifier-free guidance", "reflow", "consistency model", "latent diffusion",
])
def test_the_bank_covers_every_subject_of_the_issue(subject):
    assert any(subject.lower() in (q.question.en + q.answer.en).lower() for q in BANK), subject


@pytest.mark.parametrize("method, paper", [
    ("DDPM", "Ho et al., 2020"), ("DDIM", "Song et al., 2021"),
    ("classifier-free guidance", "Ho & Salimans, 2022"),
    ("progressive distillation", "Salimans & Ho, 2022"), ("consistency models", "Song et al., 2023"),
    ("LCM", "Luo et al., 2023"), ("rectified flow", "Liu et al., 2023"),
    ("InstaFlow", "Liu et al., 2024"), ("guidance distillation", "Meng et al., 2023"),
    ("adversarial diffusion distillation", "Sauer et al., 2023"),
    ("latent diffusion", "Rombach et al., 2022"),
])
def test_the_diffusion_answers_cite_each_method_by_its_paper(method, paper):
    """An expert's first follow-up is "whose paper?": the answer that names a method cites it."""
    answers = [q.answer.en for q in BANK if "diffusion" in q.topics]
    assert any(method.lower() in text.lower() and paper in text for text in answers), method


def test_every_diffusion_answer_links_to_the_diffusion_notebook_and_none_denies_it():
    """Notebook 07 measures a diffusion model: no answer may still say the course has none."""
    denials = re.compile(r"no diffusion model|not measure a diffusion|diffusion model yet|"
                         r"没有实测扩散|还没有.{0,6}扩散模型")
    for question in BANK:
        for name, text in _texts(question):
            assert not denials.search(text.en + text.zh), f"{question.id}: {name}"
        if "diffusion" in question.topics and not question.is_seed:
            assert any(link.notebook == "07_diffusion.ipynb" for link in question.evidence), \
                question.id


def test_every_topic_is_used():
    assert all(count > 0 for count in BANK.topic_counts().values()), BANK.topic_counts()


def _links():
    return [(q.id, i, link) for q in BANK for i, link in enumerate(q.evidence)]


@pytest.mark.parametrize("question_id, index, link", _links(),
                         ids=[f"{qid}-{i}" for qid, i, _ in _links()])
def test_every_evidence_link_lands_on_a_section_that_shows_its_evidence(question_id, index, link):
    """The heading exists and a code cell of its section (to the next heading of the same or a
    higher level) prints, displays, saves or plots what the link names."""
    assert link.notebook in EVIDENCE_NOTEBOOKS
    assert link.problem() is None, f"question {question_id!r}: evidence {index}: {link.problem()}"


def test_the_bank_reports_no_broken_links_and_notebook_01_holds_the_most():
    """Notebook 01 is the interview notebook: its live demos back more answers than any other."""
    assert BANK.evidence_problems() == []
    per_notebook = collections.Counter(link.notebook for _, _, link in _links())
    assert per_notebook.most_common(1)[0][0] == "01_interview_qa.ipynb", per_notebook


def _write_notebook(path, cells):
    path.write_text(json.dumps({"cells": [
        {"cell_type": kind, "source": text.splitlines(keepends=True)} for kind, text in cells]}),
        encoding="utf-8")


DEMO = [
    ("markdown", "# 01 — Demo\n## Real heading\nSome text."),
    ("markdown", "```python\n# not a heading\n```\n"),
    ("code", "## nor this\nx = 1"),
    ("code", "speed = 2 * x\nassert speed > 1  # checked, never shown\nprint(f'{x} done')"),
    ("markdown", "### A subsection\n"),
    ("code", "%time y = 3\ntable = {'speed': speed}\ntable.save('01_demo')"),
    ("code", "ratio = 4\nratio"),
    ("markdown", "## Next section\n"),
    ("code", "later = 5\nprint(later)"),
]


def test_a_planted_bad_link_fails(tmp_path):
    _write_notebook(tmp_path / "01_demo.ipynb", DEMO)
    good = bank.Evidence("01_demo.ipynb", "Real heading", "01_demo")  # saved in a subsection
    assert good.problem(tmp_path) is None
    assert bank.Evidence("01_demo.ipynb", "Real heading", "ratio").problem(tmp_path) is None
    assert bank.Evidence("01_demo.ipynb", "A subsection", "table").problem(tmp_path) is None
    planted = {
        "no heading 'Gone'": ("Gone", "x"),
        "no heading 'not a heading'": ("not a heading", "x"),  # inside a code fence
        "no code cell in the section prints": ("Real heading", "speed"),  # only asserted
        "prints, displays, saves or plots 'later'": ("Real heading", "later"),  # next section
        "or plots 'spee'": ("Real heading", "spee"),  # part of a word is not the word
    }
    for message, (heading, shows) in planted.items():
        problem = bank.Evidence("01_demo.ipynb", heading, shows).problem(tmp_path)
        assert problem is not None and message in problem, (heading, shows, problem)
    assert "does not exist" in bank.Evidence("09_none.ipynb", "Real heading", "x").problem(tmp_path)
    assert notebook_sections.notebook_headings(tmp_path / "01_demo.ipynb") == {
        "01 — Demo", "Real heading", "A subsection", "Next section"}


def test_a_planted_bad_link_in_the_real_bank_fails():
    link = BANK.get("kv-cache-size").evidence[0]
    moved = bank.Evidence(link.notebook, "Tokens per image", link.shows)
    assert link.problem() is None and "kv_per_token" in moved.problem()


def _entry(raw, question_id):
    return next(entry for entry in raw["questions"] if entry["id"] == question_id)


def _set(raw, question_id, field, value):
    _entry(raw, question_id)[field] = value


def _drop(raw, question_id, field):
    del _entry(raw, question_id)[field]


MALFORMED = [  # (what is wrong, change to the good bank, words the error must contain)
    ("missing Chinese answer", lambda r: _entry(r, "kv-cache")["answer"].pop("zh"),
     ["question 'kv-cache'", "'answer'", "both languages"]),
    ("English in the Chinese field", lambda r: _entry(r, "kv-cache")["answer"].update(zh="cache"),
     ["question 'kv-cache'", "'answer.zh'", "Chinese"]),
    ("empty question text", lambda r: _entry(r, "maskgit")["question"].update(en="  "),
     ["question 'maskgit'", "'question.en'", "non-empty"]),
    ("unknown topic", lambda r: _set(r, "pruning", "topics", ["compression", "sparsity"]),
     ["question 'pruning'", "'topics'", "unknown topic 'sparsity'"]),
    ("bad difficulty", lambda r: _set(r, "roofline", "difficulty", "expert"),
     ["question 'roofline'", "'difficulty'", "expert"]),
    ("duplicate id", lambda r: _set(r, "batching", "id", "kv-cache"),
     ["question 'kv-cache'", "'id'", "duplicate"]),
    ("misspelt field", lambda r: _entry(r, "batching").update(anwser={"en": "x", "zh": "中"}),
     ["question 'batching'", "'anwser'", "unknown field"]),
    ("missing field", lambda r: _drop(r, "batching", "evidence"),
     ["question 'batching'", "'evidence'", "missing"]),
    ("no weak answers", lambda r: _set(r, "batching", "weak_answers", []),
     ["question 'batching'", "'weak_answers'", "non-empty list"]),
    ("weak answer without why", lambda r: _entry(r, "batching")["weak_answers"][0].pop("why"),
     ["question 'batching'", "'weak_answers[0]'"]),
    ("heading with #s", lambda r: _entry(r, "kv-cache")["evidence"][0].update(heading="### X"),
     ["question 'kv-cache'", "'evidence[0].heading'", "without the #s"]),
    ("evidence without what it shows", lambda r: _entry(r, "kv-cache")["evidence"][0].pop("shows"),
     ["question 'kv-cache'", "'evidence[0]'", "shows"]),
    ("evidence that shows nothing", lambda r: _entry(r, "kv-cache")["evidence"][0].update(
        shows=" "), ["question 'kv-cache'", "'evidence[0].shows'", "prints"]),
    ("notebook not a file name", lambda r: _entry(r, "kv-cache")["evidence"][0].update(
        notebook="notebooks/01.ipynb"), ["question 'kv-cache'", "'evidence[0].notebook'"]),
    ("seed question without critique", lambda r: _drop(r, "seed-why-slow", "critique"),
     ["question 'seed-why-slow'", "'critique'", "missing"]),
    ("article summary on a non-seed question", lambda r: _set(
        r, "kv-cache", "article_says", {"en": "x", "zh": "中"}),
     ["question 'kv-cache'", "'article_says'", "only questions tagged 'article'"]),
    ("entry without an id", lambda r: _drop(r, "roofline", "id"), ["'id'", "None"]),
    ("topic tag that is not a tag", lambda r: r["topics"].update({"Bad Tag": {"en": "x",
                                                                              "zh": "中"}}),
     ["top level", "'topics.Bad Tag'"]),
]


@pytest.mark.parametrize("what, change, words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_entry_is_reported_with_its_id_and_field(tmp_path, what, change, words):
    raw = copy.deepcopy(RAW)
    change(raw)
    path = tmp_path / "questions.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(BankError) as caught:
        load_bank(path)
    message = str(caught.value)
    for word in words:
        assert word in message, f"{what}: {word!r} not in\n{message}"


def test_an_entry_without_an_id_is_named_by_its_position(tmp_path):
    raw = copy.deepcopy(RAW)
    position = next(i for i, e in enumerate(raw["questions"], 1) if e["id"] == "roofline")
    _drop(raw, "roofline", "id")
    with pytest.raises(BankError, match=rf"question #{position}: field 'id'"):
        parse_bank(raw)


def test_every_problem_is_reported_at_once():
    raw = copy.deepcopy(RAW)
    _set(raw, "roofline", "difficulty", "expert")
    _entry(raw, "maskgit")["answer"].pop("en")
    with pytest.raises(BankError) as caught:
        parse_bank(raw)
    assert len(caught.value.problems) == 2
    assert "'roofline'" in caught.value.problems[0] and "'maskgit'" in caught.value.problems[1]


def test_a_file_that_is_not_yaml_or_not_a_bank_is_refused(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("questions: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(BankError, match="not valid YAML"):
        load_bank(broken)
    with pytest.raises(BankError, match="expected the keys 'topics' and 'questions'"):
        parse_bank({"questions": []})


def test_select_filters_and_orders_by_seed():
    hard = BANK.select(difficulty="hard")
    assert hard and all(q.difficulty == "hard" for q in hard)
    decoding = BANK.select(topic="decoding", count=4, seed=5)
    assert len(decoding) == 4 and all("decoding" in q.topics for q in decoding)
    assert BANK.select(count=10, seed=5) == BANK.select(count=10, seed=5)
    assert [q.id for q in BANK.select(seed=1)] != [q.id for q in BANK.select(seed=2)]
    assert sorted(q.id for q in BANK.select(seed=3)) == sorted(q.id for q in BANK)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"topic": "nope"}, ValueError, "topic: expected one of 'article', 'llm-basics'"),
    ({"difficulty": "expert"}, ValueError,
     "difficulty: expected one of 'easy', 'medium', 'hard', got 'expert'"),
    ({"count": 0}, ValueError, "count: expected an integer >= 1, got 0"),
    ({"count": -2}, ValueError, "got -2"),
    ({"count": "3"}, TypeError, "count: expected an integer >= 1, got '3' (str)"),
    ({"count": 2.0}, TypeError, "count: expected an integer"),
    ({"seed": "1"}, TypeError, "seed: expected an integer, got '1' (str)"),
])
def test_select_refuses_bad_options(kwargs, error, message):
    with pytest.raises(error, match=re.escape(message)):
        BANK.select(**kwargs)


def test_a_text_in_an_unknown_language_is_refused():
    assert BANK.get("kv-cache").answer.get("zh") != BANK.get("kv-cache").answer.get("en")
    with pytest.raises(ValueError, match=re.escape("lang: expected one of 'en', 'zh', got 'fr'")):
        BANK.get("kv-cache").answer.get("fr")
    with pytest.raises(KeyError, match="question_id: no question 'nope'"):
        BANK.get("nope")


def test_the_notebook_folder_is_where_evidence_is_looked_up():
    assert (config.NOTEBOOKS_DIR / "03_mnist_keras.ipynb").is_file()
    assert "The input pipeline on its own" in notebook_sections.notebook_headings(
        config.NOTEBOOKS_DIR / "03_mnist_keras.ipynb")


def test_what_a_cell_shows():
    shows = notebook_sections.shows
    assert shows("print(f'{ratio:.1f}x faster')", "ratio")
    assert shows("table = make()\ntable", "table"), "a cell's last expression is displayed"
    assert shows("%time x = 1\nresult.save('05_ladder')", "05_ladder"), "magics are skipped"
    assert shows("display(kv.style)", "kv")
    assert not shows("table = make()\nassert table", "table"), "an assert shows nothing"
    assert not shows("table = make();", "table")
    assert not shows("print(tables)", "table"), "a longer name is another name"
    assert not shows("print(", "x"), "a cell that does not parse shows nothing"
