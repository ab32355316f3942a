"""Rule 10 — NCCI Medically Unlikely Edits (box 24G): units within the MUE.

An MUE is the most units of a code one provider reports for one patient on one date of
service (NCCI Policy Manual, Chapter I, "Medically Unlikely Edits"). Its adjudication
indicator (MAI) says how the units are counted:

* MAI 1 — a claim-line edit: each line is compared with the MUE on its own (a repeat on
  another line needs a modifier such as 76, 77, 91 or an anatomic one);
* MAI 2 — a date-of-service edit based on policy: the units of every line of the code on
  that date are summed; no appeal raises it;
* MAI 3 — a date-of-service edit based on clinical benchmarks: summed the same way; units
  above it are denied but may be paid on appeal with documentation.

An MUE of 0 means Medicare does not pay the code at all (preventive visits, for one);
that is a payer's coverage matter, not a units error, so it is left to the payer (as the
answer-key verifier does). Runs after code validity and the PTP rule; the finding points
at box 24G of the line (for MAI 2/3, the last line of the code on that date).
"""

from __future__ import annotations

from datetime import date

from codesets import ncci
from sim.clearinghouse.scrubber._context import ClaimContext, all_true, line_box, memo, remember

SLUG = "mue-units"
TITLE = "MUE units"
MEMO_KEY = "coding"  # judged on the claim's coding alone (see ClaimContext.pattern)

_edits: dict[str, ncci.MUE | None] = memo()
_fine: dict[tuple[str, int], bool] = memo()  # (code, units) on a line of its own -> within the MUE


def _mue(code: str) -> ncci.MUE | None:
    try:
        return _edits[code]
    except KeyError:
        return remember(_edits, code, ncci.mue(code))


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each line (MAI 1) or code and date (MAI 2/3) over its MUE."""
    repeats = ctx.repeats
    if not repeats and all_true(_fine, zip(ctx.codes, ctx.units, strict=True)):
        return
    per_day: dict[tuple[str, object], list] = {}
    ok, edits = ctx.ok, _edits
    for i, ln in enumerate(ctx.lines):
        units = ln.units
        if not ok[i] or not isinstance(units, int) or units < 1:
            continue
        code = ctx.codes[i]
        edit = edits[code] if code in edits else _mue(code)
        if edit is None or edit.value == 0:
            remember(_fine, (code, units), True)
            continue
        if units <= edit.value:
            remember(_fine, (code, units), True)  # within the MUE on a line of its own
            if edit.mai == 1 or not repeats:
                continue
        if edit.mai == 1:
            if units > edit.value:
                message = (
                    f"{units} units of {code} exceed the MUE of {edit.value} per line (MAI 1, "
                    f"claim-line edit; CMS rationale: {edit.rationale}): bill at most "
                    f"{edit.value} on this line; a distinct repeat goes on its own line with 76, "
                    "77, 91 or an anatomic modifier (NCCI Policy Manual, Chapter I, MUEs)"
                )
                out.append(ctx.finding(SLUG, line_box("G", i), message, "A7", "476", line=i))
        elif not repeats:  # the only line of its code: its units are the day's units
            if units > edit.value:
                _per_day(ctx, out, code, ctx.days[i], units, [i], edit)
        else:
            entry = per_day.get((code, ctx.days[i]))
            if entry is None:
                per_day[(code, ctx.days[i])] = [units, [i], edit]
            else:
                entry[0] += units
                entry[1].append(i)
    for (code, day), (total, where, edit) in per_day.items():
        if total > edit.value:
            _per_day(ctx, out, code, day, total, where, edit)


def _per_day(
    ctx: ClaimContext,
    out: list,
    code: str,
    day: object,
    total: int,
    where: list[int],
    edit: ncci.MUE,
) -> None:
    last = where[-1]
    numbers = [str(getattr(ctx.lines[k], "number", k + 1)) for k in where]
    lines = f" (lines {', '.join(numbers)})" if len(numbers) > 1 else ""
    on = f" on {day.isoformat()}" if isinstance(day, date) else ""
    how = (
        "an absolute limit set by policy"
        if edit.mai == 2
        else "units above it are denied; an appeal with the record may pay them"
    )
    message = (
        f"{total} units of {code}{on}{lines} exceed the MUE of {edit.value} per day "
        f"(MAI {edit.mai}: {how}; CMS rationale: {edit.rationale}): "
        f"report at most {edit.value} units of {code} for the date "
        "(NCCI Policy Manual, Chapter I, MUEs)"
    )
    out.append(ctx.finding(SLUG, line_box("G", last), message, "A7", "476", line=last))
