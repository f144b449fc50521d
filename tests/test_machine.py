"""The machine description and measured limits that every speed claim is printed next to."""

import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from course_lib import config
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
    for value in (limits.matmul_gflops, limits.bandwidth_gbs, limits.copy_gbs):
        assert math.isfinite(value) and value > 0
    assert measure_limits(quick=True) is limits
    threads = limits.details["threads"]
    assert re.fullmatch(r"Peak float32 matmul: [\d,.]+ GFLOP/s \((NumPy|TensorFlow)\); "
                        r"memory read [\d,.]+ GB/s, copy [\d,.]+ GB/s "
                        rf"\(all cores, {threads} threads?\)", str(limits))
    assert str(limits) in limits._repr_html_()


def test_measure_limits_counts_flops_and_bytes_honestly():
    limits = measure_limits(quick=True)
    d = limits.details
    assert d["matmul_n"] == 1024
    assert d["matmul_s"][d["engine"]] == min(d["matmul_s"].values())  # the faster engine counts
    assert ("TensorFlow" in d["matmul_s"]) == ("tensorflow" in sys.modules)  # raced if loaded
    assert limits.matmul_gflops == pytest.approx(2 * 1024**3 / d["matmul_s"][d["engine"]] / 1e9)
    nbytes = d["array_mib"] * 2**20
    threads = d["threads"]
    # read counts each byte once, copy counts read + write; the headline figures are all-core
    assert limits.bandwidth_gbs == pytest.approx(nbytes / d["read_s"][threads] / 1e9)
    assert limits.copy_gbs == pytest.approx(2 * nbytes / d["copy_s"][threads] / 1e9)
    assert set(d["read_s"]) == set(d["copy_s"]) == {1, threads}  # one thread next to all
    for used, seconds in d["read_s"].items():
        assert d["read_gbs"][used] == pytest.approx(nbytes / seconds / 1e9)
        assert d["copy_gbs"][used] == pytest.approx(2 * nbytes / d["copy_s"][used] / 1e9)


def test_bandwidth_uses_every_usable_core_and_outgrows_the_cache():
    d = measure_limits(quick=True).details
    assert d["threads"] == machine.usable_cores() and 1 <= d["threads"] <= os.cpu_count()
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        assert d["threads"] == len(os.sched_getaffinity(0))
    cache = machine.last_level_cache_bytes()
    assert d["cache_bytes"] == cache
    assert d["array_mib"] * 2**20 >= 4 * (cache or machine.ASSUMED_CACHE_BYTES)
    assert d["array_mib"] >= 128


def test_last_level_cache_matches_lscpu_where_linux_reports_it():
    cache = machine.last_level_cache_bytes()
    if not os.path.isdir("/sys/devices/system/cpu/cpu0/cache"):
        assert cache is None
        return
    if shutil.which("lscpu") is None:
        pytest.skip("lscpu is not installed: nothing to compare with")
    out = subprocess.run(["lscpu", "-B"], capture_output=True, text=True).stdout
    sizes = dict(re.findall(r"^(L\d\w?) cache:\s+(\d+)", out, flags=re.M))
    top = max(sizes, key=lambda name: int(name[1]))  # L3 (or L2 on CPUs without one)
    assert cache == int(sizes[top])


def test_read_kernel_reads_every_element():
    values = np.arange(1000, dtype=np.float32)
    assert machine.read_kernel(values) == 999.0  # a maximum depends on every element
    values[123] = 5000
    assert machine.read_kernel(values) == 5000.0


def test_hardware_note_says_where_the_peak_comes_from():
    note = measure_limits(quick=True).details["hardware"]
    assert "theoretical peak" in note
    speeds = machine._dimm_speeds()
    assert ("MT/s (dmidecode)" in note) == bool(speeds)
    assert ("virtual machine" in note) == ("hypervisor" in machine.cpu_flags())


def test_share_arithmetic():
    limits = MachineLimits(matmul_gflops=100, bandwidth_gbs=10, copy_gbs=12)
    assert limits.share_of_compute(25e9) == pytest.approx(0.25)
    assert limits.share_of_bandwidth(20e9) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="flops_per_s"):
        limits.share_of_compute(-1)
    with pytest.raises(TypeError, match="bytes_per_s"):
        limits.share_of_bandwidth("fast")


@pytest.mark.parametrize("quick", ["yes", 1, 0.0])
def test_measure_limits_rejects_a_non_bool_mode(quick):
    with pytest.raises(TypeError, match="quick: expected True or False"):
        measure_limits(quick=quick)


def test_cpu_probe():
    flags = machine.cpu_flags()
    assert isinstance(flags, set) and all(isinstance(flag, str) for flag in flags)
    if platform.machine() in ("x86_64", "AMD64"):
        assert "sse2" in flags  # every x86-64 CPU has it, when the flags can be read at all
    assert machine.cpu_model() == info()["cpu_model"] and machine.cpu_model()


def test_stamp_adds_machine_versions_and_date_to_a_card():
    card = machine.stamp({"model": "tiny"})
    assert card["model"] == "tiny" and card["machine"] == describe()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", card["made"])
    assert set(card["versions"]) == {name for name in ("tensorflow", "keras")
                                     if name in sys.modules}
    with pytest.raises(TypeError, match="card"):
        machine.stamp(["model"])


def test_tensorflow_is_described_only_once_the_program_has_loaded_it():
    """In a fresh process: no TensorFlow in info or gpu_names, and asking does not load it;
    after ``import tensorflow``, the same calls report its version and devices."""
    script = textwrap.dedent("""
        import json, sys
        from course_lib.measure import machine
        before = {"info": machine.info(), "gpus": machine.gpu_names(),
                  "versions": machine.stamp({})["versions"],
                  "loaded": "tensorflow" in sys.modules}
        import tensorflow as tf
        after = {"info": machine.info(), "gpus": machine.gpu_names(),
                 "versions": machine.stamp({})["versions"], "tf": tf.__version__,
                 "visible": len(tf.config.list_physical_devices("GPU"))}
        print("JSON", json.dumps({"before": before, "after": after}))
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=config.ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    found = json.loads(out.stdout.split("JSON ", 1)[1])
    before, after = found["before"], found["after"]
    assert not before["loaded"] and before["gpus"] == [] and before["versions"] == {}
    assert "tensorflow" not in before["info"] and before["info"]["device"] == "CPU"
    assert after["info"]["tensorflow"] == after["tf"] == after["versions"]["tensorflow"]
    assert after["info"]["keras"] and len(after["gpus"]) == after["visible"]
    assert after["info"]["device"] == ("CPU" if not after["gpus"]
                                       else "GPU: " + ", ".join(after["gpus"]))


def test_hardware_note_reads_module_speeds_from_dmidecode(monkeypatch):
    table = ("Memory Device\n\tSize: 16 GB\n\tType: DDR4\n\tSpeed: 3200 MT/s\n"
             "\tConfigured Memory Speed: 3200 MT/s\n"
             "Memory Device\n\tSize: No Module Installed\n\tConfigured Memory Speed: Unknown\n"
             "Memory Device\n\tSize: 16 GB\n\tConfigured Clock Speed: 2933 MT/s\n")
    monkeypatch.setattr(machine.shutil, "which", lambda name: "/usr/sbin/dmidecode")
    monkeypatch.setattr(machine.subprocess, "run", lambda *args, **kwargs:
                        subprocess.CompletedProcess(args, 0, stdout=table, stderr=""))
    assert machine._dimm_speeds() == [3200, 2933]  # the empty slot is not a module
    note = machine.memory_hardware_note()
    # 3,200 MT/s x 8 bytes = 25.6 GB/s per channel; two modules on two channels at most 51 GB/s
    assert "2 memory module(s) at up to 3,200 MT/s" in note and "25.6 GB/s per channel" in note
    assert "at most 51 GB/s" in note and "theoretical peak" in note


def test_hardware_note_without_dmidecode_points_to_the_spec_sheet(monkeypatch):
    monkeypatch.setattr(machine.shutil, "which", lambda name: None)
    assert machine._dimm_speeds() == []
    assert "spec sheet" in machine.memory_hardware_note()
