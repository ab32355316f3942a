#!/usr/bin/env python3
"""Benchmark the simulator: encounters per second (with notes) and peak memory.

    python benchmarks/bench_sim.py [--sizes 10000 100000] [--workers 2]

Each size runs in a fresh subprocess (so imports, code-set loading and process start-up
are counted, as a learner's `rcmlab simulate` would pay them), generating the encounters
with their notes and verified keys and building the output tables. Writing the CSV files
is timed separately. Peak memory is the largest resident set of the run's processes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from sim.simulate import simulate
n, workers, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
r = simulate(2026, n, workers=workers, claims=False)  # claims are timed by bench_claims.py
t1 = time.perf_counter()
tables = r.tables
t2 = time.perf_counter()
r.write(out)
t3 = time.perf_counter()
me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({
    "encounters": n, "workers": workers,
    "generate_s": round(t1 - t0, 3), "tables_s": round(t2 - t1, 3), "write_s": round(t3 - t2, 3),
    "total_s": round(t3 - t0, 3),
    "encounters_per_s": round(n / (t2 - t0)),
    "peak_rss_mb": round(max(me, kids) / 1024, 1),
    "note_chars_avg": round(sum(len(e.note) for e in r.encounters) / n),
}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = []
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as out:
            res = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.workers), out],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
        row = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"{n:>7,} encounters, {row['workers']} workers: generate+tables "
            f"{row['generate_s'] + row['tables_s']:.2f} s ({row['encounters_per_s']:,}/s), "
            f"write CSV {row['write_s']:.2f} s, peak RSS {row['peak_rss_mb']} MB, "
            f"avg note {row['note_chars_avg']} chars"
        )
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
