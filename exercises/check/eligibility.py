"""Eligibility and benefits: ``{patient_owes: amount, ...}`` (DESIGN.md, "Exercise files").

Every field the key has is graded, one credit each (score = correct / fields in the key):
amounts to the cent (:data:`AMOUNT_FIELDS`), yes/no answers (:data:`YES_NO_FIELDS`) and
one text field, ``primary_payer`` (which plan pays first; case and punctuation ignored).

The feedback explains the money path from the exercise's ``context`` — computed, not
canned — by :func:`money_path`. The context it reads::

    plan:     {name, type, copay, deductible, deductible_met, coinsurance (0.20 = 20%),
               oop_max, oop_met, order}
    visit:    {type, date, charge, allowed}
    coverage: {active, termination}

``plan.order`` is how the plan shares the cost of this kind of visit:

* ``copay-only`` — the copay alone; the deductible does not apply to this visit type;
* ``deductible-coinsurance`` — the deductible first, then the coinsurance percentage;
* ``copay-then-deductible`` — the copay first, the rest of the allowed amount goes to the
  deductible, then coinsurance;
* ``deductible-then-copay`` — the deductible first; once it is met, the copay.

The patient's total is capped by what is left of the out-of-pocket maximum. Coverage that
is not active on the date of service pays nothing: the patient owes the charge.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from exercises.check.common import CENT, amount, fail, money, plain, show, text, yes_no
from exercises.model import Feedback

AMOUNT_FIELDS = {
    "patient_owes": "what the patient owes for the visit",
    "plan_pays": "what the plan pays",
    "deductible_applied": "the part of the allowed amount applied to the deductible",
    "copay": "the copay collected for the visit",
    "coinsurance": "the patient's coinsurance share",
    "deductible_remaining": "the deductible still to meet after this visit",
    "oop_remaining": "the out-of-pocket maximum still to meet after this visit",
}
YES_NO_FIELDS = {
    "active": "whether the coverage is active on the date of service",
    "prior_auth_required": "whether the plan requires prior authorization for the service",
    "referral_required": "whether the plan requires a referral from the primary care provider",
}
TEXT_FIELDS = {"primary_payer": "which plan pays first (coordination of benefits)"}
FIELDS = {**AMOUNT_FIELDS, **YES_NO_FIELDS, **TEXT_FIELDS}
ORDERS = ("copay-only", "deductible-coinsurance", "copay-then-deductible", "deductible-then-copay")


# --- shape ---------------------------------------------------------------------------------


def _read(response: dict[str, Any]) -> dict[str, Any]:
    """The response's fields, normalised; unknown fields and bad values are input errors."""
    out: dict[str, Any] = {}
    for name, value in response.items():
        where = f"response.{name}" if name in FIELDS else "response"
        if name in AMOUNT_FIELDS:
            out[name] = amount(value, where)
        elif name in YES_NO_FIELDS:
            out[name] = yes_no(value, where)
        elif name in TEXT_FIELDS:
            out[name] = plain(text(value, where, limit=200))
        else:
            raise fail(where, f"unknown field {show(name)} (expected one of: {', '.join(FIELDS)})")
    return out


# --- the money path --------------------------------------------------------------------------


def _d(value: Any, default: str = "0") -> Decimal:
    return amount(value if value is not None else default, "context")


def money_path(context: dict[str, Any]) -> tuple[dict[str, Decimal], list[str]]:
    """What the plan and the patient pay for the visit, and the steps that say why.

    Returns ``({patient_owes, plan_pays, deductible_applied, copay, coinsurance,
    deductible_remaining, oop_remaining}, steps)``; ``({}, [])`` when the context has no
    plan and visit to compute from.
    """
    plan, visit = context.get("plan"), context.get("visit")
    cov = context.get("coverage") or {}
    if not isinstance(plan, dict) or not isinstance(visit, dict):
        return {}, []
    if cov.get("active") is False:
        charge = _d(visit.get("charge", visit.get("allowed")))
        ended = f" (it ended {cov['termination']})" if cov.get("termination") else ""
        return (
            {"patient_owes": charge, "plan_pays": Decimal("0.00")},
            [
                f"the coverage is not active on the date of service{ended}, so the plan pays "
                f"nothing and the patient owes the charge of {money(charge)} unless other "
                "coverage is found"
            ],
        )
    allowed = _d(visit.get("allowed"))
    order = plan.get("order", "deductible-coinsurance")
    copay_amt = _d(plan.get("copay"))
    ded_left = max(Decimal("0"), _d(plan.get("deductible")) - _d(plan.get("deductible_met")))
    rate = Decimal(str(plan.get("coinsurance", 0)))
    steps = [f"the allowed amount for this {visit.get('type', 'visit')} is {money(allowed)}"]
    rest, ded, copay, coins = allowed, Decimal("0"), Decimal("0"), Decimal("0")
    # 1. a copay that comes first
    if order in ("copay-only", "copay-then-deductible"):
        copay = min(copay_amt, rest)
        rest -= copay
        steps.append(f"the plan's {money(copay_amt)} copay applies first: {money(copay)}")
        if order == "copay-only":
            steps.append(
                "for this visit type the deductible and coinsurance do not apply "
                f"(the plan's order is {order})"
            )
    # 2. the deductible
    if order != "copay-only":
        ded = min(ded_left, rest)
        rest -= ded
        steps.append(
            f"{money(ded_left)} of the deductible was left to meet, so {money(ded)} "
            "goes to the deductible"
        )
        # 3. coinsurance or a copay once the deductible is met
        if order == "deductible-then-copay":
            copay = min(copay_amt, rest)
            rest -= copay
            steps.append(
                f"after the deductible the {money(copay_amt)} copay applies: {money(copay)}"
            )
        else:
            coins = (rest * rate).quantize(CENT, ROUND_HALF_UP)
            steps.append(
                f"the patient's coinsurance is {rate * 100:.0f}% of the remaining "
                f"{money(rest)}: {money(coins)}"
            )
    owes = copay + ded + coins
    # 4. the out-of-pocket maximum caps the patient's share: each piece, in the order it
    # was applied, takes what is left of the maximum, and the rest is the plan's
    oop_left = None
    if plan.get("oop_max") is not None:
        oop_left = max(Decimal("0"), _d(plan["oop_max"]) - _d(plan.get("oop_met")))
        if owes > oop_left:
            steps.append(
                f"only {money(oop_left)} was left of the out-of-pocket maximum, so the "
                f"patient's share stops there instead of {money(owes)}"
            )
            left = oop_left
            first = (
                ("copay", "deductible")
                if order == "copay-then-deductible"
                else ("deductible", "copay")
            )
            pieces = {"deductible": ded, "copay": copay}
            for name in first:
                pieces[name] = min(pieces[name], left)
                left -= pieces[name]
            ded, copay = pieces["deductible"], pieces["copay"]
            coins = min(coins, left)
            owes = oop_left
    steps.append(f"the patient owes {money(owes)} and the plan pays {money(allowed - owes)}")
    values = {
        "patient_owes": owes,
        "plan_pays": allowed - owes,
        "deductible_applied": ded,
        "copay": copay,
        "coinsurance": coins,
        "deductible_remaining": ded_left - ded,
    }
    if oop_left is not None:
        values["oop_remaining"] = oop_left - owes
    return values, steps


# --- grading ---------------------------------------------------------------------------------


def _explain_yes_no(name: str, want: bool, context: dict[str, Any]) -> str:
    plan = context.get("plan") if isinstance(context.get("plan"), dict) else {}
    if name == "referral_required":
        kind = plan.get("type", "this plan")
        return (
            f"{kind} plan: a referral from the primary care provider is "
            f"{'required' if want else 'not required'} before seeing this provider"
        )
    if name == "prior_auth_required":
        codes = plan.get("prior_auth_codes") or []
        listed = f" (the plan lists {', '.join(map(str, codes))})" if codes else ""
        return (
            f"the plan {'requires' if want else 'does not require'} prior authorization "
            f"for this service{listed}"
        )
    return f"the coverage {'is' if want else 'is not'} active on the date of service"


def check(
    key: dict[str, Any], response: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[float, list[Feedback]]:
    """Grade every field of the key; explain the money path from ``context``."""
    given = _read(response)
    want = _read(key)
    context = context or {}
    _, steps = money_path(context)
    path = "; ".join(steps)
    feedback: list[Feedback] = []
    credit = 0
    for name, value in want.items():
        if name not in given:
            feedback.append(Feedback(name, False, f"missing: {FIELDS[name]}"))
        elif given[name] == value:
            credit += 1
            feedback.append(Feedback(name, True, _right(name, value, path)))
        else:
            feedback.append(Feedback(name, False, _wrong(name, given[name], value, context, path)))
    for name in given:
        if name not in want:
            feedback.append(Feedback(name, True, f"{name} is not graded in this exercise"))
    return credit / max(len(want), 1), feedback


def _right(name: str, value: Any, path: str) -> str:
    if name in AMOUNT_FIELDS:
        return f"{money(value)} is right" + (f": {path}" if path else "")
    return f"{name} is right"


def _wrong(name: str, got: Any, want: Any, context: dict[str, Any], path: str) -> str:
    if name in AMOUNT_FIELDS:
        return f"{money(got)} is not {FIELDS[name]}" + (f": {path}" if path else "")
    if name in YES_NO_FIELDS:
        return f"not right: {_explain_yes_no(name, want, context)}"
    return f"not right: {FIELDS[name]}; see the order-of-benefit rules in the context"
