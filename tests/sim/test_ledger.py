"""The practice ledger (sim.ledger): posting by case, the invariant over random months,
idempotent and atomic posting, aging, days in A/R, statements and payment plans."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.ledger import SCHEMA_VERSION, AlreadyPosted, Ledger, LedgerError
from sim.ledger.core import Ledger as CoreLedger
from sim.remittance import ProviderAdjustment, money
from tests.sim.ledger_fixtures import (
    SECOND,
    adj,
    era,
    make_claim,
    negate,
    random_month,
    rclaim,
    rline,
)

D = Decimal
SUBMITTED = date(2026, 1, 6)


@pytest.fixture()
def led():
    ledger = Ledger(":memory:")
    yield ledger
    ledger.close()


def paid_claim(claim):
    """$200 line: allowed $120 (CO-45 $80), deductible $50, coinsurance $10, copay $0 -> $60."""
    return rclaim(
        claim,
        [rline(claim, 1, "60", adj("CO", "45", "80"), adj("PR", "1", "50"), adj("PR", "2", "10"))],
    )


# --- posting by case ---------------------------------------------------------------------


def test_paid_line_with_co45_and_deductible_coinsurance_copay(led):
    c = make_claim("C1", charges=("200.00", "100.00"))
    led.record_claim(c, SUBMITTED)
    rc = rclaim(
        c,
        [
            rline(c, 1, "60", adj("CO", "45", "80"), adj("PR", "1", "50"), adj("PR", "2", "10")),
            rline(c, 2, "45", adj("CO", "45", "30"), adj("PR", "3", "25")),
        ],
    )
    report = led.post(era("T1", [rc]))
    assert (report.claims_matched, report.lines_posted) == (1, 2)
    assert report.amount_posted == D("105.00") and report.to_suspense == 0
    b = led.balances("C1")
    assert b["charges"] == D("300.00")
    assert b["payments"] == D("105.00")
    assert b["contractual"] == D("110.00")  # CO-45 written off, never billed to the patient
    assert b["patient_responsibility"] == D("85.00")  # PR-1 + PR-2 + PR-3
    assert b["insurance_balance"] == 0 and b["patient_balance"] == D("85.00")
    assert b["lines"]["C1-2"]["patient_responsibility"] == D("25.00")
    assert b["status"] == "paid"
    assert led.check_invariants() == []


def test_denied_claim_stays_open_with_the_payer_and_goes_to_history(led):
    c = make_claim("C2")
    led.record_claim(c, SUBMITTED)
    rc = rclaim(c, [rline(c, 1, "0", adj("CO", "197", "200"))], status="4")
    report = led.post(era("T2", [rc]))
    assert report.denied_lines == 1
    b = led.balances("C2")
    # A denial is not a contractual write-off: the balance stays open for appeal/correction.
    assert b["contractual"] == 0 and b["insurance_balance"] == D("200.00")
    assert b["status"] == "denied"
    statuses = [h[1] for h in led.history("C2")]
    assert statuses == ["submitted", "denied", "line denied", "denied"]
    assert any("CO-197" in h[3] for h in led.history("C2"))
    assert led.check_invariants() == []


def test_reversal_undoes_the_original_posting_then_the_correction_posts(led):
    c = make_claim("C3")
    led.record_claim(c, SUBMITTED)
    first = paid_claim(c)
    led.post(era("T3", [first]))
    again = rclaim(c, [rline(c, 1, "100", adj("CO", "45", "80"), adj("PR", "2", "20"))], icn="ICN2")
    report = led.post(era("T4", [negate(first), again], paid_on=date(2026, 2, 20)))
    assert report.claims_reversed == 1
    contra = led.conn.execute(
        "SELECT count(*) FROM entries WHERE claim_id = 'C3' AND reversal_of IS NOT NULL"
    ).fetchone()
    assert contra[0] == 4  # payment, CO-45, PR-1, PR-2 each undone
    b = led.balances("C3")
    assert b["payments"] == D("100.00") and b["patient_responsibility"] == D("20.00")
    assert b["contractual"] == D("80.00") and b["patient_balance"] == D("20.00")
    assert "reversed" in [h[1] for h in led.history("C3")]
    assert led.check_invariants() == []


def test_reversal_alone_reopens_the_balance(led):
    c = make_claim("C3b")
    led.record_claim(c, SUBMITTED)
    first = paid_claim(c)
    led.post(era("T3b", [first]))
    led.post(era("T4b", [negate(first)]))
    b = led.balances("C3b")
    assert b["insurance_balance"] == D("200.00") and b["patient_balance"] == 0
    assert b["status"] == "reversed"


def test_unmatched_claim_and_line_go_to_suspense_with_the_reason(led):
    c = make_claim("C4", charges=("200.00",))
    led.record_claim(c, SUBMITTED)
    stranger = make_claim("NOPE")
    bad_line = rline(c, 1, "40", adj("CO", "45", "160"))
    bad_line = type(bad_line)(
        "C4-9", "99215", D("200.00"), D("40.00"), adjustments=bad_line.adjustments
    )
    good = paid_claim(c)
    rc = rclaim(c, [*good.lines, bad_line])
    report = led.post(era("T5", [rc, paid_claim(stranger)]))
    assert report.to_suspense == D("100.00")
    reasons = [s.reason for s in led.suspense_items()]
    assert any("line C4-9 is not on the claim" in r for r in reasons)
    assert any("claim NOPE" in r and "not on the ledger" in r for r in reasons)
    assert led.check_invariants() == []


def test_plb_interest_is_income_and_recoupment_reopens_the_claim(led):
    c = make_claim("C5")
    led.record_claim(c, SUBMITTED)
    led.post(era("T6", [paid_claim(c)]))
    plb = (
        ProviderAdjustment("L6", "C5", money("-2.50")),
        ProviderAdjustment("WO", "ICNC5", money("20.00")),
        ProviderAdjustment("WO", "UNKNOWN", money("1.00")),
    )
    report = led.post(era("T7", [], plb, paid_on=date(2026, 3, 1)))
    assert report.interest == D("2.50")
    b = led.balances("C5")
    assert b["payments"] == D("40.00")  # $60 paid, $20 taken back
    assert b["insurance_balance"] == D("20.00")
    assert led.summary()["interest"] == D("2.50")
    assert [s.amount for s in led.suspense_items()] == [D("-1.00")]
    assert led.check_invariants() == []


def test_crossover_holds_the_patient_share_at_the_secondary_then_it_pays(led):
    c = make_claim("C6", secondary=True)
    led.record_claim(c, SUBMITTED)
    rc = rclaim(
        c,
        [rline(c, 1, "96", adj("CO", "45", "80"), adj("PR", "2", "24"))],
        status="19",
        crossover_payer=SECOND.name,
    )
    led.post(era("T8", [rc]))
    b = led.balances("C6")
    assert b["status"] == "pending secondary"
    assert b["secondary_balance"] == D("24.00") and b["patient_balance"] == 0
    aging = led.aging(date(2026, 2, 10))
    assert aging.loc[SECOND.name, "total"] == 24.0
    sec_line = rline(c, 1, "24", adj("OA", "23", "176"))
    led.post(era("S8", [rclaim(c, [sec_line], status="2", icn="SEC1")], payer=SECOND))
    b = led.balances("C6")
    assert b["secondary_balance"] == 0 and b["payments"] == D("120.00")
    assert b["contractual"] == D("80.00")  # OA-23 is the prior payer's, not written off twice
    assert b["status"] == "paid by secondary"
    assert led.check_invariants() == []


def test_unbalanced_era_is_refused_and_nothing_is_written(led):
    c = make_claim("C7")
    led.record_claim(c, SUBMITTED)
    before = led.counts()
    bad = era("T9", [paid_claim(c)])
    bad = type(bad)(bad.trace_number, bad.payer, bad.payee, bad.payment_date, D("61.00"),
                    claims=bad.claims)  # fmt: skip
    with pytest.raises(LedgerError, match="does not balance"):
        led.post(bad)
    assert led.counts() == before


# --- idempotence and atomicity -------------------------------------------------------------


def test_posting_the_same_era_twice_is_refused_and_duplicates_nothing(led):
    c = make_claim("C8")
    led.record_claim(c, SUBMITTED)
    e = era("T10", [paid_claim(c)])
    led.post(e, date(2026, 2, 3))
    before = led.counts()
    with pytest.raises(AlreadyPosted) as info:
        led.post(e)
    assert str(info.value) == (
        "ERA trace T10 from payer Prairie Health Plan (PHP01) was already posted on 2026-02-03"
    )
    assert led.counts() == before


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
def test_invariant_holds_over_random_months(seed):
    claims, eras, payments = random_month(seed)
    with Ledger(":memory:") as led:
        led.record_claims(claims, SUBMITTED)
        for e in eras:
            led.post(e)
            assert led.check_invariants() == []
        accounts = {r[0] for r in led.conn.execute("SELECT account FROM accounts")}
        for account, amount, day in payments:
            if account in accounts:
                led.post_patient_payment(account, amount, day)
        assert led.check_invariants() == []
        s = led.summary()
        total = s["payments"] + s["contractual_adjustments"] + s["patient_responsibility"]
        assert s["charges"] == total + s["ar_insurance"]
        # Idempotent: every ERA posted again is refused and nothing changes.
        before = led.counts()
        for e in eras:
            with pytest.raises(AlreadyPosted):
                led.post(e)
        assert led.counts() == before


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), poison=st.integers(0, 11))
def test_a_failure_mid_era_leaves_every_table_untouched(seed, poison):
    from dataclasses import replace

    claims, eras, _ = random_month(seed)
    with Ledger(":memory:") as led:
        led.record_claims(claims, SUBMITTED)
        led.post(eras[0])
        tables = list(led.counts())
        snapshot = {t: led.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        target = replace(eras[0], trace_number="POISON")  # a new ERA: its claims, again
        seen: list[object] = []
        original = CoreLedger._post_claim

        def poisoned(self, p, rc):
            seen.append(rc)
            if len(seen) > poison:  # the poison claim: posting blows up part-way
                raise RuntimeError("poison claim")
            return original(self, p, rc)

        CoreLedger._post_claim = poisoned
        try:
            with pytest.raises(RuntimeError, match="poison"):
                led.post(target)
        finally:
            CoreLedger._post_claim = original
        assert len(seen) == poison + 1
        after = {t: led.conn.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        assert after == snapshot
        assert led.check_invariants() == []
        led.post(target)  # the same ERA posts cleanly afterwards


# --- patient money ----------------------------------------------------------------------


def test_patient_payment_goes_to_the_oldest_balance_then_credit_and_refund(led):
    c1, c2 = make_claim("P1", dos=date(2026, 1, 5)), make_claim("P2", dos=date(2026, 1, 20))
    led.record_claims([c1, c2], SUBMITTED)
    led.post(era("T11", [paid_claim(c1)], paid_on=date(2026, 2, 1)))
    led.post(era("T12", [paid_claim(c2)], paid_on=date(2026, 2, 15)))
    applied = led.post_patient_payment("A001", "100", date(2026, 3, 1))
    assert applied == [("P1", D("60.00")), ("P2", D("40.00"))]
    applied = led.post_patient_payment("A001", "30", date(2026, 3, 2))
    assert applied == [("P2", D("20.00")), (None, D("10.00"))]
    st_ = led.statement("A001", date(2026, 3, 3), issue=False)
    assert st_.balance == D("-10.00") and st_.credit == D("10.00")
    assert st_.status == "credit balance"
    led.refund("A001", "10", date(2026, 3, 4))
    assert led.statement("A001", date(2026, 3, 5), issue=False).balance == 0
    with pytest.raises(LedgerError, match="cannot refund"):
        led.refund("A001", "1", date(2026, 3, 6))
    assert led.check_invariants() == []


def test_write_off_small_patient_balance_and_timely_filing_denial(led):
    c = make_claim("W1")
    d = make_claim("W2")
    led.record_claims([c, d], SUBMITTED)
    led.post(era("T13", [paid_claim(c), rclaim(d, [rline(d, 1, "0", adj("CO", "29", "200"))])]))
    led.write_off("W1", "60", date(2026, 3, 1), reason="small balance")
    led.write_off("W2", "200", date(2026, 3, 1), bucket="primary", carc="29", reason="late")
    assert led.balances("W1")["patient_balance"] == 0
    assert led.balances("W2")["insurance_balance"] == 0
    assert led.balances("W2")["write_offs"] == D("200.00")
    with pytest.raises(LedgerError, match="cannot write off"):
        led.write_off("W1", "1", date(2026, 3, 1))
    assert led.check_invariants() == []


# --- aging and days in A/R ----------------------------------------------------------------


def test_aging_buckets_on_hand_made_dates(led):
    as_of = date(2026, 6, 30)
    ages = {"G0": 30, "G1": 31, "G2": 60, "G3": 61, "G4": 90, "G5": 91, "G6": 120, "G7": 121}
    for cid, days in ages.items():
        led.record_claim(
            make_claim(cid, dos=date(2026, 1, 2)), date.fromordinal(as_of.toordinal() - days)
        )
    a = led.aging(as_of)
    row = a.loc["Prairie Health Plan"]
    assert list(row) == [200.0, 400.0, 400.0, 400.0, 200.0, 1600.0]
    assert list(a.columns) == ["0-30", "31-60", "61-90", "91-120", "120+", "total"]
    by_service = led.aging(as_of, basis="service")
    assert by_service.loc["Prairie Health Plan", "120+"] == 1600.0
    led.post(
        era("T14", [paid_claim(make_claim("G0", dos=date(2026, 1, 2)))], paid_on=date(2026, 6, 1))
    )
    p = led.aging(as_of, by="patient")
    assert p.loc["A001 Test001, Ada", "0-30"] == 60.0  # from the day it became the patient's
    with pytest.raises(LedgerError):
        led.aging(as_of, by="plan")


def test_days_in_ar(led):
    # $9,000 charged over the 90 days -> $100 a day; A/R $2,000 -> 20 days.
    claims = [make_claim(f"D{i}", charges=("1000.00",), dos=date(2026, 3, 1 + i)) for i in range(9)]
    led.record_claims(claims, date(2026, 3, 10))
    for i, c in enumerate(claims[2:]):
        full = rclaim(c, [rline(c, 1, "1000")])
        led.post(era(f"TD{i}", [full], paid_on=date(2026, 3, 20)))
    assert led.days_in_ar(date(2026, 3, 31)) == 20.0
    assert led.days_in_ar(date(2025, 1, 1)) is None


def test_aging_chart_is_a_stacked_bar_figure(led):
    led.record_claim(make_claim("K1"), SUBMITTED)
    fig = led.aging_chart(date(2026, 3, 1))
    ax = fig.axes[0]
    assert len(ax.patches) == 5 and "aging" in ax.get_title()


# --- statements and payment plans --------------------------------------------------------------


def test_statement_shows_balance_after_insurance(led, tmp_path):
    c = make_claim("S1", charges=("200.00", "100.00"), dos=date(2026, 1, 5))
    led.record_claim(c, SUBMITTED)
    rc = rclaim(c, [rline(c, 1, "60", adj("CO", "45", "80"), adj("PR", "1", "60")),
                    rline(c, 2, "0", adj("CO", "197", "100"))])  # fmt: skip
    led.post(era("T15", [rc], paid_on=date(2026, 2, 1)))
    s = led.statement("A001", date(2026, 2, 10))
    (line,) = s.lines
    assert line.charges == D("300.00") and line.insurance_paid == D("60.00")
    assert line.adjustments == D("80.00") and line.pending_insurance == D("100.00")
    assert line.you_owe == D("60.00") and s.balance == D("60.00")
    assert s.status == "current" and s.number == 1 and s.aging["0-30"] == D("60.00")
    html = s._repr_html_()
    assert "Balance after insurance: $60.00" in html and "Kestrel Creek" in html
    pdf = s.to_pdf(tmp_path / "s.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")


def test_collections_after_statements_on_an_old_balance(led):
    c = make_claim("S2")
    led.record_claim(c, SUBMITTED)
    led.post(era("T16", [paid_claim(c)], paid_on=date(2026, 1, 20)))
    statuses = [
        led.statement("A001", day).status
        for day in (date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1))
    ]
    assert statuses == ["current", "past due 30", "past due 60", "sent to collections"]
    assert led.conn.execute("SELECT collections FROM accounts").fetchone()[0] == "2026-05-01"


def test_payment_plan_schedule_and_status(led):
    c = make_claim("S3", charges=("500.00",))
    led.record_claim(c, SUBMITTED)
    rc = rclaim(c, [rline(c, 1, "150", adj("PR", "1", "350"))])
    led.post(era("T17", [rc], paid_on=date(2026, 1, 20)))
    plan = led.payment_plan("A001", "100", date(2026, 2, 1))
    assert [a for _, a in plan.schedule] == [D("100.00")] * 3 + [D("50.00")]
    assert plan.schedule[-1][0] == date(2026, 5, 1)
    led.post_patient_payment("A001", "100", date(2026, 2, 1))
    s = led.statement("A001", date(2026, 2, 15))
    assert s.status == "on payment plan" and s.plan.remaining == D("250.00")
    assert s.amount_due == D("100.00")
    s = led.statement("A001", date(2026, 3, 15), issue=False)
    assert s.status == "past due 30"  # the March installment was missed


# --- schema, claims --------------------------------------------------------------------------


def test_file_ledger_has_version_wal_and_reopens(tmp_path):
    path = tmp_path / "l.sqlite"
    with Ledger(path) as led:
        led.record_claim(make_claim("F1"), SUBMITTED)
        assert led.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert led.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with Ledger(path) as led:
        assert led.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert led.summary()["claims"] == 1


def test_not_a_ledger_and_newer_schema_are_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(LedgerError, match="not an rcmlab ledger"):
        Ledger(other)
    junk = tmp_path / "junk.sqlite"
    junk.write_text("hello, not a database at all " * 20)
    with pytest.raises(LedgerError, match="not a ledger database"):
        Ledger(junk)
    newer = tmp_path / "newer.sqlite"
    Ledger(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(LedgerError, match="newer than this rcmlab"):
        Ledger(newer)


def test_duplicate_claim_refused_but_replacement_goes_to_history(led):
    from dataclasses import replace

    c = make_claim("R1")
    led.record_claim(c, SUBMITTED)
    with pytest.raises(LedgerError, match="claim R1 is already on the ledger"):
        led.record_claim(c, SUBMITTED)
    led.record_claim(replace(c, frequency="7", original_reference="ICNR1"), date(2026, 2, 1))
    assert led.history("R1")[-1][1] == "resubmitted"
    assert led.balances("R1")["charges"] == D("200.00")
