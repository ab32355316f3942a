"""The ``payment-posting`` generator: post one claim payment from its 835.

A generated, insured encounter is billed correctly and adjudicated by the payer engine
(accumulators seeded with what the patient already met this year); claims that were paid
or partly paid are kept. The context is the 835 excerpt of that claim (its CLP loop, from
:func:`sim.x12.p835.write_835`); the key is, per service line, the allowed amount, the
payment, the contractual adjustment (CO-45), the patient responsibility (PR) and any other
adjustment (a denial, Medicare sequestration CO-253), plus the claim totals — all read from
the :class:`~sim.remittance.RemitClaim`. Options: ``specialty=``, ``scenario=``.

Also here for the other payer generators: :func:`excerpt_835` and :func:`eob`.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from codesets import adjustments
from exercises.generators import _world
from exercises.generators.eligibility import policies
from exercises.model import Exercise
from sim.payer.adjudicate import Adjudication, Adjudicator
from sim.remittance import ZERO, RemitClaim
from sim.x12.p835 import write_835

#: Claim statuses (CLP02) a posting exercise uses: processed as primary, or forwarded.
PAID_STATUSES = ("1", "19")


def excerpt_835(payer: Adjudicator, adj: Adjudication) -> list[str]:
    """The claim's segments of the 835 the payer sends (CLP through its last line)."""
    text = write_835(
        payer.remittances([adj]),
        sender_id=adj.payer.payer_id,
        receiver_id=_world.world().practice.npi,
    )
    segments = [s.strip() for s in text.split("~") if s.strip()]
    start = next(i for i, s in enumerate(segments) if s.startswith("CLP*"))
    end = next(i for i in range(start, len(segments)) if segments[i].startswith(("SE*", "PLB*")))
    return segments[start:end]


def eob(remit: RemitClaim) -> list[dict[str, Any]]:
    """The remittance's service lines as an EOB table (adjustments as ``CO-45 12.34``)."""
    return [
        {
            "code": " ".join((ln.code, *ln.modifiers)),
            "units": ln.units,
            "date": ln.service_date.isoformat() if ln.service_date else None,
            "charge": f"{ln.charge:.2f}",
            "allowed": f"{ln.allowed or ZERO:.2f}",
            "paid": f"{ln.paid:.2f}",
            "adjustments": [f"{a.code} {a.amount:.2f}" for a in ln.adjustments],
            "remarks": list(ln.remarks),
        }
        for ln in remit.lines
    ]


def _adjudicate(c: _world.Case, rng: random.Random) -> tuple[Adjudicator, Adjudication] | None:
    """The correct claim of the case adjudicated, or None (self-pay)."""
    claim = _world.claim_of(c)
    if claim is None:
        return None
    cfg = _world.world()
    enc = c.encounter
    payer = Adjudicator(
        payers=cfg.payers,
        plans=cfg.plans,
        practice=cfg.practice,
        coverages={cov.id: cov for cov in c.coverages},
        policies=policies(),
        visit_types={enc.id: enc.visit_type},
        authorizations={c.patient.id: {enc.prior_auth}} if enc.prior_auth else {},
        records={enc.id: tuple(d.code for d in enc.diagnoses)},
    )
    primary = next(cov for cov in c.coverages if cov.order == 1)
    plan = cfg.plans[primary.plan_id]
    if plan.deductible > 0 and rng.random() < 0.6:  # part of the deductible already met
        met = Decimal(rng.randrange(int(plan.deductible) + 1))
        payer.accumulators.add(primary.id, enc.date.year, met, met)
    return payer, payer.adjudicate(claim, enc.date + timedelta(days=rng.randint(2, 20)))


def _postable(adj: Adjudication) -> bool:
    """Paid or partly paid, and no line denied to the patient (PR denial)."""
    if adj.remit.status not in PAID_STATUSES or adj.remit.paid <= 0:
        return False
    return (
        not any(ln.denial and ln.denial.startswith("PR") for ln in adj.lines)
        and not adj.remit.balance_problems()
    )


def _line_key(ln: Any) -> dict[str, str]:
    co45 = sum((a.amount for a in ln.adjustments if a.code == "CO-45"), ZERO)
    other = sum((a.amount for a in ln.adjustments if a.group != "PR" and a.code != "CO-45"), ZERO)
    key = {
        "allowed": f"{ln.allowed or ZERO:.2f}",
        "paid": f"{ln.paid:.2f}",
        "contractual": f"{co45:.2f}",
        "patient_responsibility": f"{ln.patient_responsibility:.2f}",
    }
    if other:
        key["other_adjustment"] = f"{other:.2f}"
    return key


def _key(remit: RemitClaim) -> dict[str, Any]:
    lines = [_line_key(ln) for ln in remit.lines]
    return {
        "lines": lines,
        "total_paid": f"{remit.paid:.2f}",
        "patient_balance": f"{remit.patient_responsibility:.2f}",
        "total_contractual": f"{sum(Decimal(k['contractual']) for k in lines):.2f}",
    }


def _rationale(adj: Adjudication) -> str:
    codes = sorted({a.code for a in adj.remit.all_adjustments()})
    meanings = "; ".join(adjustments.describe(c) for c in codes)
    out = [
        "Post from the 835 (ASC X12 005010X221A1): SVC02 is the charge, SVC03 the payment, "
        "AMT*B6 the allowed amount and each CAS the adjustments by group code. "
        "Contractual = charge - allowed (CO-45, written off: the provider may not bill it "
        "to the patient under its contract); patient responsibility = the PR adjustments "
        "(PR-1 deductible, PR-2 coinsurance, PR-3 copay); paid = allowed - patient "
        "responsibility - other reductions; every line balances: charge = paid + "
        "adjustments. CLP04 is the claim payment and CLP05 the patient's share.",
        f"Adjustments on this claim: {meanings}.",
    ]
    if any(a.code == "CO-253" for a in adj.remit.all_adjustments()):
        out.append(
            "CO-253 is Medicare's 2% payment reduction (sequestration): the provider writes it "
            "off; the patient's coinsurance is figured before it."
        )
    if any(ln.denial for ln in adj.lines):
        out.append(
            "A denied line pays nothing and has no allowed amount: post the denial adjustment "
            "and work the denial (it is not a contractual write-off)."
        )
    if adj.remit.status == "19":
        out.append(
            f"CLP02 19: Medicare forwarded the claim to {adj.remit.crossover_payer} "
            "(crossover, MA18): bill the patient's balance only after the secondary pays."
        )
    return " ".join(out)


def payment_posting(seed: int, **options: Any) -> Exercise:
    """A payment-posting exercise from a paid or partly paid claim (options as coding)."""
    unknown = set(options) - {"specialty", "scenario"}
    if unknown:
        raise ValueError(f"payment-posting: unknown option(s) {', '.join(sorted(unknown))}")
    for attempt in range(40):
        c = _world.case("payment-posting", seed * 100 + attempt, **options)
        rng = random.Random(f"payment-posting:{seed}:{attempt}")
        done = _adjudicate(c, rng)
        if done is not None and _postable(done[1]):
            break
    else:  # pragma: no cover - most insured claims are paid
        raise ValueError(f"payment-posting: no paid claim for seed {seed}")
    payer, adj = done
    remit = adj.remit
    return Exercise(
        id=f"gen-post-{seed}",
        kind="payment-posting",
        title=f"Post the payment: {adj.payer.name}, claim {remit.patient_control_number}",
        module="10-posting-and-ar",
        domains=("payment-posting",),
        topics=("835", "posting", "generated", c.scenario.specialty),
        exam=("CPB",),
        question=(
            "Post this claim payment from the 835: for each service line (in order) the "
            "allowed amount, the payment, the contractual adjustment (CO-45), the patient "
            "responsibility and any other adjustment; then the claim's total paid, total "
            "contractual adjustment and the balance left to the patient."
        ),
        context={
            "payer": adj.payer.name,
            "payment_date": adj.pay_date.isoformat(),
            "patient": f"{c.patient.first_name} {c.patient.last_name}",
            "claim": remit.patient_control_number,
            "835": excerpt_835(payer, adj),
        },
        answer=_key(remit),
        rationale=_rationale(adj),
    )
