"""``rcmlab assign``: one variant of an assignment per student, keys kept apart.

Inputs: a roster CSV (``student_id,name,email``) and an assignment SPEC (YAML,
``exercises/schemas/assignment.schema.json``)::

    id: week3-dx                 # optional; default: the file name
    title: Week 3 - diagnosis coding
    due: 2026-02-20
    mode: assignment             # or practice
    shuffle_choices: yes         # multiple-choice options in a per-student order
    items:
      - dx-diabetes-ckd-001                          # a bank exercise
      - {generate: diagnosis-coding, count: 3, specialty: family-medicine}

Each student's variant is seeded from (assignment id, student id) with sha256, so the
same roster and spec always give the same packages. Output (all or nothing)::

    OUT/students/<student_id>/assignment.json   exercises WITHOUT answer/alternates/rationale
    OUT/students/<student_id>/responses.json    the response template the student fills in
    OUT/instructor/keys.json                    every student's keys and rationales
"""

from __future__ import annotations

import csv
import json
import os
import random
import re
import shutil
import tempfile
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from exercises.exams import derived_seed
from exercises.model import Exercise
from sim._yaml import ContentError, line_of, parse, validate

HERE = Path(__file__).resolve().parent
SPEC_SCHEMA = str(HERE / "schemas" / "assignment.schema.json")
PACKAGE_SCHEMA = str(HERE / "schemas" / "student-package.schema.json")
PACKAGE_FORMAT = "rcmlab-student-package"
KEYS_FORMAT = "rcmlab-assignment-keys"
STUDENT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
EMAIL_RE = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
ROSTER_COLUMNS = ("student_id", "name", "email")

# The shape a student fills in for the coding kinds and multiple choice: empty lists only
# (the number of codes is part of the answer). Other kinds get the key's field names with
# blank values (:func:`blank_like`): the fields to fill are part of the question.
RESPONSE_TEMPLATES: dict[str, dict[str, Any]] = {
    "diagnosis-coding": {"diagnoses": []},
    "procedure-coding": {"procedures": []},
    "full-encounter": {"diagnoses": [], "procedures": []},
    "multiple-choice": {"choice": ""},
}
# Options that point at the others keep their order. A rationale that may name options by
# letter ("B pays only for ...", "(C)") gets a note mapping the letters after shuffling.
ORDER_REF_RE = re.compile(r"\b(all|none|both|neither) of the (above|others)\b|\babove\b", re.I)
LETTER_REF_RE = re.compile(r"\([A-F]\)|\b[B-F]\b|\bA\b(?! [a-z])")


class AssignError(ValueError):
    """Bad instructor input: one line naming the file and line or field."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    email: str


@dataclass(frozen=True)
class Spec:
    id: str
    title: str
    due: str | None
    mode: str
    shuffle_choices: bool
    instructions: str
    items: tuple[dict[str, Any], ...]  # {"bank": id} or {"generate": name, "count": n, ...}
    path: Path


@dataclass(frozen=True)
class AssignResult:
    out: Path
    students: int
    slots: tuple[str, ...]


# --- inputs ---------------------------------------------------------------------------------


def read_roster(path: str | Path) -> list[Student]:
    """Read and validate a roster CSV; a bad row raises naming ``file:line``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise AssignError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignError(f"{p.name}: cannot read: {exc}") from None
    rows = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(rows, [])]
    missing = [c for c in ROSTER_COLUMNS if c not in header]
    if missing:
        raise AssignError(
            f"{p.name}:1: the header needs the columns {', '.join(ROSTER_COLUMNS)} "
            f"(missing: {', '.join(missing)})"
        )
    col = {c: header.index(c) for c in ROSTER_COLUMNS}
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise AssignError(f"{p.name}:{line}: {len(row)} columns, the header has {len(header)}")
        sid, name, email = (row[col[c]].strip() for c in ROSTER_COLUMNS)
        if not STUDENT_ID_RE.fullmatch(sid):
            raise AssignError(
                f"{p.name}:{line}: student_id {sid!r} must be letters, digits, '.', '_' or '-' "
                "(it names the student's folder)"
            )
        if sid in seen:
            raise AssignError(f"{p.name}:{line}: student_id {sid!r} is also on line {seen[sid]}")
        if not name:
            raise AssignError(f"{p.name}:{line}: name is empty for {sid}")
        if not EMAIL_RE.fullmatch(email):
            raise AssignError(f"{p.name}:{line}: email {email!r} is not an e-mail address")
        seen[sid] = line
        students.append(Student(sid, name, email))
    if not students:
        raise AssignError(f"{p.name}: the roster has no students")
    return students


def read_spec(
    path: str | Path, bank: dict[str, Exercise], generators: dict[str, Any] | None
) -> Spec:
    """Read and validate an assignment SPEC; bank ids and generator names must exist."""
    p = Path(path)
    try:
        data, lines = parse(p.read_text(encoding="utf-8"), p.name)
        if not isinstance(data, dict):
            raise AssignError(f"{p.name}:1: an assignment spec is a mapping of fields")
        if isinstance(data.get("due"), date | datetime):
            data["due"] = data["due"].isoformat()
        validate(data, lines, SPEC_SCHEMA, p.name)
    except FileNotFoundError:
        raise AssignError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AssignError(f"{p.name}: cannot read: {exc}") from None
    except ContentError as exc:
        raise AssignError(str(exc)) from None
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["items"]):
        item = {"bank": raw} if isinstance(raw, str) else dict(raw)
        where = f"{p.name}:{line_of(lines, 'items', i)}: items[{i}]"
        if "bank" in item:
            if item["bank"] not in bank:
                raise AssignError(f"{where}: {item['bank']!r} is not an exercise in the bank")
            if item["bank"] in seen:
                raise AssignError(f"{where}: {item['bank']!r} is listed twice")
            seen.add(item["bank"])
        else:
            if generators is None:
                raise AssignError(f"{where}: generators are not available in this installation")
            if item["generate"] not in generators:
                known = ", ".join(sorted(generators))
                raise AssignError(
                    f"{where}: no generator {item['generate']!r} (available: {known})"
                )
            item.setdefault("count", 1)
        items.append(item)
    return Spec(
        id=data.get("id") or _slug(p.stem),
        title=data["title"],
        due=data.get("due"),
        mode=data.get("mode", "assignment"),
        shuffle_choices=bool(data.get("shuffle_choices", False)),
        instructions=data.get("instructions", ""),
        items=tuple(items),
        path=p,
    )


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "assignment"


# --- one student's variant ------------------------------------------------------------------


def student_seed(assignment_id: str, student_id: str) -> int:
    """The seed of a student's variant: stable across runs and machines (sha256)."""
    return derived_seed("assign", assignment_id, student_id)


def slots(spec: Spec) -> list[tuple[str, dict[str, Any]]]:
    """(slot name, item) in order: a bank id, or ``<generator>-<n>`` per generated item."""
    out: list[tuple[str, dict[str, Any]]] = []
    counters: dict[str, int] = {}
    for item in spec.items:
        if "bank" in item:
            out.append((item["bank"], item))
            continue
        for _ in range(item["count"]):
            counters[item["generate"]] = counters.get(item["generate"], 0) + 1
            out.append((f"{item['generate']}-{counters[item['generate']]}", item))
    return out


def shuffle_choices(ex: Exercise, rng: random.Random) -> Exercise:
    """The exercise with its options in a random order and the key (and alternates)
    relettered. Options that point at the others ("all of the above") keep their order;
    a rationale that names options by letter gets a note saying which is which."""
    if len(ex.choices) < 2 or any(ORDER_REF_RE.search(t) for t in ex.choices.values()):
        return ex
    letters = sorted(ex.choices)
    order = rng.sample(letters, len(letters))  # new position i shows old option order[i]
    new_of_old = {old: letters[i] for i, old in enumerate(order)}

    def reletter(key: dict[str, Any]) -> dict[str, Any]:
        old = str(key.get("choice", "")).strip().upper()
        return {**key, "choice": new_of_old.get(old, old)}

    rationale = ex.rationale
    if LETTER_REF_RE.search(rationale) and order != letters:
        pairs = ", ".join(f"{old} is your {new_of_old[old]}" for old in letters)
        rationale += f"\n(Letters in this explanation are the original order: {pairs}.)"
    return replace(
        ex,
        choices={letters[i]: ex.choices[old] for i, old in enumerate(order)},
        answer=reletter(ex.answer),
        alternates=tuple(reletter(a) for a in ex.alternates),
        rationale=rationale,
    )


def blank_like(value: Any) -> Any:
    """The same shape with nothing filled in: mappings keep their keys, a list of
    mappings keeps its length (payment lines), other lists are empty, values are blank."""
    if isinstance(value, dict):
        return {k: blank_like(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(v, dict) for v in value):
            return [blank_like(v) for v in value]
        return []
    return "" if isinstance(value, str) else None


def response_shape(ex: Exercise) -> dict[str, Any]:
    """The empty response a student fills in for ``ex``."""
    if ex.kind in RESPONSE_TEMPLATES:
        return json.loads(json.dumps(RESPONSE_TEMPLATES[ex.kind]))
    return blank_like(ex.answer)


def _json_default(value: Any) -> Any:
    """YAML gives dates (and checkers may give Decimals): write them as text."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def jsonable(data: Any) -> Any:
    """``data`` as plain JSON values."""
    return json.loads(json.dumps(data, default=_json_default, ensure_ascii=False))


_TUPLE_FIELDS = {f.name for f in fields(Exercise) if str(f.type).startswith("tuple")}
_KNOWN_FIELDS = {f.name for f in fields(Exercise)} - {"path"}


def exercise_dict(ex: Exercise) -> dict[str, Any]:
    """An exercise as JSON data, key included (for keys.json): every field but ``path``."""
    return jsonable({f.name: getattr(ex, f.name) for f in fields(Exercise) if f.name != "path"})


def exercise_from_dict(data: dict[str, Any]) -> Exercise:
    """The inverse of :func:`exercise_dict` (unknown fields are ignored)."""
    kwargs = {k: v for k, v in data.items() if k in _KNOWN_FIELDS}
    for name in _TUPLE_FIELDS & set(kwargs):
        kwargs[name] = tuple(kwargs[name])
    return Exercise(**kwargs)


def student_view(ex: Exercise, slot: str) -> dict[str, Any]:
    """What the student sees: everything but the answer, alternates and rationale."""
    view: dict[str, Any] = {
        "slot": slot,
        "id": ex.id,
        "kind": ex.kind,
        "title": ex.title,
        "module": ex.module,
        "domains": list(ex.domains),
    }
    for name in ("documentation", "question", "choices", "context"):
        value = getattr(ex, name)
        if value:
            view[name] = jsonable(value)
    view["response_template"] = response_shape(ex)
    return view


def build_variant(
    spec: Spec, student: Student, bank: dict[str, Exercise], generate: Any
) -> list[tuple[str, Exercise]]:
    """The student's exercises, in spec order: (slot, exercise with this student's key)."""
    seed = student_seed(spec.id, student.id)
    rng = random.Random(seed)
    out: list[tuple[str, Exercise]] = []
    ids: set[str] = set()
    for slot, item in slots(spec):
        if "bank" in item:
            ex = bank[item["bank"]]
        else:
            options = {k: v for k, v in item.items() if k not in ("generate", "count")}
            try:
                ex = generate(item["generate"], derived_seed(seed, slot), **options)
            except (TypeError, ValueError, KeyError) as exc:
                raise AssignError(
                    f"{spec.path.name}: items: generator {item['generate']!r} refused the "
                    f"options {options}: {exc}"
                ) from None
        if spec.shuffle_choices:
            ex = shuffle_choices(ex, rng)
        n = 2
        base = ex.id
        while ex.id in ids:  # two generated items that happen to share an id
            ex = replace(ex, id=f"{base}-{n}")
            n += 1
        ids.add(ex.id)
        out.append((slot, ex))
    return out


# --- the whole class ------------------------------------------------------------------------


def _generators() -> tuple[dict[str, Any] | None, Any]:
    try:
        from exercises.generators import GENERATORS, generate
    except ImportError:
        return None, None
    return dict(GENERATORS), generate


def assign(
    roster: str | Path,
    spec: str | Path,
    out: str | Path,
    *,
    bank: dict[str, Exercise] | None = None,
    progress: Any = None,
) -> AssignResult:
    """Write every student's package and the instructor's keys to ``out`` (module
    docstring). ``out`` must not exist or be empty; nothing is written on an error.
    ``progress(n)`` is called after each student (a tqdm bar's ``update``)."""
    from exercises.load import bank as load_bank

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise AssignError(f"{out}: --out must be a new or empty folder")
    students = read_roster(roster)
    pool = load_bank() if bank is None else bank
    generators, generate = _generators()
    sp = read_spec(spec, pool, generators)
    packages: dict[str, dict[str, Any]] = {}
    keys: dict[str, Any] = {}
    for st in students:
        variant = build_variant(sp, st, pool, generate)
        packages[st.id] = _package(sp, st, variant)
        keys[st.id] = {
            "name": st.name,
            "email": st.email,
            "seed": student_seed(sp.id, st.id),
            "exercises": [{"slot": s, **exercise_dict(ex)} for s, ex in variant],
        }
        if progress:
            progress(1)
    _write_all(out, sp, packages, keys)
    return AssignResult(out, len(students), tuple(s for s, _ in slots(sp)))


def _package(spec: Spec, st: Student, variant: list[tuple[str, Exercise]]) -> dict[str, Any]:
    assignment: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "due": spec.due,
        "mode": spec.mode,
    }
    if spec.instructions:
        assignment["instructions"] = spec.instructions
    package = {
        "format": PACKAGE_FORMAT,
        "version": 1,
        "assignment": assignment,
        "student": {"id": st.id, "name": st.name},
        "exercises": [student_view(ex, slot) for slot, ex in variant],
    }
    try:
        validate(package, None, PACKAGE_SCHEMA, f"students/{st.id}/assignment.json")
    except ContentError as exc:  # a generator put something odd in an exercise
        raise AssignError(str(exc)) from None
    return package


def response_template(package: dict[str, Any]) -> dict[str, Any]:
    """The responses file a student fills in: one empty response per exercise id."""
    return {
        "assignment": package["assignment"]["id"],
        "student_id": package["student"]["id"],
        "responses": {ex["id"]: ex["response_template"] for ex in package["exercises"]},
    }


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_all(
    out: Path, spec: Spec, packages: dict[str, dict[str, Any]], keys: dict[str, Any]
) -> None:
    """Write into a hidden sibling folder, then move it into place (all or nothing)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        for sid, package in packages.items():
            _dump(tmp / "students" / sid / "assignment.json", package)
            _dump(tmp / "students" / sid / "responses.json", response_template(package))
        _dump(
            tmp / "instructor" / "keys.json",
            {
                "format": KEYS_FORMAT,
                "version": 1,
                "assignment": packages[next(iter(packages))]["assignment"],
                "slots": [s for s, _ in slots(spec)],
                "students": keys,
            },
        )
        if out.exists():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


__all__ = [
    "AssignError",
    "AssignResult",
    "Spec",
    "Student",
    "assign",
    "build_variant",
    "read_roster",
    "read_spec",
    "student_seed",
]
