"""Rule 9b — an E/M on the day of a surgical procedure needs modifier 25 or 57.

Medicare's global surgery rules include the E/M of the day in the payment for a procedure
(NCCI Policy Manual for Medicare Services, Chapter I, §D "Evaluation & Management
Services"; Medicare Claims Processing Manual, Chapter 12, §40):

* a procedure with a 000 or 010-day global period is *minor*: the decision to perform it
  is part of it, and an E/M the same day is paid only when it is significant and
  separately identifiable — modifier 25 on the E/M;
* a procedure with a 090-day global period is *major*: an E/M the day before or the day
  of it that decided to operate is reported with modifier 57.

The PTP table carries some of these pairs (an injection and an office visit), but most
minor procedures rely on the global period instead, so this rule reads it from the
Medicare PFS (:func:`codesets.pfs.rvu`). It runs right after the PTP rule and stays silent
on an E/M line that rule already reported, so a learner is told once. The finding points
at box 24D of the E/M line.
"""

from __future__ import annotations

from datetime import date, timedelta

from codesets import pfs
from sim.clearinghouse.scrubber._context import ClaimContext, line_box, memo, remember
from sim.clearinghouse.scrubber.ncci_ptp import SLUG as PTP_SLUG

SLUG = "em-same-day-procedure"
TITLE = "E/M with a surgical procedure (modifier 25/57)"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

E_M_MODIFIERS = frozenset({"25", "57"})
SURGICAL_GLOBALS = ("000", "010", "090")
_kinds: dict[str, str] = memo()
_PLAIN = frozenset({"", "em"})


def _kind(code: str) -> str:
    """``"em"`` for an E/M code, its global period for a surgical one, else ``""``."""
    try:
        return _kinds[code]
    except KeyError:
        pass
    if code.isdigit() and ("99202" <= code <= "99499" or "98000" <= code <= "98016"):
        kind = "em"
    else:
        r = pfs.rvu(code) if code else None
        kind = r.global_days if r is not None and r.global_days in SURGICAL_GLOBALS else ""
    return remember(_kinds, code, kind)


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each E/M billed without 25/57 beside a global-period procedure."""
    lines, codes = ctx.lines, ctx.codes
    if len(lines) < 2:
        return
    kinds = list(map(_kinds.get, codes))
    if None in kinds:
        kinds = [_kind(c) for c in codes]
    if "em" not in kinds or _PLAIN.issuperset(kinds):
        return  # no E/M, or nothing with a global surgical period beside it
    ok = ctx.ok
    surgeries = [(j, k) for j, k in enumerate(kinds) if k not in _PLAIN and ok[j]]
    if not surgeries:
        return
    ems = [
        i
        for i, k in enumerate(kinds)
        if k == "em" and ok[i] and not E_M_MODIFIERS.intersection(ctx.modifiers[i])
    ]
    reported = {f.line for f in out if f.rule == PTP_SLUG and f.severity == "reject"}
    for i in ems:
        em_day = ctx.days[i]
        number = getattr(lines[i], "number", i + 1)
        if number in reported or not isinstance(em_day, date):
            continue
        for j, glob in surgeries:
            day = ctx.days[j]
            major = glob == "090"
            if not isinstance(day, date) or not (
                day == em_day or (major and day - em_day == timedelta(days=1))
            ):
                continue
            n = getattr(lines[j], "number", j + 1)
            if major:
                fix = (
                    f"{codes[j]} (line {n}) is a major surgery (090-day global): if this E/M is "
                    f"the visit that decided to operate, append modifier 57 to {codes[i]}; "
                    "otherwise it is part of the surgical package — remove it"
                )
            else:
                fix = (
                    f"{codes[j]} (line {n}) is a minor procedure ({glob}-day global) and the "
                    "decision to perform it is part of it: if the note documents a significant, "
                    f"separately identifiable E/M, append modifier 25 to {codes[i]}; otherwise "
                    "remove it"
                )
            message = (
                f"{codes[i]} is billed on the day of a procedure without modifier 25 or 57: "
                f"{fix} (NCCI Policy Manual, Chapter I, §D; Medicare Claims Processing "
                "Manual, Chapter 12, §40)"
            )
            out.append(ctx.finding(SLUG, line_box("D", i), message, "A8", "453", line=i))
            break
