"""Rule 3 — diagnosis pointers (box 24E): each line points at 1 to 4 existing diagnoses.

Box 24E holds the letters (A-L) of the diagnoses in box 21 that justify the line, the
primary reason first; the 837P carries them as numbers in SV107 and allows at most four
(NUCC 1500 instruction manual, item 24E; 005010X222A1 loop 2400 SV107). A pointer to an
empty diagnosis box, a fifth pointer or a repeated pointer makes the line unprocessable.

Runs before the diagnosis code rules: those judge the codes in box 21, this one only the
structure that links lines to them, which the payer needs to read the claim at all.
"""

from __future__ import annotations

from itertools import repeat

from sim.claims import MAX_POINTERS
from sim.clearinghouse.findings import DIAGNOSIS_LETTERS
from sim.clearinghouse.scrubber._context import ClaimContext, all_true, line_box, memo, remember

SLUG = "diagnosis-pointer"
TITLE = "Diagnosis pointers"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

_fine: dict[tuple[object, int], bool] = memo()  # (pointers, number of diagnoses) -> fine


def _problem(pointers: object, n_dx: int) -> str | None:
    """What is wrong with a line's pointers given ``n_dx`` diagnoses, or None."""
    if isinstance(pointers, int):
        pointers = (pointers,)
    try:
        ptrs = tuple(pointers)  # type: ignore[arg-type]
    except TypeError:
        ptrs = ()
    if not ptrs:
        return "no diagnosis pointer: enter the letter of the diagnosis that justifies the line"
    if len(ptrs) > MAX_POINTERS:
        return f"{len(ptrs)} diagnosis pointers: at most 4 fit, the primary reason first"
    for p in ptrs:
        if not isinstance(p, int) or isinstance(p, bool) or not 1 <= p <= 12:
            return f"pointer {p!r} is not a diagnosis letter A-L"
        if p > n_dx:
            letter = DIAGNOSIS_LETTERS[p - 1]
            return (
                f"pointer {letter} points at an empty box 21.{letter} (the claim has "
                f"{n_dx} diagnos{'e' if n_dx != 1 else 'i'}s): point at a listed diagnosis"
            )
    if len(set(ptrs)) != len(ptrs):
        return "a diagnosis pointer is repeated: list each letter once"
    return None


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for every line whose pointers are missing or invalid."""
    n_dx = len(ctx.dx)
    if all_true(_fine, zip(ctx.pointers, repeat(n_dx))):
        return
    for i, ln in enumerate(ctx.lines):
        pointers = ln.dx_pointers
        key = (pointers, n_dx)
        try:
            fine = _fine[key]
        except KeyError:
            fine = remember(_fine, key, _problem(pointers, n_dx) is None)
        except TypeError:  # unhashable pointers (a list): judge without remembering
            fine = _problem(pointers, n_dx) is None
        if not fine:
            problem = _problem(pointers, n_dx) or ""
            category = "A6" if problem.startswith("no diagnosis") else "A7"
            message = f"{problem} (NUCC 1500 manual, item 24E)"
            out.append(ctx.finding(SLUG, line_box("E", i), message, category, "477", line=i))
