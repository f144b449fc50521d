import pytest

from course_lib.publish import environment


def test_this_environment_passes_its_own_check():
    checks = environment.check_environment()
    names = [c.name for c in checks]
    assert {"Python", "tensorflow", "keras", "numpy", "pillow", "device", "mode",
            "data/mnist.npz"} <= set(names)
    failing = [c for c in checks if not c.ok and c.name != "CPU cores"]
    assert not failing, failing


def test_a_wrong_version_is_flagged_with_advice(monkeypatch):
    monkeypatch.setattr(environment, "_version",
                        lambda package: "2.15.0" if package == "tensorflow" else "99")
    checks = {c.name: c for c in environment.check_environment()}
    assert not checks["tensorflow"].ok and "course.py" in checks["tensorflow"].advice


def test_table_shows_advice_only_where_it_matters():
    table = environment.environment_table([environment.Check("numpy", "2.4", True, "x"),
                                           environment.Check("keras", "missing", False, "fix")])
    assert table["advice"].tolist() == ["", "fix"]
    assert table["ok"].tolist() == ["yes", "NO"]


@pytest.mark.parametrize("gpus, value", [([], "CPU only"),
                                         (["NVIDIA H200"], "GPU (1): NVIDIA H200")])
def test_the_device_row_comes_from_the_one_gpu_probe(monkeypatch, gpus, value):
    from course_lib.measure import machine

    monkeypatch.setattr(machine, "gpu_names", lambda: gpus)
    device = {c.name: c for c in environment.check_environment()}["device"]
    assert device.ok and device.value == value
    assert ("no GPU" in device.advice) == (not gpus)
