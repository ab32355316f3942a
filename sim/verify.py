"""Verification of every answer key against the code sets (DESIGN: ground truth is verified).

A key (diagnoses + service lines) for a patient of a given sex and age must have:

* ICD-10-CM codes that are billable (complete, with any 7th character — Official
  Guidelines I.B.2, I.A.5) and no Excludes1 pair (I.A.12.a);
* codes consistent with the patient's sex and age (``sim/data/demographic_edits.csv``, a
  conservative subset of the CMS Medicare Code Editor edits and CPT section ranges);
* CPT codes known to the code sets and HCPCS codes active; modifiers valid for their code;
* diagnosis pointers 1-4 that point at a diagnosis of the claim;
* units within the NCCI MUE for the code (an MUE of 0 marks a service Medicare does not
  cover — a payer matter, not a coding error);
* no NCCI PTP pair billed together unless an NCCI-associated modifier allows it.

:func:`problems` returns the list of problems (empty when the key is clean). It is pure
and cached: the simulator checks every encounter it generates.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from codesets import cpt, hcpcs, icd10cm, modifiers, ncci
from sim.models import CodedDiagnosis, CodedLine

EDITS_FILE = Path(__file__).resolve().parent / "data" / "demographic_edits.csv"


@dataclass(frozen=True)
class DemographicEdit:
    system: str
    first: str
    last: str
    sex: str | None
    min_age: int
    max_age: int
    rule: str

    def covers(self, system: str, code: str) -> bool:
        if system != self.system:
            return False
        if system == "icd10cm":
            raw = code.replace(".", "")
            lo, hi = self.first.replace(".", ""), self.last.replace(".", "")
            return lo <= raw[: len(hi)] <= hi if len(lo) == len(hi) else raw.startswith(lo)
        return self.first <= code <= self.last and len(code) == len(self.first)


@cache
def demographic_edits() -> tuple[DemographicEdit, ...]:
    from sim._yaml import ContentError

    out = []
    with open(EDITS_FILE, encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            try:
                sex = row["sex"] or None
                if sex not in (None, "F", "M") or row["system"] not in ("icd10cm", "cpt", "hcpcs"):
                    raise ValueError("sex must be F, M or blank; system icd10cm, cpt or hcpcs")
                out.append(
                    DemographicEdit(
                        row["system"],
                        row["first"],
                        row["last"],
                        sex,
                        int(row["min_age"]),
                        int(row["max_age"]),
                        row["rule"],
                    )
                )
            except (ValueError, KeyError) as exc:
                raise ContentError(f"{EDITS_FILE.name}:{n}: {exc}") from None
    return tuple(out)


@cache
def _edits_for(system: str, code: str) -> tuple[DemographicEdit, ...]:
    return tuple(e for e in demographic_edits() if e.covers(system, code))


def demographic_problem(system: str, code: str, sex: str, age: int) -> str | None:
    for e in _edits_for(system, code):
        if e.sex and e.sex != sex:
            return f"{code} is for {'female' if e.sex == 'F' else 'male'} patients only ({e.rule})"
        if not e.min_age <= age <= e.max_age:
            return f"{code} does not fit a patient aged {age} ({e.rule})"
    return None


def _line_problems(line: CodedLine, n_dx: int) -> list[str]:
    out = []
    code = line.code
    if line.system == "cpt":
        if not cpt.exists(code):
            out.append(f"{code} is not a known CPT code")
    elif not hcpcs.is_active(code):
        out.append(f"{code} is not an active HCPCS Level II code")
    for m in line.modifiers:
        ok, reason = modifiers.valid_for(m, code)
        if not ok:
            out.append(reason)
    if len(set(line.modifiers)) != len(line.modifiers):
        out.append(f"{code}: a modifier is repeated")
    if not 1 <= len(line.dx_pointers) <= 4:
        out.append(f"{code}: needs 1 to 4 diagnosis pointers")
    for p in line.dx_pointers:
        if not 1 <= p <= n_dx:
            out.append(f"{code}: pointer {p} points at no diagnosis")
    if line.units < 1:
        out.append(f"{code}: units must be at least 1")
    edit = ncci.mue(code)
    # An MUE of 0 means "not payable by Medicare" (e.g. preventive visits 99381-99397,
    # non-covered by statute), not a coding error: the key is payer-independent, and the
    # payer applies its own coverage rules.
    if edit is not None and edit.value > 0 and line.units > edit.value:
        out.append(f"{code}: {line.units} units exceed the MUE of {edit.value}")
    return out


@lru_cache(maxsize=65536)
def code_problems(
    diagnoses: tuple[CodedDiagnosis, ...], lines: tuple[CodedLine, ...]
) -> tuple[str, ...]:
    """What is wrong with a key whatever the patient (codes, modifiers, pointers, NCCI)."""
    out: list[str] = []
    if not diagnoses:
        out.append("no diagnosis")
    if len(diagnoses) > 12:
        out.append("more than 12 diagnoses")
    codes = [d.code for d in diagnoses]
    if len(set(codes)) != len(codes):
        out.append("a diagnosis is listed twice")
    for d in diagnoses:
        verdict = icd10cm.validate(d.code)
        if verdict.status != "billable":
            out.append(verdict.message)
    for c in icd10cm.excludes1_conflicts(codes):
        out.append(c.message)
    for line in lines:
        out.extend(_line_problems(line, len(diagnoses)))
    for i, a in enumerate(lines):
        for b in lines[i + 1 :]:
            if a.code == b.code:
                continue
            verdict = ncci.check_pair(a.code, b.code, a.modifiers, b.modifiers)
            if verdict is not None and not verdict.allowed:
                out.append(verdict.reason)
    return tuple(out)


def problems(
    diagnoses: tuple[CodedDiagnosis, ...], lines: tuple[CodedLine, ...], sex: str, age: int
) -> tuple[str, ...]:
    """Everything wrong with a key for a patient of ``sex`` and ``age`` (empty if clean)."""
    out = list(code_problems(diagnoses, lines))
    for d in diagnoses:
        problem = demographic_problem("icd10cm", d.code, sex, age)
        if problem:
            out.append(problem)
    for line in lines:
        problem = demographic_problem(line.system, line.code, sex, age)
        if problem:
            out.append(problem)
    return tuple(out)
