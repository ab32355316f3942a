"""Rule 2 — NPI check digits: every NPI on the claim must pass the Luhn check.

An NPI is 10 digits starting with 1 or 2; the last digit is the Luhn check digit computed
over ``80840`` (the health-industry prefix) followed by the first nine digits (CMS,
"Requirements for Check Digit Algorithm for the NPI"; 45 CFR 162.406). A mistyped NPI
almost always fails it, and clearinghouses reject it before the payer sees the claim.

Runs right after the required-field rule (a missing NPI is reported there and skipped
here) and before the coding rules: a claim with the wrong provider cannot be fixed by
recoding. Checked: billing (box 33a; 837P 2010AA), rendering (box 24J of each line;
2310B), referring (box 17b; 2310A) and the service facility's NPI when given (box 32a;
2310C).
"""

from __future__ import annotations

from sim.clearinghouse.scrubber._context import ClaimContext, memo, remember
from sim.people import is_valid_npi

SLUG = "npi-check-digit"
TITLE = "NPI check digit"
MEMO_KEY = None  # judged on each claim's own data: never skipped

_valid: dict[object, bool] = memo()


def _ok(npi: object) -> bool:
    try:
        return _valid[npi]
    except (KeyError, TypeError):
        pass
    ok = is_valid_npi(npi)
    try:
        return remember(_valid, npi, ok)
    except TypeError:
        return ok


def _message(npi: object, whose: str, box: str) -> str:
    shape = isinstance(npi, str) and len(npi) == 10 and npi.isdigit() and npi[0] in "12"
    why = (
        "fails the check digit (Luhn over 80840 + the first 9 digits; CMS NPI check-digit "
        "standard, 45 CFR 162.406)"
        if shape
        else "is not 10 digits starting with 1 or 2"
    )
    return f"the {whose} NPI {npi!r} in box {box} {why}: copy it again from NPPES"


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each NPI on the claim that is present but not valid."""
    claim, f, valid = ctx.claim, ctx.finding, _valid
    rendering, referring, facility = claim.rendering, claim.referring, claim.facility
    if (
        valid.get(claim.billing.npi) is True
        and (rendering is None or valid.get(rendering.npi) is True)
        and (referring is None or valid.get(referring.npi) is True)
        and (facility is None or not facility.npi)
    ):
        return  # every NPI already known to be valid
    npi = claim.billing.npi
    if npi and not _ok(npi):
        out.append(
            f(SLUG, "33a", _message(npi, "billing provider's", "33a"), "A7", "562", entity="85")
        )
    if claim.rendering is not None:
        npi = claim.rendering.npi
        if npi and not _ok(npi):
            msg = _message(npi, "rendering provider's", "24J") + " (it prints on every line)"
            out.append(f(SLUG, "24J.1", msg, "A7", "562", entity="82"))
    if claim.referring is not None:
        npi = claim.referring.npi
        if npi and not _ok(npi):
            out.append(
                f(
                    SLUG,
                    "17b",
                    _message(npi, "referring provider's", "17b"),
                    "A7",
                    "562",
                    entity="DN",
                )
            )
    if claim.facility is not None:
        npi = claim.facility.npi
        if npi and not _ok(npi):
            out.append(
                f(SLUG, "32a", _message(npi, "service facility's", "32a"), "A7", "562", entity="77")
            )
