"""Every public 835 sample that pyx12 accepts posts to a ledger without error (its money,
matching no claim of ours, goes to suspense and the ERA still balances); the broken ones
are refused with one line and leave no ledger behind (issue 5, "Proof")."""

from __future__ import annotations

from pathlib import Path

import pytest

from rcmlab.cli import main
from sim.ledger import Ledger
from sim.x12.p835 import read_835
from sim.x12.validate import validate

SAMPLES = sorted(
    p
    for p in (Path(__file__).resolve().parents[1] / "data" / "x12" / "835").rglob("*")
    if p.is_file() and not p.name.startswith("LICENSE")
)


def _accepted(path: Path) -> bool:
    return validate(path.read_bytes().decode("latin-1"), name=path.name).ok


def test_there_are_public_samples_both_ways():
    verdicts = [_accepted(p) for p in SAMPLES]
    assert sum(verdicts) >= 8 and not all(verdicts)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_public_era_posts_or_is_refused_in_one_line(path, tmp_path, capsys):
    db = tmp_path / "ledger.sqlite"
    rc = main(["ledger", "post", str(path), "--ledger", str(db)])
    err = capsys.readouterr().err
    if _accepted(path):
        assert rc == 0, err
        with Ledger(db) as led:
            assert led.check_invariants() == []
            posted = read_835(path.read_bytes().decode("latin-1"))
            assert led.summary()["remittances"] == len(posted)
            # nothing matched our claims: every dollar of the payments sits in suspense (or is
            # interest), none is lost
            summary = led.summary()
            assert summary["payments"] == 0
            total = sum((r.total_paid for r in posted), start=0)
            assert summary["suspense"] + summary["interest"] == total
        # the same ERA twice is refused and duplicates nothing
        assert main(["ledger", "post", str(path), "--ledger", str(db)]) == 2
        assert "already posted" in capsys.readouterr().err
    elif rc != 0:
        assert rc == 2
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert err.startswith("rcmlab: ")
