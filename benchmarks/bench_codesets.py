#!/usr/bin/env python3
"""Benchmark the code sets: prints the figures the foundation issue asks for.

    python benchmarks/bench_codesets.py [--quick]

* ICD-10-CM cold build (from the XML, empty cache) and warm ready time (fresh process,
  index from the cache), each in its own subprocess;
* lookup and validate latency (µs), over random codes, cache-cold (first lookup of each code);
* keyword search latency (p50/p95/max ms) over realistic learner queries with typos
  and prefixes;
* NCCI PTP pair lookup (µs) and MUE lookup, PFS allowed-amount computation;
* the same machine's ``simple_icd_10_cm`` import + first query, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _py(code: str, env: dict[str, str] | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


READY = """
import json, time
t = time.perf_counter()
from codesets import icd10cm
built = icd10cm.load()
icd10cm.is_billable("E11.22")
print(json.dumps({"seconds": time.perf_counter() - t, "built": built}))
"""

SICM = """
import json, time, warnings
warnings.simplefilter("ignore")
t = time.perf_counter()
import simple_icd_10_cm as s
s.is_leaf("E11.22"); s.get_description("E11.22")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

NCCI_READY = """
import json, time
t = time.perf_counter()
from codesets import ncci
ncci.ptp("20610", "76942")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def timeit_us(fn, args, repeat: int = 1) -> float:
    t = time.perf_counter()
    for _ in range(repeat):
        for a in args:
            fn(*a)
    return (time.perf_counter() - t) / (len(args) * repeat) * 1e6


def queries(rng: random.Random, icd) -> list[str]:
    """Learner-style queries: description words, abbreviations, typos, prefixes."""
    base = [
        "type 2 diabetes ckd",
        "essential hypertension",
        "acute sinusitis",
        "otitis media",
        "strep throat",
        "urinary tract infection",
        "low back pain",
        "chest pain",
        "ankle sprain left",
        "fracture distal radius right initial",
        "copd exacerbation",
        "major depressive disorder recurrent",
        "hyperlipidemia",
        "obesity bmi 35",
        "pregnancy supervision first trimester",
        "well child exam",
        "asthma mild persistent",
        "atrial fibrillation",
        "heart failure",
        "pneumonia",
        "migraine",
        "gerd",
        "diabetis",
        "hypertention",
        "fractre femur",
        "osteoarthritis knee",
        "dermatitis",
        "cellulitis left leg",
        "laceration forearm",
        "influenza",
        "covid",
        "anemia",
        "vitamin d deficiency",
        "hypothyroidism",
        "tobacco use",
        "long term insulin",
        "screening colon",
        "encounter for immunization",
        "abdominal pain",
        "cough",
        "fever",
    ]
    descs = [d for d in (icd.description(c) for c in rng.sample(icd.all_codes(True), 200)) if d]
    out = list(base)
    for d in descs:
        words = [w for w in d.lower().replace(",", " ").split() if len(w) > 3][:4]
        if not words:
            continue
        q = " ".join(words[: rng.randint(1, len(words))])
        r = rng.random()
        if r < 0.25 and len(q) > 6:  # a typo
            i = rng.randrange(1, len(q) - 1)
            q = q[:i] + q[i + 1 :]
        elif r < 0.5:  # typing: a prefix of the last word
            q = q[: max(3, len(q) - rng.randint(1, 4))]
        out.append(q)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = ap.parse_args()
    reps = 3 if args.quick else 5
    rng = random.Random(2026)
    figures: dict[str, object] = {}

    with tempfile.TemporaryDirectory() as cold_dir:
        cold = _py(READY, {"RCMLAB_CACHE_DIR": cold_dir})
        assert cold["built"], "expected a cold build"
        figures["icd10cm_cold_build_s"] = round(cold["seconds"], 3)
        warm = [_py(READY, {"RCMLAB_CACHE_DIR": cold_dir}) for _ in range(reps)]
        assert not any(w["built"] for w in warm)
        figures["icd10cm_warm_ready_s"] = round(statistics.median(w["seconds"] for w in warm), 3)
        figures["icd10cm_warm_ready_max_s"] = round(max(w["seconds"] for w in warm), 3)
        cold_ncci = _py(NCCI_READY, {"RCMLAB_CACHE_DIR": cold_dir})
        warm_ncci = _py(NCCI_READY, {"RCMLAB_CACHE_DIR": cold_dir})
        figures["ncci_cold_build_s"] = round(cold_ncci["seconds"], 3)
        figures["ncci_warm_ready_s"] = round(warm_ncci["seconds"], 3)

    sicm = [_py(SICM)["seconds"] for _ in range(max(2, reps // 2))]
    figures["simple_icd_10_cm_import_first_query_s"] = round(statistics.median(sicm), 3)
    figures["speedup_warm_vs_simple_icd_10_cm"] = round(
        figures["simple_icd_10_cm_import_first_query_s"] / figures["icd10cm_warm_ready_s"], 1
    )

    sys.path.insert(0, str(ROOT))
    from codesets import icd10cm, ncci, pfs

    icd10cm.load()
    codes = icd10cm.all_codes()
    sample = [(c,) for c in rng.sample(codes, 20_000)]
    figures["icd10cm_lookup_first_us"] = round(timeit_us(icd10cm.lookup, sample), 2)
    figures["icd10cm_lookup_repeat_us"] = round(timeit_us(icd10cm.lookup, sample), 2)
    figures["icd10cm_is_billable_us"] = round(timeit_us(icd10cm.is_billable, sample), 2)
    typed = [(c.replace(".", "").lower(),) for (c,) in sample[:5000]]
    figures["icd10cm_validate_us"] = round(timeit_us(icd10cm.validate, typed), 2)

    qs = queries(rng, icd10cm)
    icd10cm.search("warm up")  # loads numpy and the search arrays once
    times = []
    for q in qs:
        t = time.perf_counter()
        icd10cm.search(q, limit=10)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    figures["icd10cm_search_queries"] = len(qs)
    figures["icd10cm_search_p50_ms"] = round(times[len(times) // 2], 2)
    figures["icd10cm_search_p95_ms"] = round(times[int(len(times) * 0.95)], 2)
    figures["icd10cm_search_max_ms"] = round(times[-1], 2)

    ncci.ptp("20610", "76942")
    edits = ncci.ptp_column2("20610")
    pairs = [(e.column1, e.column2) for e in edits] + [("99213", "99214"), ("20610", "99999")]
    pairs = pairs * max(1, 20_000 // len(pairs))
    figures["ncci_ptp_pair_lookup_us"] = round(timeit_us(ncci.ptp, pairs), 3)
    figures["ncci_check_pair_us"] = round(
        timeit_us(lambda a, b: ncci.check_pair(a, b, (), ("59",)), pairs[:5000]), 2
    )
    mues = [(c,) for c in ("20610", "99213", "J1100", "71046", "36415")] * 4000
    figures["ncci_mue_lookup_us"] = round(timeit_us(ncci.mue, mues), 3)
    amounts = [("99213",), ("20610",), ("71046",)] * 3000
    figures["pfs_allowed_amount_us"] = round(timeit_us(pfs.allowed_amount, amounts), 2)

    width = max(len(k) for k in figures)
    for k, v in figures.items():
        print(f"{k:<{width}}  {v}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
