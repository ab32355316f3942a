"""Screenshots of the learner path in a real headless browser, for the README and docs.

Usage (from the repository root; needs Debian's /usr/bin/chromium and Playwright)::

    python docs/make_screenshots.py [--out docs/images] [--only NAME ...]

One JupyterLab server on a private copy of notebooks/ (its own HOME, Jupyter dirs and
RCMLAB_DATA_DIR under a temporary directory, so nothing is written to the repo or the
user's home), driven by Playwright with every non-loopback request blocked. For each
shot, in order: open the notebook, wait for a really ready kernel, Run All, work the
widget as a learner would, then screenshot the widget (cropped, PNG). The server and
every kernel it started are ended (psutil) even on failure.

Shots (file names under --out):

1. module-02-diagnosis-coding.png: notebook 02, an exercise answered wrongly then
   rightly; the "Correct" feedback and its rationale.
2. module-08-denials.png: notebook 08, the denial work queue with one decision checked.
3. capstone-kpis.png: notebook 11, "Run a month at the practice", the KPI cards and charts.
4. eob-viewer.png: notebook 07, the EOB viewer.

The browser and server helpers are imported from tests/e2e/test_browser.py so the
screenshots and the end-to-end test start Lab the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.e2e.test_browser import (  # noqa: E402  (needs ROOT on sys.path first)
    ARGS,
    CHROMIUM,
    EXERCISE,
    RIGHT,
    WRONG,
    _answer,
    _copy_notebooks,
    _feedback,
    _free_port,
    _page,
    _pick_exercise,
    _private_env,
    _start,
    _stop,
    _wait_http,
    lab_command,
)

MAX_BYTES = 400_000  # keep every PNG small enough for a README
PAD = 12  # pixels of page around a cropped widget
SCROLLER = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer"  # notebook scroller

KERNEL_READY = """() => { const s = window.jupyterapp?.shell?.currentWidget?.sessionContext;
    const k = s?.session?.kernel;
    return s?.isReady && k?.status === 'idle' && k?.connectionStatus === 'connected'; }"""
KERNEL_IDLE = (
    "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'"
)


class Lab:
    """A running JupyterLab server: base URL, token and the notebooks it serves."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def api(self, path: str, method: str = "GET") -> object:
        """Call the server's REST API; returns the decoded JSON (or None)."""
        req = urllib.request.Request(
            f"{self.base}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=15) as r:
            body = r.read()
        return json.loads(body) if body else None

    def end_sessions(self) -> None:
        """Shut down every kernel session, so the next notebook starts fresh."""
        for s in self.api("/api/sessions") or []:
            self.api(f"/api/sessions/{s['id']}", method="DELETE")


@contextmanager
def lab_server(tmp: Path) -> Iterator[Lab]:
    """Start JupyterLab on a copy of notebooks/ with private dirs under ``tmp``; stop it
    (and its kernels) on exit."""
    env = _private_env(tmp)
    nbdir = _copy_notebooks(tmp)
    port, token = _free_port(), secrets.token_hex(16)
    cmd = lab_command(tmp, nbdir, port, token)
    proc = _start(cmd, env, nbdir, tmp / "lab.log")
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_http(f"{base}/api/status", {"Authorization": f"token {token}"}, proc, 90)
        yield Lab(base, token)
    finally:
        _stop(proc)


def new_page(browser, zoom: float = 1.0):
    """A fresh page (the browser test's: loopback only, 1400x1000 window) at ``zoom``."""
    return _page(browser, zoom)


def open_and_run_all(page, lab: Lab, notebook: str):
    """Open ``notebook`` in Lab, wait for its kernel, Run All; returns the notebook panel."""
    page.goto(f"{lab.base}/lab/tree/{notebook}.ipynb?token={lab.token}")
    page.wait_for_function(KERNEL_READY)
    # the file browser takes ~250 px of a 1400 px window: give it to the notebook
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    return page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")


def settle(page) -> None:
    """Wait for the kernel to go idle and the page to finish painting."""
    page.wait_for_function(KERNEL_IDLE)
    page.wait_for_timeout(800)


def crop(page, element, path: Path, until=None) -> Path:
    """Screenshot ``element`` after scrolling it to the top of the notebook: from its top
    edge to its bottom (or to the bottom of ``until``, a locator inside it) plus a small
    margin, clipped to the notebook's visible area (no toolbar, no status bar)."""
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    box = element.bounding_box()
    area = page.locator(SCROLLER).bounding_box()
    if box is None or area is None:
        raise RuntimeError(f"{path.name}: the element to screenshot is not visible")
    end = until.bounding_box() if until is not None else box
    x = max(box["x"] - 4, area["x"])  # not into the cell's prompt column
    y = max(box["y"], area["y"])  # not into the previous output
    right = min(box["x"] + box["width"] + PAD, area["x"] + area["width"] - 16)  # scrollbar
    margin = PAD if until is None else 2  # not into what follows ``until``
    bottom = min(end["y"] + end["height"] + margin, area["y"] + area["height"])
    clip = {"x": x, "y": y, "width": right - x, "height": bottom - y}
    page.screenshot(path=str(path), type="png", clip=clip)
    return path


# -- the four shots, in the order the learner meets them --------------------------------


def shot_diagnosis(page, lab: Lab, path: Path) -> None:
    """Notebook 02: wrong answer, then right; the Correct feedback with its rationale."""
    from exercises.load import load

    exercise = load(EXERCISE)
    nb = open_and_run_all(page, lab, "02-diagnosis-coding")
    nb.get_by_role("button", name="Check", exact=True).wait_for()
    _pick_exercise(nb, exercise.title)
    _answer(nb, WRONG)
    fb = _feedback(nb)
    fb.get_by_text("Score", exact=False).wait_for()
    nb.get_by_label("Diagnosis 1:", exact=True).fill("")
    _answer(nb, RIGHT)
    fb.get_by_text("Correct", exact=True).wait_for()
    fb.locator("summary", has_text="Why").click()  # the rationale is in a <details>
    settle(page)
    crop(page, nb.locator(".rcm-exercise").first, path)


def shot_denials(page, lab: Lab, path: Path) -> None:
    """Notebook 08: the denial work queue; the first row fixed after a wrong first try
    (so it shows a tick), the second row left wrong (so it shows the rule's reason)."""
    nb = open_and_run_all(page, lab, "08-denials")
    queue = nb.locator(".rcm-work-queue").first
    check = queue.get_by_role("button", name="Check my decision")
    summary = queue.locator(".rcm-feedback")
    check.wait_for()
    selects = queue.locator("select")
    # 1. a first guess on rows 1 and 2, checked
    options = selects.first.locator("option").all_inner_texts()
    selects.nth(0).select_option(label=options[0])
    selects.nth(1).select_option(label=options[0])
    check.click()
    summary.get_by_text("decisions right", exact=False).wait_for()
    # 2. row 1 changed to the action the rule named, checked again
    verdict = queue.locator(".widget-gridbox > *").nth(7 * 2 - 1)  # row 1's Verdict cell
    wanted = re.search(r"the rule says (\S+?):", verdict.inner_text())
    if wanted:
        selects.nth(0).select_option(label=wanted.group(1))
        check.click()
        verdict.get_by_text("\u2713", exact=False).wait_for()
    settle(page)
    crop(page, queue, path)


def shot_capstone(page, lab: Lab, path: Path) -> None:
    """Notebook 11: run the month, then the KPI cards and the charts."""
    nb = open_and_run_all(page, lab, "11-capstone")
    cap = nb.locator(".rcm-capstone").first
    cap.get_by_role("button", name="Run a month at the practice").click()
    cap.locator(".rcm-kpi").first.wait_for(timeout=300_000)
    cap.locator("img").first.wait_for()
    settle(page)
    crop(page, cap, path, until=cap.locator("img").nth(1))


def shot_capstone_decisions(page, lab: Lab, path: Path) -> None:
    """Notebook 11: run the month, choose "appeal" for every denial in the work queue
    (a careless first try), finish the month, and show how it ends three ways."""
    nb = open_and_run_all(page, lab, "11-capstone")
    cap = nb.locator(".rcm-capstone").first
    cap.get_by_role("button", name="Run a month at the practice").click()
    cap.locator(".rcm-kpi").first.wait_for(timeout=300_000)
    queue = cap.locator(".rcm-work-queue").first
    queue.wait_for()
    selects = queue.locator("select")
    for i in range(selects.count()):
        selects.nth(i).select_option(label="appeal")
    cap.get_by_role("button", name="Finish the month with my decisions").click()
    outcome = cap.locator(".rcm-outcome").first
    outcome.get_by_text("your decisions", exact=False).wait_for(timeout=120_000)
    settle(page)
    crop(page, outcome, path)


def shot_eob(page, lab: Lab, path: Path) -> None:
    """Notebook 07: the EOB viewer for the first claim."""
    nb = open_and_run_all(page, lab, "07-adjudication")
    viewer = nb.locator(".rcm-eob-viewer").first
    viewer.locator(".rcm-eob table").first.wait_for()
    settle(page)
    crop(page, viewer, path)


# name -> (how to take it, page zoom); the capstone's charts are ~710 px wide each, so at
# 80 % two sit side by side under the KPI cards
SHOTS: dict[str, tuple[Callable, float]] = {
    "module-02-diagnosis-coding": (shot_diagnosis, 1.0),
    "module-08-denials": (shot_denials, 1.0),
    "capstone-kpis": (shot_capstone, 0.8),
    "eob-viewer": (shot_eob, 1.0),
    "capstone-decisions": (shot_capstone_decisions, 1.0),
}


def take_all(names: list[str], out: Path, tmp: Path) -> None:
    """Start Lab and the browser once, then take each named shot with a fresh page and a
    fresh kernel; a PNG replaces the one in ``out`` only when it is complete and small."""
    from playwright.sync_api import sync_playwright

    with lab_server(tmp) as lab, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for name, (take, zoom) in SHOTS.items():
                if name not in names:
                    continue
                started = time.monotonic()
                page = new_page(browser, zoom)
                path = tmp / f"{name}.png"
                try:
                    take(page, lab, path)
                except Exception as exc:  # Playwright timeouts, a missing element
                    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    raise ShotError(f"{name}: {first}") from exc
                page.context.close()
                lab.end_sessions()
                size = path.stat().st_size
                if size > MAX_BYTES:
                    raise ShotError(f"{name}.png is {size:,} bytes (limit {MAX_BYTES:,})")
                partial = out / f".{name}.png.part"
                shutil.copyfile(path, partial)
                os.replace(partial, out / f"{name}.png")  # never a half-written PNG
                took = time.monotonic() - started
                print(f"{out / name}.png  {size:,} bytes  {took:.0f} s")
        finally:
            browser.close()


class ShotError(Exception):
    """A screenshot could not be taken; the message is one line."""


def main(argv: list[str] | None = None) -> int:
    """Take the screenshots; returns the exit status (0 ok, 1 a shot failed, 2 no browser)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    parser.add_argument("--only", nargs="*", choices=sorted(SHOTS), default=sorted(SHOTS))
    args = parser.parse_args(argv)
    # 1. the browser must be there (Playwright's own download does not work offline)
    if not CHROMIUM.exists():
        print(f"make_screenshots: {CHROMIUM} not found (apt-get install -y chromium)")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    # 2. everything the server writes lives in a temporary directory
    with tempfile.TemporaryDirectory(prefix="rcmlab-shots-") as tmp:
        try:
            take_all(args.only, args.out, Path(tmp))
        except ShotError as exc:
            print(f"make_screenshots: {exc}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
