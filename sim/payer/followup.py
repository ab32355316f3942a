"""Follow-up with the payer: claim status (276/277-style), corrected and void claims, appeals.

* :func:`claim_status` — what the payer says about a claim on a given day: not found,
  received/pending, finalized-paid or finalized-denied, with dates (a 277-style answer:
  category code, status code, plain words).
* :func:`resubmit` — a corrected claim (frequency 7) or a void (8) names the original
  payer claim number (REF*F8). The payer reverses the original payment (CLP02 22, every
  amount negated) and, for a replacement, adjudicates the new claim fresh.
* :func:`review_appeal` — the payer's review of an :class:`Appeal` by rules: too late →
  refused; a wrongful denial (a payer error, or a denial the attachments cure) with the
  right documents → overturned and re-adjudicated to pay; a correct denial → upheld. The
  decision letter names the rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sim.claims import Claim
from sim.payer.adjudicate import Adjudication, Adjudicator, reversal
from sim.payer.policies import AdjSpec

CORRECTION_UNMATCHED = AdjSpec("CO", "16", ("MA130",))

__all__ = [
    "Appeal",
    "AppealDecision",
    "Resubmission",
    "StatusAnswer",
    "claim_status",
    "resubmit",
    "review_appeal",
]

# --- claim status (276/277 style) ------------------------------------------------------------


@dataclass(frozen=True)
class StatusAnswer:
    """A 277-style claim status: category (STC01-1), status code (STC01-2) and plain words."""

    claim_id: str
    category: str  # A1 received, P1 pending, F1 finalized-paid, F2 finalized-denied, D0 not found
    status_code: str  # 20 accepted for processing, 3 adjudicated awaiting payment, 65 paid, ...
    state: str  # received | pending | finalized-paid | finalized-denied | not-found
    words: str
    payer_claim_number: str | None = None
    received: date | None = None
    paid_on: date | None = None
    paid: Any = None


def claim_status(payer: Adjudicator, claim_id: str, on: date) -> StatusAnswer:
    """What the payer answers on ``on`` about the claim ``claim_id`` (its latest version)."""
    found = payer.history.get(claim_id)
    if not found:
        return StatusAnswer(
            claim_id,
            "D0",
            "35",
            "not-found",
            "The payer has no record of this claim: check the payer ID and the 999/277CA, "
            "then resubmit.",
        )
    adj = found[-1]
    if on < adj.received:
        return StatusAnswer(claim_id, "D0", "35", "not-found", f"Not received as of {on}.")
    common = dict(payer_claim_number=adj.payer_claim_number, received=adj.received)
    if on < adj.pay_date:
        words = (
            f"Received {adj.received}; adjudicated and waiting for the payment cycle of "
            f"{adj.pay_date}. Do not resubmit: a new claim would be a duplicate (OA-18)."
        )
        return StatusAnswer(claim_id, "P1", "3", "pending", words, **common)
    if adj.remit.status == "4":
        codes = ", ".join(sorted(set(adj.carcs)))
        words = f"Finalized {adj.pay_date}: denied ({codes}). See the remittance advice."
        return StatusAnswer(
            claim_id,
            "F2",
            "1",
            "finalized-denied",
            words,
            paid_on=adj.pay_date,
            paid=adj.remit.paid,
            **common,
        )
    words = f"Finalized {adj.pay_date}: paid {adj.remit.paid} ({adj.remit.status_text})."
    return StatusAnswer(
        claim_id,
        "F1",
        "65",
        "finalized-paid",
        words,
        paid_on=adj.pay_date,
        paid=adj.remit.paid,
        **common,
    )


# --- corrected claims and voids ----------------------------------------------------------------


@dataclass(frozen=True)
class Resubmission:
    """The payer's handling of a frequency 7/8 claim: the reversal of the original and,
    for a replacement, the new adjudication."""

    reversal: Adjudication | None
    replacement: Adjudication | None
    explanation: tuple[str, ...]


def resubmit(payer: Adjudicator, claim: Claim, received: date) -> Resubmission:
    """Handle a corrected (7) or void (8) claim: reverse the original named by
    ``claim.original_reference`` (CLP02 22, negated amounts, its deductible/OOP given back)
    and adjudicate a replacement fresh. An unknown or missing original reference is denied
    CO-16 (MA130) like any claim the payer cannot match."""
    if claim.frequency not in ("7", "8"):
        raise ValueError(f"claim {claim.id}: frequency {claim.frequency} is not 7 or 8")
    original = payer.by_number.get(claim.original_reference or "")
    if original is None or original.claim.id != claim.id:
        why = (
            f"original claim {claim.original_reference!r} not found: a corrected or void "
            "claim must carry the payer claim number of the claim it replaces (box 22)"
        )
        bad = payer.deny(claim, received, CORRECTION_UNMATCHED, "corrected/void claim", why)
        return Resubmission(None, bad, (why,))
    rev = _reverse(payer, original, received)
    notes = [
        f"reversed {original.payer_claim_number}: paid {original.remit.paid} taken back (CLP02 22)"
    ]
    if claim.frequency == "8":
        notes.append("void: the claim is cancelled; nothing replaces it")
        return Resubmission(rev, None, tuple(notes))
    new = payer.adjudicate(claim, received)
    notes.append(f"replacement {new.payer_claim_number} adjudicated fresh: paid {new.remit.paid}")
    return Resubmission(rev, new, tuple(notes))


def _reverse(payer: Adjudicator, original: Adjudication, received: date) -> Adjudication:
    payer.forget(original)
    number = payer._number(original.claim, received)
    rev_remit = replace(reversal(original.remit), payer_claim_number=original.payer_claim_number)
    adj = replace(
        original,
        remit=rev_remit,
        received=received,
        pay_date=received + (original.pay_date - original.received),
        payer_claim_number=number,
        explanation=(f"reversal of {original.payer_claim_number}",),
        interest=original.interest * 0,
    )
    payer.history.setdefault(original.claim.id, []).append(adj)
    payer.by_number[number] = adj
    return adj


# --- appeals ------------------------------------------------------------------------------

#: Documents that cure a denial, by CARC (the payer checks the evidence, not just the name).
CURES = {
    "197": ("prior-auth-approval",),
    "29": ("proof-of-timely-filing",),
    "50": ("medical-records",),
    "11": ("medical-records",),
    "119": ("medical-records",),
}
#: Denials an appeal cannot fix: the remedy is a corrected claim or billing someone else.
NOT_APPEALABLE = {
    "31": "the member could not be identified: correct the ID, name or birth date and send a "
    "corrected claim",
    "27": "coverage had ended: bill the current payer or the patient",
    "26": "coverage had not started: bill the payer in force or the patient",
    "18": "the service was already processed: a duplicate is not appealable",
    "22": "another plan pays first: bill the primary payer",
    "49": "the service is excluded by law or by the plan: the patient may be billed",
    "204": "the service is not a covered benefit: the patient may be billed",
    "96": "the service is not covered: the patient may be billed",
}


@dataclass(frozen=True)
class Appeal:
    """A provider's appeal of a denial (DESIGN glossary ``Appeal``).

    ``evidence`` carries what the attachments show, for the payer to check:
    ``auth_number`` (prior-auth approval), ``submitted_on`` (proof of timely filing: the
    date of an accepted 999/277CA), ``diagnoses`` (medical records).
    """

    claim_id: str
    payer_claim_number: str
    grounds: tuple[str, ...]
    attachments: tuple[str, ...]
    letter: str
    date: date
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AppealDecision:
    """The payer's decision: ``overturned`` (with the new adjudication), ``upheld`` or
    ``refused`` (filed too late), and the decision letter in plain words."""

    outcome: str
    letter: str
    rule: str
    adjudication: Adjudication | None = None
    # when the denied claim had been partly paid, the payer reprocesses the whole claim:
    # the earlier payment is reversed (CLP02 22) and the new adjudication pays it all
    reversal: Adjudication | None = None


def review_appeal(payer: Adjudicator, appeal: Appeal) -> AppealDecision:
    """Review ``appeal`` by the plan's rules (see the module docstring)."""
    original = payer.by_number.get(appeal.payer_claim_number)
    if original is None or original.claim.id != appeal.claim_id:
        rule = "the appeal must name the payer claim number of the denied claim (835 CLP07)"
        return AppealDecision("refused", _letter(appeal, "refused", rule), rule)
    limit = original.policy.appeal_limit_days
    days = (appeal.date - original.pay_date).days
    if days > limit:
        rule = (
            f"appeals must be filed within {limit} days of the initial determination "
            f"({original.pay_date}); this one came {days} days after"
        )
        return AppealDecision("refused", _letter(appeal, "refused", rule), rule)
    denied = [ln for ln in original.lines if ln.denial]
    if not denied:
        rule = "nothing on this claim was denied"
        return AppealDecision("upheld", _letter(appeal, "upheld", rule), rule)
    fixed, rule = _cure(payer, original, appeal, denied)
    if fixed is None:
        return AppealDecision("upheld", _letter(appeal, "upheld", rule), rule)
    rev = None
    if original.remit.status == "4":
        payer.forget(original)  # nothing was paid or applied: nothing to take back
    else:
        rev = _reverse(payer, original, appeal.date)
    new = payer.adjudicate(fixed, original.received)
    new = replace(new, explanation=(f"appeal overturned: {rule}", *new.explanation))
    letter = (
        _letter(appeal, "overturned", rule) + f" The claim was reprocessed: paid {new.remit.paid}."
    )
    if rev is not None:
        letter += f" The earlier payment of {original.remit.paid} was reversed and replaced."
    return AppealDecision("overturned", letter, rule, new, rev)


def _cure(
    payer: Adjudicator, original: Adjudication, appeal: Appeal, denied: list[Any]
) -> tuple[Claim | None, str]:
    """The claim as it should have been processed, or None with the rule that upholds."""
    claim = replace(original.claim, frequency="7", original_reference=original.payer_claim_number)
    if original.payer_error:
        cures = {c for spec in original.policy.payer_errors for c in spec.cures}
        if cures & set(appeal.attachments):
            return (
                _skip_errors(payer, claim),
                "the denial was a payer processing error; the documents show the service was "
                "billed correctly",
            )
        return (
            None,
            "a processing error is corrected when the appeal includes one of: "
            + ", ".join(sorted(cures)),
        )
    carc = denied[0].denial.split("-")[1]
    if carc in NOT_APPEALABLE:
        return None, NOT_APPEALABLE[carc]
    wanted = CURES.get(carc)
    if wanted is None or not set(wanted) & set(appeal.attachments):
        return (
            None,
            f"denial {denied[0].denial} needs "
            f"{', '.join(wanted or ('a corrected claim',))} to be reconsidered",
        )
    return _apply_evidence(payer, original, claim, carc, appeal.evidence)


def _apply_evidence(
    payer: Adjudicator, original: Adjudication, claim: Claim, carc: str, ev: dict[str, Any]
) -> tuple[Claim | None, str]:
    pid = original.claim.patient.id
    if carc == "197":
        number = ev.get("auth_number")
        if number and number in payer.authorizations.get(pid, set()):
            return replace(
                claim, prior_auth=number
            ), f"authorization {number} was on file before the service (the claim omitted it)"
        return (
            None,
            "no authorization matching the appeal is on file: services needing prior "
            "authorization are not paid without it (CO-197)",
        )
    if carc == "29":
        sent = ev.get("submitted_on")
        limit = int(original.plan.rules.get("timely_filing_days", 365)) if original.plan else 365
        if isinstance(sent, date) and (sent - original.claim.first_service_date).days <= limit:
            return (
                claim,
                f"proof shows the claim was first filed on {sent}, within the {limit}-day limit",
            )
        return None, f"the proof does not show a filing within the {limit}-day limit (CO-29)"
    dx = tuple(ev.get("diagnoses") or payer.records.get(original.claim.encounter_id or "", ()))
    if dx:
        fixed = replace(
            claim,
            diagnoses=dx,
            lines=tuple(
                replace(ln, dx_pointers=tuple(range(1, min(len(dx), 4) + 1))) for ln in claim.lines
            ),
        )
        trial = [
            ln
            for ln in fixed.lines
            if original.policy.necessity_by_code.get(ln.code)
            and not original.policy.necessity_by_code[ln.code].supports(_pointed(fixed, ln))
        ]
        if not trial:
            return fixed, "the medical records document a diagnosis that meets the coverage policy"
    return None, "the records do not show a diagnosis the coverage policy accepts (CO-50)"


def _pointed(claim: Claim, line: Any) -> tuple[str, ...]:
    return tuple(claim.diagnoses[p - 1] for p in line.dx_pointers if 0 < p <= len(claim.diagnoses))


def _skip_errors(payer: Adjudicator, claim: Claim) -> Claim:
    """Mark the claim so the payer does not repeat the mistake on review."""
    return replace(claim, extra={**claim.extra, "no_payer_error": True})


def _letter(appeal: Appeal, outcome: str, rule: str) -> str:
    verb = {
        "overturned": "We reversed our decision",
        "upheld": "We upheld our decision",
        "refused": "We could not accept this appeal",
    }[outcome]
    return (
        f"Re: claim {appeal.claim_id}, payer claim number {appeal.payer_claim_number}, "
        f"appeal of {appeal.date}. "
        f"{verb}: {rule}."
    )
