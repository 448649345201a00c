"""A real JupyterLab server and a real headless Chromium for the browser tests.

The server runs from this environment on 127.0.0.1 (a free port, a random
token) over a temporary copy of ``notebooks/``, so running cells in the UI
never touches the stored notebooks. Chromium is Debian's (``/usr/bin/chromium``,
or ``AEGMM_CHROMIUM``), driven by Playwright for Python; no browser is
downloaded.

These tests are not part of ``make test``; ``make test-browser`` runs them
with ``AEGMM_BROWSER_TESTS=required``, which turns a missing Chromium or
Playwright into a failure instead of a skip.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# AEGMM_NOTEBOOK_DIR points the tests at another folder of notebooks (to try the test itself).
NOTEBOOK_DIR = Path(os.environ.get("AEGMM_NOTEBOOK_DIR", ROOT / "notebooks"))
SCREENSHOT_DIR = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("AEGMM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What `make lab` and `make notebooks` export: kernels started by the server inherit it.
KERNEL_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "TF_DETERMINISTIC_OPS": "1",
    "PYTHONHASHSEED": "0",
}
# JupyterLab user settings for the test session: every cell in the DOM (no
# virtual scrolling), no news or update pop-ups over the notebook.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
SERVER_START_TIMEOUT = 120  # seconds
BROWSER_RUN_BUDGET_S = 600

_timings = {}
_STARTED = time.perf_counter()


def _unavailable(reason):
    if os.environ.get("AEGMM_BROWSER_TESTS") == "required":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class LabServer:
    """A running JupyterLab: ``url``, ``token``, ``root`` (the notebooks' copy)."""

    def __init__(self, url, token, root):
        self.url, self.token, self.root = url, token, root

    def notebook_url(self, name):
        # ?reset: start from an empty workspace, whatever a previous test left open.
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.url}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shut_down_kernels(self):
        for kernel in self.api("kernels"):
            self.api(f"kernels/{kernel['id']}", method="DELETE")


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    shutil.copytree(NOTEBOOK_DIR, root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = base / "settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))

    port, token = _free_port(), secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",  # CI runs as root on a fresh machine
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        # The test reads the notebook model (outputs, tags) through the app object.
        "--LabApp.expose_app_in_browser=True",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    env = dict(os.environ, **KERNEL_ENVIRONMENT, JUPYTER_CONFIG_DIR=str(base / "config"))
    log_path = base / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=base)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    try:
        while not _answers(f"{url}/api/status?token={token}"):
            if server.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(errors="replace")[-3000:]
                pytest.fail(f"JupyterLab did not start on {url}:\n{log_tail}", pytrace=False)
            time.sleep(0.5)
        yield LabServer(url, token, root)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[browser]')")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir():
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def record_timing(request):
    """Call with the test's seconds, the Run All seconds and the control moved; the summary lists them."""

    def record(seconds, run_all_seconds, action=""):
        _timings[request.node.callspec.id] = (seconds, run_all_seconds, action)

    return record


def pytest_terminal_summary(terminalreporter, config):
    if not _timings:
        return
    total = time.perf_counter() - _STARTED
    terminalreporter.section("browser timings")
    for name, (seconds, run_all_seconds, action) in _timings.items():
        terminalreporter.write_line(
            f"{name}: Run All Cells {run_all_seconds:.1f} s, whole test {seconds:.1f} s; moved: {action}"
        )
    verdict = "within" if total <= BROWSER_RUN_BUDGET_S else "OVER"
    terminalreporter.write_line(
        f"whole browser run (collection to end): {total:.1f} s, {verdict} the "
        f"{BROWSER_RUN_BUDGET_S / 60:.0f}-minute budget (measured, not asserted)"
    )
