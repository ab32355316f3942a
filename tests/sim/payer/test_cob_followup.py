"""Secondary claims (COB), remittances, claim status, corrected and void claims, appeals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sim.payer import followup
from sim.payer.followup import Appeal

from .conftest import DOS, money, only

MEDICARE_AGE = date(1950, 6, 1)


def _medicare_then(w, second):
    w.patient("P1", MEDICARE_AGE, "medicare-b", second)
    primary = w.adj.adjudicate(w.claim("C1", [("99214",)]), DOS)
    claim2 = w.claim("C1", [("99214",)], order=2)
    return primary, w.adj.adjudicate_secondary(claim2, primary.remit, primary.pay_date)


def test_medicare_crossover_to_medigap_g_pays_coinsurance_not_deductible(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b", "cedarline-medigap-g")
    w.adj.accumulators.add("P1-C1", 2026, money("200.00"), money("200.00"))  # 83.00 left
    primary = w.adj.adjudicate(w.claim("C1", [("99214",)]), DOS)
    assert primary.remit.status == "19" and primary.remit.crossover_payer
    assert "MA18" in primary.remit.remarks
    # 129.83 allowed: PR-1 83.00, PR-2 20% of 46.83 = 9.37
    assert {a.code: a.amount for a in primary.remit.lines[0].adjustments}["PR-2"] == money("9.37")
    second = w.adj.adjudicate_secondary(
        w.claim("C1", [("99214",)], order=2), primary.remit, primary.pay_date
    )
    assert second.remit.status == "2" and second.secondary
    line = second.remit.lines[0]
    codes = {a.code: a.amount for a in line.adjustments}
    assert line.paid == money("9.37")  # the coinsurance
    assert codes["PR-1"] == money("83.00")  # Plan G leaves the Part B deductible
    assert codes["OA-23"] == line.charge - money("83.00") - money("9.37")
    assert second.remit.balance_problems() == []


def test_medicaid_secondary_is_payer_of_last_resort(w):
    primary, second = _medicare_then(w, "medicaid")
    assert primary.remit.status == "19"
    line = second.remit.lines[0]
    # Medicare applied all 129.83 to the Part B deductible and paid 0. Medicaid pays up to
    # its own rate (129.83 x 0.72 = 93.48) less Medicare's payment; the remaining 36.35 of
    # the patient's share is written off (CO-45): a Medicaid patient is not billed
    assert line.paid == money("93.48")
    assert second.remit.patient_responsibility == 0
    codes = {a.code: a.amount for a in line.adjustments}
    assert codes == {"OA-23": money("80.17"), "CO-45": money("36.35")}
    assert second.remit.balance_problems() == []


def test_secondary_without_primary_line_is_denied(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b", "cedarline-medigap-g")
    primary = w.adj.adjudicate(w.claim("C1", [("99214",)]), DOS)
    other = w.claim("C9", [("99213",)], order=2)
    second = w.adj.adjudicate_secondary(other, primary.remit, DOS)
    assert second.remit.status == "4" and second.lines[0].denial == "CO-16"


def test_remittances_group_by_payer_and_date_and_balance(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    w.patient("P2", date(1980, 1, 1), "larkspur-ppo")
    done = [
        w.adj.adjudicate(w.claim(f"C{k}", [("99213",)], pid=p, dos=DOS + timedelta(k)), DOS)
        for k, p in enumerate(["P1", "P2", "P1", "P2"])
    ]
    remits = w.adj.remittances(done)
    assert sorted(c.patient_control_number for r in remits for c in r.claims) == [
        "C0",
        "C1",
        "C2",
        "C3",
    ]
    traces = [r.trace_number for r in remits]
    assert len(set(traces)) == len(traces)
    assert w.adj.remittances(done) == remits  # deterministic
    for r in remits:
        assert r.balance_problems() == []
        assert r.payee.identifier == w.practice.npi
        assert {c.payment_date for c in [r]} == {r.payment_date}


def test_late_payment_interest_is_plb_l6(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    w.adj.accumulators.add("P1-C1", 2026, money(283), money(283))
    policy = w.adj.policies["medicare-b"]
    w.adj.policies["medicare-b"] = replace(policy, days_to_pay=(60, 60))
    a = w.adj.adjudicate(w.claim("C1", [("99214",)]), DOS)
    # 129.83 - 25.97 coinsurance = 103.86; - 2.08 sequestration = 101.78 paid on day 60:
    # 30 days late at 4.625% a year = 101.78 x 0.04625 x 30 / 365 = 0.39
    assert a.remit.paid == money("101.78")
    assert a.interest == money("0.39")
    (r,) = w.adj.remittances([a])
    assert r.provider_adjustments[0].reason == "L6"
    assert r.total_paid == money("102.17") and r.balance_problems() == []


def test_claim_status_answers(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo")
    assert followup.claim_status(w.adj, "C1", DOS).state == "not-found"
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS + timedelta(3))
    pending = followup.claim_status(w.adj, "C1", a.received)
    assert (pending.category, pending.state) == ("P1", "pending")
    paid = followup.claim_status(w.adj, "C1", a.pay_date)
    assert (paid.category, paid.status_code, paid.state) == ("F1", "65", "finalized-paid")
    w.patient("P2", date(1980, 1, 1), "larkspur-ppo", flaw="member-id-typo: payer has X1")
    d = w.adj.adjudicate(w.claim("C2", [("99213",)], pid="P2"), DOS)
    denied = followup.claim_status(w.adj, "C2", d.pay_date + timedelta(1))
    assert denied.state == "finalized-denied" and "CO-31" in denied.words


def test_corrected_claim_reverses_and_replaces(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo")
    first = w.adj.adjudicate(w.claim("C1", [("99213",), ("80053",)], dx=("E11.9",)), DOS)
    ded_before = w.adj.accumulators.get("P1-C1", 2026).deductible
    assert ded_before == money("10.56")
    fixed = w.claim(
        "C1",
        [("99214",)],
        dx=("E11.9",),
        frequency="7",
        original_reference=first.payer_claim_number,
    )
    res = followup.resubmit(w.adj, fixed, DOS + timedelta(20))
    rev = res.reversal.remit
    assert rev.status == "22" and rev.paid == -first.remit.paid
    assert rev.charge == -first.remit.charge and rev.balance_problems() == []
    assert rev.payer_claim_number == first.payer_claim_number
    assert w.adj.accumulators.get("P1-C1", 2026).deductible == 0  # given back
    assert res.replacement.remit.status == "1" and not res.replacement.denied
    assert only(res.replacement, "99214").paid > 0
    for r in w.adj.remittances([first, res.reversal, res.replacement]):
        assert r.balance_problems() == [] and r.total_paid >= 0


def test_void_reverses_only_and_unknown_original_is_denied(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo")
    first = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    void = w.claim("C1", [("99213",)], frequency="8", original_reference=first.payer_claim_number)
    res = followup.resubmit(w.adj, void, DOS + timedelta(30))
    assert res.replacement is None and res.reversal.remit.status == "22"
    # after the void the service is no longer a duplicate
    again = w.adj.adjudicate(w.claim("C5", [("99213",)]), DOS + timedelta(31))
    assert not again.denied
    bad = w.claim("C1", [("99213",)], frequency="7", original_reference="NOPE")
    res = followup.resubmit(w.adj, bad, DOS + timedelta(40))
    assert res.replacement.remit.status == "4" and res.replacement.lines[0].denial == "CO-16"


def _appeal(a, attachments, when, **evidence):
    return Appeal(
        claim_id=a.claim.id,
        payer_claim_number=a.payer_claim_number,
        grounds=("the service was billed correctly",),
        attachments=tuple(attachments),
        letter="Please reconsider.",
        date=when,
        evidence=evidence,
    )


def test_appeal_of_payer_error_is_overturned(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo")
    policy = w.adj.policies["larkspur-ppo"]
    w.adj.policies["larkspur-ppo"] = replace(policy, payer_error_rate=1.0)
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert a.payer_error
    cure = a.policy.payer_errors[0].cures[0]
    no_docs = followup.review_appeal(w.adj, _appeal(a, [], a.pay_date + timedelta(10)))
    assert no_docs.outcome == "upheld"
    d = followup.review_appeal(w.adj, _appeal(a, [cure], a.pay_date + timedelta(10)))
    assert d.outcome == "overturned" and d.adjudication.remit.paid > 0
    assert not d.adjudication.payer_error and "reversed our decision" in d.letter


def test_appeal_missing_auth(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo")
    a = w.adj.adjudicate(w.claim("C1", [("72148",)], dx=("M51.16",)), DOS)
    assert a.lines[0].denial == "CO-197"
    when = a.pay_date + timedelta(30)
    wrong = followup.review_appeal(
        w.adj, _appeal(a, ["prior-auth-approval"], when, auth_number="PA999")
    )
    assert wrong.outcome == "upheld" and "CO-197" in wrong.letter
    right = followup.review_appeal(
        w.adj, _appeal(a, ["prior-auth-approval"], when, auth_number="PA000000001")
    )
    assert right.outcome == "overturned" and not right.adjudication.denied


def test_appeal_correct_denial_upheld_and_late_appeal_refused(w):
    w.patient("P1", date(1980, 1, 1), "larkspur-ppo", flaw="member-id-typo: payer has Z9")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    d = followup.review_appeal(w.adj, _appeal(a, ["medical-records"], a.pay_date))
    assert d.outcome == "upheld" and "corrected claim" in d.letter
    late = followup.review_appeal(
        w.adj, _appeal(a, ["medical-records"], a.pay_date + timedelta(181))
    )
    assert late.outcome == "refused" and "180 days" in late.letter


def test_appeal_necessity_with_records(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("82306",)], dx=("J06.9",)), DOS)
    when = a.pay_date + timedelta(5)
    no = followup.review_appeal(w.adj, _appeal(a, ["medical-records"], when, diagnoses=["J06.9"]))
    assert no.outcome == "upheld"
    yes = followup.review_appeal(w.adj, _appeal(a, ["medical-records"], when, diagnoses=["E55.9"]))
    assert yes.outcome == "overturned" and not yes.adjudication.denied
