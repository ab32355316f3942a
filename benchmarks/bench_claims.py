#!/usr/bin/env python3
"""Benchmark claims: 837P claims written per second, and pyx12 validation of one file.

    python benchmarks/bench_claims.py [--claims 100000] [--batch 5000] [--simulate 5000]
                                      [--workers 2] [--no-validate]

Claims come from the simulator (``--simulate`` encounters with ``--workers`` processes,
then ``sim.claims.from_encounter``). Simulating 100,000 encounters takes minutes, far more
than writing their claims, so the simulated claims are replicated with new claim ids
(CLM01) and line control numbers up to ``--claims``; the output says how many were
simulated and how many replicated. ``write_837p`` is then timed over the whole set in
files of ``--batch`` claims (goal: 100,000 claims in at most 10 s), and pyx12 validation
is timed on one file of ``--batch`` claims.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CREATED = datetime(2026, 3, 2, 8, 0)


def build_claims(total: int, simulate_n: int, workers: int) -> tuple[list, dict]:
    """``total`` claims: simulated ones, then copies with new ids. Returns (claims, info)."""
    from sim import claims as claims_mod
    from sim.simulate import simulate

    t0 = time.perf_counter()
    r = simulate(2026, simulate_n, workers=workers, claims=False)
    base = claims_mod.of_result(r)
    t1 = time.perf_counter()
    out = list(base[:total])
    k = 0
    while len(out) < total:
        src = base[k % len(base)]
        cid = f"R{k:09d}"
        lines = tuple(replace(ln, control_number=f"{cid}-{ln.number}") for ln in src.lines)
        out.append(replace(src, id=cid, lines=lines))
        k += 1
    t2 = time.perf_counter()
    info = {
        "encounters_simulated": simulate_n,
        "claims_simulated": len(base),
        "claims_replicated": max(0, total - len(base)),
        "simulate_s": round(t1 - t0, 2),
        "replicate_s": round(t2 - t1, 2),
    }
    return out, info


def bench_write(claims: list, batch: int) -> dict:
    """Time ``write_837p`` over ``claims`` in files of ``batch`` claims."""
    from sim.x12.p837 import write_837p

    files = 0
    size = 0
    t0 = time.perf_counter()
    for i in range(0, len(claims), batch):
        text = write_837p(
            claims[i : i + batch],
            sender_id="RCMLABPRACTICE",
            receiver_id="RCMLABCH",
            interchange_control=i // batch + 1,
            created=CREATED,
        )
        files += 1
        size += len(text)
    dt = time.perf_counter() - t0
    return {
        "claims": len(claims),
        "files": files,
        "batch": batch,
        "write_s": round(dt, 3),
        "claims_per_s": round(len(claims) / dt),
        "mb_written": round(size / 1e6, 1),
    }


def bench_validate(claims: list) -> dict:
    """Time pyx12 validation of one file holding ``claims``."""
    from sim.x12.p837 import write_837p
    from sim.x12.validate import validate

    text = write_837p(
        claims,
        sender_id="RCMLABPRACTICE",
        receiver_id="RCMLABCH",
        interchange_control=1,
        created=CREATED,
    )
    t0 = time.perf_counter()
    report = validate(text, name="bench.837")
    dt = time.perf_counter() - t0
    return {
        "claims": len(claims),
        "segments": report.segments,
        "validate_s": round(dt, 2),
        "segments_per_s": round(report.segments / dt),
        "findings": len(report.findings),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=5_000)
    ap.add_argument("--simulate", type=int, default=5_000, help="encounters to simulate")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-validate", action="store_true", help="skip the pyx12 timing")
    ap.add_argument("--no-scrub", action="store_true", help="skip the scrubber benchmark")
    args = ap.parse_args()

    claims, info = build_claims(args.claims, args.simulate, args.workers)
    print(
        f"claims: {info['claims_simulated']:,} from {info['encounters_simulated']:,} simulated "
        f"encounters ({info['simulate_s']} s, {args.workers} workers), "
        f"{info['claims_replicated']:,} more replicated with new claim ids "
        f"({info['replicate_s']} s): simulating {args.claims:,} encounters would dominate"
    )
    w = bench_write(claims, args.batch)
    goal = "meets" if w["write_s"] * 100_000 / w["claims"] <= 10 else "MISSES"
    print(
        f"837P write: {w['claims']:,} claims in {w['files']} files of {w['batch']:,}: "
        f"{w['write_s']:.2f} s, {w['claims_per_s']:,} claims/s, {w['mb_written']} MB "
        f"(100,000 claims in {100_000 / w['claims_per_s']:.2f} s: {goal} the 10 s goal)"
    )
    result = {"claims": info, "write": w}
    if not args.no_validate:
        v = bench_validate(claims[: args.batch])
        print(
            f"pyx12 validation of one {v['claims']:,}-claim file ({v['segments']:,} segments): "
            f"{v['validate_s']:.1f} s ({v['segments_per_s']:,} segments/s), "
            f"{v['findings']} findings"
        )
        result["validate"] = v
    if not args.no_scrub:
        # The scrubber's own benchmark (benchmarks/bench_scrubber.py): claim lines/s.
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bench_scrubber import bench_scrub

        result["scrub"] = bench_scrub(1_000_000)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
