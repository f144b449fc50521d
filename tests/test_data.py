import ast
import json
import shutil

import numpy as np
import pytest

from course_lib import config
from course_lib.mnist import data


def test_mnist_has_the_keras_layout_and_canonical_content():
    (x_train, y_train), (x_test, y_test) = data.load_mnist()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert list(y_train[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(y_test[:10]) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert x_train.mean() == pytest.approx(33.3184, abs=1e-3)


def test_callers_get_copies_they_may_edit():
    (x_train, _), _ = data.load_mnist()
    x_train[0] = 255
    (fresh, _), _ = data.load_mnist()
    assert fresh[0].max() < 255 or fresh[0].min() == 0


def test_missing_file_names_the_file_and_how_to_restore(tmp_path):
    missing = tmp_path / "mnist.npz"
    with pytest.raises(data.DataFileError, match=r"mnist\.npz is missing.*git checkout"):
        data.load_mnist(missing)


def test_corrupted_file_is_refused_with_the_expected_hash(tmp_path):
    corrupted = tmp_path / "mnist.npz"
    shutil.copy(data.mnist_path(), corrupted)
    with open(corrupted, "r+b") as handle:
        handle.seek(1000)
        handle.write(b"\x00" * 16)
    with pytest.raises(data.DataFileError, match=data.MNIST_SHA256):
        data.load_mnist(corrupted)


def _calls_load_data(source: str) -> bool:
    tree = ast.parse(source)
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr == "load_data" for node in ast.walk(tree))


def test_the_download_detector_sees_a_call_but_not_a_mention():
    assert _calls_load_data("import keras\nkeras.datasets.mnist.load_data()")
    assert not _calls_load_data('"""keras.datasets.mnist.load_data() downloads."""')


def test_nothing_in_the_course_downloads_mnist():
    """keras.datasets.*.load_data() downloads: no course code may call it."""
    offenders = []
    for path in [*config.ROOT.glob("course_lib/**/*.py"), *config.ROOT.glob("benchmarks/*.py"),
                 *config.ROOT.glob("scripts/*.py"), config.ROOT / "course.py"]:
        if _calls_load_data(path.read_text(encoding="utf-8")):
            offenders.append(path.name)
    for path in config.ROOT.glob("notebooks/*.ipynb"):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        code = "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                         if cell["cell_type"] == "code")
        code = "\n".join(line for line in code.splitlines()
                         if not line.lstrip().startswith(("%", "!")))
        if _calls_load_data(code):
            offenders.append(path.name)
    assert not offenders, f"these files call keras.datasets.*.load_data(): {offenders}"
