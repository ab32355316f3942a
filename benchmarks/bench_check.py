#!/usr/bin/env python3
"""Benchmark answer checking and class grading: prints the figures issue 6 asks for.

    python benchmarks/bench_check.py [--students 200] [--exercises 50] [--seed 0]

* check latency p50/p95/max (ms) over every bank exercise and a few generated ones, each
  with a right, a partial and a wrong response (goal: p95 <= 50 ms);
* a class of N students x M exercises built with ``rcmlab assign`` (the sample spec's
  way: bank ids, plus generator entries if the bank is short), simulated responses
  (60 % right, 25 % partial, 15 % wrong), graded end to end with ``rcmlab grade``
  (the command's own code path; goal <= 10 s for 200 x 50 on 2 cores).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from exercises import assign as A  # noqa: E402
from exercises.check import check  # noqa: E402
from exercises.load import bank  # noqa: E402
from exercises.model import Exercise, ExerciseError  # noqa: E402
from rcmlab.cli import main as rcmlab  # noqa: E402

# --- responses of three qualities -----------------------------------------------------------


def _bump(value):
    """A wrong-but-well-formed value: amounts off by 10.00, other values kept."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(value + 10, 2)
    if isinstance(value, dict):
        return {k: _bump(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_bump(v) for v in value]
    return value


def responses(ex: Exercise, rng: random.Random) -> dict[str, dict]:
    """{"right": ..., "partial": ..., "wrong": ...} for an exercise."""
    key = copy.deepcopy(ex.answer)
    if ex.kind == "multiple-choice":
        other = [c for c in ex.choices if c != key["choice"]] or ["A"]
        return {
            "right": key,
            "partial": {"choice": f" {key['choice'].lower()} "},
            "wrong": {"choice": rng.choice(other)},
        }
    partial = copy.deepcopy(key)
    wrong = _bump(key)
    if "diagnoses" in key:
        partial["diagnoses"] = [*key["diagnoses"][:1], "R69"]
        wrong["diagnoses"] = ["R69", "Z00.00"]
    if "procedures" in key:
        partial["procedures"] = [{**ln, "modifiers": []} for ln in key["procedures"]]
        wrong["procedures"] = [
            {**ln, "units": int(ln.get("units", 1)) + 3, "dx_pointers": [2]}
            for ln in key["procedures"]
        ][:1]
    if ex.kind not in ("diagnosis-coding", "procedure-coding", "full-encounter"):
        names = sorted(partial)
        for name in names[: len(names) // 2]:
            if isinstance(partial[name], dict):  # claim form: half the boxes
                boxes = sorted(partial[name])
                partial[name] = {b: partial[name][b] for b in boxes[: len(boxes) // 2]}
            elif isinstance(partial[name], int | float) and not isinstance(partial[name], bool):
                partial[name] = _bump(partial[name])
    return {"right": key, "partial": partial, "wrong": wrong}


def generated(n_each: int) -> list[Exercise]:
    try:
        from exercises.generators import GENERATORS, generate
    except ImportError:
        return []
    out = []
    for name in sorted(GENERATORS):
        for seed in range(1, n_each + 1):
            try:
                out.append(generate(name, seed))
            except Exception as exc:  # report, keep measuring the rest
                print(f"  generator {name} seed {seed} failed: {exc}", file=sys.stderr)
    return out


# --- 1. check latency -----------------------------------------------------------------------


def bench_latency(exercises: list[Exercise], rng: random.Random) -> dict:
    for ex in exercises[:5]:  # warm the code-set indexes once
        check(ex, ex.answer)
    times, errors, by_quality = [], 0, {"right": [], "partial": [], "wrong": []}
    for ex in exercises:
        for quality, resp in responses(ex, rng).items():
            t = time.perf_counter()
            try:
                r = check(ex, resp)
                by_quality[quality].append(r.score)
            except ExerciseError:
                errors += 1
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "checks": len(times),
        "p50_ms": round(statistics.median(times), 3),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 3),
        "max_ms": round(times[-1], 3),
        "malformed": errors,
        "mean_score": {q: round(statistics.mean(v), 3) for q, v in by_quality.items() if v},
    }


# --- 2. a class, assigned and graded ----------------------------------------------------------


def build_class(tmp: Path, pool: dict[str, Exercise], students: int, n_ex: int) -> Path:
    by_kind: dict[str, list[str]] = {}
    for eid, ex in sorted(pool.items()):
        by_kind.setdefault(ex.kind, []).append(eid)
    ids: list[str] = []
    while len(ids) < n_ex and any(by_kind.values()):  # round robin over the kinds
        for kind in sorted(by_kind):
            if by_kind[kind] and len(ids) < n_ex:
                ids.append(by_kind[kind].pop(0))
    items = [f"  - {i}" for i in ids]
    if len(ids) < n_ex:
        items.append(f"  - {{generate: diagnosis-coding, count: {n_ex - len(ids)}}}")
    spec = tmp / "spec.yaml"
    spec.write_text(
        "id: bench\ntitle: Benchmark class\nshuffle_choices: yes\nitems:\n"
        + "\n".join(items)
        + "\n"
    )
    roster = tmp / "roster.csv"
    roster.write_text(
        "student_id,name,email\n"
        + "".join(f"st{i:04d},Student {i},st{i:04d}@example.edu\n" for i in range(students))
    )
    t = time.perf_counter()
    code = rcmlab(
        [
            "assign",
            "--roster",
            str(roster),
            "--assignment",
            str(spec),
            "--out",
            str(tmp / "class"),
            "--quiet",
        ]
    )
    assert code == 0, "assign failed"
    print(f"  assign: {students} students x {n_ex} exercises in {time.perf_counter() - t:.2f} s")
    return tmp / "class"


def simulate_submissions(out: Path, sub: Path, rng: random.Random) -> None:
    keys = json.loads((out / "instructor" / "keys.json").read_text())
    for sid, entry in keys["students"].items():
        answers = {}
        for item in entry["exercises"]:
            ex = A.exercise_from_dict(item)
            quality = rng.choices(["right", "partial", "wrong"], [60, 25, 15])[0]
            answers[ex.id] = responses(ex, rng)[quality]
        (sub / f"{sid}.json").write_text(
            json.dumps(
                {"assignment": keys["assignment"]["id"], "student_id": sid, "responses": answers}
            )
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=200)
    ap.add_argument("--exercises", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)

    pool = bank()
    extra = generated(3)
    lat = bench_latency(list(pool.values()) + extra, rng)
    print(
        f"check latency over {len(pool)} bank + {len(extra)} generated exercises "
        f"({lat['checks']} checks: right/partial/wrong):"
    )
    print(
        f"  p50 {lat['p50_ms']} ms  p95 {lat['p95_ms']} ms  max {lat['max_ms']} ms  "
        f"(goal p95 <= 50 ms: {'met' if lat['p95_ms'] <= 50 else 'NOT met'})"
    )
    print(f"  mean score by quality: {lat['mean_score']}; malformed: {lat['malformed']}")

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        out = build_class(tmp, pool, args.students, args.exercises)
        sub = tmp / "submissions"
        sub.mkdir()
        simulate_submissions(out, sub, rng)
        t, cpu = time.perf_counter(), time.process_time()
        code = rcmlab(
            [
                "grade",
                "--submissions",
                str(sub),
                "--key",
                str(out / "instructor" / "keys.json"),
                "--out",
                str(tmp / "grades"),
                "--quiet",
            ]
        )
        secs, cpu = time.perf_counter() - t, time.process_time() - cpu
        assert code == 0, "grade failed"
        rows = (tmp / "grades" / "gradebook.csv").read_text().count("\n") - 1
        print(
            f"  grade: {rows} students x {args.exercises} exercises = "
            f"{rows * args.exercises:,} answers in {secs:.2f} s wall, {cpu:.2f} s CPU "
            f"({1000 * secs / max(rows * args.exercises, 1):.2f} ms/answer; "
            f"goal <= 10 s: {'met' if secs <= 10 else 'NOT met'})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
