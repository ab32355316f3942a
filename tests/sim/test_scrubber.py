"""The claim scrubber: each rule fails and passes where it should, and the simulator agrees.

Unit cases are simulator claims changed with ``dataclasses.replace``. The simulation
tests scrub every claim of two 300-encounter runs (a family practice and an orthopedic
group, every encounter given a teaching flaw): the answer keys must scrub clean, and the
flaws a scrubber can see must be reported.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from codesets import ncci
from sim import claims
from sim.claims import ReferringProvider
from sim.clearinghouse.findings import ScrubFinding, line_box
from sim.clearinghouse.scrubber import RULES, clear_memos, scrub, scrub_many
from sim.simulate import simulate


def _claims(run, billed):
    out = []
    for e in run.encounters:
        claim = claims.for_encounter(run, e, billed=billed)
        if claim is not None:
            out.append((e, claim))
    return out


@pytest.fixture(scope="module", params=["family-practice", "orthopedic-group"])
def run(request):
    return simulate(2026, 300, practice=request.param, flaw_rate=1.0, claims=False)


@pytest.fixture(scope="module")
def base():
    """A clean key claim of an adult with one diagnosis line to build cases from."""
    r = simulate(7, 40, claims=False)
    for e, claim in _claims(r, billed=False):
        age = claim.patient.age_on(e.date)
        if 30 <= age <= 60 and len(claim.diagnoses) >= 2 and not scrub(claim):
            return claim
    raise AssertionError("no adult claim with two diagnoses in the sample")


def lines(claim, *specs):
    """``claim`` with its lines replaced: each spec is (code, modifiers[, units[, pointers]])."""
    template = claim.lines[0]
    out = []
    for n, (code, mods, *rest) in enumerate(specs, start=1):
        units = rest[0] if rest else 1
        ptrs = rest[1] if len(rest) > 1 else (1,)
        system = "hcpcs" if code[0].isalpha() else "cpt"
        out.append(
            replace(
                template,
                number=n,
                code=code,
                system=system,
                modifiers=tuple(mods),
                units=units,
                dx_pointers=ptrs,
                charge=Decimal("100.00") * units,
                control_number=f"{claim.id}-{n}",
            )
        )
    return replace(claim, lines=tuple(out))


ONE_DAY = timedelta(days=1)


def of(findings, rule):
    return [f for f in findings if f.rule == rule]


# --- the pipeline -----------------------------------------------------------------------


def test_rules_run_in_the_documented_order():
    assert [r.slug for r in RULES] == [
        "required-field",
        "npi-check-digit",
        "diagnosis-pointer",
        "icd10cm-invalid",
        "excludes1",
        "age-sex",
        "procedure-code-invalid",
        "modifier-invalid",
        "ncci-ptp",
        "em-same-day-procedure",
        "mue-units",
        "duplicate-line",
        "claim-frequency",
    ]


def test_bad_input_is_a_one_line_type_error(base):
    with pytest.raises(TypeError, match=r"takes a sim\.claims\.Claim, not str"):
        scrub("E11.9")
    with pytest.raises(TypeError, match="item 1 is a int"):
        scrub_many([base, 3])
    with pytest.raises(TypeError, match=r"datetime\.date"):
        scrub(base, on="2026-01-01")


def test_a_subset_of_rules_can_be_run(base):
    only_ncci = [r for r in RULES if r.slug == "ncci-ptp"]
    claim = replace(lines(base, ("99213", ()), ("96372", ())), frequency="7")
    assert [f.rule for f in scrub(claim, rules=only_ncci)] == ["ncci-ptp"]
    assert {f.rule for f in scrub(claim)} == {"ncci-ptp", "claim-frequency"}
    with pytest.raises(TypeError, match="takes Rule objects"):
        scrub(claim, rules=["ncci-ptp"])


def test_scrub_many_gives_one_list_per_claim_in_order(base):
    bad = replace(base, frequency="7")
    result = scrub_many([base, bad, base])
    assert [len(x) for x in result] == [0, 1, 0]
    assert result[1][0].rule == "claim-frequency"


def test_a_malformed_claim_is_reported_not_crashed(base):
    broken_line = replace(
        base.lines[0], code=None, units=None, charge=None, pos=None, dx_pointers=None,
        modifiers=None, service_date=None,
    )  # fmt: skip
    claim = replace(base, diagnoses=("",), lines=(broken_line,), frequency=None)
    found = scrub(claim)
    boxes = {f.box for f in found}
    assert {"21.A", "24A.1", "24B.1", "24D.1", "24E.1", "24F.1", "24G.1", "22"} <= boxes
    assert all(f.rejected for f in found)


# --- the finding ----------------------------------------------------------------------


def test_finding_carries_the_277ca_composite_and_renders():
    f = ScrubFinding("C1", 2, "npi-check-digit", "reject", "33a", "bad <npi>", "A7", "562", "85")
    assert f.stc01 == "A7:562:85"
    assert f.as_dict()["stc01"] == "A7:562:85" and f.as_dict()["box"] == "33a"
    assert "rejected for invalid information: National Provider Identifier" in f.status_text
    html = f._repr_html_()
    assert "bad &lt;npi&gt;" in html and "box 33a, line 2" in html
    assert ScrubFinding("C1", None, "x", "warning", "21.L", "m", "A2", "20").stc01 == "A2:20"


@pytest.mark.parametrize(
    "field, value",
    [("severity", "fatal"), ("box", "24K.1"), ("box", "24D.7"), ("box", "34"), ("category", "Z9")],
)
def test_finding_rejects_values_outside_its_vocabulary(field, value):
    kwargs = dict(claim_id="C", line=None, rule="r", severity="reject", box="2", message="m",
                  category="A7", status_code="21")  # fmt: skip
    kwargs[field] = value
    with pytest.raises(ValueError, match=f"ScrubFinding.{field}"):
        ScrubFinding(**kwargs)


def test_line_boxes_follow_the_printed_page():
    assert [line_box("D", i) for i in (0, 5, 6, 11, 12)] == [
        "24D.1", "24D.6", "24D.1", "24D.6", "24D.1",
    ]  # fmt: skip


# --- rule 1: required fields --------------------------------------------------------------


def test_required_fields_pass_on_a_complete_claim(base):
    assert of(scrub(base), "required-field") == []


@pytest.mark.parametrize(
    "change, box, stc",
    [
        (lambda c: replace(c, patient=replace(c.patient, first_name="")), "2", "A6:504:QC"),
        (lambda c: replace(c, patient=replace(c.patient, birth_date=date(2099, 1, 1))), "3",
         "A7:158:QC"),
        (lambda c: replace(c, patient=replace(c.patient, sex="X")), "3", "A7:157:QC"),
        (lambda c: replace(c, insured=replace(c.insured, member_id=" ")), "1a", "A6:164:IL"),
        (lambda c: replace(c, insured=replace(c.insured, relationship="20")), "6", "A7:156:IL"),
        (lambda c: replace(c, payer=replace(c.payer, payer_id="")), "11c", "A3:153:PR"),
        (lambda c: replace(c, billing=replace(c.billing, tin="7479909")), "25", "A7:128:85"),
        (lambda c: replace(c, billing=replace(c.billing, npi="")), "33a", "A6:562:85"),
        (lambda c: replace(c, billing=replace(c.billing, address=replace(c.billing.address,
                                                                          zip="4308"))),
         "33", "A6:126:85"),
        (lambda c: replace(c, diagnoses=()), "21.A", "A6:254"),
        (lambda c: replace(c, diagnoses=(c.diagnoses[0], "", "I10")), "21.B", "A7:255"),
        (lambda c: replace(c, lines=()), "24", "A3:454"),
        (lambda c: replace(c, lines=(replace(c.lines[0], pos="00"),)), "24B.1", "A7:249"),
        (lambda c: replace(c, lines=(replace(c.lines[0], units=0),)), "24G.1", "A7:476"),
        (lambda c: replace(c, lines=(replace(c.lines[0], charge=Decimal("0.00")),)), "24F.1",
         "A7:402"),
    ],
)  # fmt: skip
def test_required_fields_fail_on_the_box_that_is_wrong(base, change, box, stc):
    found = of(scrub(change(base)), "required-field")
    assert [(f.box, f.stc01) for f in found] == [(box, stc)]
    assert "NUCC 1500 manual" in found[0].message


def test_a_line_on_page_two_names_its_page_and_claim_line(base):
    claim = lines(base, *[(c, ()) for c in ("99213", "36415", "81002", "85025", "80061", "87880")],
                  ("82947", ()))  # fmt: skip
    seventh = replace(claim.lines[6], charge=Decimal("0"))
    found = of(scrub(replace(claim, lines=(*claim.lines[:6], seventh))), "required-field")
    assert [(f.box, f.line) for f in found] == [("24F.1", 7)]
    assert found[0].message.startswith("Line 7 (page 2): ")


def test_a_service_after_the_scrub_date_is_future_dated(base):
    day = base.lines[0].service_date
    assert of(scrub(base, on=day), "required-field") == []
    found = of(scrub(base, on=day - timedelta(days=1)), "required-field")
    # one finding per future-dated service line (the base claim may have several)
    assert [f.stc01 for f in found] == ["A7:510"] * len(base.lines)
    assert [f.line for f in found] == [ln.number for ln in base.lines]


# --- rule 2: NPI check digit ----------------------------------------------------------------


def test_npis_with_a_valid_check_digit_pass(base):
    claim = replace(base, referring=ReferringProvider("Ada", "Ng", "1234567893"))
    assert of(scrub(claim), "npi-check-digit") == []


def test_npis_with_a_wrong_check_digit_are_rejected_on_their_box(base):
    claim = replace(
        base,
        billing=replace(base.billing, npi="1234567890"),
        rendering=replace(base.rendering, npi="1234567891"),
        referring=ReferringProvider("Ada", "Ng", "123456789"),
    )
    found = of(scrub(claim), "npi-check-digit")
    assert [(f.box, f.stc01) for f in found] == [
        ("33a", "A7:562:85"), ("24J.1", "A7:562:82"), ("17b", "A7:562:DN"),
    ]  # fmt: skip
    assert "check digit" in found[0].message and "not 10 digits" in found[2].message


# --- rule 3: diagnosis pointers -------------------------------------------------------------


def test_pointers_to_listed_diagnoses_pass(base):
    claim = lines(base, ("99213", (), 1, (2, 1)))
    assert of(scrub(claim), "diagnosis-pointer") == []


@pytest.mark.parametrize(
    "pointers, stc, words",
    [((), "A6:477", "no diagnosis pointer"), ((9,), "A7:477", "empty box 21.I"),
     ((1, 1), "A7:477", "repeated"), ((1, 2, 1, 2, 1), "A7:477", "at most 4")],
)  # fmt: skip
def test_bad_pointers_are_rejected_on_24e(base, pointers, stc, words):
    claim = lines(base, ("99213", ()), ("36415", (), 1, pointers))
    found = of(scrub(claim), "diagnosis-pointer")
    assert [(f.box, f.line, f.stc01) for f in found] == [("24E.2", 2, stc)]
    assert words in found[0].message


# --- rule 4: ICD-10-CM validity --------------------------------------------------------------


def test_incomplete_diagnoses_are_rejected_with_what_to_add(base):
    claim = replace(base, diagnoses=("E11", "S52.501", "T36.01A", "E11"))
    found = of(scrub(claim), "icd10cm-invalid")
    assert [(f.box, f.stc01) for f in found] == [
        ("21.A", "A7:254"), ("21.B", "A7:255"), ("21.C", "A7:255"), ("21.D", "A7:255"),
        ("21.D", "A7:255"),
    ]  # fmt: skip
    assert "add 1 to 4 more characters" in found[0].message and "I.B.2" in found[0].message
    assert "7th character" in found[1].message
    assert "T36.0X1A" in found[2].message and "placeholder" in found[2].message
    assert "already listed in 21.A" in found[4].message


def test_billable_diagnoses_pass(base):
    assert of(scrub(replace(base, diagnoses=("e1122", "N18.31"))), "icd10cm-invalid") == []


# --- rule 5: Excludes1 ------------------------------------------------------------------------


def test_an_excludes1_pair_is_reported_once_on_the_later_code(base):
    found = of(scrub(replace(base, diagnoses=("E11.9", "I10", "E10.9"))), "excludes1")
    assert [(f.box, f.stc01) for f in found] == [("21.C", "A8:255")]
    assert "E10.9" in found[0].message and "I.A.12.a" in found[0].message


def test_codes_without_an_excludes1_note_between_them_pass(base):
    assert of(scrub(replace(base, diagnoses=("E11.9", "I10"))), "excludes1") == []


# --- rule 6: age and sex ----------------------------------------------------------------------


def test_codes_that_do_not_fit_the_patient_are_rejected(base):
    male = replace(base.patient, sex="M")
    claim = lines(replace(base, patient=male, diagnoses=("N94.6", "I10")),
                  ("99213", ()), ("90460", ()))  # fmt: skip
    found = of(scrub(claim), "age-sex")
    assert [(f.box, f.stc01) for f in found] == [("21.A", "A8:86"), ("24D.2", "A8:475")]
    assert "female patients only" in found[0].message and "male patient aged" in found[0].message
    assert "through 18 years" in found[1].message


def test_codes_that_fit_the_patient_pass(base):
    female = replace(base.patient, sex="F")
    claim = replace(base, patient=female, diagnoses=("N94.6", "I10"))
    assert of(scrub(claim), "age-sex") == []


# --- rule 7: CPT/HCPCS validity ---------------------------------------------------------------


def test_unknown_and_terminated_codes_are_rejected(base):
    claim = lines(base, ("99999", ()), ("A4397", ()), ("9921", ()))
    found = of(scrub(claim), "procedure-code-invalid")
    assert [(f.box, f.stc01) for f in found] == [
        ("24D.1", "A7:454"), ("24D.2", "A7:507"), ("24D.3", "A7:454"),
    ]  # fmt: skip
    assert "terminated on 2021-12-31" in found[1].message


def test_valid_codes_pass(base):
    claim = lines(base, ("99213", ()), ("J1885", ()), ("g0008", ()))
    assert of(scrub(claim), "procedure-code-invalid") == []


# --- rule 8: modifiers ------------------------------------------------------------------------


def test_modifiers_that_do_not_apply_are_rejected(base):
    claim = lines(base, ("99213", ("26",)), ("36415", ("ZZ", "ZZ")))
    found = of(scrub(claim), "modifier-invalid")
    assert [(f.box, f.stc01) for f in found] == [
        ("24D.1", "A7:453"), ("24D.2", "A7:453"), ("24D.2", "A7:453"),
    ]  # fmt: skip
    assert "does not apply to 99213" in found[0].message
    assert "repeated" in found[1].message and "not a CPT or HCPCS" in found[2].message


def test_modifiers_that_apply_pass(base):
    claim = lines(base, ("99213", ("25",)), ("87880", ("qw",)))
    assert of(scrub(claim), "modifier-invalid") == []


# --- rule 9: NCCI PTP ---------------------------------------------------------------------------


def test_ptp_indicator_1_without_a_modifier_is_rejected_on_the_column_2_line(base):
    found = of(scrub(lines(base, ("99213", ()), ("96372", ()))), "ncci-ptp")
    assert [(f.box, f.line, f.stc01) for f in found] == [("24D.1", 1, "A8:453")]
    assert "modifier indicator 1" in found[0].message and "modifier 25" in found[0].message


def test_ptp_indicator_1_with_the_right_modifier_passes(base):
    assert of(scrub(lines(base, ("99213", ("25",)), ("96372", ()))), "ncci-ptp") == []


def test_ptp_indicator_0_is_rejected_whatever_the_modifier(base):
    found = of(scrub(lines(base, ("80053", ()), ("80048", ("59",)))), "ncci-ptp")
    assert [(f.box, f.stc01) for f in found] == [("24D.2", "A8:454")]
    assert "modifier indicator 0" in found[0].message and "remove 80048" in found[0].message


def test_ptp_bypassed_by_59_is_a_warning_and_other_dates_are_not_paired(base):
    found = of(scrub(lines(base, ("71046", ()), ("71045", ("59",)))), "ncci-ptp")
    assert [(f.severity, f.box, f.stc01) for f in found] == [("warning", "24D.2", "A2:20")]
    assert "different site, session or incision" in found[0].message
    same_day = lines(base, ("80053", ()), ("80048", ()))
    next_day = replace(same_day.lines[1], service_date=same_day.lines[0].service_date + ONE_DAY)
    assert of(scrub(replace(same_day, lines=(same_day.lines[0], next_day))), "ncci-ptp") == []


# --- rule 9b: E/M beside a global-period procedure ---------------------------------------------


def test_an_em_beside_a_minor_procedure_needs_25(base):
    assert ncci.ptp_between("20610", "99204") is None  # no PTP pair: the global rule finds it
    found = of(scrub(lines(base, ("99204", ()), ("20610", ("RT",)))), "em-same-day-procedure")
    assert [(f.box, f.stc01) for f in found] == [("24D.1", "A8:453")]
    assert "000-day global" in found[0].message and "modifier 25" in found[0].message
    assert (
        of(scrub(lines(base, ("99204", ("25",)), ("20610", ("RT",)))), "em-same-day-procedure")
        == []
    )


def test_an_em_already_reported_by_ptp_is_not_reported_twice(base):
    found = scrub(lines(base, ("99213", ()), ("20610", ("RT",))))
    assert [f.rule for f in found] == ["ncci-ptp"]


# --- rule 10: MUE -------------------------------------------------------------------------------


def test_mue_mai_1_counts_each_line_on_its_own(base):
    assert ncci.mue("A6460").mai == 1 and ncci.mue("A6460").value == 1
    found = of(scrub(lines(base, ("99213", ()), ("A6460", (), 2))), "mue-units")
    assert [(f.box, f.stc01) for f in found] == [("24G.2", "A7:476")]
    assert "MAI 1" in found[0].message
    two_lines = lines(base, ("A6460", ("A1",)), ("A6460", ("XS",)))
    assert of(scrub(two_lines), "mue-units") == []


def test_mue_mai_2_and_3_sum_the_units_of_the_day(base):
    assert (ncci.mue("17110").mai, ncci.mue("36415").mai) == (2, 3)
    found = of(scrub(lines(base, ("17110", ("RT",)), ("17110", ("LT",)))), "mue-units")
    assert [(f.box, f.line) for f in found] == [("24G.2", 2)]
    assert "2 units of 17110" in found[0].message and "MAI 2" in found[0].message
    found = of(scrub(lines(base, ("99213", ()), ("36415", (), 3))), "mue-units")
    assert [f.box for f in found] == ["24G.2"] and "MAI 3" in found[0].message
    assert of(scrub(lines(base, ("99213", ()), ("36415", (), 2))), "mue-units") == []


# --- rule 11: duplicate lines ---------------------------------------------------------------------


def test_a_repeated_line_is_a_duplicate_whatever_the_modifier_order(base):
    found = of(scrub(lines(base, ("87880", ("QW", "59")), ("87880", ("59", "QW")))),
               "duplicate-line")  # fmt: skip
    assert [(f.box, f.line, f.stc01) for f in found] == [("24D.2", 2, "A8:454")]


def test_repeats_with_distinguishing_modifiers_are_not_duplicates(base):
    claim = lines(base, ("73562", ("RT",)), ("73562", ("LT",)))
    assert of(scrub(claim), "duplicate-line") == []


# --- rule 12: frequency --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frequency, reference, stc",
    [("7", None, "A6:464"), ("8", " ", "A6:464"), ("1", "2026123456789", "A8:464"),
     ("9", None, "A7:535")],
)  # fmt: skip
def test_frequency_and_original_reference_must_agree(base, frequency, reference, stc):
    found = scrub(replace(base, frequency=frequency, original_reference=reference))
    assert [(f.rule, f.box, f.stc01) for f in found] == [("claim-frequency", "22", stc)]


@pytest.mark.parametrize("frequency, reference", [("1", None), ("7", "ICN123"), ("8", "ICN1")])
def test_frequency_with_the_reference_it_needs_passes(base, frequency, reference):
    assert scrub(replace(base, frequency=frequency, original_reference=reference)) == []


# --- the simulator ------------------------------------------------------------------------------


def test_every_answer_key_scrubs_clean(run):
    """Keys are verified against the code sets, so a reject here is a bug in a rule."""
    keyed = _claims(run, billed=False)
    assert len(keyed) > 200
    for e, found in zip((e for e, _ in keyed), scrub_many(c for _, c in keyed), strict=True):
        assert [f.message for f in found if f.rejected] == [], e.scenario


def test_the_coding_pattern_memo_never_changes_an_answer(run, base):
    """A rule skipped for a known clean coding must be one that would have found nothing."""
    billed = [c for _, c in _claims(run, billed=True)]
    child = replace(base.patient, birth_date=base.lines[0].service_date - timedelta(days=400))
    adult = replace(base.patient, birth_date=date(1970, 1, 1))
    vaccine = lines(base, ("90460", ()), ("99213", ("25",)))
    variants = [
        replace(vaccine, patient=child),  # clean for a child ...
        replace(vaccine, patient=adult),  # ... the same coding is not for an adult
        *billed,
    ]
    clear_memos()
    memoised = scrub_many(variants + variants)
    unmemoised = [replace(r, memo_key=None) for r in RULES]
    assert memoised == scrub_many(variants + variants, rules=unmemoised)
    assert memoised[0] == [] and [f.rule for f in memoised[1]] == ["age-sex"]


DETECTABLE = {"missing-modifier-25", "ncci-no-separate-site"}
# Not visible on a claim: the side the note never documented, and an E/M level the
# documentation does not support (both need the note), nor coverage and authorization
# (the payer's policies).
INVISIBLE = {
    "missing-laterality",
    "unsupported-em-level",
    "missing-auth",
    "missing-referral",
    "expired-coverage",
}


def test_flaws_a_scrubber_can_see_are_reported(run):
    seen = {"missing-modifier-25": 0, "ncci-no-separate-site": 0}
    for e, claim in _claims(run, billed=True):
        kinds = {f.kind for f in e.flaws}
        found = scrub(claim)
        if not kinds & DETECTABLE:
            assert kinds <= INVISIBLE
            assert [f.message for f in found if f.rejected] == [], e.scenario
            continue
        key_codes = [ln.code for ln in e.lines]
        if "missing-modifier-25" in kinds:
            em_code = next(ln.code for ln in e.lines if "25" in ln.modifiers)
            em = next(ln for ln in claim.lines if ln.code == em_code)
            hits = [f for f in found if f.line == em.number and f.rejected]
            if hits:
                seen["missing-modifier-25"] += 1
                assert hits[0].rule in ("ncci-ptp", "em-same-day-procedure")
                assert "25" in hits[0].message
            else:  # no PTP pair and no global period: e.g. 99213 with 99406 (documented)
                assert all(ncci.ptp_between(em.code, c) is None for c in key_codes if c != em.code)
        if "ncci-no-separate-site" in kinds:
            extra = claim.lines[-1]
            hits = [f for f in found if f.line == extra.number and f.rule == "ncci-ptp"]
            if hits:
                seen["ncci-no-separate-site"] += 1
            else:  # the pair is missing from the shipped extract (090-day column 1 codes)
                assert all(ncci.ptp_between(extra.code, c) is None for c in key_codes)
    assert seen["missing-modifier-25"] > 0 and seen["ncci-no-separate-site"] > 0, seen
