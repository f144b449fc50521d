"""Shared test set-up: a non-interactive plotting backend and results kept out of the repo."""

import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("COURSE_QUICK", "1")


@pytest.fixture(autouse=True)
def _results_in_tmp(tmp_path, monkeypatch):
    """Comparisons saved by tests land in a temporary folder, not in results/."""
    from course_lib import config
    monkeypatch.setattr(config, "RESULTS_DIR", tmp_path / "results")
