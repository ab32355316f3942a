"""Each adjudication step denies the claim it should (right group/CARC/RARC) and pays a
clean one."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from .conftest import DOS, only, specialist

MEDICARE_AGE = date(1950, 6, 1)
ADULT = date(1985, 6, 1)


def _codes(adj):
    return [(a.group, a.carc, a.rarcs) for ln in adj.remit.lines for a in ln.adjustments]


def test_1_identify_patient_member_id_typo_is_co31(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b", flaw="member-id-typo: payer has MREALX1")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS + timedelta(days=3))
    assert a.remit.status == "4" and a.denied
    assert _codes(a) == [("CO", "31", ("N382",))]
    assert a.remit.paid == 0 and not a.remit.balance_problems()
    assert "enrollment" in a.explanation[-1]


def test_1_identify_patient_dob_and_name(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b", flaw="subscriber-dob-off: payer has 1950-06-02")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert _codes(a) == [("CO", "31", ("N329",))]
    w.patient("P1", MEDICARE_AGE, "medicare-b", flaw="name-misspelled: payer has last name Lovell")
    a = w.adj.adjudicate(w.claim("C2", [("99213",)]), DOS)
    assert _codes(a) == [("CO", "31", ("MA36",))]


def test_1_identify_patient_clean_pays(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert a.remit.status == "1" and not a.denied
    assert a.explanation[0].startswith("1 patient identified")


def test_2_coverage_ended_pr27_and_not_started_pr26(w):
    w.patient("P1", ADULT, "larkspur-ppo", termination=date(2026, 2, 28))
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert _codes(a) == [("PR", "27", ())] and a.remit.status == "4"
    assert a.remit.patient_responsibility == a.remit.charge
    w.patient("P1", ADULT, "larkspur-ppo", effective=date(2026, 4, 1))
    a = w.adj.adjudicate(w.claim("C2", [("99213",)]), DOS)
    assert _codes(a) == [("PR", "26", ())]
    w.patient("P1", ADULT, "larkspur-ppo")
    assert not w.adj.adjudicate(w.claim("C3", [("99213",)]), DOS).denied


def test_3_secondary_only_plan_billed_first_is_co22(w):
    w.patient("P1", MEDICARE_AGE, "cedarline-medigap-g")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert _codes(a) == [("CO", "22", ("MA04",))]


def test_4_duplicate_is_oa18(w):
    w.patient("P1", ADULT, "larkspur-ppo")
    first = w.adj.adjudicate(w.claim("C1", [("99213",), ("81002",)]), DOS)
    assert not first.denied
    again = w.adj.adjudicate(w.claim("C2", [("99213",), ("81002",)]), DOS)
    assert again.remit.status == "4"
    assert {c for c in _codes(again)} == {("OA", "18", ("N111",))}
    assert first.payer_claim_number in again.lines[0].explanation[0]
    partly = w.adj.adjudicate(w.claim("C3", [("99213",), ("87880",)]), DOS)
    assert only(partly, "99213").denial == "OA-18" and only(partly, "87880").denial is None


def test_5_timely_filing_co29(w):
    w.patient("P1", ADULT, "cedarline-ppo")  # 90-day limit
    late = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS + timedelta(days=91))
    assert _codes(late) == [("CO", "29", ())]
    ok = w.adj.adjudicate(w.claim("C2", [("99214",)]), DOS + timedelta(days=90))
    assert not ok.denied


def test_6_prior_auth_co197_m62(w):
    w.patient("P1", ADULT, "larkspur-ppo")
    a = w.adj.adjudicate(w.claim("C1", [("72148",)], dx=("M51.16",)), DOS)
    assert _codes(a) == [("CO", "197", ("M62",))]
    b = w.adj.adjudicate(w.claim("C2", [("72148",)], dx=("M51.16",), prior_auth="PA000000001"), DOS)
    assert not b.denied and b.lines[0].deductible == b.lines[0].allowed  # PPO deductible first


def test_6_referral_gatekeeper_co288(w):
    w.patient("P1", ADULT, "copperleaf-hmo")
    w.adj.visit_types["C1"] = "specialist"
    a = w.adj.adjudicate(w.claim("C1", [("99213",)], rendering=specialist()), DOS)
    assert _codes(a) == [("CO", "288", ())]
    w.adj.visit_types["C2"] = "specialist"
    b = w.adj.adjudicate(
        w.claim("C2", [("99214",)], rendering=specialist(), referral_number="R123"), DOS
    )
    assert not b.denied
    c = w.adj.adjudicate(w.claim("C3", [("99212",)]), DOS)  # the PCP: no referral needed
    assert not c.denied


def test_7_medicare_routine_physical_pr49_n425(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("99397",)], dx=("Z00.00",)), DOS)
    assert _codes(a) == [("PR", "49", ("N425",))]
    assert a.remit.patient_responsibility == a.remit.charge  # statutory exclusion: patient pays
    b = w.adj.adjudicate(w.claim("C2", [("G0439",)], dx=("Z00.00",)), DOS)
    assert not b.denied


def test_8_medical_necessity_lcd_co50_n115(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("82306",)], dx=("J06.9",)), DOS)
    assert _codes(a) == [("CO", "50", ("N115",))]
    assert "Vitamin D" in a.lines[0].explanation[0]
    b = w.adj.adjudicate(w.claim("C2", [("82306",)], dx=("E55.9",)), DOS)
    assert not b.denied
    # the diagnosis must be one the line points to
    c = w.adj.adjudicate(
        w.claim("C3", [("82306", 1, (), (2,))], dx=("E55.9", "J06.9"), dos=DOS + timedelta(1)),
        DOS + timedelta(1),
    )
    assert c.lines[0].denial == "CO-50"


def test_8_frequency_limit_co119(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    first = w.adj.adjudicate(w.claim("C1", [("G0439",)], dx=("Z00.00",)), DOS)
    assert not first.denied
    soon = DOS + timedelta(days=200)
    again = w.adj.adjudicate(w.claim("C2", [("G0439",)], dx=("Z00.00",), dos=soon), soon)
    assert _codes(again) == [("CO", "119", ("N640",))]
    later = date(2027, 3, 2)
    ok = w.adj.adjudicate(w.claim("C3", [("G0439",)], dx=("Z00.00",), dos=later), later)
    assert not ok.denied


def test_8_preventive_once_per_calendar_year(w):
    w.patient("P1", ADULT, "larkspur-ppo")
    assert not w.adj.adjudicate(w.claim("C1", [("99395",)], dx=("Z00.00",)), DOS).denied
    d2 = date(2026, 11, 2)
    again = w.adj.adjudicate(w.claim("C2", [("99395",)], dx=("Z00.00",), dos=d2), d2)
    assert again.lines[0].denial == "CO-119"
    d3 = date(2027, 1, 4)
    assert not w.adj.adjudicate(w.claim("C3", [("99395",)], dx=("Z00.00",), dos=d3), d3).denied


def test_9_ncci_bundling_co97_m80_and_modifier_bypass(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("20610",), ("96372",)], dx=("M17.11",)), DOS)
    assert only(a, "96372").denial == "CO-97"
    assert only(a, "96372").adjustments[0].rarcs == ("M80",)
    assert only(a, "20610").denial is None and a.remit.status == "1"
    d = DOS + timedelta(days=7)
    b = w.adj.adjudicate(
        w.claim("C2", [("20610",), ("96372", 1, ("59",))], dx=("M17.11",), dos=d), d
    )
    assert not b.denied


def test_9_cedarline_uses_co236_n20(w):
    w.patient("P1", ADULT, "cedarline-ppo")
    a = w.adj.adjudicate(w.claim("C1", [("20610",), ("96372",)], dx=("M17.11",)), DOS)
    assert only(a, "96372").adjustments[0].code == "CO-236"
    assert only(a, "96372").adjustments[0].rarcs == ("N20",)


def test_9_mue_units_co151(w):
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("17110", 2)], dx=("B07.8",)), DOS)
    assert _codes(a) == [("CO", "151", ("N362",))]
    b = w.adj.adjudicate(w.claim("C2", [("17110", 1)], dx=("B07.8",), dos=DOS + timedelta(1)), DOS)
    assert not b.denied


def test_10_payer_mistake_is_flagged(w):
    w.patient("P1", ADULT, "larkspur-ppo")
    policy = w.adj.policies["larkspur-ppo"]
    w.adj.policies["larkspur-ppo"] = replace(policy, payer_error_rate=1.0)
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert a.payer_error and a.lines[0].payer_error and a.denied
    assert a.lines[0].denial in ("CO-97", "CO-16")
    assert "(payer error)" in a.lines[0].explanation[0]
    w.adj.policies["larkspur-ppo"] = replace(policy, payer_error_rate=0.0)
    assert not w.adj.adjudicate(w.claim("C2", [("99214",)]), DOS).payer_error
