"""The speed/quality comparison: every generator makes finished digits, is timed and judged
the same way, and a generator proven to draw the same tokens as another is not judged twice."""

import numpy as np
import pytest

from course_lib.generate import one_shot, quality, tiny_gpt, tradeoff
from course_lib.generate.image_tokens import Tokenizer

CODES = 24
BATCH = 2  # every call at one batch size, so each compiled sampler traces once


@pytest.fixture(scope="module")
def contenders():
    gpt = tiny_gpt.build(tiny_gpt.GPTConfig(codes=CODES, length=49, width=16, depth=1, heads=2,
                                            dropout=0.0), seed=0)
    bidirectional = tiny_gpt.build(tiny_gpt.GPTConfig(codes=CODES, length=49, width=16, depth=1,
                                                      heads=2, dropout=0.0, causal=False))
    tokenizer = Tokenizer(np.random.default_rng(0).random((CODES, 16), np.float32), 4)
    cvae = one_shot.build(one_shot.CVAEConfig(latent=4, width=8))
    return tradeoff.generators(gpt, bidirectional, tokenizer, cvae, maskgit_steps=(2, 4))


class OneDigitClassifier:
    """Calls everything a 3, and counts the images it was shown."""

    def __init__(self):
        self.seen = 0

    def predict(self, images, batch_size=None, verbose=0):
        self.seen += len(images)
        return np.eye(10, dtype=np.float32)[np.full(len(images), 3)]


def test_the_contenders_and_what_each_costs(contenders):
    assert list(contenders) == ["gpt_recompute_xla", "gpt_cached_xla", "maskgit_4", "maskgit_2",
                                "cvae"]
    assert [g.label for g in contenders.values()] == [
        "GPT, no cache, XLA loop", "GPT, KV cache, XLA loop", "MaskGIT, 4 passes",
        "MaskGIT, 2 passes", "cVAE decoder, 1 pass"]
    assert [g.passes for g in contenders.values()] == [49, 49, 4, 2, 1]
    flops = {key: g.flops_per_image for key, g in contenders.items()}
    assert flops["gpt_recompute_xla"] > 10 * flops["gpt_cached_xla"]
    assert flops["maskgit_4"] == 2 * flops["maskgit_2"]
    assert contenders["gpt_recompute_xla"].same_tokens_as == "gpt_cached_xla"


def test_every_generator_makes_finished_seeded_digits(contenders):
    for key, gen in contenders.items():
        images = gen.draw(np.array([1, 9]), seed=2)
        assert images.shape == (BATCH, 28, 28), key
        assert 0 <= images.min() and images.max() <= 1, key
        np.testing.assert_array_equal(gen.draw(np.array([1, 9]), seed=2), images)
    recompute, cached = (contenders[n].draw(np.array([4, 4]), seed=3)
                         for n in ("gpt_recompute_xla", "gpt_cached_xla"))
    np.testing.assert_array_equal(recompute, cached)


def test_timing_covers_every_generator_per_image(contenders):
    timing = tradeoff.time_generators(contenders, BATCH, repeats=1, warmup=0, progress=False)
    assert timing.names() == list(contenders) and timing.work == BATCH
    assert timing.baseline == tradeoff.BASELINE == "gpt_cached_xla"


def test_judging_scores_each_and_shares_the_score_of_identical_tokens(contenders):
    classifier = OneDigitClassifier()
    qualities = tradeoff.judge_generators(contenders, classifier, per_class=2, batch=BATCH)
    assert list(qualities) == list(contenders)
    assert classifier.seen == 20 * (len(contenders) - 1)  # the recompute GPT is not re-drawn
    assert qualities["gpt_recompute_xla"] is qualities["gpt_cached_xla"]
    for judged in qualities.values():
        assert judged.agreement == pytest.approx(0.1) and judged.images == 20
        assert judged.per_class[3] == 1.0 and judged.per_class[4] == 0.0


def test_table_and_chart(contenders):
    timings = {BATCH: tradeoff.time_generators(contenders, BATCH, repeats=1, warmup=0,
                                               progress=False)}
    qualities = tradeoff.judge_generators(contenders, OneDigitClassifier(), per_class=2,
                                          batch=BATCH)
    table = tradeoff.tradeoff_table(contenders, timings, qualities)
    assert list(table.index) == list(contenders)
    key = "maskgit_2"
    assert table.loc[key, "label"] == "MaskGIT, 2 passes"
    assert table.loc[key, "ms/image, batch 2"] == pytest.approx(
        timings[2].row(key).median_s / 2 * 1e3)
    assert table.loc[key, "images/s, batch 2"] == pytest.approx(
        2 / timings[2].row(key).median_s)
    assert table.loc[key, "sequential passes"] == 2
    formats = tradeoff.table_formats(table)
    assert formats["agreement"](0.1234) == "12.3%" and "ms/image, batch 2" in formats
    assert "%" in table.to_string(formatters=formats)
    figure = tradeoff.plot_tradeoff(table, real_diversity=0.3)
    assert len(figure.axes) == 2 and figure.axes[0].get_xscale() == "log"


def test_an_untimed_generator_shows_a_dash_not_nan():
    import pandas as pd

    table = pd.DataFrame({"ms/image, batch 1": [2.0, np.nan], "images/s, batch 1": [500, np.nan],
                          "share of peak compute": [0.012, np.nan], "agreement": [0.9, 0.8]},
                         index=["timed", "untimed"])
    formats = tradeoff.table_formats(table)
    for shown in (table.style.format(formats).to_html(), tradeoff.show_table(table).to_html()):
        assert "nan" not in shown.lower() and shown.count("–") == 3
        assert "1.2%" in shown and "80.0%" in shown


def test_the_shown_table_speaks_the_runs_language(monkeypatch):
    import pandas as pd

    table = pd.DataFrame({"label": ["GPT"], "ms/image, batch 64": [2.0], "agreement": [0.9]},
                         index=pd.Index(["gpt"], name="generator"))
    assert "ms/image, batch 64" in tradeoff.show_table(table).to_html()
    monkeypatch.setenv("COURSE_LANG", "zh")
    shown = tradeoff.show_table(table).to_html()
    assert "每张图像毫秒数，批大小 64" in shown and "一致率" in shown and "生成器" in shown
    assert "ms/image" not in shown and "90.0%" in shown
    assert list(table.columns) == ["label", "ms/image, batch 64", "agreement"]  # keys unchanged


def test_generate_checks_per_class_and_diversity_sees_copies():
    with pytest.raises(ValueError, match="per_class"):
        quality.generate(None, None, 0)
    with pytest.raises(TypeError, match="per_class"):
        quality.generate(None, None, 2.0)
    same = np.ones((20, 28, 28), np.float32)
    labels = np.repeat(np.arange(10), 2)
    assert quality.diversity(same, labels) == 0.0
    noisy = np.random.default_rng(0).random((20, 28, 28)).astype(np.float32)
    assert quality.diversity(noisy, labels) > 0.3
    assert np.isnan(quality.diversity(noisy[:10], np.arange(10)))  # no pairs


def test_card_qualities_read_each_generators_own_card():
    from course_lib import files
    from course_lib.generate import maskgit, one_shot, tiny_gpt

    found = {key: tradeoff.Generator(key, 1, 1, None, None, options=options)
             for key, options in (("gpt_cached_xla", {}), ("maskgit_8", {"steps": 8}),
                                  ("cvae", {}))}
    qualities = tradeoff.card_qualities(found)
    cards = [files.read_card(path)["quality_temperature_1"]
             for path in (tiny_gpt.MODEL_PATH, maskgit.MODEL_PATH, one_shot.MODEL_PATH)]
    assert qualities["gpt_cached_xla"].agreement == cards[0]["agreement"]
    assert qualities["maskgit_8"].agreement == cards[1]["8"]["agreement"]
    assert qualities["cvae"].per_class == cards[2]["per_class"]
