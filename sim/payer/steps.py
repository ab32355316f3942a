"""The adjudication steps, in the order a payer runs them (see :data:`STEPS`).

Each step is one small function ``step(w)`` over the claim being worked (:class:`ClaimWork`):
it may deny the whole claim (:func:`deny_claim`), deny lines (:func:`deny_line`), or do the
money path, and it writes what it did — and why — into the explanation the learner reads.
A claim-level denial stops the later steps; a line denial skips that line's later steps.

Order (``STEPS``):

1. patient identified — member ID, name and date of birth match the payer's enrollment
   (CO-31; remark N382 ID, MA36 name, N329 date of birth);
2. coverage active on the date of service (PR-26 not yet effective, PR-27 ended);
3. order of benefits — a secondary-only plan or a secondary coverage billed first (CO-22);
4. duplicate — the same service already processed (OA-18, N111);
5. timely filing — received after the plan's limit (CO-29);
6. prior authorization (CO-197, M62) and referral (CO-288) for the plan's lists;
7. covered service — plan/statutory exclusions (e.g. PR-49 N425 routine physical);
8. medical necessity — LCD-style diagnosis lists (CO-50 with N115/N130) and frequency
   limits (CO-119, N640);
9. bundling and units — NCCI PTP (CO-97 M80 or CO-236 N20) and MUE (CO-151 N362);
10. payer mistake — rarely, on purpose, a clean line is denied wrongly (appeal overturns);
11. allowed amount — the fee basis; charge − allowed = CO-45;
12. patient share — copay (PR-3), deductible (PR-1), coinsurance (PR-2) in the plan's order,
    stopped at the out-of-pocket maximum;
13. paid — allowed − patient share − sequestration (CO-253, Medicare).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sim import world
from sim.models import Coverage, Payer, Plan
from sim.payer import strategies
from sim.payer.policies import AdjSpec, ErrorSpec, Policy
from sim.remittance import Adjustment

ZERO = Decimal("0.00")
CENT = Decimal("0.01")

# The adjustment of each denial the steps make (group, CARC, usual RARCs).
NOT_IDENTIFIED = {
    "member-id": AdjSpec("CO", "31", ("N382",)),
    "name": AdjSpec("CO", "31", ("MA36",)),
    "birth-date": AdjSpec("CO", "31", ("N329",)),
    "unknown": AdjSpec("CO", "31", ("N382",)),
}
NOT_YET_COVERED = AdjSpec("PR", "26")
COVERAGE_ENDED = AdjSpec("PR", "27")
OTHER_PAYER_FIRST = AdjSpec("CO", "22", ("MA04",))
DUPLICATE = AdjSpec("OA", "18", ("N111",))
TIMELY_FILING = AdjSpec("CO", "29")
NO_AUTHORIZATION = AdjSpec("CO", "197", ("M62",))
NO_REFERRAL = AdjSpec("CO", "288")
CONTRACTUAL = "45"
EM_CODES = frozenset({f"{n}" for n in range(99202, 99500)} | {"G0402", "G0438", "G0439", "G0463"})


class LineWork:
    """One service line while it is being adjudicated."""

    __slots__ = (
        "adjs",
        "allowed",
        "charge",
        "code",
        "day",
        "deductible",
        "denial",
        "dx",
        "kind",
        "line",
        "mods",
        "notes",
        "paid",
        "payer_error",
        "pr",
        "units",
    )

    def __init__(self, line: Any, diagnoses: tuple[str, ...]) -> None:
        self.line = line
        self.code = code = line.code
        mods = line.modifiers
        self.mods = mods if type(mods) is tuple else tuple(mods)
        self.units = line.units
        self.charge = line.charge
        self.day = _iso(line.service_date)
        n = len(diagnoses)
        self.dx = tuple([diagnoses[p - 1] for p in line.dx_pointers if 0 < p <= n])
        kind = _KIND.get(code)
        self.kind = kind if kind is not None else _kind(code)
        self.denial: AdjSpec | None = None
        self.payer_error: ErrorSpec | None = None
        self.allowed = ZERO
        self.adjs: list[Adjustment] = []
        self.notes: list[str] = []
        self.deductible = ZERO
        self.pr = ZERO
        self.paid = ZERO


class ClaimWork:
    """A claim while it is being adjudicated: the claim, who pays, and the working lines."""

    def __init__(
        self,
        ctx: Any,
        claim: Any,
        payer: Payer,
        plan: Plan | None,
        policy: Policy,
        coverage: Coverage | None,
        received: date,
        rng: random.Random,
    ) -> None:
        self.ctx = ctx  # the Adjudicator: enrollment, history, accumulators, practice
        self.claim = claim
        self.payer = payer
        self.plan = plan
        self.policy = policy
        self.coverage = coverage
        self.received = received
        dx = claim.diagnoses
        self.lines = lines = [LineWork(ln, dx) for ln in claim.lines]
        # = claim.first_service_date, without recomputing it in every step
        self.dos = (
            min([lw.line.service_date for lw in lines]) if lines else claim.first_service_date
        )
        self.year = self.dos.year
        self.notes: list[str] = []
        self.denial: AdjSpec | None = None
        self.visit_type = ctx.visit_type(claim)
        # Draw every random number up front, in a fixed order: results do not depend on
        # which steps ran (payer mistake: chance, which error, which line; days to pay).
        self.r_error = rng.random()
        self.r_pick = rng.random()
        self.r_line = rng.random()
        self.pay_days = rng.randint(*policy.days_to_pay)

    def open_lines(self) -> list[LineWork]:
        return [lw for lw in self.lines if lw.denial is None]


_KIND: dict[str, str] = {}


def _kind(code: str) -> str:
    try:
        return _KIND[code]
    except KeyError:
        found = _KIND[code] = world.code_kind(code)
        return found


_ISO: dict[date, str] = {}


def _iso(day: date) -> str:
    """``day.isoformat()``, cached (a simulation has a few hundred distinct dates)."""
    found = _ISO.get(day)
    if found is None:
        found = _ISO[day] = day.isoformat()
    return found


def _money(x: Decimal) -> Decimal:
    return x.quantize(CENT, ROUND_HALF_UP)


# --- denial helpers -----------------------------------------------------------------------------


def deny_line(lw: LineWork, spec: AdjSpec, why: str) -> None:
    """Deny one line in full with ``spec``; ``why`` is the learner's explanation."""
    lw.denial = spec
    lw.notes.append(f"denied {spec.code}{_rarcs(spec)}: {why}")


def deny_claim(w: ClaimWork, spec: AdjSpec, step: str, why: str) -> None:
    """Deny every line of the claim with ``spec`` (CLP02 4 when nothing is payable)."""
    w.denial = spec
    w.notes.append(f"{step}: claim denied {spec.code}{_rarcs(spec)} — {why}")
    for lw in w.lines:
        deny_line(lw, spec, why)


def _rarcs(spec: AdjSpec) -> str:
    return f" ({', '.join(spec.rarcs)})" if spec.rarcs else ""


# --- 1-5: claim-level steps ---------------------------------------------------------------------


def identify_patient(w: ClaimWork) -> None:
    """1. The member ID, subscriber name and birth date must match the payer's enrollment
    (the coverage's true record: ``Coverage.flaw`` keeps what the payer has on file)."""
    if w.coverage is None:
        deny_claim(w, NOT_IDENTIFIED["unknown"], "1 patient identified", "no member found")
        return
    record = w.ctx.enrollment_record(w.coverage)
    ins = w.claim.insured
    checks = (
        ("member-id", ins.member_id.strip().upper(), record["member_id"].upper()),
        ("name", ins.last_name.strip().casefold(), record["last_name"].casefold()),
        ("name", ins.first_name.strip().casefold(), record["first_name"].casefold()),
        ("birth-date", ins.birth_date.isoformat(), record["birth_date"]),
    )
    for what, sent, on_file in checks:
        if sent != on_file:
            why = (
                f"the claim's {what.replace('-', ' ')} ({sent}) does not match the payer's "
                f"enrollment ({on_file}); correct it from the insurance card and resubmit"
            )
            deny_claim(w, NOT_IDENTIFIED[what], "1 patient identified", why)
            return
    w.notes.append("1 patient identified: member ID, name and date of birth match enrollment")


def coverage_active(w: ClaimWork) -> None:
    """2. Coverage (and the plan) in force on the date of service."""
    cov, plan = w.coverage, w.plan
    assert cov is not None and plan is not None
    if w.dos < cov.effective or w.dos < plan.effective:
        why = f"service on {w.dos} is before coverage began ({cov.effective})"
        deny_claim(w, NOT_YET_COVERED, "2 coverage active", why)
    elif not (cov.active_on(w.dos) and plan.active_on(w.dos)):
        end = cov.termination or plan.termination
        why = f"service on {w.dos} is after coverage ended ({end}); bill the current payer"
        deny_claim(w, COVERAGE_ENDED, "2 coverage active", why)
    else:
        w.notes.append(f"2 coverage active: {plan.name} in force on {w.dos}")


def order_of_benefits(w: ClaimWork) -> None:
    """3. A secondary-only plan (Medigap) or a coverage that is second in the order of
    benefits does not pay first (NAIC COB rules; Medicare Secondary Payer rules)."""
    assert w.coverage is not None and w.plan is not None
    billed_as = w.claim.payer.responsibility
    if billed_as == "P" and (w.plan.rules.get("secondary_only") or w.coverage.order > 1):
        why = (
            f"{w.plan.name} pays after the primary plan; bill the primary payer first and send "
            "its remittance with the secondary claim"
        )
        deny_claim(w, OTHER_PAYER_FIRST, "3 order of benefits", why)
    else:
        w.notes.append(
            f"3 order of benefits: billed as {'primary' if billed_as == 'P' else 'secondary'}"
        )


def duplicate(w: ClaimWork) -> None:
    """4. A service (patient, date, code, modifiers) already processed is a duplicate
    (OA-18); corrected (7) and void (8) claims replace instead and skip this check."""
    if w.claim.frequency != "1":
        w.notes.append(f"4 duplicate: frequency {w.claim.frequency} replaces an earlier claim")
        return
    seen = w.ctx.seen_services
    pid, payer = w.claim.patient.id, w.payer.id
    dups = [lw for lw in w.lines if (pid, payer, lw.day, lw.code, lw.mods) in seen]
    if dups and len(dups) == len(w.lines):
        first = seen[(pid, payer, dups[0].day, dups[0].code, dups[0].mods)]
        why = f"every service was already processed on payer claim {first}"
        deny_claim(w, DUPLICATE, "4 duplicate", why)
        return
    for lw in dups:
        first = seen[(pid, payer, lw.day, lw.code, lw.mods)]
        deny_line(lw, DUPLICATE, f"{lw.code} on {lw.day} already processed on claim {first}")
    w.notes.append(
        f"4 duplicate: {len(dups)} line(s) already processed" if dups else "4 duplicate: none"
    )


def timely_filing(w: ClaimWork) -> None:
    """5. Received within the plan's filing limit from the date of service
    (``timely_filing_days`` in payers.yaml; Medicare: 12 months, 42 CFR 424.44)."""
    assert w.plan is not None
    limit = int(w.plan.rules.get("timely_filing_days", 365))
    days = (w.received - w.dos).days
    if days > limit:
        why = f"received {days} days after the date of service; the limit is {limit} days"
        deny_claim(w, TIMELY_FILING, "5 timely filing", why)
    else:
        w.notes.append(f"5 timely filing: received on day {days} of {limit}")


# --- 6-10: line-level coverage and coding edits ----------------------------------------------


def authorization_and_referral(w: ClaimWork) -> None:
    """6. Services on the plan's prior-auth list need an authorization number on the claim
    (CO-197, M62); a gatekeeper HMO's specialist visits need a referral (CO-288)."""
    assert w.plan is not None
    needs_auth = w.ctx.auth_codes(w.plan)
    count = 0
    for lw in w.open_lines():
        if lw.code in needs_auth and not w.claim.prior_auth:
            deny_line(
                lw, NO_AUTHORIZATION, f"{w.plan.name} requires prior authorization for {lw.code}"
            )
            count += 1
    needs_for = w.plan.rules.get("referral_required_for", ())
    why = strategies.REFERRALS[w.policy.referral](w.claim, w.visit_type, needs_for)
    if why:
        for lw in w.open_lines():
            deny_line(lw, NO_REFERRAL, why)
            count += 1
    w.notes.append(
        f"6 authorization/referral: {count} line(s) denied"
        if count
        else "6 authorization/referral: none needed or present"
    )


def covered_service(w: ClaimWork) -> None:
    """7. Services the plan excludes (statutory Medicare exclusions, plan exclusions)."""
    excluded = w.policy.excluded_by_code
    for lw in w.open_lines():
        rule = excluded.get(lw.code)
        if rule is not None:
            deny_line(lw, rule.adjustment, f"{lw.code} is not a covered benefit: {rule.name}")
    w.notes.append("7 covered service: checked against the plan's exclusions")


def medical_necessity(w: ClaimWork) -> None:
    """8. LCD/NCD-style necessity (a pointed diagnosis must be on the rule's list) and
    frequency limits (one per rolling months or calendar year)."""
    check = strategies.NECESSITY[w.policy.necessity]
    for lw in w.open_lines():
        rule = check(w.policy, lw.code, lw.dx)
        if rule is not None:
            why = (
                f"{rule.name}: none of the diagnoses pointed to ({', '.join(lw.dx) or 'none'}) "
                f"supports {lw.code}"
            )
            deny_line(lw, w.policy.necessity_adjustment, why)
    _frequency(w)
    lists = (
        "the plan's diagnosis lists (LCD-style)"
        if w.policy.necessity != "none"
        else "no diagnosis lists for this plan"
    )
    w.notes.append(f"8 medical necessity: {lists}; frequency limits checked")


def _frequency(w: ClaimWork) -> None:
    freq = w.policy.frequency_by_code
    if not freq:
        return
    last = w.ctx.last_service
    cov_id = w.coverage.id if w.coverage else w.claim.patient.id
    for lw in w.open_lines():
        rule = freq.get(lw.code)
        if rule is None:
            continue
        before = last.get((cov_id, rule.id))
        if before is None or before > w.dos:
            continue
        if rule.period == "calendar-year":
            too_soon = before.year == w.dos.year
        else:
            too_soon = w.dos < _add_months(before, rule.months)
        if too_soon:
            why = f"{rule.name}: the last one was on {before}"
            deny_line(lw, w.policy.frequency_adjustment, why)


def _add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def bundling_and_units(w: ClaimWork) -> None:
    """9. NCCI procedure-to-procedure edits (the column 2 code is bundled) and MUEs."""
    open_lines = w.open_lines()
    for i, reason in strategies.BUNDLERS[w.policy.bundling](open_lines):
        deny_line(open_lines[i], w.policy.bundling_adjustment, reason)
    if w.policy.mue:
        open_lines = w.open_lines()
        for i, reason in strategies.mue_excess(open_lines):
            deny_line(open_lines[i], w.policy.mue_adjustment, f"Medically Unlikely Edit: {reason}")
    w.notes.append(
        f"9 bundling/units: {w.policy.bundling} PTP edits, MUE {'on' if w.policy.mue else 'off'}"
    )


def payer_mistake(w: ClaimWork) -> None:
    """10. The simulated payer errs on purpose, rarely: one line of an otherwise clean
    claim is denied wrongly. The Adjudication is flagged ``payer_error``; an appeal with
    the right documents overturns it (sim.payer.followup)."""
    errors = w.policy.payer_errors
    if w.denial is not None:
        return
    clean = "10 payer review: the lines were processed as billed"
    if not errors or w.r_error >= w.policy.payer_error_rate:
        w.notes.append(clean)
        return
    if w.claim.extra.get("no_payer_error"):  # reprocessed after an appeal
        w.notes.append(clean)
        return
    if any(lw.denial is not None for lw in w.lines):
        w.notes.append(clean)
        return
    spec = errors[int(w.r_pick * len(errors))]
    lw = w.lines[int(w.r_line * len(w.lines))]
    lw.payer_error = spec
    deny_line(lw, spec.adjustment, f"(payer error) {spec.why}")
    w.notes.append("10 payer review: a line was denied in error; appeal it")


# --- 11-13: the money path ----------------------------------------------------------------------


def allowed_amount(w: ClaimWork) -> None:
    """11. Allowed = the fee basis amount x units, at most the charge (payers allow the
    lesser of the charge and the fee schedule); charge − allowed is CO-45."""
    policy, ctx = w.policy, w.ctx
    cache = ctx.priced  # one Adjudicator: one locality, one policy per plan id
    for lw in w.lines:
        if lw.denial is not None:
            continue
        key = (policy.plan_id, lw.code, lw.mods, lw.line.pos, lw.units, lw.charge)
        found = cache.get(key)
        if found is None:
            found = cache[key] = _allowed(policy, lw, ctx.locality, ctx.setting(lw.line.pos))
        lw.allowed, contractual, note = found
        if contractual is not None:
            lw.adjs.append(contractual)
        lw.notes.append(note)
    w.notes.append("11 allowed amount: fee basis applied")


def _allowed(
    policy: Policy, lw: LineWork, locality: str, setting: str
) -> tuple[Decimal, Adjustment | None, str]:
    """One line's allowed amount, its CO-45 adjustment (or None) and the explanation."""
    unit = strategies.unit_price(policy, lw.code, lw.mods, locality, setting)
    if unit is None:
        allowed = _money(lw.charge * policy.percent_of_charge)
        how = f"{policy.percent_of_charge:.0%} of the charge (no fee schedule amount)"
    else:
        allowed = unit * lw.units
        how = f"{policy.fee_basis} {unit} x {lw.units}"
    if allowed > lw.charge:
        allowed, how = lw.charge, how + ", capped at the charge"
    contractual = None
    if lw.charge > allowed:
        contractual = Adjustment("CO", CONTRACTUAL, lw.charge - allowed)
    return allowed, contractual, f"allowed {allowed} ({how}); CO-45 {lw.charge - allowed}"


def _exempt(w: ClaimWork, lw: LineWork) -> str | None:
    """Why a line has no cost sharing, or None."""
    rules = w.plan.rules if w.plan else {}
    if lw.code in w.policy.no_cost_share_codes or lw.code in rules.get("no_cost_share_codes", ()):
        return f"{lw.code} has no cost sharing (preventive)"
    if lw.kind in w.policy.no_cost_share_kinds or (
        lw.kind == "lab" and rules.get("lab_no_cost_share")
    ):
        return f"no cost sharing for {lw.kind} services"
    under = rules.get("copay_exempt_under_age")
    if under is not None and w.claim.patient.age_on(w.dos) < under:
        return f"no cost sharing under age {under}"
    return None


def _copay_line(
    w: ClaimWork, open_lines: list[LineWork], exempt: list[str | None] | None = None
) -> LineWork | None:
    """The line that carries the visit's copay: the E/M line, else the first line
    (``exempt``: :func:`_exempt` of each open line, when already known)."""
    if exempt is None:
        exempt = [_exempt(w, lw) for lw in open_lines]
    payable = [lw for lw, why in zip(open_lines, exempt, strict=True) if why is None]
    return next((lw for lw in payable if lw.code in EM_CODES), payable[0] if payable else None)


def _copay(w: ClaimWork) -> Decimal:
    """The plan's copay for the visit type, to the cent (cached per plan and visit type)."""
    plan = w.plan
    assert plan is not None
    cache = w.ctx._copays
    key = (plan.id, w.visit_type)
    found = cache.get(key)
    if found is None:
        found = cache[key] = Decimal(plan.copays.get(w.visit_type, ZERO)).quantize(CENT)
    return found


def patient_share(w: ClaimWork) -> None:
    """12. Copay, deductible and coinsurance in the plan's order (``cost_share_order``),
    never past the out-of-pocket maximum; accumulators carry across the plan year."""
    plan = w.plan
    assert plan is not None
    order = w.policy.cost_share_order
    open_lines = w.open_lines()
    exempt = [_exempt(w, lw) for lw in open_lines]
    copay_line = _copay_line(w, open_lines, exempt)
    copay = _copay(w)
    cov_id = w.coverage.id if w.coverage else w.claim.patient.id
    for lw, why in zip(open_lines, exempt, strict=True):
        if why:
            lw.notes.append(why)
            continue
        shares = _line_shares(w, lw, order, copay if lw is copay_line else ZERO, cov_id)
        for carc, amount in shares:
            lw.adjs.append(Adjustment("PR", carc, amount))
            lw.pr += amount
    w.notes.append(f"12 patient share: order {' > '.join(order)}")


def _line_shares(
    w: ClaimWork, lw: LineWork, order: tuple[str, ...], copay: Decimal, cov_id: str
) -> list[tuple[str, Decimal]]:
    """The PR pieces of one line as ``[(CARC, amount)]``, capped at the OOP maximum."""
    plan = w.plan
    assert plan is not None
    acc = w.ctx.accumulators
    left_ded, left_oop = acc.room(cov_id, w.year, plan.deductible, plan.oop_max)
    remaining, pieces = lw.allowed, []
    for part in order:
        if part == "copay" and copay > 0:
            c = min(copay, remaining)
            pieces.append(("3", c))
            remaining -= c
            lw.notes.append(f"copay PR-3 {c} ({w.visit_type} visit)")
            if w.policy.copay_only_visit:
                break
        elif part == "deductible" and left_ded > 0:
            d = min(remaining, left_ded)
            pieces.append(("1", d))
            remaining -= d
            lw.notes.append(f"deductible PR-1 {d} ({left_ded} was left for {w.year})")
        elif (
            part == "coinsurance"
            and plan.coinsurance > 0
            and (not w.policy.coinsurance_kinds or _kind(lw.code) in w.policy.coinsurance_kinds)
        ):
            k = _money(remaining * plan.coinsurance)
            pieces.append(("2", k))
            lw.notes.append(f"coinsurance PR-2 {k} ({plan.coinsurance:.0%} of {remaining})")
    pieces = _cap_oop(lw, [p for p in pieces if p[1] > 0], left_oop)
    ded = sum((a for c, a in pieces if c == "1"), ZERO)
    acc.add(cov_id, w.year, ded, sum((a for _, a in pieces), ZERO))
    lw.deductible = ded
    return pieces


def _cap_oop(
    lw: LineWork, pieces: list[tuple[str, Decimal]], left: Decimal | None
) -> list[tuple[str, Decimal]]:
    """Keep the patient share within what is left of the OOP maximum (the plan pays the
    rest at 100%): later pieces give way first."""
    if left is None or sum((a for _, a in pieces), ZERO) <= left:
        return pieces
    out = []
    for carc, amount in pieces:
        take = min(amount, left)
        left -= take
        if take > 0:
            out.append((carc, take))
    lw.notes.append("out-of-pocket maximum reached: the plan pays the rest at 100%")
    return out


def paid(w: ClaimWork) -> None:
    """13. Paid = allowed − patient share − sequestration (Medicare's 2% cut, CO-253)."""
    rate = w.policy.sequestration
    for lw in w.open_lines():
        net = lw.allowed - lw.pr
        if rate and net > 0:
            cut = _money(net * rate)
            lw.adjs.append(Adjustment("CO", "253", cut))
            net -= cut
            lw.notes.append(f"sequestration CO-253 {cut}")
        lw.paid = net
        lw.notes.append(f"paid {net}")
    w.notes.append("13 paid: allowed minus patient share" + (" and sequestration" if rate else ""))


#: The steps, in order. A claim-level denial stops the claim after its step.
STEPS = (
    identify_patient,
    coverage_active,
    order_of_benefits,
    duplicate,
    timely_filing,
    authorization_and_referral,
    covered_service,
    medical_necessity,
    bundling_and_units,
    payer_mistake,
    allowed_amount,
    patient_share,
    paid,
)


def run(w: ClaimWork) -> None:
    """Run :data:`STEPS` over the claim in order; stop after a claim-level denial."""
    for step in STEPS:
        step(w)
        if w.denial is not None:
            return
