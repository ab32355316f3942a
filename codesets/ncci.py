"""NCCI edits for practitioner services: procedure-to-procedure (PTP) pairs and MUEs.

The National Correct Coding Initiative (NCCI) has two kinds of edits that this module
answers questions about:

* **PTP edits** pair a *column 1* code (the comprehensive service) with a *column 2*
  code (a component of it, or a service that should not be reported with it). When both
  are billed for the same patient, same provider, same date of service, the column 2
  code is denied unless the edit's *modifier indicator* allows an NCCI-associated
  modifier to show a distinct service (NCCI Policy Manual for Medicare Services,
  Introduction and Chapter I, §E).
* **MUEs** (Medically Unlikely Edits) give the maximum units of service a provider would
  report for one code for one patient on one date of service. The *MUE adjudication
  indicator* (MAI) says whether the limit is a claim-line edit (1) or a date-of-service
  edit based on policy (2) or clinical data (3) (NCCI Policy Manual, Chapter I,
  "Medically Unlikely Edits"; CMS NCCI MUE files).

Data: ``ncci_ptp_practitioner.csv.gz`` (the practitioner PTP table effective 2024-07-01,
active edits, filtered: see ``codesets/data/SOURCES.md``), ``ncci_ptp_rationale.csv``
and ``ncci_mue_practitioner.csv.gz`` (practitioner MUEs effective 2026-04-01). The
tables are validated row by row on the first build; the index is then cached (see
:mod:`codesets._cache`), so later starts load in under 0.1 s.

An absent pair is not proof that no edit exists: the shipped PTP extract leaves out
column 1 codes that are 090-day global surgeries (and surgery codes with an MUE above 4),
and it predates codes created after 2024-07. Lookups take codes as text in any case,
with or without surrounding spaces.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from codesets._cache import load_or_build
from codesets._tables import (
    DataFileError,
    data_path,
    file_key,
    integer,
    iso_date,
    one_of,
    pattern,
    read_table,
    text,
)

__all__ = [
    "MUE",
    "NCCI_ASSOCIATED_MODIFIERS",
    "NCCIEdits",
    "PTPEdit",
    "PTPVerdict",
    "check_pair",
    "load",
    "mue",
    "ptp",
    "ptp_between",
    "ptp_column2",
    "stats",
]

PTP_FILE = "ncci_ptp_practitioner.csv.gz"
RATIONALE_FILE = "ncci_ptp_rationale.csv"
MUE_FILE = "ncci_mue_practitioner.csv.gz"

# Bump when the layout of the cached index changes.
_INDEX_VERSION = 1

#: Modifiers that may bypass a PTP edit with modifier indicator 1 (NCCI Policy Manual,
#: Chapter I, §E "Modifiers and Modifier Indicators"): anatomic modifiers, global
#: surgery modifiers, and 27, 59, 91 and the X{EPSU} subset of 59.
ANATOMIC_MODIFIERS: frozenset[str] = frozenset(
    ["E1", "E2", "E3", "E4", "FA", "TA", "LT", "RT", "LC", "LD", "LM", "RC", "RI"]
    + [f"F{i}" for i in range(1, 10)]
    + [f"T{i}" for i in range(1, 10)]
)
GLOBAL_SURGERY_MODIFIERS: frozenset[str] = frozenset(["24", "25", "57", "58", "78", "79"])
OTHER_NCCI_MODIFIERS: frozenset[str] = frozenset(["27", "59", "91", "XE", "XP", "XS", "XU"])
NCCI_ASSOCIATED_MODIFIERS: frozenset[str] = (
    ANATOMIC_MODIFIERS | GLOBAL_SURGERY_MODIFIERS | OTHER_NCCI_MODIFIERS
)

_CODE = pattern(r"[0-9A-Z]{5}", "HCPCS/CPT code (5 characters, 0-9 A-Z)")
_FAR_FUTURE = "9999-12-31"  # CMS writes an active edit's deletion date as 99991231 or "*"


# --- public records -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PTPEdit:
    """One NCCI procedure-to-procedure edit (NCCI Policy Manual, Introduction).

    ``column1`` is the comprehensive code, which is payable; ``column2`` is the code
    that is denied when both are billed by the same provider for the same patient on
    the same date of service, unless a modifier may bypass the edit.
    ``modifier_indicator`` is 0 (no modifier bypasses the edit), 1 (an
    NCCI-associated modifier may bypass it when the record shows a distinct service)
    or 9 (the edit is not applicable). ``rationale`` is CMS's "PTP edit rationale"
    text; ``deletion_date`` is ``None`` for an edit in force.
    """

    column1: str
    column2: str
    modifier_indicator: int
    rationale: str
    deletion_date: str | None = None

    @property
    def modifier_allowed(self) -> bool:
        """True when an NCCI-associated modifier may bypass the edit (indicator 1)."""
        return self.modifier_indicator == 1


@dataclass(frozen=True, slots=True)
class MUE:
    """A practitioner Medically Unlikely Edit (NCCI Policy Manual, Chapter I, MUEs).

    ``value`` is the most units of ``code`` one provider reports for one patient on one
    date of service. ``mai`` (MUE adjudication indicator): 1 = claim-line edit (units
    over the value on a line are denied; a line may be repeated with modifiers such as
    76, 77, 91 or anatomic ones), 2 = date-of-service edit based on policy (absolute
    limit), 3 = date-of-service edit based on clinical benchmarks (units above it may be
    paid on appeal with documentation). ``rationale`` is CMS's MUE rationale.
    """

    code: str
    value: int
    mai: int
    mai_description: str
    rationale: str
    effective_date: str

    @property
    def date_of_service_edit(self) -> bool:
        """True for MAI 2 or 3: units of all lines on the same date are summed."""
        return self.mai in (2, 3)


@dataclass(frozen=True, slots=True)
class PTPVerdict:
    """The outcome of :func:`check_pair` for two codes that form a PTP edit.

    ``allowed`` is True when both codes are payable as billed (the edit was bypassed by
    ``bypass_modifier``, is not applicable, or was deleted); False when the column 2
    code is denied. ``reason`` says why, in plain words.
    """

    edit: PTPEdit
    allowed: bool
    reason: str
    bypass_modifier: str | None = None

    @property
    def denied_code(self) -> str | None:
        """The code that is not payable separately (the column 2 code), or None."""
        return None if self.allowed else self.edit.column2


# --- loading and validation -----------------------------------------------------------


_valid_codes: dict[str, str] = {}


def _code(value: str) -> str:
    """A 5-character HCPCS/CPT code (0-9, A-Z); memoised, codes repeat a lot."""
    try:
        return _valid_codes[value]
    except KeyError:
        code = _CODE(value)
        if len(_valid_codes) < 100_000:
            _valid_codes[value] = code
        return code


_INDICATORS = {"0": 0, "1": 1, "9": 9}


def _indicator(value: str) -> int:
    """A PTP modifier indicator: 0, 1 or 9."""
    try:
        return _INDICATORS[value]
    except KeyError:
        raise ValueError(f"{value!r} is not one of 0, 1, 9") from None


def _mue_value(value: str) -> int:
    n = integer(value)
    if n < 0:
        raise ValueError(f"must be a whole number >= 0: {value!r}")
    return n


def _deletion_date(value: str) -> str | None:
    if value == "*":
        return None
    d = iso_date(value)
    return None if d == _FAR_FUTURE else d


def read_rationales(path: Path | str | None = None) -> dict[int, str]:
    """Read ``ncci_ptp_rationale.csv``: ``{rationale_id: text}``."""
    out: dict[int, str] = {}
    src = path or data_path(RATIONALE_FILE)
    for line, row in read_table(src, {"rationale_id": integer, "ptp_edit_rationale": text}):
        rid = row["rationale_id"]
        if not 0 < rid < 16:
            raise DataFileError(
                f"{Path(src).name}:{line}: field 'rationale_id': must be 1-15: {rid}"
            )
        out[rid] = row["ptp_edit_rationale"]
    return out


def _build_index(ptp_path: Path, rationale_path: Path, mue_path: Path) -> dict[str, Any]:
    """Read and validate the three tables into a compact, marshal-able index.

    PTP pairs are grouped by column 1. For each column 1 code the index keeps one
    string ``"C2AAA,C2BBB,...,"`` and one ``bytes`` with a flag per column 2 code:
    ``modifier_indicator * 16 + rationale_id``. 534k pairs load in well under 0.1 s
    and take a few MB; :class:`NCCIEdits` expands a column 1 code into a dict the first
    time it is looked up.
    """
    rationales = read_rationales(rationale_path)
    rationale_ids = {str(rid): rid for rid in rationales}

    def rationale_id(value: str) -> int:
        try:
            return rationale_ids[value]
        except KeyError:
            raise ValueError(f"unknown id {value!r} (not in {rationale_path.name})") from None

    ptp_columns = {
        "column1": _code,
        "column2": _code,
        "deletion_date": _deletion_date,
        "modifier_indicator": _indicator,
        "rationale_id": rationale_id,
    }
    groups: dict[str, tuple[list[str], bytearray]] = {}
    seen: set[str] = set()
    deleted: dict[str, str] = {}
    required = ("column1", "column2", "modifier_indicator", "rationale_id")
    for line, row in read_table(ptp_path, ptp_columns, required=required):
        c1, c2 = row["column1"], row["column2"]
        key = c1 + c2
        if key in seen:
            raise DataFileError(
                f"{ptp_path.name}:{line}: field 'column2': duplicate pair {c1}/{c2}"
            )
        seen.add(key)
        group = groups.get(c1)
        if group is None:
            group = groups[c1] = ([], bytearray())
        group[0].append(c2)
        group[1].append(row["modifier_indicator"] * 16 + row["rationale_id"])
        if row["deletion_date"]:
            deleted[key] = row["deletion_date"]
    pairs = len(seen)
    ptp = {c1: (",".join(codes) + ",", bytes(flags)) for c1, (codes, flags) in groups.items()}

    mue_columns = {
        "hcpcs_code": _code,
        "effective_date": iso_date,
        "mue_value": _mue_value,
        "mai": one_of("1", "2", "3"),
        "mai_description": text,
        "mue_rationale": text,
    }
    mues: dict[str, tuple[int, int, str, str, str]] = {}
    for line, row in read_table(mue_path, mue_columns):
        code = row["hcpcs_code"]
        if code in mues:
            raise DataFileError(f"{mue_path.name}:{line}: field 'hcpcs_code': duplicate {code}")
        mues[code] = (
            row["mue_value"],
            int(row["mai"]),
            row["mai_description"],
            row["mue_rationale"],
            row["effective_date"],
        )
    return {
        "version": _INDEX_VERSION,
        "ptp": ptp,
        "deleted": deleted,
        "rationales": rationales,
        "mue": mues,
        "pairs": pairs,
    }


def _norm(code: str) -> str:
    return code.strip().upper()


def _norm_modifiers(modifiers: Iterable[str] | str | None) -> tuple[str, ...]:
    if not modifiers:
        return ()
    if isinstance(modifiers, str):
        modifiers = (modifiers,)
    return tuple(m.strip().upper() for m in modifiers if m and m.strip())


# --- the edit tables ---------------------------------------------------------------------


class NCCIEdits:
    """PTP and MUE tables loaded into memory.

    Use the module-level functions for the shipped tables; build an instance with
    :func:`load` to read other files (a newer quarter, or a test fixture).
    """

    def __init__(self, index: dict[str, Any]) -> None:
        self._ptp: dict[str, tuple[str, bytes]] = index["ptp"]
        self._deleted: dict[str, str] = index["deleted"]
        self._rationales: dict[int, str] = index["rationales"]
        self._mue: dict[str, tuple[int, int, str, str, str]] = index["mue"]
        self._pairs: int = index["pairs"]
        # column 1 code -> {column 2 code: PTPEdit}, expanded from the compact index the
        # first time a column 1 code is looked up (a few ms for the largest; ~55 MB if
        # every code were expanded).
        self._expanded: dict[str, dict[str, PTPEdit]] = {}
        self._mue_cache: dict[str, MUE] = {}

    # PTP --------------------------------------------------------------------------

    def _column2_map(self, c1: str) -> dict[str, PTPEdit] | None:
        edits = self._expanded.get(c1)
        if edits is None:
            entry = self._ptp.get(c1)
            if entry is None:
                return None
            codes, flags = entry
            rationale, deleted = self._rationales, self._deleted
            edits = {
                c2: PTPEdit(c1, c2, f >> 4, rationale[f & 15], deleted.get(c1 + c2))
                for c2, f in zip(map(sys.intern, codes[:-1].split(",")), flags, strict=True)
            }
            self._expanded[c1] = edits
        return edits

    def ptp(self, column1: str, column2: str) -> PTPEdit | None:
        """The PTP edit with exactly this column 1 and column 2 code, or None."""
        edits = self._expanded.get(column1) or self._column2_map(_norm(column1))
        if edits is None:
            return None
        return edits.get(column2) or edits.get(_norm(column2))

    def ptp_between(self, a: str, b: str) -> PTPEdit | None:
        """The PTP edit pairing ``a`` and ``b`` in either order, or None.

        The edit keeps its real ``column1``/``column2``. (CMS never lists both orders of
        one pair; if a table did, the ``a``/``b`` order wins.)
        """
        return self.ptp(a, b) or self.ptp(b, a)

    def ptp_column2(self, code: str) -> list[PTPEdit]:
        """Every edit whose column 1 code is ``code``: the codes bundled into it."""
        edits = self._column2_map(_norm(code))
        return list(edits.values()) if edits else []

    def check_pair(
        self,
        a: str,
        b: str,
        modifiers_a: Iterable[str] | str = (),
        modifiers_b: Iterable[str] | str = (),
        *,
        date_of_service: str | None = None,
    ) -> PTPVerdict | None:
        """Apply the PTP edit between two codes billed on the same date; None if no edit.

        The rule (NCCI Policy Manual, Chapter I, §E "Modifiers and Modifier Indicators"):

        * modifier indicator **0**: the column 2 code is never paid with the column 1
          code; no modifier bypasses the edit.
        * modifier indicator **1**: the column 2 code is denied unless it carries an
          NCCI-associated modifier (:data:`NCCI_ASSOCIATED_MODIFIERS`: 59, XE/XP/XS/XU,
          anatomic E1-E4, FA, F1-F9, TA, T1-T9, LT, RT, LC, LD, LM, RC, RI, global
          surgery 24, 25, 57, 58, 78, 79, and 27, 91). The modifier is looked for on
          the column 2 code. An anatomic modifier that the column 1 code carries too
          names the same site, so it does not bypass the edit.
        * modifier indicator **9**: the edit is not applicable; both codes are payable.

        A deleted edit (``deletion_date`` set) no longer applies to services on or after
        its deletion date, or when ``date_of_service`` is not given.
        ``modifiers_a`` belong to ``a`` and ``modifiers_b`` to ``b``, in any case.
        The modifier only bypasses the edit when the record supports a distinct service;
        this check cannot read the record.
        """
        edit = self.ptp_between(a, b)
        if edit is None:
            return None
        mods_a, mods_b = _norm_modifiers(modifiers_a), _norm_modifiers(modifiers_b)
        if edit.column1 == _norm(a):
            mods1, mods2 = mods_a, mods_b
        else:
            mods1, mods2 = mods_b, mods_a
        c1, c2, ind = edit.column1, edit.column2, edit.modifier_indicator
        head = f"NCCI PTP: {c2} is a column 2 code of {c1} (modifier indicator {ind})"

        if edit.deletion_date and (
            date_of_service is None or date_of_service >= edit.deletion_date
        ):
            return PTPVerdict(edit, True, f"{head}: the edit was deleted on {edit.deletion_date}")
        if ind == 9:
            return PTPVerdict(edit, True, f"{head}: the edit is not applicable")
        if ind == 0:
            return PTPVerdict(
                edit,
                False,
                f"{head}: {c2} is not payable separately with {c1}, and no modifier "
                "bypasses this edit",
            )
        # Indicator 1: a modifier on the column 2 code may show a distinct service.
        for m in mods2:
            if m not in NCCI_ASSOCIATED_MODIFIERS:
                continue
            if m in ANATOMIC_MODIFIERS and m in mods1:
                continue  # same anatomic site on both codes: not distinct
            return PTPVerdict(
                edit,
                True,
                f"{head}: modifier {m} on {c2} bypasses the edit; both are payable when "
                "the record supports a distinct service",
                bypass_modifier=m,
            )
        if c2.isdigit() and 99202 <= int(c2) <= 99499:
            # An E/M as the column 2 code: the NCCI-associated modifier is 25 (or 57 for
            # the decision for major surgery), never 59 (NCCI Policy Manual, Chapter XI).
            reason = (
                f"{head}: {c2} is not payable separately unless modifier 25 (57 for a "
                "decision for surgery) shows a significant, separately identifiable E/M"
            )
        else:
            reason = (
                f"{head}: not payable separately unless a modifier such as 59/XS shows a "
                "distinct service"
            )
        same_site = [m for m in mods2 if m in ANATOMIC_MODIFIERS and m in mods1]
        misplaced = [
            m
            for m in mods1
            if m in NCCI_ASSOCIATED_MODIFIERS and m not in mods2 and m not in ANATOMIC_MODIFIERS
        ]
        if same_site:
            reason += f" ({same_site[0]} on both codes names the same anatomic site)"
        elif misplaced:
            reason += f" (modifier {misplaced[0]} is on {c1}; it belongs on the column 2 code)"
        return PTPVerdict(edit, False, reason)

    # MUE --------------------------------------------------------------------------

    def mue(self, code: str) -> MUE | None:
        """The practitioner MUE for ``code``, or None when CMS publishes none."""
        found = self._mue_cache.get(code)
        if found is not None:
            return found
        c = _norm(code)
        rec = self._mue.get(c)
        if rec is None:
            return None
        found = self._mue_cache[code] = self._mue_cache[c] = MUE(c, *rec)
        return found

    def stats(self) -> dict[str, int]:
        """Counts: ``pairs`` (PTP edits), ``column1_codes``, ``mue_codes``."""
        return {
            "pairs": self._pairs,
            "column1_codes": len(self._ptp),
            "mue_codes": len(self._mue),
        }


def load(
    ptp_path: Path | str | None = None,
    mue_path: Path | str | None = None,
    rationale_path: Path | str | None = None,
    *,
    use_cache: bool | None = None,
) -> NCCIEdits:
    """Load (and validate) PTP and MUE tables; default: the shipped ones.

    A malformed row raises :class:`DataFileError` naming the file, the line and the
    field. The index of the shipped tables is cached (keyed by the files' sha256);
    other files are cached only when ``use_cache`` is True.
    """
    shipped = ptp_path is None and mue_path is None and rationale_path is None
    p = Path(ptp_path) if ptp_path else data_path(PTP_FILE)
    m = Path(mue_path) if mue_path else data_path(MUE_FILE)
    r = Path(rationale_path) if rationale_path else data_path(RATIONALE_FILE)
    if use_cache is None:
        use_cache = shipped
    if not use_cache:
        return NCCIEdits(_build_index(p, r, m))
    name = (
        "ncci" if shipped else "ncci-" + hashlib.sha256(str(p.resolve()).encode()).hexdigest()[:8]
    )
    index, _built = load_or_build(
        name, file_key(p, r, m, version=_INDEX_VERSION), lambda: _build_index(p, r, m)
    )
    return NCCIEdits(index)


@cache
def _default() -> NCCIEdits:
    return load()


# --- module-level API over the shipped tables --------------------------------------------


def ptp(column1: str, column2: str) -> PTPEdit | None:
    """The PTP edit with exactly this ordered pair (column 1, column 2), or None.

    NCCI Policy Manual, Introduction: the column 2 code is not paid when billed with
    the column 1 code by the same provider, same patient, same date of service.
    """
    return _default().ptp(column1, column2)


def ptp_between(a: str, b: str) -> PTPEdit | None:
    """The PTP edit pairing ``a`` and ``b`` in either order (its real columns), or None."""
    return _default().ptp_between(a, b)


def ptp_column2(code: str) -> list[PTPEdit]:
    """All PTP edits with ``code`` as column 1: the codes bundled into ``code``."""
    return _default().ptp_column2(code)


def mue(code: str) -> MUE | None:
    """The practitioner MUE for ``code`` (NCCI Policy Manual, Chapter I, MUEs), or None."""
    return _default().mue(code)


def check_pair(
    a: str,
    b: str,
    modifiers_a: Iterable[str] | str = (),
    modifiers_b: Iterable[str] | str = (),
    *,
    date_of_service: str | None = None,
) -> PTPVerdict | None:
    """Apply the PTP edit between ``a`` and ``b`` with their modifiers; None if no edit.

    Modifier indicator 0: never bypassed; 1: bypassed when the column 2 code carries an
    NCCI-associated modifier (59, XE/XP/XS/XU, anatomic, 24/25/57/58/78/79, 27, 91);
    9: not applicable (NCCI Policy Manual, Chapter I, §E). See
    :meth:`NCCIEdits.check_pair` for the details.
    """
    return _default().check_pair(a, b, modifiers_a, modifiers_b, date_of_service=date_of_service)


def stats() -> dict[str, int]:
    """Counts of the shipped tables: ``pairs``, ``column1_codes``, ``mue_codes``."""
    return _default().stats()
