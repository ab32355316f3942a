"""Payment posting: ``{lines: [{allowed, paid, contractual, patient_responsibility}], ...}``.

Steps, in order: shape (``lines`` a list of objects with known amount fields; optional
claim-level amounts, :data:`CLAIM_FIELDS`) -> grade every field the key has, one credit
each, lines matched by position -> a line count that differs from the key is graded, not
an error: a missing line's fields earn nothing and an extra line's fields count against
the score (score = credit / max(expected fields, entered fields)) -> explain each wrong
amount from the posting identities: contractual = charge - allowed (CO-45), patient
responsibility = deductible + coinsurance + copay (PR-1/2/3), paid = allowed - patient
responsibility (less other reductions such as sequestration); and every line balances as on
an 835: charge = paid + contractual + patient responsibility + other adjustments.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from exercises.check.common import amount, fail, known_fields, mapping, money
from exercises.model import Feedback

LINE_FIELDS = {
    "charge": "the billed charge",
    "allowed": "the allowed amount",
    "paid": "what the payer paid on the line",
    "contractual": "the contractual adjustment written off (CO-45: charge minus allowed)",
    "patient_responsibility": "what the patient owes (PR: deductible + coinsurance + copay)",
    "deductible": "the deductible (PR-1)",
    "coinsurance": "the coinsurance (PR-2)",
    "copay": "the copay (PR-3)",
    "other_adjustment": "other adjustments (denials, sequestration ...)",
}
CLAIM_FIELDS = {
    "total_charge": "the claim's total charge",
    "total_allowed": "the total allowed",
    "total_paid": "the total paid on the claim (CLP04)",
    "total_contractual": "the total contractual adjustment",
    "patient_balance": "the balance to bill the patient (or the secondary payer)",
    "write_off": "the total written off",
}


# --- shape ---------------------------------------------------------------------------------


def _line(value: Any, where: str) -> dict[str, Decimal]:
    line = mapping(value, where)
    known_fields(line, LINE_FIELDS, where)
    return {k: amount(v, f"{where}.{k}") for k, v in line.items()}


def _read(response: dict[str, Any]) -> tuple[list[dict[str, Decimal]], dict[str, Decimal]]:
    known_fields(response, ["lines", *CLAIM_FIELDS], "response")
    raw = response.get("lines", [])
    if not isinstance(raw, list):
        raise fail("response.lines", f"expected a list of lines, got {type(raw).__name__}")
    lines = [_line(v, f"response.lines[{i}]") for i, v in enumerate(raw)]
    claim = {k: amount(v, f"response.{k}") for k, v in response.items() if k != "lines"}
    return lines, claim


# --- explaining --------------------------------------------------------------------------------


def _why(name: str, line: dict[str, Decimal]) -> str:
    """The identity that gives the field, with the key's own numbers."""
    g = line.get
    if name == "contractual" and "charge" in line and "allowed" in line:
        return f"charge {money(g('charge'))} - allowed {money(g('allowed'))}"
    if name == "patient_responsibility":
        parts = [(k, g(k)) for k in ("deductible", "coinsurance", "copay") if g(k)]
        if parts:
            return " + ".join(f"{k} {money(v)}" for k, v in parts)
    if name == "paid" and "allowed" in line and "patient_responsibility" in line:
        other = g("other_adjustment") or Decimal("0")
        if other and "charge" in line and "contractual" in line:
            return (
                f"charge {money(g('charge'))} - contractual {money(g('contractual'))} - patient "
                f"responsibility {money(g('patient_responsibility'))} - other {money(other)}"
            )
        return (
            f"allowed {money(g('allowed'))} - patient responsibility "
            f"{money(g('patient_responsibility'))}"
        )
    if name == "allowed" and "paid" in line and "patient_responsibility" in line:
        return "what the payer paid plus what the patient owes"
    return ""


def _grade(
    part: str, name: str, got: dict[str, Decimal], want: dict[str, Decimal], labels: dict[str, str]
) -> Feedback:
    part = f"{part}.{name}" if part else name
    if name not in got:
        return Feedback(part, False, f"missing: {labels[name]}")
    if got[name] == want[name]:
        return Feedback(part, True, f"{money(want[name])} is right")
    why = _why(name, want)
    return Feedback(
        part,
        False,
        f"{money(got[name])} is not {labels[name]}" + (f": it is {why}" if why else ""),
    )


def check(
    key: dict[str, Any], response: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[float, list[Feedback]]:
    """Grade every amount the key has, line by line and then the claim-level totals."""
    got_lines, got_claim = _read(response)
    want_lines, want_claim = _read(key)
    feedback: list[Feedback] = []
    expected = sum(len(w) for w in want_lines) + len(want_claim)
    entered = 0
    # 1. lines, by position
    for i, want in enumerate(want_lines):
        got = got_lines[i] if i < len(got_lines) else {}
        entered += len([k for k in got if k in want])
        for name in want:
            feedback.append(_grade(f"lines[{i}]", name, got, want, LINE_FIELDS))
    # 2. extra lines
    for i in range(len(want_lines), len(got_lines)):
        entered += len(got_lines[i])
        feedback.append(
            Feedback(
                f"lines[{i}]",
                False,
                f"the remittance has {len(want_lines)} service line(s); this one is extra",
            )
        )
    if len(got_lines) < len(want_lines):
        feedback.append(
            Feedback(
                "lines",
                False,
                f"{len(want_lines) - len(got_lines)} service line(s) of the remittance are "
                "not posted",
            )
        )
    # 3. claim-level amounts
    entered += len([k for k in got_claim if k in want_claim])
    for name in want_claim:
        feedback.append(_grade("", name, got_claim, want_claim, CLAIM_FIELDS))
    credit = sum(1 for f in feedback if f.ok)
    return credit / max(expected, entered, 1), feedback
