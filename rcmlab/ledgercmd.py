"""``rcmlab ledger post|aging|statement``: the practice ledger from the command line.

``post FILE.835 [FILE...] --ledger DB`` posts each ERA (one transaction each) and prints
what it did; an ERA posted before, a broken X12 file or a file that is not an 835 stops
with one line on stderr (exit 2). ``aging`` prints the A/R aging table; ``statement``
prints a patient statement (or writes it as a PDF).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import Any


def _open(db: str, *, create: bool) -> Any:
    from rcmlab.cli import InputError
    from sim.ledger import Ledger, LedgerError

    if not create and not Path(db).exists():
        raise InputError(f"{db}: no such ledger (post an 835 to create it)")
    try:
        return Ledger(db)
    except LedgerError as exc:
        raise InputError(str(exc)) from None


def _read_835(name: str) -> list[Any]:
    """The remittances of an 835 file; InputError (one line) for anything else."""
    from rcmlab.cli import InputError
    from sim.x12.errors import X12Error, check_envelopes, segments
    from sim.x12.validate import read_source

    try:
        _, text = read_source(Path(name))
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    try:
        kinds = {env.set_id for env in check_envelopes(segments(text)[1])}
    except X12Error as exc:
        raise InputError(f"{name}: {exc}") from None
    if kinds != {"835"}:
        found = ", ".join(sorted(kinds))
        raise InputError(f"{name}: not an 835 remittance (transaction set {found})")
    try:
        from sim.x12.p835 import read_835
    except ImportError:
        raise InputError(f"{name}: this rcmlab cannot read 835 files (sim.x12.p835)") from None
    try:
        return list(read_835(text))
    except X12Error as exc:
        raise InputError(f"{name}: {exc}") from None


def cmd_post(args: argparse.Namespace) -> int:
    """Post every ERA of every file; print one line per ERA."""
    from rcmlab.cli import InputError
    from sim.ledger import LedgerError

    posted = date.fromisoformat(args.posted) if args.posted else None
    batches = [(name, _read_835(name)) for name in args.files]  # read all before posting
    with _open(args.ledger, create=True) as led:
        for name, remittances in batches:
            for r in remittances:
                try:
                    report = led.post(r, posted)
                except LedgerError as exc:
                    raise InputError(f"{name}: {exc}") from None
                print(f"{name}: {report.line()}")
    return 0


def _as_of(led: Any, text: str | None) -> date:
    """``--as-of`` or the latest date on the ledger (posting or submission)."""
    from rcmlab.cli import InputError

    if text:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InputError(f"--as-of {text!r} is not a date (YYYY-MM-DD)") from None
    row = led.conn.execute(
        "SELECT max(d) FROM (SELECT max(posted) AS d FROM remittances "
        "UNION ALL SELECT max(submitted) FROM claims UNION ALL SELECT max(date) FROM entries)"
    ).fetchone()
    return date.fromisoformat(row[0]) if row and row[0] else date.today()


def cmd_aging(args: argparse.Namespace) -> int:
    """Print the aging table with a total row, and days in A/R."""
    with _open(args.ledger, create=False) as led:
        as_of = _as_of(led, args.as_of)
        frame = led.aging(as_of, by=args.by, basis=args.basis)
        if len(frame):
            frame.loc["Total"] = frame.sum().round(2)
        basis = "first submission" if args.basis == "submitted" else "date of service"
        print(f"A/R aging by {args.by} as of {as_of.isoformat()} (days since {basis})")
        print(frame.to_string(float_format=lambda v: f"{v:,.2f}") if len(frame) else "no open A/R")
        dar = led.days_in_ar(as_of)
        print(f"days in A/R: {dar if dar is not None else 'n/a (no charges in 90 days)'}")
    return 0


def cmd_statement(args: argparse.Namespace) -> int:
    """Print a patient statement, or write it as a PDF with --pdf."""
    from rcmlab.cli import InputError
    from sim.ledger import LedgerError

    with _open(args.ledger, create=False) as led:
        as_of = _as_of(led, args.as_of)
        try:
            st = led.statement(args.account, as_of, issue=not args.preview)
        except LedgerError as exc:
            raise InputError(str(exc)) from None
        if args.pdf:
            print(f"wrote {st.to_pdf(args.pdf)}")
            return 0
        print(f"Statement {st.number} for {st.patient_name}, account {st.account}, {as_of}")
        for ln in st.lines:
            print(
                f"  {ln.service_date}  {ln.services:<24} charges ${ln.charges:>9,}  "
                f"insurance paid ${ln.insurance_paid:>9,}  adjusted ${ln.adjustments:>9,}  "
                f"pending ${ln.pending_insurance:>9,}  you owe ${ln.you_owe:>9,}"
            )
        print(f"Balance after insurance ${st.balance:,}; due now ${st.amount_due:,}; {st.status}")
    return 0


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``ledger post``, ``ledger aging`` and ``ledger statement``."""
    led = subparsers.add_parser("ledger", help="post ERAs (835) to a practice ledger, A/R aging")
    lsub = led.add_subparsers(dest="ledger_command", metavar="ACTION")
    po = lsub.add_parser("post", help="post 835 files to the ledger (creates it if missing)")
    po.add_argument("files", nargs="+", metavar="FILE.835")
    po.add_argument("--ledger", required=True, metavar="DB", help="the ledger (SQLite file)")
    po.add_argument("--posted", help="posting date, YYYY-MM-DD (default: the payment date)")
    po.set_defaults(func=cmd_post)
    ag = lsub.add_parser("aging", help="the A/R aging table")
    ag.add_argument("--ledger", required=True, metavar="DB")
    ag.add_argument("--by", choices=("payer", "patient"), default="payer")
    ag.add_argument("--basis", choices=("submitted", "service"), default="submitted",
                    help="age from first submission (default) or the date of service")  # fmt: skip
    ag.add_argument("--as-of", help="YYYY-MM-DD (default: the latest date on the ledger)")
    ag.set_defaults(func=cmd_aging)
    st = lsub.add_parser("statement", help="a patient statement (text, or PDF with --pdf)")
    st.add_argument("account")
    st.add_argument("--ledger", required=True, metavar="DB")
    st.add_argument("--as-of", help="YYYY-MM-DD (default: the latest date on the ledger)")
    st.add_argument("--pdf", metavar="OUT", help="write the statement as a PDF")
    st.add_argument("--preview", action="store_true", help="do not record it as sent")
    st.set_defaults(func=cmd_statement)
    led.set_defaults(func=lambda a: (led.print_help(), 2)[1])
    return led
