"""``rcmlab assign`` and ``rcmlab grade``: the instructor workflow (docs/instructors.md).

``rcmlab/cli.py`` calls :func:`add_parser` when this module exists. Bad input is an
:class:`rcmlab.cli.InputError` (one line, exit status 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _bar(total: int, desc: str, quiet: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="student", desc=desc, disable=quiet or None, file=sys.stderr)


def _count_roster_lines(path: str) -> int:
    try:
        return max(sum(1 for line in Path(path).open(encoding="utf-8") if line.strip()) - 1, 0)
    except OSError:
        return 0


def cmd_assign(args: argparse.Namespace) -> int:
    from exercises.assign import AssignError, assign
    from exercises.model import ExerciseError
    from rcmlab.cli import InputError

    bar = _bar(_count_roster_lines(args.roster), "assigning", args.quiet)
    try:
        result = assign(args.roster, args.assignment, args.out, progress=bar.update)
    except (AssignError, ExerciseError) as exc:
        raise InputError(str(exc)) from None
    finally:
        bar.close()
    if not args.quiet:
        print(
            f"wrote {result.students} student packages ({len(result.slots)} exercises each) "
            f"to {result.out / 'students'} and the keys to "
            f"{result.out / 'instructor' / 'keys.json'}"
        )
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    import json

    from exercises.assign import AssignError
    from exercises.grade import grade, read_keys
    from rcmlab.cli import InputError

    try:
        n = len(read_keys(args.key)["students"])
    except AssignError as exc:
        raise InputError(str(exc)) from None
    except (KeyError, TypeError):
        raise InputError(f"{args.key}: no 'students' in the keys file") from None
    bar = _bar(n, "grading", args.quiet)
    try:
        report = grade(args.submissions, args.key, args.out, progress=bar.update)
    except AssignError as exc:
        raise InputError(str(exc)) from None
    except (KeyError, TypeError) as exc:
        raise InputError(f"{args.key}: malformed keys file (missing {exc})") from None
    finally:
        bar.close()
    for message in report.messages:
        print(f"rcmlab: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"graded": report.graded, "students": len(report.students)}))
    elif not args.quiet:
        missing = sum(1 for s in report.students if s.status == "missing")
        print(
            f"graded {report.graded} of {len(report.students)} students "
            f"({missing} missing, {len(report.messages)} unreadable); wrote "
            f"{report.out / 'gradebook.csv'}, feedback/, class-report.md"
        )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add ``assign`` and ``grade`` to the ``rcmlab`` command."""
    a = sub.add_parser("assign", help="give each student of a roster a variant of an assignment")
    a.add_argument("--roster", required=True, help="CSV with student_id,name,email")
    a.add_argument("--assignment", required=True, help="the assignment SPEC (YAML)")
    a.add_argument("--out", required=True, help="a new folder for the packages and keys")
    a.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    a.set_defaults(func=cmd_assign)

    g = sub.add_parser("grade", help="grade the class: gradebook, feedback, error patterns")
    g.add_argument("--submissions", required=True, help="folder of the students' responses")
    g.add_argument("--key", required=True, help="instructor/keys.json from rcmlab assign")
    g.add_argument("--out", required=True, help="folder for the gradebook and reports")
    g.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    g.add_argument("--json", action="store_true", help="print a JSON summary line")
    g.set_defaults(func=cmd_grade)
