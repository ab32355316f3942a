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


@pytest.mark.parametrize("eid", sorted(BANK))
def test_every_bank_key_scores_one_and_its_codes_are_valid(eid):
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
