"""Patient statements and payment plans.

A statement shows, per visit with money still open, what was charged, what insurance
paid and adjusted, what is still pending with insurance, what the patient paid and what
the patient owes now (the balance after insurance). Collections status follows the age
of the oldest unpaid patient balance and the number of statements already sent:
current (0-30 days), past due 30 / 60 / 90, and "sent to collections" once
:data:`COLLECTIONS_AFTER` statements went out for a balance more than 90 days old.
An account on a payment plan that is up to date is "on payment plan".
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.ledger._schema import LedgerError
from sim.ledger.core import cents, dollars
from sim.ledger.reports import BUCKETS, bucket_of

if TYPE_CHECKING:
    from sim.ledger.core import Ledger

COLLECTIONS_AFTER = 4  # statements sent (this one included) before collections


@dataclass(frozen=True)
class StatementLine:
    """One visit (claim) on a statement."""

    claim_id: str
    service_date: date
    services: str  # CPT/HCPCS codes billed
    charges: Decimal
    insurance_paid: Decimal
    adjustments: Decimal  # contractual adjustments and write-offs
    pending_insurance: Decimal  # still with the primary or secondary payer
    patient_paid: Decimal
    you_owe: Decimal


@dataclass(frozen=True)
class PaymentPlan:
    """A monthly payment plan for an account's balance."""

    id: int
    account: str
    created: date
    total: Decimal
    monthly: Decimal
    schedule: tuple[tuple[date, Decimal], ...]  # (due date, amount)
    paid: Decimal  # patient payments since the plan was created
    status: str

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.paid, Decimal("0.00"))

    def due_by(self, day: date) -> Decimal:
        """What the plan expects paid by ``day``."""
        return sum((amt for due, amt in self.schedule if due <= day), Decimal("0.00"))

    def next_due(self, day: date) -> tuple[date, Decimal] | None:
        """The first installment not yet covered by payments, as of ``day``."""
        covered = self.paid
        for due, amt in self.schedule:
            if covered >= amt:
                covered -= amt
                continue
            return due, amt - covered
        return None


@dataclass(frozen=True)
class Statement:
    """A patient statement (DESIGN glossary ``Statement``)."""

    account: str
    patient_name: str
    address: str
    as_of: date
    practice: dict[str, str]
    lines: tuple[StatementLine, ...]
    balance: Decimal  # what the patient owes after insurance (negative: a credit)
    credit: Decimal  # unapplied patient payments on the account
    pending_insurance: Decimal
    aging: dict[str, Decimal]  # the patient balance by age bucket
    status: str  # current, past due 30/60/90, on payment plan, sent to collections...
    number: int  # how many statements this account has been sent, this one included
    plan: PaymentPlan | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def amount_due(self) -> Decimal:
        """What to pay now: the plan's installment, or the whole balance."""
        if self.balance <= 0:
            return Decimal("0.00")
        if self.plan and self.status == "on payment plan":
            nxt = self.plan.next_due(self.as_of)
            return min(nxt[1], self.balance) if nxt else Decimal("0.00")
        return self.balance

    def to_html(self) -> str:
        """The statement as an HTML fragment."""
        e = html.escape
        rows = "".join(
            "<tr>"
            f"<td>{ln.service_date.isoformat()}</td><td>{e(ln.services)}</td>"
            + "".join(
                f"<td style='text-align:right'>${v:,}</td>"
                for v in (
                    ln.charges,
                    ln.insurance_paid,
                    ln.adjustments,
                    ln.pending_insurance,
                    ln.patient_paid,
                    ln.you_owe,
                )
            )
            + "</tr>"
            for ln in self.lines
        )
        aging = "".join(f"<td>{b}: ${self.aging[b]:,}</td>" for b in BUCKETS)
        plan = ""
        if self.plan:
            nxt = self.plan.next_due(self.as_of)
            plan = (
                f"<p>Payment plan: ${self.plan.monthly:,} a month; ${self.plan.remaining:,} "
                "remaining"
                + (f"; next ${nxt[1]:,} due {nxt[0].isoformat()}" if nxt else "")
                + "</p>"
            )
        credit = f"<p>Credit on your account: ${self.credit:,}</p>" if self.credit else ""
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes)
        return (
            "<div style='font-family:sans-serif;max-width:820px'>"
            f"<h3>{e(self.practice.get('practice_name', 'Statement'))}</h3>"
            f"<div>{e(self.practice.get('practice_address', ''))} "
            f"{e(self.practice.get('practice_phone', ''))}</div>"
            f"<p><b>Statement for {e(self.patient_name)}</b>, account {e(self.account)}<br>"
            f"{e(self.address)}<br>Statement date {self.as_of.isoformat()} "
            f"(statement {self.number})</p>"
            "<table style='border-collapse:collapse;font-size:90%'><thead><tr>"
            "<th>date</th><th>services</th><th>charges</th><th>insurance paid</th>"
            "<th>adjustments</th><th>pending insurance</th><th>you paid</th><th>you owe</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
            f"<p><b>Balance after insurance: ${self.balance:,}</b> — amount due now "
            f"<b>${self.amount_due:,}</b> — status: {e(self.status)}</p>"
            f"<table><tr>{aging}</tr></table>{credit}{plan}{notes}</div>"
        )

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_pdf(self, path: str | Path) -> Path:
        """Write the statement as a PDF (reportlab)."""
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import letter
        from reportlab.lib.styles import getSampleStyleSheet
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

        out = Path(path)
        styles = getSampleStyleSheet()
        e = html.escape
        story: list[Any] = [
            Paragraph(e(self.practice.get("practice_name", "Statement")), styles["Title"]),
            Paragraph(
                e(
                    f"{self.practice.get('practice_address', '')} "
                    f"{self.practice.get('practice_phone', '')}"
                ),
                styles["Normal"],
            ),
            Spacer(1, 12),
            Paragraph(
                e(f"Statement for {self.patient_name}, account {self.account}"), styles["Heading3"]
            ),
            Paragraph(e(self.address), styles["Normal"]),
            Paragraph(
                e(f"Statement date {self.as_of.isoformat()} (statement {self.number})"),
                styles["Normal"],
            ),
            Spacer(1, 12),
        ]
        head = ["Date", "Services", "Charges", "Ins. paid", "Adjusted", "Pending ins.", "You paid"]
        data: list[list[str]] = [[*head, "You owe"]]
        for ln in self.lines:
            data.append(
                [ln.service_date.isoformat(), ln.services]
                + [
                    f"${v:,}"
                    for v in (
                        ln.charges,
                        ln.insurance_paid,
                        ln.adjustments,
                        ln.pending_insurance,
                        ln.patient_paid,
                        ln.you_owe,
                    )
                ]
            )
        table = Table(data, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTSIZE", (0, 0), (-1, -1), 8),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ]
            )
        )
        story += [table, Spacer(1, 12)]
        story.append(
            Paragraph(
                e(
                    f"Balance after insurance: ${self.balance:,}. Amount due now: "
                    f"${self.amount_due:,}. Status: {self.status}."
                ),
                styles["Heading4"],
            )
        )
        story.append(
            Paragraph(
                e(
                    "Age of your balance: "
                    + ", ".join(f"{b} days ${self.aging[b]:,}" for b in BUCKETS)
                ),
                styles["Normal"],
            )
        )
        for note in self.notes:
            story.append(Paragraph(e(note), styles["Normal"]))
        SimpleDocTemplate(str(out), pagesize=letter, title=f"Statement {self.account}").build(story)
        return out


# --- building a statement ----------------------------------------------------------------


def statement(ledger: Ledger, account: str, as_of: date, *, issue: bool = True) -> Statement:
    """The account's statement as of ``as_of``; ``issue`` records it as sent (this counts
    towards collections)."""
    conn = ledger.conn
    acct = conn.execute(
        "SELECT first_name, last_name, address, balance, collections FROM accounts "
        "WHERE account = ?",
        (account,),
    ).fetchone()
    if acct is None:
        raise LedgerError(f"account {account} is not on the ledger")
    first, last, address, balance, collections = acct
    lines, pending, aging = _lines_and_aging(ledger, account, as_of)
    credit = -_unapplied(ledger, account)
    plan = _active_plan(ledger, account)
    sent = conn.execute(
        "SELECT count(*) FROM statements WHERE account = ? AND balance > 0 AND date <= ?",
        (account, as_of.isoformat()),
    ).fetchone()[0]
    number = sent + (1 if issue else 0)
    oldest = max((b for b in BUCKETS if aging[b] > 0), key=BUCKETS.index, default=None)
    status = _collections_status(dollars(balance), oldest, number, plan, as_of, collections)
    practice = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    notes = _notes(status)
    st = Statement(
        account=account,
        patient_name=f"{first} {last}",
        address=address,
        as_of=as_of,
        practice=practice,
        lines=tuple(lines),
        balance=dollars(balance),
        credit=dollars(credit),
        pending_insurance=pending,
        aging=aging,
        status=status,
        number=number,
        plan=plan,
        notes=notes,
    )
    if issue:
        with ledger.transaction() as c:
            c.execute(
                "INSERT INTO statements (account, date, balance, status) VALUES (?,?,?,?)",
                (account, as_of.isoformat(), balance, status),
            )
            if status == "sent to collections" and not collections:
                c.execute(
                    "UPDATE accounts SET collections = ? WHERE account = ?",
                    (as_of.isoformat(), account),
                )
    return st


def _lines_and_aging(
    ledger: Ledger, account: str, as_of: date
) -> tuple[list[StatementLine], Decimal, dict[str, Decimal]]:
    """A statement line per claim with money open, the insurance pending, and the patient
    balance by age bucket (from the day each balance became the patient's)."""
    rows = ledger.conn.execute(
        """
        SELECT c.id, c.service_date, c.charge, c.ins_balance + c.sec_balance, c.pat_balance,
          coalesce(c.patient_since, c.submitted),
          (SELECT group_concat(code, ' ') FROM claim_lines l WHERE l.claim_id = c.id),
          coalesce(sum(CASE WHEN e.kind = 'payment' THEN e.amount END), 0),
          coalesce(sum(CASE WHEN e.kind IN ('contractual', 'write_off') THEN e.amount END), 0),
          coalesce(sum(CASE WHEN e.kind = 'patient_payment' THEN e.amount
                            WHEN e.kind = 'refund' THEN -e.amount END), 0)
        FROM claims c LEFT JOIN entries e ON e.claim_id = c.id
        WHERE c.account = ? AND (c.pat_balance != 0 OR c.ins_balance + c.sec_balance != 0)
        GROUP BY c.id ORDER BY c.service_date, c.id
        """,
        (account,),
    ).fetchall()
    lines, pending = [], 0
    aging = {b: Decimal("0.00") for b in BUCKETS}
    for cid, sdate, charge, ins, pat, since, codes, paid, adj, ppaid in rows:
        pending += ins
        lines.append(
            StatementLine(
                cid,
                date.fromisoformat(sdate),
                codes or "",
                dollars(charge),
                dollars(paid),
                dollars(adj),
                dollars(ins),
                dollars(ppaid),
                dollars(pat),
            )
        )
        if pat > 0:
            aging[bucket_of((as_of - date.fromisoformat(since)).days)] += dollars(pat)
    return lines, dollars(pending), aging


def _unapplied(ledger: Ledger, account: str) -> int:
    """Cents of unapplied patient money on the account (negative: a credit)."""
    return int(
        ledger.conn.execute(
            "SELECT coalesce(sum(CASE kind WHEN 'refund' THEN amount ELSE -amount END), 0) "
            "FROM entries WHERE claim_id IS NULL AND account = ? AND kind IN "
            "('patient_payment', 'refund')",
            (account,),
        ).fetchone()[0]
    )


def _collections_status(
    balance: Decimal,
    oldest: str | None,
    number: int,
    plan: PaymentPlan | None,
    as_of: date,
    collections: str | None,
) -> str:
    """Collections status (rules in the module docstring)."""
    if balance < 0:
        return "credit balance"
    if balance == 0:
        return "no balance due"
    if collections:
        return "sent to collections"
    if plan is not None and plan.paid >= plan.due_by(as_of):
        return "on payment plan"
    if oldest in ("91-120", "120+") and number >= COLLECTIONS_AFTER:
        return "sent to collections"
    return {
        "0-30": "current",
        "31-60": "past due 30",
        "61-90": "past due 60",
    }.get(oldest or "0-30", "past due 90")


def _notes(status: str) -> tuple[str, ...]:
    return {
        "past due 30": ("Your balance is past due. Please pay or call us to set up a plan.",),
        "past due 60": ("Your balance is 60 days past due. Please call us.",),
        "past due 90": (
            "FINAL NOTICE: your balance is more than 90 days past due and will be sent to a "
            "collection agency unless paid or placed on a payment plan.",
        ),
        "sent to collections": ("This balance has been sent to a collection agency.",),
    }.get(status, ())


# --- payment plans ---------------------------------------------------------------------


def _add_month(day: date, n: int) -> date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _schedule(total: int, monthly: int, first_due: date) -> tuple[tuple[date, Decimal], ...]:
    out, left, n = [], total, 0
    while left > 0:
        amt = min(monthly, left)
        out.append((_add_month(first_due, n), dollars(amt)))
        left, n = left - amt, n + 1
    return tuple(out)


def create_payment_plan(
    ledger: Ledger, account: str, monthly: Decimal | str | int, first_due: date
) -> PaymentPlan:
    """Put the account's current patient balance on a monthly plan (one active plan per
    account: a new plan replaces the old one)."""
    amt = cents(monthly)
    row = ledger.conn.execute(
        "SELECT balance FROM accounts WHERE account = ?", (account,)
    ).fetchone()
    if row is None:
        raise LedgerError(f"account {account} is not on the ledger")
    if row[0] <= 0:
        raise LedgerError(f"account {account}: no balance to put on a payment plan")
    if amt <= 0:
        raise LedgerError(f"account {account}: the monthly amount must be positive, not {monthly}")
    with ledger.transaction() as c:
        c.execute(
            "UPDATE payment_plans SET status = 'replaced' WHERE account = ? AND status = 'active'",
            (account,),
        )
        c.execute(
            "INSERT INTO payment_plans (account, created, total, monthly, first_due, status) "
            "VALUES (?,?,?,?,?, 'active')",
            (account, first_due.isoformat(), row[0], amt, first_due.isoformat()),
        )
    plan = _active_plan(ledger, account)
    assert plan is not None
    return plan


def _active_plan(ledger: Ledger, account: str) -> PaymentPlan | None:
    row = ledger.conn.execute(
        "SELECT id, created, total, monthly, first_due, status FROM payment_plans "
        "WHERE account = ? AND status = 'active' ORDER BY id DESC LIMIT 1",
        (account,),
    ).fetchone()
    if row is None:
        return None
    pid, created, total, monthly, first_due, status = row
    paid = ledger.conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM entries WHERE account = ? AND kind = "
        "'patient_payment' AND date >= ?",
        (account, created),
    ).fetchone()[0]
    return PaymentPlan(
        pid,
        account,
        date.fromisoformat(created),
        dollars(total),
        dollars(monthly),
        _schedule(total, monthly, date.fromisoformat(first_due)),
        dollars(paid),
        status,
    )
