"""Rule 12 — claim frequency (box 22): 7 and 8 need the original claim's number.

Box 22 / 837P CLM05-3 says what the claim is: ``1`` an original claim, ``7`` a
replacement of a claim already adjudicated, ``8`` a void of one. A replacement or a void
must carry the payer's claim control number (ICN/DCN) of the claim it replaces, in box 22
"original ref. no." / REF*F8 (loop 2300); an original claim must not carry one (NUCC 1500
manual, item 22; 005010X222A1 loop 2300 REF Payer Claim Control Number). The codes come
from :mod:`codesets.claim_frequency`.

Last in the pipeline: it is a claim-level check that no other rule depends on.
"""

from __future__ import annotations

from codesets import claim_frequency
from sim.clearinghouse.scrubber._context import ClaimContext

SLUG = "claim-frequency"
TITLE = "Frequency code and original reference"
MEMO_KEY = None  # judged on each claim's own data: never skipped


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding when the frequency code and the original reference disagree."""
    claim = ctx.claim
    if claim.frequency == "1" and not claim.original_reference:
        return  # the usual case: an original claim
    code = str(claim.frequency or "").strip()
    ref = str(claim.original_reference or "").strip()
    found = claim_frequency.lookup(code) if code else None
    if found is None:
        category, status = ("A7" if code else "A6"), "535"
        message = (
            f"frequency code {claim.frequency!r} is not 1 (original), 7 (replacement) or 8 "
            "(void) (NUCC 1500 manual, item 22; 837P CLM05-3)"
        )
    elif found.needs_original_reference and not ref:
        category, status = "A6", "464"
        message = (
            f"frequency {code} ({'replacement' if code == '7' else 'void'}) needs the payer's "
            "claim number of the original claim (from its 835 or EOB) as the original "
            "reference in box 22 (837P REF*F8)"
        )
    elif code == "1" and ref:
        category, status = "A8", "464"
        message = (
            f"an original claim (frequency 1) carries original reference {ref!r}: remove it, "
            "or use 7 if this claim replaces one the payer already processed (item 22)"
        )
    else:
        return
    out.append(ctx.finding(SLUG, "22", message, category, status))
