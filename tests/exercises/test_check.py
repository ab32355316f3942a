"""Exercise files and checkers: the bank's keys score 1.0, answers of every quality, bad input."""

from __future__ import annotations

import json

import pytest

from codesets import icd10cm
from exercises import load
from exercises.check import check
from exercises.model import ExerciseError
from rcmlab.cli import main

BANK = load.bank()


CODING = {"diagnosis-coding", "procedure-coding", "full-encounter"}


@pytest.mark.parametrize("eid", sorted(e for e, x in BANK.items() if x.kind in CODING))
def test_every_coding_key_scores_one_and_its_codes_are_valid(eid):
    ex = BANK[eid]
    result = check(ex, ex.answer)
    assert result.correct and result.score == 1.0, result.as_dict()
    for code in ex.answer.get("diagnoses", []) + ex.context.get("diagnoses", []):
        assert icd10cm.is_billable(code), code
    assert "Guidelines" in ex.rationale or "NCCI" in ex.rationale


def test_diagnosis_answers_of_every_quality():
    ex = BANK["dx-diabetes-ckd-001"]
    variant = check(ex, {"diagnoses": ["e1122", " n18.31 ", "Z79.84"]})
    assert variant.correct  # case, spaces, missing dot
    reordered = check(ex, {"diagnoses": ["E11.22", "Z79.84", "N18.31"]})
    assert reordered.correct  # secondary order does not matter
    wrong_first = check(ex, {"diagnoses": ["N18.31", "E11.22", "Z79.84"]})
    assert not wrong_first.correct and wrong_first.score == pytest.approx(2 / 3)
    assert any("IV.G" in f.message for f in wrong_first.feedback)
    partial = check(ex, {"diagnoses": ["E11.22", "N18.3"]})
    assert 0 < partial.score < 1
    assert any("N18.3 is not billable" in f.message for f in partial.feedback)
    assert any("missing" in f.message for f in partial.feedback)
    excl = check(ex, {"diagnoses": ["E11.22", "E10.9", "N18.31", "Z79.84"]})
    assert any("Excludes1" in f.message for f in excl.feedback)
    assert excl.score == pytest.approx(3 / 4)


def test_seventh_character_feedback():
    ex = BANK["dx-torus-fracture-001"]
    r = check(ex, {"diagnoses": ["S52.521"]})
    assert r.score == 0 and "7th character" in r.feedback[0].message


def test_procedure_answers_of_every_quality():
    ex = BANK["proc-knee-injection-001"]
    ok = check(
        ex,
        {
            "procedures": [
                {"code": "20610", "modifiers": ["rt"], "units": "1", "dx_pointers": ["A"]},
                {"code": "99214", "modifiers": ["25"], "units": 1, "dx_pointers": [1]},
                {"code": "j3301", "units": 4, "dx_pointers": [1]},
            ]
        },
    )
    assert ok.correct, ok.as_dict()
    no25 = check(
        ex,
        {
            "procedures": [
                {"code": "99214", "modifiers": [], "units": 1, "dx_pointers": [1]},
                {"code": "20610", "modifiers": ["RT"], "units": 1, "dx_pointers": [1]},
                {"code": "J3301", "units": 4, "dx_pointers": [1]},
            ]
        },
    )
    assert not no25.correct and no25.score == pytest.approx(1 - 0.2 / 3)
    assert any("NCCI" in f.message and "99214" in f.message for f in no25.feedback)
    units = check(
        ex,
        {
            "procedures": [
                {"code": "99214", "modifiers": ["25"], "units": 1, "dx_pointers": [1]},
                {"code": "20610", "modifiers": ["RT"], "units": 1, "dx_pointers": [1]},
                {"code": "J3301", "units": 40, "dx_pointers": [1]},
            ]
        },
    )
    assert any("40 units" in f.message for f in units.feedback)
    bad_mod = check(
        ex,
        {
            "procedures": [
                {"code": "99214", "modifiers": ["25", "RT"], "units": 1, "dx_pointers": [1]},
            ]
        },
    )
    assert any("RT" in f.message and "does not apply" in f.message for f in bad_mod.feedback)


def test_multiple_choice():
    ex = BANK["mc-placeholder-x-001"]
    assert check(ex, {"choice": " b "}).correct
    assert check(ex, {"choice": "A"}).score == 0


@pytest.mark.parametrize(
    "response",
    [[], "E11.22", {"diagnoses": "E11.22"}, {"diagnoses": [1, 2]}, {}, {"choice": 3}],
)
def test_malformed_responses_are_input_errors(response):
    ex = BANK["dx-diabetes-ckd-001"]
    with pytest.raises(ExerciseError):
        check(ex, response)


def test_malformed_procedure_lines():
    ex = BANK["proc-knee-injection-001"]
    for bad in (
        [{"modifiers": []}],
        [{"code": "20610", "units": "two"}],
        [{"code": "20610", "dx_pointers": ["Z"]}],
        "20610",
    ):
        with pytest.raises(ExerciseError):
            check(ex, {"procedures": bad})


def test_versioned_format_upgrades_and_errors(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text(
        "id: dx-old-001\nkind: diagnosis-coding\ntitle: An old-format exercise\n"
        "module: 02-diagnosis-coding\nkey: {diagnoses: [J02.0]}\n"
        "rationale: Streptococcal pharyngitis confirmed by a rapid test, I.C.1.\n",
        encoding="utf-8",
    )
    ex = load.load(old)
    assert ex.answer == {"diagnoses": ["J02.0"]}
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema_version: 1\nid: x-1\nkind: coding\ntitle: Bad kind here\n"
        "module: 02-x\nanswer: {}\nrationale: twenty characters or more here.\n",
        encoding="utf-8",
    )
    with pytest.raises(ExerciseError, match=r"bad\.yaml:3: field 'kind'"):
        load.load(bad)
    future = tmp_path / "future.yaml"
    future.write_text("schema_version: 9\nid: x\n", encoding="utf-8")
    with pytest.raises(ExerciseError, match="schema_version 9 is not supported"):
        load.load(future)


def test_cli_check(tmp_path, capsys):
    ex = BANK["dx-diabetes-ckd-001"]
    resp = tmp_path / "r.json"
    resp.write_text(json.dumps({"diagnoses": ["E11.22", "N18.3"]}))
    assert main(["check", str(ex.path), str(resp)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["exercise"] == "dx-diabetes-ckd-001" and out["correct"] is False
    assert {"exercise", "correct", "score", "feedback", "rationale"} <= set(out)
    resp.write_text("{not json")
    assert main(["check", str(ex.path), str(resp)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "r.json" in err
    resp.write_text(json.dumps({"diagnoses": "E11.22"}))
    assert main(["check", str(ex.path), str(resp)]) == 2


# --- claim form, eligibility, denial, posting, appeal ----------------------------------------


def test_claim_form_normalises_each_box_type():
    ex = BANK["cf-office-visit-self-001"]
    r = check(
        ex,
        {
            "fields": {
                "1": "group",
                "1a": "hkp-482913307",
                "2": "Whitfield,  Dana",
                "3": "1984-07-19 female",
                "4": "WHITFIELD, DANA.",
                "6": "self",
                "11": "grp55120",
                "21.A": "j02.0",
                "24A.1": "02/09/2026",
                "24B.1": 11,
                "24D.1": "99213",
                "24E.1": "1",
                "24F.1": "$145",
                "24G.1": 1,
                "24J.1": "154-321-9871",
                "28": 145.0,
                "33a": "1765432103",
            }
        },
    )
    assert r.correct, r.as_dict()


def test_claim_form_feedback_names_the_box_and_the_slip():
    ex = BANK["cf-em-and-procedure-pointers-001"]
    fields = dict(ex.answer["fields"])
    fields["24E.1"] = "E11.9"
    fields["24E.2"] = ""
    fields["24D.1"] = "25 99214"
    fields["21.B"] = "M17.1"
    r = check(ex, {"fields": fields})
    msgs = {f.part: f.message for f in r.feedback if not f.ok}
    assert "not the code" in msgs["24E.1"] and msgs["24E.1"].startswith("Box 24E.1")
    assert "empty" in msgs["24E.2"]
    assert "M17.1" in msgs["21.B"]
    assert r.score == pytest.approx((13 - 4) / 13)
    swapped = dict(ex.answer["fields"], **{"24E.1": "BA"})
    assert check(ex, {"fields": swapped}).score == pytest.approx(12.5 / 13)
    modifiers_any_order = check(ex, {"fields": dict(ex.answer["fields"], **{"24D.1": "99214-25"})})
    assert modifiers_any_order.correct


@pytest.mark.parametrize(
    "response",
    [{}, {"fields": []}, {"fields": {"99": "x"}}, {"fields": {"2": {"a": 1}}}, {"boxes": {}}],
)
def test_claim_form_malformed(response):
    with pytest.raises(ExerciseError):
        check(BANK["cf-office-visit-self-001"], response)


def test_eligibility_amounts_and_money_path():
    ex = BANK["elig-deductible-coinsurance-001"]
    ok = check(
        ex,
        {
            "patient_owes": "$250",
            "deductible_applied": 200,
            "coinsurance": "50.00",
            "plan_pays": 200.0,
        },
    )
    assert ok.correct
    wrong = check(
        ex,
        {"patient_owes": "90.00", "deductible_applied": 200, "coinsurance": 50, "plan_pays": 360},
    )
    assert wrong.score == pytest.approx(0.5)
    msg = next(f.message for f in wrong.feedback if f.part == "patient_owes")
    # the explanation is computed from the plan in the context
    assert "$200.00 of the deductible was left" in msg and "20% of the remaining $250.00" in msg
    with pytest.raises(ExerciseError, match=r"response.patient_owes: expected an amount"):
        check(ex, {"patient_owes": "abc"})
    with pytest.raises(ExerciseError, match="unknown field"):
        check(ex, {"patient_owes": 1, "tip": 2})


def test_eligibility_yes_no_and_oop_cap():
    ex = BANK["elig-hmo-specialist-referral-001"]
    r = check(ex, {"referral_required": "no", "patient_owes": 50, "plan_pays": 162})
    assert r.score == pytest.approx(2 / 3)
    assert any("referral" in f.message for f in r.feedback if not f.ok)
    cap = BANK["elig-oop-max-001"]
    r = check(cap, {"patient_owes": 240, "plan_pays": 560, "coinsurance": 240, "oop_remaining": 0})
    assert any("out-of-pocket maximum" in f.message for f in r.feedback if not f.ok)


def test_denial_analysis():
    ex = BANK["den-prior-auth-co197-001"]
    assert check(
        ex, {"carc": "co 197", "cause": "Missing Prior Auth", "action": "write_off"}
    ).correct
    half = check(ex, {"carc": "PR197", "cause": "missing-prior-auth", "action": "bill-patient"})
    assert half.score == pytest.approx((0.5 + 1 + 0) / 3)
    msgs = " ".join(f.message for f in half.feedback)
    assert "group is CO" in msgs and "not billed to the patient" in msgs
    for bad in (
        {"carc": "XX-197"},
        {"carc": "CO-999"},
        {"cause": "bad-luck"},
        {"action": "pray"},
        {"carc": 197},
        {"note": "x"},
    ):
        with pytest.raises(ExerciseError):
            check(ex, bad)
    bundled = BANK["den-bundled-co97-001"]  # an alternate cause earns full credit
    assert check(
        bundled, {"carc": "CO-97", "cause": "bundled-ncci", "action": "correct-and-resubmit"}
    ).correct


def test_payment_posting_lines_and_count_mismatch():
    ex = BANK["post-deductible-two-lines-001"]
    assert check(ex, ex.answer).correct
    one_line = {"lines": [ex.answer["lines"][0]], "total_paid": "13.52", "patient_balance": 134.65}
    r = check(ex, one_line)
    assert r.score == pytest.approx((6 + 2) / 14)
    assert any("not posted" in f.message for f in r.feedback)
    extra = dict(ex.answer, lines=[*ex.answer["lines"], {"paid": 5}])
    r = check(ex, extra)
    assert not r.correct and r.score == pytest.approx(14 / 15)
    wrong = check(
        BANK["post-copay-co45-001"],
        {
            "lines": [
                {"allowed": 98.4, "paid": 98.4, "contractual": 46.6, "patient_responsibility": 30}
            ],
            "patient_balance": 30,
        },
    )
    msg = next(f.message for f in wrong.feedback if f.part == "lines[0].paid")
    assert "allowed $98.40 - patient responsibility $30.00" in msg
    with pytest.raises(ExerciseError, match=r"response.lines\[1\].paid: expected an amount"):
        check(ex, {"lines": [{}, {"paid": "abc"}]})
    with pytest.raises(ExerciseError, match=r"response.lines\[0\]: expected an object"):
        check(ex, {"lines": [[1, 2]]})


def test_appeal_grounds_attachments_and_letter_rubric():
    ex = BANK["appeal-auth-obtained-001"]
    letter = (
        "RE: LORETTA KIM - claim #2026052200418 - DOS May 18, 2026. Denied co197. Auth "
        "auth26-0502-1187 was approved before the service. Please reprocess."
    )
    ok = check(
        ex,
        {
            "grounds": ["auth_was_obtained"],
            "attachments": ["copy-of-remittance", "Prior Auth Approval"],
            "letter": letter,
        },
    )
    assert ok.correct, ok.as_dict()
    partial = check(
        ex,
        {
            "grounds": ["auth-was-obtained", "medically-necessary"],
            "attachments": ["prior-auth-approval"],
            "letter": "Please pay claim 2026052200418.",
        },
    )
    assert partial.score == pytest.approx(0.4 * 0.5 + 0.3 * 0.5 + 0.3 * 1 / 6)
    assert any(
        "should mention" in f.message and "Loretta Kim" in f.message for f in partial.feedback
    )
    with pytest.raises(ExerciseError, match=r"response\.grounds"):
        check(ex, {"grounds": ["because"]})
    with pytest.raises(ExerciseError, match=r"response\.letter"):
        check(ex, {"letter": ["x"]})
