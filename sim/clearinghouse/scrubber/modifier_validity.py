"""Rule 8 — modifier validity (box 24D): each modifier exists and fits the line's code.

A line carries at most four modifiers (837P SV101-3 to -6; NUCC 1500 manual, item 24D),
each once. Each must be a CPT or HCPCS Level II modifier in force and apply to the code:
25 goes on an E/M code, 26/TC on a code with a professional/technical split, QW on a
CLIA-waived laboratory test, and so on (:func:`codesets.modifiers.valid_for`, whose scopes
are in ``codesets/data/cpt_modifiers.csv`` and ``level2_modifier_scope.csv``).

Runs after code validity (a line with an unknown code is skipped: its modifiers cannot be
judged) and before the NCCI rule, whose modifier-indicator logic assumes the modifiers
are real ones.
"""

from __future__ import annotations

from codesets import modifiers as modifier_set
from sim.claims import MAX_MODIFIERS
from sim.clearinghouse.scrubber._context import ClaimContext, all_true, line_box, memo, remember

SLUG = "modifier-invalid"
TITLE = "Modifier validity"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

_verdicts: dict[tuple[str, str], tuple[bool, str]] = memo()
_fine: dict[tuple[tuple[str, ...], str], bool] = memo()  # (modifiers, code) -> nothing to report


def _valid_for(modifier: str, code: str) -> tuple[bool, str]:
    key = (modifier, code)
    try:
        return _verdicts[key]
    except KeyError:
        return remember(_verdicts, key, modifier_set.valid_for(modifier, code))


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each modifier that is unknown, repeated, extra or misplaced."""
    if all_true(_fine, zip(ctx.modifiers, ctx.codes, strict=True)):
        return
    ok, verdicts = ctx.ok, _verdicts
    for i, mods in enumerate(ctx.modifiers):
        code = ctx.codes[i]
        if not mods:
            remember(_fine, (mods, code), True)
            continue
        if not ok[i]:
            continue
        before = len(out)
        if len(mods) > 1:
            _count(ctx, out, i, mods, code)
        for m in mods if len(mods) == 1 else dict.fromkeys(mods):
            key = (m, code)
            valid, reason = verdicts[key] if key in verdicts else _valid_for(m, code)
            if not valid:
                message = f"{reason}: remove or replace {m} (CPT Appendix A; CMS HCPCS modifiers)"
                out.append(ctx.finding(SLUG, line_box("D", i), message, "A7", "453", line=i))
        if len(out) == before:
            remember(_fine, (mods, code), True)


def _count(ctx: ClaimContext, out: list, i: int, mods: tuple[str, ...], code: str) -> None:
    box, messages = line_box("D", i), []
    if len(mods) > MAX_MODIFIERS:
        messages.append(f"{len(mods)} modifiers on {code}: at most 4 fit; keep those that pay")
    if len(set(mods)) != len(mods):
        messages.append(f"a modifier is repeated on {code}: list each once")
    for message in messages:
        message = f"{message} (NUCC 1500 manual, item 24D)"
        out.append(ctx.finding(SLUG, box, message, "A7", "453", line=i))
