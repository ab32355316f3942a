"""The Medicare Physician Fee Schedule (PFS): RVUs, GPCIs and the allowed amount.

Medicare pays a physician service a fee schedule amount computed from three relative
value units (work, practice expense, malpractice), each adjusted by the geographic
practice cost index (GPCI) of the payment locality, times the conversion factor
(Medicare Claims Processing Manual, Chapter 12, §20.1; 42 CFR 414.20)::

    amount = [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)] x CF

Payment-policy modifiers then adjust that amount using the indicators of the RVU file
(bilateral, multiple procedure, co-surgery, assistant at surgery, ...): see
:func:`price`.

Data: ``pfs_rvu_2026.csv.gz`` (the CY2026 national RVU file, July release RVU26C,
non-QPP conversion factor 33.4009) and ``pfs_gpci_2026.csv`` (CY2026 GPCIs, 109
localities). Both are validated row by row when the index is built; the index is
cached (see :mod:`codesets._cache`). Sources: ``codesets/data/SOURCES.md``.

Money is :class:`decimal.Decimal` throughout, rounded to cents with ROUND_HALF_UP.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from codesets._cache import load_or_build
from codesets._tables import (
    DataFileError,
    data_path,
    file_key,
    one_of,
    pattern,
    read_table,
    text,
)

__all__ = [
    "CONVERSION_FACTOR",
    "GPCI",
    "NATIONAL",
    "PAID_STATUSES",
    "RVU",
    "STATUS_MEANINGS",
    "Adjustment",
    "FeeSchedule",
    "PFSError",
    "Pricing",
    "allowed_amount",
    "find_locality",
    "gpci",
    "is_known",
    "load",
    "localities",
    "price",
    "rvu",
]

RVU_FILE = "pfs_rvu_2026.csv.gz"
GPCI_FILE = "pfs_gpci_2026.csv"

_INDEX_VERSION = 1
CENT = Decimal("0.01")

#: Status codes of the RVU file ("PFS status indicators", RVU file documentation
#: RVU26 and Medicare Claims Processing Manual, Chapter 12, §20.2 / MPFSDB record layout).
STATUS_MEANINGS: dict[str, str] = {
    "A": "active code, separately paid under the PFS if covered",
    "B": "bundled code: payment is always included in another service",
    "C": "contractor-priced: the MAC sets the amount case by case",
    "D": "deleted code, paid only during a grace period",
    "E": "excluded from the PFS by regulation",
    "F": "deleted code, no grace period",
    "G": "not valid for Medicare; another code is used",
    "H": "deleted modifier for this code",
    "I": "not valid for Medicare purposes; Medicare uses another code",
    "J": "anesthesia service: paid under the anesthesia fee schedule (base + time units)",
    "L": "local code, priced by the MAC",
    "M": "measurement code, used for quality reporting only",
    "N": "non-covered service",
    "P": "bundled/excluded: no separate PFS payment",
    "Q": "therapy functional information code, reporting only",
    "R": "restricted coverage; paid under the PFS when covered",
    "T": "injection or minor service, paid only when no other PFS service is paid that day",
    "X": "statutory exclusion: not a physician service (paid under another fee schedule)",
}

#: Statuses with a national PFS amount (A, R, T).
PAID_STATUSES: frozenset[str] = frozenset("ART")

#: PC/TC indicator meanings (RVU file documentation).
PCTC_MEANINGS: dict[int, str] = {
    0: "physician service: modifiers 26/TC do not apply",
    1: "diagnostic test with professional and technical components",
    2: "professional-component-only code",
    3: "technical-component-only code",
    4: "global test only code (separate codes exist for the PC and TC)",
    5: "incident-to code: modifiers 26/TC do not apply",
    6: "laboratory physician interpretation code",
    7: "private-practice therapist service: modifiers 26/TC do not apply",
    8: "physician interpretation code",
    9: "concept does not apply",
}


class PFSError(ValueError):
    """A service that cannot be priced under the Medicare PFS (one-line message)."""


# --- public records -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RVU:
    """One row of the national RVU file (a code, or a code's -26/-TC/-53 row).

    RVUs are :class:`~decimal.Decimal`. ``nonfac_na``/``fac_na`` flag a setting in which
    CMS does not expect the service to be furnished (the file's "NA"). The payment
    indicators (``pctc_ind``, ``mult_proc``, ``bilat_surg``, ``asst_surg``,
    ``co_surg``, ``team_surg``) are the integers of the file; ``global_days`` is
    000/010/090/MMM/XXX/YYY/ZZZ. ``pre_op``/``intra_op``/``post_op`` are the shares of a
    global surgical package. ``description`` is CMS's short descriptor for HCPCS Level
    II codes only (None for CPT: AMA copyright).
    """

    code: str
    modifier: str | None
    status: str
    work: Decimal
    nonfac_pe: Decimal
    fac_pe: Decimal
    mp: Decimal
    nonfac_na: bool
    fac_na: bool
    pctc_ind: int
    global_days: str
    mult_proc: int
    bilat_surg: int
    asst_surg: int
    co_surg: int
    team_surg: int
    conversion_factor: Decimal
    description: str | None = None
    pre_op: Decimal = Decimal(0)
    intra_op: Decimal = Decimal(0)
    post_op: Decimal = Decimal(0)
    endo_base: str | None = None

    @property
    def paid(self) -> bool:
        """True when the status has a national PFS amount (A, R or T)."""
        return self.status in PAID_STATUSES

    @property
    def nonfac_total(self) -> Decimal:
        """Work + non-facility PE + MP RVUs (as in the file)."""
        return self.work + self.nonfac_pe + self.mp

    @property
    def fac_total(self) -> Decimal:
        """Work + facility PE + MP RVUs (as in the file)."""
        return self.work + self.fac_pe + self.mp


@dataclass(frozen=True, slots=True)
class GPCI:
    """The geographic practice cost indices of one Medicare payment locality.

    ``work`` is the work GPCI with the statutory 1.0 floor (1.5 in Alaska), the one
    used for payment; ``work_no_floor`` is the index before the floor.
    """

    mac: str
    state: str
    locality: str
    name: str
    work: Decimal
    work_no_floor: Decimal
    pe: Decimal
    mp: Decimal

    @property
    def id(self) -> str:
        """``"MAC-LOCALITY"`` (e.g. ``"10112-00"``), or ``"national"``."""
        return f"{self.mac}-{self.locality}" if self.mac else "national"


#: No geographic adjustment: all three GPCIs 1.0.
NATIONAL = GPCI("", "", "", "National (no geographic adjustment)", *[Decimal("1.000")] * 4)


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One payment-policy modifier applied to the fee schedule amount."""

    modifier: str
    factor: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class Pricing:
    """How an allowed amount was computed, step by step (see :func:`price`)."""

    code: str
    row: RVU
    locality: GPCI
    setting: str
    pe_setting: str
    gpci_adjusted_rvus: Decimal
    fee_schedule_amount: Decimal
    adjustments: tuple[Adjustment, ...]
    per_unit: Decimal
    units: int
    allowed: Decimal

    def explain(self) -> str:
        """The computation in words and numbers, one step a line."""
        r, g = self.row, self.locality
        pe = r.fac_pe if self.pe_setting == "facility" else r.nonfac_pe
        code = r.code + (f"-{r.modifier}" if r.modifier else "")
        lines = [
            f"{code}, {g.id} ({g.name}), {self.setting}",
            f"RVUs x GPCI: ({r.work} x {g.work}) + ({pe} x {g.pe}) [{self.pe_setting} PE]"
            f" + ({r.mp} x {g.mp}) = {self.gpci_adjusted_rvus}",
            f"fee schedule amount: {self.gpci_adjusted_rvus} x CF {r.conversion_factor}"
            f" = {self.fee_schedule_amount}",
        ]
        lines += [f"modifier {a.modifier}: x {a.factor} ({a.reason})" for a in self.adjustments]
        lines.append(f"per unit {self.per_unit} x {self.units} unit(s) = {self.allowed}")
        return "\n".join(lines)


# --- loading and validation -----------------------------------------------------------


def _decimal(value: str) -> str:
    """A non-negative decimal number, kept as its text (exact, and marshal-able)."""
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"not a number >= 0: {value!r}")
    return value


def _digit(value: str) -> int:
    if len(value) != 1 or not value.isdigit():
        raise ValueError(f"not a one-digit indicator: {value!r}")
    return int(value)


_CODE = pattern(r"[0-9A-Z]{5}", "HCPCS/CPT code (5 characters, 0-9 A-Z)")

_RVU_COLUMNS = {
    "hcpcs": _CODE,
    "modifier": one_of("26", "TC", "53"),
    "description_level2_only": text,
    "status_code": pattern(r"[A-Z]", "status code (one letter)"),
    "work_rvu": _decimal,
    "nonfac_pe_rvu": _decimal,
    "nonfac_na_indicator": one_of("NA"),
    "fac_pe_rvu": _decimal,
    "fac_na_indicator": one_of("NA"),
    "mp_rvu": _decimal,
    "pctc_ind": _digit,
    "global_days": one_of("000", "010", "090", "MMM", "XXX", "YYY", "ZZZ"),
    "pre_op": _decimal,
    "intra_op": _decimal,
    "post_op": _decimal,
    "mult_proc": _digit,
    "bilat_surg": _digit,
    "asst_surg": _digit,
    "co_surg": _digit,
    "team_surg": _digit,
    "endo_base": _CODE,
    "conversion_factor": _decimal,
}
_RVU_OPTIONAL = {"modifier", "description_level2_only", "nonfac_na_indicator"}
_RVU_OPTIONAL |= {"fac_na_indicator", "endo_base"}
_RVU_REQUIRED = tuple(c for c in _RVU_COLUMNS if c not in _RVU_OPTIONAL)

_GPCI_COLUMNS = {
    "mac": pattern(r"\d{5}", "MAC number (5 digits)"),
    "state": pattern(r"[A-Z]{2}", "state (2 letters)"),
    "locality_number": pattern(r"\d{2}", "locality number (2 digits)"),
    "locality_name": text,
    "pw_gpci_2026_without_floor": _decimal,
    "pw_gpci_2026_with_1_0_floor": _decimal,
    "pe_gpci_2026": _decimal,
    "mp_gpci_2026": _decimal,
}

# Field order of a cached RVU row (after code and modifier).
_RVU_FIELDS = (
    "status_code", "work_rvu", "nonfac_pe_rvu", "fac_pe_rvu", "mp_rvu",
    "nonfac_na_indicator", "fac_na_indicator", "pctc_ind", "global_days",
    "mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg",
    "conversion_factor", "description_level2_only", "pre_op", "intra_op", "post_op",
    "endo_base",
)  # fmt: skip


def _build_index(rvu_path: Path, gpci_path: Path) -> dict[str, Any]:
    """Read and validate the RVU and GPCI tables into a marshal-able index."""
    rows: dict[str, tuple[Any, ...]] = {}
    for line, row in read_table(rvu_path, _RVU_COLUMNS, required=_RVU_REQUIRED):
        key = row["hcpcs"] + (row["modifier"] or "")
        if key in rows:
            raise DataFileError(
                f"{rvu_path.name}:{line}: field 'modifier': duplicate row "
                f"{row['hcpcs']} {row['modifier'] or '(none)'}"
            )
        rows[key] = tuple(row[f] for f in _RVU_FIELDS)
    localities: list[tuple[str, ...]] = []
    seen: set[str] = set()
    for line, row in read_table(gpci_path, _GPCI_COLUMNS):
        lid = f"{row['mac']}-{row['locality_number']}"
        if lid in seen:
            raise DataFileError(
                f"{gpci_path.name}:{line}: field 'locality_number': duplicate {lid}"
            )
        seen.add(lid)
        localities.append(tuple(row[c] for c in _GPCI_COLUMNS))
    return {"version": _INDEX_VERSION, "rvu": rows, "gpci": localities}


def _to_rvu(key: str, rec: tuple[Any, ...]) -> RVU:
    (status, work, nfpe, fpe, mp, nfna, fna, pctc, glob, mult, bilat, asst, co, team, cf,
     desc, pre, intra, post, endo) = rec  # fmt: skip
    return RVU(
        code=key[:5],
        modifier=key[5:] or None,
        status=status,
        work=Decimal(work),
        nonfac_pe=Decimal(nfpe),
        fac_pe=Decimal(fpe),
        mp=Decimal(mp),
        nonfac_na=nfna == "NA",
        fac_na=fna == "NA",
        pctc_ind=pctc,
        global_days=glob,
        mult_proc=mult,
        bilat_surg=bilat,
        asst_surg=asst,
        co_surg=co,
        team_surg=team,
        conversion_factor=Decimal(cf),
        description=desc,
        pre_op=Decimal(pre),
        intra_op=Decimal(intra),
        post_op=Decimal(post),
        endo_base=endo,
    )


def _norm_setting(setting: str) -> str:
    s = setting.strip().lower().replace("_", "-").replace(" ", "-")
    if s in ("non-facility", "nonfacility"):
        return "non-facility"
    if s == "facility":
        return "facility"
    raise PFSError(f"setting must be 'non-facility' or 'facility', not {setting!r}")


def _norm_modifiers(modifiers: Iterable[str] | str | None) -> tuple[str, ...]:
    if not modifiers:
        return ()
    if isinstance(modifiers, str):
        modifiers = (modifiers,)
    return tuple(dict.fromkeys(m.strip().upper() for m in modifiers if m and m.strip()))


# --- the fee schedule ---------------------------------------------------------------------


class FeeSchedule:
    """RVU and GPCI tables in memory; the module functions use the shipped ones."""

    def __init__(self, index: dict[str, Any]) -> None:
        self._rows: dict[str, tuple[Any, ...]] = index["rvu"]
        self._codes: frozenset[str] = frozenset(k[:5] for k in self._rows)
        self._rvus: dict[str, RVU] = {}
        self._gpcis: dict[str, GPCI] = {}
        for mac, state, loc, name, w_nofloor, w_floor, pe, mp in index["gpci"]:
            g = GPCI(
                mac, state, loc, name, Decimal(w_floor), Decimal(w_nofloor), Decimal(pe),
                Decimal(mp),
            )  # fmt: skip
            self._gpcis[g.id] = g
        cfs = Counter(rec[_RVU_FIELDS.index("conversion_factor")] for rec in self._rows.values())
        #: The conversion factor of the file (every row carries it; the most common one).
        self.conversion_factor: Decimal = Decimal(cfs.most_common(1)[0][0] if cfs else "0")

    # lookups ------------------------------------------------------------------------

    def rvu(self, code: str, modifier: str | None = None) -> RVU | None:
        """The RVU row of ``code`` (global) or of ``code``-``modifier`` (26, TC, 53)."""
        c, m = code.strip().upper(), (modifier or "").strip().upper()
        if len(c) != 5 or len(m) not in (0, 2):
            return None
        key = c + m
        found = self._rvus.get(key)
        if found is None:
            rec = self._rows.get(key)
            if rec is None:
                return None
            found = self._rvus[key] = _to_rvu(key, rec)
        return found

    def is_known(self, code: str) -> bool:
        """True when the RVU file has any row for ``code`` (whatever its status)."""
        return code.strip().upper() in self._codes

    def localities(self) -> list[GPCI]:
        """The Medicare payment localities, in the file's order (by state)."""
        return list(self._gpcis.values())

    def gpci(self, locality_id: str | GPCI) -> GPCI:
        """The GPCI of ``"MAC-LOCALITY"`` (e.g. ``"10112-00"``) or ``"national"``."""
        if isinstance(locality_id, GPCI):
            return locality_id
        lid = locality_id.strip()
        if lid.lower() == "national":
            return NATIONAL
        try:
            return self._gpcis[lid]
        except KeyError:
            raise PFSError(
                f"unknown Medicare locality {locality_id!r} (use 'MAC-LOCALITY' such as "
                "'10112-00', or 'national')"
            ) from None

    def find_locality(self, state: str, name_contains: str | None = None) -> list[GPCI]:
        """Localities of ``state`` (two letters), optionally whose name contains text."""
        st = state.strip().upper()
        part = (name_contains or "").strip().upper()
        return [g for g in self._gpcis.values() if g.state == st and part in g.name.upper()]

    # pricing --------------------------------------------------------------------------

    def price(
        self,
        code: str,
        modifiers: Iterable[str] | str = (),
        locality: str | GPCI = "national",
        setting: str = "non-facility",
        units: int = 1,
    ) -> Pricing:
        """Compute the Medicare allowed amount of one claim line, keeping every step.

        See :func:`price` for the rules.
        """
        c = code.strip().upper()
        mods = _norm_modifiers(modifiers)
        where = _norm_setting(setting)
        g = self.gpci(locality)
        if isinstance(units, bool) or not isinstance(units, int) or units < 0:
            raise PFSError(f"{c}: units must be a whole number >= 0, not {units!r}")
        if not self.is_known(c):
            raise PFSError(f"{c}: not in the Medicare PFS relative value file (RVU26C)")

        # 1. Choose the row: -26 (professional component), -TC (technical component),
        #    -53 (discontinued procedure, a few endoscopies) or the global row.
        row = self._choose_row(c, mods)

        # 2. Only statuses A, R and T have a national PFS amount.
        if row.status not in PAID_STATUSES:
            meaning = STATUS_MEANINGS.get(row.status, "unknown status")
            if row.status == "C":
                raise PFSError(
                    f"{c}: status C — contractor-priced: the MAC sets the amount, "
                    "there is no national PFS amount"
                )
            raise PFSError(
                f"{c}: status {row.status} — not paid under the Medicare PFS ({meaning})"
            )

        # 3. Practice expense of the setting (Ch. 12 §20.4.2 site-of-service differential):
        #    non-facility PE, unless the file marks it NA, in which case the facility PE
        #    is used (the service is not expected in an office).
        if where == "facility" or row.nonfac_na:
            pe_setting, pe = "facility", row.fac_pe
        else:
            pe_setting, pe = "non-facility", row.nonfac_pe

        # 4. GPCI-adjusted RVUs x conversion factor = fee schedule amount (Ch. 12 §20.1),
        #    rounded to the cent.
        adjusted = row.work * g.work + pe * g.pe + row.mp * g.mp
        fee = (adjusted * row.conversion_factor).quantize(CENT, ROUND_HALF_UP)

        # 5. Payment-policy modifiers: each gives a percentage of the fee schedule
        #    amount; the percentages multiply (e.g. 50 + 51: 150% x 50%).
        adjustments = tuple(self._adjustments(c, row, mods))
        factor = Decimal(1)
        for a in adjustments:
            factor *= a.factor
        per_unit = (fee * factor).quantize(CENT, ROUND_HALF_UP)

        # 6. Times the units of service.
        allowed = per_unit * units
        return Pricing(
            code=c,
            row=row,
            locality=g,
            setting=where,
            pe_setting=pe_setting,
            gpci_adjusted_rvus=adjusted,
            fee_schedule_amount=fee,
            adjustments=adjustments,
            per_unit=per_unit,
            units=units,
            allowed=allowed,
        )

    def _choose_row(self, c: str, mods: tuple[str, ...]) -> RVU:
        comps = [m for m in mods if m in ("26", "TC")]
        if len(comps) > 1:
            raise PFSError(f"{c}: modifiers 26 and TC together describe the global service")
        glob = self.rvu(c)
        if comps:
            row = self.rvu(c, comps[0])
            if row is None:
                ind = glob.pctc_ind if glob else None
                what = PCTC_MEANINGS.get(ind, "") if ind is not None else ""
                raise PFSError(
                    f"{c}: modifier {comps[0]} does not apply, the PFS has no "
                    f"{c}-{comps[0]} row (PC/TC indicator {ind}: {what})"
                )
            return row
        if "53" in mods:
            row = self.rvu(c, "53")
            if row is None:
                raise PFSError(
                    f"{c}: no discontinued-procedure (-53) amount in the PFS; the MAC "
                    "prices a discontinued procedure"
                )
            return row
        if glob is None:
            only = sorted(k[5:] for k in self._rows if k[:5] == c)
            raise PFSError(f"{c}: the PFS prices it only with modifier {'/'.join(only)}")
        return glob

    def _adjustments(self, c: str, row: RVU, mods: tuple[str, ...]) -> Iterable[Adjustment]:
        """The percentage each payment-policy modifier applies (others change nothing)."""
        for m in mods:
            if m == "50":
                # Bilateral surgery, Ch. 12 §40.7; bilat_surg indicator of the file.
                ind = row.bilat_surg
                if ind == 1:
                    yield Adjustment(m, Decimal("1.5"), "bilateral: 150% (indicator 1)")
                elif ind in (0, 2):
                    why = "150% does not apply" if ind == 0 else "RVUs already bilateral"
                    yield Adjustment(m, Decimal(1), f"bilateral: 100%, {why} (indicator {ind})")
                elif ind == 3:
                    yield Adjustment(m, Decimal(2), "bilateral: each side at 100% (indicator 3)")
                else:
                    raise PFSError(f"{c}: modifier 50 does not apply (bilateral indicator {ind})")
            elif m == "51":
                # Multiple procedures, Ch. 12 §40.6: this code is a secondary procedure.
                ind = row.mult_proc
                if ind in (2, 3):
                    note = "" if ind == 2 else "; endoscopy family rule simplified"
                    yield Adjustment(
                        m, Decimal("0.5"), f"secondary procedure: 50% (indicator {ind}{note})"
                    )
                elif ind in (0, 9):
                    yield Adjustment(
                        m, Decimal(1), f"no multiple-procedure reduction (indicator {ind})"
                    )
                else:
                    raise PFSError(
                        f"{c}: multiple-procedure indicator {ind} is a family-specific "
                        "reduction (imaging, therapy, cardiology or ophthalmology) that "
                        "rcmlab does not model"
                    )
            elif m == "62":
                # Co-surgeons, Ch. 12 §40.8: each surgeon 62.5%.
                ind = row.co_surg
                if ind in (1, 2):
                    yield Adjustment(m, Decimal("0.625"), f"co-surgeon: 62.5% (indicator {ind})")
                else:
                    raise PFSError(f"{c}: co-surgeons are not paid (co-surgery indicator {ind})")
            elif m == "66":
                # Team surgery, Ch. 12 §40.8: priced by the MAC, "by report".
                raise PFSError(
                    f"{c}: team surgery (66) is priced by the MAC by report "
                    f"(team surgery indicator {row.team_surg})"
                )
            elif m in ("80", "81", "82", "AS"):
                # Assistant at surgery, Ch. 12 §20.4.3: 16%; a PA/NP/CNS (AS) 85% of it.
                ind = row.asst_surg
                if ind != 2:
                    why = {
                        0: "payment restriction applies unless documentation establishes "
                        "medical necessity",
                        1: "assistant at surgery may not be paid",
                    }.get(ind, "the concept does not apply")
                    raise PFSError(
                        f"{c}: assistant at surgery ({m}) not payable: {why} (indicator {ind})"
                    )
                if m == "AS":
                    yield Adjustment(
                        m, Decimal("0.136"), "non-physician assistant at surgery: 85% of 16%"
                    )
                else:
                    yield Adjustment(m, Decimal("0.16"), "assistant at surgery: 16%")
            elif m in ("54", "55", "56"):
                # Split global surgical package, Ch. 12 §40.2: the file's shares.
                if row.global_days not in ("010", "090"):
                    raise PFSError(
                        f"{c}: modifier {m} applies to 10/90-day global surgery "
                        f"(global period {row.global_days})"
                    )
                share, what = {
                    "54": (row.pre_op + row.intra_op, "surgical care only (pre + intra-op)"),
                    "55": (row.post_op, "postoperative care only"),
                    "56": (row.pre_op, "preoperative care only"),
                }[m]
                yield Adjustment(m, share, what)


def load(
    rvu_path: Path | str | None = None,
    gpci_path: Path | str | None = None,
    *,
    use_cache: bool | None = None,
) -> FeeSchedule:
    """Load (and validate) the RVU and GPCI tables; default: the shipped CY2026 ones.

    A malformed row raises :class:`~codesets.DataFileError` naming file, line and
    field. The shipped tables' index is cached, keyed by the files' sha256.
    """
    shipped = rvu_path is None and gpci_path is None
    r = Path(rvu_path) if rvu_path else data_path(RVU_FILE)
    g = Path(gpci_path) if gpci_path else data_path(GPCI_FILE)
    if not (shipped if use_cache is None else use_cache):
        return FeeSchedule(_build_index(r, g))
    name = "pfs" if shipped else "pfs-" + hashlib.sha256(str(r.resolve()).encode()).hexdigest()[:8]
    index, _built = load_or_build(
        name, file_key(r, g, version=_INDEX_VERSION), lambda: _build_index(r, g)
    )
    return FeeSchedule(index)


@cache
def _default() -> FeeSchedule:
    return load()


def __getattr__(name: str) -> Any:
    # CONVERSION_FACTOR is read from the data the first time it is asked for.
    if name == "CONVERSION_FACTOR":
        return _default().conversion_factor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CONVERSION_FACTOR: Decimal  # the CY2026 non-QPP conversion factor, 33.4009 (lazy, see above)


# --- module-level API over the shipped tables --------------------------------------------


def rvu(code: str, modifier: str | None = None) -> RVU | None:
    """The CY2026 RVU row of ``code`` (global) or ``code``-``modifier`` (26/TC/53), or None."""
    return _default().rvu(code, modifier)


def is_known(code: str) -> bool:
    """True when the CY2026 RVU file has any row for ``code`` (any status)."""
    return _default().is_known(code)


def localities() -> list[GPCI]:
    """The 109 CY2026 Medicare payment localities with their GPCIs."""
    return _default().localities()


def gpci(locality_id: str | GPCI) -> GPCI:
    """The GPCI of a locality ``"MAC-LOCALITY"`` (e.g. ``"10112-00"``) or ``"national"``.

    Raises :class:`PFSError` for an unknown locality.
    """
    return _default().gpci(locality_id)


def find_locality(state: str, name_contains: str | None = None) -> list[GPCI]:
    """Localities of a state (two letters), optionally whose name contains some text."""
    return _default().find_locality(state, name_contains)


def price(
    code: str,
    modifiers: Iterable[str] | str = (),
    locality: str | GPCI = "national",
    setting: str = "non-facility",
    units: int = 1,
) -> Pricing:
    """Price one claim line under the Medicare PFS and keep every step (:class:`Pricing`).

    The rules, in order (Medicare Claims Processing Manual, Chapter 12):

    1. Row: modifier 26 or TC selects the code's -26/-TC row (§20.4.1; a code without
       that row cannot take the modifier); 53 selects the -53 row (only a few
       endoscopies have one; otherwise the MAC prices it and PFSError is raised);
       otherwise the global row.
    2. Status: A, R and T are paid; C is contractor-priced and every other status is
       not paid under the PFS: both raise PFSError (``"99999: status X — ..."``).
    3. Practice expense: the facility PE in the facility setting; in the non-facility
       setting the non-facility PE, **unless the file marks it NA**, in which case the
       facility PE is used (§20.4.2).
    4. Fee schedule amount = [(work x work GPCI) + (PE x PE GPCI) + (MP x MP GPCI)] x CF,
       rounded to the cent (ROUND_HALF_UP) (§20.1). The work GPCI is the 1.0-floor one.
    5. Payment-policy modifiers, by the file's indicators, as percentages of that amount
       (they multiply; the result is rounded to the cent):
       50 bilateral (§40.7): indicator 1 → 150%, 0/2 → 100%, 3 → 200%, 9 → error;
       51 multiple procedure, this code being a secondary procedure (§40.6):
       indicator 2/3 → 50% (3, endoscopy, simplified), 0/9 → 100%, 4-7 → error;
       62 co-surgeon (§40.8): indicator 1/2 → 62.5%, else error; 66 → error (by report);
       80/81/82 assistant at surgery (§20.4.3): indicator 2 → 16%, AS (PA/NP/CNS) →
       85% of 16% = 13.6%; indicator 0/1/9 → PFSError (not payable);
       54/55/56 split global package (§40.2) → the file's pre+intra/post/pre shares.
       Other modifiers (25, 59, LT, RT, GA, ...) do not change the amount.
    6. Times ``units``.

    ``setting`` is ``"non-facility"`` (office, POS 11...) or ``"facility"`` (hospital,
    ASC...; see :func:`codesets.pos.setting`). Raises :class:`PFSError` naming the code
    for an unknown code, a status not paid, or a modifier that cannot be paid.
    """
    return _default().price(code, modifiers, locality, setting, units)


def allowed_amount(
    code: str,
    modifiers: Iterable[str] | str = (),
    locality: str | GPCI = "national",
    setting: str = "non-facility",
    units: int = 1,
) -> Decimal:
    """The Medicare PFS allowed amount of one claim line, in dollars and cents.

    [(work RVU x work GPCI) + (PE RVU x PE GPCI) + (MP RVU x MP GPCI)] x CF (Medicare
    Claims Processing Manual, Chapter 12, §20.1), with the PE RVU of the setting (the
    non-facility PE unless the file marks it NA, then the facility PE), the -26/-TC/-53
    rows and the payment-policy modifiers 50, 51, 62, 80/81/82/AS, 54/55/56, times
    ``units``; rounded to the cent, ROUND_HALF_UP. The full rules are in :func:`price`.
    Raises :class:`PFSError` for an unknown code, a status not paid under the PFS
    (only A, R, T are), or a modifier that the code's indicators do not allow.
    """
    return _default().price(code, modifiers, locality, setting, units).allowed
