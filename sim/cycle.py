"""The revenue cycle after submission, run over a simulation for ``rcmlab simulate``.

:func:`run_cycle` takes a :class:`sim.simulate.Result` whose claims went through the
clearinghouse and plays the billing office and the payers forward in calendar order:

1. **front-end rejections fixed** — a claim the clearinghouse rejected is corrected (the
   coder's key replaces the flawed coding) and sent again a week later; a few accepted
   claims (:data:`LATE_FILING_RATE`) sat in a forgotten queue and reach the payer after its
   timely-filing limit;
2. **adjudication** — the payers decide every claim they received, in date-of-service
   order per patient (``sim.payer``), and pay on their own schedule;
3. **coordination of benefits** — after the primary's remittance, the claim goes to the
   secondary payer (Medicare crosses over to a Medigap plan by itself; other secondaries
   get the practice's secondary claim a few days after the primary's ERA);
4. **denials worked** — the work queue decides per denial (:data:`ACTIONS`): a payer
   mistake or a denial the documents cure is appealed with the right attachments; a
   coding or enrollment error is corrected and resubmitted (frequency 7 with the payer's
   claim number); what nobody may bill (timely filing, a duplicate) is left to the payer's
   own write-off;
5. **remittances** — one 835 per payer and pay date (``sim.x12.p835``), posted to the
   practice ledger (``sim.ledger``, SQLite) in date order with the claims recorded first;
6. **patient billing** — statements for what insurance left to the patient; each account
   pays in full, on a payment plan, or not at all (then collections), drawn from the run's
   seed;
7. **KPIs** — clean-claim rate, first-pass resolution, initial denial rate and denials by
   CARC, net collection rate, days in A/R, appeals won.

Deterministic: every choice comes from ``random.Random`` seeded by the run's seed and the
claim or account it concerns, so the same simulation gives the same cycle byte for byte.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim.claims import Claim, Insured
from sim.remittance import ZERO, Remittance

# The billing office's answer to a first-pass denial, by CARC (the first denied line's).
# "appeal" — the denial is wrong or cured by documents; "correct" — fix the claim and send
# a replacement (frequency 7); "update-coverage" — verify eligibility, fix the insured's data
# and send a replacement; "write-off" — the provider may not bill it (CO); "bill-patient" —
# the patient owes it (PR denials need no action here: the ledger moves them to the patient).
ACTIONS: dict[str, str] = {
    "4": "correct",  # modifier inconsistent with the code / missing
    "11": "correct",  # diagnosis inconsistent with the procedure
    "16": "correct",  # information missing: fix and resend
    "18": "write-off",  # exact duplicate: the first claim was paid
    "26": "update-coverage",  # expenses before coverage: verify eligibility
    "27": "update-coverage",  # expenses after coverage ended
    "29": "write-off",  # timely filing passed
    "31": "update-coverage",  # patient cannot be identified as the payer's insured
    "50": "appeal",  # not medically necessary: records show necessity
    "96": "write-off",  # non-covered (no ABN on file in the simulation)
    "97": "correct",  # bundled (NCCI): remove the line or add a supported modifier
    "109": "update-coverage",  # not covered by this payer: bill the right one
    "119": "write-off",  # benefit maximum reached
    "140": "update-coverage",  # patient/insured health id number and name do not match
    "151": "correct",  # units over the MUE
    "15": "appeal",  # authorization number missing: it was obtained
    "197": "appeal",  # precertification absent: appeal when it was obtained
    "198": "appeal",
    "236": "correct",  # NCCI procedure-to-procedure edit
    "288": "write-off",  # HMO referral absent: not obtained in time, the member may not be billed
}

# A person's choice (DESIGN's denial-analysis actions) as the cycle carries it out.
FROM_DESIGN: dict[str, str] = {
    "appeal": "appeal",
    "send-records": "send-records",
    "correct-and-resubmit": "correct",
    "update-coverage-and-resubmit": "update-coverage",
    "write-off": "write-off",
    "bill-patient": "bill-patient",
}

#: The cycle's steps back in DESIGN's action names.
TO_DESIGN: dict[str, str] = {step: action for action, step in FROM_DESIGN.items()}
#: PR denials to check before billing the patient: coverage not in force on the date.
VERIFY_FIRST = {"26", "27"}


def rule_action(adj: Any) -> str:
    """The billing office's rule for a denied claim, as one of DESIGN's actions — the one
    rule the cycle, the work-queue widget and the denial-analysis generator all teach: a
    payer's own mistake is appealed; a PR denial is the patient's to pay (after verifying
    eligibility when the coverage was not in force: PR-26/27); otherwise by the first
    denied line's CARC (:data:`ACTIONS`)."""
    group, _, carc = (_first_denial(adj) or "CO-16").partition("-")
    if adj.payer_error:
        return "appeal"
    if group == "PR" and carc not in VERIFY_FIRST:
        return "bill-patient"
    return TO_DESIGN[ACTIONS.get(carc, "write-off")]


WORK_DELAY = 7  # days from an ERA to the billing office working its denials
LATE_FILING_RATE = 0.01  # accepted claims the office lost track of and filed too late
RESUBMIT_DELAY = 7  # days from a front-end rejection to the corrected claim
STATEMENT_CYCLE = 30  # days between patient statements
COLLECTIONS_AFTER = 3  # statements unpaid before an account goes to collections


@dataclass
class WorkItem:
    """One thing the billing office did (the work queue's log)."""

    day: date
    claim_id: str
    action: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "claim_id": self.claim_id,
            "action": self.action,
            "detail": self.detail,
        }


@dataclass
class Cycle:
    """Everything that happened after submission, and the ledger it left."""

    adjudications: list[Any]  # sim.payer.adjudicate.Adjudication, in the order decided
    first_pass: dict[str, Any]  # claim id -> the payer's first decision on it (primary)
    remittances: list[Remittance]
    work: list[WorkItem]
    appeals: list[tuple[Any, Any]]  # (Appeal, AppealDecision)
    ledger: Any  # sim.ledger.Ledger
    as_of: date
    resubmitted_after_rejection: int = 0
    statements: int = 0
    collections: int = 0
    payers: Any = None  # the Adjudicator, for what-if replays and claim status
    _kpis: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def close(self) -> date:
        """The month-end close the KPIs are measured on: 30 days after the last visit."""
        dates = [a.claim.first_service_date for a in self.first_pass.values()]
        return (max(dates) if dates else self.as_of) + timedelta(days=30)

    def kpis(self) -> dict[str, Any]:
        if not self._kpis:
            self._kpis = _kpis(self)
        return self._kpis

    def tables(self) -> dict[str, pd.DataFrame]:
        return _tables(self)


# ---------------------------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------------------------


def run_cycle(
    result: Any,
    *,
    ledger_path: str | Path = ":memory:",
    followup: bool = True,
    patient_billing: bool = True,
    chosen: Mapping[str, str] | None = None,
) -> Cycle:
    """Play the cycle forward over ``result`` (see the module docstring).

    ``chosen`` (claim id -> one of DESIGN's denial actions) replaces the office's rules by a
    person's decisions — the capstone's work queue: only the claims listed are worked, each
    as chosen, and every other denial stays open on the books. A choice the payer's rules
    do not support costs money, as it would: an appeal of a denial no document cures is
    upheld, a resubmission that does not fix the cause is denied again, a CO amount may not
    be billed to the patient (it is written off on compliance review)."""
    from sim.ledger import Ledger
    from sim.payer.adjudicate import Adjudicator

    payers = Adjudicator.of_result(result)
    seed = result.config.seed
    # 1. what the payers receive: accepted claims, and rejected ones once corrected
    received, recorded, resent = _sent_claims(result)
    # 2. first-pass adjudication, in date-of-service order
    first = payers.adjudicate_many([c for c, _ in received], {c.id: d for c, d in received})
    decisions = list(first)
    first_pass = {a.claim.id: a for a in first}
    work: list[WorkItem] = []
    appeals: list[tuple[Any, Any]] = []
    events: list[tuple[date, int, str, Any]] = [
        (day, 0, c.id, ("record", c)) for c, day in recorded
    ]
    # 3. coordination of benefits, 4. denials worked (each answer may need a secondary too)
    # A claim is worked once: a replacement or appeal that is denied again stays in the
    # queue for a person (the capstone's work queue), it is not resent in a loop.
    worked: set[str] = set()
    queue = list(first)
    while queue:
        adj = queue.pop(0)
        if adj.remit.status == "22":
            continue  # a reversal: nothing to pay or work
        more: list[Any] = []
        wanted = chosen is None or adj.claim.id in chosen
        if followup and adj.denied and not adj.secondary and adj.claim.id not in worked and wanted:
            worked.add(adj.claim.id)
            choice = chosen.get(adj.claim.id) if chosen is not None else None
            more = _work_denial(result, payers, adj, work, appeals, events, seed, choice)
        # the secondary is billed after the primary's final answer: not for a decision that
        # a replacement or an overturned appeal is about to supersede
        if not any(not m.secondary and m.remit.status != "22" for m in more):
            more = _secondary(result, payers, adj) + more
        decisions += more
        queue += [m for m in more if not m.secondary]
    remits = payers.remittances(decisions)
    # 5. post every remittance on its pay date, after the claims it pays were recorded
    events += [(r.payment_date, 1, r.trace_number, ("post", r)) for r in remits]
    ledger = Ledger(ledger_path)
    keep_books(ledger, events)
    as_of = max(
        [e[0] for e in events] + [max(e.date for e in result.encounters)],
    ) + timedelta(days=STATEMENT_CYCLE)
    cycle = Cycle(
        decisions,
        first_pass,
        remits,
        work,
        appeals,
        ledger,
        as_of,
        resubmitted_after_rejection=resent,
        payers=payers,
    )
    # 6. patient billing
    if patient_billing:
        _bill_patients(cycle, result, seed)
    return cycle


def keep_books(ledger: Any, events: list[tuple[date, int, str, tuple[str, Any]]]) -> None:
    """Put the cycle's events on the ledger in calendar order — ``(day, order in the day,
    key, (what, payload))`` with what = ``record`` (a claim submitted), ``post`` (an ERA)
    or ``write_off`` ((claim id, CARC)). A day's new claims go in one transaction, and so
    do a day's ERAs (``Ledger.post_many``)."""
    batch: list[Any] = []  # consecutive new claims, or ERAs, of one day
    batch_kind, batch_day = "", None

    def flush() -> None:
        if batch_kind == "record":
            ledger.record_claims(batch, batch_day)
        elif batch_kind == "post":
            ledger.post_many(batch, batch_day)
        batch.clear()

    for day, _, _, (what, obj) in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        kind = "record" if what == "record" and obj.frequency == "1" else what
        if kind in ("record", "post"):
            if batch and (kind != batch_kind or day != batch_day):
                flush()
            batch.append(obj)
            batch_kind, batch_day = kind, day
            continue
        flush()
        if what == "record":
            ledger.record_claim(obj, day)  # a replacement or void: to the claim's history
        else:
            _write_off(ledger, *obj, day)
    flush()


def _write_off(ledger: Any, claim_id: str, code: str, day: date) -> None:
    """Close what a CO denial left open with the payer: the provider may not bill it."""
    open_amount = ledger.balances(claim_id)["insurance_balance"]
    if open_amount > 0:
        reason = f"{code}: denied, the provider may not bill the patient"
        ledger.write_off(
            claim_id, open_amount, day, bucket="primary", reason=reason, carc=code.split("-")[1]
        )


def _submitted_on(sub: Any) -> date:
    """A weekly 837P file is named after its clinic week and sent on that Friday."""
    return date.fromisoformat(sub.name[:10]) + timedelta(days=4)


def _sent_claims(result: Any) -> tuple[list[tuple[Claim, date]], list[tuple[Claim, date]], int]:
    """(claims as the payers receive them with the day, claims recorded on the ledger with the
    day, how many were resent after a front-end rejection)."""
    from sim import claims as claims_mod

    received: list[tuple[Claim, date]] = []
    recorded: list[tuple[Claim, date]] = []
    resent = 0
    seed = result.config.seed
    plans = {cov.id: result.config.plans[cov.plan_id] for cov in result.coverages.values()}
    for sub in result.submissions:
        day = _submitted_on(sub)
        rejected = sub.rejected_claims()
        for c in sub.claims:
            recorded.append((c, day))
            if c.id not in rejected:
                received.append(
                    (c, day + timedelta(days=1) + _held(c, result.encounter_of(c), plans, seed))
                )
                continue
            # the coder fixes the claim from the note (the verified key) and resends it
            e = result.encounter_of(c)
            fixed = claims_mod.for_encounter(result, e, billed=False) if e else None
            if fixed is not None:
                resent += 1
                received.append((fixed, day + timedelta(days=RESUBMIT_DELAY + 1)))
    return received, recorded, resent


def _held(c: Claim, e: Any, plans: dict[str, Any], seed: int) -> timedelta:
    """How long an accepted claim sat before the payer got it: none, except for the
    :data:`LATE_FILING_RATE` of claims the office lost track of (a batch left in a work
    queue) and that reach the payer after its timely-filing limit (CARC 29)."""
    rng = random.Random(f"{seed}:held:{c.id}")
    if rng.random() >= LATE_FILING_RATE:
        return timedelta(0)
    plan = plans.get(e.primary_coverage_id) if e is not None else None
    limit = int(plan.rules.get("timely_filing_days", 365)) if plan is not None else 365
    return timedelta(days=limit + rng.randint(5, 45))


def _secondary(result: Any, payers: Any, adj: Any) -> list[Any]:
    """The claim to the secondary payer after the primary paid (COB), if the patient has one
    and the primary left something to the patient."""
    from sim import claims as claims_mod

    if adj.secondary or adj.remit.status in ("4", "22") or adj.remit.patient_responsibility <= 0:
        return []
    e = result.encounter_of(adj.claim)
    if e is None or not e.secondary_coverage_id:
        return []
    claim2 = claims_mod.for_encounter(result, e, to_secondary=True)
    if claim2 is None:
        return []
    claim2 = replace(claim2, diagnoses=adj.claim.diagnoses, lines=adj.claim.lines)
    crossover = adj.remit.status == "19"
    day = adj.pay_date + timedelta(days=0 if crossover else 5)
    return [payers.adjudicate_secondary(claim2, adj.remit, day)]


def _first_denial(adj: Any) -> str | None:
    codes = adj.carcs
    return codes[0] if codes else None


def _work_denial(
    result: Any,
    payers: Any,
    adj: Any,
    work: list[WorkItem],
    appeals: list[tuple[Any, Any]],
    events: list[tuple[date, int, str, Any]],
    seed: int,
    choice: str | None = None,
) -> list[Any]:
    """Decide (by the rules, or ``choice``: a person's DESIGN action) and do the follow-up
    on one denied claim; returns the payer's new decisions."""
    from sim.payer import followup

    code = _first_denial(adj) or "CO-16"
    group = code.partition("-")[0]
    day = adj.pay_date + timedelta(days=WORK_DELAY)
    choice = rule_action(adj) if choice is None else choice
    if choice not in FROM_DESIGN:
        raise ValueError(f"claim {adj.claim.id}: {choice!r} is not a denial action")
    action = FROM_DESIGN[choice]
    if action == "bill-patient":
        if group == "PR":
            work.append(WorkItem(day, adj.claim.id, "bill-patient", f"{code}: on the statement"))
            return []
        work.append(
            WorkItem(
                day,
                adj.claim.id,
                "bill-patient",
                f"{code}: a CO amount may not be billed to the patient; written off on "
                "compliance review",
            )
        )
        events.append((day, 2, adj.claim.id, ("write_off", (adj.claim.id, code))))
        return []
    if action in ("appeal", "send-records"):
        records = action == "send-records"
        return _appeal(result, payers, adj, code, day, work, appeals, records_only=records)
    if action in ("correct", "update-coverage"):
        fixed = _corrected(result, payers, adj, action)
        if fixed is None:
            work.append(WorkItem(day, adj.claim.id, "write-off", f"{code}: nothing to correct"))
            return []
        work.append(
            WorkItem(
                day,
                adj.claim.id,
                "correct-and-resubmit" if action == "correct" else "update-coverage-and-resubmit",
                f"{code}: replacement claim (frequency 7) for {adj.payer_claim_number}",
            )
        )
        events.append((day, 0, fixed.id, ("record", fixed)))
        res = followup.resubmit(payers, fixed, day + timedelta(days=1))
        return [a for a in (res.reversal, res.replacement) if a is not None]
    work.append(WorkItem(day, adj.claim.id, "write-off", f"{code}: the provider may not bill it"))
    events.append((day, 2, adj.claim.id, ("write_off", (adj.claim.id, code))))
    return []


def _corrected(result: Any, payers: Any, adj: Any, action: str) -> Claim | None:
    """The replacement claim: the verified coding, and the payer's enrollment data for the
    insured when the denial was about identity or eligibility."""
    from sim import claims as claims_mod

    e = result.encounter_of(adj.claim)
    if e is None:
        return None
    claim = claims_mod.for_encounter(result, e, billed=False)
    if claim is None:
        return None
    if action == "update-coverage" and adj.coverage is not None:
        rec = payers.enrollment_record(adj.coverage)
        ins: Insured = claim.insured
        claim = replace(
            claim,
            insured=replace(
                ins,
                member_id=rec["member_id"],
                first_name=rec["first_name"],
                last_name=rec["last_name"],
                birth_date=date.fromisoformat(rec["birth_date"]),
            ),
        )
    return replace(claim, frequency="7", original_reference=adj.payer_claim_number)


# grounds and attachments an appeal carries, by the denial it answers
_APPEAL_BASIS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "197": (("auth-was-obtained",), ("prior-auth-approval",)),
    "198": (("auth-was-obtained",), ("prior-auth-approval",)),
    "15": (("auth-was-obtained",), ("prior-auth-approval",)),
    "50": (("medically-necessary",), ("medical-records",)),
    "29": (("filed-timely",), ("proof-of-timely-filing",)),
}


def _appeal(
    result: Any,
    payers: Any,
    adj: Any,
    code: str,
    day: date,
    work: list[WorkItem],
    appeals: list[tuple[Any, Any]],
    records_only: bool = False,
) -> list[Any]:
    from sim.payer import followup

    carc = code.partition("-")[2]
    grounds, attachments = _APPEAL_BASIS.get(
        carc, (("payer-processing-error",), ("medical-records",))
    )
    if records_only:  # the payer asked for records: send them, argue nothing else
        grounds, attachments = ("medically-necessary",), ("medical-records",)
    if adj.payer_error:
        grounds = ("payer-processing-error", *grounds)
    e = result.encounter_of(adj.claim)
    evidence: dict[str, Any] = {}
    if e is not None:
        evidence["diagnoses"] = tuple(d.code for d in e.diagnoses)
        if e.prior_auth:
            evidence["auth_number"] = e.prior_auth
    letter = (
        f"We appeal the denial {code} of claim {adj.claim.id} (your claim number "
        f"{adj.payer_claim_number}) for {adj.claim.patient.name}, date of service "
        f"{adj.claim.first_service_date.isoformat()}. Grounds: {', '.join(grounds)}. "
        f"Enclosed: {', '.join(attachments)}. We ask that the claim be reprocessed for payment."
    )
    appeal = followup.Appeal(
        adj.claim.id, adj.payer_claim_number, grounds, attachments, letter, day, evidence
    )
    decision = followup.review_appeal(payers, appeal)
    appeals.append((appeal, decision))
    what = "send-records" if records_only else "appeal"
    work.append(WorkItem(day, adj.claim.id, what, f"{code}: {decision.outcome}"))
    return [a for a in (decision.reversal, decision.adjudication) if a is not None]


# ---------------------------------------------------------------------------------------------
# patient billing
# ---------------------------------------------------------------------------------------------


def _bill_patients(cycle: Cycle, result: Any, seed: int) -> None:
    """Statements for every account with a patient balance; each account pays in full
    (about 60 %), sets up a payment plan (15 %) or does not pay (25 %: collections after
    :data:`COLLECTIONS_AFTER` statements). The as-of date moves to the end of billing."""
    led = cycle.ledger
    rows = led.conn.execute(
        "SELECT account, sum(pat_balance), max(patient_since) FROM claims "
        "WHERE pat_balance > 0 GROUP BY account ORDER BY account"
    ).fetchall()
    end = cycle.as_of
    for account, balance_cents, since in rows:
        rng = random.Random(f"{seed}:statement:{account}")
        day = date.fromisoformat(since) + timedelta(days=3)
        draw = rng.random()
        balance = Decimal(balance_cents) / 100
        if draw < 0.60:
            led.statement(account, day)
            cycle.statements += 1
            paid_on = day + timedelta(days=rng.randint(5, 28))
            led.post_patient_payment(account, balance, paid_on)
            end = max(end, paid_on)
        elif draw < 0.75 and balance >= Decimal("100"):
            led.statement(account, day)
            cycle.statements += 1
            monthly = max(Decimal("25.00"), (balance / 4).quantize(Decimal("0.01")))
            led.payment_plan(account, monthly, day + timedelta(days=STATEMENT_CYCLE))
            first = day + timedelta(days=STATEMENT_CYCLE)
            led.post_patient_payment(account, min(monthly, balance), first)
            end = max(end, first)
        else:
            for n in range(COLLECTIONS_AFTER):
                led.statement(account, day + timedelta(days=STATEMENT_CYCLE * n))
                cycle.statements += 1
            cycle.collections += 1
            end = max(end, day + timedelta(days=STATEMENT_CYCLE * (COLLECTIONS_AFTER - 1)))
    cycle.as_of = end


# ---------------------------------------------------------------------------------------------
# KPIs and tables
# ---------------------------------------------------------------------------------------------


def _kpis(c: Cycle) -> dict[str, Any]:
    first = [a for a in c.first_pass.values() if not a.secondary]
    denied = [a for a in first if a.denied]
    by_carc = Counter(code for a in denied for code in sorted(set(a.carcs)))
    led = c.ledger.summary()
    # days in A/R at the month-end close 30 days after the last visit, the usual way: what
    # was owed that day ÷ average daily charges over the 90 days before it (a run shorter
    # than 90 days counts only its own charges, as a new practice's books would)
    days = close = ar = None
    if first:
        close = c.close
        ar = ar_on(c.ledger, close)
        charged = c.ledger.conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM entries WHERE kind = 'charge' "
            "AND date > ? AND date <= ?",
            ((close - timedelta(days=90)).isoformat(), close.isoformat()),
        ).fetchone()[0]
        days = float(ar / (Decimal(charged) / 100 / 90)) if charged else None
    won = sum(1 for _, d in c.appeals if d.outcome == "overturned")
    return {
        "adjudicated_claims": len(first),
        "initial_denial_rate": round(len(denied) / len(first), 4) if first else None,
        "denials_by_carc": dict(sorted(by_carc.items(), key=lambda kv: (-kv[1], kv[0]))),
        "first_pass_resolution_rate": (
            round(sum(not a.denied for a in first) / len(first), 4) if first else None
        ),
        "payer_errors": sum(a.payer_error for a in first),
        "resubmitted_after_rejection": c.resubmitted_after_rejection,
        "corrected_claims": sum(w.action.endswith("resubmit") for w in c.work),
        "appeals": len(c.appeals),
        "appeals_overturned": won,
        "write_offs_by_office": sum(w.action == "write-off" for w in c.work),
        "remittances": len(c.remittances),
        "statements": c.statements,
        "accounts_in_collections": c.collections,
        "charges": str(led["charges"]),
        "insurance_payments": str(led["payments"]),
        "patient_payments": str(led["patient_payments"]),
        "contractual_adjustments": str(led["contractual_adjustments"]),
        "ar_total": str(led["ar_total"]),
        "net_collection_rate": led["net_collection_rate"],
        "days_in_ar": None if days is None else round(days, 1),
        "days_in_ar_measured_on": close.isoformat() if close else None,
        "ar_at_close": None if ar is None else str(ar),
        "as_of": c.as_of.isoformat(),
    }


def _tables(c: Cycle) -> dict[str, pd.DataFrame]:
    remit_rows, line_rows = [], []
    for r in c.remittances:
        for rc in r.claims:
            remit_rows.append(
                {
                    "trace_number": r.trace_number,
                    "payer": r.payer.name,
                    "payment_date": r.payment_date,
                    "claim_id": rc.patient_control_number,
                    "payer_claim_number": rc.payer_claim_number,
                    "status": rc.status,
                    "status_text": rc.status_text,
                    "frequency": rc.frequency,
                    "charge": rc.charge,
                    "paid": rc.paid,
                    "patient_responsibility": rc.patient_responsibility,
                    "claim_adjustments": ";".join(f"{a.code}:{a.amount}" for a in rc.adjustments),
                }
            )
            for ln in rc.lines:
                line_rows.append(
                    {
                        "trace_number": r.trace_number,
                        "claim_id": rc.patient_control_number,
                        "control_number": ln.control_number,
                        "code": ln.code,
                        "modifiers": ";".join(ln.modifiers),
                        "units": ln.units,
                        "charge": ln.charge,
                        "allowed": ln.allowed if ln.allowed is not None else "",
                        "paid": ln.paid,
                        "adjustments": ";".join(f"{a.code}:{a.amount}" for a in ln.adjustments),
                        "remarks": ";".join(ln.remarks),
                    }
                )
    entries = pd.read_sql_query("SELECT * FROM entries ORDER BY id", c.ledger.conn)
    return {
        "remittances": pd.DataFrame(remit_rows),
        "remittance_lines": pd.DataFrame(line_rows),
        "ledger_entries": entries,
        "work_queue": pd.DataFrame([w.as_dict() for w in c.work]),
    }


def ar_on(ledger: Any, day: date) -> Decimal:
    """Accounts receivable (insurance + patient) on ``day``: charges less payments,
    adjustments and write-offs dated on or before it (transfers between buckets net out)."""
    cents = ledger.conn.execute(
        "SELECT coalesce(sum(CASE WHEN kind = 'charge' OR kind = 'refund' THEN amount "
        "WHEN kind IN ('payment', 'contractual', 'write_off', 'patient_payment') THEN -amount "
        "ELSE 0 END), 0) FROM entries WHERE date <= ?",
        (day.isoformat(),),
    ).fetchone()[0]
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def total_paid(remits: list[Remittance]) -> Decimal:
    return sum((r.total_paid for r in remits), ZERO)
