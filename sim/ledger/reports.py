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


def _rows_sql(by: str, basis: str) -> str:
    """SQL giving (who, age in days, cents) for every open balance."""
    start = {"submitted": "submitted", "service": "service_date"}.get(basis)
    if start is None:
        raise LedgerError(f"aging: basis must be submitted or service, not {basis!r}")
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


def aging(ledger: Ledger, as_of: date, by: str = "payer", basis: str = "submitted") -> pd.DataFrame:
    """Open A/R in the buckets 0-30, 31-60, 61-90, 91-120, 120+ days, a row per payer
    (with a row for balances transferred to patients) or per patient account, and a
    total column. Amounts are dollars (float, to the cent)."""
    sql = f"SELECT who, {_BUCKET_SQL} AS b, sum(amt) FROM ({_rows_sql(by, basis)}) GROUP BY who, b"
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


def aging_chart(ledger: Ledger, as_of: date, by: str = "payer", basis: str = "submitted") -> Any:
    """A stacked bar chart of the aging: a bar per bucket, stacked by payer (the eight
    largest; the rest as "other") or by patient. Returns a matplotlib Figure."""
    import matplotlib.pyplot as plt

    frame = aging(ledger, as_of, by=by, basis=basis).drop(columns="total")
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
