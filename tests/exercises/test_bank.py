"""The whole bank (whatever files are there): loads, ids, catalog, keys, codes, MCQ rules."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from exercises import load
from exercises.check import CHECKERS

BANK_DIR = load.BANK
FILES = sorted(BANK_DIR.glob("*/*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_bank_file_is_valid(path: Path):
    ex = load.load(path)
    assert ex.id == path.stem, f"{path.name}: the id must equal the file name"
    assert path.parent.name == ex.module, f"{path.name}: filed under {path.parent.name}"
    assert ex.kind in CHECKERS
    load.validate_exercise(ex)  # catalog, codes, MCQ rules, key (and alternates) score 1.0


def test_ids_are_unique_across_the_bank():
    files = sorted(BANK_DIR.glob("*/*.yaml"))  # again: other authors add files meanwhile
    ids = Counter(load.load(p).id for p in files)
    assert [i for i, n in ids.items() if n > 1] == []
    assert set(load.bank()) >= set(ids)


def _counts() -> Counter[str]:
    return Counter(ex.kind for ex in load.bank().values())


def test_every_kind_has_hand_written_exercises():
    counts = _counts()
    print("bank by kind:", dict(sorted(counts.items())), "total", sum(counts.values()))
    assert counts["claim-form"] >= 5
    assert counts["eligibility"] >= 5
    assert counts["denial-analysis"] >= 6
    assert counts["payment-posting"] >= 5
    assert counts["appeal"] >= 5


def test_bank_size():
    """The issue's goal: >= 150 exercises, >= 120 of them multiple choice."""
    counts = _counts()
    assert sum(counts.values()) >= 150, dict(counts)
    assert counts["multiple-choice"] >= 120, dict(counts)
