"""``rcmlab app``: the notebooks as an app without code (Voila), opening on the start page.

Voila serves the notebooks folder (its tree mode, default template, code cells stripped),
so the links between modules work; the browser opens ``00-start-here.ipynb`` once the
server answers.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
import urllib.request
import webbrowser

START = "00-start-here.ipynb"


def command(port: int) -> list[str]:
    """The Voila command line serving the notebooks folder on loopback ``port``."""
    from rcmlab.cli import _notebooks_dir

    return [
        sys.executable,
        "-m",
        "voila",
        str(_notebooks_dir()),
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        "--template=lab",
        "--strip_sources=True",
    ]


def start_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/voila/render/{START}"


def _open_when_ready(port: int, timeout: float = 60.0) -> None:
    """Open the start page in the browser as soon as Voila answers (it takes seconds)."""
    probe = f"http://127.0.0.1:{port}/voila/static/extension.js"
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(probe, timeout=2):
                break
        except OSError:
            time.sleep(0.5)
    webbrowser.open(start_url(port))


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the notebooks with Voila (Ctrl-C stops it)."""
    from rcmlab.cli import InputError, _notebooks_dir

    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {args.port}")
    start = _notebooks_dir() / START
    if not start.exists():
        raise InputError(f"{start}: start page not found (set RCMLAB_NOTEBOOKS to the notebooks)")
    cmd = command(args.port)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print(f"rcmlab app: {start_url(args.port)} (Ctrl-C to stop)", flush=True)
    from codesets import icd10cm

    icd10cm.load()  # build the ICD-10-CM index now, not in the first page's kernel
    if not args.no_browser:
        threading.Thread(target=_open_when_ready, args=(args.port,), daemon=True).start()
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 130


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``rcmlab app [--port] [--no-browser] [--dry-run]``."""
    app = sub.add_parser("app", help="the notebooks as an app without code (Voila)")
    app.add_argument("--port", type=int, default=8866)
    app.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    app.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
    app.set_defaults(func=cmd_app)
