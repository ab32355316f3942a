"""``rcmlab x12 validate FILE...`` and ``rcmlab x12 show FILE [--json]``.

``validate`` prints pyx12's verdict on each file in plain words (segment position,
segment id, loop, message) and exits 0 when every file is valid, 1 when any file has
findings, 2 when a file cannot be read as X12 at all (one line on stderr naming the file
and the position). ``show`` reads an 837P into rcmlab's :class:`~sim.claims.Claim` model
and prints each claim (CLM) readably, or an 835 into the :class:`~sim.remittance.Remittance`
model and prints each payment with an EOB table per claim; ``--json`` prints the model as
JSON (amounts as strings, dates ISO).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

_RELATIONSHIPS = {"18": "self", "01": "spouse", "19": "child", "G8": "other"}
_RESPONSIBILITY = {"P": "primary", "S": "secondary", "T": "tertiary"}
_FREQUENCY = {"1": "original", "7": "replacement", "8": "void"}


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate each file with pyx12; print the reports. Returns 0 (all valid) or 1."""
    from rcmlab.cli import InputError
    from sim.x12.validate import validate

    status = 0
    unreadable: list[str] = []
    for name in args.files:
        path = Path(name)
        try:
            report = validate(path, name=name)
        except OSError as exc:
            unreadable.append(f"{name}: cannot read the file ({exc.strerror or exc})")
            continue
        if not report.readable:
            unreadable.append(f"{name}: {report.findings[0]}")
            continue
        print(report.text())
        if not report.ok:
            status = 1
    if unreadable:
        raise InputError("; ".join(unreadable))
    return status


def _money(d: Decimal) -> str:
    return f"${d:,.2f}"


def _name(last: str, first: str) -> str:
    return f"{last}, {first}".strip(", ") or "(no name)"


def _addr(a: Any) -> str:
    return a.one_line() if a is not None and a.line1 else "(no address)"


def _claim_text(c: Any) -> str:
    letters = "ABCDEFGHIJKL"
    p, i, pay, b = c.patient, c.insured, c.payer, c.billing
    where = c.extra.get("x12_position")
    head = f"Claim {c.id}" + (f"  (CLM at segment {where})" if where else "")
    freq = _FREQUENCY.get(c.frequency, c.frequency)
    head += f"  frequency {c.frequency} {freq}  place of service {c.place_of_service}"
    if c.original_reference:
        head += f"  replaces payer claim {c.original_reference}"
    dob = p.birth_date.isoformat() if isinstance(p.birth_date, date) else "?"
    out = [
        head,
        f"  Patient    {_name(p.last_name, p.first_name)}  {p.sex or '?'}  born {dob}  "
        f"{_addr(p.address)}" + (f"  (record {p.id})" if p.id else ""),
        f"  Insured    {_name(i.last_name, i.first_name)}  member {i.member_id or '?'}"
        + (f"  group {i.group_number}" if i.group_number else "")
        + (f"  plan {i.plan_name}" if i.plan_name else "")
        + f"  patient is {_RELATIONSHIPS.get(i.relationship, i.relationship or '?')}",
        f"  Payer      {pay.name or '?'} (payer id {pay.payer_id or '?'})  "
        f"{_RESPONSIBILITY.get(pay.responsibility, pay.responsibility)}, "
        f"filing indicator {pay.filing_indicator or '?'}",
        f"  Billing    {b.name or '?'}  NPI {b.npi or '?'}  TIN {b.tin or '?'}  {_addr(b.address)}",
    ]
    if c.rendering:
        r = c.rendering
        out.append(f"  Rendering  {r.first_name} {r.last_name}  NPI {r.npi}  taxonomy {r.taxonomy}")
    if c.referring:
        r = c.referring
        out.append(f"  Referring  {r.first_name} {r.last_name}  NPI {r.npi} ({r.qualifier})")
    if c.facility:
        out.append(f"  Facility   {c.facility.name}  {_addr(c.facility.address)}")
    if c.other_coverage:
        o = c.other_coverage
        out.append(
            f"  Other plan {o.payer_name} ({o.payer_id}) member {o.member_id}, "
            f"{_RESPONSIBILITY.get(o.responsibility, o.responsibility)}"
        )
    extras = [
        f"prior auth {c.prior_auth}" if c.prior_auth else "",
        f"referral {c.referral_number}" if c.referral_number else "",
        f"onset {c.onset_date.isoformat()}" if c.onset_date else "",
        f"accident {c.accident}" + (f" ({c.accident_state})" if c.accident_state else "")
        if c.accident
        else "",
        f"patient paid {_money(c.amount_paid)}" if c.amount_paid else "",
    ]
    if any(extras):
        out.append("  Also       " + "; ".join(e for e in extras if e))
    dx = "  ".join(f"{letters[n]} {code}" for n, code in enumerate(c.diagnoses[:12]))
    out.append(f"  Diagnoses  {dx or '(none)'}")
    out.append("  Lines")
    for ln in c.lines:
        ptr = "".join(letters[p - 1] if 1 <= p <= 12 else "?" for p in ln.dx_pointers)
        mods = " ".join(ln.modifiers)
        when = ln.service_date.isoformat()
        if ln.service_date_to:
            when += f" to {ln.service_date_to.isoformat()}"
        line = (
            f"    {ln.number:>2}  {when}  POS {ln.pos}  {ln.code:<5} {mods:<11} "
            f"dx {ptr:<4} {ln.units:>3} unit{'s' if ln.units != 1 else ' '} "
            f"{_money(ln.charge):>11}"
        )
        if ln.ndc:
            line += f"  NDC {ln.ndc} {ln.ndc_units or ''}".rstrip()
        out.append(line)
    out.append(f"  Total      {_money(c.total_charge)}")
    return "\n".join(out)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def cmd_show(args: argparse.Namespace) -> int:
    """Read an 837P (Claim model) or an 835 (Remittance model) and print it (readable, or
    JSON with --json)."""
    from rcmlab.cli import InputError
    from sim.x12.errors import X12Error
    from sim.x12.p835 import read_835, transaction_kind
    from sim.x12.p837 import read_837p
    from sim.x12.validate import read_source

    try:
        _, text = read_source(Path(args.file))
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read the file ({exc.strerror or exc})") from None
    try:
        if transaction_kind(text) == "835":
            return _show_835(args, read_835(text))
        claims = read_837p(text)
    except X12Error as exc:
        raise InputError(f"{args.file}: {exc}") from None
    if args.json:
        rows = []
        for c in claims:
            d = asdict(c)
            d["total_charge"] = c.total_charge
            rows.append(d)
        print(json.dumps(rows, indent=2, default=_jsonable, ensure_ascii=False))
        return 0
    print(f"{args.file}: {len(claims)} claim{'' if len(claims) == 1 else 's'}")
    for c in claims:
        print()
        print(_claim_text(c))
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``x12 validate`` and ``x12 show`` to an argparse subparsers object."""
    x12 = subparsers.add_parser(
        "x12", help="validate X12 files (pyx12) and show 837P claims or 835 remittances"
    )
    xsub = x12.add_subparsers(dest="x12_command", metavar="ACTION")
    va = xsub.add_parser(
        "validate",
        help="HIPAA X12 validation report (pyx12); exit 1 when a file has findings",
    )
    va.add_argument("files", nargs="+", metavar="FILE")
    va.set_defaults(func=cmd_validate)
    sh = xsub.add_parser("show", help="an 837P or 835 read into rcmlab's claim or remittance model")
    sh.add_argument("file", metavar="FILE")
    sh.add_argument("--json", action="store_true", help="print JSON instead of text")
    sh.set_defaults(func=cmd_show)
    x12.set_defaults(func=lambda a: (x12.print_help(), 2)[1])
    return x12


# --- 835: payments and EOBs -----------------------------------------------------------


def _reason(code: str) -> str:
    """A CARC in plain words (rcmlab's own wording), or a note that we do not know it."""
    from codesets import adjustments

    carc = adjustments.carc(code)
    return carc.description if carc is not None else "(reason code not in rcmlab's CARC list)"


def _remark(code: str) -> str:
    from codesets import adjustments

    rarc = adjustments.rarc(code)
    return rarc.description if rarc is not None else "(remark code not in rcmlab's RARC list)"


def _adjustment_lines(adjs: Any, indent: str) -> list[str]:
    return [
        f"{indent}{a.code:<8} {_money(a.amount):>11}  {_reason(a.carc)}"
        + (f" [quantity {a.quantity}]" if a.quantity is not None else "")
        for a in adjs
    ]


def _eob_text(c: Any) -> str:
    """One claim payment as an EOB: a row per line, then the claim's totals."""
    from sim.x12.p835 import CLP06_CODES

    p = c.patient
    head = (
        f"  Claim {c.patient_control_number}  payer claim {c.payer_claim_number}  "
        f"{c.status_text} (CLP02 {c.status})"
    )
    out = [head]
    who = f"    Patient  {_name(p.last_name, p.first_name)}"
    if p.member_id:
        who += f"  member {p.member_id}"
    if c.insured is not None:
        who += f"  insured {_name(c.insured.last_name, c.insured.first_name)}"
    plan = CLP06_CODES.get(c.filing_indicator, c.filing_indicator)
    out.append(who + f"  plan type {c.filing_indicator} ({plan})")
    when = []
    if c.service_start:
        end = c.service_end or c.service_start
        when.append(f"service {c.service_start.isoformat()} to {end.isoformat()}")
    if c.received:
        when.append(f"received {c.received.isoformat()}")
    if c.rendering_npi:
        when.append(f"rendering NPI {c.rendering_npi}")
    if c.crossover_payer:
        when.append(f"forwarded to {c.crossover_payer}")
    if when:
        out.append("    " + "; ".join(when))
    if c.lines:
        out.append(
            f"    {'date':<10}  {'service':<18} {'billed':>11} {'allowed':>11} {'paid':>11} "
            f"{'patient owes':>12}"
        )
    for ln in c.lines:
        svc = ln.code + ("-" + "-".join(ln.modifiers) if ln.modifiers else "") + f" x{ln.units}"
        allowed = _money(ln.allowed) if ln.allowed is not None else ""
        day = ln.service_date.isoformat() if ln.service_date else ""
        out.append(
            f"    {day:<10}  {svc:<18} {_money(ln.charge):>11} {allowed:>11} "
            f"{_money(ln.paid):>11} {_money(ln.patient_responsibility):>12}"
        )
        if ln.submitted_code:
            out.append(f"        billed as {ln.submitted_code}, paid as {ln.code}")
        out += _adjustment_lines(ln.adjustments, "        ")
        out += [f"        remark {r}: {_remark(r)}" for r in ln.remarks]
    if c.adjustments:
        out.append("    Claim adjustments")
        out += _adjustment_lines(c.adjustments, "        ")
    out += [f"    Claim remark {r}: {_remark(r)}" for r in c.remarks]
    out.append(
        f"    Claim total  billed {_money(c.charge)}  paid {_money(c.paid)}  "
        f"patient owes {_money(c.patient_responsibility)}"
        + (f"  interest {_money(c.interest)}" if c.interest is not None else "")
    )
    for problem in c.balance_problems():
        out.append(f"    DOES NOT BALANCE: {problem}")
    return "\n".join(out)


def _payment_text(r: Any) -> str:
    from sim.remittance import PLB_REASONS

    how = {"ACH": "EFT (ACH)", "CHK": "check", "NON": "no payment (notice only)"}
    out = [
        f"Payment {r.trace_number}  {r.payer.name} (payer id {r.payer.identifier or '?'}) to "
        f"{r.payee.name} (NPI {r.payee.identifier or '?'})",
        f"  {_money(r.total_paid)} by {how.get(r.method, r.method)} on "
        f"{r.payment_date.isoformat()}  —  {len(r.claims)} claim{'' if len(r.claims) == 1 else 's'}"
        f", claims paid {_money(r.claims_paid)}",
    ]
    for c in r.claims:
        out.append("")
        out.append(_eob_text(c))
    if r.provider_adjustments:
        out.append("")
        out.append("  Provider-level adjustments (PLB; positive = taken from this payment)")
        for p in r.provider_adjustments:
            what = PLB_REASONS.get(p.reason, "provider adjustment")
            ref = f" ref {p.reference}" if p.reference else ""
            out.append(f"    {p.reason:<3} {_money(p.amount):>11}{ref}  {what}")
    for problem in (p for p in r.balance_problems() if p.startswith("payment")):
        out.append(f"  DOES NOT BALANCE: {problem}")
    return "\n".join(out)


def _remittance_json(r: Any) -> dict[str, Any]:
    d = asdict(r)
    d["extra"] = {k: v for k, v in r.extra.items() if isinstance(v, (str, int, list, tuple))}
    d["balance_problems"] = r.balance_problems()
    return d


def _show_835(args: argparse.Namespace, remittances: list[Any]) -> int:
    """Print the payments of an 835 (readable EOBs, or JSON with --json)."""
    if args.json:
        rows = [_remittance_json(r) for r in remittances]
        print(json.dumps(rows, indent=2, default=_jsonable, ensure_ascii=False))
        return 0
    n = len(remittances)
    print(f"{args.file}: 835 remittance, {n} payment{'' if n == 1 else 's'}")
    for r in remittances:
        print()
        print(_payment_text(r))
    return 0
