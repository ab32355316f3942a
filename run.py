#!/usr/bin/env python3
"""Set up and run rcmlab from a fresh checkout: only Python 3.11+ is needed.

    python3 run.py lab     open the sandbox (JupyterLab on notebooks/00-start-here.ipynb)
    python3 run.py test    run the whole test suite (lint, format check, pytest + nbval)

Either command first creates ``.venv`` and installs rcmlab into it (``pip install -e
.[test]``) if that has not been done, or if ``pyproject.toml`` changed since. Extra
arguments are passed on (``python3 run.py test -k icd10cm``, ``python3 run.py lab
--no-browser``). Uses only the standard library.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".rcmlab-installed"


def _bin(name: str) -> Path:
    sub = "Scripts" if os.name == "nt" else "bin"
    exe = name + (".exe" if os.name == "nt" else "")
    return VENV / sub / exe


def _run(cmd: list[str | Path]) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT)


def ensure_venv() -> Path:
    """Create .venv and install the project into it when needed; return its python."""
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py itself may be started by an old Python
        sys.exit(f"rcmlab needs Python 3.11 or newer (this is {sys.version.split()[0]})")
    py = _bin("python")
    if not py.exists():
        print(f"creating {VENV.name} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != want:
        print(
            "installing rcmlab and its dependencies into .venv (first run takes a few minutes) ...",
            flush=True,
        )
        rc = _run([py, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        rc = rc or _run([py, "-m", "pip", "install", "--quiet", "-e", ".[test]"])
        if rc:
            sys.exit(f"installation failed (pip exit status {rc})")
        STAMP.write_text(want)
    return py


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test"):
        print(__doc__)
        return 2
    py = ensure_venv()
    what, rest = argv[0], argv[1:]
    if what == "lab":
        return _run([py, "-m", "rcmlab", "lab", *rest])
    # The whole suite: lint and format check, then pytest (which also runs the notebooks
    # with nbval).
    rc = _run([py, "-m", "ruff", "check", "."])
    rc = rc or _run([py, "-m", "ruff", "format", "--check", "."])
    if rc:
        print("ruff found problems; fix: .venv/bin/ruff check --fix . && .venv/bin/ruff format .")
        return rc
    # Learner progress and ledgers written by the notebooks go to a throwaway data dir,
    # never into the user's own (RCMLAB_DATA_DIR is where rcmlab keeps them).
    with tempfile.TemporaryDirectory(prefix="rcmlab-test-data-") as data:
        os.environ.setdefault("RCMLAB_DATA_DIR", data)
        return _run([py, "-m", "pytest", "--nbval-lax", "tests", "notebooks", *rest])


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
