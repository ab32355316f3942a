"""The ``claim-form`` generator: fill the CMS-1500 from an encounter's facts.

The context holds what a biller has in hand (registration: patient, insured and payer;
the coded encounter: diagnoses, services, charges; the provider and the billing group);
the key is a selection of boxes of :func:`sim.cms1500.to_boxes` of the correct claim.
Options: ``specialty=``, ``scenario=`` (as for the coding generators).
"""

from __future__ import annotations

from typing import Any

from exercises.generators import _world
from exercises.model import Exercise
from sim import cms1500

# The boxes graded: claim level, then each service line's row.
HEADER_BOXES = ("1", "1a", "2", "3", "4", "6", "11", "11a", "21.A", "21.B", "21.C", "21.D", "23")
LINE_COLUMNS = ("24A", "24B", "24D", "24E", "24F", "24G")
TAIL_BOXES = ("28", "33a")
_RELATIONSHIP = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}


def _person(p: Any) -> dict[str, Any]:
    return {
        "name": f"{p.first_name} {p.last_name}",
        "birth_date": p.birth_date.isoformat(),
        "sex": p.sex,
        "address": f"{p.address.line1}, {p.address.city} {p.address.state} {p.address.zip}",
    }


def _context(c: _world.Case, claim: Any) -> dict[str, Any]:
    enc = c.encounter
    cfg = _world.world()
    provider = cfg.practice.provider(enc.provider_npi)
    dx = {i + 1: f"{d.code} {d.description}" for i, d in enumerate(enc.diagnoses)}
    return {
        "patient": _person(c.patient),
        "insured": {
            **_person(claim.insured),
            "relationship": _RELATIONSHIP.get(claim.insured.relationship, "other"),
            "member_id": claim.insured.member_id,
            "group_number": claim.insured.group_number,
            "plan": claim.insured.plan_name,
        },
        "payer": {"name": claim.payer.name, "program": cms1500.to_boxes(claim)["1"].lower()},
        "authorization": {"number": claim.prior_auth} if claim.prior_auth else None,
        "encounter": {
            "date": enc.date.isoformat(),
            "place_of_service": enc.pos,
            "provider": {"name": provider.name if provider else "", "npi": enc.provider_npi},
            "diagnoses": list(dx.values()),
            "services": [
                {
                    "code": ln.code,
                    "modifiers": list(ln.modifiers),
                    "units": ln.units,
                    "charge": f"{ln.charge:.2f}",
                    "linked_to": [enc.diagnoses[p - 1].code for p in ln.dx_pointers],
                }
                for ln in claim.lines
            ],
        },
        "billing": {"name": claim.billing.name, "npi": claim.billing.npi},
    }


def claim_form(seed: int, **options: Any) -> Exercise:
    """A CMS-1500 exercise for the first insured encounter drawn from ``seed``."""
    unknown = set(options) - {"specialty", "scenario"}
    if unknown:
        raise ValueError(f"claim-form: unknown option(s) {', '.join(sorted(unknown))}")
    for attempt in range(20):  # a self-pay patient has no claim: draw again
        c = _world.case("claim-form", seed * 100 + attempt, **options)
        claim = _world.claim_of(c)
        if claim is not None and len(claim.lines) <= cms1500.LINES_PER_PAGE:
            break
    else:  # pragma: no cover - self-pay is a small share of the payer mix
        raise ValueError(f"claim-form: no insured encounter for seed {seed}")
    boxes = cms1500.to_boxes(claim)
    rows = [f"{col}.{n}" for n in range(1, len(claim.lines) + 1) for col in LINE_COLUMNS]
    keep = [b for b in HEADER_BOXES if boxes[b] or b in ("1", "1a", "2")] + rows + list(TAIL_BOXES)
    context = {k: v for k, v in _context(c, claim).items() if v is not None}
    return Exercise(
        id=f"gen-cf-{seed}",
        kind="claim-form",
        title=f"CMS-1500 for a visit: {c.scenario.title}",
        module="05-claim-forms",
        domains=("claims",),
        topics=("CMS-1500", "generated", c.scenario.specialty),
        exam=("CPB",),
        question=(
            "Fill the CMS-1500 boxes listed from the registration and the coded encounter: "
            + ", ".join(keep)
        ),
        context=context,
        answer={"fields": {b: boxes[b] for b in keep}},
        rationale=(
            "NUCC 1500 Health Insurance Claim Form Reference Instruction Manual (02/12 form): "
            "names LAST, FIRST; birth dates MM DD YYYY and service dates MM DD YY; item 21 "
            "lists ICD-10-CM codes without the decimal point in the order coded; 24E points "
            "to the letters of item 21, primary first; 24F charges without a dollar sign; "
            "item 23 carries a prior authorization number when the plan requires one; item "
            "28 totals the lines."
        ),
    )
