"""End to end in a real browser: the diagnosis-coding notebook in JupyterLab and the module
page in Voila (`rcmlab app`), answered wrongly then rightly through the widgets.

Debian's /usr/bin/chromium driven by Playwright (headless, no sandbox, no background
networking, every non-loopback request blocked). Each server gets its own HOME, Jupyter
dirs, data dir and a copy of notebooks/, so nothing is written to the repo or the user's
home. Servers and their kernels are ended (psutil) even when a test fails.

Skipped only when /usr/bin/chromium is missing and RCMLAB_REQUIRE_BROWSER is not "1"
(CI sets it, so there a missing browser fails). RCMLAB_SCREENSHOTS=1 also copies the
screenshots to docs/images/.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from exercises.load import load

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MODULE = "02-diagnosis-coding"
EXERCISE = ROOT / "exercises" / "bank" / MODULE / "dx-diabetes-ckd-001.yaml"
WRONG = ["N18.31"]  # the CKD stage alone: the diabetes combination code must come first
RIGHT = ["E11.22", "N18.31", "Z79.84"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

pytestmark = pytest.mark.slow


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} not found (install Debian's chromium: apt-get install -y chromium)"
    if os.environ.get("RCMLAB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"RCMLAB_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _private_env(base: Path) -> dict[str, str]:
    """HOME, Jupyter dirs, IPython dir, TMPDIR and rcmlab's data dir under ``base``."""
    env = dict(os.environ)
    dirs = {
        "HOME": "home",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "IPYTHONDIR": "ipython",
        "TMPDIR": "tmp",
        "RCMLAB_DATA_DIR": "rcmlab-data",
    }
    for var, name in dirs.items():
        (base / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(base / name)
    (base / "jupyter-config" / "jupyter_server_config.json").write_text(
        json.dumps({"LanguageServerManager": {"autodetect": False}})
    )
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _copy_notebooks(base: Path) -> Path:
    dest = base / "notebooks"
    shutil.copytree(ROOT / "notebooks", dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return dest


def _wait_http(url: str, headers: dict[str, str], proc: subprocess.Popen, limit: float) -> None:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with status {proc.returncode} before {url}")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=2):
                return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"{url} did not answer within {limit:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    """End the server, then every process it started (kernels run in their own groups)."""
    import psutil

    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    for child in family:
        try:
            child.terminate()
        except psutil.NoSuchProcess:
            continue
    _, alive = psutil.wait_procs(family, timeout=5)
    for child in alive:
        child.kill()


def _start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen:
    out = log.open("wb")
    return subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false"},
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
}


def lab_command(base: Path, nbdir: Path, port: int, token: str) -> list[str]:
    """The JupyterLab command for a test server on ``nbdir`` (a copy of notebooks/): loopback
    only, token login, no news or update checks, no autosave, the app exposed to the page
    for kernel waits, settings and workspaces under ``base`` (the recipe's facts)."""
    settings = base / "lab-settings"
    for plugin, values in LAB_SETTINGS.items():
        f = settings / f"{plugin}.jupyterlab-settings"
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(values))
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={nbdir}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'lab-workspaces'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd


@pytest.fixture()
def browser() -> Iterator:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser, zoom: float = 1.0):
    """A fresh context and page: a 1400x1000 window showing the page at ``zoom`` (like the
    browser's zoom: 0.8 fits 1750x1250 CSS pixels), every non-loopback request refused."""
    context = browser.new_context(
        viewport={"width": round(1400 / zoom), "height": round(1000 / zoom)},
        device_scale_factor=zoom,
    )

    def only_loopback(route) -> None:
        host = urlparse(route.request.url).hostname or ""
        if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_loopback)
    context.set_default_timeout(120_000)  # a loaded 2-core machine
    return context.new_page()


def _screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("RCMLAB_SCREENSHOTS") == "1":
        images = ROOT / "docs" / "images"
        images.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, images / name)
    return shot


def _answer(scope, codes: list[str]) -> None:
    """Type the diagnoses into the pickers (adding rows as needed) and press Check."""
    for n, code in enumerate(codes, start=1):
        field = scope.get_by_label(f"Diagnosis {n}:", exact=True)
        if field.count() == 0:
            scope.get_by_role("button", name="Add diagnosis").click()
            field.wait_for()
        field.fill(code)
        field.press("Enter")
        scope.locator(".rcm-code-info").nth(n - 1).get_by_text(code, exact=False).wait_for()
    scope.get_by_role("button", name="Check", exact=True).click()


def _feedback(scope):
    return scope.locator(".rcm-feedback")


def _pick_exercise(scope, title: str) -> None:
    """Choose the exercise in the module's dropdown (labels use no-break spaces)."""
    select = scope.locator(".rcm-module select").first
    labels = [o.replace("\xa0", " ") for o in select.locator("option").all_inner_texts()]
    index = next(i for i, o in enumerate(labels) if o.endswith(f". {title}"))
    select.select_option(index=index)
    scope.locator(".rcm-exercise h3", has_text=title).wait_for()


def test_lab_diagnosis_notebook(browser, tmp_path):
    exercise = load(EXERCISE)
    env = _private_env(tmp_path)
    nbdir = _copy_notebooks(tmp_path)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = lab_command(tmp_path, nbdir, port, token)
    base = f"http://127.0.0.1:{port}"
    proc = _start(cmd, env, nbdir, tmp_path / "lab.log")
    try:
        _wait_http(f"{base}/api/status", {"Authorization": f"token {token}"}, proc, 60)
        page = _page(browser)
        page.goto(f"{base}/lab/tree/{MODULE}.ipynb?token={token}")
        # 1. the kernel is really ready (not just the toolbar's "idle")
        page.wait_for_function(
            """() => { const s = window.jupyterapp?.shell?.currentWidget?.sessionContext;
                       const k = s?.session?.kernel;
                       return s?.isReady && k?.status === 'idle'
                              && k?.connectionStatus === 'connected'; }"""
        )
        # 2. Run All from the Run menu
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
        nb = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
        nb.get_by_role("button", name="Check", exact=True).wait_for()
        _pick_exercise(nb, exercise.title)
        # 3. a wrong answer: feedback with a score, not "Correct"
        _answer(nb, WRONG)
        fb = _feedback(nb)
        fb.get_by_text("Score", exact=False).wait_for()
        assert fb.get_by_text("Correct", exact=True).count() == 0
        assert "✗" in fb.inner_text()
        # 4. the right answer: "Correct"
        nb.get_by_label("Diagnosis 1:", exact=True).fill("")
        _answer(nb, RIGHT)
        fb.get_by_text("Correct", exact=True).wait_for()
        page.wait_for_function(
            "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
            " === 'idle'"
        )
        fb.scroll_into_view_if_needed()
        _screenshot(page, tmp_path, "lab-diagnosis-coding.png")
        # 5. the answers were recorded in the test's own data dir
        assert (tmp_path / "rcmlab-data" / "progress.sqlite").exists()
        req = urllib.request.Request(
            f"{base}/api/sessions", headers={"Authorization": f"token {token}"}
        )
        with urllib.request.urlopen(req, timeout=5) as r:
            for s in json.load(r):
                urllib.request.urlopen(
                    urllib.request.Request(
                        f"{base}/api/sessions/{s['id']}",
                        method="DELETE",
                        headers={"Authorization": f"token {token}"},
                    ),
                    timeout=10,
                ).close()
    finally:
        _stop(proc)


def test_voila_app_module_page(browser, tmp_path):
    exercise = load(EXERCISE)
    env = _private_env(tmp_path)
    nbdir = _copy_notebooks(tmp_path)
    env["RCMLAB_NOTEBOOKS"] = str(nbdir)
    port = _free_port()
    cmd = [sys.executable, "-m", "rcmlab", "app", "--no-browser", f"--port={port}"]
    base = f"http://127.0.0.1:{port}"
    proc = _start(cmd, env, tmp_path, tmp_path / "voila.log")
    try:
        _wait_http(f"{base}/voila/static/extension.js", {}, proc, 60)
        page = _page(browser)
        page.goto(f"{base}/voila/render/{MODULE}.ipynb")
        page.get_by_role("button", name="Check", exact=True).wait_for()
        assert "module_page(" not in page.content()  # the code cells are stripped
        _pick_exercise(page, exercise.title)
        _answer(page, WRONG)
        _feedback(page).get_by_text("Score", exact=False).wait_for()
        page.get_by_label("Diagnosis 1:", exact=True).fill("")
        _answer(page, RIGHT)
        _feedback(page).get_by_text("Correct", exact=True).wait_for()
        _feedback(page).scroll_into_view_if_needed()
        _screenshot(page, tmp_path, "voila-diagnosis-coding.png")
    finally:
        _stop(proc)
