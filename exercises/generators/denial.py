"""The ``denial-analysis`` generator: read a denial on the remittance, name its cause and
the next step.

A claim is built to be denied for one cause (seeded, or ``cause=``: one id of
:data:`CASES`), adjudicated by the payer engine, and shown as the claim, the EOB lines and
the 835 excerpt, with the facts the billing office has on file. The key is the denied
line's adjustment (group + CARC, and the RARC when the payer sent one), the cause id of
:data:`exercises.check.denial.CAUSES`, and the action — :func:`sim.cycle.rule_action`, the
rule the simulated billing office and the work-queue widget follow too.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from codesets import adjustments
from exercises.check.denial import ACTIONS, CAUSES
from exercises.generators import _world
from exercises.generators.eligibility import Scene, Service, payer_for, policies, scene
from exercises.generators.posting import eob, excerpt_835
from exercises.model import Exercise
from sim import cycle
from sim.payer.adjudicate import Adjudication, Adjudicator


@dataclass(frozen=True)
class Denied:
    """A claim the payer denied, with the payer that did it and the office's facts."""

    scene: Scene
    payer: Adjudicator
    adj: Adjudication
    facts: tuple[str, ...]


def _day(rng: random.Random) -> date:
    return _world.START + timedelta(days=rng.randrange(40, 300))


def _id(seed: int) -> str:
    return f"DN{seed % 10**9:09d}"


def _case(
    rng: random.Random,
    seed: int,
    plans: tuple[str, ...],
    services: list[tuple[str, Service]],
    visit_type: str,
) -> Scene:
    """The scene most builders start from: a plan drawn from ``plans``, the services, a
    drawn date of service, the case's claim id (draws in this order: plan, day, scene)."""
    plan = rng.choice(plans)
    day = _day(rng)
    return scene(rng, seed, plan, services, visit_type=visit_type, claim_id=_id(seed), day=day)


# --- one builder per cause: (rng, seed) -> Denied ---------------------------------------------


def _member_id(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("larkspur-ppo", "cedarline-ppo", "medicaid", "larkspur-hdhp"),
        [("family-medicine", Service("99213", ("I10",)))],
        "office",
    )
    on_file = sc.coverage.member_id
    i = max(i for i, ch in enumerate(on_file) if ch.isdigit())
    typo = on_file[:i] + str((int(on_file[i]) + rng.randint(1, 8)) % 10) + on_file[i + 1 :]
    claim = replace(sc.claim, insured=replace(sc.claim.insured, member_id=typo))
    sc = replace(sc, claim=claim)
    payer = payer_for(sc)
    adj = payer.adjudicate(claim, claim.first_service_date + timedelta(days=3))
    facts = (
        f"registration keyed member ID {typo}",
        f"the scanned insurance card shows member ID {on_file}",
    )
    return Denied(sc, payer, adj, facts)


def _prior_auth(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("larkspur-ppo", "cedarline-ppo", "medicaid", "silver-heron-ma"),
        [("radiology", Service("72148", ("M54.16",)))],
        "imaging",
    )
    number = f"PA{rng.randrange(10**9):09d}"
    payer = payer_for(sc, authorizations={number})
    adj = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    approved = sc.claim.first_service_date - timedelta(days=rng.randint(3, 12))
    facts = (
        f"the authorization log has approval {number} for 72148, approved {approved}",
        "box 23 of the claim was left blank",
    )
    return Denied(sc, payer, adj, facts)


def _bundled(rng: random.Random, seed: int) -> Denied:
    services = [
        ("orthopedics", Service("99213", ("M17.11",))),
        ("orthopedics", Service("20610", ("M17.11",))),
    ]
    sc = _case(
        rng,
        seed,
        ("medicare-b", "larkspur-ppo", "cedarline-ppo", "medicaid"),
        services,
        "procedure",
    )
    payer = payer_for(sc)
    adj = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    facts = (
        "the note documents a knee injection for known osteoarthritis; the E/M was billed "
        "on the same day without a modifier",
    )
    return Denied(sc, payer, adj, facts)


def _mue(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("medicare-b", "larkspur-ppo", "cedarline-ppo", "medicaid"),
        [("orthopedics", Service("20610", ("M17.0",), units=3))],
        "procedure",
    )
    payer = payer_for(sc)
    adj = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    facts = ("the procedure note documents an injection of each knee (two joints)",)
    return Denied(sc, payer, adj, facts)


def _necessity(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("medicare-b", "larkspur-ppo", "larkspur-hdhp"),
        [("internal-medicine", Service("82306", ("R53.83",)))],
        "lab",
    )
    payer = payer_for(sc, records=("R53.83", "E55.9"))
    adj = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    facts = (
        "the visit note's assessment lists fatigue (R53.83) and vitamin D deficiency (E55.9); "
        "only R53.83 reached the claim",
    )
    return Denied(sc, payer, adj, facts)


def _timely(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("larkspur-ppo", "cedarline-ppo", "copperleaf-hmo"),
        [("family-medicine", Service("99214", ("E11.9",)))],
        "office",
    )
    limit = int(sc.plan.rules["timely_filing_days"])
    payer = payer_for(sc)
    late = sc.claim.first_service_date + timedelta(days=limit + rng.randint(5, 60))
    adj = payer.adjudicate(sc.claim, late)
    facts = (
        f"the claim was first sent on {late - timedelta(days=1)}; the clearinghouse has no "
        "earlier submission or acceptance report for it",
    )
    return Denied(sc, payer, adj, facts)


def _duplicate(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("larkspur-ppo", "cedarline-ppo", "medicaid", "medicare-b"),
        [("family-medicine", Service("99213", ("J06.9",)))],
        "office",
    )
    payer = payer_for(sc)
    first = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    again = replace(sc.claim, id=sc.claim.id + "B")
    adj = payer.adjudicate(again, first.pay_date + timedelta(days=10))
    facts = (
        f"the visit was billed on claim {sc.claim.id} and paid {first.remit.paid} on "
        f"{first.pay_date} (payer claim {first.payer_claim_number})",
        f"claim {again.id} for the same visit was sent again by mistake",
    )
    return Denied(replace(sc, claim=again), payer, adj, facts)


def _terminated(rng: random.Random, seed: int) -> Denied:
    plan = rng.choice(("larkspur-ppo", "cedarline-ppo", "copperleaf-hmo", "medicaid"))
    day = _day(rng)
    ended = day - timedelta(days=rng.randint(5, 40))
    sc = scene(
        rng,
        seed,
        plan,
        [("family-medicine", Service("99213", ("I10",)))],
        visit_type="office",
        claim_id=_id(seed),
        day=day,
        termination=ended,
    )
    payer = payer_for(sc)
    adj = payer.adjudicate(sc.claim, day + timedelta(days=3))
    facts = (
        "eligibility was last verified at the patient's visit a year ago",
        "the patient mentioned a new job at check-in",
    )
    return Denied(sc, payer, adj, facts)


def _frequency(rng: random.Random, seed: int) -> Denied:
    plan = rng.choice(("larkspur-ppo", "cedarline-ppo"))
    day = _world.START + timedelta(days=rng.randrange(150, 340))
    sc = scene(
        rng,
        seed,
        plan,
        [("family-medicine", Service("99396", ("Z00.00",)))],
        visit_type="preventive",
        claim_id=_id(seed),
        day=day,
    )
    if not 40 <= sc.patient.age_on(day) <= 64:  # 99396: an established patient aged 40-64
        raise _Redraw
    payer = payer_for(sc)
    earlier = day - timedelta(days=rng.randint(60, 140))
    prior = replace(
        sc.claim,
        id=sc.claim.id + "A",
        lines=tuple(replace(ln, service_date=earlier) for ln in sc.claim.lines),
    )
    payer.adjudicate(prior, earlier + timedelta(days=3))
    adj = payer.adjudicate(sc.claim, day + timedelta(days=3))
    facts = (f"the patient had a preventive visit at another practice on {earlier}",)
    return Denied(sc, payer, adj, facts)


def _payer_error(rng: random.Random, seed: int) -> Denied:
    sc = _case(
        rng,
        seed,
        ("larkspur-ppo", "cedarline-ppo", "medicare-b", "medicaid"),
        [("family-medicine", Service("99214", ("E11.9",)))],
        "office",
    )
    policy = policies()[sc.plan.id]
    spec = rng.choice(policy.payer_errors)
    policy = replace(policy, payer_error_rate=1.0, payer_errors=(spec,))
    sc = replace(sc, claim=replace(sc.claim, extra={}))
    payer = payer_for(sc, policy=policy)
    adj = payer.adjudicate(sc.claim, sc.claim.first_service_date + timedelta(days=3))
    facts = (
        "the claim has a single service line",
        f"the rendering provider {sc.provider.name} (NPI {sc.provider.npi}) is enrolled "
        "with the payer",
    )
    return Denied(sc, payer, adj, facts)


class _Redraw(Exception):
    """The draw does not fit the case (e.g. the patient's age): draw again."""


#: cause id -> builder. Each builder's claim is denied for that cause.
CASES: dict[str, Callable[[random.Random, int], Denied]] = {
    "patient-not-identified": _member_id,
    "missing-prior-auth": _prior_auth,
    "bundled-ncci": _bundled,
    "exceeds-mue": _mue,
    "not-medically-necessary": _necessity,
    "timely-filing": _timely,
    "duplicate": _duplicate,
    "coverage-terminated": _terminated,
    "frequency-limit": _frequency,
    "payer-error": _payer_error,
}


#: The CARCs each cause may produce (plans differ: CO-97 or CO-236 for NCCI bundling).
EXPECTED: dict[str, frozenset[str]] = {
    "patient-not-identified": frozenset({"31"}),
    "missing-prior-auth": frozenset({"197"}),
    "bundled-ncci": frozenset({"97", "236"}),
    "exceeds-mue": frozenset({"151"}),
    "not-medically-necessary": frozenset({"50"}),
    "timely-filing": frozenset({"29"}),
    "duplicate": frozenset({"18"}),
    "coverage-terminated": frozenset({"27"}),
    "frequency-limit": frozenset({"119"}),
    "payer-error": frozenset({"97", "16"}),
}


def _fits(cause: str, d: Denied) -> bool:
    """The claim is denied, for the cause (and only a payer error is flagged as one)."""
    line = next((ln for ln in d.adj.lines if ln.denial), None)
    if line is None or d.adj.payer_error != (cause == "payer-error"):
        return False
    return line.denial.split("-")[1] in EXPECTED[cause]


def build(name: str, seed: int, cause: str | None) -> tuple[str, Denied]:
    """The denied claim of ``seed`` for ``cause`` (drawn when None); a draw that the
    payer did not deny for that cause (e.g. an earlier visit before the coverage began)
    is drawn again."""
    rng = random.Random(f"{name}:{seed}")
    chosen = cause or rng.choice(sorted(CASES))
    for attempt in range(30):
        try:
            found = CASES[chosen](random.Random(f"{name}:{seed}:{attempt}"), seed)
        except _Redraw:
            continue
        if _fits(chosen, found):
            return chosen, found
    raise ValueError(f"{name}: no case for cause {chosen!r} and seed {seed}")  # pragma: no cover


def claim_context(d: Denied) -> dict[str, Any]:
    """What the office sees: the claim as sent, the EOB, the 835 excerpt and its file."""
    claim = d.scene.claim
    return {
        "payer": d.adj.payer.name,
        "plan": d.scene.plan.name,
        "claim": {
            "id": claim.id,
            "patient": f"{claim.patient.first_name} {claim.patient.last_name}",
            "member_id": claim.insured.member_id,
            "date_of_service": claim.first_service_date.isoformat(),
            "diagnoses": list(claim.diagnoses),
            "lines": [
                {
                    "code": ln.code,
                    "modifiers": list(ln.modifiers),
                    "units": ln.units,
                    "charge": f"{ln.charge:.2f}",
                    "dx_pointers": list(ln.dx_pointers),
                }
                for ln in claim.lines
            ],
            "prior_auth": claim.prior_auth,
            "received_by_payer": d.adj.received.isoformat(),
        },
        "payer_claim_number": d.adj.payer_claim_number,
        "eob": eob(d.adj.remit),
        "835": excerpt_835(d.payer, d.adj),
        "office_notes": list(d.facts),
    }


def _rationale(cause: str, carc: str, rarc: str | None, action: str, d: Denied) -> str:
    line = next(ln for ln in d.adj.lines if ln.denial)
    group = carc.split("-")[0]
    out = [
        f"{adjustments.describe(carc).rstrip('.')}."
        + (f" Remark {rarc}: {adjustments.rarc(rarc).description.rstrip('.')}." if rarc else ""),
        f"The payer's step: {'; '.join(line.explanation)}.",
        f"Cause: {CAUSES[cause]}. Next step: {action} — {ACTIONS[action]}.",
        (
            "PR: the patient may be billed for it."
            if group == "PR"
            else f"{group}: the amount may not be billed to the patient."
        ),
    ]
    if d.adj.payer_error:
        out.append("Nothing on the claim supports the denial: the payer erred; appeal it.")
    out.append(
        "Rules: ICD-10-CM/CPT coding and NCCI edits (CMS NCCI Policy Manual, Chapter I) for "
        "coding denials; the plan's prior-authorization list, filing limit and frequency "
        "limits; a duplicate or a late claim is the provider's loss (CO/OA: no patient bill)."
    )
    return " ".join(out)


def denial_analysis(seed: int, **options: Any) -> Exercise:
    """A denial-analysis exercise (option ``cause=``: one of :data:`CASES`)."""
    unknown = set(options) - {"cause"}
    if unknown:
        raise ValueError(f"denial-analysis: unknown option(s) {', '.join(sorted(unknown))}")
    cause = options.get("cause")
    if cause is not None and cause not in CASES:
        raise ValueError(f"denial-analysis: cause {cause!r}: none of {', '.join(sorted(CASES))}")
    cause, d = build("denial-analysis", seed, cause)
    line = next((ln for ln in d.adj.lines if ln.denial), None)
    if line is None:  # pragma: no cover - every builder is tested to deny
        raise AssertionError(f"denial-analysis {seed}: the {cause} claim was not denied")
    carc = line.denial
    spec = next(a for a in line.adjustments if a.code == carc)
    rarc = spec.rarcs[0] if spec.rarcs else None
    action = cycle.rule_action(d.adj)
    key: dict[str, Any] = {"carc": carc, "cause": cause, "action": action}
    if rarc:
        key["rarc"] = rarc
    return Exercise(
        id=f"gen-den-{seed}",
        kind="denial-analysis",
        title=f"Work a denial: {carc} from {d.adj.payer.name}",
        module="08-denials",
        domains=("denials-appeals", "ar-follow-up"),
        topics=("denials", "generated", cause),
        exam=("CPB",),
        question=(
            "Read the remittance for this claim. Give the denied line's adjustment (group code "
            "and CARC" + (", and the remark code" if rarc else "") + "), the cause of the "
            "denial, and the next step."
        ),
        context=claim_context(d),
        answer=key,
        rationale=_rationale(cause, carc, rarc, action, d),
    )
