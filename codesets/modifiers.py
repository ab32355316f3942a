"""Modifiers: CPT (Level I) modifiers in rcmlab's own words, and the CMS Level II
modifiers, with the codes each may be appended to.

* ``data/cpt_modifiers.csv`` — the numeric CPT modifiers (25, 26, 50, 51, 59, …) and
  the anesthesia physical-status modifiers, described in our own words (the CPT book's
  wording is the AMA's), with an ``applies_to`` scope.
* ``data/hcpcs_modifiers.csv`` — the 383 CMS Level II modifiers (public domain), with
  scopes for the few that are restricted in ``data/level2_modifier_scope.csv``.

A scope is a ``;``-separated list of codes (``87389``), code ranges (``80047-89398``)
and keywords:
``*`` any code, ``em`` (99202–99499), ``surgery`` (10004–69990), ``anesthesia``
(00100–01999), ``pctc`` (codes whose PFS PC/TC indicator is 1 or 6, i.e. with a
professional/technical split — Medicare Claims Processing Manual Ch. 12 §20.4).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from codesets import hcpcs, pfs
from codesets._tables import DataFileError, data_path, pattern, read_table, text
from codesets.ncci import NCCI_ASSOCIATED_MODIFIERS

KEYWORD_RANGES = {
    "em": ("99202", "99499"),
    "surgery": ("10004", "69990"),
    "anesthesia": ("00100", "01999"),
}
_SCOPE_ITEM = re.compile(r"\*|pctc|em|surgery|anesthesia|[0-9A-Z]{5}(-[0-9A-Z]{5})?")


def _scope(value: str) -> tuple[str, ...]:
    items = tuple(p.strip() for p in value.split(";") if p.strip())
    for item in items:
        if not _SCOPE_ITEM.fullmatch(item):
            raise ValueError(f"not a scope item (range like 80047-89398 or a keyword): {item!r}")
    return items


CPT_COLUMNS = {
    "modifier": pattern(r"[0-9]{2}|P[1-6]", "CPT modifier"),
    "description": text,
    "applies_to": _scope,
    "notes": text,
}
SCOPE_COLUMNS = {
    "modifier": pattern(r"[A-Z0-9]{2}", "modifier"),
    "applies_to": _scope,
    "notes": text,
}


@dataclass(frozen=True)
class Modifier:
    """A modifier of either level, with the codes it may go on."""

    code: str
    description: str
    level: str  # "CPT" or "HCPCS"
    applies_to: tuple[str, ...] = ("*",)
    notes: str | None = None
    active: bool = True

    @property
    def ncci_associated(self) -> bool:
        return self.code in NCCI_ASSOCIATED_MODIFIERS

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": "modifier",
            "code": self.code,
            "description": self.description,
            "billable": self.active,
            "notes": {
                "level": self.level,
                "applies_to": list(self.applies_to),
                "ncci_associated": self.ncci_associated,
                **({"teaching_note": self.notes} if self.notes else {}),
            },
        }


_lock = threading.Lock()
_all: dict[str, Modifier] | None = None


def _load() -> dict[str, Modifier]:
    out: dict[str, Modifier] = {}
    path = data_path("cpt_modifiers.csv")
    for line, r in read_table(
        path, CPT_COLUMNS, required=("modifier", "description", "applies_to")
    ):
        if r["modifier"] in out:
            raise DataFileError(f"{path.name}:{line}: field 'modifier': duplicate {r['modifier']}")
        out[r["modifier"]] = Modifier(
            r["modifier"], r["description"], "CPT", r["applies_to"], r["notes"]
        )
    scopes: dict[str, tuple[tuple[str, ...], str | None]] = {}
    for _, r in read_table(data_path("level2_modifier_scope.csv"), SCOPE_COLUMNS):
        scopes[r["modifier"]] = (r["applies_to"], r["notes"])
    for code, m in hcpcs.modifiers().items():
        scope, note = scopes.get(code, (("*",), None))
        out.setdefault(code, Modifier(code, m.description, "HCPCS", scope, note, m.active))
    return out


def all_modifiers() -> dict[str, Modifier]:
    """Every modifier by code (CPT first where a code is both)."""
    global _all
    if _all is None:
        with _lock:
            if _all is None:
                _all = _load()
    return _all


def normalize(code: str) -> str:
    return "".join(str(code).split()).upper().lstrip("-")


def lookup(code: str) -> Modifier | None:
    return all_modifiers().get(normalize(code))


def _in_scope(item: str, code: str) -> bool:
    if item == "*":
        return True
    if item == "pctc":
        r = pfs.rvu(code)
        return bool(r and str(r.pctc_ind) in ("1", "6"))
    lo, hi = KEYWORD_RANGES.get(item, (None, None))
    if lo is None:
        lo, _, hi = item.partition("-")
        hi = hi or lo
    if len(code) != 5 or code[0].isalpha() != lo[0].isalpha():
        return False
    return lo <= code <= hi


def valid_for(modifier: str, code: str) -> tuple[bool, str]:
    """Whether ``modifier`` may be appended to ``code``, with a plain-words reason."""
    m = lookup(modifier)
    mod = normalize(modifier)
    c = "".join(str(code).split()).upper()
    if m is None:
        return False, f"{mod} is not a CPT or HCPCS Level II modifier"
    if not m.active:
        return False, f"{mod} has been discontinued by CMS"
    if any(_in_scope(item, c) for item in m.applies_to):
        return True, f"{mod} may be used with {c}"
    where = ", ".join(m.applies_to)
    return False, f"{mod} ({m.description}) does not apply to {c}; it is for {where}"
