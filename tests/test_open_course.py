"""The README's "open the course" path: JupyterLab starts as course.py starts it, and serves
every notebook, on loopback only and behind a token, with the course's settings (no online news
prompt; the Chinese interface for ``--lang zh``)."""

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

import course
from course_lib import config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


@contextlib.contextmanager
def _start_lab(tmp_path, lang: str):
    """Start JupyterLab as course.py does (rooted at the English notebooks, which always exist),
    yield its base URL and token, stop it."""
    port, token = _free_port(), secrets.token_hex(16)
    command = course.lab_command(sys.executable, lang=lang, root=config.NOTEBOOKS_DIR, port=port,
                                 token=token, open_browser=False)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path), JUPYTER_CONFIG_DIR=str(tmp_path))
    log = open(tmp_path / "lab.log", "wb")
    process = subprocess.Popen(command, cwd=config.ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab exited early:\n{(tmp_path / 'lab.log').read_text()}")
            try:
                if _get(f"{base}/api/status?token={token}")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        else:
            pytest.fail(f"JupyterLab did not answer in 90 s:\n{(tmp_path / 'lab.log').read_text()}")
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    with _start_lab(tmp_path_factory.mktemp("lab"), "en") as server:
        yield server


def _setting(base: str, token: str, plugin: str) -> dict:
    """A plugin's settings as the interface sees them: the user's, else the (overridden) defaults."""
    status, body = _get(f"{base}/lab/api/settings/{plugin}?token={token}")
    assert status == 200
    answer = json.loads(body)
    user = answer.get("settings") or {}
    return {name: user.get(name, spec.get("default"))
            for name, spec in answer["schema"]["properties"].items()}


def test_lab_command_is_loopback_only_and_rooted_at_notebooks():
    command = course.lab_command("python", port=1234, token="t", open_browser=False)
    assert "--ServerApp.ip=127.0.0.1" in command
    assert f"--ServerApp.root_dir={config.NOTEBOOKS_DIR}" in command
    assert "--no-browser" in command and "--IdentityProvider.token=t" in command
    chinese = course.lab_command("python", lang="zh", open_browser=False)
    assert f"--ServerApp.root_dir={config.NOTEBOOKS_DIR / 'zh'}" in chinese


def test_lab_does_not_ask_to_fetch_news(lab_server):
    base, token = lab_server
    notification = _setting(base, token, "@jupyterlab/apputils-extension:notification")
    assert notification["fetchNews"] == "false" and notification["checkForUpdates"] is False
    assert _setting(base, token, "@jupyterlab/translation-extension:plugin")["locale"] == "default"


def test_lab_in_chinese_has_the_chinese_interface(tmp_path):
    with _start_lab(tmp_path, "zh") as (base, token):
        assert _setting(base, token, "@jupyterlab/translation-extension:plugin")["locale"] == "zh_CN"
        assert _setting(base, token, "@jupyterlab/apputils-extension:notification")[
            "fetchNews"] == "false"
        pytest.importorskip("jupyterlab_language_pack_zh_CN",
                            reason="the language pack is installed with requirements.txt")
        status, body = _get(f"{base}/lab/api/translations/zh_CN?token={token}")
        assert status == 200 and json.loads(body)["data"], "no Chinese strings served"


def test_lab_serves_the_page_and_lists_every_notebook(lab_server):
    base, token = lab_server
    status, page = _get(f"{base}/lab?token={token}")
    assert status == 200 and b"JupyterLab" in page
    status, body = _get(f"{base}/api/contents?token={token}")
    assert status == 200
    served = {item["name"] for item in json.loads(body)["content"] if item["type"] == "notebook"}
    on_disk = {path.name for path in config.NOTEBOOKS_DIR.glob("*.ipynb")}
    assert on_disk and served == on_disk


def test_lab_refuses_requests_without_the_token(lab_server):
    base, _ = lab_server
    assert _get(f"{base}/api/contents")[0] in (401, 403)
