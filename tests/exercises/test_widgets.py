"""The exercise widgets: the model (no widgets) and the ipywidgets UIs driven in Python.

Every bank exercise renders; typing its key into its form and pressing Check is graded
correct and recorded in a private Progress store; unreadable input shows a one-line error
and records nothing; the CodePicker searches and picks; the module navigator moves and
counts progress; `rcmlab app --dry-run` prints the Voila command.
"""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exercises.load import bank
from exercises.model import ExerciseError
from exercises.widgets import (
    CodePicker,
    ExerciseWidget,
    ModuleExercises,
    ProgressOverview,
    exercises_for,
    module_page,
    ui,
    worked_example,
)
from exercises.widgets import model as m

BANK = bank()


@pytest.fixture()
def progress(tmp_path, monkeypatch):
    monkeypatch.setenv("RCMLAB_DATA_DIR", str(tmp_path / "data"))
    p = m.default_progress()
    if p is None:
        pytest.skip("exercises.progress is not there yet")
    return p


def _one_per_kind() -> list:
    seen: dict[str, object] = {}
    for ex in BANK.values():
        seen.setdefault(ex.kind, ex)
    return list(seen.values())


def _type_key(widget: ExerciseWidget) -> None:
    """Fill the widget's form with the exercise's key, the way a learner would."""
    ex, e = widget.exercise, widget.editor
    key = ex.answer
    if ex.kind == "multiple-choice":
        e.choices.value = key["choice"]
    if ex.kind in ("diagnosis-coding", "full-encounter"):
        dx = e.dx if ex.kind == "full-encounter" else e
        for i, code in enumerate(key["diagnoses"]):
            if i >= len(dx.pickers):
                dx.list.add_row()
            dx.pickers[i].text.value = code
    if ex.kind in ("procedure-coding", "full-encounter"):
        px = e.px if ex.kind == "full-encounter" else e
        for i, line in enumerate(key["procedures"]):
            row = px.list.rows[i] if i < len(px.list.rows) else px.list.add_row()
            row.code.text.value = line["code"]
            row.modifiers.value = " ".join(line.get("modifiers", []))
            row.units.value = str(line.get("units", 1))
            row.pointers.value = ",".join(str(p) for p in line.get("dx_pointers", []))
    if ex.kind == "claim-form":
        for box, value in key["fields"].items():
            e.boxes[box].value = str(value)
    if ex.kind == "eligibility":
        for name, value in key.items():
            e.fields[name].value = value if isinstance(value, bool) else str(value)
    if ex.kind == "denial-analysis":
        e.carc.value = key["carc"]
        e.cause.value = key["cause"]
        e.action.value = key["action"]
        if e.rarc is not None:
            e.rarc.value = key.get("rarc", "")
    if ex.kind == "payment-posting":
        for row, line in zip(e.cells, key["lines"], strict=False):
            for col, value in line.items():
                row[col].value = str(value)
        for name, t in e.claim.items():
            t.value = str(key[name])
    if ex.kind == "appeal":
        e.grounds.value = tuple(key.get("grounds", ()))
        e.attachments.value = tuple(key.get("attachments", ()))
        e.letter.value = key.get("letter", "") or ""


# --- model ---------------------------------------------------------------------------------


def test_parsers_read_what_learners_type():
    assert m.parse_modifiers(" 25, rt ") == ["25", "RT"]
    assert m.parse_modifiers("25-RT") == ["25", "RT"]
    assert m.parse_pointers("1, 2", "line 1") == [1, 2]
    assert m.parse_pointers("AB", "line 1") == [1, 2]
    assert m.parse_pointers("10 12", "line 1") == [10, 12]
    assert m.parse_units("", "line 1") == 1
    assert m.parse_units(" 4 ", "line 1") == 4
    with pytest.raises(ExerciseError, match=r"^procedure line 2: units .* 'x'$"):
        m.procedure_response([{"code": "99213"}, {"code": "20610", "units": "x"}])
    with pytest.raises(ExerciseError, match="line 1: '\\?' is not a diagnosis pointer"):
        m.parse_pointers("?", "line 1")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 12), min_size=1, max_size=4))
def test_pointer_letters_and_numbers_agree(pointers):
    letters = "".join(m.LETTERS[p - 1] for p in pointers)
    numbers = ", ".join(str(p) for p in pointers)
    assert m.parse_pointers(letters, "x") == pointers == m.parse_pointers(numbers, "x")


def test_procedure_response_shape_and_blank_rows():
    rows = [
        {"code": " 99214 ", "modifiers": "25", "units": "1", "dx_pointers": "1"},
        {"code": "", "modifiers": "RT"},
        {"code": "J3301", "modifiers": "", "units": "4", "dx_pointers": "A"},
    ]
    assert m.procedure_response(rows) == {
        "procedures": [
            {"code": "99214", "modifiers": ["25"], "units": 1, "dx_pointers": [1]},
            {"code": "J3301", "modifiers": [], "units": 4, "dx_pointers": [1]},
        ]
    }
    assert m.diagnosis_response([" E11.22", "", "  "]) == {"diagnoses": ["E11.22"]}


def test_claim_boxes_follow_the_form_with_nucc_labels():
    ex = next(e for e in BANK.values() if e.kind == "claim-form")
    boxes = [b for b, _ in m.claim_boxes(ex)]
    assert sorted(boxes) == sorted(ex.answer["fields"])
    from sim import cms1500

    order = list(cms1500.BOXES)
    assert [order.index(b) for b in boxes] == sorted(order.index(b) for b in boxes)
    assert all(label == cms1500.BOXES[b] for b, label in m.claim_boxes(ex))


def test_form_vocabularies_come_from_the_checkers_and_hold_the_key():
    for ex in BANK.values():
        if ex.kind == "denial-analysis":
            causes, actions = m.denial_vocabulary(ex)
            assert ex.answer["cause"] in {v for _, v in causes}
            assert ex.answer["action"] in {v for _, v in actions}
            assert len(causes) >= 10  # the checker's whole list, not just the key
        if ex.kind == "eligibility":
            kinds = {name: kind for name, _, kind, _ in m.eligibility_fields(ex)}
            for name, value in ex.answer.items():
                assert (kinds[name] == "bool") == isinstance(value, bool)


def test_code_search_and_verdicts():
    hits = m.code_search("diabetes chronic kidney", m.ICD)
    assert "E11.22" in [h["code"] for h in hits]
    assert all(h["system"] == "icd10cm" for h in hits)
    procs = m.code_search("injection major joint", m.PROCEDURES)
    assert "20610" in [h["code"] for h in procs]
    assert m.code_verdict("e1122").ok and m.code_verdict("e1122").code == "E11.22"
    v = m.code_verdict("N18.3")
    assert not v.ok and "N18.31" in v.message
    assert m.code_verdict("J3301", m.PROCEDURES).ok
    assert not m.code_verdict("ZZZ99", m.PROCEDURES).ok
    assert m.looks_like_code("e1122") and m.looks_like_code("99214")
    assert not m.looks_like_code("diabetes ckd")


@pytest.mark.parametrize("module", ["02-diagnosis-coding", "03-procedure-coding"])
def test_modules_offer_at_least_eight_exercises(module):
    if m.optional_module("exercises.generators") is None:
        pytest.skip("exercises.generators is not there yet")
    exercises = exercises_for(module, generated=8, seed=5)
    assert len(exercises) >= 8
    assert len({ex.id for ex in exercises}) == len(exercises)
    # the navigator's lazy entries are the same exercises in the same order
    entries = m.entries_for(module, generated=8, seed=5)
    assert [e.get().id for e in entries] == [ex.id for ex in exercises]
    # deterministic by seed
    assert [ex.id for ex in exercises_for(module, 8, 5)] == [ex.id for ex in exercises]


def test_attempt_records_in_progress_and_holds_feedback_in_assignments(progress):
    ex = BANK["dx-diabetes-ckd-001"]
    practice = m.Attempt(ex, progress, "practice")
    result = practice.check({"diagnoses": ["N18.31"]})
    assert result is not None and not result.correct
    assert practice.check({"diagnoses": ["E11.22", "N18.31", "Z79.84"]}).correct
    assert len(progress.attempts(exercise_id=ex.id)) == 2
    assert m.progress_line(ex.module, [ex], progress) == "1 of 1 done, best 100 %"
    assignment = m.Attempt(ex, progress, "assignment")
    assert assignment.check({"diagnoses": ["E11.22"]}) is None  # recorded, feedback held
    assert "Answer saved" in m.feedback_html(None)
    with pytest.raises(ExerciseError, match="mode"):
        m.Attempt(ex, progress, "quiz")


def test_progress_line_without_a_store():
    ex = BANK["dx-diabetes-ckd-001"]
    line = m.progress_line(ex.module, [ex], None)
    assert line == "1 exercises (progress is not saved in this session)"


# --- widgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", _one_per_kind(), ids=lambda e: e.kind)
def test_every_kind_renders_and_its_key_checks_correct(exercise, progress):
    widget = ExerciseWidget(exercise, progress)
    assert widget.check_button.description == "Check"
    assert "rcm-feedback" in widget.feedback._dom_classes
    _type_key(widget)
    result = widget.check()
    assert result is not None and result.correct, widget.feedback.value
    assert ">Correct<" in widget.feedback.value
    assert widget.checks == 1
    assert len(progress.attempts(exercise_id=exercise.id)) == 1


def test_every_bank_exercise_renders():
    kinds = Counter()
    for ex in BANK.values():
        w = ExerciseWidget(ex)
        assert isinstance(w.editor, ui.EDITORS[ex.kind])
        kinds[ex.kind] += 1
    assert kinds["diagnosis-coding"] >= 1


def test_unreadable_input_shows_one_line_and_records_nothing(progress):
    ex = BANK["proc-knee-injection-001"]
    w = ExerciseWidget(ex, progress)
    row = w.editor.list.rows[0]
    row.code.text.value = "20610"
    row.units.value = "two"
    assert w.check() is None
    assert "Please fix" in w.feedback.value and "units" in w.feedback.value
    assert "\n" not in w.feedback.value
    assert len(progress.attempts(exercise_id=ex.id)) == 0
    mc = ExerciseWidget(BANK["mc-placeholder-x-001"], progress)
    assert mc.check() is None and "pick one" in mc.feedback.value


def test_wrong_answer_feedback_says_why(progress):
    w = ExerciseWidget(BANK["dx-diabetes-ckd-001"], progress)
    w.editor.pickers[0].text.value = "N18.31"
    result = w.check()
    assert result is not None and not result.correct
    assert "Correct<" not in w.feedback.value and "&#10007;" in w.feedback.value


def test_code_picker_searches_picks_and_judges():
    p = CodePicker()
    p.text.value = "type 2 diabetes kidney"
    assert p.value == ""  # words are a search, not a code
    codes = [v for _, v in p.results.options]
    assert "E11.22" in codes
    p.results.value = "E11.22"
    assert p.value == "E11.22" and p.text.value == "E11.22"
    assert "billable" in p.info.value
    p.text.value = "n183"
    assert p.value == "n183" and "not billable" in p.info.value
    proc = CodePicker(systems=m.PROCEDURES)
    proc.text.value = "J3301"
    assert "hcpcs" in proc.info.value and "&#10003;" in proc.info.value


def test_module_navigator_moves_and_counts(progress):
    page = module_page("02-diagnosis-coding", generated=2, seed=1, progress=progress)
    assert isinstance(page, ModuleExercises)
    n = len(page.entries)
    assert page.status.value == f"<b>0 of {n} done</b>"
    first = page.current.exercise.id
    page.next.click()
    assert page.index == 1 and page.current.exercise.id != first
    page.prev.click()
    page.prev.click()
    assert page.index == 0
    page.go(n + 5)
    assert page.index == n - 1
    page.picker.value = 0
    page.current.editor.pickers[0].text.value = (
        "S52.521A" if first.startswith("dx-torus") else "E11.22"
    )
    page.current.check()
    assert page.status.value.startswith("<b>1 of ")


def test_empty_module_and_overview(progress):
    empty = ModuleExercises("12-mock-exams", generated=0, progress=progress)
    assert empty.entries == [] and "No exercises" in empty.body.children[0].value
    overview = ProgressOverview(progress)
    assert "No exercises done yet" in overview.table.value
    ExerciseWidget(BANK["mc-placeholder-x-001"], progress).editor.choices.value = "B"
    w = ExerciseWidget(BANK["mc-placeholder-x-001"], progress)
    w.editor.choices.value = "B"
    w.check()
    overview.refresh()
    assert "<table" in overview.table.value


def test_worked_examples_are_deterministic(capsys):
    worked_example("02-diagnosis-coding")
    first = capsys.readouterr().out
    worked_example("02-diagnosis-coding")
    assert capsys.readouterr().out == first
    assert "correct, score 100%" in first
    with pytest.raises(ValueError, match="no worked example"):
        worked_example("99-nothing")


def test_rcmlab_app_dry_run(capsys, tmp_path, monkeypatch):
    from rcmlab.cli import main

    assert main(["app", "--dry-run", "--port", "8899"]) == 0
    out = capsys.readouterr().out
    assert "-m voila" in out and "--port=8899" in out and "--Voila.ip=127.0.0.1" in out
    assert "--no-browser" in out and "notebooks" in out
    monkeypatch.setenv("RCMLAB_NOTEBOOKS", str(tmp_path))
    assert main(["app", "--dry-run"]) == 2
    assert "start page not found" in capsys.readouterr().err
