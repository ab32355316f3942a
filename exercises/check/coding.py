"""Coding checkers: diagnoses (ICD-10-CM), procedures (CPT/HCPCS, modifiers, units,
pointers), and both together. Small steps, in order: shape -> normalise -> match ->
score -> explain (from the code sets themselves).

Scoring, in the spirit of the practice platforms: score = credit / max(entered, expected),
so extra codes cost as much as missing ones. Diagnoses: one credit per expected code
entered; the first-listed code must be first (ICD-10-CM Official Guidelines, Section
IV.G), a wrong first-listed code costs one credit. Procedures: a matched line earns its
code (0.55), modifiers (0.2, order ignored), units (0.1) and pointers (0.15; same set in
another order earns half).
"""

from __future__ import annotations

from typing import Any

from codesets import cpt, hcpcs, icd10cm, modifiers, ncci
from exercises.check.common import show
from exercises.model import ExerciseError, Feedback

WEIGHTS = {"code": 0.55, "modifiers": 0.2, "units": 0.1, "pointers": 0.15}


# --- shape ---------------------------------------------------------------------------------


def _codes(response: dict[str, Any], field: str = "diagnoses") -> list[str]:
    value = response.get(field)
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise ExerciseError(f"response: '{field}' must be a list of codes (text)")
    return [icd10cm.normalize(c) for c in value if c.strip()]


def _lines(response: dict[str, Any]) -> list[dict[str, Any]]:
    value = response.get("procedures")
    if not isinstance(value, list):
        raise ExerciseError("response: 'procedures' must be a list of lines")
    out = []
    for i, line in enumerate(value):
        where = f"response: procedures[{i}]"
        if not isinstance(line, dict) or not isinstance(line.get("code"), str):
            raise ExerciseError(f"{where}: each line needs a 'code' (text)")
        mods = line.get("modifiers", [])
        if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
            raise ExerciseError(f"{where}.modifiers: a list of modifiers (text)")
        units = line.get("units", 1)
        try:
            units = int(str(units).strip())
        except ValueError:
            raise ExerciseError(f"{where}.units: {show(units)} is not a whole number") from None
        pointers = line.get("dx_pointers", [])
        if not isinstance(pointers, list):
            raise ExerciseError(f"{where}.dx_pointers: a list such as [1, 2]")
        try:
            pointers = [_pointer(p) for p in pointers]
        except ValueError as exc:
            raise ExerciseError(f"{where}.dx_pointers: {exc}") from None
        out.append(
            {
                "code": "".join(line["code"].split()).upper(),
                "modifiers": sorted(
                    {"".join(m.split()).upper().lstrip("-") for m in mods if m.strip()}
                ),
                "units": units,
                "dx_pointers": pointers,
            }
        )
    return out


def _pointer(p: Any) -> int:
    """1-12, or a box 24E letter A-L."""
    s = str(p).strip().upper()
    if len(s) == 1 and "A" <= s <= "L":
        return ord(s) - ord("A") + 1
    if s.isdigit() and 1 <= int(s) <= 12:
        return int(s)
    raise ValueError(f"{show(p)} is not a pointer (1-12 or A-L)")


# --- diagnoses -----------------------------------------------------------------------------


def _diagnosis_feedback(entered: list[str], expected: list[str]) -> list[Feedback]:
    out: list[Feedback] = []
    for i, code in enumerate(entered):
        part = f"diagnoses[{i}]"
        verdict = icd10cm.validate(code)
        if verdict.status != "billable":
            out.append(Feedback(part, False, verdict.message))
        elif code in expected:
            if i == 0 and expected and code != expected[0]:
                first = icd10cm.lookup(expected[0])
                out.append(
                    Feedback(
                        part,
                        False,
                        (
                            f"{code} belongs on the claim, but not first: the first-listed "
                            "diagnosis is the main reason for the visit "
                            f"({first.description if first else ''}) "
                            "(ICD-10-CM Official Guidelines IV.G)"
                        ),
                    )
                )
            else:
                out.append(Feedback(part, True, f"{code}: {verdict.description}"))
        else:
            near = next((e for e in expected if e.startswith(code[:5]) and e != code), None)
            hint = (
                f"; the note supports a code in the same subcategory ({near[:5]}...)"
                if near
                else ""
            )
            out.append(
                Feedback(
                    part,
                    False,
                    f"{code} ({verdict.description}) is not supported by the documentation{hint}",
                )
            )
    for e in expected:
        if e not in entered:
            item = icd10cm.lookup(e)
            out.append(
                Feedback(
                    "diagnoses",
                    False,
                    (
                        "a code is missing: the note also documents "
                        f"{item.description.lower() if item else e}"
                    ),
                )
            )
    for c in icd10cm.excludes1_conflicts(entered):
        out.append(Feedback("diagnoses", False, c.message))
    return out


def _diagnosis_score(entered: list[str], expected: list[str]) -> float:
    credit = len(set(entered) & set(expected))
    if entered and expected and entered[0] != expected[0]:
        credit = max(0, credit - 1)
    return credit / max(len(entered), len(expected), 1)


def check_diagnoses(key: dict[str, Any], response: dict[str, Any]) -> tuple[float, list[Feedback]]:
    entered = _codes(response)
    expected = [icd10cm.normalize(c) for c in key["diagnoses"]]
    return _diagnosis_score(entered, expected), _diagnosis_feedback(entered, expected)


# --- procedures ----------------------------------------------------------------------------


def _known(code: str) -> bool:
    return cpt.exists(code) if cpt.CODE_RE.fullmatch(code) else hcpcs.is_active(code)


def check_procedures(key: dict[str, Any], response: dict[str, Any]) -> tuple[float, list[Feedback]]:
    entered = _lines(response)
    expected = _lines({"procedures": key["procedures"]})
    feedback: list[Feedback] = []
    unmatched = list(range(len(expected)))
    credit = 0.0
    for i, line in enumerate(entered):
        part = f"procedures[{i}]"
        code = line["code"]
        j = next((k for k in unmatched if expected[k]["code"] == code), None)
        if not _known(code):
            feedback.append(Feedback(part, False, f"{code} is not a CPT or active HCPCS code"))
            continue
        for m in line["modifiers"]:
            ok, reason = modifiers.valid_for(m, code)
            if not ok:
                feedback.append(Feedback(f"{part}.modifiers", False, reason))
        if j is None:
            feedback.append(Feedback(part, False, f"{code} is not supported by the documentation"))
            continue
        unmatched.remove(j)
        want = expected[j]
        credit += WEIGHTS["code"]
        if line["modifiers"] == want["modifiers"]:
            credit += WEIGHTS["modifiers"]
        else:
            missing = [m for m in want["modifiers"] if m not in line["modifiers"]]
            extra = [m for m in line["modifiers"] if m not in want["modifiers"]]
            said = []
            if missing:
                said.append(f"the note supports modifier {', '.join(missing)}")
            if extra:
                said.append(f"modifier {', '.join(extra)} is not supported")
            feedback.append(Feedback(f"{part}.modifiers", False, f"{code}: {'; '.join(said)}"))
        if line["units"] == want["units"]:
            credit += WEIGHTS["units"]
        else:
            mue = ncci.mue(code)
            over = (
                f" (and exceed the MUE of {mue.value})"
                if mue and 0 < mue.value < line["units"]
                else ""
            )
            feedback.append(
                Feedback(
                    f"{part}.units",
                    False,
                    f"{code}: {line['units']} units do not match the documentation{over}",
                )
            )
        if line["dx_pointers"] == want["dx_pointers"]:
            credit += WEIGHTS["pointers"]
        elif sorted(line["dx_pointers"]) == sorted(want["dx_pointers"]):
            credit += WEIGHTS["pointers"] / 2
            feedback.append(
                Feedback(
                    f"{part}.dx_pointers",
                    False,
                    (f"{code}: point first to the diagnosis that best supports the service"),
                )
            )
        else:
            feedback.append(
                Feedback(
                    f"{part}.dx_pointers",
                    False,
                    (f"{code}: the pointers do not link it to the diagnoses that support it"),
                )
            )
        if all(f.ok for f in feedback if f.part.startswith(part)):
            feedback.append(Feedback(part, True, f"{code} is right"))
    for _ in unmatched:
        feedback.append(
            Feedback("procedures", False, ("a service documented in the note is not coded"))
        )
    for a in range(len(entered)):
        for b in range(a + 1, len(entered)):
            x, y = entered[a], entered[b]
            verdict = ncci.check_pair(x["code"], y["code"], x["modifiers"], y["modifiers"])
            if verdict is not None and not verdict.allowed:
                feedback.append(Feedback(f"procedures[{b}]", False, verdict.reason))
    return credit / max(len(entered), len(expected), 1), feedback


def check_full_encounter(
    key: dict[str, Any], response: dict[str, Any]
) -> tuple[float, list[Feedback]]:
    d_score, d_feedback = check_diagnoses(key, response)
    p_score, p_feedback = check_procedures(key, response)
    return (d_score + p_score) / 2, d_feedback + p_feedback
