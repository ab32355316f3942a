"""`rcmlab assign` / `rcmlab grade`: per-student variants, no keys in student packages,
one-line errors, the gradebook, feedback and error patterns, and the documented workflow."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
from dataclasses import replace
from pathlib import Path

import fastjsonschema
import pytest

from exercises import assign as A
from exercises import grade as G
from exercises import load
from exercises.model import Feedback
from rcmlab.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
ORIGINAL = ("dx-diabetes-ckd-001", "dx-torus-fracture-001", "mc-placeholder-x-001")
POOL = {
    e.id: e
    for e in (load.load(next((ROOT / "exercises" / "bank").glob(f"*/{i}.yaml"))) for i in ORIGINAL)
}
SPEC = """id: wk1
title: Week one
due: 2026-02-20
shuffle_choices: yes
items:
  - dx-diabetes-ckd-001
  - {bank: mc-placeholder-x-001}
  - {generate: diagnosis-coding, count: 2}
"""
ROSTER = "student_id,name,email\na1,Ann One,ann@example.edu\nb2,Bo Two,bo@example.edu\n"


def fake_generate(name, seed, **options):
    """A stand-in generator: the torus exercise under a seeded id (real ones simulate)."""
    ex = POOL["dx-torus-fracture-001"]
    return replace(ex, id=f"gen-{name}-{seed % 10**6}", title=f"{ex.title} ({seed % 97})")


@pytest.fixture()
def fake_generators(monkeypatch):
    monkeypatch.setattr(A, "_generators", lambda: ({"diagnosis-coding": 1}, fake_generate))


def write_inputs(tmp_path, spec=SPEC, roster=ROSTER):
    (tmp_path / "spec.yaml").write_text(spec)
    (tmp_path / "roster.csv").write_text(roster)
    return tmp_path / "roster.csv", tmp_path / "spec.yaml"


def leaf_strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from leaf_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from leaf_strings(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def assert_no_keys_in_student_files(out: Path) -> int:
    """Grep every student file for every key value and rationale of that student."""
    keys = json.loads((out / "instructor" / "keys.json").read_text())
    checked = 0
    for sid, entry in keys["students"].items():
        texts = [p.read_text() for p in (out / "students" / sid).iterdir()]
        blob = "\n".join(texts)
        # what the questions themselves show (any exercise of the package) is not a leak
        stimulus = json.dumps(
            [
                [e["documentation"], e["question"], e["choices"], e["context"]]
                for e in entry["exercises"]
            ]
        )
        for ex in entry["exercises"]:
            for key in [ex["answer"], *ex["alternates"]]:
                for value in leaf_strings(key):
                    if len(value) >= 4 and value not in stimulus:
                        assert value not in blob, (sid, ex["id"], value)
                        checked += 1
            for sentence in re.split(r"(?<=[.;:])\s+", ex["rationale"]):
                if len(sentence) > 25:
                    assert sentence.strip() not in blob, (sid, ex["id"], sentence)
                    checked += 1
        for text in texts:
            assert '"answer"' not in text and '"rationale"' not in text
            assert '"alternates"' not in text
    return checked


def test_assign_writes_variants_without_keys(tmp_path, fake_generators):
    roster, spec = write_inputs(tmp_path)
    result = A.assign(roster, spec, tmp_path / "out", bank=POOL)
    assert result.students == 2
    assert result.slots == (
        "dx-diabetes-ckd-001",
        "mc-placeholder-x-001",
        "diagnosis-coding-1",
        "diagnosis-coding-2",
    )
    out = tmp_path / "out"
    validate = fastjsonschema.compile(json.loads(Path(A.PACKAGE_SCHEMA).read_text()))
    packages = {}
    for sid in ("a1", "b2"):
        pkg = json.loads((out / "students" / sid / "assignment.json").read_text())
        validate(pkg)
        packages[sid] = pkg
        tpl = json.loads((out / "students" / sid / "responses.json").read_text())
        assert tpl["student_id"] == sid and tpl["assignment"] == "wk1"
        assert list(tpl["responses"]) == [e["id"] for e in pkg["exercises"]]
        assert tpl["responses"]["dx-diabetes-ckd-001"] == {"diagnoses": []}
    assert packages["a1"]["assignment"]["due"] == "2026-02-20"
    gen_ids = {sid: [e["id"] for e in p["exercises"][2:]] for sid, p in packages.items()}
    assert gen_ids["a1"] != gen_ids["b2"]  # a generated case per student
    assert assert_no_keys_in_student_files(out) > 10
    keys = json.loads((out / "instructor" / "keys.json").read_text())
    assert keys["students"]["a1"]["seed"] == A.student_seed("wk1", "a1")
    # the shuffled key follows the text of the right option
    for sid in packages:
        mc = next(e for e in keys["students"][sid]["exercises"] if e["kind"] == "multiple-choice")
        assert "placeholder X" in mc["choices"][mc["answer"]["choice"]]
    # same inputs, same bytes
    A.assign(roster, spec, tmp_path / "again", bank=POOL)
    for p in out.rglob("*.json"):
        assert p.read_bytes() == (tmp_path / "again" / p.relative_to(out)).read_bytes()


def test_shuffle_keeps_order_dependent_options_and_explains_letters():
    import random

    mc = POOL["mc-placeholder-x-001"]
    ex = replace(mc, choices={"A": "x", "B": "y", "C": "All of the above"})
    assert A.shuffle_choices(ex, random.Random(1)) is ex
    ex2 = replace(mc, rationale="B is right because it is; A and C are not, and D is wrong.")
    seen = set()
    for seed in range(8):
        out = A.shuffle_choices(ex2, random.Random(seed))
        assert out.choices[out.answer["choice"]] == mc.choices["B"]
        assert sorted(out.choices.values()) == sorted(mc.choices.values())
        seen.add(out.answer["choice"])
        if out.choices != mc.choices:
            new = out.answer["choice"]
            assert out.rationale.endswith(".)") and f"B is your {new}" in out.rationale
    assert len(seen) > 1


@pytest.mark.parametrize(
    ("roster", "message"),
    [
        ("student_id,name\na,b\n", r"roster.csv:1: the header needs the columns .*email"),
        (ROSTER + "c3,Cy,not-an-email\n", r"roster.csv:4: email 'not-an-email' is not"),
        (ROSTER + "a1,Again,a@example.edu\n", r"roster.csv:4: student_id 'a1' is also on line 2"),
        (ROSTER + "../x,Evil,e@example.edu\n", r"roster.csv:4: student_id '../x' must be"),
        (ROSTER + "d4,,d@example.edu\n", r"roster.csv:4: name is empty for d4"),
        ("student_id,name,email\n", r"roster.csv: the roster has no students"),
    ],
)
def test_bad_roster_rows_name_file_and_line(tmp_path, capsys, roster, message):
    r, s = write_inputs(
        tmp_path,
        spec=SPEC.replace("  - {generate: diagnosis-coding, count: 2}\n", ""),
        roster=roster,
    )
    code = main(
        [
            "assign",
            "--roster",
            str(r),
            "--assignment",
            str(s),
            "--out",
            str(tmp_path / "o"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and re.search(message, err) and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()  # nothing half written


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            SPEC.replace("dx-diabetes-ckd-001", "dx-nope-001"),
            r"spec.yaml:6: items\[0\]: 'dx-nope-001' is not",
        ),
        (
            SPEC.replace("diagnosis-coding, count", "dx-magic, count"),
            r"spec.yaml:8: items\[2\]: no generator 'dx-magic'",
        ),
        (SPEC.replace("due: 2026-02-20", "due: someday"), r"spec.yaml:3: field 'due'"),
        (SPEC.replace("items:", "itemz:"), r"spec.yaml"),
        (
            SPEC + "  - mc-placeholder-x-001\n",
            r"spec.yaml:9: items\[3\]: 'mc-placeholder-x-001' is listed twice",
        ),
    ],
)
def test_bad_specs_name_file_and_line(tmp_path, capsys, fake_generators, spec, message):
    monkey_bank = POOL
    r, s = write_inputs(tmp_path, spec=spec)
    with pytest.raises(A.AssignError, match=message):
        A.assign(r, s, tmp_path / "o", bank=monkey_bank)
    assert not (tmp_path / "o").exists()


def test_out_must_be_new(tmp_path, fake_generators):
    r, s = write_inputs(tmp_path)
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "x").write_text("keep me")
    with pytest.raises(A.AssignError, match="new or empty folder"):
        A.assign(r, s, tmp_path / "o", bank=POOL)


def respond(keys: dict, sid: str, quality: str) -> dict:
    entry = keys["students"][sid]
    out = {}
    for ex in entry["exercises"]:
        if quality == "right":
            out[ex["id"]] = ex["answer"]
        elif ex["kind"] == "multiple-choice":
            wrong = next(c for c in ex["choices"] if c != ex["answer"]["choice"])
            out[ex["id"]] = {"choice": wrong}
        elif ex["kind"] == "diagnosis-coding":
            out[ex["id"]] = {"diagnoses": [ex["answer"]["diagnoses"][-1], "R69"]}
        else:
            out[ex["id"]] = A.blank_like(ex["answer"])  # left as the template: not answered
    return {"assignment": keys["assignment"]["id"], "student_id": sid, "responses": out}


def test_grade_gradebook_feedback_and_patterns(tmp_path, capsys, monkeypatch, fake_generators):
    roster = ROSTER + "c3,Cy Three,cy@example.edu\nd4,Di Four,di@example.edu\ne5,Ed,e@example.edu\n"
    r, s = write_inputs(tmp_path, roster=roster)
    A.assign(r, s, tmp_path / "out", bank=POOL)
    keys = json.loads((tmp_path / "out" / "instructor" / "keys.json").read_text())
    sub = tmp_path / "sub"
    (sub / "a1").mkdir(parents=True)
    (sub / "a1" / "responses.json").write_text(json.dumps(respond(keys, "a1", "right")))
    (sub / "b2.json").write_text(json.dumps(respond(keys, "b2", "wrong")))
    (sub / "c3.json").write_text('{"responses": {\n  "x": 1,,\n}}')  # malformed
    # e5 leaves the template untouched but hands in the file: all "not answered"
    shutil.copy(tmp_path / "out" / "students" / "e5" / "responses.json", sub / "e5.json")
    code = main(
        [
            "grade",
            "--submissions",
            str(sub),
            "--key",
            str(tmp_path / "out" / "instructor" / "keys.json"),
            "--out",
            str(tmp_path / "g"),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"rcmlab: c3: {sub / 'c3.json'}:2: not valid JSON"
    )
    rows = list(csv.DictReader((tmp_path / "g" / "gradebook.csv").open()))
    head = next(csv.reader((tmp_path / "g" / "gradebook.csv").open()))
    assert head[0] == "student_id" and head[-3:] == ["total", "percent", "status"]
    by = {row["student_id"]: row for row in rows}
    assert by["a1"]["total"] == "4.00" and by["a1"]["percent"] == "100.0"
    assert by["b2"]["status"] == "graded" and float(by["b2"]["total"]) < 2
    assert by["c3"]["status"].startswith("error:") and by["c3"]["total"] == ""
    assert by["d4"]["status"] == "missing"
    assert by["e5"]["total"] == "0.00"
    for row in rows:  # plain numbers or empty
        for col in head[2:-1]:
            assert row[col] == "" or re.fullmatch(r"\d+\.\d+", row[col])
    fb = (tmp_path / "g" / "feedback" / "b2.md").read_text()
    assert "not first" in fb and "**Why:**" in fb and "Guidelines" in fb
    assert "**Key:** diagnoses E11.22, N18.31, Z79.84" in fb
    cats = list(csv.DictReader((tmp_path / "g" / "error-patterns.csv").open()))
    names = {c["category"]: int(c["students"]) for c in cats}
    assert names["multiple choice: wrong option"] == 1
    assert names["not answered"] == 1
    assert "first-listed diagnosis (Guidelines IV.G)" in names
    assert (tmp_path / "g" / "error-patterns.png").read_bytes()[:4] == b"\x89PNG"
    report = (tmp_path / "g" / "class-report.md").read_text()
    assert "3 of 5 students graded" in report and "- d4: missing" in report
    # chunks graded by two processes give the same files
    monkeypatch.setattr(G, "CHUNK", 2)
    G.grade(sub, tmp_path / "out" / "instructor" / "keys.json", tmp_path / "g2", workers=2)
    for name in ("gradebook.csv", "class-report.md", "feedback/b2.md", "error-patterns.csv"):
        assert (tmp_path / "g2" / name).read_bytes() == (tmp_path / "g" / name).read_bytes()


def test_grade_bad_keys_is_one_line(tmp_path, capsys):
    (tmp_path / "keys.json").write_text("{}")
    code = main(
        [
            "grade",
            "--submissions",
            str(tmp_path),
            "--key",
            str(tmp_path / "keys.json"),
            "--out",
            str(tmp_path / "g"),
        ]
    )
    assert code == 2 and "not an rcmlab keys file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("part", "message", "category"),
    [
        ("procedures[0].modifiers", "20610: modifier 59 is not supported", "modifiers"),
        ("procedures[1].units", "J3301: 8 units do not match", "units / MUE"),
        (
            "procedures[1]",
            "NCCI PTP edit 20610/99214: not payable separately",
            "NCCI bundling (PTP edit)",
        ),
        (
            "diagnoses[0]",
            "N18.3 is not billable: add the 5th character",
            "invalid or incomplete code (billable, 7th character)",
        ),
        ("diagnoses", "Excludes1: E11 excludes E10", "Excludes1 conflict (Guidelines I.A.12.a)"),
        (
            "diagnoses[2]",
            "R69 (Illness) is not supported by the documentation",
            "code not supported by the documentation",
        ),
        ("choice", "A is not the best answer", "multiple choice: wrong option"),
    ],
)
def test_feedback_is_normalised_into_rule_categories(part, message, category):
    assert G.categorize(Feedback(part, False, message)) == category


def documented_commands() -> list[str]:
    text = (ROOT / "docs" / "instructors.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    return [ln.strip() for b in blocks for ln in b.splitlines() if ln.strip().startswith("rcmlab ")]


def test_the_documented_workflow_runs(tmp_path, monkeypatch, capsys):
    """Run docs/instructors.md's commands with the sample roster and spec, in a temp dir."""
    commands = documented_commands()
    assert [c.split()[1] for c in commands] == ["assign", "grade"]
    shutil.copytree(EXAMPLES, tmp_path / "docs" / "examples")
    monkeypatch.chdir(tmp_path)
    assert main(shlex.split(commands[0])[1:]) == 0
    assert "wrote 8 student packages" in capsys.readouterr().out
    assert assert_no_keys_in_student_files(tmp_path / "week3") > 8
    # students answer (one student does not hand in), the instructor collects
    keys = json.loads((tmp_path / "week3" / "instructor" / "keys.json").read_text())
    for i, sid in enumerate(keys["students"]):
        if i == 3:
            continue
        path = tmp_path / "week3-submissions" / sid / "responses.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(respond(keys, sid, "right" if i % 2 == 0 else "wrong")))
    assert main(shlex.split(commands[1])[1:]) == 0
    assert "graded 7 of 8 students (1 missing, 0 unreadable)" in capsys.readouterr().out
    grades = tmp_path / "week3-grades"
    rows = list(csv.DictReader((grades / "gradebook.csv").open()))
    assert [r["student_id"] for r in rows] == [f"s00{i}" for i in range(1, 9)]
    assert rows[0]["percent"] == "100.0" and rows[3]["status"] == "missing"
    assert len(list((grades / "feedback").glob("*.md"))) == 8
    assert (grades / "class-report.md").exists() and (grades / "error-patterns.png").exists()


def test_an_untouched_posting_grid_counts_as_not_answered():
    from exercises.grade import _blank

    template = {"lines": [{"allowed": "", "paid": None}, {"allowed": "", "paid": ""}]}
    assert _blank(template)
    assert not _blank({"lines": [{"allowed": "80.00", "paid": ""}]})
    assert not _blank({"diagnoses": ["E11.9"]})
