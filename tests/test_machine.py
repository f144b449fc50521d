"""The machine description and measured limits that every speed claim is printed next to."""

import math
import platform
import re

import pytest

from course_lib.measure import machine
from course_lib.measure.machine import MachineLimits, describe, info, measure_limits


def test_info_has_the_expected_keys_and_types():
    d = info()
    assert isinstance(d["cpu_model"], str) and d["cpu_model"]
    assert 1 <= d["physical_cores"] <= d["logical_cores"]
    assert d["memory_gb"] > 0
    assert d["python"] == platform.python_version()
    assert all(isinstance(d[key], str) for key in ["os", "numpy", "device"])
    assert d["device"] == "CPU" or d["device"].startswith("GPU: ")
    if machine._tensorflow() is not None:
        assert d["tensorflow"] and d["keras"]


def test_info_is_cached_but_callers_cannot_spoil_the_cache():
    info()["cpu_model"] = "spoiled"
    assert info()["cpu_model"] != "spoiled"


def test_describe_is_one_line():
    line = describe()
    assert "\n" not in line and f"Python {platform.python_version()}" in line


def test_describe_a_saved_machine_with_missing_keys():
    other = {"cpu_model": "Apple M2", "physical_cores": 4, "logical_cores": 8, "memory_gb": 16.0,
             "os": "macOS-14.1-arm64-arm-64bit", "python": "3.12.1", "device": "CPU"}
    assert describe(other) == "Apple M2, 4 cores/8 threads, 16 GB, macOS, Python 3.12.1, CPU"


def test_measure_limits_quick_is_positive_finite_and_cached():
    limits = measure_limits(quick=True)
    assert math.isfinite(limits.matmul_gflops) and limits.matmul_gflops > 0
    assert math.isfinite(limits.bandwidth_gbs) and limits.bandwidth_gbs > 0
    assert measure_limits(quick=True) is limits
    assert re.fullmatch(r"Peak float32 matmul: [\d,.]+ GFLOP/s \((NumPy|TensorFlow)\); "
                        r"memory bandwidth: [\d,.]+ GB/s \(copy\)", str(limits))
    assert str(limits) in limits._repr_html_()


def test_measure_limits_counts_flops_and_bytes_honestly():
    limits = measure_limits(quick=True)
    d = limits.details
    assert d["matmul_n"] == 1024 and d["copy_mib"] == 64
    assert d["matmul_s"][d["engine"]] == min(d["matmul_s"].values())  # the faster engine counts
    assert limits.matmul_gflops == pytest.approx(2 * 1024**3 / d["matmul_s"][d["engine"]] / 1e9)
    assert limits.bandwidth_gbs == pytest.approx(2 * 64 * 2**20 / d["copy_s"] / 1e9)


def test_share_arithmetic():
    limits = MachineLimits(matmul_gflops=100, bandwidth_gbs=10)
    assert limits.share_of_compute(25e9) == pytest.approx(0.25)
    assert limits.share_of_bandwidth(20e9) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="flops_per_s"):
        limits.share_of_compute(-1)
    with pytest.raises(TypeError, match="bytes_per_s"):
        limits.share_of_bandwidth("fast")


def test_measure_limits_rejects_a_non_bool_mode():
    with pytest.raises(TypeError, match="quick"):
        measure_limits(quick="yes")
