"""Rule 11 — duplicate lines: the same code, modifiers and date twice on one claim.

Two lines with the same code, the same modifiers and the same date of service look to a
payer like the same service billed twice, and the second is denied as a duplicate (CARC
18). A service given more than once that day goes on one line with the total units, or
— when each occurrence is distinct — on its own line with a modifier that says so (76/77
repeat procedure, 91 repeat laboratory test, an anatomic modifier, XS/59) (NUCC 1500
manual, item 24; NCCI Policy Manual, Chapter I, MUEs). The order of the modifiers does
not matter.

Runs after the MUE rule, which has already summed the units of such lines for MAI 2/3
codes, and before the claim-level frequency rule.
"""

from __future__ import annotations

from sim.clearinghouse.scrubber._context import ClaimContext, line_box

SLUG = "duplicate-line"
TITLE = "Duplicate lines"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each line that repeats an earlier line of the claim."""
    lines = ctx.lines
    if not ctx.repeats:  # no code appears twice: nothing can repeat
        return
    seen: dict[tuple, int] = {}
    for i, code in enumerate(ctx.codes):
        if not code:
            continue
        mods = ctx.modifiers[i]
        key = (code, tuple(sorted(mods)) if len(mods) > 1 else mods, ctx.days[i])
        first = seen.get(key)
        if first is None:
            seen[key] = i
            continue
        n = getattr(lines[first], "number", first + 1)
        with_mods = f"-{'-'.join(mods)}" if mods else ""
        message = (
            f"{code}{with_mods} repeats line {n} (same code, modifiers and date): put the total "
            "units on one line, or if it was a distinct repeat, add 76/77, 91 or an anatomic "
            "modifier that shows it (NUCC 1500 manual, item 24; duplicate lines are denied, "
            "CARC 18)"
        )
        out.append(ctx.finding(SLUG, line_box("D", i), message, "A8", "454", line=i))
