"""Claim adjustment group codes, CARC and RARC — in rcmlab's own words.

X12 asserts copyright on the text of the Claim Adjustment Reason Code and group code
lists, so rcmlab ships the **codes** it uses with descriptions written for learners
(``data/carc.csv``, ``data/rarc.csv``, ``data/group_codes.csv``). The shared reference
copies of the official lists were used to check the meanings (see SOURCES.md).

An adjustment on an 835 or EOB is a group code + CARC (``CO-45``) and, often, a RARC
that explains it further (``N130``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from codesets._tables import DataFileError, data_path, iso_date, one_of, pattern, read_table, text

GROUPS = ("CO", "CR", "OA", "PI", "PR")
CATEGORIES = (
    "patient-responsibility",
    "contractual",
    "coding",
    "bundling",
    "coverage",
    "eligibility",
    "authorization",
    "medical-necessity",
    "timely-filing",
    "duplicate",
    "coordination-of-benefits",
    "missing-information",
    "provider",
    "payment-adjustment",
    "other",
)


def _groups(value: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(";") if v.strip())
    for g in items:
        if g not in GROUPS:
            raise ValueError(f"{g!r} is not a group code ({', '.join(GROUPS)})")
    return items


def _rarcs(value: str) -> tuple[str, ...]:
    items = tuple(v.strip() for v in value.split(";") if v.strip())
    for r in items:
        if not re.fullmatch(r"(M|MA|N)[0-9]{1,3}", r):
            raise ValueError(f"{r!r} is not a RARC")
    return items


CARC_COLUMNS = {
    "code": pattern(r"[0-9]{1,3}|[A-Z][0-9]{1,2}", "CARC"),
    "description": text,
    "usual_groups": _groups,
    "category": one_of(*CATEGORIES),
    "usual_rarc": _rarcs,
    "stop_date": iso_date,
}
RARC_COLUMNS = {
    "code": pattern(r"(M|MA|N)[0-9]{1,3}", "RARC"),
    "description": text,
    "kind": one_of("remark", "alert"),
}
GROUP_COLUMNS = {"code": one_of(*GROUPS), "name": text, "description": text}


@dataclass(frozen=True)
class GroupCode:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class Carc:
    code: str
    description: str
    usual_groups: tuple[str, ...]
    category: str
    usual_rarc: tuple[str, ...] = ()
    stop_date: str | None = None
    system: str = "carc"

    @property
    def active(self) -> bool:
        return self.stop_date is None

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "billable": None,
            "notes": {
                "usual_groups": list(self.usual_groups),
                "category": self.category,
                "usual_rarc": list(self.usual_rarc),
                **({"retired": self.stop_date} if self.stop_date else {}),
            },
        }


@dataclass(frozen=True)
class Rarc:
    code: str
    description: str
    kind: str  # remark | alert
    system: str = "rarc"

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "billable": None,
            "notes": {"kind": self.kind},
        }


_lock = threading.Lock()
_tables: tuple[dict[str, GroupCode], dict[str, Carc], dict[str, Rarc]] | None = None


def _unique(path_name: str, rows: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for line, obj in rows:
        if obj.code in out:
            raise DataFileError(f"{path_name}:{line}: field 'code': duplicate {obj.code}")
        out[obj.code] = obj
    return out


def _load() -> tuple[dict[str, GroupCode], dict[str, Carc], dict[str, Rarc]]:
    groups = _unique(
        "group_codes.csv",
        (
            (ln, GroupCode(r["code"], r["name"], r["description"]))
            for ln, r in read_table(data_path("group_codes.csv"), GROUP_COLUMNS)
        ),
    )
    rarcs = _unique(
        "rarc.csv",
        (
            (ln, Rarc(r["code"], r["description"], r["kind"]))
            for ln, r in read_table(data_path("rarc.csv"), RARC_COLUMNS)
        ),
    )
    carc_rows = []
    for ln, r in read_table(
        data_path("carc.csv"),
        CARC_COLUMNS,
        required=("code", "description", "usual_groups", "category"),
    ):
        for rc in r["usual_rarc"] or ():
            if rc not in rarcs:
                raise DataFileError(f"carc.csv:{ln}: field 'usual_rarc': {rc} is not in rarc.csv")
        carc_rows.append(
            (
                ln,
                Carc(
                    r["code"],
                    r["description"],
                    r["usual_groups"],
                    r["category"],
                    r["usual_rarc"] or (),
                    r["stop_date"],
                ),
            )
        )
    return groups, _unique("carc.csv", carc_rows), rarcs


def _t() -> tuple[dict[str, GroupCode], dict[str, Carc], dict[str, Rarc]]:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _load()
    return _tables


def groups() -> dict[str, GroupCode]:
    return _t()[0]


def carcs() -> dict[str, Carc]:
    return _t()[1]


def rarcs() -> dict[str, Rarc]:
    return _t()[2]


def group(code: str) -> GroupCode | None:
    return groups().get(str(code).strip().upper())


def carc(code: str) -> Carc | None:
    return carcs().get(str(code).strip().upper())


def rarc(code: str) -> Rarc | None:
    return rarcs().get(str(code).strip().upper())


def parse_adjustment(value: str) -> tuple[str, str]:
    """``"co-197"`` / ``"CO 197"`` / ``"CO197"`` → ``("CO", "197")``; raises ValueError."""
    m = re.fullmatch(r"\s*([A-Za-z]{2})[\s-]*([0-9]{1,3}|[A-Za-z][0-9]{1,2})\s*", str(value))
    if not m or m[1].upper() not in GROUPS:
        raise ValueError(f"{value!r} is not a group code + CARC such as CO-45")
    code = m[2].upper()
    if code not in carcs():
        raise ValueError(f"{value!r}: CARC {code} is not in rcmlab's CARC list")
    return m[1].upper(), code


def describe(value: str) -> str:
    """A learner-facing sentence for an adjustment such as ``PR-1``."""
    g, c = parse_adjustment(value)
    return f"{g}-{c}: {groups()[g].name} — {carcs()[c].description}"
