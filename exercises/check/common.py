"""Shared steps of the checkers: shape checks that raise one-line input errors, and the
normalisers every kind uses (amounts to the cent, yes/no, text, dates, ids).

A malformed response is an input error (:class:`~exercises.model.ExerciseError`) whose one
line names the field, e.g. ``response.lines[1].paid: expected an amount, got 'abc'``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from exercises.model import ExerciseError, Feedback

CENT = Decimal("0.01")
_AMOUNT_RE = re.compile(r"-?\d+(\.\d{1,2})?|-?\.\d{1,2}")
_GROUPED_RE = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d{1,2})?")
_YES = {"yes", "y", "true", "t", "x", "1"}
_NO = {"no", "n", "false", "f", "0"}


def show(value: Any, limit: int = 40) -> str:
    """A short one-line ``repr`` of a value for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fail(where: str, message: str) -> ExerciseError:
    """The one-line input error for field ``where`` (line breaks flattened)."""
    return ExerciseError(" ".join(f"{where}: {message}".splitlines()))


def mapping(value: Any, where: str) -> dict[str, Any]:
    """``value`` must be an object (a dict with text keys)."""
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise fail(where, f"expected an object, got {type(value).__name__}")
    return value


def known_fields(value: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    """Every field of ``value`` is one of ``allowed`` (an unknown field is an input error)."""
    names = set(allowed)
    for k in value:
        if k not in names:
            raise fail(
                where, f"unknown field {show(k)} (expected one of: {', '.join(sorted(names))})"
            )


def amount(value: Any, where: str) -> Decimal:
    """An amount to the cent from a number or text: ``25``, ``"25.00"``, ``"$1,256.50"``."""
    if isinstance(value, bool):
        raise fail(where, f"expected an amount, got {show(value)}")
    if isinstance(value, int):
        return Decimal(value).quantize(CENT)
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) > 1e12:
            raise fail(where, f"expected an amount, got {show(value)}")
        return Decimal(repr(value)).quantize(CENT)
    if isinstance(value, str):
        s = value.strip().replace("$", "").replace(" ", "")
        if s.startswith("(") and s.endswith(")"):  # accounting negative
            s = "-" + s[1:-1]
        if _GROUPED_RE.fullmatch(s):
            s = s.replace(",", "")
        if len(s) <= 16 and _AMOUNT_RE.fullmatch(s):
            try:
                return Decimal(s).quantize(CENT)
            except InvalidOperation:  # pragma: no cover - the pattern rules it out
                pass
    raise fail(where, f"expected an amount, got {show(value)}")


def money(value: Decimal) -> str:
    """``Decimal("1256.5")`` -> ``"$1,256.50"`` (negative as ``-$5.00``)."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def yes_no(value: Any, where: str) -> bool:
    """A yes/no answer: true/false, or the text yes/no/y/n/true/false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise fail(where, f"expected yes or no (true/false), got {show(value)}")


def text(value: Any, where: str, *, limit: int = 20000) -> str:
    """A text value (numbers are taken as their text); too long is an input error."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail(where, f"expected text, got {type(value).__name__}")
    if isinstance(value, float) and not math.isfinite(value):
        raise fail(where, f"expected text, got {show(value)}")
    s = str(value)
    if len(s) > limit:
        raise fail(where, f"text of {len(s)} characters is longer than {limit}")
    return s


def ident(value: Any) -> str:
    """A vocabulary id normalised: lower case, spaces and underscores as hyphens."""
    return "-".join(re.split(r"[\s_\-]+", str(value).strip().lower())).strip("-")


def choice(value: Any, vocabulary: dict[str, str], where: str) -> str:
    """One id of ``vocabulary`` (spelling of case/spaces/underscores forgiven)."""
    if not isinstance(value, str):
        raise fail(where, f"expected one of {', '.join(vocabulary)}, got {show(value)}")
    v = ident(value)
    if v not in vocabulary:
        raise fail(where, f"{show(value)} is not one of: {', '.join(vocabulary)}")
    return v


def id_list(value: Any, vocabulary: dict[str, str], where: str) -> list[str]:
    """A list of vocabulary ids (each once, in the order given)."""
    if not isinstance(value, list):
        raise fail(where, f"expected a list of ids, got {type(value).__name__}")
    out: list[str] = []
    for i, item in enumerate(value):
        v = choice(item, vocabulary, f"{where}[{i}]")
        if v not in out:
            out.append(v)
    return out


def set_score(entered: list[str], expected: list[str]) -> float:
    """Credit for a set answer: correct / max(entered, expected) (extras cost like gaps)."""
    if not entered and not expected:
        return 1.0
    return len(set(entered) & set(expected)) / max(len(set(entered)), len(set(expected)))


def set_feedback(
    part: str, entered: list[str], expected: list[str], labels: dict[str, str], noun: str
) -> list[Feedback]:
    """One feedback line per id entered (right or not needed) and per id missing."""
    out = []
    for v in entered:
        if v in expected:
            out.append(Feedback(part, True, f"{v}: {labels[v]}"))
        else:
            out.append(Feedback(part, False, f"{v} ({labels[v]}) is not a {noun} for this case"))
    for v in expected:
        if v not in entered:
            out.append(Feedback(part, False, f"a {noun} is missing: {labels[v]}"))
    return out


def to_date(value: Any, where: str, *, birth: bool = False) -> date:
    """One date: ``MM DD YY``, ``MM DD YYYY``, ``MM/DD/YYYY``, ``MMDDYY[YY]`` or ISO."""
    if isinstance(value, date):
        return value
    found = dates(text(value, where, limit=100), birth=birth)
    if found is None or len(found) != 1:
        raise fail(where, f"{show(value)} is not a date (MM DD YY)")
    return found[0]


def dates(s: str, *, birth: bool = False) -> list[date] | None:
    """The dates in a text (one or two: from, to), or None if it is not only dates."""
    if re.sub(r"[\d\s/.\-]", "", s):
        return None
    groups = re.findall(r"\d+", s)
    out: list[date] = []
    i = 0
    try:
        while i < len(groups):
            g = groups[i]
            if len(g) in (6, 8):
                m, d, y = int(g[:2]), int(g[2:4]), g[4:]
                i += 1
            elif len(g) == 4 and i + 2 < len(groups):
                y, m, d = g, int(groups[i + 1]), int(groups[i + 2])
                i += 3
            elif len(g) <= 2 and i + 2 < len(groups) and len(groups[i + 2]) in (2, 4):
                m, d, y = int(g), int(groups[i + 1]), groups[i + 2]
                i += 3
            else:
                return None
            year = int(y) if len(y) == 4 else _century(int(y), birth)
            out.append(date(year, m, d))
    except ValueError:
        return None
    return out or None


def _century(yy: int, birth: bool) -> int:
    """Two-digit years: service dates are 20YY; a birth year after 2026 is 19YY."""
    return 1900 + yy if birth and 2000 + yy > 2026 else 2000 + yy


def plain(s: str) -> str:
    """Case-, punctuation- and spacing-blind text; digit groups keep together
    (``"$1,256.50"`` -> ``"1256 50"``, ``"CO-197"`` -> ``"co 197"``)."""
    s = re.sub(r"(?<=\d),(?=\d{3})", "", s.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", s).split())
