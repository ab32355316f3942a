"""The ``eligibility`` generator: benefits math for one visit, keyed by the payer engine.

A plan (seeded, or ``plan=``), a visit type and one service; the deductible and
out-of-pocket amounts already met this year; sometimes a service on the plan's prior-auth
list, an HMO specialist visit that needs a referral, or coverage that ended before the
visit. The context is a 271-style benefits summary in the shape
:func:`exercises.check.eligibility.money_path` reads. The key is computed by the payer
engine (:class:`sim.payer.adjudicate.Adjudicator`: a one-line claim adjudicated with the
accumulators set) and must agree with ``money_path``.

Also here, for the other payer generators (``denial``, ``appeal``): :func:`scene` — a
patient enrolled in one plan and a claim for given services — and :func:`payer_for`, the
Adjudicator that knows them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from exercises.check.eligibility import money_path
from exercises.generators import _world
from exercises.model import Exercise
from sim import claims, people, world
from sim.claims import Claim, ClaimLine
from sim.models import Coverage, Patient, Plan, Provider
from sim.payer.adjudicate import Adjudication, Adjudicator
from sim.payer.policies import Policy, load_policies

ZERO = Decimal("0.00")

#: Health plans an eligibility exercise draws from (Medigap pays only second; workers'
#: comp, auto and self-pay have no member cost sharing to compute).
PLANS = (
    "medicare-b",
    "silver-heron-ma",
    "medicaid",
    "larkspur-ppo",
    "larkspur-hdhp",
    "cedarline-ppo",
    "copperleaf-hmo",
)
_SENIOR_PLANS = ("medicare-b", "silver-heron-ma")


@dataclass(frozen=True)
class Service:
    """One billed service: code, diagnoses it points to, units, modifiers."""

    code: str
    dx: tuple[str, ...]
    units: int = 1
    modifiers: tuple[str, ...] = ()


#: Services by visit type (the plan's copay category) and who renders them.
SERVICES: dict[str, tuple[tuple[str, Service], ...]] = {
    "office": (
        ("family-medicine", Service("99213", ("I10",))),
        ("internal-medicine", Service("99214", ("E11.9",))),
        ("family-medicine", Service("99213", ("J06.9",))),
    ),
    "specialist": (
        ("cardiology", Service("99214", ("I48.91",))),
        ("dermatology", Service("99213", ("L40.0",))),
        ("orthopedics", Service("99204", ("M25.561",))),
    ),
    "imaging": (
        ("radiology", Service("72148", ("M54.16",))),
        ("radiology", Service("71046", ("R05.9",))),
    ),
    "procedure": (
        ("orthopedics", Service("20610", ("M17.11",))),
        ("dermatology", Service("11102", ("D48.5",))),
    ),
}

# Silver Heron MA has a $0 copay for office visits; its 20% coinsurance is meant for Part B
# drugs and equipment, but the engine would apply it to a $0-copay visit: not drawn here.
_SKIP = {("silver-heron-ma", "office")}


# --- the world of the payer generators ----------------------------------------------------


@cache
def policies() -> dict[str, Policy]:
    """The payer policies of the generators' world (loaded once)."""
    return load_policies(plans=_world.world().plans)


@dataclass(frozen=True)
class Scene:
    """A patient enrolled in one plan and the claim for one visit."""

    patient: Patient
    coverage: Coverage  # the primary coverage (as the payer has it on file)
    coverages: tuple[Coverage, ...]
    plan: Plan
    provider: Provider
    claim: Claim
    visit_type: str


def _provider(rng: random.Random, specialty: str) -> Provider:
    found = [p for p in _world.world().practice.providers if p.specialty == specialty]
    return rng.choice(found)


def _enrol(rng: random.Random, plan_id: str, day: date, seed: int) -> tuple[Patient, list]:
    """A patient whose primary coverage is ``plan_id`` on ``day`` (a few draws at most)."""
    cfg = _world.world()
    fake = _world._pool().faker(rng)
    for attempt in range(20):
        age = rng.randint(66, 88) if plan_id in _SENIOR_PLANS else rng.randint(19, 63)
        patient = people.make_patient(
            fake,
            rng,
            f"P{seed % 10**7:07d}{attempt:02d}",
            sex=rng.choice("FM"),
            age=age,
            on=day,
            state=cfg.practice.address.state,
        )
        covs = people.make_coverages(
            fake,
            rng,
            patient,
            on=day,
            plans=cfg.plans,
            payers=cfg.payers,
            plan_weights={plan_id: 1.0},
            flaw_rate=0.0,
            lapse_rate=0.0,
        )
        if covs and covs[0].plan_id == plan_id and covs[0].order == 1:
            return patient, covs
    raise ValueError(f"plan {plan_id!r}: no patient could be enrolled")  # pragma: no cover


def scene(
    rng: random.Random,
    seed: int,
    plan_id: str,
    services: list[tuple[str, Service]],
    *,
    visit_type: str,
    claim_id: str,
    day: date | None = None,
    prior_auth: str | None = None,
    referral: str | None = None,
    termination: date | None = None,
    flaw: str | None = None,
) -> Scene:
    """Enrol a patient in ``plan_id`` and build the claim for ``services`` on ``day``:
    ``(specialty of the renderer, Service)``; ``termination`` ends the coverage, ``flaw``
    makes the payer's record differ (``Coverage.flaw``)."""
    cfg = _world.world()
    day = day or _world.START + timedelta(days=rng.randrange(300))
    patient, covs = _enrol(rng, plan_id, day, seed)
    primary = replace(covs[0], termination=termination or covs[0].termination, flaw=flaw)
    covs = [primary, *covs[1:]]
    plan = cfg.plans[plan_id]
    provider = _provider(rng, services[0][0])
    dx: list[str] = []
    for _, s in services:
        dx += [d for d in s.dx if d not in dx]
    lines = tuple(
        ClaimLine(
            number=i,
            service_date=day,
            pos="11",
            code=s.code,
            modifiers=s.modifiers,
            dx_pointers=tuple(dx.index(d) + 1 for d in s.dx),
            units=s.units,
            charge=(world.charge_for(cfg.practice, s.code) * s.units).quantize(Decimal("0.01")),
            control_number=claims._control(claim_id, i),
        )
        for i, (_, s) in enumerate(services, start=1)
    )
    claim = Claim(
        id=claim_id,
        patient=patient,
        insured=claims.Insured.of(covs[0], plan),
        payer=claims.PayerInfo.of(cfg.payers[plan.payer_id], 1),
        billing=claims.BillingProvider.of(cfg.practice),
        diagnoses=tuple(dx),
        lines=lines,
        rendering=claims.RenderingProvider.of(provider),
        prior_auth=prior_auth,
        referral_number=referral,
        encounter_id=claim_id,
        extra={"no_payer_error": True},  # no random payer mistake unless a case plants one
    )
    return Scene(patient, primary, tuple(covs), plan, provider, claim, visit_type)


def payer_for(
    sc: Scene,
    *,
    authorizations: set[str] | None = None,
    records: tuple[str, ...] | None = None,
    policy: Policy | None = None,
) -> Adjudicator:
    """The payer engine for the scene: its enrollment, visit type, auths on file, the
    diagnoses of the medical record, and optionally a replaced policy for the plan."""
    cfg = _world.world()
    pols = policies()
    if policy is not None:
        pols = {**pols, policy.plan_id: policy}
    return Adjudicator(
        payers=cfg.payers,
        plans=cfg.plans,
        practice=cfg.practice,
        coverages={c.id: c for c in sc.coverages},
        policies=pols,
        visit_types={sc.claim.id: sc.visit_type},
        authorizations={sc.patient.id: set(authorizations or ())},
        records={sc.claim.id: records or sc.claim.diagnoses},
    )


# --- benefits ----------------------------------------------------------------------------


def cost_share_order(policy: Policy, copay: Decimal) -> str:
    """The plan's order for this visit in :data:`exercises.check.eligibility.ORDERS` terms."""
    parts = [p for p in policy.cost_share_order if p != "copay" or copay > 0]
    if parts and parts[0] == "copay":
        return "copay-only" if policy.copay_only_visit else "copay-then-deductible"
    if "copay" in parts:
        return "deductible-then-copay"
    return "deductible-coinsurance"


def _met(rng: random.Random, plan: Plan) -> tuple[Decimal, Decimal]:
    """Deductible and out-of-pocket already met this year (whole dollars)."""
    ded = plan.deductible
    r = rng.random()
    met = ded if r < 0.3 else ZERO if r < 0.55 else Decimal(rng.randrange(int(ded) + 1))
    met = min(met, ded).quantize(Decimal("0.01"))
    if plan.oop_max is None:
        return met, met
    room = int(plan.oop_max - met)
    extra = room - rng.randrange(0, 60) if rng.random() < 0.15 else rng.randrange(0, room // 3)
    return met, (met + max(0, extra)).quantize(Decimal("0.01"))


def _engine(adj: Adjudication) -> dict[str, Decimal]:
    """The key's amounts from the payer's decision on the one line."""
    line = adj.remit.lines[0]
    by = {a.code: a.amount for a in line.adjustments}
    owes = line.patient_responsibility
    if adj.lines[0].denial:
        return {"patient_owes": owes, "plan_pays": line.paid}
    return {
        "patient_owes": owes,
        # the benefit before Medicare's 2% sequestration (CO-253), as a benefits check quotes it
        "plan_pays": line.paid + by.get("CO-253", ZERO),
        "deductible_applied": by.get("PR-1", ZERO),
        "copay": by.get("PR-3", ZERO),
        "coinsurance": by.get("PR-2", ZERO),
    }


def _context(sc: Scene, policy: Policy, met: tuple[Decimal, Decimal], adj: Adjudication) -> dict:
    plan, line, claim = sc.plan, adj.remit.lines[0], sc.claim
    copay = Decimal(plan.copays.get(sc.visit_type, 0)).quantize(Decimal("0.01"))
    active = sc.coverage.active_on(claim.first_service_date)
    plan_ctx: dict[str, Any] = {
        "name": plan.name,
        "type": plan.type,
        "copay": f"{copay:.2f}",
        "deductible": f"{plan.deductible:.2f}",
        "deductible_met": f"{met[0]:.2f}",
        "coinsurance": float(plan.coinsurance),
        "oop_max": None if plan.oop_max is None else f"{plan.oop_max:.2f}",
        "oop_met": f"{met[1]:.2f}",
        "order": cost_share_order(policy, copay),
        "prior_auth_codes": sorted(plan.rules.get("prior_auth_codes", ())),
    }
    if plan.rules.get("referral_required_for"):
        plan_ctx["referral_required_for"] = list(plan.rules["referral_required_for"])
    s = claim.lines[0]
    return {
        "patient": {
            "name": f"{sc.patient.first_name} {sc.patient.last_name}",
            "age": sc.patient.age_on(claim.first_service_date),
        },
        "plan": plan_ctx,
        "visit": {
            "type": sc.visit_type,
            "date": claim.first_service_date.isoformat(),
            "service": s.code,
            "diagnoses": list(claim.diagnoses),
            "provider": f"{sc.provider.name} ({sc.provider.specialty})",
            "charge": f"{s.charge:.2f}",
            "allowed": f"{line.allowed if active else s.charge:.2f}",
        },
        "coverage": {
            "active": active,
            "effective": sc.coverage.effective.isoformat(),
            "termination": sc.coverage.termination.isoformat() if sc.coverage.termination else None,
        },
    }


def _draw(seed: int, attempt: int, plan_id: str | None) -> tuple[Exercise, dict, dict]:
    """One candidate exercise, the engine's amounts and money_path's amounts."""
    rng = random.Random(f"eligibility:{seed}:{attempt}")
    cfg = _world.world()
    pid = plan_id or rng.choice(PLANS)
    plan = cfg.plans[pid]
    types = [t for t in SERVICES if (pid, t) not in _SKIP]
    vtype = rng.choice(types)
    specialty, service = rng.choice(SERVICES[vtype])
    auth_codes = set(plan.rules.get("prior_auth_codes", ()))
    needs_auth = service.code in auth_codes
    day = _world.START + timedelta(days=rng.randrange(300))
    ended = day - timedelta(days=rng.randint(5, 60)) if rng.random() < 0.12 else None
    referral_for = plan.rules.get("referral_required_for", ())
    needs_referral = bool(referral_for) and vtype in referral_for
    sc = scene(
        rng,
        seed,
        pid,
        [(specialty, service)],
        visit_type=vtype,
        claim_id=f"EL{seed % 10**9:09d}{attempt}",
        day=day,
        prior_auth=f"PA{rng.randrange(10**9):09d}" if needs_auth else None,
        referral=f"RF{rng.randrange(10**7):07d}" if needs_referral else None,
        termination=ended,
    )
    policy = policies()[pid]
    met = _met(rng, plan)
    payer = payer_for(sc, authorizations={sc.claim.prior_auth} if needs_auth else set())
    # the accumulators as the payer has them before this visit
    payer.accumulators.add(sc.coverage.id, day.year, met[0], met[1])
    adj = payer.adjudicate(sc.claim, day + timedelta(days=2))
    context = _context(sc, policy, met, adj)
    computed, _ = money_path(context)
    key = _key(sc, met, adj, needs_auth, needs_referral if referral_for else None)
    engine = {k: Decimal(v) for k, v in key.items() if isinstance(v, str)}
    if adj.lines[0].denial and context["coverage"]["active"]:  # not a benefits question
        engine["denied"] = Decimal(1)
    ex = Exercise(
        id=f"gen-elig-{seed}",
        kind="eligibility",
        title=f"Benefits for a {vtype} visit: {plan.name}",
        module="04-eligibility",
        domains=("eligibility-benefits", _domain(plan)),
        topics=("eligibility", "generated", pid, vtype),
        exam=("CPB",),
        question=(
            "From the benefits summary, work out the patient's share and the plan's payment "
            "for this visit: " + ", ".join(key)
        ),
        context=context,
        answer=key,
        rationale=_rationale(plan, policy, context, needs_auth, needs_referral, adj),
    )
    return ex, engine, computed


def _key(
    sc: Scene,
    met: tuple[Decimal, Decimal],
    adj: Adjudication,
    needs_auth: bool,
    needs_referral: bool | None,
) -> dict[str, Any]:
    """The key from the payer's decision. When the out-of-pocket maximum cuts the patient's
    share, only the totals are asked (money_path does not split a capped share)."""
    plan = sc.plan
    engine = _engine(adj)
    key: dict[str, Any] = {k: f"{v:.2f}" for k, v in engine.items()}
    key["active"] = not adj.lines[0].denial
    if adj.lines[0].denial:
        return key
    capped = any("out-of-pocket maximum reached" in n for n in adj.lines[0].explanation)
    if capped:
        for name in ("deductible_applied", "copay", "coinsurance"):
            del key[name]
    else:
        left = plan.deductible - met[0] - engine["deductible_applied"]
        key["deductible_remaining"] = f"{left:.2f}"
    if plan.oop_max is not None:
        key["oop_remaining"] = f"{plan.oop_max - met[1] - engine['patient_owes']:.2f}"
    key["prior_auth_required"] = needs_auth
    if needs_referral is not None:
        key["referral_required"] = needs_referral
    return key


def _domain(plan: Plan) -> str:
    if plan.type in ("Medicare", "Medicaid", "Medicare Advantage"):
        return "government-payers"
    return "commercial-payers"


def _rationale(
    plan: Plan,
    policy: Policy,
    ctx: dict[str, Any],
    needs_auth: bool,
    needs_referral: bool,
    adj: Adjudication,
) -> str:
    _, steps = money_path(ctx)
    out = [f"{plan.name}: " + "; ".join(steps) + "."]
    order = ctx["plan"]["order"]
    if ctx["coverage"]["active"]:
        out.append(
            {
                "copay-only": "The plan's cost sharing for this visit type is the copay alone "
                "(PR-3 on the remittance); the deductible does not apply to it.",
                "deductible-coinsurance": "The allowed amount goes to the deductible first "
                "(PR-1), then the patient pays the coinsurance percentage (PR-2).",
            }.get(order, f"Cost sharing in the order {order}.")
        )
        if plan.type == "Medicare":
            out.append(
                "Medicare Part B pays 80% after the annual Part B deductible (42 CFR 410.152; "
                "42 CFR 410.160); the payment on the 835 is 2% lower (sequestration, CO-253)."
            )
        if plan.type == "Medicaid":
            out.append("Medicaid copays are nominal amounts set by the state (42 CFR 447.52).")
        if plan.oop_max is not None:
            out.append(
                "The patient's share stops at the out-of-pocket maximum; after it the plan "
                "pays 100% of the allowed amount (45 CFR 156.130 for ACA plans)."
            )
        if needs_auth:
            out.append(
                f"{ctx['visit']['service']} is on the plan's prior-authorization list: without "
                "an approval on the claim the payer denies it (CO-197)."
            )
        if needs_referral:
            out.append(
                "This HMO requires a referral from the primary care provider for "
                f"{ctx['visit']['type']} visits (a missing referral is denied CO-288)."
            )
    else:
        out.append(
            "The payer denies services after the coverage ends (PR-27): the patient is "
            "responsible unless other coverage is found."
        )
    return " ".join(out)


def eligibility(seed: int, **options: Any) -> Exercise:
    """An eligibility/benefits exercise (options: ``plan=`` a plan id of :data:`PLANS`)."""
    unknown = set(options) - {"plan"}
    if unknown:
        raise ValueError(f"eligibility: unknown option(s) {', '.join(sorted(unknown))}")
    plan_id = options.get("plan")
    if plan_id is not None and plan_id not in PLANS:
        raise ValueError(f"eligibility: plan {plan_id!r}: none of {', '.join(PLANS)}")
    for attempt in range(10):
        ex, engine, computed = _draw(seed, attempt, plan_id)
        if all(computed.get(k) == v for k, v in engine.items()):
            return ex
    raise AssertionError(  # pragma: no cover - see disagreements()
        f"eligibility {seed}: the payer engine and money_path disagree: {engine} vs {computed}"
    )


def disagreements(seed: int, plan_id: str | None = None) -> tuple[dict, dict] | None:
    """``(engine, money_path)`` when the first draw of ``seed`` disagrees, else None."""
    _, engine, computed = _draw(seed, 0, plan_id)
    if all(computed.get(k) == v for k, v in engine.items()):
        return None
    return engine, computed
