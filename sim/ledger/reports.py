"""A/R reports of the ledger: aging by payer or patient, days in A/R, the aging chart.

Ages are counted in days from the claim's first submission (``basis="submitted"``, the
usual claim-date aging of billing offices) or from the date of service
(``basis="service"``); a patient balance ages from the day it was transferred to the
patient. Balances are the ledger's current balances, aged as of ``as_of``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.ledger._schema import LedgerError

if TYPE_CHECKING:
    from sim.ledger.core import Ledger

BUCKETS = ("0-30", "31-60", "61-90", "91-120", "120+")
PATIENT_ROW = "Patient responsibility"
_BUCKET_SQL = (
    "CASE WHEN age <= 30 THEN 0 WHEN age <= 60 THEN 1 WHEN age <= 90 THEN 2 "
    "WHEN age <= 120 THEN 3 ELSE 4 END"
)


def bucket_of(age_days: int) -> str:
    """The aging bucket of an age in days (a negative age counts as current)."""
    for limit, name in zip((30, 60, 90, 120), BUCKETS, strict=False):
        if age_days <= limit:
            return name
    return BUCKETS[-1]


# Each claim's three balances from the journal, counting only entries dated on or before
# :as_of (the rules of ``core._apply``: buckets 1 primary, 2 secondary, 0 patient), and
# the day its patient balance began. Used for a historical aging ("as it stood that day").
_AS_OF_CLAIMS = """(SELECT c.id, c.account, c.payer_name, c.secondary_payer, c.submitted,
  c.service_date, b.ins AS ins_balance, b.sec AS sec_balance, b.pat AS pat_balance,
  b.since AS patient_since
 FROM claims c JOIN (
  SELECT claim_id,
   sum(CASE WHEN kind = 'charge' THEN amount
        WHEN bucket = 1 AND kind IN ('payment', 'contractual', 'write_off', 'transfer_patient',
                                     'transfer_secondary') THEN -amount ELSE 0 END) AS ins,
   sum(CASE WHEN kind = 'transfer_secondary' THEN amount
        WHEN bucket = 2 AND kind IN ('payment', 'contractual', 'write_off', 'transfer_patient')
        THEN -amount ELSE 0 END) AS sec,
   sum(CASE WHEN kind IN ('transfer_patient', 'refund') THEN amount
        WHEN kind = 'patient_payment' THEN -amount
        WHEN bucket = 0 AND kind IN ('payment', 'contractual', 'write_off') THEN -amount
        ELSE 0 END) AS pat,
   min(CASE WHEN kind = 'transfer_patient' THEN date END) AS since
  FROM entries WHERE claim_id IS NOT NULL AND date <= :as_of GROUP BY claim_id
 ) b ON b.claim_id = c.id)"""


def _rows_sql(by: str, basis: str, historical: bool = False) -> str:
    """SQL giving (who, age in days, cents) for every open balance: the current balances,
    or (``historical``) the balances as they stood on ``as_of``."""
    start = {"submitted": "submitted", "service": "service_date"}.get(basis)
    if start is None:
        raise LedgerError(f"aging: basis must be submitted or service, not {basis!r}")
    if historical:
        return (
            _rows_sql(by, basis)
            .replace(" claims ", f" {_AS_OF_CLAIMS} AS claims ")
            .replace("FROM claims c JOIN", f"FROM {_AS_OF_CLAIMS} c JOIN")
        )
    age = "CAST(julianday(:as_of) - julianday({col}) AS INTEGER)"
    since = "coalesce(patient_since, " + start + ")"
    if by == "payer":
        return (
            f"SELECT payer_name AS who, {age.format(col=start)} AS age, ins_balance AS amt "
            "FROM claims WHERE ins_balance != 0 "
            f"UNION ALL SELECT coalesce(secondary_payer, 'secondary payer'), "
            f"{age.format(col=start)}, sec_balance FROM claims WHERE sec_balance != 0 "
            f"UNION ALL SELECT '{PATIENT_ROW}', {age.format(col=since)}, "
            "pat_balance FROM claims WHERE pat_balance != 0"
        )
    if by == "patient":
        return (
            "SELECT c.account || ' ' || a.last_name || ', ' || a.first_name AS who, "
            f"{age.format(col='coalesce(c.patient_since, c.' + start + ')')} AS age, "
            "c.pat_balance AS amt FROM claims c JOIN accounts a ON a.account = c.account "
            "WHERE c.pat_balance != 0"
        )
    raise LedgerError(f"aging: by must be payer or patient, not {by!r}")


def aging(
    ledger: Ledger,
    as_of: date,
    by: str = "payer",
    basis: str = "submitted",
    historical: bool = False,
) -> pd.DataFrame:
    """Open A/R in the buckets 0-30, 31-60, 61-90, 91-120, 120+ days, a row per payer
    (with a row for balances transferred to patients) or per patient account, and a
    total column. Amounts are dollars (float, to the cent). ``historical``: the balances
    as they stood on ``as_of`` (only journal entries dated up to that day), for a month-end
    report of a ledger that has moved on; otherwise today's balances aged to ``as_of``."""
    rows_sql = _rows_sql(by, basis, historical)
    sql = f"SELECT who, {_BUCKET_SQL} AS b, sum(amt) FROM ({rows_sql}) GROUP BY who, b"
    rows = ledger.conn.execute(sql, {"as_of": as_of.isoformat()}).fetchall()
    index_name = "payer" if by == "payer" else "account"
    table: dict[str, list[int]] = {}
    for who, b, cents in rows:
        table.setdefault(who, [0] * len(BUCKETS))[b] += cents
    frame = pd.DataFrame.from_dict(table, orient="index", columns=list(BUCKETS))
    if frame.empty:
        frame = pd.DataFrame(columns=list(BUCKETS), dtype="int64")
    frame = frame.sort_index()
    if by == "payer" and PATIENT_ROW in frame.index:  # patients last, after the payers
        frame = pd.concat([frame.drop(PATIENT_ROW), frame.loc[[PATIENT_ROW]]])
    frame["total"] = frame.sum(axis=1)
    frame = (frame / 100).round(2)
    frame.index.name = index_name
    return frame


def days_in_ar(ledger: Ledger, as_of: date) -> float | None:
    """Days in A/R: total A/R ÷ average daily charges over the 90 days up to ``as_of``
    (charges by date of service). None when nothing was charged in those 90 days."""
    since = (as_of - timedelta(days=90)).isoformat()
    charged, ar = ledger.conn.execute(
        "SELECT coalesce(sum(CASE WHEN service_date > ? AND service_date <= ? THEN charge END),"
        " 0), coalesce(sum(ins_balance + sec_balance + pat_balance), 0) FROM claims "
        "WHERE submitted <= ?",
        (since, as_of.isoformat(), as_of.isoformat()),
    ).fetchone()
    if not charged:
        return None
    return round(ar / (charged / 90), 1)


def aging_chart(
    ledger: Ledger,
    as_of: date,
    by: str = "payer",
    basis: str = "submitted",
    historical: bool = False,
) -> Any:
    """A stacked bar chart of the aging: a bar per bucket, stacked by payer (the eight
    largest; the rest as "other") or by patient. Returns a matplotlib Figure."""
    import matplotlib.pyplot as plt

    frame = aging(ledger, as_of, by=by, basis=basis, historical=historical).drop(columns="total")
    if len(frame) > 8:
        top = frame.sum(axis=1).sort_values(ascending=False).index[:8]
        other = frame.drop(index=top).sum().rename("other")
        frame = pd.concat([frame.loc[top], other.to_frame().T])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    bottom = [0.0] * len(BUCKETS)
    for who, row in frame.iterrows():
        values = [float(v) for v in row]
        ax.bar(BUCKETS, values, bottom=bottom, label=str(who))
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xlabel("days since " + ("first submission" if basis == "submitted" else "service"))
    ax.set_ylabel("open balance ($)")
    ax.set_title(f"A/R aging by {by} as of {as_of.isoformat()}")
    if len(frame):
        ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    plt.close(fig)  # the caller displays it (a notebook shows a returned Figure)
    return fig
