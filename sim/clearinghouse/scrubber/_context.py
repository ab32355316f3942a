"""What every scrubber rule needs from a claim, computed once per claim.

:class:`ClaimContext` normalises the codes of a claim (upper case, no spaces; ICD-10-CM
with its dot), takes the columns of box 24 in one pass, gives the claim's coding a pattern
id, and answers the patient's age on a date. The code-set answers that several rules
share (is this CPT/HCPCS code valid on this date?) are memoised here in bounded
dictionaries (:func:`memo`, emptied together by :func:`clear_memos`): a practice bills the
same few hundred codes over and over, so after the first claims almost every lookup is
one dictionary probe. Rules use :func:`all_true` for a fast path over those memos.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from datetime import date
from itertools import count
from operator import attrgetter
from typing import Any

from codesets import cpt, hcpcs, icd10cm
from sim.claims import Claim
from sim.clearinghouse.findings import ScrubFinding, diagnosis_box, line_box, page_note

MEMO_LIMIT = 200_000  # entries per memo before it is emptied (keeps a long session bounded)

_CPT_SHAPE = re.compile(r"[0-9]{5}|[0-9]{4}[FTUM]")
_HCPCS_SHAPE = re.compile(r"[A-V][0-9]{4}")


_MEMOS: list[dict] = []


def memo() -> dict:
    """A new module-level memo dictionary, registered so :func:`clear_memos` empties it."""
    d: dict = {}
    _MEMOS.append(d)
    return d


def clear_memos() -> None:
    """Forget every remembered code-set answer and clean coding pattern.

    Call it after changing a code set in the running process (for example after
    :func:`codesets.cpt.use_licensed_file`), so no answer from the old one is reused.
    """
    for d in _MEMOS:
        d.clear()


def remember(table: dict, key: Any, value: Any) -> Any:
    """Store ``value`` under ``key`` in a bounded table and return it."""
    if len(table) >= MEMO_LIMIT:
        table.clear()
    table[key] = value
    return value


_codes: dict[Any, str] = memo()
_dx_codes: dict[Any, str] = memo()
_modifiers: dict[Any, tuple[str, ...]] = memo()


def norm_code(raw: Any) -> str:
    """A CPT/HCPCS code as the code sets spell it: no spaces, upper case ("" for None)."""
    try:
        return _codes[raw]
    except (KeyError, TypeError):
        pass
    value = "" if raw is None else "".join(str(raw).split()).upper()
    try:
        return remember(_codes, raw, value)
    except TypeError:  # an unhashable value: not worth remembering
        return value


def norm_dx(raw: Any) -> str:
    """An ICD-10-CM code with its dot, upper case ("" for None or blank)."""
    try:
        return _dx_codes[raw]
    except (KeyError, TypeError):
        pass
    value = "" if raw is None or not str(raw).strip() else icd10cm.normalize(str(raw))
    try:
        return remember(_dx_codes, raw, value)
    except TypeError:
        return value


def norm_modifiers(raw: Any) -> tuple[str, ...]:
    """Modifiers as a tuple of upper-case two-character strings (blanks dropped)."""
    try:
        return _modifiers[raw]
    except (KeyError, TypeError):
        pass
    if raw is None:
        items: tuple[Any, ...] = ()
    elif isinstance(raw, str):
        items = (raw,)
    else:
        try:
            items = tuple(raw)
        except TypeError:
            items = (raw,)
    value = tuple(
        "".join(str(m).split()).upper().lstrip("-")
        for m in items
        if m is not None and str(m).strip()
    )
    try:
        return remember(_modifiers, raw, value)
    except TypeError:
        return value


_code_problems: dict[tuple[str, date | None], tuple[str, str] | None] = memo()


def _code_problem(code: str, day: date | None) -> tuple[str, str] | None:
    """``(status_code, message)`` when ``code`` is not a valid CPT/HCPCS code on ``day``."""
    if _CPT_SHAPE.fullmatch(code):
        if cpt.exists(code):
            return None
        return "454", (
            f"{code} is not a CPT code known to the code set (Medicare PFS 2026 and the "
            "teaching set): check the number against the CPT book"
        )
    if _HCPCS_SHAPE.fullmatch(code):
        if hcpcs.is_active(code, on=day):
            return None
        found = hcpcs.lookup(code)
        if found is None:
            return "507", f"{code} is not a HCPCS Level II code: check the CMS HCPCS file"
        when = day.isoformat() if day else "today"
        if found.add_date and day and day.isoformat() < found.add_date:
            why = f"it takes effect on {found.add_date}"
        elif found.termination_date:
            why = f"it was terminated on {found.termination_date}"
        else:
            why = "CMS lists it as inactive"
        return "507", (
            f"{code} is not a valid HCPCS Level II code on the date of service ({when}): "
            f"{why}; use the code in force on that date (HIPAA code sets apply by date of "
            "service, 45 CFR 162.1002)"
        )
    return "454", (
        f"{code!r} is not shaped like a CPT code (5 digits, or 4 digits and F/T/U/M) or a "
        "HCPCS Level II code (a letter A-V and 4 digits)"
    )


def code_problem(code: str, day: date | None) -> tuple[str, str] | None:
    """Memoised :func:`_code_problem` (HCPCS validity depends on the date of service)."""
    key = (code, day)
    try:
        return _code_problems[key]
    except KeyError:
        return remember(_code_problems, key, _code_problem(code, day))


# The columns of box 24 that the rules read, taken from every line in one C-level pass.
COLUMNS = (
    "code", "modifiers", "service_date", "units", "pos", "charge", "dx_pointers",
    "service_date_to",
)  # fmt: skip
_row = attrgetter(*COLUMNS)
_patterns: dict[tuple, int] = memo()  # a claim's coding -> its pattern id (never reused)
_pattern_ids = count(1)
_valid_on: dict[tuple[str, Any], bool] = memo()  # (code, date of service) -> valid then
_ages: dict[tuple[date, date], int] = memo()  # (birth date, day) -> age in years


def all_true(table: dict, keys: Iterable[Any]) -> bool:
    """True when every key is remembered in ``table`` with a true value.

    The rules' fast path: one C-level pass over the claim; an unknown key (``None``), a
    problem (``False``) or an unhashable key sends the rule to its careful path, which
    remembers what it learns.
    """
    try:
        return all(map(table.get, keys))
    except TypeError:
        return False


class ClaimContext:
    """One claim, prepared for the rules (built once per claim by ``scrub``).

    ``codes[i]``/``modifiers[i]`` are the normalised code and modifiers of ``lines[i]``;
    ``days``, ``days_to``, ``units``, ``pos``, ``charges`` and ``pointers`` hold the other
    columns of box 24 as given, one entry per line; ``dx[k]`` the normalised diagnosis in box
    ``21.<letter k>``; ``first_day`` the earliest date of service and ``age`` the
    patient's age on it (None without usable dates); ``one_day`` is True when every line
    has that one date; ``repeats`` is True when a code appears on more than one line;
    ``on`` the date the claim is scrubbed (None: not known); ``pattern`` an id of the
    claim's coding (diagnoses, codes, modifiers, units, pointers), the same for every
    claim coded the same way, or None.
    """

    __slots__ = (
        "_ok",
        "age",
        "charges",
        "claim",
        "codes",
        "days",
        "days_to",
        "dx",
        "first_day",
        "lines",
        "modifiers",
        "on",
        "one_day",
        "pattern",
        "pointers",
        "pos",
        "repeats",
        "sex",
        "units",
        "volatile",
    )

    def __init__(self, claim: Claim, on: date | None = None) -> None:
        self.claim = claim
        self.on = on
        self.lines = lines = claim.lines
        patient = claim.patient
        self.sex = patient.sex
        self._ok: list[bool] | None = None
        try:  # map() over the memos: the codes were almost always seen before
            self.dx = tuple(map(_dx_codes.__getitem__, claim.diagnoses))
        except (KeyError, TypeError):
            self.dx = tuple([norm_dx(d) for d in claim.diagnoses])
        if lines:
            raw_codes, raw_mods, days, *rest = zip(*map(_row, lines), strict=True)
        else:
            raw_codes = raw_mods = days = ()
            rest = [()] * (len(COLUMNS) - 3)
        self.units, self.pos, self.charges, self.pointers, self.days_to = rest
        try:
            self.codes = codes = list(map(_codes.__getitem__, raw_codes))
        except (KeyError, TypeError):
            self.codes = codes = [norm_code(c) for c in raw_codes]
        try:
            self.modifiers = list(map(_modifiers.__getitem__, raw_mods))
        except (KeyError, TypeError):
            self.modifiers = [norm_modifiers(m) for m in raw_mods]
        self.days = days
        n = len(codes)
        self.repeats = n > 1 and len(set(codes)) != n
        first = days[0] if n else None
        self.one_day = isinstance(first, date) and days.count(first) == n
        if not self.one_day:
            valid = [d for d in days if isinstance(d, date)]
            first = min(valid) if valid else None
        self.first_day = first
        self.age = self.age_on(first)
        self.volatile = False
        try:
            coding = (self.dx, tuple(codes), tuple(self.modifiers), self.units, self.pointers)
            pattern = _patterns.get(coding)
            if pattern is None:
                pattern = remember(_patterns, coding, next(_pattern_ids))
        except TypeError:  # an unhashable value somewhere (a list of pointers): no pattern
            pattern = None
        self.pattern = pattern

    @property
    def rememberable(self) -> bool:
        """True when what the coding rules found can be remembered for the coding pattern.

        The coding rules (pointers, ICD-10-CM, Excludes1, modifiers, NCCI, MUE, duplicates;
        age/sex with the patient's sex and age) judge only the claim's coding: its
        diagnoses, codes, modifiers, units and pointers. That holds when every line has
        one date of service, every code is valid on it, and no rule met a date-bound
        answer (``volatile``: an NCCI edit with a deletion date).
        """
        return self.pattern is not None and self.one_day and not self.volatile and all(self.ok)

    def age_on(self, day: Any) -> int | None:
        """The patient's age in whole years on ``day`` (None without a usable date)."""
        birth = self.claim.patient.birth_date
        if not (isinstance(day, date) and isinstance(birth, date) and birth <= day):
            return None
        key = (birth, day)
        age = _ages.get(key)
        if age is None:
            age = remember(_ages, key, self.claim.patient.age_on(day))
        return age

    @property
    def ok(self) -> list[bool]:
        """``ok[i]``: line ``i`` carries a CPT/HCPCS code valid on its date of service."""
        ok = self._ok
        if ok is None:
            try:
                ok = list(map(_valid_on.get, zip(self.codes, self.days, strict=True)))
            except TypeError:
                ok = [None] * len(self.codes)
            if None in ok:
                pairs = zip(self.codes, self.days, strict=True)
                ok = [self._valid(code, day) for code, day in pairs]
            self._ok = ok
        return ok

    @staticmethod
    def _valid(code: str, day: Any) -> bool:
        when = day if isinstance(day, date) else None
        valid = bool(code) and code_problem(code, when) is None
        with suppress(TypeError):  # an unhashable date is judged, not remembered
            remember(_valid_on, (code, day), valid)
        return valid

    def code_ok(self, i: int) -> bool:
        """True when line ``i`` carries a CPT/HCPCS code valid on its date of service."""
        return self.ok[i]

    def finding(
        self,
        rule: str,
        box: str,
        message: str,
        category: str,
        status: str,
        *,
        line: int | None = None,
        entity: str | None = None,
        severity: str = "reject",
    ) -> ScrubFinding:
        """A finding about this claim; ``line`` is the 0-based index into ``lines``."""
        number = None
        if line is not None:
            number = getattr(self.lines[line], "number", line + 1)
            message = f"Line {number}{page_note(line)}: {message}"
        return ScrubFinding(
            str(self.claim.id), number, rule, severity, box, message, category, status, entity
        )


__all__ = [
    "ClaimContext",
    "all_true",
    "clear_memos",
    "code_problem",
    "diagnosis_box",
    "line_box",
    "memo",
    "norm_code",
    "norm_dx",
    "remember",
]
