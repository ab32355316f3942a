"""Rule 5 — Excludes1: two diagnoses that an Excludes1 note forbids together.

An Excludes1 note means "NOT CODED HERE": the two conditions cannot occur together (type 1
and type 2 diabetes; a congenital and an acquired form), so the codes are never reported
together — except when the conditions are unrelated (ICD-10-CM Official Guidelines,
Section I.A.12.a). Notes at a category, block or chapter apply to every code below it;
:func:`codesets.icd10cm.excludes1_conflicts` reads them all.

Runs after the validity rule (it compares codes, so they should be codes) and before the
age/sex edits. The finding points at the later-listed code of the pair; a pair whose two
codes exclude each other is reported once. The answer depends only on the set of
diagnoses, so it is remembered per diagnosis tuple.
"""

from __future__ import annotations

from codesets import icd10cm
from sim.clearinghouse.scrubber._context import ClaimContext, diagnosis_box, memo, remember

SLUG = "excludes1"
TITLE = "Excludes1 pairs"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

_conflicts: dict[tuple[str, ...], tuple[tuple[int, str], ...]] = memo()


def _pairs(dx: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """``(index of the later code, message)`` for each Excludes1 pair among ``dx``."""
    index = {code: k for k, code in reversed(list(enumerate(dx))) if code}
    out: list[tuple[int, str]] = []
    done: set[frozenset[str]] = set()
    for c in icd10cm.excludes1_conflicts(code for code in dx if code):
        pair = frozenset((c.code, c.excluded))
        if pair in done or c.code not in index or c.excluded not in index:
            continue
        done.add(pair)
        first, later = sorted((index[c.code], index[c.excluded]))
        message = (
            f"{dx[later]} ({diagnosis_box(later)}) and {dx[first]} ({diagnosis_box(first)}) may "
            f"not be reported together: {c.note_on} has an Excludes1 note for "
            f'"{c.note}". Keep the one the note supports; both only when the conditions are '
            "unrelated (ICD-10-CM Official Guidelines I.A.12.a)"
        )
        out.append((later, message))
    return tuple(out)


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each Excludes1 pair among the claim's diagnoses."""
    dx = ctx.dx
    if len(dx) < 2:
        return
    try:
        pairs = _conflicts[dx]
    except KeyError:
        pairs = remember(_conflicts, dx, _pairs(dx))
    for later, message in pairs:
        out.append(ctx.finding(SLUG, diagnosis_box(later), message, "A8", "255"))
