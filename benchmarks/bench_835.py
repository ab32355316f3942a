#!/usr/bin/env python3
"""Benchmark 835 remittances: claims written and read per second, pyx12 time per 1,000.

    python benchmarks/bench_835.py [--claims 200000] [--per-payment 200] [--validate 2000]

Remittances are built from a seeded random.Random: each payment holds ``--per-payment``
claims of one to four service lines (paid lines with CO-45 and PR deductible/coinsurance,
some denials with CO/OA, some reversals, PLB interest), ten payments per 835 file.
``write_835`` is timed over every claim (goal: at least 50,000 claims/s on one core, so
the 1,000,000-claim cycle writes its 835s in 20 s), ``read_835`` over the files it wrote,
and pyx12 validation (``sim.x12.validate``) on one file of ``--validate`` claims. Prints
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

C = Decimal("0.01")
CODES = [("99213", "93.00"), ("99214", "131.00"), ("36415", "12.00"), ("81002", "9.00")]


def build(rng: random.Random, n_claims: int, per_payment: int) -> list:
    """Balanced remittances holding ``n_claims`` claims in all."""
    from sim.models import Address
    from sim.remittance import (
        Adjustment,
        Party,
        ProviderAdjustment,
        RemitClaim,
        RemitLine,
        RemitPerson,
        Remittance,
    )

    payer = Party("ACME HEALTH PLAN", "ACME01", Address("PO BOX 9", "AUSTIN", "TX", "78701"))
    payee = Party(
        "KESTREL CREEK FAMILY MEDICINE",
        "1234567893",
        Address("12 ELM ST", "AUSTIN", "TX", "78702"),
        "741234567",
    )
    out, k = [], 0
    while k < n_claims:
        claims = []
        for _ in range(min(per_payment, n_claims - k)):
            k += 1
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(60))
            lines = []
            roll = rng.random()
            for j in range(rng.randint(1, 4)):
                code, fee = rng.choice(CODES)
                charge = Decimal(fee) * 2
                if roll < 0.1:  # denied line
                    adjs = (Adjustment("CO", rng.choice(["97", "16", "204"]), charge),)
                    paid, allowed = Decimal("0.00"), None
                else:
                    allowed = Decimal(fee)
                    pr = (allowed * Decimal("0.2")).quantize(C)
                    adjs = (Adjustment("CO", "45", charge - allowed), Adjustment("PR", "2", pr))
                    paid = allowed - pr
                lines.append(RemitLine(f"{k}-{j}", code, charge, paid, 1, (), day, allowed, adjs))
            adjs = [a for ln in lines for a in ln.adjustments]
            charge = sum((ln.charge for ln in lines), Decimal(0))
            paid = sum((ln.paid for ln in lines), Decimal(0))
            pr = sum((a.amount for a in adjs if a.group == "PR"), Decimal(0))
            status = "4" if paid == 0 else "1"
            claims.append(
                RemitClaim(
                    f"CLM{k:09d}",
                    status,
                    charge,
                    paid,
                    pr,
                    "12",
                    f"ICN{k:012d}",
                    RemitPerson("PATIENT", f"P{k}", f"W{k:09d}"),
                    rendering_npi="1245319599",
                    lines=tuple(lines),
                    service_start=lines[0].service_date,
                    received=lines[0].service_date + timedelta(days=3),
                )
            )
        plb = (ProviderAdjustment("L6", "", Decimal("-1.25")),)
        total = sum((c.paid for c in claims), Decimal(0)) + Decimal("1.25")
        out.append(
            Remittance(
                f"EFT{len(out):09d}",
                payer,
                payee,
                date(2026, 3, 2),
                total,
                "ACH",
                tuple(claims),
                plb,
            )
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=200_000)
    ap.add_argument("--per-payment", type=int, default=200)
    ap.add_argument("--validate", type=int, default=2000, help="claims in the pyx12 file")
    args = ap.parse_args()

    from sim.x12.p835 import read_835, write_835
    from sim.x12.validate import validate

    rng = random.Random(835)
    t0 = time.process_time()
    rems = build(rng, args.claims, args.per_payment)
    t_build = time.process_time() - t0

    env = {"sender_id": "ACME01", "receiver_id": "KESTREL"}
    t0 = time.process_time()
    files = [write_835(rems[i : i + 10], control=i + 1, **env) for i in range(0, len(rems), 10)]
    t_write = time.process_time() - t0

    t0 = time.process_time()
    n_read = sum(len(r.claims) for f in files for r in read_835(f))
    t_read = time.process_time() - t0
    assert n_read == args.claims

    small = build(random.Random(1), args.validate, args.per_payment)
    text = write_835(small, **env)
    t0 = time.process_time()
    report = validate(text)
    t_val = time.process_time() - t0

    print(
        json.dumps(
            {
                "claims": args.claims,
                "lines": sum(len(c.lines) for r in rems for c in r.claims),
                "payments": len(rems),
                "files": len(files),
                "megabytes": round(sum(map(len, files)) / 1e6, 1),
                "build_s": round(t_build, 2),
                "write_s": round(t_write, 2),
                "write_claims_per_s": round(args.claims / t_write),
                "read_s": round(t_read, 2),
                "read_claims_per_s": round(args.claims / t_read),
                "pyx12_claims": args.validate,
                "pyx12_ok": report.ok,
                "pyx12_s_per_1000_claims": round(t_val / args.validate * 1000, 2),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
