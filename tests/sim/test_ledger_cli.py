"""``rcmlab ledger post|aging|statement`` through rcmlab.cli.main."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime

import pytest

from rcmlab.cli import main
from sim.ledger import Ledger
from tests.sim.ledger_fixtures import adj, era, make_claim, rclaim, rline

HAVE_835 = importlib.util.find_spec("sim.x12.p835") is not None
needs_835 = pytest.mark.skipif(not HAVE_835, reason="sim.x12.p835 (write_835) not there yet")


def _ledger_with_claims(path):
    claims = [make_claim("C1", charges=("200.00", "100.00")), make_claim("C2", "A002")]
    with Ledger(path) as led:
        led.record_claims(claims, date(2026, 1, 6))
    return claims


def _835_file(tmp_path, claims, trace="EFT0001", name="pay.835"):
    from sim.x12.p835 import write_835

    c1, c2 = claims
    r = era(
        trace,
        [
            rclaim(c1, [rline(c1, 1, "60", adj("CO", "45", "80"), adj("PR", "2", "60")),
                        rline(c1, 2, "0", adj("CO", "197", "100"))]),
            rclaim(c2, [rline(c2, 1, "150", adj("CO", "45", "50"))]),
        ],
    )  # fmt: skip
    path = tmp_path / name
    path.write_text(write_835([r], sender_id="PHP01", receiver_id="KESTREL"), encoding="ascii")
    return path


@needs_835
def test_post_prints_per_era_then_double_post_is_refused(tmp_path, capsys):
    db = tmp_path / "ledger.sqlite"
    claims = _ledger_with_claims(db)
    f = _835_file(tmp_path, claims)
    assert main(["ledger", "post", str(f), "--ledger", str(db)]) == 0
    out = capsys.readouterr().out
    assert "ERA trace EFT0001" in out and "2 claims matched, 3 lines posted" in out
    assert "$210.00 posted, $0.00 to suspense" in out
    assert main(["ledger", "post", str(f), "--ledger", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"rcmlab: {f}: ERA trace EFT0001 from payer Prairie Health Plan")
    assert "was already posted on 2026-02-02" in err
    with Ledger(db) as led:
        assert led.counts()["remittances"] == 1 and led.check_invariants() == []


@needs_835
def test_post_creates_a_missing_ledger_and_sends_unknown_claims_to_suspense(tmp_path, capsys):
    claims = [make_claim("C1", charges=("200.00", "100.00")), make_claim("C2", "A002")]
    f = _835_file(tmp_path, claims)
    db = tmp_path / "new.sqlite"
    assert main(["ledger", "post", str(f), "--ledger", str(db)]) == 0
    assert "0 claims matched" in capsys.readouterr().out and db.exists()


@needs_835
def test_broken_x12_is_one_line_naming_file_and_position(tmp_path, capsys):
    db = tmp_path / "ledger.sqlite"
    claims = _ledger_with_claims(db)
    f = _835_file(tmp_path, claims)
    text = f.read_text()
    broken = tmp_path / "broken.835"
    broken.write_text(text[: len(text) // 2])  # cut in the middle
    assert main(["ledger", "post", str(broken), "--ledger", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert err.startswith(f"rcmlab: {broken}: segment ")


def test_not_an_835_is_refused(tmp_path, capsys):
    db = tmp_path / "ledger.sqlite"
    plain = tmp_path / "notes.txt"
    plain.write_text("Dear payer, please pay.\n")
    assert main(["ledger", "post", str(plain), "--ledger", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith(f"rcmlab: {plain}: ") and "not X12" in err
    from sim.x12.p837 import write_837p

    x837 = tmp_path / "claims.837"
    x837.write_text(
        write_837p([make_claim("C9")], sender_id="KESTREL", receiver_id="RCMLABCH",
                   interchange_control=1, created=datetime(2026, 1, 6, 9, 0))
    )  # fmt: skip
    assert main(["ledger", "post", str(x837), "--ledger", str(db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"rcmlab: {x837}: not an 835 remittance (transaction set 837)"
    assert not db.exists()  # nothing was read, nothing created


@needs_835
def test_aging_and_statement_commands(tmp_path, capsys):
    db = tmp_path / "ledger.sqlite"
    claims = _ledger_with_claims(db)
    main(["ledger", "post", str(_835_file(tmp_path, claims)), "--ledger", str(db)])
    capsys.readouterr()
    assert main(["ledger", "aging", "--ledger", str(db), "--as-of", "2026-03-15"]) == 0
    out = capsys.readouterr().out
    assert "A/R aging by payer as of 2026-03-15" in out
    assert "Prairie Health Plan" in out and "Patient responsibility" in out and "Total" in out
    assert main(["ledger", "aging", "--ledger", str(db), "--by", "patient"]) == 0
    assert "A001" in capsys.readouterr().out
    assert main(["ledger", "statement", "A001", "--ledger", str(db)]) == 0
    assert "Balance after insurance $60.00" in capsys.readouterr().out
    pdf = tmp_path / "st.pdf"
    assert main(["ledger", "statement", "A001", "--ledger", str(db), "--pdf", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["ledger", "statement", "NOPE", "--ledger", str(db)]) == 2
    assert capsys.readouterr().err.strip() == "rcmlab: account NOPE is not on the ledger"


def test_aging_of_a_missing_ledger_is_one_line(tmp_path, capsys):
    db = tmp_path / "none.sqlite"
    assert main(["ledger", "aging", "--ledger", str(db)]) == 2
    assert (
        capsys.readouterr().err.strip()
        == f"rcmlab: {db}: no such ledger (post an 835 to create it)"
    )
