"""The house rules of course_lib, checked: layers point down, no cycles, short modules, and
``measure`` never loads TensorFlow. The contracts live in ``.importlinter`` (import-linter)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / "course_lib"
MAX_MODULE_LINES = 350


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """Run import-linter on the package in ``cwd`` with ``cwd/.importlinter``."""
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--config", ".importlinter", "--no-cache"], cwd=cwd,
                          capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"})


def test_every_import_layer_contract_is_kept():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout and "3 kept" in result.stdout


@pytest.mark.parametrize("importer, imported, broken", [
    ("measure/budgets.py", "course_lib.interview import bank", "point down only"),
    ("measure/budgets.py", "tensorflow", "never imports TensorFlow"),
    ("generate/image_tokens.py", "course_lib.generate import tradeoff", "No import cycles"),
])
def test_the_contracts_catch_an_upward_import_a_cycle_and_tensorflow(
        tmp_path, importer, imported, broken):
    """The contracts can fail: a copy of the package with one bad import breaks the right one."""
    shutil.copytree(LIB, tmp_path / "course_lib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    module = tmp_path / "course_lib" / importer
    statement = f"import {imported}" if " import " not in imported else f"from {imported}"
    module.write_text(module.read_text() + f"\n\ndef _bad():\n    {statement}\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    verdict = re.search(re.escape(broken) + r".*?(KEPT|BROKEN)", " ".join(result.stdout.split()))
    assert verdict and verdict.group(1) == "BROKEN", result.stdout[-2000:]


def test_no_module_is_over_the_line_limit():
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
               for path in LIB.rglob("*.py")}
    too_long = {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"split these modules (limit {MAX_MODULE_LINES} lines): {too_long}"


def test_every_subpackage_says_what_it_holds():
    for package in [LIB, *(p for p in LIB.iterdir() if (p / "__init__.py").exists())]:
        init = (package / "__init__.py").read_text(encoding="utf-8")
        assert init.lstrip().startswith('"""'), f"{package.name}/__init__.py needs a docstring"
        modules = sorted(p.stem for p in package.glob("*.py") if not p.stem.startswith("_"))
        if package.name == "exercises":
            continue  # one checker module and one solutions module per notebook, by convention
        missing = [m for m in modules if m not in init]
        assert not missing, f"{package.name}/__init__.py does not list {missing}"


def test_timing_numpy_code_never_loads_tensorflow():
    """``compare`` of two NumPy functions, its table and its machine line, in a fresh process."""
    script = textwrap.dedent("""
        import sys
        import numpy as np
        from course_lib.measure import compare, machine
        x = np.arange(1000.0)
        result = compare({"sum": lambda: x.sum(), "dot": lambda: x @ x}, repeats=2,
                         progress=False)
        print(result)
        print(machine.describe())
        loaded = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
        print("LOADED", loaded)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout, result.stdout
