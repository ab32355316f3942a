#!/usr/bin/env python3
"""Benchmark the practice ledger: record claims, post ERAs, age the A/R.

    python benchmarks/bench_ledger.py [--claims 1000000] [--era-size 2000] [--db PATH]

Claims (two service lines each) and their ERAs are built directly from the models in
batches of ``--era-size`` (building them is not timed). Each batch is recorded with
``record_claims`` (timed: claims/s) and answered by one ERA posted with ``post`` (timed:
lines/s; goal >= 50,000). Payments mix: fee-schedule paid with CO-45 and PR-1/2/3,
about 10% of lines denied (CO-197), a PLB interest line per ERA. Then the aging by
payer and by patient, days in A/R and ``check_invariants`` are timed, and the size of
the database file is printed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_batch(rng: random.Random, start: int, n: int, day: date) -> tuple[list, object]:
    """``n`` claims and the ERA that pays them."""
    from dataclasses import replace

    from sim.remittance import (
        Adjustment,
        ProviderAdjustment,
        RemitClaim,
        RemitLine,
        RemitPerson,
        Remittance,
    )
    from tests.sim.ledger_fixtures import PAYEE, PAYER, make_claim, patient

    template = make_claim("T", charges=("180.00", "45.00"), dos=day)
    claims, rcs = [], []
    person = RemitPerson("Test", "Ada")
    co45 = {}
    for i in range(start, start + n):
        cid = f"B{i:09d}"
        lines = tuple(replace(ln, control_number=f"{cid}-{ln.number}") for ln in template.lines)
        claim = replace(template, id=cid, lines=lines, patient=patient(f"A{i % 50000:06d}"))
        claims.append(claim)
        rl = []
        for ln in lines:
            if rng.random() < 0.1:
                adjs = (Adjustment("CO", "197", ln.charge),)
                paid = Decimal("0.00")
            else:
                allowed = (ln.charge * Decimal("0.6")).quantize(Decimal("0.01"))
                pr = Decimal(rng.choice(("0.00", "20.00", "10.00")))
                co = co45.setdefault(ln.charge, Adjustment("CO", "45", ln.charge - allowed))
                adjs = (co, Adjustment("PR", rng.choice(("1", "2", "3")), pr)) if pr else (co,)
                paid = allowed - pr
            rl.append(RemitLine(ln.control_number, ln.code, ln.charge, paid, adjustments=adjs))
        pr_total = sum((a.amount for x in rl for a in x.adjustments if a.group == "PR"), Decimal(0))
        rcs.append(
            RemitClaim(cid, "1", claim.total_charge, sum((x.paid for x in rl), Decimal(0)),
                       pr_total, "CI", f"I{cid}", person, lines=tuple(rl))
        )  # fmt: skip
    plb = (ProviderAdjustment("L6", claims[0].id, Decimal("-1.25")),)
    total = sum((c.paid for c in rcs), Decimal(0)) + Decimal("1.25")
    era = Remittance(f"EFT{start:010d}", PAYER, PAYEE, day + timedelta(days=21), total,
                     claims=tuple(rcs), provider_adjustments=plb)  # fmt: skip
    return claims, era


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--era-size", type=int, default=2000)
    ap.add_argument("--db", help="ledger file (default: a temporary file)")
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()

    from sim.ledger import Ledger

    tmp = tempfile.TemporaryDirectory()
    db = Path(args.db) if args.db else Path(tmp.name) / "bench.sqlite"
    rng = random.Random(args.seed)
    led = Ledger(db)
    t_rec = t_post = t_build = 0.0
    lines = claims_n = 0
    day = date(2025, 10, 1)
    for start in range(0, args.claims, args.era_size):
        n = min(args.era_size, args.claims - start)
        t0 = time.perf_counter()
        claims, era = build_batch(
            rng, start, n, day + timedelta(days=(start // args.era_size) % 180)
        )
        t1 = time.perf_counter()
        led.record_claims(claims, claims[0].first_service_date + timedelta(days=2))
        t2 = time.perf_counter()
        report = led.post(era)
        t3 = time.perf_counter()
        t_build, t_rec, t_post = t_build + t1 - t0, t_rec + t2 - t1, t_post + t3 - t2
        lines += report.lines_posted
        claims_n += n
    as_of = date(2026, 6, 30)
    t0 = time.perf_counter()
    led.aging(as_of)
    t1 = time.perf_counter()
    led.aging(as_of, by="patient")
    t2 = time.perf_counter()
    dar = led.days_in_ar(as_of)
    t3 = time.perf_counter()
    problems = led.check_invariants()
    t4 = time.perf_counter()
    led.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    led.close()
    size = db.stat().st_size
    print(
        json.dumps(
            {
                "claims": claims_n,
                "lines_posted": lines,
                "build_s (not timed)": round(t_build, 1),
                "record_s": round(t_rec, 2),
                "claims_per_s_recorded": round(claims_n / t_rec),
                "post_s": round(t_post, 2),
                "lines_per_s_posted": round(lines / t_post),
                "aging_by_payer_s": round(t1 - t0, 2),
                "aging_by_patient_s": round(t2 - t1, 2),
                "days_in_ar": dar,
                "days_in_ar_s": round(t3 - t2, 2),
                "check_invariants_s": round(t4 - t3, 2),
                "invariant_problems": len(problems),
                "db_mb": round(size / 1e6, 1),
                "db_bytes_per_claim": round(size / max(1, claims_n)),
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
