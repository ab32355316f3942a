"""The practice ledger: claims, the journal of entries, ERA posting, patient payments.

Accounting model (every amount in integer cents; see :mod:`sim.ledger` for the overview).
A claim's money sits in three buckets: with the primary payer (``ins``), pending at the
secondary payer (``sec``) and transferred to the patient (``pat``). Each journal entry
moves money between buckets or out of A/R, according to its kind:

=====================  ==========================================================
kind                   effect (``b`` = the entry's bucket: 1 primary, 2 secondary)
=====================  ==========================================================
charge                 ins + amount (the service line's charge)
payment                b − amount (insurance payment; negative: money taken back)
contractual            b − amount (CO/PI/OA write-off the contract requires)
write_off              b − amount (a write-off decided by the practice; b may be 0)
transfer_patient       b − amount, pat + amount (PR: deductible, coinsurance, copay)
transfer_secondary     ins − amount, sec + amount (PR pending at the secondary payer)
patient_payment        pat − amount (claim NULL: an unapplied credit on the account)
refund                 pat + amount (a credit balance paid back to the patient)
interest               no A/R effect: income (PLB L6)
=====================  ==========================================================

A reversal (CLP02 22) is a set of contra entries: the same kind as the entry undone, the
amount negated, ``reversal_of`` naming it. Denied amounts (CARC categories other than
contractual/payment adjustment) are not written off: they stay open with the payer and go
to the claim's status history, so a biller can appeal, correct or write them off.
"""

from __future__ import annotations

import contextlib
import gc
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sim.claims import Claim
from sim.ledger._schema import LedgerError, open_db
from sim.remittance import ProviderAdjustment, RemitClaim, RemitLine, Remittance

# CARC categories (codesets.adjustments) that a payment poster writes off as contractual.
WRITE_OFF_CATEGORIES = frozenset({"contractual", "payment-adjustment"})
# Bucket of each kind's effect: (bucket taken from, bucket moved to); None = out of A/R.
PRIMARY, SECONDARY, PATIENT = 1, 2, 0
SECONDARY_STATUSES = frozenset({"2", "20"})  # CLP02: processed as secondary
CROSSOVER_STATUSES = frozenset({"19", "20"})  # CLP02: forwarded to another payer
ENTRY_COLUMNS = (
    "claim_id, line, account, date, kind, bucket, amount, grp, carc, remittance_id, icn, "
    "reversal_of, memo"
)
INSERT_ENTRY = f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"


_HUNDRED = Decimal(100)


def cents(value: Decimal | int | str) -> int:
    """Integer cents of a Decimal amount (exact to the cent)."""
    if type(value) is Decimal:  # the hot path: amounts from the models
        return int(value * _HUNDRED)
    return int(Decimal(value) * _HUNDRED)


def dollars(value: int | None) -> Decimal:
    """Decimal dollars of integer cents."""
    return Decimal(value or 0).scaleb(-2)


def _carc_category(carc: str, _cache: dict[str, str | None] = {}) -> str | None:  # noqa: B006
    """The CARC's category from codesets.adjustments (cached; None for an unknown code)."""
    if carc not in _cache:
        from codesets import adjustments

        found = adjustments.carc(carc)
        _cache[carc] = found.category if found else None
    return _cache[carc]


@dataclass
class SuspenseItem:
    """Money from an ERA that could not be applied, and why."""

    claim_ref: str | None
    line: str | None
    amount: Decimal
    reason: str


@dataclass
class PostingReport:
    """What posting one ERA did."""

    trace: str
    payer: str
    posted: date
    claims_matched: int = 0
    claims_reversed: int = 0
    lines_posted: int = 0
    amount_posted: Decimal = Decimal("0.00")  # insurance payments applied to claims
    interest: Decimal = Decimal("0.00")
    to_suspense: Decimal = Decimal("0.00")
    denied_lines: int = 0
    suspense: list[SuspenseItem] = field(default_factory=list)

    def line(self) -> str:
        """One line for a terminal."""
        return (
            f"ERA trace {self.trace} from payer {self.payer}: {self.claims_matched} claims "
            f"matched, {self.lines_posted} lines posted, ${self.amount_posted:,} posted, "
            f"${self.to_suspense:,} to suspense"
            + (f" ({len(self.suspense)} items)" if self.suspense else "")
            + (f", ${self.interest:,} interest" if self.interest else "")
            + (f", {self.denied_lines} lines denied" if self.denied_lines else "")
            + (f", {self.claims_reversed} claims reversed" if self.claims_reversed else "")
        )


class AlreadyPosted(LedgerError):
    """The same ERA (payer + TRN02) was posted before."""


@dataclass
class _ClaimState:
    """A claim as the posting sees it (balances in cents, changes applied at flush)."""

    id: str
    account: str
    status: str
    secondary_payer: str | None
    lines: dict[str, tuple[int, str, str]]  # control number -> (number, code, service date)
    d_ins: int = 0
    d_sec: int = 0
    d_pat: int = 0
    icn: str | None = None
    patient_since: str | None = None
    touched: bool = False


# --- the posting of one ERA (rows gathered, written with executemany) --------------------


class _Posting:
    """Accumulates the rows of one ERA posting; :meth:`flush` writes them."""

    def __init__(self, conn: sqlite3.Connection, rid: int, day: str, report: PostingReport):
        self.conn, self.rid, self.day, self.report = conn, rid, day, report
        self.entries: list[tuple[Any, ...]] = []
        self.history: list[tuple[Any, ...]] = []
        self.suspense: list[tuple[Any, ...]] = []
        self.icns: list[tuple[str, str]] = []  # (payer claim number, claim id)
        self.cash = 0  # cents: payments + interest + suspense (must equal BPR02)
        self.posted = self.interest = 0  # cents: insurance payments, interest
        self.icn: str | None = None  # the payer claim number of the claim being posted
        self.claims: dict[str, _ClaimState] = {}

    def entry(
        self,
        st: _ClaimState | None,
        line: str | None,
        kind: str,
        bucket: int | None,
        amount: int,
        grp: str | None = None,
        carc: str | None = None,
        icn: str | None = None,
        reversal_of: int | None = None,
        memo: str | None = None,
    ) -> None:
        """Add a journal row and apply its effect to the claim's pending balances."""
        self.entries.append(
            (
                st.id if st else None,
                line,
                st.account if st else None,
                self.day,
                kind,
                bucket,
                amount,
                grp,
                carc,
                self.rid,
                icn or self.icn,
                reversal_of,
                memo,
            )
        )
        if st is not None:
            _apply(st, kind, bucket, amount)
            st.touched = True
            if kind == "transfer_patient" and amount > 0 and st.patient_since is None:
                st.patient_since = self.day
        if kind == "payment":
            self.cash += amount
            self.posted += amount
        elif kind == "interest":
            self.cash += amount
            self.interest += amount

    def status(self, st: _ClaimState, status: str, detail: str, line: str | None = None) -> None:
        self.history.append((st.id, self.day, status, line, detail, self.rid))
        if line is None:
            st.status = status
            st.touched = True

    def to_suspense(self, ref: str | None, line: str | None, amount: int, reason: str) -> None:
        self.suspense.append((self.rid, self.day, ref, line, amount, reason))
        self.cash += amount
        self.report.to_suspense += dollars(amount)
        self.report.suspense.append(SuspenseItem(ref, line, dollars(amount), reason))

    def flush(self) -> None:
        """Write the gathered rows and the claims' balance changes."""
        c = self.conn
        if self.entries:
            c.executemany(INSERT_ENTRY, self.entries)
        if self.history:
            c.executemany(
                "INSERT INTO claim_status_history (claim_id, date, status, line, detail, "
                "remittance_id) VALUES (?,?,?,?,?,?)",
                self.history,
            )
        if self.suspense:
            c.executemany(
                "INSERT INTO suspense (remittance_id, date, claim_ref, line, amount, reason) "
                "VALUES (?,?,?,?,?,?)",
                self.suspense,
            )
        if self.icns:
            c.executemany("INSERT OR IGNORE INTO claim_icns VALUES (?, ?)", self.icns)
        touched = [s for s in self.claims.values() if s.touched]
        if touched:
            c.executemany(
                "UPDATE claims SET ins_balance = ins_balance + ?, sec_balance = sec_balance + ?,"
                " pat_balance = pat_balance + ?, status = ?, payer_icn = coalesce(?, payer_icn),"
                " patient_since = coalesce(patient_since, ?) WHERE id = ?",
                [
                    (s.d_ins, s.d_sec, s.d_pat, s.status, s.icn, s.patient_since, s.id)
                    for s in touched
                ],
            )
            pat: dict[str, int] = {}
            for s in touched:
                if s.d_pat:
                    pat[s.account] = pat.get(s.account, 0) + s.d_pat
            if pat:
                c.executemany(
                    "UPDATE accounts SET balance = balance + ? WHERE account = ?",
                    [(v, k) for k, v in pat.items()],
                )
            for s in touched:
                s.d_ins = s.d_sec = s.d_pat = 0
                s.touched = False
        self.entries, self.history, self.suspense, self.icns = [], [], [], []


def _apply(st: _ClaimState, kind: str, bucket: int | None, amount: int) -> None:
    """Apply one entry's effect (table in the module docstring) to a claim's balances."""
    if kind == "charge":
        st.d_ins += amount
    elif kind in ("payment", "contractual", "write_off", "transfer_patient"):
        if bucket == PRIMARY:
            st.d_ins -= amount
        elif bucket == SECONDARY:
            st.d_sec -= amount
        else:
            st.d_pat -= amount
        if kind == "transfer_patient":
            st.d_pat += amount
    elif kind == "transfer_secondary":
        st.d_ins -= amount
        st.d_sec += amount
    elif kind == "patient_payment":
        st.d_pat -= amount
    elif kind == "refund":
        st.d_pat += amount


# --- the ledger ------------------------------------------------------------------------


class Ledger:
    """A practice ledger in SQLite (a file path, or ``":memory:"``).

    >>> led = Ledger(":memory:")
    >>> led.summary()["claims"]
    0
    """

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self.conn = open_db(self.path)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: everything inside is written, or nothing is.

        The cyclic garbage collector pauses meanwhile: a posting allocates many small
        tuples and nothing cyclic, and collections over a big batch cost more than the
        posting itself."""
        paused = gc.isenabled()
        gc.disable()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            if paused:
                gc.enable()

    def counts(self) -> dict[str, int]:
        """Rows in every table (for tests and the benchmark)."""
        names = [
            r[0]
            for r in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {n: self.conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}

    # --- claims ----------------------------------------------------------------------

    def record_claim(self, claim: Claim, submitted: date) -> None:
        """Record a submitted claim: its account, lines and a charge entry per line."""
        self.record_claims([claim], submitted)

    def record_claims(self, claims: Iterable[Claim], submitted: date) -> int:
        """Record many claims submitted on one day in one transaction; returns how many.

        A claim id already on the ledger is refused, unless the claim is a replacement
        (frequency 7) or void (8): that goes to the claim's status history."""
        day = submitted.isoformat()
        accounts: dict[str, tuple[Any, ...]] = {}
        rows, lines, charges, history = [], [], [], []
        meta: dict[str, str] = {}
        with self.transaction() as c:
            for claim in claims:
                if not claim.lines:
                    raise LedgerError(f"claim {claim.id}: has no service lines")
                if claim.frequency in ("7", "8") and self._claim_exists(claim.id):
                    history.append(_resubmission(claim, day))
                    continue
                p = claim.patient
                accounts[p.account] = (
                    p.account,
                    p.id,
                    p.first_name,
                    p.last_name,
                    p.address.one_line() if p.address else "",
                )
                total = 0
                for n, ln in enumerate(claim.lines, start=1):
                    control = ln.control_number or f"{claim.id}-{ln.number or n}"
                    ch = cents(ln.charge)
                    total += ch
                    lines.append(
                        (
                            claim.id,
                            ln.number or n,
                            control,
                            ln.service_date.isoformat(),
                            ln.code,
                            " ".join(ln.modifiers),
                            ln.units,
                            ch,
                        )
                    )
                    charges.append(
                        _row(
                            claim.id,
                            control,
                            p.account,
                            ln.service_date.isoformat(),
                            "charge",
                            PRIMARY,
                            ch,
                        )
                    )
                oc = claim.other_coverage
                rows.append(
                    (
                        claim.id,
                        p.account,
                        claim.payer.payer_id or claim.payer.id,
                        claim.payer.name,
                        oc.payer_name if oc and oc.responsibility == "S" else None,
                        claim.first_service_date.isoformat(),
                        day,
                        claim.frequency,
                        claim.original_reference,
                        "submitted",
                        total,
                        total,
                    )
                )
                history.append((claim.id, day, "submitted", None, f"to {claim.payer.name}", None))
                if not meta and claim.billing:
                    b = claim.billing
                    meta = {
                        "practice_name": b.name,
                        "practice_address": b.address.one_line() if b.address else "",
                        "practice_phone": b.phone or "",
                    }
            c.executemany(
                "INSERT INTO accounts (account, patient_id, first_name, last_name, address) "
                "VALUES (?,?,?,?,?) ON CONFLICT(account) DO NOTHING",
                list(accounts.values()),
            )
            try:
                c.executemany(
                    "INSERT INTO claims (id, account, payer_id, payer_name, secondary_payer, "
                    "service_date, submitted, frequency, original_ref, status, charge, "
                    "ins_balance) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
            except sqlite3.IntegrityError:
                dup = self._first_existing([r[0] for r in rows])
                raise LedgerError(
                    f"claim {dup} is already on the ledger (send a replacement, frequency 7)"
                ) from None
            c.executemany(
                "INSERT INTO claim_lines VALUES (?,?,?,?,?,?,?,?)",
                lines,
            )
            c.executemany(INSERT_ENTRY, charges)
            c.executemany(
                "INSERT INTO claim_status_history (claim_id, date, status, line, detail, "
                "remittance_id) VALUES (?,?,?,?,?,?)",
                history,
            )
            c.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", list(meta.items()))
        return len(rows)

    def _claim_exists(self, claim_id: str) -> bool:
        return bool(self.conn.execute("SELECT 1 FROM claims WHERE id = ?", (claim_id,)).fetchone())

    def _first_existing(self, ids: list[str]) -> str:
        seen: set[str] = set()
        for i in ids:
            if i in seen or self._claim_exists(i):
                return i
            seen.add(i)
        return ids[0] if ids else "?"

    # --- ERA posting -----------------------------------------------------------------

    def post(self, remittance: Remittance, posted: date | None = None) -> PostingReport:
        """Post one ERA in one transaction (all of it, or nothing).

        Raises :class:`AlreadyPosted` for an ERA posted before (same payer id and TRN02)
        and :class:`LedgerError` for one that does not balance."""
        return self.post_many([remittance], posted)[0]

    def post_many(
        self, remittances: Iterable[Remittance], posted: date | None = None
    ) -> list[PostingReport]:
        """Post several ERAs (e.g. one payment day's) in ONE transaction: all of them, or
        none — a duplicate or an unbalanced ERA anywhere leaves the ledger untouched. Each
        ERA is posted exactly as :meth:`post` would; one transaction saves the per-commit
        cost when a day brings many small remittances."""
        items = list(remittances)
        checked = []
        for r in items:  # every ERA is checked before anything is written
            payer = f"{r.payer.name} ({r.payer.identifier})"
            problems = r.balance_problems()
            if problems:
                raise LedgerError(
                    f"ERA trace {r.trace_number} from payer {payer} does not balance: {problems[0]}"
                )
            checked.append((r, payer, (posted or r.payment_date).isoformat()))
        seen: set[tuple[str, str]] = set()
        reports = []
        with self.transaction() as c:
            for r, payer, day in checked:
                key = (r.payer.identifier, r.trace_number)
                if key in seen:
                    raise AlreadyPosted(
                        f"ERA trace {r.trace_number} from payer {payer} appears twice in one batch"
                    )
                seen.add(key)
                reports.append(self._post_one(c, r, payer, day))
        return reports

    def _post_one(
        self, c: sqlite3.Connection, r: Remittance, payer: str, day: str
    ) -> PostingReport:
        """Post one checked ERA inside the caller's transaction."""
        report = PostingReport(r.trace_number, payer, date.fromisoformat(day))
        self._refuse_duplicate(r, payer)
        cur = c.execute(
            "INSERT INTO remittances (payer_id, payer_name, trace, payment_date, posted, "
            "total, method, claims) VALUES (?,?,?,?,?,?,?,?)",
            (
                r.payer.identifier,
                r.payer.name,
                r.trace_number,
                r.payment_date.isoformat(),
                day,
                cents(r.total_paid),
                r.method,
                len(r.claims),
            ),
        )
        p = _Posting(c, int(cur.lastrowid or 0), day, report)
        p.claims = self._load_states({rc.patient_control_number for rc in r.claims})
        for rc in r.claims:
            self._post_claim(p, rc)
        for plb in r.provider_adjustments:
            self._post_plb(p, plb)
        p.flush()
        report.amount_posted, report.interest = dollars(p.posted), dollars(p.interest)
        if p.cash != cents(r.total_paid):  # a bug guard: the ERA balanced on entry
            raise LedgerError(
                f"ERA trace {r.trace_number}: posted {dollars(p.cash)} but the payment "
                f"is {r.total_paid}"
            )
        return report

    def _refuse_duplicate(self, r: Remittance, payer: str) -> None:
        row = self.conn.execute(
            "SELECT posted FROM remittances WHERE payer_id = ? AND trace = ?",
            (r.payer.identifier, r.trace_number),
        ).fetchone()
        if row:
            raise AlreadyPosted(
                f"ERA trace {r.trace_number} from payer {payer} was already posted on {row[0]}"
            )

    def _load_states(self, ids: set[str]) -> dict[str, _ClaimState]:
        """The claims of an ERA and their lines, in a few queries."""
        out: dict[str, _ClaimState] = {}
        id_list = list(ids)
        for i in range(0, len(id_list), 900):
            chunk = id_list[i : i + 900]
            marks = ",".join("?" * len(chunk))
            for cid, account, status, sec in self.conn.execute(
                f"SELECT id, account, status, secondary_payer FROM claims WHERE id IN ({marks})",
                chunk,
            ):
                out[cid] = _ClaimState(cid, account, status, sec, {})
            for cid, number, control, code, sdate in self.conn.execute(
                "SELECT claim_id, number, control_number, code, service_date FROM claim_lines "
                f"WHERE claim_id IN ({marks})",
                chunk,
            ):
                out[cid].lines[control] = (number, code, sdate)
        return out

    def _post_claim(self, p: _Posting, rc: RemitClaim) -> None:
        """Post one claim payment (CLP loop): match, then lines, then claim-level CAS."""
        st = p.claims.get(rc.patient_control_number)
        if st is None:
            p.to_suspense(
                rc.patient_control_number,
                None,
                cents(rc.paid),
                f"claim {rc.patient_control_number} (payer claim {rc.payer_claim_number}) is "
                "not on the ledger",
            )
            return
        if rc.reversal:
            self._reverse(p, st, rc)
            return
        p.report.claims_matched += 1
        p.icn = rc.payer_claim_number or None
        bucket = SECONDARY if rc.status in SECONDARY_STATUSES else PRIMARY
        to_secondary = bucket == PRIMARY and (
            rc.status in CROSSOVER_STATUSES or bool(rc.crossover_payer) or bool(st.secondary_payer)
        )
        if rc.crossover_payer and not st.secondary_payer:
            st.secondary_payer = rc.crossover_payer
        st.icn = rc.payer_claim_number or st.icn
        if rc.payer_claim_number:
            p.icns.append((rc.payer_claim_number, st.id))
        paid_on_lines, denied = 0, 0
        used: set[str] = set()
        for ln in rc.lines:
            control = self._match_line(st, ln, used)
            if control is None:
                p.to_suspense(
                    st.id,
                    ln.control_number or None,
                    cents(ln.paid),
                    f"claim {st.id}: line {ln.control_number or ln.code} is not on the claim",
                )
                paid_on_lines += cents(ln.paid)
                continue
            used.add(control)
            p.report.lines_posted += 1
            paid = cents(ln.paid)
            paid_on_lines += paid
            if paid:
                p.entry(st, control, "payment", bucket, paid)
            open_cents = self._post_adjustments(
                p, st, control, ln.adjustments, bucket, to_secondary
            )
            denied += open_cents
            if open_cents and ln.paid == 0 and ln.patient_responsibility == 0:
                codes = ", ".join(a.code for a in ln.adjustments) or "no reason given"
                p.status(st, "line denied", f"{ln.code}: {codes}", control)
                p.report.denied_lines += 1
        rest = cents(rc.paid) - paid_on_lines  # a claim paid without (or beyond) its lines
        if rest:
            p.entry(st, None, "payment", bucket, rest)
        denied += self._post_adjustments(p, st, None, rc.adjustments, bucket, to_secondary)
        self._claim_status(p, st, rc, bucket, to_secondary, denied)
        p.icn = None

    @staticmethod
    def _match_line(st: _ClaimState, ln: RemitLine, used: set[str]) -> str | None:
        """The claim line a remit line pays: by REF*6R, else by code and date."""
        if ln.control_number and ln.control_number in st.lines:
            return ln.control_number
        if ln.control_number:
            return None
        when = ln.service_date.isoformat() if ln.service_date else None
        for control, (_, code, sdate) in st.lines.items():
            wanted = code == (ln.submitted_code or ln.code) and when in (None, sdate)
            if control not in used and wanted:
                return control
        return None

    @staticmethod
    def _post_adjustments(
        p: _Posting,
        st: _ClaimState,
        line: str | None,
        adjustments: tuple[Any, ...],
        bucket: int,
        to_secondary: bool,
    ) -> int:
        """Post CAS adjustments; returns the cents left open as denied."""
        denied = 0
        for a in adjustments:
            amount = cents(a.amount)
            if not amount:
                continue
            if a.group == "PR":
                kind = "transfer_secondary" if to_secondary else "transfer_patient"
                p.entry(st, line, kind, bucket, amount, a.group, a.carc)
                continue
            category = _carc_category(a.carc)
            if category in WRITE_OFF_CATEGORIES:
                p.entry(st, line, "contractual", bucket, amount, a.group, a.carc)
            elif bucket == SECONDARY and category == "coordination-of-benefits":
                p.status(st, "prior payer", f"{a.code} {dollars(amount)} (informational)", line)
            else:
                denied += amount
                p.status(st, "denied", f"{a.code} {dollars(amount)} left open", line)
        return denied

    @staticmethod
    def _claim_status(
        p: _Posting, st: _ClaimState, rc: RemitClaim, bucket: int, to_sec: bool, denied: int
    ) -> None:
        if rc.status == "4" or (rc.paid == 0 and denied and not rc.patient_responsibility):
            status = "denied"
        elif denied:
            status = "partially denied"
        elif to_sec:
            status = "pending secondary"
        elif bucket == SECONDARY:
            status = "paid by secondary"
        else:
            status = "paid"
        p.status(
            st,
            status,
            f"{rc.status_text}; payer claim {rc.payer_claim_number}; paid {rc.paid}, "
            f"patient {rc.patient_responsibility}"
            + (f"; forwarded to {st.secondary_payer}" if to_sec else ""),
        )

    def _reverse(self, p: _Posting, st: _ClaimState, rc: RemitClaim) -> None:
        """CLP02 22: contra entries for the posting of the same payer claim number."""
        p.flush()  # the original may have been posted earlier in this ERA
        originals = self.conn.execute(
            "SELECT e.id, e.line, e.kind, e.bucket, e.amount, e.grp, e.carc FROM entries e "
            "WHERE e.claim_id = ? AND e.icn = ? AND e.reversal_of IS NULL AND e.kind IN "
            "('payment', 'contractual', 'transfer_patient', 'transfer_secondary') "
            "AND NOT EXISTS (SELECT 1 FROM entries r WHERE r.reversal_of = e.id)",
            (st.id, rc.payer_claim_number),
        ).fetchall()
        if not originals:
            p.to_suspense(
                st.id,
                None,
                cents(rc.paid),
                f"claim {st.id}: reversal of payer claim {rc.payer_claim_number}, which has "
                "no posted payment to reverse",
            )
            return
        p.report.claims_reversed += 1
        reversed_paid = 0
        for eid, line, kind, bucket, amount, grp, carc in originals:
            p.entry(st, line, kind, bucket, -amount, grp, carc, rc.payer_claim_number, eid)
            if kind == "payment":
                reversed_paid -= amount
        gap = cents(rc.paid) - reversed_paid
        if gap:
            p.to_suspense(
                st.id,
                None,
                gap,
                f"claim {st.id}: the reversal takes back {rc.paid}, the posting it reverses "
                f"paid {dollars(-reversed_paid)}",
            )
        # The patient's share and the payer's reprocessing come back in a new claim payment.
        p.status(st, "reversed", f"payer claim {rc.payer_claim_number} reversed by the payer")

    def _post_plb(self, p: _Posting, plb: ProviderAdjustment) -> None:
        """PLB: interest is income; a recoupment (WO) is a negative payment on its claim."""
        cash = -cents(plb.amount)  # PLB positive = taken back from the payment
        if plb.reason == "L6":
            st = self._claim_for_reference(p, plb.reference)
            p.entry(st, None, "interest", None, cash, memo=f"PLB L6 {plb.reference}")
            if st is not None:
                st.touched = True
            return
        if plb.reason == "WO":
            st = self._claim_for_reference(p, plb.reference)
            if st is not None:
                p.entry(st, None, "payment", PRIMARY, cash, memo=f"PLB WO {plb.reference}")
                p.status(st, "recouped", f"the payer took back {dollars(-cash)} (PLB WO)")
                return
            reason = f"PLB WO recoupment of {plb.reference}: no claim on the ledger matches"
        else:
            reason = f"PLB {plb.reason} {plb.reference}: a provider-level adjustment to review"
        p.to_suspense(plb.reference or None, None, cash, reason)

    def _claim_for_reference(self, p: _Posting, ref: str) -> _ClaimState | None:
        """A claim named by a PLB reference: our claim id (CLP01) or the payer's ICN."""
        if not ref:
            return None
        if ref in p.claims:
            return p.claims[ref]
        for icn, cid in p.icns:  # paid earlier in this ERA
            if icn == ref:
                return p.claims[cid]
        row = self.conn.execute(
            "SELECT id FROM claims WHERE id = ? UNION ALL SELECT claim_id FROM claim_icns "
            "WHERE icn = ? LIMIT 1",
            (ref, ref),
        ).fetchone()
        if not row:
            return None
        if row[0] not in p.claims:  # keep a state that already holds this ERA's changes
            p.claims.update(self._load_states({row[0]}))
        return p.claims[row[0]]

    # --- patient money and write-offs ------------------------------------------------

    def post_patient_payment(
        self, account: str, amount: Decimal | str | int, on: date, claim_id: str | None = None
    ) -> list[tuple[str | None, Decimal]]:
        """A patient payment: applied to the account's oldest patient balances first (or to
        ``claim_id``); what is left stays on the account as a credit. Returns the
        applications ``(claim id or None for the credit, amount)``."""
        total = cents(amount)
        if total <= 0:
            raise LedgerError(
                f"account {account}: a patient payment must be positive, not {amount}"
            )
        self._account_must_exist(account)
        day = on.isoformat()
        with self.transaction() as c:
            q = "SELECT id, pat_balance FROM claims WHERE account = ? AND pat_balance > 0"
            args: tuple[Any, ...] = (account,)
            if claim_id:
                q, args = q + " AND id = ?", (account, claim_id)
            q += " ORDER BY patient_since, service_date, id"
            out: list[tuple[str | None, Decimal]] = []
            left = total
            for cid, bal in c.execute(q, args).fetchall():
                take = min(bal, left)
                if take <= 0:
                    break
                self._patient_entry(c, cid, account, day, "patient_payment", take)
                out.append((cid, dollars(take)))
                left -= take
            if left:
                self._patient_entry(c, None, account, day, "patient_payment", left)
                out.append((None, dollars(left)))
        return out

    def refund(self, account: str, amount: Decimal | str | int, on: date) -> None:
        """Pay back (part of) an account's credit balance to the patient."""
        amt = cents(amount)
        self._account_must_exist(account)
        credit = -self._account_balance(account)
        if amt <= 0 or amt > credit:
            raise LedgerError(
                f"account {account}: cannot refund {dollars(amt)}, the credit is {dollars(credit)}"
            )
        with self.transaction() as c:
            self._patient_entry(c, None, account, on.isoformat(), "refund", amt)

    def write_off(
        self,
        claim_id: str,
        amount: Decimal | str | int,
        on: date,
        *,
        bucket: str = "patient",
        reason: str = "",
        carc: str | None = None,
    ) -> None:
        """Write off part of a claim's balance: ``bucket`` patient, primary or secondary
        (e.g. a small patient balance, a timely-filing denial the practice cannot bill)."""
        b = {"patient": PATIENT, "primary": PRIMARY, "secondary": SECONDARY}.get(bucket)
        if b is None:
            raise LedgerError(
                f"write_off: bucket must be patient, primary or secondary, not {bucket}"
            )
        amt = cents(amount)
        row = self.conn.execute(
            "SELECT account, ins_balance, sec_balance, pat_balance FROM claims WHERE id = ?",
            (claim_id,),
        ).fetchone()
        if row is None:
            raise LedgerError(f"write_off: claim {claim_id} is not on the ledger")
        have = {PRIMARY: row[1], SECONDARY: row[2], PATIENT: row[3]}[b]
        if amt <= 0 or amt > have:
            raise LedgerError(
                f"write_off: claim {claim_id} has {dollars(have)} in the {bucket} balance, "
                f"cannot write off {dollars(amt)}"
            )
        with self.transaction() as c:
            st = _ClaimState(claim_id, row[0], "", None, {})
            c.execute(
                INSERT_ENTRY,
                _row(
                    claim_id,
                    None,
                    row[0],
                    on.isoformat(),
                    "write_off",
                    b,
                    amt,
                    grp="CO" if carc else None,
                    carc=carc,
                    memo=reason or None,
                ),
            )
            _apply(st, "write_off", b, amt)
            c.execute(
                "UPDATE claims SET ins_balance = ins_balance + ?, sec_balance = sec_balance + ?,"
                " pat_balance = pat_balance + ? WHERE id = ?",
                (st.d_ins, st.d_sec, st.d_pat, claim_id),
            )
            c.execute(
                "UPDATE accounts SET balance = balance + ? WHERE account = ?", (st.d_pat, row[0])
            )
            c.execute(
                "INSERT INTO claim_status_history (claim_id, date, status, detail) "
                "VALUES (?,?,?,?)",
                (
                    claim_id,
                    on.isoformat(),
                    "write-off",
                    f"{bucket} {dollars(amt)} {reason}".strip(),
                ),
            )

    def _patient_entry(
        self,
        c: sqlite3.Connection,
        claim_id: str | None,
        account: str,
        day: str,
        kind: str,
        amt: int,
    ) -> None:
        c.execute(
            INSERT_ENTRY,
            _row(claim_id, None, account, day, kind, PATIENT, amt),
        )
        delta = -amt if kind == "patient_payment" else amt
        if claim_id:
            c.execute(
                "UPDATE claims SET pat_balance = pat_balance + ? WHERE id = ?", (delta, claim_id)
            )
        c.execute("UPDATE accounts SET balance = balance + ? WHERE account = ?", (delta, account))

    def _account_must_exist(self, account: str) -> None:
        if not self.conn.execute("SELECT 1 FROM accounts WHERE account = ?", (account,)).fetchone():
            raise LedgerError(f"account {account} is not on the ledger")

    def _account_balance(self, account: str) -> int:
        row = self.conn.execute(
            "SELECT balance FROM accounts WHERE account = ?", (account,)
        ).fetchone()
        return int(row[0]) if row else 0

    # --- reading ---------------------------------------------------------------------

    def balances(self, claim_id: str) -> dict[str, Any]:
        """A claim's money: totals by kind, its three balances, and the same per line."""
        row = self.conn.execute(
            "SELECT charge, ins_balance, sec_balance, pat_balance, status, payer_name, "
            "secondary_payer, account FROM claims WHERE id = ?",
            (claim_id,),
        ).fetchone()
        if row is None:
            raise LedgerError(f"claim {claim_id} is not on the ledger")
        sums: dict[str | None, dict[str, int]] = {}
        for line, kind, bucket, total in self.conn.execute(
            "SELECT line, kind, bucket, sum(amount) FROM entries WHERE claim_id = ? "
            "GROUP BY line, kind, bucket",
            (claim_id,),
        ):
            key = _sum_key(kind, bucket)
            d = sums.setdefault(line, {})
            d[key] = d.get(key, 0) + total
        claim_total: dict[str, int] = {}
        for d in sums.values():
            for k, v in d.items():
                claim_total[k] = claim_total.get(k, 0) + v
        out: dict[str, Any] = {
            "claim": claim_id,
            "account": row[7],
            "status": row[4],
            "payer": row[5],
            "secondary_payer": row[6],
            **{k: dollars(claim_total.get(k, 0)) for k in SUM_KEYS},
            "insurance_balance": dollars(row[1]),
            "secondary_balance": dollars(row[2]),
            "patient_balance": dollars(row[3]),
            "lines": {
                line: {k: dollars(v) for k, v in d.items()}
                for line, d in sorted(sums.items(), key=lambda kv: kv[0] or "")
                if line
            },
        }
        return out

    def history(self, claim_id: str) -> list[tuple[str, str, str | None, str]]:
        """The claim's status history: (date, status, line, detail), oldest first."""
        return [
            tuple(r)  # type: ignore[misc]
            for r in self.conn.execute(
                "SELECT date, status, line, detail FROM claim_status_history WHERE claim_id = ? "
                "ORDER BY id",
                (claim_id,),
            )
        ]

    def suspense_items(self) -> list[SuspenseItem]:
        """Every suspense row (money not applied) with its reason."""
        return [
            SuspenseItem(ref, line, dollars(amt), reason)
            for ref, line, amt, reason in self.conn.execute(
                "SELECT claim_ref, line, amount, reason FROM suspense ORDER BY id"
            )
        ]

    def summary(self) -> dict[str, Any]:
        """Headline KPIs. Net collection rate = (insurance + patient payments) ÷ (charges −
        contractual adjustments)."""
        k: dict[str, int] = {key: 0 for key in SUM_KEYS}
        for kind, bucket, total in self.conn.execute(
            "SELECT kind, bucket, sum(amount) FROM entries WHERE claim_id IS NOT NULL "
            "GROUP BY kind, bucket"
        ):
            key = _sum_key(kind, bucket)
            k[key] = k.get(key, 0) + total
        unapplied = self.conn.execute(
            "SELECT coalesce(sum(CASE kind WHEN 'patient_payment' THEN amount ELSE -amount END),"
            " 0) FROM entries WHERE claim_id IS NULL AND kind IN ('patient_payment', 'refund')"
        ).fetchone()[0]
        interest = self.conn.execute(
            "SELECT coalesce(sum(amount), 0) FROM entries WHERE kind = 'interest'"
        ).fetchone()[0]
        n, ins, sec, pat = self.conn.execute(
            "SELECT count(*), coalesce(sum(ins_balance), 0), coalesce(sum(sec_balance), 0), "
            "coalesce(sum(pat_balance), 0) FROM claims"
        ).fetchone()
        susp = self.conn.execute("SELECT coalesce(sum(amount), 0) FROM suspense").fetchone()[0]
        collected = k["payments"] + k["patient_payments"] - k["refunds"] + unapplied
        base = k["charges"] - k["contractual"]
        return {
            "claims": n,
            "remittances": self.conn.execute("SELECT count(*) FROM remittances").fetchone()[0],
            "charges": dollars(k["charges"]),
            "payments": dollars(k["payments"]),
            "contractual_adjustments": dollars(k["contractual"]),
            "write_offs": dollars(k["write_offs"] + k["patient_write_offs"]),
            "patient_responsibility": dollars(k["patient_responsibility"]),
            "patient_payments": dollars(k["patient_payments"] + unapplied),
            "interest": dollars(interest),
            "suspense": dollars(susp),
            "ar_insurance": dollars(ins + sec),
            "ar_patient": dollars(pat),
            "ar_total": dollars(ins + sec + pat),
            "net_collection_rate": round(collected / base, 4) if base > 0 else None,
        }

    # --- the invariant ---------------------------------------------------------------

    def check_invariants(self, limit: int = 20) -> list[str]:
        """Every way the books fail to balance (empty when they balance).

        Per claim: charges = payments + adjustments + patient responsibility transferred +
        outstanding with payers; patient responsibility = patient payments + patient
        write-offs − refunds + patient balance; the stored balances equal the journal's;
        the charge equals its lines. Per account: balance = its claims' patient balances −
        unapplied credit. Per ERA: payments + interest + suspense = BPR02."""
        return [m for check in _INVARIANTS for m in check(self.conn, limit)][:limit]

    # --- reports (sim.ledger.reports / sim.ledger.statement) ---------------------------

    def aging(
        self, as_of: date, by: str = "payer", basis: str = "submitted", historical: bool = False
    ) -> Any:
        from sim.ledger.reports import aging

        return aging(self, as_of, by=by, basis=basis, historical=historical)

    def days_in_ar(self, as_of: date) -> float | None:
        from sim.ledger.reports import days_in_ar

        return days_in_ar(self, as_of)

    def aging_chart(
        self, as_of: date, by: str = "payer", basis: str = "submitted", historical: bool = False
    ) -> Any:
        from sim.ledger.reports import aging_chart

        return aging_chart(self, as_of, by=by, basis=basis, historical=historical)

    def statement(self, account: str, as_of: date, *, issue: bool = True) -> Any:
        from sim.ledger.statement import statement

        return statement(self, account, as_of, issue=issue)

    def payment_plan(self, account: str, monthly: Decimal | str | int, first_due: date) -> Any:
        from sim.ledger.statement import create_payment_plan

        return create_payment_plan(self, account, monthly, first_due)


def _row(
    claim_id: str | None,
    line: str | None,
    account: str,
    day: str,
    kind: str,
    bucket: int | None,
    amount: int,
    grp: str | None = None,
    carc: str | None = None,
    memo: str | None = None,
) -> tuple[Any, ...]:
    """An entries row outside an ERA (no remittance, ICN or reversal)."""
    return (claim_id, line, account, day, kind, bucket, amount, grp, carc, None, None, None, memo)


def _resubmission(claim: Claim, day: str) -> tuple[Any, ...]:
    what = "replacement (frequency 7)" if claim.frequency == "7" else "void (frequency 8)"
    ref = f" of payer claim {claim.original_reference}" if claim.original_reference else ""
    return (claim.id, day, "resubmitted", None, f"{what}{ref} sent", None)


SUM_KEYS = (
    "charges",
    "payments",
    "contractual",
    "write_offs",
    "patient_responsibility",
    "to_secondary",
    "patient_payments",
    "patient_write_offs",
    "refunds",
)


def _sum_key(kind: str, bucket: int | None) -> str:
    """Which total an entry counts in (the terms of the invariant)."""
    if kind == "write_off":
        return "patient_write_offs" if bucket == PATIENT else "write_offs"
    return {
        "charge": "charges",
        "payment": "payments",
        "contractual": "contractual",
        "transfer_patient": "patient_responsibility",
        "transfer_secondary": "to_secondary",
        "patient_payment": "patient_payments",
        "refund": "refunds",
    }.get(kind, kind)


# --- invariant checks (SQL; each returns messages) --------------------------------------

_CLAIM_SUMS = """
SELECT c.id, c.charge, c.ins_balance, c.sec_balance, c.pat_balance,
  coalesce((SELECT sum(charge) FROM claim_lines l WHERE l.claim_id = c.id), 0),
  coalesce(sum(CASE WHEN e.kind = 'charge' THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'payment' THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'contractual' OR (e.kind = 'write_off' AND e.bucket > 0)
                THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'transfer_patient' THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'patient_payment' THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'write_off' AND e.bucket = 0 THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.kind = 'refund' THEN e.amount END), 0),
  coalesce(sum(CASE WHEN e.bucket = 2 AND e.kind != 'transfer_secondary' THEN -e.amount
                    WHEN e.kind = 'transfer_secondary' THEN e.amount END), 0)
FROM claims c LEFT JOIN entries e ON e.claim_id = c.id
GROUP BY c.id
"""


def _check_claims(conn: sqlite3.Connection, limit: int) -> list[str]:
    out = []
    for row in conn.execute(_CLAIM_SUMS):
        cid, charge, ins, sec, pat, lines, ch, pay, adj, pr, ppay, pwo, refund, sec_j = row
        problems = []
        if not (charge == lines == ch):
            problems.append(
                f"charge {dollars(charge)}, lines {dollars(lines)}, entries {dollars(ch)}"
            )
        if ch != pay + adj + pr + ins + sec:
            problems.append(
                f"charges {dollars(ch)} != payments {dollars(pay)} + adjustments {dollars(adj)} "
                f"+ patient responsibility {dollars(pr)} + outstanding {dollars(ins + sec)}"
            )
        if pr != ppay + pwo - refund + pat:
            problems.append(
                f"patient responsibility {dollars(pr)} != patient payments {dollars(ppay)} + "
                f"write-offs {dollars(pwo)} - refunds {dollars(refund)} + balance {dollars(pat)}"
            )
        if sec != sec_j:
            problems.append(f"secondary balance {dollars(sec)} != journal {dollars(sec_j)}")
        if problems:
            out.append(f"claim {cid}: " + "; ".join(problems))
            if len(out) >= limit:
                break
    return out


def _check_accounts(conn: sqlite3.Connection, limit: int) -> list[str]:
    rows = conn.execute(
        """
        SELECT a.account, a.balance,
          coalesce((SELECT sum(pat_balance) FROM claims c WHERE c.account = a.account), 0),
          coalesce((SELECT sum(CASE kind WHEN 'refund' THEN amount ELSE -amount END)
                    FROM entries e WHERE e.claim_id IS NULL AND e.account = a.account
                    AND e.kind IN ('patient_payment', 'refund')), 0)
        FROM accounts a
        """
    )
    return [
        f"account {acc}: balance {dollars(bal)} != claims' patient balances {dollars(claims)} "
        f"+ unapplied {dollars(unapplied)}"
        for acc, bal, claims, unapplied in rows
        if bal != claims + unapplied
    ][:limit]


def _check_remittances(conn: sqlite3.Connection, limit: int) -> list[str]:
    rows = conn.execute(
        """
        SELECT r.trace, r.payer_id, r.total,
          coalesce((SELECT sum(amount) FROM entries e WHERE e.remittance_id = r.id
                    AND e.kind IN ('payment', 'interest')), 0),
          coalesce((SELECT sum(amount) FROM suspense s WHERE s.remittance_id = r.id), 0)
        FROM remittances r
        """
    )
    return [
        f"ERA trace {trace} from payer {payer}: payment {dollars(total)} != posted "
        f"{dollars(posted)} + suspense {dollars(susp)}"
        for trace, payer, total, posted, susp in rows
        if total != posted + susp
    ][:limit]


_INVARIANTS = (_check_claims, _check_accounts, _check_remittances)
