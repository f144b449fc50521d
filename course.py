#!/usr/bin/env python3
"""Set up the course and run it: the only entry point a learner needs.

    python3 course.py lab     # create/refresh .venv if needed, open JupyterLab on notebooks/
    python3 course.py test    # the same set-up, then every test (notebooks included, quick mode)
    python3 course.py book    # execute every notebook into HTML pages in build/book (--quick)
    python3 course.py slides  # the same as reveal.js slide decks in build/slides (--quick)

``--lang zh`` does each in Chinese: lab builds the Chinese notebooks into notebooks/zh/ and opens
them with JupyterLab's interface in Chinese; book and slides render them into build/*/zh.

Uses only the standard library, so it runs on a bare Python 3.10+ before anything is installed.
A second run is quick: packages are reinstalled only when requirements*.txt or pyproject.toml
change (their hash is stamped into the venv).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("COURSE_VENV", ROOT / ".venv"))
STAMP = VENV / ".course-installed"
INPUTS = ("requirements.txt", "requirements-lock.txt", "pyproject.toml")
MIN_PYTHON = (3, 10)
LANGS = ("en", "zh")  # course_lib.i18n.language.LANGS (this script runs before it is installed)


def venv_python() -> Path:
    """The venv's interpreter (Scripts\\python.exe on Windows)."""
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def requirements_hash(gpu: bool) -> str:
    digest = hashlib.sha256(f"gpu={gpu}\n".encode())
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_environment(gpu: bool = False) -> Path:
    """Create the venv if missing and install the pinned packages if they changed."""
    if sys.version_info < MIN_PYTHON:
        sys.exit(f"course.py: Python {'.'.join(map(str, MIN_PYTHON))}+ is needed, "
                 f"this is {sys.version.split()[0]}.")
    python = venv_python()
    if not python.exists():
        print(f"course.py: creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = requirements_hash(gpu)
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return python
    print("course.py: installing the course's pinned packages (first run: a few minutes) ...",
          flush=True)
    tensorflow = ["tensorflow[and-cuda]==2.21.0"] if gpu else []
    pip = [str(python), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.run(pip + ["-r", str(ROOT / "requirements.txt"),
                          "-c", str(ROOT / "requirements-lock.txt"), *tensorflow,
                          "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted + "\n")
    return python


def notebooks_dir(lang: str) -> Path:
    """Where the course's notebooks in ``lang`` are: the sources, or the built translation."""
    return ROOT / "notebooks" if lang == "en" else ROOT / "notebooks" / lang


def translate_command(python: Path, lang: str) -> list[str]:
    """Build the ``lang`` notebooks from the English ones and translations/<lang>/."""
    return [str(python), "-m", "course_lib.publish.translation", "build", "--lang", lang]


def lab_command(python: Path, *, lang: str = "en", root: Path | None = None, port: int = 8888,
                token: str | None = None, open_browser: bool = True) -> list[str]:
    """The JupyterLab command line: loopback only, rooted at the notebooks in ``lang`` (or
    ``root``), with the course's settings for ``lang`` from jupyter/<lang>/overrides.json (no
    online news prompt; the Chinese interface for zh). Tests reuse this."""
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    command = [str(python), "-m", "jupyterlab",
               f"--ServerApp.root_dir={root or notebooks_dir(lang)}",
               f"--LabApp.app_settings_dir={ROOT / 'jupyter' / lang}",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}"]
    if token is not None:
        command.append(f"--IdentityProvider.token={token}")
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI machines run as root
        command.append("--allow-root")
    return command


def test_command(python: Path, extra: list[str]) -> list[str]:
    """Every test: unit tests and the notebooks (run top to bottom by nbval, quick mode)."""
    return [str(python), "-m", "pytest", *extra]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["lab", "test", "book", "slides", "setup"],
                        help="lab: open the course; test: run every test; book: render every "
                             "notebook to HTML in build/book; slides: reveal.js decks in build/slides; "
                             "setup: install only")
    parser.add_argument("--gpu", action="store_true",
                        help="install TensorFlow with its CUDA libraries (NVIDIA GPU, Linux)")
    parser.add_argument("--lang", choices=LANGS, default="en",
                        help="lab, book, slides: the course in this language (zh: Chinese)")
    parser.add_argument("--quick", action="store_true",
                        help="lab, book, slides: quick mode (smaller data, fewer epochs), e.g. for a lecture")
    parser.add_argument("--port", type=int, default=8888, help="lab: the port (default 8888)")
    parser.add_argument("--no-browser", action="store_true", help="lab: do not open a browser")
    args, extra = parser.parse_known_args(argv)

    python = ensure_environment(gpu=args.gpu)
    env = dict(os.environ)
    if args.command == "setup":
        return 0
    if args.quick:
        env["COURSE_QUICK"] = "1"
    if args.command == "test":
        env["COURSE_QUICK"] = "1"
        env.setdefault("MPLBACKEND", "Agg")
        return subprocess.call(test_command(python, extra), cwd=ROOT, env=env)
    env["COURSE_LANG"] = args.lang  # the kernels inherit it
    if args.command in ("book", "slides"):
        flags = (["--quick"] if args.quick else []) + (["--slides"] if args.command == "slides" else [])
        flags += ["--lang", args.lang] if args.lang != "en" else []
        return subprocess.call([str(python), "-m", "course_lib.publish.book", *flags, *extra],
                               cwd=ROOT, env=env)
    if args.lang != "en":
        built = subprocess.call(translate_command(python, args.lang), cwd=ROOT, env=env)
        if built != 0:
            return built
    return subprocess.call(lab_command(python, lang=args.lang, port=args.port,
                                       open_browser=not args.no_browser), cwd=ROOT, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
