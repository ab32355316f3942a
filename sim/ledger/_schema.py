"""The ledger's SQLite schema, its version (``PRAGMA user_version``) and the upgrade path.

Money is stored as integer cents. Each schema version is a list of SQL statements that
upgrades a database from the version before it; :func:`open_db` applies the missing ones
in order, inside one transaction, so a database is never left half upgraded.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 1

# Version n: the statements that take a database from version n-1 to n.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        # Practice-level facts (name, address, phone for statements).
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # One account per patient; balance = what the patient owes (negative: a credit).
        """CREATE TABLE accounts (
            account TEXT PRIMARY KEY,
            patient_id TEXT NOT NULL,
            first_name TEXT NOT NULL,
            last_name TEXT NOT NULL,
            address TEXT NOT NULL,
            balance INTEGER NOT NULL DEFAULT 0,
            collections TEXT
        )""",
        # One row per claim submitted. Balances: with the primary payer (ins), pending at
        # the secondary payer (sec), transferred to the patient (pat).
        """CREATE TABLE claims (
            id TEXT PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(account),
            payer_id TEXT NOT NULL,
            payer_name TEXT NOT NULL,
            secondary_payer TEXT,
            service_date TEXT NOT NULL,
            submitted TEXT NOT NULL,
            frequency TEXT NOT NULL,
            original_ref TEXT,
            status TEXT NOT NULL,
            payer_icn TEXT,
            charge INTEGER NOT NULL,
            ins_balance INTEGER NOT NULL,
            sec_balance INTEGER NOT NULL DEFAULT 0,
            pat_balance INTEGER NOT NULL DEFAULT 0,
            patient_since TEXT
        )""",
        "CREATE INDEX claims_account ON claims(account)",
        # Every payer claim number (CLP07) a claim was paid under: PLB references use them.
        """CREATE TABLE claim_icns (
            icn TEXT NOT NULL,
            claim_id TEXT NOT NULL REFERENCES claims(id),
            PRIMARY KEY (icn, claim_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE claim_lines (
            claim_id TEXT NOT NULL REFERENCES claims(id),
            number INTEGER NOT NULL,
            control_number TEXT NOT NULL,
            service_date TEXT NOT NULL,
            code TEXT NOT NULL,
            modifiers TEXT NOT NULL,
            units INTEGER NOT NULL,
            charge INTEGER NOT NULL,
            PRIMARY KEY (claim_id, number)
        ) WITHOUT ROWID""",
        # Posted ERAs: one row per 835 payment (payer + TRN02 unique).
        """CREATE TABLE remittances (
            id INTEGER PRIMARY KEY,
            payer_id TEXT NOT NULL,
            payer_name TEXT NOT NULL,
            trace TEXT NOT NULL,
            payment_date TEXT NOT NULL,
            posted TEXT NOT NULL,
            total INTEGER NOT NULL,
            method TEXT NOT NULL,
            claims INTEGER NOT NULL,
            UNIQUE (payer_id, trace)
        )""",
        # The journal. bucket: 1 primary payer, 2 secondary payer, 0 patient, NULL none.
        """CREATE TABLE entries (
            id INTEGER PRIMARY KEY,
            claim_id TEXT REFERENCES claims(id),
            line TEXT,
            account TEXT REFERENCES accounts(account),
            date TEXT NOT NULL,
            kind TEXT NOT NULL,
            bucket INTEGER,
            amount INTEGER NOT NULL,
            grp TEXT,
            carc TEXT,
            remittance_id INTEGER REFERENCES remittances(id),
            icn TEXT,
            reversal_of INTEGER REFERENCES entries(id),
            memo TEXT
        )""",
        "CREATE INDEX entries_claim ON entries(claim_id)",
        "CREATE INDEX entries_unapplied ON entries(account) WHERE claim_id IS NULL",
        "CREATE INDEX entries_reversal ON entries(reversal_of) WHERE reversal_of IS NOT NULL",
        """CREATE TABLE claim_status_history (
            id INTEGER PRIMARY KEY,
            claim_id TEXT NOT NULL REFERENCES claims(id),
            date TEXT NOT NULL,
            status TEXT NOT NULL,
            line TEXT,
            detail TEXT NOT NULL,
            remittance_id INTEGER REFERENCES remittances(id)
        )""",
        "CREATE INDEX history_claim ON claim_status_history(claim_id)",
        # Money received that could not be applied, with the reason.
        """CREATE TABLE suspense (
            id INTEGER PRIMARY KEY,
            remittance_id INTEGER REFERENCES remittances(id),
            date TEXT NOT NULL,
            claim_ref TEXT,
            line TEXT,
            amount INTEGER NOT NULL,
            reason TEXT NOT NULL
        )""",
        """CREATE TABLE statements (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(account),
            date TEXT NOT NULL,
            balance INTEGER NOT NULL,
            status TEXT NOT NULL
        )""",
        "CREATE INDEX statements_account ON statements(account)",
        """CREATE TABLE payment_plans (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL REFERENCES accounts(account),
            created TEXT NOT NULL,
            total INTEGER NOT NULL,
            monthly INTEGER NOT NULL,
            first_due TEXT NOT NULL,
            status TEXT NOT NULL
        )""",
    ],
}


class LedgerError(ValueError):
    """A problem with the ledger or with what was posted to it: one line, no traceback."""


def open_db(path: str | Path) -> sqlite3.Connection:
    """Open (creating if missing) a ledger database and bring its schema up to date."""
    name = str(path)
    try:
        conn = sqlite3.connect(name, isolation_level=None, check_same_thread=False)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"{name}: not a ledger database ({exc})") from None
    if version > SCHEMA_VERSION:
        conn.close()
        raise LedgerError(
            f"{name}: ledger schema version {version} is newer than this rcmlab "
            f"({SCHEMA_VERSION}); upgrade rcmlab"
        )
    if version and not _has_table(conn, "entries"):
        conn.close()
        raise LedgerError(f"{name}: a SQLite database, but not an rcmlab ledger")
    if version == 0 and _tables(conn):
        conn.close()
        raise LedgerError(f"{name}: a SQLite database, but not an rcmlab ledger")
    conn.execute("PRAGMA foreign_keys = ON")
    if name != ":memory:":
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: indexes of a big ledger stay hot
    _upgrade(conn, version)
    return conn


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return name in _tables(conn)


def _upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Apply the migrations after ``version`` in one transaction."""
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for v in range(version + 1, SCHEMA_VERSION + 1):
            for sql in MIGRATIONS[v]:
                conn.execute(sql)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
