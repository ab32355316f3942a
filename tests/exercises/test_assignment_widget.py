"""The student's assignment page: a package from `rcmlab assign` answered with the widgets,
saved as responses.json and graded by `rcmlab grade`; answers restored on reopening; an
exercise left alone stays "not answered"; bad packages are one line in the page; the save
is atomic; the sample package in docs/examples is what `rcmlab assign` writes today."""

from __future__ import annotations

import csv
import html
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises import assign as A
from exercises import grade as G
from exercises.widgets import AssignmentPage, assignment_page, ui
from exercises.widgets import assignment as P

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
GENERATED_SPEC = """id: wk9-cycle
title: Week 9 - the billing cycle
due: 2026-03-06
items:
  - {generate: claim-form}
  - {generate: eligibility}
  - {generate: denial-analysis}
  - {generate: payment-posting}
  - {generate: full-encounter}
  - {generate: appeal}
"""


@pytest.fixture(scope="module")
def week3(tmp_path_factory):
    """The sample class of docs/examples assigned into a temp folder (as an instructor)."""
    out = tmp_path_factory.mktemp("week3") / "week3"
    A.assign(EXAMPLES / "roster.csv", EXAMPLES / "assignment-week3.yaml", out)
    return out


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """One student's package of generated exercises of every form-based kind."""
    tmp = tmp_path_factory.mktemp("cycle")
    (tmp / "spec.yaml").write_text(GENERATED_SPEC)
    (tmp / "roster.csv").write_text("student_id,name,email\nz9,Zed Nine,zed@example.edu\n")
    A.assign(tmp / "roster.csv", tmp / "spec.yaml", tmp / "out")
    return tmp / "out"


def keys_of(out: Path, sid: str) -> dict[str, dict]:
    keys = json.loads((out / "instructor" / "keys.json").read_text())
    return {e["id"]: e for e in keys["students"][sid]["exercises"]}


def fresh_copy(out: Path, tmp_path: Path) -> Path:
    """A private copy of an assign output (tests in this module share the fixtures)."""
    dest = tmp_path / out.name
    shutil.copytree(out, dest)
    return dest


def type_answer(editor: ui.Editor, kind: str, key: dict) -> None:
    """Fill a form with ``key`` the way a student does: typing and clicking in the widgets."""
    if kind == "multiple-choice":
        editor.choices.value = key["choice"]
    if kind in ("diagnosis-coding", "full-encounter"):
        dx = editor.dx if kind == "full-encounter" else editor
        for i, code in enumerate(key["diagnoses"]):
            if i >= len(dx.pickers):
                dx.list.add_row()
            dx.pickers[i].text.value = code
    if kind in ("procedure-coding", "full-encounter"):
        px = editor.px if kind == "full-encounter" else editor
        for i, line in enumerate(key["procedures"]):
            row = px.list.rows[i] if i < len(px.list.rows) else px.list.add_row()
            row.code.text.value = line["code"]
            row.modifiers.value = " ".join(line.get("modifiers", []))
            row.units.value = str(line.get("units", 1))
            row.pointers.value = ",".join(str(p) for p in line.get("dx_pointers", []))
    if kind == "claim-form":
        for box, value in key["fields"].items():
            editor.boxes[box].value = str(value)
    if kind == "eligibility":
        for name, value in key.items():
            f = editor.fields[name]
            if isinstance(value, bool):
                f.value = not value  # click twice: a "no" is an answer too
            f.value = value if isinstance(value, bool) else str(value)
    if kind == "denial-analysis":
        editor.carc.value = key["carc"]
        editor.cause.value = key["cause"]
        editor.action.value = key["action"]
        if editor.rarc is not None:
            editor.rarc.value = key.get("rarc", "")
    if kind == "payment-posting":
        for row, line in zip(editor.cells, key["lines"], strict=True):
            for col, value in line.items():
                row[col].value = str(value)
        for name, t in editor.claim.items():
            t.value = str(key[name])
    if kind == "appeal":
        editor.grounds.value = tuple(key["grounds"])
        editor.attachments.value = tuple(key["attachments"])
        editor.letter.value = key["letter"]


def answer_all(page: AssignmentPage, keys: dict[str, dict], only: set[str] | None = None):
    """Go through the page with Next and type the key of each exercise (or of ``only``)."""
    page.go(0)
    for i, ex in enumerate(page.exercises):
        assert page.index == i
        if only is None or ex.id in only:
            type_answer(page.widget(i).editor, ex.kind, keys[ex.id]["answer"])
        page.next.click()


def gradebook(report_out: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader((report_out / "gradebook.csv").open())
    return {r["student_id"]: r for r in rows}


# --- the whole path: assign -> widgets -> responses.json -> grade ----------------------------


def test_widget_answers_are_graded_as_expected(week3, tmp_path):
    out = fresh_copy(week3, tmp_path)
    students = out / "students"
    # s001 answers everything right through the widgets and saves
    page = assignment_page(students / "s001")
    assert page.package["student"]["id"] == "s001" and page.message.value == ""
    assert "done 0 of 7" in page.status.value
    assert "Week 3" in page.header.value and "2026-02-20" in page.header.value
    answer_all(page, keys_of(out, "s001"))
    page.save_button.click()
    assert "Saved 7 of 7 answers" in page.message.value and "done 7 of 7" in page.status.value
    # s002: right diagnoses and eligibility, a wrong option, the rest left alone
    k2 = keys_of(out, "s002")
    page2 = AssignmentPage(students / "s002" / "assignment.json")
    answer_all(page2, k2, {"dx-diabetes-ckd-001", "elig-copay-office-visit-001"})
    mc = page2.exercises.index(next(e for e in page2.exercises if e.id == "mc-c-em-mdm-001"))
    page2.go(mc)
    wrong = next(c for c in "ABCD" if c != k2["mc-c-em-mdm-001"]["answer"]["choice"])
    page2.widget(mc).editor.choices.value = wrong
    assert page2.save() == students / "s002" / "responses.json"
    assert "done 3 of 7" in page2.status.value
    # s003 never opens the page: its responses.json is the template from assign
    report = G.grade(out, out / "instructor" / "keys.json", tmp_path / "grades")
    book = gradebook(tmp_path / "grades")
    assert book["s001"]["status"] == "graded" and book["s001"]["percent"] == "100.0"
    assert all(book["s001"][s] == "1.00" for s in report.slots)
    s2 = book["s002"]
    assert (s2["dx-diabetes-ckd-001"], s2["elig-copay-office-visit-001"]) == ("1.00", "1.00")
    assert s2["mc-c-em-mdm-001"] == s2["dx-torus-fracture-001"] == "0.00"
    assert s2["total"] == "2.00" and s2["status"] == "graded"
    assert book["s003"]["total"] == "0.00"
    fb = (tmp_path / "grades" / "feedback" / "s002.md").read_text()
    assert "not answered" in fb
    assert report.messages == ()


def test_reopening_restores_every_answer(week3, tmp_path):
    out = fresh_copy(week3, tmp_path)
    page = AssignmentPage(out / "students" / "s004")
    answer_all(page, keys_of(out, "s004"))
    page.save()
    saved = json.loads((out / "students" / "s004" / "responses.json").read_text())
    again = AssignmentPage(out / "students" / "s004")
    assert "done 7 of 7" in again.status.value
    for i in range(len(again.exercises)):
        again.go(i)  # the widgets are made, filled from responses.json
    assert again.collect() == (saved["responses"], {})
    dx = again.widget(0).editor
    assert [p.value for p in dx.pickers] == ["E11.22", "N18.31", "Z79.84"]
    assert "✓" in again.picker.options[0][0]
    again.save()  # saving again without a change writes the same file
    assert json.loads((out / "students" / "s004" / "responses.json").read_text()) == saved


def test_every_form_kind_round_trips_and_grades_full_marks(cycle, tmp_path):
    out = fresh_copy(cycle, tmp_path)
    folder = out / "students" / "z9"
    template = json.loads((folder / "responses.json").read_text())
    page = AssignmentPage(folder)
    assert {e.kind for e in page.exercises} == {
        "claim-form",
        "eligibility",
        "denial-analysis",
        "payment-posting",
        "full-encounter",
        "appeal",
    }
    for i in range(len(page.exercises)):  # looked at, nothing touched (checkboxes included)
        page.go(i)
    page.save()
    assert json.loads((folder / "responses.json").read_text()) == template
    assert "done 0 of 6" in page.status.value
    answer_all(page, keys_of(out, "z9"))
    page.save()
    report = G.grade(out, out / "instructor" / "keys.json", tmp_path / "g")
    row = gradebook(tmp_path / "g")["z9"]
    assert [row[s] for s in report.slots] == ["1.00"] * 6, row
    # reopened: each editor holds the saved answer again
    saved = json.loads((folder / "responses.json").read_text())["responses"]
    again = AssignmentPage(folder)
    for i in range(len(again.exercises)):
        again.go(i)
    assert again.collect() == (saved, {})


def test_moving_on_autosaves_and_unreadable_input_is_named(week3, tmp_path):
    out = fresh_copy(week3, tmp_path)
    folder = out / "students" / "s005"
    page = AssignmentPage(folder)
    page.widget(0).editor.pickers[0].text.value = "E11.22"
    page.next.click()  # moving on saves
    saved = json.loads((folder / "responses.json").read_text())["responses"]
    assert saved["dx-diabetes-ckd-001"] == {"diagnoses": ["E11.22"]}
    proc = next(i for i, e in enumerate(page.exercises) if e.kind == "procedure-coding")
    page.go(proc)
    row = page.widget(proc).editor.list.rows[0]
    row.code.text.value = "20610"
    row.units.value = "two"
    page.save()
    assert "Saved 1 of 7 answers" in page.message.value
    assert "exercise 4 (Office visit with a knee injection the same day) was not saved" in (
        page.message.value
    )
    assert "units must be a whole number" in page.widget(proc).feedback.value
    saved = json.loads((folder / "responses.json").read_text())["responses"]
    assert saved["proc-knee-injection-001"] == {"procedures": []}  # the last good answer


# --- finding and opening ---------------------------------------------------------------------


def test_packages_are_found_under_the_assignments_folder(week3, tmp_path, monkeypatch):
    out = fresh_copy(week3, tmp_path)
    (out / "students" / ".hidden").mkdir()
    (out / "students" / ".hidden" / "assignment.json").write_text("{}")
    (out / "instructor" / "assignment.json").write_text("{}")
    monkeypatch.setenv("RCMLAB_ASSIGNMENTS", str(out))
    found = P.find_assignments()
    assert [p.parent.name for p in found] == [f"s00{i}" for i in range(1, 9)]
    page = AssignmentPage()
    assert page.package is None and len(page.chooser.options) == 8
    page.chooser.value = str(out / "students" / "s006" / "assignment.json")
    assert page.package["student"]["id"] == "s006"
    assert page.path_text.value.endswith("s006/assignment.json")
    # exactly one package under the folder: it opens at once
    monkeypatch.setenv("RCMLAB_ASSIGNMENTS", str(out / "students" / "s007"))
    assert AssignmentPage().package["student"]["id"] == "s007"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"format": "rcmlab-student-package",\n "version": 1,,}',
            r"assignment.json:2: not valid JSON",
        ),
        ("[1, 2]", r"not an rcmlab assignment"),
        ("LEAK", r"field 'exercises\[0\]': Additional properties .*'answer'"),
        ("DUP", r"field 'exercises\[1\].id': 'dx-diabetes-ckd-001' is used twice"),
    ],
)
def test_a_bad_package_is_one_line_in_the_page(week3, tmp_path, text, message):
    pkg = json.loads((week3 / "students" / "s001" / "assignment.json").read_text())
    if text == "LEAK":
        pkg["exercises"][0]["answer"] = {"diagnoses": ["E11.22"]}
        text = json.dumps(pkg)
    elif text == "DUP":
        pkg["exercises"][1]["id"] = pkg["exercises"][0]["id"]
        text = json.dumps(pkg)
    (tmp_path / "assignment.json").write_text(text)
    with pytest.raises(P.PackageError, match=message) as err:
        P.read_package(tmp_path / "assignment.json")
    assert "\n" not in str(err.value)
    page = AssignmentPage(tmp_path)
    assert page.package is None and page.work.layout.display == "none"
    assert "Please fix" in page.message.value and "\n" not in page.message.value
    assert page.save() is None and not (tmp_path / "responses.json").exists()
    assert page.open_package(tmp_path / "nowhere.json") is False
    assert "file not found" in page.message.value


def test_unreadable_saved_answers_are_reported_then_replaced(week3, tmp_path):
    out = fresh_copy(week3, tmp_path)
    folder = out / "students" / "s008"
    (folder / "responses.json").write_text('{"responses": {,}}')
    page = AssignmentPage(folder)
    assert page.package is not None  # the assignment opens, blank
    assert "responses.json:1: not valid JSON" in page.message.value
    assert "saving will replace them" in page.message.value
    page.save()
    doc = json.loads((folder / "responses.json").read_text())
    assert doc["student_id"] == "s008" and doc["assignment"] == "week3-coding-basics"
    # another student's file is not read as this one's
    other = json.loads((out / "students" / "s001" / "responses.json").read_text())
    (folder / "responses.json").write_text(json.dumps(other))
    assert "'s001' is not 's008'" in html.unescape(AssignmentPage(folder).message.value)


def test_the_save_is_atomic(week3, tmp_path, monkeypatch):
    out = fresh_copy(week3, tmp_path)
    folder = out / "students" / "s002"
    before = (folder / "responses.json").read_bytes()
    page = AssignmentPage(folder)
    page.widget(0).editor.pickers[0].text.value = "E11.22"

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(P.os, "replace", broken)
    assert page.save() is None
    assert "cannot save your answers: No space left on device" in page.message.value
    assert (folder / "responses.json").read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["assignment.json", "responses.json"]


# --- the package alone shapes the forms -------------------------------------------------------

amounts = st.one_of(st.none(), st.booleans(), st.decimals(0, 9999, places=2).map(str))
keyish = st.dictionaries(
    st.sampled_from(["patient_owes", "active", "copay", "primary_payer", "prior_auth_required"]),
    amounts,
    min_size=1,
)


@settings(max_examples=40, deadline=None)
@given(keyish)
def test_form_answers_hold_no_key_values(key):
    entry = {"kind": "eligibility", "response_template": A.blank_like(key)}
    shape = P.form_answer(entry)
    assert set(shape) == set(key)
    assert all(v in ("", None, False) for v in shape.values())
    yes_no = {"active", "prior_auth_required"}
    assert {k for k, v in shape.items() if v is False} == yes_no & set(key)


codes = st.lists(st.sampled_from(["E11.22", "N18.31", "Z79.84", "S52.521A", "I10"]), max_size=4)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(codes, st.sampled_from("ABCD"))
def test_fill_editor_gives_back_the_saved_response(dx, choice):
    pkg = P.read_package(P.SAMPLE)
    exs = {e.kind: e for e in P.package_exercises(pkg)}
    editor = ui.editor_for(exs["diagnosis-coding"])
    P.fill_editor(editor, {"diagnoses": dx})
    assert editor.response() == {"diagnoses": dx}
    mc = ui.editor_for(exs["multiple-choice"])
    P.fill_editor(mc, {"choice": choice.lower()})
    assert mc.response() == {"choice": choice}


def test_the_sample_package_is_what_assign_writes(week3):
    """docs/examples/week3-s001 is `rcmlab assign` output for s001 of the sample class; if
    this fails, regenerate it: rcmlab assign --roster docs/examples/roster.csv
    --assignment docs/examples/assignment-week3.yaml --out /tmp/w3 and copy
    /tmp/w3/students/s001/*.json to docs/examples/week3-s001/."""
    for name in ("assignment.json", "responses.json"):
        shipped = (EXAMPLES / "week3-s001" / name).read_text()
        assert shipped == (week3 / "students" / "s001" / name).read_text(), name
    text = P.sample_summary()
    assert text.splitlines()[1] == "Due 2026-02-20, for Avery Lindqvist (s001)"
    assert text.endswith("done 0 of 7")


def test_sample_copy_keeps_saved_answers(tmp_path, monkeypatch):
    monkeypatch.setenv("RCMLAB_DATA_DIR", str(tmp_path))
    path = P.sample_copy()
    assert path == tmp_path / "assignments" / "sample-week3" / "assignment.json"
    page = AssignmentPage(path)
    page.widget(0).editor.pickers[0].text.value = "E11.22"
    page.save()
    P.sample_copy()
    assert "done 1 of 7" in AssignmentPage(path).status.value


def test_a_missing_sample_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "SAMPLE", tmp_path / "gone" / "assignment.json")
    assert P.sample_summary().startswith("The sample assignment is not available:")
    page = AssignmentPage(P.sample_copy(tmp_path / "copy"))
    assert page.package is None and "file not found" in page.message.value
