"""Shared test set-up.

The ICD-10-CM index is built once per machine (a few seconds) and cached; tests use the
normal cache so that repeated runs are fast. Tests that exercise the cache itself point
``RCMLAB_CACHE_DIR`` at a temporary folder.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Learner progress and ledgers that tests (and the notebooks' kernels, which inherit this
# environment) write go to a throwaway data dir, never into the user's own.
os.environ.setdefault("RCMLAB_DATA_DIR", tempfile.mkdtemp(prefix="rcmlab-test-data-"))

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    """A private, empty index cache for one test."""
    monkeypatch.setenv("RCMLAB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def shared_reference(name: str) -> Path | None:
    """A file of ../shared/reference/cms if this checkout has the shared folder beside it."""
    p = SHARED / "reference" / "cms" / name
    return p if p.exists() and not os.environ.get("RCMLAB_NO_SHARED") else None
