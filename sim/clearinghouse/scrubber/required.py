"""Rule 1 — required fields: the claim must be complete before anything else is judged.

First in the pipeline because every later rule assumes a well-formed claim (a patient with
a birth date and sex, diagnoses, lines with a date and a code). What is checked, with the
CMS-1500 box (NUCC 1500 instruction manual) and the 837P loop it feeds
(005010X222A1):

* patient name (box 2; 2010BA/2010CA NM1), birth date and sex (box 3; DMG): the birth
  date may not fall after the date of service;
* insured's member ID (box 1a; 2010BA NM109), insured's name (box 4), the patient's
  relationship to the insured (box 6; SBR02/PAT01: 18, 01, 19 or G8);
* the payer's ID (2010BB NM109; the carrier block, reported on box 11c);
* billing provider NPI (box 33a; 2010AA NM109), tax ID (box 25; REF*EI, NN-NNNNNNN or
  9 digits), address (box 33; N3/N4) — an NPI's check digit is rule 2's;
* a rendering / referring provider, when present, has an NPI (boxes 24J, 17b);
* at least one diagnosis (box 21.A; HI) and at most 12; no blank diagnosis box;
* at least one and at most 50 service lines (box 24; loop 2400), each with a date of
  service (24A; not after the scrub date when it is known), a place of service that CMS
  has assigned (24B), a code (24D), units of at least 1 (24G) and a charge above zero
  (24F).

The problems are a table (:data:`PROBLEMS`: box, 277CA category, status, entity, message)
so the checks below read as a list of conditions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from codesets import pos as pos_codes
from sim.claims import MAX_DIAGNOSES, MAX_LINES
from sim.clearinghouse.scrubber._context import (
    ClaimContext,
    all_true,
    diagnosis_box,
    line_box,
    memo,
    remember,
)
from sim.models import RELATIONSHIPS

SLUG = "required-field"
TITLE = "Required fields"
MEMO_KEY = None  # judged on each claim's own data: never skipped

# problem: "<box> <277CA category:status[:entity]> <message>"; a box "24X" is column X of
# the line at fault
PROBLEMS: dict[str, str] = {
    "patient-name": "2 A6:504:QC the patient's last and first name are required",
    "birth-date": "3 A6:158:QC the patient's date of birth is required",
    "born-later": "3 A7:158:QC the date of birth {birth} is after the date of service {day}",
    "no-sex": "3 A6:157:QC the patient's sex is required: F, M or U",
    "sex": "3 A7:157:QC the patient's sex {sex!r} must be F, M or U (837P DMG03)",
    "member-id": "1a A6:164:IL the insured's ID number from the insurance card is required",
    "insured-name": "4 A6:504:IL the insured's name is required",
    "relationship": "6 A7:156:IL relationship {rel!r} is not 18 self, 01 spouse, 19 child or G8",
    "payer-id": "11c A3:153:PR the payer has no electronic payer ID, so the claim cannot be "
    "routed: take it from the payer list (837P loop 2010BB NM109)",
    "billing-npi": "33a A6:562:85 the billing provider's NPI is required",
    "no-tin": "25 A6:128:85 the billing provider's tax ID (EIN) is required",
    "tin": "25 A7:128:85 the billing provider's tax ID {tin!r} must be an EIN, NN-NNNNNNN",
    "address": "33 A6:126:85 the billing provider's address {problem}",
    "rendering-npi": "24J A6:562:82 the rendering provider has no NPI: enter it in 24J of "
    "every line, or leave the rendering provider out when it is the billing provider",
    "referring-npi": "17b A6:562:DN the referring provider has no NPI",
    "no-diagnosis": "21.A A6:254 at least one diagnosis is required, first-listed in 21.A",
    "too-many-dx": "21 A7:255 {n} diagnoses: a claim carries at most 12 (21.A-21.L)",
    "blank-dx": "21 A7:255 a blank diagnosis box between filled ones: fill 21.A-21.L in order",
    "no-lines": "24 A3:454 the claim has no service line: nothing can be adjudicated",
    "too-many-lines": "24 A7:121 {n} service lines: an 837P claim carries at most 50; split it",
    "date": "24A A6:187 the date of service is required",
    "date-order": "24A A7:187 the 'to' date is before the 'from' date",
    "future": "24A A7:510 the date of service {day} is after {on}: bill services once rendered",
    "no-pos": "24B A6:249 the place of service is required (e.g. 11 office)",
    "pos": "24B A7:249 place of service {pos!r} is not a CMS place-of-service code (e.g. 11)",
    "code": "24D A6:454 a CPT or HCPCS code is required",
    "units": "24G A7:476 units {units!r} must be a whole number of at least 1",
    "charge": "24F A7:402 the charge {charge} must be greater than zero: the fee times the units",
}

_SEXES = ("F", "M", "U")  # 837P DMG03: female, male, unknown
_TIN = re.compile(r"[0-9]{2}-?[0-9]{7}")
_ZIP = re.compile(r"[0-9]{5}(?:-?[0-9]{4})?")
_pos_ok: dict[object, bool] = memo()
_tin_ok: dict[object, bool] = memo()
_zip_ok: dict[object, bool] = memo()
_state_ok: dict[object, bool] = memo()
_whole: dict[object, bool] = memo()  # units that are whole numbers of at least 1


def _report(
    ctx: ClaimContext,
    out: list,
    key: str,
    /,
    *,
    line: int | None = None,
    box: str | None = None,
    **values: Any,
) -> None:
    where, stc, text = PROBLEMS[key].split(" ", 2)
    category, status, entity = (*stc.split(":"), None)[:3]
    if line is not None:
        where = line_box(where[2], line)
    where = box or where
    message = f"{text.format(**values)} (NUCC 1500 manual, item {where.split('.')[0]})"
    out.append(ctx.finding(SLUG, where, message, category, status, line=line, entity=entity))


def _valid(known: dict, value: object, test: Callable[[object], bool]) -> bool:
    """``test(value)``, remembered in ``known`` (values repeat from claim to claim)."""
    try:
        return known[value]
    except KeyError:
        return remember(known, value, test(value))
    except TypeError:  # unhashable: judge without remembering
        return test(value)


def _pos_assigned(code: object) -> bool:
    found = pos_codes.lookup(code) if isinstance(code, str | int) and code != "" else None
    return found is not None and found.assigned


def _blank(value: object) -> bool:
    return not (isinstance(value, str) and value.strip())


def _state_shape(state: object) -> bool:
    return isinstance(state, str) and len(state) == 2 and state.isalpha()


def _zip_shape(zip_code: object) -> bool:
    return isinstance(zip_code, str) and _ZIP.fullmatch(zip_code) is not None


def _tin_shape(tin: object) -> bool:
    return isinstance(tin, str) and _TIN.fullmatch(tin) is not None


def _address_problem(addr: Any) -> str | None:
    line1, city, state, zip_code = (getattr(addr, k, "") for k in ("line1", "city", "state", "zip"))
    if not (line1 and city and state):
        return "needs a street address, city and state"
    if not _valid(_state_ok, state, _state_shape):
        return f"state {state!r} is not a two-letter state code"
    if not _valid(_zip_ok, zip_code, _zip_shape):
        return f"ZIP code {zip_code!r} must be 5 or 9 digits"
    return None


def _looks_complete(ctx: ClaimContext) -> bool:
    """The fast path: True when every claim-level field is plainly there and well formed."""
    claim = ctx.claim
    patient, insured, billing, address = (
        claim.patient, claim.insured, claim.billing, claim.billing.address,
    )  # fmt: skip
    first, dx = ctx.first_day, ctx.dx
    try:
        names = (patient.first_name, patient.last_name, insured.member_id, insured.last_name)
        filled = all(map(str.strip, (*names, claim.payer.payer_id, billing.npi, address.line1)))
        filled = filled and address.city.strip() != ""
    except (TypeError, AttributeError):
        return False
    return (
        filled
        and first is not None
        and patient.birth_date.__class__ is date
        and patient.birth_date <= first
        and patient.sex in _SEXES
        and insured.relationship in RELATIONSHIPS
        and _tin_ok.get(billing.tin) is True
        and _state_ok.get(address.state) is True
        and _zip_ok.get(address.zip) is True
        and (claim.rendering is None or not _blank(claim.rendering.npi))
        and (claim.referring is None or not _blank(claim.referring.npi))
        and 0 < len(dx) <= MAX_DIAGNOSES
        and all(dx)
    )


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for every required field that is missing or malformed."""
    if not _looks_complete(ctx):
        _claim_fields(ctx, out)
    if not _lines_look_complete(ctx):
        _lines(ctx, out)


def _claim_fields(ctx: ClaimContext, out: list) -> None:
    claim, report = ctx.claim, _report
    patient, insured, billing = claim.patient, claim.insured, claim.billing
    if _blank(patient.first_name) or _blank(patient.last_name):
        report(ctx, out, "patient-name")
    birth, first = patient.birth_date, ctx.first_day
    if not isinstance(birth, date):
        report(ctx, out, "birth-date")
    elif first is not None and birth > first:
        report(ctx, out, "born-later", birth=birth.isoformat(), day=first.isoformat())
    if patient.sex not in _SEXES:
        report(ctx, out, "sex" if patient.sex else "no-sex", sex=patient.sex)
    if _blank(insured.member_id):
        report(ctx, out, "member-id")
    if _blank(insured.last_name):
        report(ctx, out, "insured-name")
    if insured.relationship not in RELATIONSHIPS:
        report(ctx, out, "relationship", rel=insured.relationship)
    if _blank(claim.payer.payer_id):
        report(ctx, out, "payer-id")
    if _blank(billing.npi):
        report(ctx, out, "billing-npi")
    if not _valid(_tin_ok, billing.tin, _tin_shape):
        report(ctx, out, "tin" if billing.tin else "no-tin", tin=billing.tin)
    problem = _address_problem(billing.address)
    if problem:
        report(ctx, out, "address", problem=problem)
    if claim.rendering is not None and _blank(claim.rendering.npi):
        report(ctx, out, "rendering-npi", box="24J.1")
    if claim.referring is not None and _blank(claim.referring.npi):
        report(ctx, out, "referring-npi")
    dx = ctx.dx
    if not dx or not dx[0]:
        report(ctx, out, "no-diagnosis")
    if len(dx) > MAX_DIAGNOSES:
        report(ctx, out, "too-many-dx", n=len(dx))
    for k, code in enumerate(dx[1:MAX_DIAGNOSES], start=1):
        if not code:
            report(ctx, out, "blank-dx", box=diagnosis_box(k))


def _lines_look_complete(ctx: ClaimContext) -> bool:
    """The fast path for the lines: one date, no 'to' date, no scrub date, all filled."""
    n = len(ctx.lines)
    if not 0 < n <= MAX_LINES or ctx.on is not None or not ctx.one_day:
        return False
    try:
        return (
            not any(ctx.days_to)
            and all(ctx.codes)
            and all_true(_pos_ok, ctx.pos)
            and all_true(_whole, ctx.units)
            and min(ctx.charges) > 0
        )
    except TypeError:
        return False


def _lines(ctx: ClaimContext, out: list) -> None:
    report, on, codes, pos_ok = _report, ctx.on, ctx.codes, _pos_ok
    if not ctx.lines:
        report(ctx, out, "no-lines")
    elif len(ctx.lines) > MAX_LINES:
        report(ctx, out, "too-many-lines", n=len(ctx.lines))
    for i, ln in enumerate(ctx.lines):
        day, end = ln.service_date, ln.service_date_to
        if not isinstance(day, date):
            report(ctx, out, "date", line=i)
        elif end is not None or on is not None:
            if end is not None and (not isinstance(end, date) or end < day):
                report(ctx, out, "date-order", line=i)
            last = end if isinstance(end, date) and end > day else day
            if on is not None and last > on:
                report(ctx, out, "future", line=i, day=last.isoformat(), on=on.isoformat())
        pos = ln.pos
        if not (pos_ok[pos] if pos in pos_ok else _valid(pos_ok, pos, _pos_assigned)):
            report(ctx, out, "pos" if pos else "no-pos", line=i, pos=pos)
        if not codes[i]:
            report(ctx, out, "code", line=i)
        units = ln.units
        if units.__class__ is not int or units < 1:
            report(ctx, out, "units", line=i, units=units)
        else:
            remember(_whole, units, True)
        try:
            positive = ln.charge > 0
        except TypeError:
            positive = False
        if not positive:
            report(ctx, out, "charge", line=i, charge=ln.charge)
