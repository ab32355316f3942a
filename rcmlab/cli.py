"""The ``rcmlab`` command (also ``python -m rcmlab``): a thin front door.

Exit status (DESIGN.md): 0 on success; 2 on bad input, with one line on stderr naming
what and where (never a traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from rcmlab import __version__


class InputError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


def _notebooks_dir() -> Path:
    env = os.environ.get("RCMLAB_NOTEBOOKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "notebooks"


# --- rcmlab lab ------------------------------------------------------------------------


def learner_copy(source: Path, target: Path) -> list[str]:
    """Bring the learner's own copy of the notebooks (``target``, in the data dir) up to
    date with ``source``: a notebook that is missing, or that the learner never changed
    since it was copied, gets the current version; one the learner changed is kept as it
    is. A manifest (``.rcmlab-notebooks.json``) remembers what was copied. Returns the
    names of the notebooks kept because the learner changed them."""
    import hashlib
    import json
    import shutil

    def digest(p: Path) -> str:
        return hashlib.sha256(p.read_bytes()).hexdigest()

    target.mkdir(parents=True, exist_ok=True)
    manifest = target / ".rcmlab-notebooks.json"
    copied = json.loads(manifest.read_text()) if manifest.exists() else {}
    kept = []
    for src in sorted(source.glob("*.ipynb")):
        dst = target / src.name
        new = digest(src)
        if dst.exists() and digest(dst) != copied.get(src.name):
            if new != copied.get(f"{src.name}:source"):
                kept.append(src.name)  # the learner's edits win; say so
            continue
        if not dst.exists() or copied.get(f"{src.name}:source") != new:
            tmp = dst.with_suffix(".ipynb.tmp")
            shutil.copyfile(src, tmp)
            os.replace(tmp, dst)
        copied[src.name] = digest(dst)
        copied[f"{src.name}:source"] = new
    manifest.write_text(json.dumps(copied, indent=1, sort_keys=True))
    return kept


def cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on 00-start-here.ipynb (the built-in practice), in the learner's own
    copy of the notebooks (``<data dir>/notebooks``) unless ``--in-place``."""
    nbdir = _notebooks_dir()
    start = nbdir / "00-start-here.ipynb"
    if not start.exists():
        raise InputError(f"{start}: start page not found (set RCMLAB_NOTEBOOKS to the notebooks)")
    if not args.in_place:
        from exercises.progress import data_dir

        mine = data_dir() / "notebooks"
        try:
            kept = learner_copy(nbdir, mine)
        except OSError as exc:
            raise InputError(f"{mine}: cannot copy the notebooks there ({exc})") from None
        for name in kept:
            print(f"kept your own edited {name} (a newer version is in {nbdir})")
        nbdir, start = mine, mine / start.name
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={nbdir}",
        # Land on the start page, in the browser and in the URL printed for --no-browser.
        f"--LabApp.default_url=/lab/tree/{start.name}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--port={args.port}",
    ]
    if args.no_browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI run as root
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print(f"rcmlab {__version__}: opening {start.name} in JupyterLab (Ctrl-C to stop)")
    # Warm the ICD-10-CM index now so the first notebook cell never waits for it.
    from codesets import icd10cm

    if icd10cm.load():
        print("built the ICD-10-CM index (once; cached for next time)")
    return subprocess.call(cmd)


# --- rcmlab codes ----------------------------------------------------------------------


def cmd_codes_lookup(args: argparse.Namespace) -> int:
    from codesets import lookup

    try:
        result = lookup.lookup(args.code, system=args.system)
    except lookup.UnknownCode as exc:
        raise InputError(str(exc)) from None
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def cmd_codes_search(args: argparse.Namespace) -> int:
    from codesets import lookup

    if args.limit < 1:
        raise InputError(f"--limit must be at least 1, not {args.limit}")
    hits = lookup.search(args.text, system=args.system, limit=args.limit)
    if args.json:
        print(json.dumps(hits, indent=2, ensure_ascii=False))
        return 0
    if not hits:
        print(f"no codes match {args.text!r}")
        return 0
    width = shutil.get_terminal_size((100, 20)).columns
    for h in hits:
        flag = "" if h["billable"] else " (not billable)"
        line = f"{h['system']:8} {h['code']:9} {h['description']}{flag}"
        print(line[: max(width, 60)])
    return 0


def cmd_codes_validate(args: argparse.Namespace) -> int:
    from codesets import icd10cm

    verdicts = [icd10cm.validate(c) for c in args.codes]
    conflicts = icd10cm.excludes1_conflicts([v.code for v in verdicts if v.code])
    out = {
        "codes": [v.as_dict() for v in verdicts],
        "excludes1": [
            {"code": c.code, "excluded": c.excluded, "message": c.message} for c in conflicts
        ],
    }
    print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


# --- rcmlab simulate -------------------------------------------------------------------


def cmd_simulate(args: argparse.Namespace) -> int:
    """Generate encounters at a practice and write the tables (all or nothing)."""
    from datetime import date

    from tqdm import tqdm

    from sim._yaml import ContentError
    from sim.simulate import SimulationError, simulate

    if args.encounters < 1:
        raise InputError(f"--encounters must be at least 1, not {args.encounters}")
    if not 0 <= args.flaw_rate <= 1:
        raise InputError(f"--flaw-rate must be between 0 and 1, not {args.flaw_rate}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: --out must be a folder, and this is a file")
    start = None
    if args.start:
        try:
            start = date.fromisoformat(args.start)
        except ValueError:
            raise InputError(f"--start {args.start!r} is not a date (YYYY-MM-DD)") from None
    bar = tqdm(
        total=args.encounters,
        unit="enc",
        desc="simulating",
        disable=args.quiet or None,
        file=sys.stderr,
    )
    try:
        result = simulate(
            args.seed,
            args.encounters,
            practice=args.practice,
            scenario=args.scenario,
            start=start,
            flaw_rate=args.flaw_rate,
            workers=args.workers,
            progress=bar.update,
            validate_x12=not args.no_999,
            cycle=not args.no_cycle,
        )
    except ContentError as exc:
        raise InputError(str(exc)) from None
    except SimulationError as exc:
        raise InputError(f"simulation stopped: {exc}") from None
    finally:
        bar.close()
    result.write(out)
    s = result.summary()
    if not args.quiet:
        print(
            f"wrote {s['encounters']:,} encounters for {s['patients']:,} patients "
            f"({s['first_date']} to {s['last_date']}) to {out}"
        )
        k = s.get("cycle")
        if k:
            print(
                f"cycle: {k['adjudicated_claims']:,} claims adjudicated, initial denial rate "
                f"{k['initial_denial_rate']:.1%}, {k['remittances']:,} ERAs posted, net "
                f"collection rate {k['net_collection_rate']:.1%}, days in A/R {k['days_in_ar']}"
            )
    return 0


# --- rcmlab check ----------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    """Check a response against an exercise; print the check result as JSON (exit 0
    whether or not the answer is right; 2 for a malformed exercise or response)."""
    from exercises.check import check
    from exercises.load import load
    from exercises.model import ExerciseError

    try:
        exercise = load(args.exercise)
    except ExerciseError as exc:
        raise InputError(str(exc)) from None
    path = Path(args.response)
    try:
        response = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path.name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    try:
        result = check(exercise, response)
    except ExerciseError as exc:
        raise InputError(f"{path.name}: {exc}") from None
    print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from codesets.lookup import SEARCHABLE, SYSTEMS

    p = argparse.ArgumentParser(
        prog="rcmlab",
        description="rcmlab: learn medical coding and billing on a simulated practice.",
    )
    p.add_argument("--version", action="version", version=f"rcmlab {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lab = sub.add_parser(
        "lab", help="open JupyterLab on the start page (your copy of the notebooks)"
    )
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    lab.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
    lab.add_argument(
        "--in-place",
        action="store_true",
        help="serve the notebooks of the checkout itself (for editing them), not your copy",
    )
    lab.set_defaults(func=cmd_lab)

    codes = sub.add_parser("codes", help="look up, search and validate codes")
    csub = codes.add_subparsers(dest="codes_command", metavar="ACTION")
    lk = csub.add_parser("lookup", help="one code as JSON")
    lk.add_argument("code")
    lk.add_argument("--system", choices=SYSTEMS)
    lk.set_defaults(func=cmd_codes_lookup)
    se = csub.add_parser("search", help="ranked keyword search (typo-tolerant)")
    se.add_argument("text")
    se.add_argument("--system", choices=SEARCHABLE)
    se.add_argument("--limit", type=int, default=10)
    se.add_argument("--json", action="store_true", help="print JSON instead of a table")
    se.set_defaults(func=cmd_codes_search)
    va = csub.add_parser("validate", help="ICD-10-CM verdicts and Excludes1 conflicts")
    va.add_argument("codes", nargs="+")
    va.set_defaults(func=cmd_codes_validate)
    codes.set_defaults(func=lambda a: (codes.print_help(), 2)[1])

    sim = sub.add_parser(
        "simulate", help="simulate a practice: encounters, claims, payers, 835s, the ledger"
    )
    sim.add_argument("--seed", type=int, required=True)
    sim.add_argument("--encounters", type=int, required=True)
    sim.add_argument("--scenario", help="only this scenario (a built-in name or a YAML file)")
    sim.add_argument(
        "--practice",
        default="family-practice",
        help="a built-in practice (family-practice, orthopedic-group, multispecialty-clinic) "
        "or a practice YAML file",
    )
    sim.add_argument("--start", help="first clinic date, YYYY-MM-DD (default 2026-01-05)")
    sim.add_argument(
        "--flaw-rate",
        type=float,
        default=0.08,
        help="share of encounters given a teaching flaw (default 0.08)",
    )
    sim.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        help="parallel processes (default: up to 2)",
    )
    sim.add_argument(
        "--no-999",
        action="store_true",
        help="skip the clearinghouse's pyx12 validation and 999s (for very large runs: "
        "pyx12 checks about 200 claims a second)",
    )
    sim.add_argument(
        "--no-cycle",
        action="store_true",
        help="stop after submission: no adjudication, 835s, ledger or patient billing",
    )
    sim.add_argument("--out", required=True, help="output folder")
    sim.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    sim.set_defaults(func=cmd_simulate)

    from rcmlab import x12cmd

    x12cmd.add_parser(sub)

    chk = sub.add_parser("check", help="check a response to an exercise (prints JSON)")
    chk.add_argument("exercise", help="the exercise YAML file")
    chk.add_argument("response", help="the response JSON file")
    chk.set_defaults(func=cmd_check)

    # Commands that live in their own modules, each with ``add_parser(sub)``:
    # ledger (post an ERA, aging), assign/grade (instructor workflow), app (Voila).
    import importlib

    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(f"rcmlab.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"rcmlab.{name}":
                raise
            continue
        module.add_parser(sub)
    return p


_COMMAND_MODULES = ("ledgercmd", "classcmd", "appcmd")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except InputError as exc:
        print(f"rcmlab: {exc}", file=sys.stderr)
        return 2
    except (ValueError, OSError) as exc:
        # DataFileError and friends: already one line naming file, line and field.
        print(f"rcmlab: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
