"""The payer engine: adjudicate claims into remittances (835 / EOB objects).

    adj = Adjudicator.of_result(result)                  # world of a simulation
    done = adj.adjudicate_many(claims, received=...)      # in date-of-service order
    remits = adj.remittances(done)                        # one 835 per payer and pay date

:meth:`Adjudicator.adjudicate` runs the ordered steps of :mod:`sim.payer.steps` over one
claim and returns an :class:`Adjudication`: the :class:`~sim.remittance.RemitClaim`, a
:class:`LineResult` per line with the explanation a learner reads, the received and pay
dates, and ``payer_error`` when the payer made a mistake on purpose.

Determinism: each claim's random draws (payer mistake, days to pay) come from
``random.Random(f"{seed}:{claim id}:{frequency}:{n}")``, so a claim's outcome does not depend
on which chunk or process adjudicates it. Accumulators (deductible, out-of-pocket) and the
payer's history (duplicates, frequency limits) do depend on a patient's other claims:
adjudicate a patient's claims in one Adjudicator, in date order (chunk by
:func:`partition_key`).
"""

from __future__ import annotations

import gc
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from codesets import pos as pos_codes
from sim.claims import Claim
from sim.models import Coverage, Payer, Plan, Practice
from sim.payer import steps
from sim.payer.accumulators import Accumulators
from sim.payer.policies import AdjSpec, Policy, load_policies
from sim.remittance import (
    ZERO,
    Adjustment,
    Party,
    ProviderAdjustment,
    RemitClaim,
    RemitLine,
    RemitPerson,
    Remittance,
)

__all__ = ["Adjudication", "Adjudicator", "LineResult", "partition_key"]

CENT = Decimal("0.01")
MISSING_PRIMARY = AdjSpec("CO", "16", ("MA04",))
PRIOR_PAYER = "23"  # OA-23: the impact of the prior payer's adjudication


@dataclass(frozen=True)
class LineResult:
    """What the payer did with one service line, and why (in the order of the steps)."""

    control_number: str
    code: str
    allowed: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    adjustments: tuple[Adjustment, ...]
    explanation: tuple[str, ...]
    denial: str | None = None  # e.g. "CO-197" when the line was denied
    payer_error: bool = False
    deductible: Decimal = ZERO


@dataclass(frozen=True)
class Adjudication:
    """The payer's decision on one claim (DESIGN glossary ``Adjudication``)."""

    claim: Claim
    payer: Payer
    plan: Plan | None
    policy: Policy
    coverage: Coverage | None
    remit: RemitClaim
    lines: tuple[LineResult, ...]
    explanation: tuple[str, ...]
    received: date
    pay_date: date
    payer_claim_number: str
    payer_error: bool = False
    interest: Decimal = ZERO  # paid as PLB L6 on the remittance
    secondary: bool = False
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def denied(self) -> bool:
        """True when the claim is denied or any line is (the denial-rate measure)."""
        return self.remit.status == "4" or any(ln.denial for ln in self.lines)

    @property
    def carcs(self) -> list[str]:
        """The denial codes of the claim's lines (``CO-197`` ...)."""
        return [ln.denial for ln in self.lines if ln.denial]

    def explain(self) -> str:
        """The whole decision in plain words: the claim steps, then each line."""
        out = [f"Claim {self.claim.id} ({self.payer_claim_number}): {self.remit.status_text}"]
        out += [f"  {n}" for n in self.explanation]
        for ln in self.lines:
            out.append(f"  line {ln.control_number} {ln.code}: " + "; ".join(ln.explanation))
        return "\n".join(out)


def partition_key(claim: Claim) -> str:
    """Adjudicate claims with the same key in one Adjudicator (the patient: accumulators
    and history are per patient)."""
    return claim.patient.id


# ---------------------------------------------------------------------------------------------


class Adjudicator:
    """The simulated payers of one world (plans, policies, enrollment) and their memory.

    ``coverages`` is the payers' enrollment (``Coverage`` records; ``flaw`` holds the value
    the payer has on file). ``visit_types`` (encounter id -> copay category) and
    ``authorizations`` (patient id -> auth numbers on file) come from the simulation.
    """

    def __init__(
        self,
        *,
        payers: dict[str, Payer],
        plans: dict[str, Plan],
        practice: Practice,
        coverages: dict[str, Coverage],
        policies: dict[str, Policy] | None = None,
        seed: int = 0,
        visit_types: dict[str, str] | None = None,
        authorizations: dict[str, set[str]] | None = None,
        records: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.payers = payers
        self.plans = plans
        self.practice = practice
        self.policies = policies if policies is not None else load_policies(plans=plans)
        self.seed = seed
        self.locality = practice.locality
        self.visit_types = visit_types or {}
        self.authorizations = authorizations or {}
        self.records = records or {}  # claim/encounter id -> diagnoses in the medical record
        self.enrollment: dict[str, list[Coverage]] = {}
        for cov in coverages.values():
            self.enrollment.setdefault(cov.patient_id, []).append(cov)
        self.accumulators = Accumulators()
        self.seen_services: dict[tuple[Any, ...], str] = {}
        self.last_service: dict[tuple[str, str], date] = {}
        self.history: dict[str, list[Adjudication]] = {}  # claim id -> adjudications
        self.by_number: dict[str, Adjudication] = {}  # payer claim number -> adjudication
        self._records: dict[str, dict[str, str]] = {}
        self._auth: dict[str, frozenset[str]] = {}
        self._settings: dict[str, str] = {}
        self._heads: dict[tuple[date, str], str] = {}
        # step 11's cache: (plan id, code, modifiers, place, units, charge) -> (allowed,
        # CO-45 adjustment or None, explanation); the same service at the same charge is
        # priced the same way every time (Adjustment is frozen, so it is shared)
        self.priced: dict[tuple[Any, ...], tuple[Decimal, Adjustment | None, str]] = {}
        self._copays: dict[tuple[str, str], Decimal] = {}

    @classmethod
    def of_result(cls, result: Any, *, seed: int | None = None, **options: Any) -> Adjudicator:
        """The payers of a simulation result (``sim.simulate.Result``)."""
        cfg = result.config
        visit_types = {e.id: e.visit_type for e in result.encounters}
        auths: dict[str, set[str]] = {}
        for e in result.encounters:
            if e.prior_auth:
                auths.setdefault(e.patient_id, set()).add(e.prior_auth)
        records = {e.id: tuple(d.code for d in e.diagnoses) for e in result.encounters}
        return cls(
            payers=cfg.payers,
            plans=cfg.plans,
            practice=cfg.practice,
            coverages=result.coverages,
            seed=cfg.seed if seed is None else seed,
            visit_types=visit_types,
            authorizations=auths,
            records=records,
            **options,
        )

    # --- lookups used by the steps (cached) --------------------------------------------------

    def enrollment_record(self, cov: Coverage) -> dict[str, str]:
        """What the payer has on file for a coverage: the record with its planted
        data-entry flaw undone (``Coverage.flaw`` = ``"<kind>: payer has <value>"``)."""
        found = self._records.get(cov.id)
        if found is not None:
            return found
        s = cov.subscriber
        rec = {
            "member_id": cov.member_id,
            "first_name": s.first_name,
            "last_name": s.last_name,
            "birth_date": s.birth_date.isoformat(),
        }
        if cov.flaw:
            kind, _, value = cov.flaw.partition(": payer has ")
            if kind == "member-id-typo":
                rec["member_id"] = value
            elif kind == "subscriber-dob-off":
                rec["birth_date"] = value
            elif value.startswith("last name "):
                rec["last_name"] = value[len("last name ") :]
            elif value.startswith("first name "):
                rec["first_name"] = value[len("first name ") :]
        self._records[cov.id] = rec
        return rec

    def visit_type(self, claim: Claim) -> str:
        """The copay category of the visit: the encounter's, else read from the codes."""
        found = self.visit_types.get(claim.encounter_id or claim.id)
        if found:
            return found
        codes = {ln.code for ln in claim.lines}
        if claim.place_of_service in ("02", "10"):
            return "telehealth"
        if any("99281" <= c <= "99285" for c in codes):
            return "ed"
        if any("99381" <= c <= "99397" or c in ("G0438", "G0439", "G0402") for c in codes):
            return "preventive"
        if codes & steps.EM_CODES:
            return "office"
        if all(steps._kind(c) == "lab" for c in codes):
            return "lab"
        if any(c[:1] == "7" and c.isdigit() for c in codes):
            return "imaging"
        return "procedure"

    def auth_codes(self, plan: Plan) -> frozenset[str]:
        found = self._auth.get(plan.id)
        if found is None:
            found = self._auth[plan.id] = frozenset(plan.rules.get("prior_auth_codes", ()))
        return found

    def setting(self, place: str) -> str:
        found = self._settings.get(place)
        if found is None:
            found = self._settings[place] = pos_codes.setting(place) or "non-facility"
        return found

    def coverage_for(self, claim: Claim) -> Coverage | None:
        """The enrollment record of the claim's patient with the payer billed."""
        want = 2 if claim.payer.responsibility == "S" else 1
        mine = [
            c for c in self.enrollment.get(claim.patient.id, ()) if c.payer_id == claim.payer.id
        ]
        return next((c for c in mine if c.order == want), mine[0] if mine else None)

    def _plan_policy(self, claim: Claim, cov: Coverage | None) -> tuple[Plan | None, Policy]:
        plan = self.plans.get(cov.plan_id) if cov else None
        if plan is None:  # unknown member: the payer's first plan gives the policy
            plan_id = next((p.id for p in self.plans.values() if p.payer_id == claim.payer.id), "")
            return None, self.policies.get(plan_id) or next(iter(self.policies.values()))
        return plan, self.policies[plan.id]

    def _rng(self, claim: Claim) -> random.Random:
        n = len(self.history.get(claim.id, ()))
        return random.Random(f"{self.seed}:{claim.id}:{claim.frequency}:{n}")

    def _number(self, claim: Claim, received: date) -> str:
        n = len(self.history.get(claim.id, ()))
        key = (received, claim.payer.id)
        head = self._heads.get(key)
        if head is None:  # julian received date + payer ID, e.g. 26061SIMMB
            head = self._heads[key] = f"{received:%y%j}{self.payers[claim.payer.id].payer_id}"
        return f"{head}{claim.id}{n}"

    # --- adjudication -------------------------------------------------------------------------

    def adjudicate(self, claim: Claim, received: date) -> Adjudication:
        """Run the ordered steps over ``claim`` received on ``received`` (primary or as
        billed: a claim whose payer block says ``S`` is treated as a secondary claim without
        the primary's remittance and is denied CO-16 MA04 — use :meth:`adjudicate_secondary`)."""
        cov = self.coverage_for(claim)
        plan, policy = self._plan_policy(claim, cov)
        payer = self.payers[claim.payer.id]
        w = steps.ClaimWork(self, claim, payer, plan, policy, cov, received, self._rng(claim))
        if claim.payer.responsibility != "P" and cov is not None:
            steps.deny_claim(w, MISSING_PRIMARY, "3 order of benefits", "no primary remittance")
        else:
            steps.run(w)
        return self._finish(w, secondary=False)

    def deny(
        self, claim: Claim, received: date, spec: AdjSpec, step: str, why: str
    ) -> Adjudication:
        """Deny the whole claim without running the steps (e.g. a corrected claim whose
        original the payer cannot find)."""
        cov = self.coverage_for(claim)
        plan, policy = self._plan_policy(claim, cov)
        payer = self.payers[claim.payer.id]
        w = steps.ClaimWork(self, claim, payer, plan, policy, cov, received, self._rng(claim))
        steps.deny_claim(w, spec, step, why)
        return self._finish(w, secondary=False)

    def adjudicate_many(
        self,
        claims: Iterable[Claim],
        received: date | dict[str, date] | Callable[[Claim], date] | None = None,
    ) -> list[Adjudication]:
        """Adjudicate claims in date-of-service order (then claim id), so accumulators fill
        in the order the care happened. ``received``: one date, a claim id -> date map, a
        function, or None (two days after the last date of service)."""

        def when(c: Claim) -> date:
            if received is None:
                return c.last_service_date + timedelta(days=2)
            if isinstance(received, date):
                return received
            if isinstance(received, dict):
                return received[c.id]
            return received(c)

        ordered = sorted(claims, key=lambda c: (c.first_service_date, c.id))
        # The cyclic garbage collector pauses meanwhile (as in Ledger.transaction): a claim
        # allocates many small objects and nothing cyclic, and collections over a big batch
        # cost about a third of the adjudication itself.
        paused = gc.isenabled()
        gc.disable()
        try:
            return [self.adjudicate(c, when(c)) for c in ordered]
        finally:
            if paused:
                gc.enable()

    def _finish(self, w: steps.ClaimWork, *, secondary: bool) -> Adjudication:
        """Build the RemitClaim and the Adjudication; remember the claim (history)."""
        claim = w.claim
        number = self._number(claim, w.received)
        pairs = [_line_results(lw) for lw in w.lines]
        lines = tuple([p[0] for p in pairs])
        remit_lines = tuple([p[1] for p in pairs])
        status, crossover = self._status(w, secondary)
        remit = _remit_claim(
            claim, w.payer, number, status, remit_lines, w.received, crossover, w.plan
        )
        pay_date = w.received + timedelta(days=w.pay_days)
        interest = _interest(w.policy, remit.paid, w.pay_days)
        notes = list(w.notes)
        if crossover:
            notes.append(f"crossover: forwarded to {crossover} (MA18)")
        if interest:
            notes.append(f"late payment: interest {interest} (PLB L6)")
        adj = Adjudication(
            claim=claim,
            payer=w.payer,
            plan=w.plan,
            policy=w.policy,
            coverage=w.coverage,
            remit=remit,
            lines=lines,
            explanation=tuple(notes),
            received=w.received,
            pay_date=pay_date,
            payer_claim_number=number,
            payer_error=any(lw.payer_error for lw in w.lines),
            interest=interest,
            secondary=secondary,
        )
        self._remember(w, adj)
        return adj

    def _status(self, w: steps.ClaimWork, secondary: bool) -> tuple[str, str | None]:
        """CLP02 and the crossover payer: 4 when every line is denied, 2 as secondary, 19
        when Medicare forwards the claim to a supplemental plan (Medigap, Medicaid)."""
        if all(lw.denial is not None for lw in w.lines):
            return "4", None
        if secondary:
            return "2", None
        if w.payer.kind == "medicare" and w.coverage is not None:
            other = next(
                (c for c in self.enrollment.get(w.coverage.patient_id, ()) if c.order == 2), None
            )
            if other is not None and self.policies[other.plan_id].cob in (
                "medigap",
                "medicaid-last-resort",
            ):
                return "19", self.payers[other.payer_id].name
        return "1", None

    def _remember(self, w: steps.ClaimWork, adj: Adjudication) -> None:
        """History for later claims: services processed (duplicates), frequency-limited
        services (last date), the claim by id and by payer claim number."""
        claim = w.claim
        self.history.setdefault(claim.id, []).append(adj)
        self.by_number[adj.payer_claim_number] = adj
        if adj.secondary or w.denial is not None:
            return
        cov_id = w.coverage.id if w.coverage else claim.patient.id
        freq = w.policy.frequency_by_code
        for lw in w.lines:
            if lw.denial is not None:
                continue
            key = (claim.patient.id, w.payer.id, lw.day, lw.code, lw.mods)
            self.seen_services[key] = adj.payer_claim_number
            rule = freq.get(lw.code)
            if rule is not None:
                prev = self.last_service.get((cov_id, rule.id))
                if prev is None or prev < w.dos:
                    self.last_service[(cov_id, rule.id)] = w.dos

    def forget(self, adj: Adjudication) -> None:
        """Undo what a claim left in the payer's memory (it was voided or replaced):
        its services are no longer duplicates and its cost share is given back."""
        for key, number in list(self.seen_services.items()):
            if number == adj.payer_claim_number:
                del self.seen_services[key]
        if adj.coverage is not None and not adj.secondary:
            ded = sum((ln.deductible for ln in adj.lines), ZERO)
            oop = sum((ln.patient_responsibility for ln in adj.lines if not ln.denial), ZERO)
            self.accumulators.credit(adj.coverage.id, adj.claim.first_service_date.year, ded, oop)

    # --- secondary (coordination of benefits) -----------------------------------------------

    def adjudicate_secondary(
        self, claim: Claim, primary: RemitClaim, received: date
    ) -> Adjudication:
        """Adjudicate ``claim`` (billed to the secondary payer, SBR01 ``S``) after the
        primary paid ``primary``: identity, coverage and filing checks, then the plan's
        ``cob`` strategy pays part of what the primary left to the patient:

        * ``medigap`` — the coinsurance (PR-2) and copay (PR-3); the Part B deductible
          (PR-1) only if the plan's rule ``pays_part_b_deductible`` is true (Plan G: no);
        * ``medicaid-last-resort`` — the patient's share up to Medicaid's own allowed amount
          less the primary payment; the rest is written off (CO-45: a Medicaid patient may
          not be billed, 42 CFR 447.15);
        * ``standard`` — the patient's share up to the plan's own allowed amount less the
          primary payment; the rest stays the patient's.

        Each line shows OA-23 (the primary's payment and write-off), the PR left, and paid.
        """
        cov = self.coverage_for(claim)
        plan, policy = self._plan_policy(claim, cov)
        payer = self.payers[claim.payer.id]
        w = steps.ClaimWork(self, claim, payer, plan, policy, cov, received, self._rng(claim))
        for step in (steps.identify_patient, steps.coverage_active, steps.timely_filing):
            step(w)
            if w.denial is not None:
                return self._finish(w, secondary=True)
        by_control = {ln.control_number: ln for ln in primary.lines}
        for lw in w.lines:
            prior = by_control.get(lw.line.control_number)
            if prior is None:
                steps.deny_line(lw, MISSING_PRIMARY, "the primary's remittance has no such line")
                continue
            self._cob_line(w, lw, prior)
        w.notes.append(
            f"COB: {policy.cob} after {primary.payer_claim_number} paid {primary.paid}, "
            f"patient share left {primary.patient_responsibility}"
        )
        return self._finish(w, secondary=True)

    def _cob_line(self, w: steps.ClaimWork, lw: steps.LineWork, prior: RemitLine) -> None:
        """One secondary line from the primary's line (see :meth:`adjudicate_secondary`)."""
        assert w.plan is not None
        pr = [(a.carc, a.amount) for a in prior.adjustments if a.group == "PR"]
        covered_carcs = {"1", "2", "3"}
        if w.policy.cob == "medigap" and not w.plan.rules.get("pays_part_b_deductible", False):
            covered_carcs = {"2", "3"}
        owed = sum((a for c, a in pr if c in covered_carcs), ZERO)
        cap = owed
        if w.policy.cob != "medigap":
            unit = steps.strategies.unit_price(
                w.policy, lw.code, lw.mods, self.locality, "non-facility"
            )
            own = lw.charge * w.policy.percent_of_charge if unit is None else unit * lw.units
            cap = max(ZERO, min(owed, own.quantize(CENT) - prior.paid))
        lw.adjs.append(Adjustment("OA", PRIOR_PAYER, lw.charge - sum((a for _, a in pr), ZERO)))
        left = cap
        for carc, amount in pr:
            pay = min(amount, left) if carc in covered_carcs else ZERO
            left -= pay
            rest = amount - pay
            if rest > 0:
                group = (
                    "CO"
                    if w.policy.cob == "medicaid-last-resort" and carc in covered_carcs
                    else "PR"
                )
                lw.adjs.append(Adjustment(group, "45" if group == "CO" else carc, rest))
                lw.pr += rest if group == "PR" else ZERO
        lw.allowed = prior.allowed if prior.allowed is not None else ZERO
        lw.paid = cap
        lw.notes.append(
            f"primary paid {prior.paid}; patient share {sum((a for _, a in pr), ZERO)}"
            f"; {w.policy.cob} pays {cap}"
        )

    # --- remittances ---------------------------------------------------------------------------

    def remittances(self, adjudications: Iterable[Adjudication]) -> list[Remittance]:
        """One Remittance per payer and pay date (TRN = pay date + the first claim's id and
        frequency: unique and deterministic). BPR02 = Σ CLP04 − Σ PLB; late-payment interest
        is PLB L6; a payment that nets below zero (reversals) carries the balance forward
        (PLB FB) and the payer's next remittance recovers it (PLB WO)."""
        groups: dict[tuple[str, date], list[Adjudication]] = {}
        for a in adjudications:
            groups.setdefault((a.payer.id, a.pay_date), []).append(a)
        carried: dict[str, Decimal] = {}
        out = []
        for (payer_id, day), group in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            group.sort(key=lambda a: (a.claim.id, a.payer_claim_number))
            out.append(self._remittance(payer_id, day, group, carried))
        return out

    def _remittance(
        self, payer_id: str, day: date, group: list[Adjudication], carried: dict[str, Decimal]
    ) -> Remittance:
        payer = self.payers[payer_id]
        first = group[0]
        trace = f"{payer.payer_id}{day:%Y%m%d}{first.claim.id}{first.claim.frequency}"
        plb = [
            ProviderAdjustment("L6", a.payer_claim_number, -a.interest, day)
            for a in group
            if a.interest
        ]
        if len(plb) > 4:
            # one PLB segment holds six adjustments (two are kept for WO/FB below), and the
            # 835 map pyx12 uses allows one PLB segment: the interest goes in as one sum
            total = sum((p.amount for p in plb), ZERO)
            plb = [ProviderAdjustment("L6", f"INTEREST {len(plb)} CLAIMS", total, day)]
        claims_paid = sum((a.remit.paid for a in group), ZERO)
        net = claims_paid - sum((p.amount for p in plb), ZERO)
        owed = carried.pop(payer_id, ZERO)  # recover an earlier negative balance
        if owed and net > 0:
            take = min(owed, net)
            plb.append(ProviderAdjustment("WO", "BALANCE FORWARD", take, day))
            net -= take
            if owed - take:
                carried[payer_id] = owed - take
        elif owed:
            carried[payer_id] = owed
        if net < 0:
            plb.append(ProviderAdjustment("FB", "BALANCE FORWARD", net, day))
            carried[payer_id] = carried.get(payer_id, ZERO) - net
            net = ZERO
        p = self.practice
        return Remittance(
            trace_number=trace,
            payer=Party(payer.name, payer.payer_id, payer.address),
            payee=Party(p.name, p.npi, p.address, p.tin),
            payment_date=day,
            total_paid=net,
            method="ACH" if net > 0 else "NON",
            claims=tuple(a.remit for a in group),
            provider_adjustments=tuple(plb),
            production_date=day - timedelta(days=1),
        )


# --- building the remittance objects -------------------------------------------------------------


def _line_results(lw: steps.LineWork) -> tuple[LineResult, RemitLine]:
    """What the payer did with one line: the learner's :class:`LineResult` and the 835's
    :class:`RemitLine`, built together (the hot path: adjustments and amounts once). A
    denied line carries one adjustment of its whole charge and pays nothing."""
    line = lw.line
    if lw.denial is None:
        adjs = tuple(lw.adjs)
        paid, allowed = lw.paid, lw.allowed
    else:
        adjs = (_denial_adjustment(lw),)
        paid = allowed = ZERO
    pr = ZERO
    remarks: tuple[str, ...] = ()
    for a in adjs:
        if a.group == "PR":
            pr = pr + a.amount
        if a.rarcs:
            remarks = remarks + tuple(a.rarcs)
    if len(remarks) > 1:
        remarks = tuple(dict.fromkeys(remarks))
    result = LineResult(
        line.control_number,
        lw.code,
        allowed,
        paid,
        pr,
        adjs,
        tuple(lw.notes),
        lw.denial.code if lw.denial is not None else None,
        lw.payer_error is not None,
        lw.deductible,
    )
    remit = RemitLine(
        line.control_number,
        lw.code,
        lw.charge,
        paid,
        lw.units,
        lw.mods,
        line.service_date,
        allowed,
        adjs,
        remarks,
    )
    return result, remit


def _denial_adjustment(lw: steps.LineWork) -> Adjustment:
    spec = lw.denial
    assert spec is not None
    return Adjustment(spec.group, spec.carc, lw.charge, rarcs=spec.rarcs)


# 835 CLP06 by plan type: the remittance names the kind of plan that paid (the 837's SBR09
# codes CI/BL have no 835 equivalent).
_CLP06_BY_PLAN_TYPE = {
    "PPO": "12",
    "HDHP": "12",
    "POS": "13",
    "EPO": "14",
    "Medicare Supplement": "15",
    "HMO": "HM",
    "Medicare Advantage": "16",
    "Medicare": "MB",
    "Medicaid": "MC",
    "Workers' Compensation": "WC",
    "Auto": "AM",
}


def _clp06(plan: Plan | None, payer: Payer) -> str:
    if plan is not None and plan.type in _CLP06_BY_PLAN_TYPE:
        return _CLP06_BY_PLAN_TYPE[plan.type]
    from sim.x12.p835 import clp06

    try:
        return clp06(payer.filing_indicator)
    except ValueError:
        return "ZZ"


def _remit_claim(
    claim: Claim,
    payer: Payer,
    number: str,
    status: str,
    lines: tuple[RemitLine, ...],
    received: date,
    crossover: str | None,
    plan: Plan | None = None,
) -> RemitClaim:
    ins = claim.insured
    self_insured = ins.relationship == "18"
    charge = paid = pr = allowed = ZERO
    for ln in lines:  # the sums of the lines, added in line order
        charge = charge + ln.charge
        paid = paid + ln.paid
        allowed = allowed + (ln.allowed or ZERO)
        line_pr = ZERO
        for a in ln.adjustments:
            if a.group == "PR":
                line_pr = line_pr + a.amount
        pr = pr + line_pr
    service = [ln.service_date for ln in claim.lines]
    return RemitClaim(
        patient_control_number=claim.id,
        status=status,
        charge=charge,
        paid=paid,
        patient_responsibility=pr,
        filing_indicator=_clp06(plan, payer),
        payer_claim_number=number,
        patient=RemitPerson(
            claim.patient.last_name, claim.patient.first_name, ins.member_id if self_insured else ""
        ),
        facility_code=claim.place_of_service or "11",
        frequency=claim.frequency,
        insured=None if self_insured else RemitPerson(ins.last_name, ins.first_name, ins.member_id),
        rendering_npi=claim.rendering.npi if claim.rendering else None,
        crossover_payer=crossover,
        remarks=("MA18",) if crossover else (),
        lines=lines,
        received=received,
        service_start=min(service),
        service_end=claim.last_service_date,
        coverage_amount=allowed,
    )


def _interest(policy: Policy, paid: Decimal, days: int) -> Decimal:
    """Prompt-payment interest when a payment is later than ``prompt_pay_days``."""
    late = days - policy.prompt_pay_days
    if late <= 0 or paid <= 0 or not policy.interest_rate:
        return ZERO
    return (paid * policy.interest_rate * late / 365).quantize(CENT, ROUND_HALF_UP)


def reversal(remit: RemitClaim) -> RemitClaim:
    """The CLP02 22 reversal of a claim payment: every amount negated (835 §1.10.2.8)."""

    def neg(a: Adjustment) -> Adjustment:
        return replace(a, amount=-a.amount)

    lines = tuple(
        replace(
            ln,
            charge=-ln.charge,
            paid=-ln.paid,
            allowed=None if ln.allowed is None else -ln.allowed,
            adjustments=tuple(neg(a) for a in ln.adjustments),
        )
        for ln in remit.lines
    )
    return replace(
        remit,
        status="22",
        charge=-remit.charge,
        paid=-remit.paid,
        patient_responsibility=-remit.patient_responsibility,
        adjustments=tuple(neg(a) for a in remit.adjustments),
        lines=lines,
        coverage_amount=None if remit.coverage_amount is None else -remit.coverage_amount,
        crossover_payer=None,
        remarks=(),
    )
