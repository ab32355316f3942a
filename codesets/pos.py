"""CMS Place of Service (POS) codes: box 24B of the CMS-1500 / 837P ``CLM05-1``.

The two-digit POS code says where a service was furnished. For the Medicare Physician
Fee Schedule it also decides the practice-expense rate: a *facility* POS (hospital,
ASC, SNF, ...) is paid at the facility rate, any other at the non-facility rate
(Medicare Claims Processing Manual, Chapter 26, §10.5 "Place of Service Codes (POS)
and Definitions"; Chapter 12, §20.4.2 "Site of Service Payment Differential").

Data: ``place_of_service.csv``, the CMS Place of Service Code Set (99 codes 01-99, 52
assigned, the rest "Unassigned"); names and descriptions as CMS publishes them (public
domain). Sources: ``codesets/data/SOURCES.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from codesets._tables import DataFileError, boolean, data_path, one_of, pattern, read_table, text

__all__ = ["PlaceOfService", "all_assigned", "load", "lookup", "setting"]

POS_FILE = "place_of_service.csv"

Setting = Literal["facility", "non-facility"]


@dataclass(frozen=True, slots=True)
class PlaceOfService:
    """One CMS place-of-service code.

    ``setting`` is the PFS rate setting, ``"facility"`` or ``"non-facility"`` (None for
    an unassigned code). ``assigned`` is False for the codes CMS lists as "Unassigned".
    """

    code: str
    name: str
    description: str
    setting: Setting | None
    assigned: bool


_COLUMNS = {
    "pos_code": pattern(r"\d{2}", "POS code (2 digits)"),
    "pfs_setting": one_of("Facility", "Non-Facility"),
    "pos_name": text,
    "pos_description": text,
    "assigned": boolean,
}


def load(path: Path | str | None = None) -> dict[str, PlaceOfService]:
    """Read and validate the POS table: ``{code: PlaceOfService}``.

    Every assigned code must have a PFS setting. A malformed row raises
    :class:`~codesets.DataFileError` naming the file, the line and the field.
    """
    src = Path(path) if path else data_path(POS_FILE)
    out: dict[str, PlaceOfService] = {}
    required = ("pos_code", "pos_name", "pos_description", "assigned")
    for line, row in read_table(src, _COLUMNS, required=required):
        code = row["pos_code"]
        if code in out:
            raise DataFileError(f"{src.name}:{line}: field 'pos_code': duplicate {code}")
        if row["assigned"] and row["pfs_setting"] is None:
            raise DataFileError(f"{src.name}:{line}: field 'pfs_setting': is empty")
        where = row["pfs_setting"].lower() if row["pfs_setting"] else None
        out[code] = PlaceOfService(
            code, row["pos_name"], row["pos_description"], where, row["assigned"]
        )
    return out


@cache
def _table() -> dict[str, PlaceOfService]:
    return load()


def _norm(code: str | int) -> str:
    if isinstance(code, bool):
        return ""
    if isinstance(code, int):
        return f"{code:02d}" if 0 <= code <= 99 else ""
    s = str(code).strip()
    return s.zfill(2) if s.isdigit() and len(s) <= 2 else s


def lookup(code: str | int) -> PlaceOfService | None:
    """The POS code ``code`` (``"11"``, ``11``, ``" 11 "`` or ``"1"`` for 01), or None."""
    return _table().get(_norm(code))


def setting(code: str | int) -> Setting | None:
    """The PFS rate setting of a POS code, ``"facility"`` or ``"non-facility"``.

    None for an unknown or unassigned code. Medicare Claims Processing Manual,
    Chapter 12, §20.4.2: services in a facility setting are paid at the facility
    practice-expense rate.
    """
    pos = lookup(code)
    return pos.setting if pos else None


def all_assigned() -> list[PlaceOfService]:
    """The assigned POS codes (52), in code order."""
    return [p for p in _table().values() if p.assigned]
