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


def cmd_lab(args: argparse.Namespace) -> int:
    """Open JupyterLab on notebooks/00-start-here.ipynb (the built-in practice)."""
    nbdir = _notebooks_dir()
    start = nbdir / "00-start-here.ipynb"
    if not start.exists():
        raise InputError(f"{start}: start page not found (set RCMLAB_NOTEBOOKS to the notebooks)")
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


def build_parser() -> argparse.ArgumentParser:
    from codesets.lookup import SEARCHABLE, SYSTEMS

    p = argparse.ArgumentParser(
        prog="rcmlab",
        description="rcmlab: learn medical coding and billing on a simulated practice.",
    )
    p.add_argument("--version", action="version", version=f"rcmlab {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    lab = sub.add_parser("lab", help="open JupyterLab on the start page (notebooks/00)")
    lab.add_argument("--port", type=int, default=8888)
    lab.add_argument("--no-browser", action="store_true", help="do not open a web browser")
    lab.add_argument("--dry-run", action="store_true", help="print the command, do not run it")
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
    return p


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
