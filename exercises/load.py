"""Loading exercise files: versioned format, upgraded on load, validated with line numbers.

The format is ``exercises/schema.json`` (JSON Schema). A file carries ``schema_version``;
older files are upgraded step by step by the functions in :data:`UPGRADES` before
validation (like nbgrader's versioned metadata), so a bank written for an earlier version
keeps loading. A malformed file raises :class:`~exercises.model.ExerciseError` with one
line naming the file, the line and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from exercises.model import SCHEMA_VERSION, Exercise, ExerciseError
from sim._yaml import ContentError, line_of, parse, validate

SCHEMA = str(Path(__file__).resolve().parent / "schema.json")
BANK = Path(__file__).resolve().parent / "bank"
CATALOG = Path(__file__).resolve().parent / "catalog.yaml"


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 is DESIGN.md's first example: no ``schema_version``, the key may be
    under ``key`` instead of ``answer``."""
    out = dict(data)
    if "answer" not in out and "key" in out:
        out["answer"] = out.pop("key")
    out["schema_version"] = 1
    return out


# version -> function upgrading a document of that version to the next one
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an exercise document to :data:`SCHEMA_VERSION`."""
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ExerciseError(
            f"schema_version {version!r} is not supported (this rcmlab reads up to "
            f"{SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        data = UPGRADES[version](data)
        version = data["schema_version"]
    return data


def load(path: Path | str) -> Exercise:
    """Read, upgrade and validate one exercise file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data, lines = parse(text, p.name)
        if not isinstance(data, dict):
            raise ExerciseError(f"{p.name}:1: an exercise file is a mapping of fields")
        try:
            data = upgrade(data)
        except ExerciseError as exc:
            raise ExerciseError(f"{p.name}:1: field 'schema_version': {exc}") from None
        validate(data, lines, SCHEMA, p.name)
        _check_catalog(data, lines, p.name)
    except FileNotFoundError:
        raise ExerciseError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseError(f"{p.name}: cannot read: {exc}") from None
    except ContentError as exc:
        raise ExerciseError(" ".join(str(exc).split())) from None
    return Exercise(
        id=data["id"],
        kind=data["kind"],
        title=data["title"],
        module=data["module"],
        answer=data["answer"],
        rationale=data["rationale"].strip(),
        domains=tuple(data.get("domains", ())),
        documentation=data.get("documentation", ""),
        question=data.get("question", ""),
        choices=dict(data.get("choices", {})),
        context=dict(data.get("context", {})),
        alternates=tuple(data.get("alternates", ())),
        topics=tuple(str(t) for t in data.get("topics", ())),
        difficulty=data.get("difficulty"),
        exam=tuple(data.get("exam", ())),
        path=p,
    )


@cache
def catalog() -> dict[str, dict[str, str]]:
    """``exercises/catalog.yaml``: ``{"modules": {id: title}, "domains": {id: title}}``."""
    data, _ = parse(CATALOG.read_text(encoding="utf-8"), CATALOG.name)
    return {"modules": dict(data["modules"]), "domains": dict(data["domains"])}


def _check_catalog(data: dict[str, Any], lines: Any, name: str) -> None:
    """``module`` and each of ``domains`` must be ids of the catalog (file:line errors)."""
    cat = catalog()
    if data["module"] not in cat["modules"]:
        raise ExerciseError(
            f"{name}:{line_of(lines, 'module')}: field 'module': {data['module']!r} is not a "
            f"module of catalog.yaml ({', '.join(cat['modules'])})"
        )
    for i, d in enumerate(data.get("domains", ())):
        if d not in cat["domains"]:
            raise ExerciseError(
                f"{name}:{line_of(lines, 'domains', i)}: field 'domains[{i}]': {d!r} is not a "
                "domain of catalog.yaml (free tags go in 'topics')"
            )


def bank(directory: Path | None = None) -> dict[str, Exercise]:
    """Every exercise under ``exercises/bank/<module>/`` by id (ids are unique)."""
    out: dict[str, Exercise] = {}
    for p in sorted((directory or BANK).glob("*/*.yaml")):
        ex = load(p)
        if ex.id in out:
            raise ExerciseError(
                f"{p.name}: field 'id': {ex.id!r} is also used by "
                f"{out[ex.id].path.name if out[ex.id].path else '?'}"
            )
        out[ex.id] = ex
    return out


# --- validating an exercise's content (bank files and generator output alike) ---------------

# Code-looking tokens in a multiple-choice text: ICD-10-CM with its dot, CPT (5 digits or
# 4 digits + F/T), HCPCS Level II (letter + 4 digits).
_ICD_IN_TEXT = re.compile(r"\b[A-TV-Z][0-9][0-9AB]\.[0-9A-Z]{1,4}\b(?!-)")
_CPT_IN_TEXT = re.compile(r"(?<![\d$.,])\b[0-9]{4}[0-9FT]\b(?![\d.,])")
_HCPCS_IN_TEXT = re.compile(r"\b[A-V][0-9]{4}\b")


def validate_exercise(ex: Exercise) -> None:
    """Check an exercise's content beyond the schema; raise a one-line ExerciseError
    naming the exercise and the field. Steps, in order: catalog ids -> the codes of the
    key (billable ICD-10-CM, no Excludes1 pair, CPT/HCPCS present, modifiers valid, NCCI
    pairs clean or bypassed by a modifier) -> kind rules (multiple-choice letters and
    texts, eligibility money path, posting identities) -> the key and every alternate
    score 1.0 on the kind's checker."""
    from exercises.check import check

    where = f"{ex.path.name if ex.path else ex.id}"
    cat = catalog()
    if ex.module not in cat["modules"]:
        raise ExerciseError(f"{where}: field 'module': {ex.module!r} is not in catalog.yaml")
    for i, d in enumerate(ex.domains):
        if d not in cat["domains"]:
            raise ExerciseError(f"{where}: field 'domains[{i}]': {d!r} is not in catalog.yaml")
    for n, key in enumerate((ex.answer, *ex.alternates)):
        field = "answer" if n == 0 else f"alternates[{n - 1}]"
        _check_codes(key, f"{where}: field '{field}")
        if ex.kind == "claim-form":
            _check_claim_form_codes(key, f"{where}: field '{field}")
        if ex.kind == "payment-posting":
            _check_posting(key, f"{where}: field '{field}")
    diagnoses = ex.context.get("diagnoses", [])
    if isinstance(diagnoses, list):
        _check_diagnoses([str(c) for c in diagnoses], f"{where}: field 'context.diagnoses")
    if ex.kind == "multiple-choice":
        _check_multiple_choice(ex, where)
    if ex.kind == "eligibility":
        _check_money_path(ex, where)
    for n, key in enumerate((ex.answer, *ex.alternates)):
        field = "answer" if n == 0 else f"alternates[{n - 1}]"
        try:
            result = check(ex, key)
        except ExerciseError as exc:
            raise ExerciseError(f"{where}: field '{field}': {exc}") from None
        if not result.correct:
            bad = next((f for f in result.feedback if not f.ok), None)
            raise ExerciseError(
                f"{where}: field '{field}': the key scores {result.score:.2f} on its own "
                f"checker ({bad.part + ': ' + bad.message if bad else 'not correct'})"
            )


def _check_diagnoses(codes: list[str], where: str) -> None:
    from codesets import icd10cm

    for i, code in enumerate(codes):
        if not icd10cm.is_billable(code):
            raise ExerciseError(f"{where}[{i}]': {icd10cm.validate(code).message}")
    conflicts = icd10cm.excludes1_conflicts(codes)
    if conflicts:
        raise ExerciseError(f"{where}': {conflicts[0].message}")


def _known_procedure(code: str) -> bool:
    from codesets import cpt, hcpcs

    return cpt.exists(code) if cpt.CODE_RE.fullmatch(code) else hcpcs.is_active(code)


def _check_lines(lines: list[dict[str, Any]], where: str) -> None:
    from codesets import modifiers, ncci

    norm = []
    for i, line in enumerate(lines):
        code = str(line.get("code", "")).strip().upper()
        mods = [str(m).strip().upper() for m in line.get("modifiers", [])]
        if not _known_procedure(code):
            raise ExerciseError(f"{where}[{i}].code': {code} is not a CPT or active HCPCS code")
        for m in mods:
            ok, reason = modifiers.valid_for(m, code)
            if not ok:
                raise ExerciseError(f"{where}[{i}].modifiers': {reason}")
        norm.append((code, mods))
    for a in range(len(norm)):
        for b in range(a + 1, len(norm)):
            v = ncci.check_pair(norm[a][0], norm[b][0], norm[a][1], norm[b][1])
            if v is not None and not v.allowed:
                raise ExerciseError(f"{where}[{b}]': NCCI: {v.reason}")


def _check_codes(key: dict[str, Any], where: str) -> None:
    if isinstance(key.get("diagnoses"), list):
        _check_diagnoses([str(c) for c in key["diagnoses"]], f"{where}.diagnoses")
    if isinstance(key.get("procedures"), list):
        _check_lines(
            [ln for ln in key["procedures"] if isinstance(ln, dict)], f"{where}.procedures"
        )


def _check_claim_form_codes(key: dict[str, Any], where: str) -> None:
    fields = key.get("fields") if isinstance(key.get("fields"), dict) else {}
    dx = [str(v) for b, v in sorted(fields.items()) if b.startswith("21.") and str(v).strip()]
    _check_diagnoses(dx, f"{where}.fields[21]")
    lines = []
    for box, value in sorted(fields.items()):
        if box.startswith("24D.") and str(value).strip():
            code, *mods = str(value).split()
            lines.append({"code": code, "modifiers": mods})
    _check_lines(lines, f"{where}.fields[24D]")


def _check_posting(key: dict[str, Any], where: str) -> None:
    from exercises.check.common import amount

    for i, line in enumerate(key.get("lines", [])):
        a = {k: amount(v, f"{where}.lines[{i}].{k}'") for k, v in line.items()}
        zero = Decimal("0")
        if {"charge", "paid", "contractual", "patient_responsibility"} <= set(a) and (
            a["paid"]
            + a["contractual"]
            + a["patient_responsibility"]
            + a.get("other_adjustment", zero)
            != a["charge"]
        ):
            raise ExerciseError(
                f"{where}.lines[{i}]': the line does not balance (charge = paid + contractual "
                "+ patient responsibility + other adjustments, as on an 835)"
            )
        if (
            {"allowed", "paid", "patient_responsibility"} <= set(a)
            and "other_adjustment" not in a
            and a["paid"] + a["patient_responsibility"] != a["allowed"]
        ):
            raise ExerciseError(
                f"{where}.lines[{i}]': paid + patient responsibility is not the allowed amount"
            )
        parts = [a[k] for k in ("deductible", "coinsurance", "copay") if k in a]
        if parts and "patient_responsibility" in a and sum(parts) != a["patient_responsibility"]:
            raise ExerciseError(
                f"{where}.lines[{i}]': deductible + coinsurance + copay is not the patient "
                "responsibility"
            )


def _check_money_path(ex: Exercise, where: str) -> None:
    from exercises.check.common import amount
    from exercises.check.eligibility import money_path

    values, _ = money_path(ex.context)
    for name, computed in values.items():
        if name in ex.answer and amount(ex.answer[name], name) != computed:
            raise ExerciseError(
                f"{where}: field 'answer.{name}': the key says {ex.answer[name]!r} but the "
                f"plan in the context gives {computed}"
            )


def _check_multiple_choice(ex: Exercise, where: str) -> None:
    from codesets import cpt, hcpcs, icd10cm

    letters = sorted(ex.choices)
    if letters != [chr(ord("A") + i) for i in range(len(letters))] or len(letters) < 2:
        raise ExerciseError(f"{where}: field 'choices': letters must run A, B, C ... ({letters})")
    texts = [" ".join(t.lower().split()) for t in ex.choices.values()]
    if len(set(texts)) != len(texts):
        raise ExerciseError(f"{where}: field 'choices': two choices have the same text")
    answer = str(ex.answer.get("choice", "")).strip().upper()
    if answer not in ex.choices:
        raise ExerciseError(f"{where}: field 'answer.choice': {answer!r} is not a choice")
    right = ex.choices[answer]
    for code in _ICD_IN_TEXT.findall(right):
        if not icd10cm.exists(code):
            raise ExerciseError(f"{where}: field 'choices.{answer}': {code} is not ICD-10-CM")
    for code in _CPT_IN_TEXT.findall(right):
        if not cpt.exists(code):
            raise ExerciseError(f"{where}: field 'choices.{answer}': CPT {code} is not known")
    for code in _HCPCS_IN_TEXT.findall(right):
        if not (hcpcs.exists(code) or icd10cm.exists(code)):
            raise ExerciseError(f"{where}: field 'choices.{answer}': {code} is not HCPCS")
