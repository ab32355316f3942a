"""The remittance model: what a payer says it did with a claim (835 005010X221A1, an EOB).

One model for every step after adjudication: the payer engine (``sim.payer``) produces it,
the 835 writer/reader (``sim.x12.p835``) serialises it, the practice ledger (``sim.ledger``)
posts it, exercises read it. An external ERA read from an 835 file becomes the same
objects as a simulated one.

Money is :class:`~decimal.Decimal` to the cent. The 835 balancing rules hold for every
object built by rcmlab and are checked by :meth:`Remittance.balance_problems`:

- a service line: charge − Σ line adjustments = paid (SVC02 − Σ CAS = SVC03);
- a claim: charge − Σ claim and line adjustments = paid (CLP03 − Σ CAS = CLP04), and the
  patient's share CLP05 = Σ PR adjustments;
- the payment: BPR02 = Σ CLP04 − Σ PLB (a provider-level adjustment that the payer takes
  back, e.g. an overpayment recovery, is positive; interest paid, negative).

Group codes (CAS01): CO contractual obligation, PR patient responsibility, OA other
adjustment, PI payer-initiated reduction, CR correction/reversal. Reason codes are CARCs
(``codesets.adjustments``); remark codes are RARCs (LQ*HE on a line, MOA on a claim).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sim.models import Address

ZERO = Decimal("0.00")
GROUPS = ("CO", "PR", "OA", "PI", "CR")

# CLP02 claim status codes used by rcmlab (X12 835 code list, in our words).
CLAIM_STATUSES = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to another payer",
    "20": "processed as secondary, forwarded to another payer",
    "22": "reversal of a previous payment",
    "23": "not our claim, forwarded to another payer",
}

# PLB03-1 provider adjustment reason codes used by rcmlab (in our words).
PLB_REASONS = {
    "L6": "interest owed on a late payment (reduces nothing: adds to the payment)",
    "WO": "overpayment recovery (money taken back from an earlier claim)",
    "FB": "forwarding balance (carried to or from another remittance)",
    "72": "authorized return (the provider sent money back)",
    "CS": "adjustment (a miscellaneous payer adjustment)",
    "J1": "non-reimbursable (e.g. a fee the payer deducts)",
}


def money(value: Any) -> Decimal:
    """A cent-exact Decimal from a number or text."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Adjustment:
    """One CAS triplet: why part of a charge was not paid (DESIGN glossary ``Adjustment``)."""

    group: str  # CO PR OA PI CR
    carc: str  # claim adjustment reason code, e.g. "45"
    amount: Decimal  # positive reduces the payment; negative adds to it
    quantity: int | None = None
    rarcs: tuple[str, ...] = ()  # remark codes that explain this adjustment (e.g. N362)

    @property
    def code(self) -> str:
        """``CO-45`` style, as learners and work queues write it."""
        return f"{self.group}-{self.carc}"

    def describe(self) -> str:
        """The adjustment in plain words from the CARC table (our own wording)."""
        from codesets import adjustments

        found = adjustments.carc(self.carc)
        text = found.description if found is not None else "unknown reason code"
        return f"{self.code} {text}"


@dataclass(frozen=True)
class RemitLine:
    """One service line of a claim payment (835 loop 2110: SVC, DTM, CAS, REF*6R, AMT, LQ)."""

    control_number: str  # line item control number (REF*6R) = ClaimLine.control_number
    code: str  # CPT/HCPCS adjudicated (SVC01-2)
    charge: Decimal  # SVC02
    paid: Decimal  # SVC03
    units: int = 1  # SVC05
    modifiers: tuple[str, ...] = ()
    service_date: date | None = None
    allowed: Decimal | None = None  # AMT*B6
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()  # RARCs (LQ*HE)
    submitted_code: str | None = None  # SVC06 when the payer changed the code

    def total(self, group: str) -> Decimal:
        return sum((a.amount for a in self.adjustments if a.group == group), ZERO)

    @property
    def patient_responsibility(self) -> Decimal:
        return self.total("PR")

    @property
    def contractual(self) -> Decimal:
        """What the provider writes off: CO and PI (and OA/CR adjustments)."""
        return sum((a.amount for a in self.adjustments if a.group != "PR"), ZERO)

    def balance_problem(self) -> str | None:
        adjusted = sum((a.amount for a in self.adjustments), ZERO)
        if self.charge - adjusted != self.paid:
            return (
                f"line {self.control_number or self.code}: charge {self.charge} - "
                f"adjustments {adjusted} != paid {self.paid}"
            )
        return None


@dataclass(frozen=True)
class RemitPerson:
    """NM1*QC (patient) or NM1*IL (insured) on a claim payment."""

    last_name: str
    first_name: str = ""
    member_id: str = ""


@dataclass(frozen=True)
class RemitClaim:
    """One claim payment (835 loop 2100: CLP, CAS, NM1, MOA, REF, DTM, AMT + lines).

    DESIGN glossary ``RemitClaim``. ``patient_control_number`` is the practice's claim id
    (CLM01 on the 837P, CLP01 here): the ledger matches on it.
    """

    patient_control_number: str  # CLP01
    status: str  # CLP02, see CLAIM_STATUSES
    charge: Decimal  # CLP03
    paid: Decimal  # CLP04
    patient_responsibility: Decimal  # CLP05
    filing_indicator: str  # CLP06 (MB, MC, CI, HM, 16, WC, AM ...)
    payer_claim_number: str  # CLP07: the payer's internal control number (ICN)
    patient: RemitPerson
    facility_code: str = "11"  # CLP08: place of service
    frequency: str = "1"  # CLP09
    insured: RemitPerson | None = None
    rendering_npi: str | None = None  # NM1*82
    crossover_payer: str | None = None  # NM1*TT: forwarded to this payer (COB crossover)
    adjustments: tuple[Adjustment, ...] = ()  # claim-level CAS
    remarks: tuple[str, ...] = ()  # claim-level RARCs (MOA)
    lines: tuple[RemitLine, ...] = ()
    received: date | None = None  # DTM*050 claim received date
    service_start: date | None = None  # DTM*232
    service_end: date | None = None  # DTM*233
    coverage_amount: Decimal | None = None  # AMT*AU total allowed (coverage amount)
    interest: Decimal | None = None  # AMT*I

    @property
    def status_text(self) -> str:
        return CLAIM_STATUSES.get(self.status, f"status {self.status}")

    @property
    def denied(self) -> bool:
        return self.status == "4" or (
            self.paid == ZERO and self.patient_responsibility == ZERO and self.charge > ZERO
        )

    @property
    def reversal(self) -> bool:
        return self.status == "22"

    def all_adjustments(self) -> tuple[Adjustment, ...]:
        return self.adjustments + tuple(a for ln in self.lines for a in ln.adjustments)

    def balance_problems(self) -> list[str]:
        problems = [p for ln in self.lines if (p := ln.balance_problem())]
        adjusted = sum((a.amount for a in self.all_adjustments()), ZERO)
        if self.charge - adjusted != self.paid:
            problems.append(
                f"claim {self.patient_control_number}: charge {self.charge} - adjustments "
                f"{adjusted} != paid {self.paid}"
            )
        pr = sum((a.amount for a in self.all_adjustments() if a.group == "PR"), ZERO)
        if pr != self.patient_responsibility:
            problems.append(
                f"claim {self.patient_control_number}: patient responsibility "
                f"{self.patient_responsibility} != sum of PR adjustments {pr}"
            )
        return problems

    def _repr_html_(self) -> str:
        return eob_html([self])


@dataclass(frozen=True)
class ProviderAdjustment:
    """One PLB adjustment: money moved at the provider level, not tied to one claim line."""

    reason: str  # PLB03-1, see PLB_REASONS
    reference: str  # PLB03-2, e.g. the payer claim number recovered
    amount: Decimal  # positive reduces the payment (recovery); negative adds (interest L6)
    fiscal_period: date | None = None  # PLB02


@dataclass(frozen=True)
class Party:
    """The payer (loop 1000A) or the payee (loop 1000B) of a remittance."""

    name: str
    identifier: str  # payer: electronic payer ID (REF*2U / N1*PR); payee: NPI (N1*PE*XX)
    address: Address | None = None
    tin: str | None = None  # payee REF*TJ


@dataclass(frozen=True)
class Remittance:
    """One 835 transaction: a payment (or a zero-pay notice) and the claims it covers."""

    trace_number: str  # TRN02: the check or EFT trace number (unique per payer)
    payer: Party
    payee: Party
    payment_date: date  # BPR16
    total_paid: Decimal  # BPR02
    method: str = "ACH"  # BPR04: ACH, CHK, NON (no payment)
    claims: tuple[RemitClaim, ...] = ()
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    production_date: date | None = None  # DTM*405
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def claims_paid(self) -> Decimal:
        return sum((c.paid for c in self.claims), ZERO)

    @property
    def plb_total(self) -> Decimal:
        return sum((p.amount for p in self.provider_adjustments), ZERO)

    def balance_problems(self) -> list[str]:
        """Every 835 balancing rule this remittance breaks (empty when it balances)."""
        problems = [p for c in self.claims for p in c.balance_problems()]
        if self.claims_paid - self.plb_total != self.total_paid:
            problems.append(
                f"payment {self.trace_number}: BPR02 {self.total_paid} != claims paid "
                f"{self.claims_paid} - provider adjustments {self.plb_total}"
            )
        return problems

    def _repr_html_(self) -> str:
        head = (
            f"<div><b>{html.escape(self.payer.name)}</b> paid "
            f"<b>${self.total_paid:,}</b> by {html.escape(self.method)} "
            f"{html.escape(self.trace_number)} on {self.payment_date.isoformat()}</div>"
        )
        return head + eob_html(list(self.claims))


def eob_html(claims: list[RemitClaim]) -> str:
    """An explanation-of-benefits style table: a row per line with allowed, the
    adjustments by group and CARC, paid, and what the patient owes."""
    rows = []
    for c in claims:
        rows.append(
            "<tr style='background:#eef2f7'><td colspan='7'><b>Claim "
            f"{html.escape(c.patient_control_number)}</b> — {html.escape(c.patient.first_name)} "
            f"{html.escape(c.patient.last_name)} — {html.escape(c.status_text)} — payer claim "
            f"{html.escape(c.payer_claim_number)}"
            + (
                " — claim adjustments: " + html.escape(", ".join(a.code for a in c.adjustments))
                if c.adjustments
                else ""
            )
            + "</td></tr>"
        )
        for ln in c.lines:
            adj = "<br>".join(
                html.escape(
                    f"{a.code} ${a.amount:,}" + (f" ({', '.join(a.rarcs)})" if a.rarcs else "")
                )
                for a in ln.adjustments
            )
            allowed = "" if ln.allowed is None else f"${ln.allowed:,}"
            rows.append(
                "<tr>"
                f"<td>{ln.service_date.isoformat() if ln.service_date else ''}</td>"
                f"<td style='white-space:nowrap'>{html.escape(ln.code)}"
                f"{'-' + '-'.join(ln.modifiers) if ln.modifiers else ''}"
                f" x{ln.units}</td><td style='text-align:right'>${ln.charge:,}</td>"
                f"<td style='text-align:right'>{allowed}</td>"
                f"<td style='white-space:nowrap'>{adj}</td>"
                f"<td style='text-align:right'>${ln.paid:,}</td>"
                f"<td style='text-align:right'>${ln.patient_responsibility:,}</td></tr>"
            )
        rows.append(
            "<tr><td colspan='2'><i>claim total</i></td>"
            f"<td style='text-align:right'>${c.charge:,}</td><td></td><td></td>"
            f"<td style='text-align:right'><b>${c.paid:,}</b></td>"
            f"<td style='text-align:right'><b>${c.patient_responsibility:,}</b></td></tr>"
        )
    return (
        "<table style='border-collapse:collapse;font-size:90%'><thead><tr>"
        "<th>date</th><th>service</th><th>billed</th><th>allowed</th><th>adjustments</th>"
        "<th>paid</th><th>patient owes</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )
