#!/usr/bin/env python3
"""Benchmark the whole revenue cycle at scale: claims per second per stage and peak memory.

    python benchmarks/bench_cycle.py [--claims 1000000] [--workers 2] [--no-notes]

Issue 5's goal: 1,000,000 claims in <= 60 s and <= 2 GB on 2 cores. The run streams, in
two phases over a process pool of ``--workers`` (nothing holds a million claims at once):

A. per chunk of :data:`sim.encounters.CHUNK` encounters (seeded by ``(seed, chunk)``):
   1. **generate** — encounters (``generate_chunk``) and their claims (``sim.claims``);
   2. **clearinghouse** — 837P files (one per payer and clinic week of the chunk, <= 500
      claims) written and scrubbed (pyx12 off); rejected claims corrected and resent a week
      later, as ``sim.cycle`` does;
   then the claims the payers receive are spilled to disk by partition
   (``partition_key`` = the patient: a patient's claims must meet one Adjudicator).
B. per partition:
   3. **adjudication** — ``Adjudicator.adjudicate_many`` in date-of-service order;
   4. **remittances + 835** — ``Adjudicator.remittances`` and ``write_835`` (one file per
      remittance, counted, not kept);
   5. **ledger** — claims recorded and ERAs posted in date order into the partition's own
      SQLite ledger; the parent adds up the partitions' ledger summaries and denials.

Stage figures: each worker measures the CPU time it spends in each stage; a stage's
"claims/s" is claims ÷ (summed CPU seconds ÷ workers), i.e. the rate the pool sustains on
that stage. Phase wall times and the total are measured by the clock. Peak memory is the
largest resident set of the parent and of any worker (``getrusage``); the processes run at
the same time, so their sum is bounded by parent + workers × the largest worker.

What this does *not* run (labelled in the output): coordination of benefits, denials
worked (corrections, appeals) and patient statements of ``sim.cycle.run_cycle``; a
remittance groups one payer's claims of one pay date *within a partition* (``run_cycle``
groups across the whole run, so there are more, smaller 835s here).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import resource
import shutil
import signal
import sys
import tempfile
import time
import zlib
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEED = 2026
CLAIMS_PER_FILE = 500
CLAIMS_PER_ENCOUNTER = 0.93  # about 7 % of visits are self-pay (no claim)
PARTITION_CLAIMS = 25_000  # claims per adjudication partition (memory per worker)
RESUBMIT_DELAY = 7  # as sim.cycle: a rejected claim is corrected and resent a week later
STAGES = ("generate", "clearinghouse", "spill", "adjudication", "remit_835", "ledger")

_CFG: dict[tuple[int, bool], Any] = {}


def _config(seed: int, notes: bool) -> Any:
    """The world of the run, loaded once per worker process (then kept out of the GC)."""
    cfg = _CFG.get((seed, notes))
    if cfg is None:
        from sim.encounters import warm_up
        from sim.simulate import make_config

        cfg = _CFG[(seed, notes)] = make_config(seed, notes=notes)
        warm_up(cfg)
        gc.collect()
        gc.freeze()  # the world and code sets are long-lived: not scanned by every collection
    return cfg


def _tune_gc() -> None:
    """Fewer young-generation collections: the stages allocate many long-lived objects."""
    gc.set_threshold(50_000, 20, 20)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- phase A: generate, clearinghouse, spill ------------------------------------------------


def _sent(cfg: Any, result: Any, subs: list[Any]) -> tuple[list[Any], list[Any]]:
    """(claims the payers receive with the day, claims recorded on the ledger with the day):
    ``sim.cycle._sent_claims`` for one chunk's submissions."""
    from sim import claims as claims_mod

    encounters = {e.id: e for e in result.encounters}
    received, recorded = [], []
    for sub in subs:
        day = date.fromisoformat(sub.name[:10]) + timedelta(days=4)  # sent on the Friday
        rejected = sub.rejected_claims()
        for c in sub.claims:
            recorded.append((c, day))
            if c.id not in rejected:
                received.append((c, day + timedelta(days=1)))
                continue
            e = encounters.get(c.encounter_id or c.id)
            fixed = claims_mod.for_encounter(result, e, billed=False) if e else None
            if fixed is not None:
                received.append((fixed, day + timedelta(days=RESUBMIT_DELAY + 1)))
    return received, recorded


def phase_a(job: tuple[int, bool, int, int, int, int, str]) -> dict[str, Any]:
    """Generate one chunk, send its claims through the clearinghouse, spill by partition."""
    from sim import claims as claims_mod
    from sim.clearinghouse.frontend import submit
    from sim.encounters import generate_chunk
    from sim.payer.adjudicate import partition_key

    seed, notes, chunk, count, first, parts, tmp = job
    _tune_gc()
    cfg = _config(seed, notes)
    cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    # 1. generate: encounters, then their claims
    t = time.process_time()
    gen = generate_chunk(cfg, chunk, count, first)
    result = SimpleNamespace(
        config=cfg, encounters=gen.encounters, patients=gen.patients, coverages=gen.coverages
    )
    batches: dict[tuple[date, str], list[Any]] = {}
    for e in gen.encounters:
        claim = claims_mod.for_encounter(result, e)
        if claim is not None:
            week = e.date - timedelta(days=e.date.weekday())
            batches.setdefault((week, claim.payer.id), []).append(claim)
    cpu["generate"] += time.process_time() - t
    # 2. clearinghouse: 837P write + scrubber (pyx12 off), corrected claims resent
    t = time.process_time()
    subs = []
    control = chunk * 1000
    for (week, payer_id), batch in sorted(batches.items()):
        for i in range(0, len(batch), CLAIMS_PER_FILE):
            control += 1
            name = f"{week.isoformat()}-{payer_id}-{control:07d}"
            created = datetime.combine(week + timedelta(days=4), dtime(18, 0))
            part = batch[i : i + CLAIMS_PER_FILE]
            subs.append(
                submit(part, name=name, control=control, created=created, validate_x12=False)
            )
    x12_bytes = sum(len(s.x12) for s in subs)
    rejected = sum(len(s.rejected_claims()) for s in subs)
    received, recorded = _sent(cfg, result, subs)
    cpu["clearinghouse"] += time.process_time() - t
    # spill: what each partition needs (claims, enrollment, encounter facts)
    t = time.process_time()
    encounters = {e.id: e for e in gen.encounters}
    out: dict[int, dict[str, Any]] = {}

    def bucket(claim: Any) -> dict[str, Any]:
        p = zlib.crc32(partition_key(claim).encode()) % parts
        b = out.get(p)
        if b is None:
            b = out[p] = {"received": [], "recorded": [], "coverages": {}, "encounters": {}}
        return b

    by_patient: dict[str, list[Any]] = {}
    for cov in gen.coverages.values():
        by_patient.setdefault(cov.patient_id, []).append(cov)
    for claim, day in received:
        b = bucket(claim)
        b["received"].append((claim, day))
        for cov in by_patient.get(claim.patient.id, ()):
            b["coverages"][cov.id] = cov
        e = encounters.get(claim.encounter_id or claim.id)
        if e is not None:
            b["encounters"][e.id] = (
                e.patient_id,
                e.visit_type,
                e.prior_auth,
                tuple(d.code for d in e.diagnoses),
            )
    for claim, day in recorded:
        bucket(claim)["recorded"].append((claim, day))
    for p, b in out.items():
        path = Path(tmp) / f"p{p:04d}" / f"c{chunk:06d}.pkl"
        path.parent.mkdir(exist_ok=True)
        with open(path, "wb") as f:
            pickle.dump(b, f, protocol=pickle.HIGHEST_PROTOCOL)
    cpu["spill"] += time.process_time() - t
    return {
        "encounters": len(gen.encounters),
        "claims": sum(len(s.claims) for s in subs),
        "lines": sum(len(c.lines) for s in subs for c in s.claims),
        "files_837p": len(subs),
        "x12_bytes": x12_bytes,
        "rejected": rejected,
        "received": len(received),
        "cpu": cpu,
        "rss_mb": _rss_mb(),
    }


# --- phase B: adjudicate, remit + 835, ledger ---------------------------------------------


def _load_partition(folder: Path) -> dict[str, Any]:
    whole: dict[str, Any] = {"received": [], "recorded": [], "coverages": {}, "encounters": {}}
    for f in sorted(folder.glob("c*.pkl")):
        with open(f, "rb") as fh:
            b = pickle.load(fh)
        whole["received"] += b["received"]
        whole["recorded"] += b["recorded"]
        whole["coverages"].update(b["coverages"])
        whole["encounters"].update(b["encounters"])
    return whole


def phase_b(job: tuple[int, bool, str, str]) -> dict[str, Any]:
    """Adjudicate one partition, write its remittances as 835s, post them to its ledger."""
    from sim.cycle import keep_books
    from sim.ledger import Ledger
    from sim.payer.adjudicate import Adjudicator
    from sim.x12.p835 import write_835

    seed, notes, folder, ledger_path = job
    _tune_gc()
    cfg = _config(seed, notes)
    cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    t = time.process_time()
    data = _load_partition(Path(folder))
    gc.collect()
    gc.freeze()  # the partition's claims live to the end: not scanned by every collection
    cpu["spill"] += time.process_time() - t
    # 3. adjudication (first pass), in date-of-service order
    t = time.process_time()
    enc = data["encounters"]
    auths: dict[str, set[str]] = {}
    for pid, _, auth, _ in enc.values():
        if auth:
            auths.setdefault(pid, set()).add(auth)
    payers = Adjudicator(
        payers=cfg.payers,
        plans=cfg.plans,
        practice=cfg.practice,
        coverages=data["coverages"],
        seed=seed,
        visit_types={k: v[1] for k, v in enc.items()},
        authorizations=auths,
        records={k: v[3] for k, v in enc.items()},
    )
    received = data["received"]
    decided = payers.adjudicate_many([c for c, _ in received], {c.id: d for c, d in received})
    cpu["adjudication"] += time.process_time() - t
    # 4. remittances and their 835s
    t = time.process_time()
    remits = payers.remittances(decided)
    x835 = 0
    for n, r in enumerate(remits, start=1):
        x835 += len(write_835([r], sender_id=r.payer.identifier, receiver_id="RCMLAB", control=n))
    cpu["remit_835"] += time.process_time() - t
    # 5. the ledger: claims recorded on their submission day, ERAs posted on their pay date
    t = time.process_time()
    events = [(day, 0, c.id, ("record", c)) for c, day in data["recorded"]]
    events += [(r.payment_date, 1, r.trace_number, ("post", r)) for r in remits]
    ledger = Ledger(ledger_path)
    keep_books(ledger, events)
    summary = ledger.summary()
    ledger.close()
    cpu["ledger"] += time.process_time() - t
    denied = [a for a in decided if a.denied]
    return {
        "adjudicated": len(decided),
        "adjudicated_lines": sum(len(a.lines) for a in decided),
        "denied": len(denied),
        "payer_errors": sum(a.payer_error for a in decided),
        "carcs": Counter(code for a in denied for code in sorted(set(a.carcs))),
        "remittances": len(remits),
        "x835_bytes": x835,
        "ledger": {k: str(v) for k, v in summary.items()},
        "cpu": cpu,
        "rss_mb": _rss_mb(),
    }


# --- the run ------------------------------------------------------------------------------


def _add(total: dict[str, Any], part: dict[str, Any]) -> None:
    for k, v in part.items():
        if k == "cpu":
            for s, x in v.items():
                total["cpu"][s] = total["cpu"].get(s, 0.0) + x
        elif k == "rss_mb":
            total["worker_rss_mb"] = max(total.get("worker_rss_mb", 0.0), v)
        elif k == "carcs":
            total.setdefault("carcs", Counter()).update(v)
        elif k == "ledger":
            from decimal import Decimal

            led = total.setdefault("ledger", {})
            for key, val in v.items():
                if key == "net_collection_rate" or val == "None":
                    continue
                led[key] = str(Decimal(led.get(key, "0")) + Decimal(val))
        else:
            total[k] = total.get(k, 0) + v


def _each(pool: ProcessPoolExecutor, fn: Any, jobs: list[Any]) -> Any:
    """``pool.map(fn, jobs)``; on an interrupt the jobs not yet started are cancelled."""
    try:
        yield from pool.map(fn, jobs)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise


def _progress(t0: float, what: str) -> None:
    print(f"  {time.perf_counter() - t0:7.1f} s  {what}", file=sys.stderr, flush=True)


def run(claims: int, workers: int, notes: bool, seed: int = SEED) -> dict[str, Any]:
    """Run both phases for about ``claims`` claims; returns the figures (see module doc)."""
    from sim.encounters import CHUNK

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    n_enc = -(-int(claims / CLAIMS_PER_ENCOUNTER) // CHUNK) * CHUNK
    chunks = n_enc // CHUNK
    parts = max(1, round(claims / PARTITION_CLAIMS))
    tmp = tempfile.mkdtemp(prefix="rcmlab-bench-cycle-")
    total: dict[str, Any] = {"cpu": {}}
    try:
        jobs_a = [(seed, notes, c, CHUNK, c * CHUNK, parts, tmp) for c in range(chunks)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, res in enumerate(_each(pool, phase_a, jobs_a), start=1):
                _add(total, res)
                if i % max(1, chunks // 10) == 0:
                    _progress(t0, f"phase A: {i}/{chunks} chunks")
        t_a = time.perf_counter()
        folders = sorted(Path(tmp).glob("p*"))
        spill_mb = sum(f.stat().st_size for d in folders for f in d.iterdir()) / 2**20
        jobs_b = [(seed, notes, str(d), str(d / "ledger.sqlite")) for d in folders]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for i, res in enumerate(_each(pool, phase_b, jobs_b), start=1):
                _add(total, res)
                if i % max(1, len(jobs_b) // 10) == 0:
                    _progress(t0, f"phase B: {i}/{len(jobs_b)} partitions")
        t_b = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    worker = max(kids, total.pop("worker_rss_mb", 0.0))
    total.update(
        claims_requested=claims,
        workers=workers,
        notes=notes,
        partitions=parts,
        chunks=chunks,
        spill_mb=round(spill_mb, 1),
        phase_a_s=round(t_a - t0, 2),
        phase_b_s=round(t_b - t_a, 2),
        total_s=round(t_b - t0, 2),
        parent_rss_mb=round(me, 1),
        worker_rss_mb=round(worker, 1),
        rss_bound_mb=round(me + workers * worker, 1),
        loadavg_before=[round(x, 2) for x in load_before],
        loadavg_after=[round(x, 2) for x in os.getloadavg()],
        gc="worker world frozen (gc.freeze), gc.set_threshold(50000, 20, 20)",
    )
    total["carcs"] = dict(total.get("carcs", Counter()).most_common(10))
    return total


def report(r: dict[str, Any]) -> str:
    """The figures as a readable table."""
    n = r["claims"]
    w = r["workers"]
    lines = [
        f"bench_cycle: {r['encounters']:,} encounters -> {n:,} claims ({r['lines']:,} lines), "
        f"{w} workers, notes {'on' if r['notes'] else 'off'}, {r['chunks']} chunks, "
        f"{r['partitions']} partitions",
        f"load average before {r['loadavg_before']}, after {r['loadavg_after']} "
        f"(2 cores shared with other work)",
        "",
        f"{'stage':<34}{'CPU s (all workers)':>20}{'claims/s on pool':>18}{'us/claim CPU':>14}",
    ]
    labels = {
        "generate": "1 generate encounters + claims",
        "clearinghouse": "2 clearinghouse (837P + scrubber)",
        "spill": "   spill/load partitions (bench)",
        "adjudication": "3 adjudication (first pass)",
        "remit_835": "4 remittances + 835 writing",
        "ledger": "5 ledger posting (SQLite)",
    }
    for stage in STAGES:
        cpu = r["cpu"].get(stage, 0.0)
        rate = n / (cpu / w) if cpu else float("inf")
        lines.append(f"{labels[stage]:<34}{cpu:>20.1f}{rate:>18,.0f}{cpu / n * 1e6:>14.0f}")
    lines += [
        "",
        f"phase A (stages 1-2 + spill) wall {r['phase_a_s']} s; phase B (3-5) wall "
        f"{r['phase_b_s']} s; total {r['total_s']} s = {n / r['total_s']:,.0f} claims/s end to end",
        f"peak RSS: parent {r['parent_rss_mb']} MB, largest worker {r['worker_rss_mb']} MB, "
        f"all processes <= {r['rss_bound_mb']} MB; spill on disk {r['spill_mb']} MB",
        f"837P files {r['files_837p']:,} ({r['x12_bytes'] / 2**20:,.0f} MB), rejected claims "
        f"{r['rejected']:,}; adjudicated {r['adjudicated']:,} (denied {r['denied']:,}, payer "
        f"errors {r['payer_errors']:,}); 835s {r['remittances']:,} "
        f"({r['x835_bytes'] / 2**20:,.0f} MB)",
        f"top denials: {r['carcs']}",
        f"ledger (sum of partitions): charges {r['ledger'].get('charges')}, payments "
        f"{r['ledger'].get('payments')}, A/R {r['ledger'].get('ar_total')}",
        "not run here: COB/secondary claims, denials worked, appeals, patient statements "
        "(sim.cycle.run_cycle does them).",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000, help="about this many claims")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-notes", action="store_true", help="skip the note text (faster)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = ap.parse_args()
    if args.claims < 1 or args.workers < 1:
        print("bench_cycle: --claims and --workers must be at least 1", file=sys.stderr)
        return 2
    # a terminated run still removes its spill folder (run's finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    r = run(args.claims, args.workers, notes=not args.no_notes, seed=args.seed)
    print(report(r))
    if args.json:
        print(json.dumps(r, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
