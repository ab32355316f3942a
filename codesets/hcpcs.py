"""HCPCS Level II: the CMS quarterly alpha-numeric file (October 2025), complete.

8,463 codes (A0021–V5364, terminated ones kept with their termination date) with the
CMS long and short descriptions, BETOS, coverage code and dates; and the 383 Level II
modifiers. HCPCS Level II is maintained by CMS and is public domain (see
``codesets/data/SOURCES.md``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from codesets import _cache, _search, pfs
from codesets._tables import boolean, data_path, file_key, iso_date, pattern, read_table, text

SYSTEM = "hcpcs"
_FILE = "hcpcs_level2.csv.gz"
_MOD_FILE = "hcpcs_modifiers.csv"
CODE_RE = re.compile(r"[A-V][0-9]{4}")

COLUMNS = {
    "hcpcs_code": pattern(r"[A-V][0-9]{4}", "HCPCS Level II code"),
    "long_description": text,
    "short_description": text,
    "is_active_oct2025": boolean,
    "betos": text,
    "coverage_code": text,
    "add_date": iso_date,
    "termination_date": iso_date,
}
_OPTIONAL = ("betos", "coverage_code", "add_date", "termination_date")

MODIFIER_COLUMNS = {
    "modifier": pattern(r"[A-Z0-9]{2}", "two-character modifier"),
    "long_description": text,
    "short_description": text,
    "add_date": iso_date,
    "termination_date": iso_date,
}

# CMS coverage codes (HCPCS file record layout): how Medicare treats the code.
COVERAGE = {
    "C": "carrier judgment",
    "D": "special coverage instructions apply",
    "I": "not payable by Medicare",
    "M": "non-covered by Medicare",
    "S": "non-covered by Medicare statute",
}


@dataclass(frozen=True)
class HcpcsCode:
    """One HCPCS Level II code as CMS publishes it."""

    code: str
    description: str
    short_description: str
    active: bool
    betos: str | None
    coverage_code: str | None
    add_date: str | None
    termination_date: str | None
    source: str = "CMS HCPCS quarterly file, October 2025"
    system: str = SYSTEM

    @property
    def billable(self) -> bool:
        return self.active

    def as_dict(self) -> dict[str, Any]:
        notes = {}
        if self.coverage_code:
            notes["coverage"] = f"{self.coverage_code}: {COVERAGE.get(self.coverage_code, '')}"
        if self.betos:
            notes["betos"] = self.betos
        if self.termination_date:
            notes["terminated"] = self.termination_date
        return {
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "short_description": self.short_description,
            "billable": self.billable,
            "notes": {**notes, "source": self.source},
        }


@dataclass(frozen=True)
class LevelIIModifier:
    code: str
    description: str
    short_description: str
    add_date: str | None
    termination_date: str | None

    @property
    def active(self) -> bool:
        return self.termination_date is None


def _build(path: Any) -> dict[str, Any]:
    rows = []
    for _, r in read_table(path, COLUMNS, required=tuple(c for c in COLUMNS if c not in _OPTIONAL)):
        rows.append(
            (
                r["hcpcs_code"],
                r["long_description"],
                r["short_description"],
                r["is_active_oct2025"],
                r["betos"],
                r["coverage_code"],
                r["add_date"],
                r["termination_date"],
            )
        )
    fields = ([(row[1], 1.0), (row[2], 0.6)] for row in rows)
    return {"rows": rows, "search": _search.build(fields, len(rows))}


class _Table:
    def __init__(self, data: dict[str, Any]) -> None:
        self.codes = [HcpcsCode(*row) for row in data["rows"]]
        self.by_code = {c.code: c for c in self.codes}
        self._search_data = data["search"]
        self._text: _search.TextIndex | None = None

    def text(self) -> _search.TextIndex:
        if self._text is None:
            self._text = _search.TextIndex(
                self._search_data, [1.0 if c.active else 0.5 for c in self.codes]
            )
        return self._text


_lock = threading.Lock()
_table: _Table | None = None
_modifiers: dict[str, LevelIIModifier] | None = None


def _t() -> _Table:
    global _table
    if _table is None:
        with _lock:
            if _table is None:
                path = data_path(_FILE)
                data, _ = _cache.load_or_build("hcpcs", file_key(path), lambda: _build(path))
                _table = _Table(data)
    return _table


def normalize(code: str) -> str:
    return "".join(str(code).split()).upper()


def lookup(code: str) -> HcpcsCode | None:
    """The HCPCS Level II code (active or terminated), or None.

    Codes added after the October 2025 file (e.g. January 2026 additions) are found in
    the 2026 Medicare PFS file, which carries CMS's short descriptor for Level II codes;
    they are returned with that descriptor and ``source`` saying so. Dental (CDT ``D``)
    codes are out of scope: their descriptors are the ADA's.
    """
    c = normalize(code)
    found = _t().by_code.get(c)
    if found is not None or not CODE_RE.fullmatch(c) or c.startswith("D"):
        return found
    r = pfs.rvu(c)
    if r is None or not r.description:
        return None
    return HcpcsCode(
        code=c,
        description=r.description,
        short_description=r.description,
        active=r.status != "D",
        betos=None,
        coverage_code=None,
        add_date=None,
        termination_date=None,
        source="CMS Medicare PFS 2026 (RVU26C) short descriptor; added after October 2025",
    )


def exists(code: str) -> bool:
    return lookup(code) is not None


def is_active(code: str, on: date | str | None = None) -> bool:
    """True if the code exists and is not terminated (on the date given, if any)."""
    c = lookup(code)
    if c is None:
        return False
    if on is None:
        return c.active
    day = on.isoformat() if isinstance(on, date) else str(on)
    if c.add_date and day < c.add_date:
        return False
    return c.termination_date is None or day <= c.termination_date


def all_codes(active_only: bool = False) -> list[HcpcsCode]:
    return [c for c in _t().codes if c.active or not active_only]


def search(query: str, limit: int = 10, active_only: bool = True) -> list[HcpcsCode]:
    """Ranked, typo-tolerant search over long and short descriptions.

    A query shaped like a code prefix (``J11``) lists the codes starting with it.
    """
    t = _t()
    q = normalize(query)
    if re.fullmatch(r"[A-V][0-9]{0,4}", q):
        return [c for c in t.codes if c.code.startswith(q) and (c.active or not active_only)][
            :limit
        ]
    mask = None
    if active_only:
        import numpy as np

        mask = np.array([c.active for c in t.codes], dtype=bool)
    return [t.codes[i] for i, _, _ in t.text().search(query, limit=limit, mask=mask)]


def modifiers() -> dict[str, LevelIIModifier]:
    """The 383 Level II modifiers (LT, RT, TC, XS, GA, KX, …) by code."""
    global _modifiers
    if _modifiers is None:
        out = {}
        for _, r in read_table(
            data_path(_MOD_FILE), MODIFIER_COLUMNS, required=("modifier", "long_description")
        ):
            out[r["modifier"]] = LevelIIModifier(
                r["modifier"],
                r["long_description"],
                r["short_description"] or r["long_description"],
                r["add_date"],
                r["termination_date"],
            )
        _modifiers = out
    return _modifiers
