"""Rule 7 — CPT/HCPCS validity (box 24D): each line's code exists on its date of service.

A CPT code must be one the code set knows (the Medicare PFS 2026 code list, the teaching
set, or an institution's licensed CPT file: :func:`codesets.cpt.exists`); a HCPCS Level II
code must be in force on the date of service — added on or before it and not terminated
(:func:`codesets.hcpcs.is_active`), because HIPAA code sets apply by date of service
(45 CFR 162.1002). The kind of code is read from its shape (5 digits or 4 digits and
F/T/U/M: CPT; a letter A-V and 4 digits: HCPCS Level II), as the 837P does (SV101-1 is
``HC`` for both).

Runs before the modifier, NCCI and MUE rules, which skip a line whose code is not valid
(there is nothing to pair or count). The answer is shared with them through
:func:`ClaimContext.code_ok`, memoised per (code, date).
"""

from __future__ import annotations

from sim.clearinghouse.scrubber._context import ClaimContext, code_problem, line_box

SLUG = "procedure-code-invalid"
TITLE = "CPT/HCPCS validity"
MEMO_KEY = None  # judged on each claim's own data: never skipped


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each line whose code is not valid on its date of service."""
    if all(ctx.ok):
        return
    for i, ln in enumerate(ctx.lines):
        code = ctx.codes[i]
        if not code:
            continue  # reported by the required-field rule
        found = code_problem(code, ln.service_date)
        if found is not None:
            status, message = found
            out.append(ctx.finding(SLUG, line_box("D", i), message, "A7", status, line=i))
