"""Rule 4 — ICD-10-CM validity (box 21): every diagnosis is a complete, billable code.

A code is valid only at its highest level of detail: a category or subcategory that has
children is not a code (ICD-10-CM Official Guidelines I.B.2); a code that requires a 7th
character needs it, with the placeholder X filling empty positions (I.A.4, I.A.5). The verdict
and its advice come from :func:`codesets.icd10cm.validate`, which already says what to add
("add 1 more character", "needs a 7th character: A, D, S", "the placeholder X is
missing — did you mean T36.0X1A?"). A diagnosis listed twice is also reported: each
diagnosis appears once in box 21 and lines point at it.

Runs after the pointer rule and before Excludes1 and the age/sex edits, which are only
meaningful for valid codes.
"""

from __future__ import annotations

from codesets import icd10cm
from sim.clearinghouse.scrubber._context import (
    ClaimContext,
    all_true,
    diagnosis_box,
    memo,
    remember,
)

SLUG = "icd10cm-invalid"
TITLE = "ICD-10-CM validity"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

_verdicts: dict[str, str | None] = memo()
_billable: dict[str, bool] = memo()


def problem(code: str) -> str | None:
    """The validator's message when ``code`` is not a billable ICD-10-CM code, else None."""
    try:
        return _verdicts[code]
    except KeyError:
        verdict = icd10cm.validate(code)
        remember(_billable, code, verdict.ok)
        return remember(_verdicts, code, None if verdict.ok else verdict.message)


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each diagnosis that is not billable, and for repeats."""
    verdicts, dx = _verdicts, ctx.dx
    if all_true(_billable, dx) and len(set(dx)) == len(dx):
        return
    for k, code in enumerate(dx[:12]):
        message = verdicts[code] if code in verdicts else (problem(code) if code else None)
        if message is not None:  # blank boxes and a 13th diagnosis are rule 1's
            if "Official Guidelines" in message:
                message = message.replace("(Official Guidelines", "(ICD-10-CM Official Guidelines")
            else:
                message += " (ICD-10-CM Official Guidelines I.B.2)"
            status = "254" if k == 0 else "255"
            out.append(ctx.finding(SLUG, diagnosis_box(k), message, "A7", status))
    if len(set(dx)) != len(dx):
        seen: dict[str, int] = {}
        for k, code in enumerate(dx[:12]):
            if code and code in seen:
                first = diagnosis_box(seen[code])
                out.append(
                    ctx.finding(
                        SLUG,
                        diagnosis_box(k),
                        f"{code} is already listed in "
                        f"{first}: list each diagnosis once and point the lines "
                        "at that box (NUCC 1500 manual, item 21)",
                        "A7",
                        "254" if k == 0 else "255",
                    )
                )
            seen.setdefault(code, k)
