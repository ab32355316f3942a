"""The clearinghouse front end and the simulator's claim output (837P, 999, findings)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from rcmlab.cli import main
from sim import claims as claims_mod
from sim.clearinghouse.frontend import submit
from sim.simulate import simulate
from sim.x12 import p837
from sim.x12.validate import validate


@pytest.fixture(scope="module")
def run():
    return simulate(21, 150)


def test_every_insured_encounter_is_claimed_and_files_pass_pyx12(run):
    insured = [e for e in run.encounters if e.primary_coverage_id]
    assert len(run.claims) == len(insured)
    assert {c.encounter_id for c in run.claims} == {e.id for e in insured}
    for sub in run.submissions:
        assert sub.report is not None and sub.report.ok, sub.report.text()
        assert sub.ack and "AK9*A" in sub.ack
        assert len(sub.claims) <= 500


def test_correct_keys_pass_the_scrubber(run):
    for e in run.encounters:
        c = claims_mod.for_encounter(run, e, billed=False)
        if c is None:
            continue
        sub = submit(
            [c], name="key", control=1, created=datetime(2026, 1, 9, 18), validate_x12=False
        )
        assert sub.rejected_claims() == set(), [f.message for f in sub.findings]


def test_a_broken_file_is_rejected_by_the_999(run):
    claim = run.claims[0]
    bad_line = replace(claim.lines[0], code="99213X")  # not a procedure code shape
    bad = replace(claim, lines=(bad_line, *claim.lines[1:]))
    sub = submit([bad], name="bad", control=7, created=datetime(2026, 1, 9, 18))
    if sub.accepted:  # pyx12 allows any AN code: the scrubber must then reject it
        assert claim.id in sub.rejected_claims()
    else:
        assert "AK9*R" in sub.ack and sub.forwarded() == []


def _detectable(claim) -> bool:
    """Whether the claim as billed breaks an NCCI edit the shipped data has (without the
    note, a scrubber sees only the codes): the E/M lacks 25 although NCCI pairs it with a
    procedure of the claim, or a bundled pair has modifier indicator 0."""
    from codesets import ncci

    lines = claim.lines
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            verdict = ncci.check_pair(a.code, b.code, a.modifiers, b.modifiers)
            if verdict is not None and not verdict.allowed:
                return True
    return False


def test_planted_missing_modifier_25_and_ncci_flaws_are_caught():
    r = simulate(8, 1500, flaw_rate=0.5, claims=False)
    caught = 0
    for e in r.encounters:
        kinds = {f.kind for f in e.flaws}
        if not kinds & {"missing-modifier-25", "ncci-no-separate-site"}:
            continue
        c = claims_mod.for_encounter(r, e)
        if c is None or not _detectable(c):
            # e.g. 59 on a column-2 code with modifier indicator 1: only the note shows
            # that no separate site was treated; 25 with 99406 is CMS guidance, not NCCI.
            continue
        sub = submit([c], name="f", control=1, created=datetime(2026, 1, 9, 18), validate_x12=False)
        assert c.id in sub.rejected_claims(), (e.scenario, [ln.code for ln in c.lines])
        caught += 1
    assert caught >= 20


def test_cli_writes_837p_999_and_claim_tables(tmp_path):
    out = tmp_path / "out"
    assert (
        main(["simulate", "--seed", "4", "--encounters", "60", "--out", str(out), "--quiet"]) == 0
    )
    files = sorted((out / "837p").glob("*.x12"))
    acks = sorted((out / "999").glob("*.999"))
    assert files and len(acks) == len(files)
    for f in files:
        assert validate(f).ok
        assert p837.read_837p(f.read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["claims"] + summary["self_pay_encounters"] == 60
    assert 0 <= summary["clean_claim_rate"] <= 1
    for name in ("claims.csv", "claim_lines.csv", "scrubber_findings.csv"):
        assert (out / name).exists()
    # --no-999 skips pyx12
    out2 = tmp_path / "out2"
    assert (
        main(
            [
                "simulate",
                "--seed",
                "4",
                "--encounters",
                "60",
                "--out",
                str(out2),
                "--quiet",
                "--no-999",
            ]
        )
        == 0
    )
    assert not (out2 / "999").exists() and (out2 / "837p").exists()
