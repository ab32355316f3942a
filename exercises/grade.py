"""``rcmlab grade``: check every student's responses against their own keys.

Inputs: the submissions folder and ``instructor/keys.json`` written by ``rcmlab assign``.
A student's responses are found at ``SUBMISSIONS/<student_id>/responses.json``,
``SUBMISSIONS/<student_id>.json`` or ``SUBMISSIONS/students/<student_id>/responses.json``
(so the assign folder itself can be graded). Outputs in ``OUT``:

* ``gradebook.csv`` — one row per student: ``student_id``, ``name``, one column per
  assignment slot (points 0-1, partial credit as the checker gives it), ``total``,
  ``percent``, ``status`` (``graded``, ``missing`` or ``error: ...``). Plain numbers, so an
  LMS imports it; a missing or unreadable submission leaves its score cells empty.
* ``feedback/<student_id>.md`` — each exercise's score, the checker's feedback, the key
  and the rationale.
* ``class-report.md``, ``error-patterns.csv``, ``error-patterns.png`` — the rule
  categories and the exercises the class misses most.

One student's malformed file never stops the others: that student gets an error row and
a one-line message (returned in ``GradeReport.messages``).
"""

from __future__ import annotations

import csv
import io
import json
import multiprocessing as mp
import re
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exercises.assign import KEYS_FORMAT, AssignError, exercise_from_dict
from exercises.check import check
from exercises.model import CheckResult, Exercise, ExerciseError, Feedback

# Feedback -> rule category, first match wins: (category, part pattern, message pattern).
# The part (e.g. "procedures[1].modifiers") decides first, then the message's wording.
RULE_CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("not answered", "", r"^not answered"),
    ("malformed answer", "", r"^malformed answer"),
    ("Excludes1 conflict (Guidelines I.A.12.a)", "", r"Excludes1"),
    ("NCCI bundling (PTP edit)", "", r"\bNCCI\b|\bPTP\b|column 2|bypasses the edit"),
    ("modifiers", r"\.modifiers$", r"modifier"),
    ("units / MUE", r"\.units$", r"\bunits?\b|\bMUE\b"),
    ("diagnosis pointers", r"\.dx_pointers$", r"pointer"),
    ("first-listed diagnosis (Guidelines IV.G)", "", r"not first|first-listed"),
    (
        "invalid or incomplete code (billable, 7th character)",
        "",
        r"not billable|7th character|placeholder|not a valid|not a CPT|not an? .*code|invalid",
    ),
    ("code missing", "", r"missing|not coded"),
    ("code not supported by the documentation", "", r"not supported by the documentation"),
    ("multiple choice: wrong option", r"^choice$", r""),
    ("claim form boxes", r"^fields|box", r""),
    ("amounts and patient responsibility", r"lines|patient_owes|amount", r"\$|amount"),
    ("denial reason and next action", r"^(carc|cause|action)", r"CARC|denial"),
    ("appeal content", r"^(grounds|attachments|letter)", r"appeal"),
)
OTHER = "other"
CHUNK = 25  # students per chunk when grading with several processes


def categorize(f: Feedback) -> str:
    """The rule category of one failed feedback item."""
    for category, part_re, message_re in RULE_CATEGORIES:
        if part_re and re.search(part_re, f.part):
            return category
        if message_re and re.search(message_re, f.message, re.IGNORECASE):
            return category
    return OTHER


@dataclass
class StudentGrade:
    student_id: str
    name: str
    status: str  # "graded", "missing", "error: ..."
    results: dict[str, CheckResult] = field(default_factory=dict)  # slot -> result
    exercises: dict[str, Exercise] = field(default_factory=dict)  # slot -> keyed exercise

    @property
    def total(self) -> float:
        return sum(r.score for r in self.results.values())


@dataclass(frozen=True)
class GradeReport:
    out: Path
    students: tuple[StudentGrade, ...]
    slots: tuple[str, ...]
    messages: tuple[str, ...]  # one line per student whose file could not be graded

    @property
    def graded(self) -> int:
        return sum(1 for s in self.students if s.status == "graded")


# --- inputs ---------------------------------------------------------------------------------


def read_keys(path: str | Path) -> dict[str, Any]:
    """Read ``keys.json`` (from ``rcmlab assign``)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AssignError(f"{p}: file not found") from None
    except json.JSONDecodeError as exc:
        raise AssignError(f"{p.name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignError(f"{p.name}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != KEYS_FORMAT:
        raise AssignError(f"{p.name}: not an rcmlab keys file (written by rcmlab assign)")
    return data


def find_submission(submissions: Path, student_id: str) -> Path | None:
    for p in (
        submissions / student_id / "responses.json",
        submissions / f"{student_id}.json",
        submissions / "students" / student_id / "responses.json",
    ):
        if p.is_file():
            return p
    return None


def read_submission(path: Path, student_id: str, assignment_id: str) -> dict[str, Any]:
    """The ``responses`` mapping of one student's file; AssignError with a one-line
    message if it is not a responses file of this student and assignment."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise AssignError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignError(f"{path}: cannot read: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("responses"), dict):
        raise AssignError(f"{path}: expected an object with 'responses' (see responses.json)")
    if data.get("student_id", student_id) != student_id:
        raise AssignError(
            f"{path}: field 'student_id': {data['student_id']!r} is not {student_id!r}"
        )
    if data.get("assignment", assignment_id) != assignment_id:
        raise AssignError(
            f"{path}: field 'assignment': {data['assignment']!r} is not {assignment_id!r}"
        )
    return data["responses"]


# --- grading --------------------------------------------------------------------------------


def _blank(response: Any) -> bool:
    """A response still as the template left it (or absent)."""
    if response is None:
        return True
    if isinstance(response, dict):
        return all(_blank(v) for v in response.values())
    if isinstance(response, str):
        return not response.strip()
    # a list is blank when every item is (a posting grid's template has blank lines)
    return isinstance(response, list | tuple) and all(_blank(v) for v in response)


def _prune(value: Any) -> Any:
    """Drop the fields a student left blank (as the template had them), so that a
    half-filled answer is graded field by field instead of refused as malformed."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None and v != ""}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value


def grade_one(ex: Exercise, response: Any) -> CheckResult:
    """Check one answer; unanswered or malformed answers score 0 with a message."""
    if _blank(response):
        fb = Feedback("response", False, "not answered")
        return CheckResult(ex.id, False, 0.0, (fb,), ex.rationale)
    try:
        return check(ex, _prune(response))
    except ExerciseError as exc:
        fb = Feedback("response", False, f"malformed answer: {exc}")
        return CheckResult(ex.id, False, 0.0, (fb,), ex.rationale)


def grade_student(
    sid: str, entry: dict[str, Any], submissions: Path, assignment_id: str
) -> StudentGrade:
    """Grade one student (never raises for the student's own file)."""
    path = find_submission(submissions, sid)
    if path is None:
        return StudentGrade(sid, entry["name"], "missing")
    try:
        responses = read_submission(path, sid, assignment_id)
    except AssignError as exc:
        return StudentGrade(sid, entry["name"], f"error: {exc}")
    out = StudentGrade(sid, entry["name"], "graded")
    for item in entry["exercises"]:
        ex = exercise_from_dict(item)
        response = responses.get(ex.id, responses.get(item["slot"]))
        out.exercises[item["slot"]] = ex
        out.results[item["slot"]] = grade_one(ex, response)
    return out


def _grade_chunk(args: tuple[list[tuple[str, dict[str, Any]]], Path, str]) -> list[StudentGrade]:
    chunk, submissions, assignment_id = args
    return [grade_student(sid, entry, submissions, assignment_id) for sid, entry in chunk]


def _grade_all(
    students: list[tuple[str, dict[str, Any]]],
    submissions: Path,
    assignment_id: str,
    workers: int,
    progress: Any,
) -> list[StudentGrade]:
    """Grade students in order; a large class is split into chunks graded by ``workers``
    processes (fork) and joined back in roster order, so the output is the same."""
    chunks = [students[i : i + CHUNK] for i in range(0, len(students), CHUNK)]
    jobs = [(c, submissions, assignment_id) for c in chunks]
    out: list[StudentGrade] = []
    if workers > 1 and len(chunks) > 1 and "fork" in mp.get_all_start_methods():
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
            for part in pool.map(_grade_chunk, jobs):
                out += part
                if progress:
                    progress(len(part))
        return out
    for job in jobs:
        part = _grade_chunk(job)
        out += part
        if progress:
            progress(len(part))
    return out


def grade(
    submissions: str | Path,
    keys: str | Path,
    out: str | Path,
    *,
    progress: Any = None,
    workers: int | None = None,
) -> GradeReport:
    """Grade a class and write the gradebook, feedback files and class report to ``out``
    (module docstring). ``progress(n)`` is called as students are graded; ``workers``
    processes grade a large class in chunks (default 1)."""
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise AssignError(f"{submissions}: --submissions must be a folder")
    data = read_keys(keys)
    assignment = data["assignment"]
    slots = tuple(data["slots"])
    if workers is None:  # serial grading is ~4 s of CPU for 200 x 50; opt in to more
        workers = 1
    grades = _grade_all(
        list(data["students"].items()), submissions, assignment["id"], workers, progress
    )
    report = GradeReport(
        out,
        tuple(grades),
        slots,
        tuple(
            f"{g.student_id}: {g.status.removeprefix('error: ')}"
            for g in grades
            if g.status.startswith("error")
        ),
    )
    _write(report, data)
    return report


# --- outputs --------------------------------------------------------------------------------


def gradebook_csv(report: GradeReport) -> str:
    """The gradebook as CSV text (student_id first, plain numbers)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["student_id", "name", *report.slots, "total", "percent", "status"])
    n = len(report.slots)
    for g in report.students:
        if g.status == "graded":
            scores = [f"{g.results[s].score:.2f}" for s in report.slots]
            total = f"{g.total:.2f}"
            percent = f"{100 * g.total / n:.1f}" if n else "0.0"
        else:
            scores, total, percent = [""] * n, "", ""
        w.writerow([g.student_id, g.name, *scores, total, percent, g.status])
    return buf.getvalue()


def _key_text(ex: Exercise) -> str:
    a = ex.answer
    if ex.kind == "multiple-choice":
        letter = str(a.get("choice", "")).strip().upper()
        return f"{letter}: {ex.choices.get(letter, '')}".rstrip(": ")
    parts = []
    if "diagnoses" in a:
        parts.append("diagnoses " + ", ".join(a["diagnoses"]))
    for line in a.get("procedures", []):
        mods = "-".join(line.get("modifiers", []))
        ptr = ",".join(str(p) for p in line.get("dx_pointers", []))
        parts.append(
            f"{line['code']}{'-' + mods if mods else ''} x{line.get('units', 1)} (dx {ptr})"
        )
    return "; ".join(parts) if parts else json.dumps(a, ensure_ascii=False)


def feedback_markdown(g: StudentGrade, entry: dict[str, Any], assignment: dict[str, Any]) -> str:
    """One student's feedback file (Markdown)."""
    lines = [f"# {assignment['title']}: feedback for {g.name} ({g.student_id})", ""]
    if g.status != "graded":
        lines += [f"**Not graded:** {g.status}", ""]
        return "\n".join(lines)
    n = len(g.results)
    lines += [f"**Score: {g.total:.2f} / {n} ({100 * g.total / max(n, 1):.1f} %)**", ""]
    for i, item in enumerate(entry["exercises"], start=1):
        ex = g.exercises[item["slot"]]
        r = g.results[item["slot"]]
        mark = "correct" if r.correct else f"score {r.score:.2f}"
        lines += [f"## {i}. {ex.title} ({mark})", ""]
        for f in r.feedback:
            lines.append(f"- {'✓' if f.ok else '✗'} `{f.part}`: {f.message}")
        lines += ["", f"**Key:** {_key_text(ex)}", "", f"**Why:** {ex.rationale}", ""]
    return "\n".join(lines)


def error_patterns(report: GradeReport) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rule categories, exercises) the class misses most.

    Categories: failed feedback items per category, and how many students made at least
    one such error. Exercises: per slot, the class average and how many got it wrong."""
    misses: Counter[str] = Counter()
    who: defaultdict[str, set[str]] = defaultdict(set)
    examples: dict[str, str] = {}
    per_slot: defaultdict[str, list[CheckResult]] = defaultdict(list)
    for g in report.students:
        for slot, r in g.results.items():
            per_slot[slot].append(r)
            for f in r.feedback:
                if not f.ok:
                    cat = categorize(f)
                    misses[cat] += 1
                    who[cat].add(g.student_id)
                    examples.setdefault(cat, f.message)
    categories = [
        {"category": c, "misses": n, "students": len(who[c]), "example": examples[c]}
        for c, n in sorted(misses.items(), key=lambda kv: (-len(who[kv[0]]), -kv[1], kv[0]))
    ]
    exercises = []
    for slot in report.slots:
        rs = per_slot.get(slot, [])
        if rs:
            exercises.append(
                {
                    "slot": slot,
                    "average": round(sum(r.score for r in rs) / len(rs), 3),
                    "wrong": sum(1 for r in rs if not r.correct),
                    "graded": len(rs),
                }
            )
    exercises.sort(key=lambda e: (e["average"], e["slot"]))
    return categories, exercises


def _chart(categories: list[dict[str, Any]], path: Path) -> None:
    from matplotlib.figure import Figure

    top = categories[:12]
    fig = Figure(figsize=(9, 0.4 * max(len(top), 3) + 1.2), layout="constrained")
    ax = fig.subplots()
    ax.barh(range(len(top)), [c["students"] for c in top], color="#b45309")
    ax.set_yticks(range(len(top)), [c["category"] for c in top])
    ax.invert_yaxis()
    ax.set_xlabel("students with at least one such error")
    ax.set_title("What the class misses most")
    fig.savefig(path, dpi=100)


def class_report_markdown(
    report: GradeReport,
    assignment: dict[str, Any],
    categories: list[dict[str, Any]],
    exercises: list[dict[str, Any]],
) -> str:
    graded = [g for g in report.students if g.status == "graded"]
    n = len(report.slots) or 1
    avg = sum(g.total for g in graded) / len(graded) / n * 100 if graded else 0.0
    lines = [
        f"# {assignment['title']}: class report",
        "",
        f"{len(graded)} of {len(report.students)} students graded; class average {avg:.1f} %.",
        "",
        "## Rule categories the class misses most",
        "",
        "| category | students | misses | example |",
        "|---|---|---|---|",
    ]
    for c in categories:
        example = c["example"].replace("|", "/")
        lines.append(f"| {c['category']} | {c['students']} | {c['misses']} | {example} |")
    lines += ["", "![error patterns](error-patterns.png)", "", "## Exercises, hardest first", ""]
    lines += ["| exercise | class average | wrong |", "|---|---|---|"]
    for e in exercises:
        lines.append(f"| {e['slot']} | {e['average']:.2f} | {e['wrong']} of {e['graded']} |")
    not_graded = [g for g in report.students if g.status != "graded"]
    if not_graded:
        lines += ["", "## Not graded", ""]
        lines += [f"- {g.student_id}: {g.status}" for g in not_graded]
    return "\n".join(lines) + "\n"


def _write(report: GradeReport, keys: dict[str, Any]) -> None:
    out = report.out
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    (out / "gradebook.csv").write_text(gradebook_csv(report), encoding="utf-8")
    assignment = keys["assignment"]
    for g in report.students:
        text = feedback_markdown(g, keys["students"][g.student_id], assignment)
        (out / "feedback" / f"{g.student_id}.md").write_text(text, encoding="utf-8")
    categories, exercises = error_patterns(report)
    with (out / "error-patterns.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["category", "students", "misses", "example"])
        w.writeheader()
        w.writerows(categories)
    _chart(categories, out / "error-patterns.png")
    (out / "class-report.md").write_text(
        class_report_markdown(report, assignment, categories, exercises), encoding="utf-8"
    )
