"""Rule 9 — NCCI procedure-to-procedure (PTP) edits between lines on the same date.

When two codes of a PTP edit are billed by one provider for one patient on one date, the
column 2 code is not paid unless the edit's modifier indicator allows a modifier to show
a distinct service (NCCI Policy Manual for Medicare Services, Chapter I, §E):

* indicator 0 — never paid together: remove the column 2 line;
* indicator 1 — paid only with an NCCI-associated modifier on the column 2 code (59,
  XE/XS/XP/XU, anatomic modifiers, 25 for a significant, separately identifiable E/M,
  24/57/58/78/79, 27, 91) *and* a record that supports it;
* indicator 9 — the edit does not apply.

:func:`codesets.ncci.check_pair` applies that logic; the finding points at box 24D of the
column 2 line. When 59 or an X{EPSU} modifier is what bypasses an edit, a *warning* says
so: the scrubber cannot read the note, and "59 without a separate site" is the commonest
NCCI audit finding (CMS, "Proper Use of Modifiers 59 & -X{EPSU}").

Runs after the code and modifier rules (an invalid code or modifier is skipped or already
reported) and before the MUE rule. Verdicts are remembered per (code, code, modifiers,
modifiers); an edit with a deletion date is re-checked against each date of service.
"""

from __future__ import annotations

from datetime import date
from itertools import combinations

from codesets import ncci
from sim.clearinghouse.scrubber._context import ClaimContext, all_true, line_box, memo, remember

SLUG = "ncci-ptp"
TITLE = "NCCI PTP edits"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

DISTINCT_SERVICE_MODIFIERS = frozenset({"59", "XE", "XP", "XS", "XU"})
_MISSING = object()

_Pair = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # code, code, their modifiers
_verdicts: dict[_Pair, ncci.PTPVerdict | None] = memo()
_quiet: dict[_Pair, bool] = memo()  # pairs with no edit, or one bypassed without a warning


def _verdict(ctx: ClaimContext, i: int, j: int) -> ncci.PTPVerdict | None:
    a, b, ma, mb = key = (ctx.codes[i], ctx.codes[j], ctx.modifiers[i], ctx.modifiers[j])
    verdict = _verdicts.get(key, _MISSING)
    if verdict is _MISSING:
        verdict = remember(_verdicts, key, ncci.check_pair(a, b, ma, mb))
    if verdict is None:
        return None
    if verdict.edit.deletion_date:  # the verdict depends on the date: not a coding pattern's
        ctx.volatile = True
        day = ctx.lines[i].service_date
        iso = day.isoformat() if isinstance(day, date) else None
        verdict = ncci.check_pair(a, b, ma, mb, date_of_service=iso)
    return verdict


def _is_em(code: str) -> bool:
    return code.isdigit() and ("99202" <= code <= "99499" or "98000" <= code <= "98016")


def _fix(edit: ncci.PTPEdit) -> str:
    c1, c2 = edit.column1, edit.column2
    if edit.modifier_indicator == 0:
        return f"remove {c2}: it is included in {c1} and no modifier can unbundle it"
    if _is_em(c2):
        return (
            f"if the note documents a significant, separately identifiable E/M beyond the usual "
            f"pre- and post-service work of {c1}, append modifier 25 to {c2}; otherwise remove "
            f"{c2}"
        )
    return (
        f"if the record documents a different site, session, incision or encounter, append "
        f"XS/XE/XP/XU (or 59) to {c2}; otherwise remove {c2}"
    )


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each bundled pair of lines on the same date of service."""
    lines, codes, mods = ctx.lines, ctx.codes, ctx.modifiers
    n = len(lines)
    if n < 2:
        return
    if ctx.one_day and all_true(
        _quiet,
        [
            (codes[i], codes[j], mods[i], mods[j])
            for i, j in combinations(range(n), 2)
            if codes[i] != codes[j]
        ],
    ):
        return  # every pair of the day is known to need nothing
    valid = [i for i, good in enumerate(ctx.ok) if good]
    days = ctx.days
    for x, i in enumerate(valid):
        day = days[i]
        for j in valid[x + 1 :]:
            if codes[i] == codes[j] or days[j] != day:
                continue  # repeats of one code are the MUE and duplicate rules' matter
            verdict = _verdict(ctx, i, j)
            if verdict is None:
                remember(_quiet, (codes[i], codes[j], mods[i], mods[j]), True)
                continue
            edit = verdict.edit
            col2, col1 = (j, i) if codes[j] == edit.column2 else (i, j)
            ind = edit.modifier_indicator
            cite = f"NCCI PTP edit, modifier indicator {ind}; NCCI Policy Manual, Chapter I, §E"
            if not verdict.allowed:
                n1 = getattr(lines[col1], "number", col1 + 1)
                message = (
                    f"{edit.column2} is bundled into {edit.column1} (line {n1}) on the same "
                    f"date ({edit.rationale}): {_fix(edit)} ({cite})"
                )
                status = "453" if ind == 1 else "454"
                out.append(ctx.finding(SLUG, line_box("D", col2), message, "A8", status, line=col2))
            elif verdict.bypass_modifier in DISTINCT_SERVICE_MODIFIERS:
                m = verdict.bypass_modifier
                message = (
                    f"modifier {m} on {edit.column2} bypasses its NCCI edit with "
                    f"{edit.column1}: the note must document a different site, session or "
                    "incision, or the payer will recoup on review; prefer the specific "
                    f"XS/XE/XP/XU over 59 ({cite})"
                )
                out.append(
                    ctx.finding(
                        SLUG,
                        line_box("D", col2),
                        message,
                        "A2",
                        "20",
                        line=col2,
                        severity="warning",
                    )
                )
            elif not edit.deletion_date:  # allowed, nothing to say: remember the pair
                remember(_quiet, (codes[i], codes[j], mods[i], mods[j]), True)
