"""Coding generators: ``diagnosis-coding``, ``procedure-coding`` and ``full-encounter``
from one encounter note rendered from a scenario template. The key is the encounter's
verified ground truth (``Encounter.diagnoses`` / ``lines``); the rationale is the
template's own teaching remarks plus the rule that orders the codes.

Options: ``specialty=`` (e.g. ``"orthopedics"``), ``scenario=`` (a template id or file).
"""

from __future__ import annotations

from typing import Any

from codesets import cpt
from exercises.generators import _world
from exercises.model import Exercise
from sim import verify

_SECTION_DOMAIN = {
    "evaluation-management": "E/M",
    "anesthesia": "anesthesia",
    "radiology": "radiology",
    "pathology-laboratory": "pathology-lab",
    "medicine": "medicine",
}
_SURGERY_DOMAIN = (  # CPT surgery subsections by code range
    (19499, "integumentary"),
    (29999, "musculoskeletal"),
    (39599, "respiratory-cardiovascular"),
    (49999, "digestive"),
    (59899, "urinary-genital-maternity"),
    (69990, "endocrine-nervous-eye-ear"),
)


def _domain(code: str) -> str:
    if not cpt.CODE_RE.fullmatch(code):
        return "HCPCS"
    section = cpt.section_of(code)
    if section == "surgery":
        n = int(code)
        return next(d for hi, d in _SURGERY_DOMAIN if n <= hi)
    return _SECTION_DOMAIN.get(section, "medicine")


def _case(name: str, seed: int, options: dict[str, Any]) -> _world.Case:
    unknown = set(options) - {"specialty", "scenario"}
    if unknown:
        raise ValueError(f"{name}: unknown option(s) {', '.join(sorted(unknown))}")
    c = _world.case(name, seed, **options)
    found = verify.problems(
        c.encounter.diagnoses, c.encounter.lines, c.patient.sex, c.patient.age_on(c.encounter.date)
    )
    if found:  # pragma: no cover - the scenario keys are verified by the simulator's tests
        raise ValueError(f"scenario {c.scenario.id}: invalid key: {found[0]}")
    return c


def _diagnoses(c: _world.Case) -> list[str]:
    return [d.code for d in sorted(c.encounter.diagnoses, key=lambda d: d.sequence)]


def _procedures(c: _world.Case) -> list[dict[str, Any]]:
    return [
        {
            "code": ln.code,
            "modifiers": list(ln.modifiers),
            "units": ln.units,
            "dx_pointers": list(ln.dx_pointers),
        }
        for ln in c.encounter.lines
    ]


def _remarks(c: _world.Case) -> str:
    return " ".join(c.scenario.remarks.split())


def diagnosis_coding(seed: int, **options: Any) -> Exercise:
    """Code the diagnoses of a generated note, first-listed first."""
    c = _case("diagnosis-coding", seed, options)
    return Exercise(
        id=f"gen-dx-{seed}",
        kind="diagnosis-coding",
        title=f"Diagnosis coding: {c.scenario.title}",
        module="02-diagnosis-coding",
        domains=("ICD-10-CM",),
        topics=(c.scenario.specialty, "generated"),
        exam=("CPC",),
        documentation=c.encounter.note,
        answer={"diagnoses": _diagnoses(c)},
        rationale=(
            f"{_remarks(c)} The first-listed diagnosis is the main reason for the encounter "
            "(ICD-10-CM Official Guidelines IV.G); code all documented conditions that "
            "affect the care (IV.J)."
        ),
        context={"scenario": c.scenario.id, "specialty": c.scenario.specialty},
    )


def procedure_coding(seed: int, **options: Any) -> Exercise:
    """Code the services of a generated note (the diagnoses are given for the pointers)."""
    c = _case("procedure-coding", seed, options)
    lines = _procedures(c)
    domains = list(dict.fromkeys(_domain(ln["code"]) for ln in lines))
    if any(ln["modifiers"] for ln in lines):
        domains.append("modifiers")
    return Exercise(
        id=f"gen-proc-{seed}",
        kind="procedure-coding",
        title=f"Procedure coding: {c.scenario.title}",
        module="03-procedure-coding",
        domains=tuple(domains),
        topics=(c.scenario.specialty, "generated"),
        exam=("CPC",),
        documentation=c.encounter.note,
        answer={"procedures": lines},
        rationale=(
            f"{_remarks(c)} Modifiers, units and NCCI pairs follow the NCCI Policy Manual "
            "and the MUE table; each line points to the diagnoses that support it."
        ),
        context={
            "diagnoses": _diagnoses(c),
            "scenario": c.scenario.id,
            "specialty": c.scenario.specialty,
        },
    )


def full_encounter(seed: int, **options: Any) -> Exercise:
    """Code diagnoses and services of a generated note."""
    c = _case("full-encounter", seed, options)
    lines = _procedures(c)
    domains = ["ICD-10-CM", *dict.fromkeys(_domain(ln["code"]) for ln in lines)]
    return Exercise(
        id=f"gen-enc-{seed}",
        kind="full-encounter",
        title=f"Code the encounter: {c.scenario.title}",
        module="11-capstone",
        domains=tuple(dict.fromkeys(domains)),
        topics=(c.scenario.specialty, "generated"),
        exam=("CPC",),
        documentation=c.encounter.note,
        answer={"diagnoses": _diagnoses(c), "procedures": lines},
        rationale=(
            f"{_remarks(c)} Diagnoses: ICD-10-CM Official Guidelines IV.G (first-listed) and "
            "IV.J; services: CPT, the NCCI Policy Manual and the MUE table."
        ),
        context={"scenario": c.scenario.id, "specialty": c.scenario.specialty},
    )
