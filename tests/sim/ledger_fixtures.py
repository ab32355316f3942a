"""Claims and remittances built directly from the models, for the ledger tests."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from sim.claims import BillingProvider, Claim, ClaimLine, Insured, OtherCoverage, PayerInfo
from sim.models import Address, Patient
from sim.remittance import (
    Adjustment,
    Party,
    ProviderAdjustment,
    RemitClaim,
    RemitLine,
    RemitPerson,
    Remittance,
    money,
)

ADDR = Address("12 Elm St", "Springfield", "IL", "62701")
PAYER = Party("Prairie Health Plan", "PHP01", ADDR)
SECOND = Party("Gap Mutual", "GAP02", ADDR)
PAYEE = Party("Kestrel Creek Family Medicine", "1234567893", ADDR, "12-3456789")
BILLING = BillingProvider(
    "Kestrel Creek Family Medicine", "1234567893", "12-3456789", "207Q00000X", ADDR, "2175550100"
)
CODES = ("99213", "99214", "36415", "81002", "93000", "90471")


def patient(account: str) -> Patient:
    return Patient(
        f"P{account}",
        account,
        "Ada",
        f"Test{account[-3:]}",
        "F",
        date(1960, 5, 1),
        ADDR,
        "2175550101",
    )


def make_claim(
    cid: str,
    account: str = "A001",
    charges: tuple[str, ...] = ("200.00",),
    dos: date = date(2026, 1, 5),
    secondary: bool = False,
) -> Claim:
    lines = tuple(
        ClaimLine(
            n, dos, "11", CODES[(n - 1) % len(CODES)], charge=money(ch), control_number=f"{cid}-{n}"
        )
        for n, ch in enumerate(charges, start=1)
    )
    other = (
        OtherCoverage("Ada", "Test", "G1", "Gap plan", SECOND.name, SECOND.identifier, "S")
        if secondary
        else None
    )
    return Claim(
        id=cid,
        patient=patient(account),
        insured=Insured("M1", "Ada", "Test", "F", date(1960, 5, 1), ADDR, "18"),
        payer=PayerInfo("php", PAYER.name, PAYER.identifier, "CI", ADDR),
        billing=BILLING,
        diagnoses=("I10",),
        lines=lines,
        other_coverage=other,
    )


def adj(group: str, carc: str, amount: str | Decimal) -> Adjustment:
    return Adjustment(group, carc, money(amount))


def rline(claim: Claim, n: int, paid: str | Decimal, *adjs: Adjustment) -> RemitLine:
    ln = claim.lines[n - 1]
    return RemitLine(
        ln.control_number,
        ln.code,
        ln.charge,
        money(paid),
        service_date=ln.service_date,
        adjustments=tuple(adjs),
    )


def rclaim(
    claim: Claim, lines: list[RemitLine], status: str = "1", icn: str | None = None, **kw
) -> RemitClaim:
    pr = sum((a.amount for ln in lines for a in ln.adjustments if a.group == "PR"), money(0))
    return RemitClaim(
        claim.id,
        status,
        sum((ln.charge for ln in lines), money(0)),
        sum((ln.paid for ln in lines), money(0)),
        pr,
        "CI",
        icn or f"ICN{claim.id}",
        RemitPerson("Test", "Ada"),
        lines=tuple(lines),
        **kw,
    )


def negate(rc: RemitClaim) -> RemitClaim:
    """The CLP02 22 reversal of a claim payment (every amount negated): the payer engine's."""
    from sim.payer.adjudicate import reversal

    return reversal(rc)


def era(
    trace: str,
    claims: list[RemitClaim],
    plb: tuple[ProviderAdjustment, ...] = (),
    payer: Party = PAYER,
    paid_on: date = date(2026, 2, 2),
) -> Remittance:
    total = sum((c.paid for c in claims), money(0)) - sum((p.amount for p in plb), money(0))
    return Remittance(
        trace, payer, PAYEE, paid_on, total, claims=tuple(claims), provider_adjustments=plb
    )


# --- a random month of a practice (for the property tests) ------------------------------


def paid_line(rng: random.Random, claim: Claim, n: int) -> RemitLine:
    """A line paid under a fee schedule: CO-45, then deductible / coinsurance / copay."""
    charge = claim.lines[n - 1].charge
    allowed = money(charge * Decimal(rng.choice(("0.45", "0.6", "0.72", "1"))))
    adjs = [adj("CO", "45", charge - allowed)] if charge != allowed else []
    left = allowed
    for carc in rng.sample(("1", "2", "3"), rng.randint(0, 2)):
        amount = min(left, money(rng.choice(("10", "25.5", "40", "500"))))
        if amount:
            adjs.append(adj("PR", carc, amount))
            left -= amount
    return rline(claim, n, left, *adjs)


def denied_line(rng: random.Random, claim: Claim, n: int) -> RemitLine:
    carc = rng.choice(("197", "16", "97", "50", "29"))
    return rline(claim, n, "0", adj("CO", carc, claim.lines[n - 1].charge))


FEES = (60, 95, 145.5, 230, 410)


def random_month(seed: int, n_claims: int = 12) -> tuple[list[Claim], list[Remittance], list]:
    """Claims, the ERAs that answer them (paid, partly paid, denied, crossover, reversed
    and reprocessed, PLB interest and recoupments, unknown claims) and patient payments."""
    rng = random.Random(seed)
    start = date(2026, 1, 5)
    claims = [
        make_claim(
            f"C{seed}-{i}",
            f"A{rng.randint(1, 5):03d}",
            tuple(str(rng.choice(FEES)) for _ in range(rng.randint(1, 4))),
            start + timedelta(days=rng.randint(0, 25)),
            secondary=rng.random() < 0.2,
        )
        for i in range(n_claims)
    ]
    eras, first = [], []
    for c in claims:
        lines = [
            denied_line(rng, c, n) if rng.random() < 0.2 else paid_line(rng, c, n)
            for n in range(1, len(c.lines) + 1)
        ]
        status = "19" if c.other_coverage and rng.random() < 0.7 else "1"
        extra = {"crossover_payer": SECOND.name} if status == "19" else {}
        first.append(rclaim(c, lines, status, **extra))
    unknown = rclaim(
        make_claim(f"X{seed}"), [rline(make_claim(f"X{seed}"), 1, "50", adj("CO", "45", "150"))]
    )
    plb = []
    if rng.random() < 0.5:
        plb.append(ProviderAdjustment("L6", claims[0].id, money("-3.17")))
    eras.append(era(f"T{seed}-1", [*first, unknown] if rng.random() < 0.5 else first, tuple(plb)))
    # A second ERA: reversals with reprocessing, and a recoupment.
    second, plb2 = [], []
    for rc, c in zip(first, claims, strict=True):
        if rc.status == "1" and rng.random() < 0.25:
            again = [paid_line(rng, c, n) for n in range(1, len(c.lines) + 1)]
            second += [negate(rc), rclaim(c, again, icn=f"ICN{c.id}-R")]
    paid = [rc for rc in first if rc.paid > 0]
    if paid and rng.random() < 0.5:
        plb2.append(ProviderAdjustment("WO", rng.choice(paid).payer_claim_number, money("5.00")))
    if rng.random() < 0.3:
        plb2.append(ProviderAdjustment("WO", "NOSUCHICN", money("2.00")))
    if second or plb2:
        eras.append(era(f"T{seed}-2", second, tuple(plb2), paid_on=date(2026, 2, 20)))
    # Secondary payments for the crossovers.
    sec = []
    for rc, c in zip(first, claims, strict=True):
        if rc.status != "19":
            continue
        lines = []
        for ln in rc.lines:
            forwarded = ln.patient_responsibility
            pr2 = min(forwarded, money(rng.choice(("0", "5", "12.5"))))
            prior = ln.charge - forwarded
            adjs = [adj("OA", "23", prior)] if prior else []
            adjs += [adj("PR", "2", pr2)] if pr2 else []
            lines.append(replace(ln, paid=forwarded - pr2, adjustments=tuple(adjs)))
        sec.append(rclaim(c, lines, "2", icn=f"SEC{c.id}"))
    if sec:
        eras.append(era(f"S{seed}", sec, payer=SECOND, paid_on=date(2026, 3, 2)))
    payments = [
        (f"A{rng.randint(1, 5):03d}", money(rng.choice(("10", "35", "80"))), date(2026, 3, 10))
        for _ in range(rng.randint(0, 4))
    ]
    return claims, eras, payments
