"""The practice ledger (SQLite): claims, the journal, ERA posting, A/R aging, statements.

>>> from sim.ledger import Ledger
>>> led = Ledger(":memory:")          # or a file path: created when missing
>>> # led.record_claims(claims, submitted=date(2026, 1, 6))
>>> # report = led.post(remittance)   # one ERA, one transaction
>>> # led.aging(date(2026, 3, 31)); led.statement("A000123", date(2026, 3, 31))

``core`` holds the accounting model and posting rules, ``reports`` the aging and days in
A/R, ``statement`` patient statements and payment plans, ``_schema`` the SQLite schema
and its upgrade path.
"""

from sim.ledger._schema import SCHEMA_VERSION, LedgerError
from sim.ledger.core import AlreadyPosted, Ledger, PostingReport, SuspenseItem
from sim.ledger.reports import BUCKETS
from sim.ledger.statement import PaymentPlan, Statement, StatementLine

__all__ = [
    "BUCKETS",
    "SCHEMA_VERSION",
    "AlreadyPosted",
    "Ledger",
    "LedgerError",
    "PaymentPlan",
    "PostingReport",
    "Statement",
    "StatementLine",
    "SuspenseItem",
]
