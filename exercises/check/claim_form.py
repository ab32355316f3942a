"""CMS-1500 claim form: ``{fields: {"<box id>": value, ...}}``, box ids as in
:data:`sim.cms1500.BOXES` (``"2"``, ``"1a"``, ``"21.A"``, ``"24D.1"``, ``"24E.1"`` ...).

Steps, in order: shape (``fields`` an object; every box id known; values text or
numbers) -> normalise each box by its type (:func:`box_type`): dates in MM DD YY,
MM DD YYYY, MM/DD/YYYY, MMDDYY or ISO; names case- and punctuation-blind but LAST, FIRST;
amounts to the cent (``$1,256.50``, ``1256.5``); ICD-10-CM codes with or without the dot;
24D code then modifiers in any order; 24E pointer letters (or numbers); checkboxes (YES/Y/X,
program and relationship names); NPIs, phones, ZIPs and the EIN as digits -> grade each box
the key names, one credit each (boxes the key does not name are not graded) -> explain a
wrong box by what belongs in it (NUCC instructions, in :data:`sim.cms1500.BOXES`) and the
likely slip ("Box 24E.1: the pointer letter(s) to box 21, not the code").
"""

from __future__ import annotations

import re
from typing import Any

from codesets import icd10cm
from exercises.check.common import amount, dates, fail, known_fields, mapping, plain, show, text
from exercises.model import ExerciseError, Feedback
from sim.cms1500 import BOXES

_LETTERS = "ABCDEFGHIJKL"
_PROGRAM = {
    "GROUP": "GROUP HEALTH PLAN",
    "GROUP HEALTH": "GROUP HEALTH PLAN",
    "GHP": "GROUP HEALTH PLAN",
    "FECA": "FECA BLK LUNG",
    "FECA BLACK LUNG": "FECA BLK LUNG",
    "BLACK LUNG": "FECA BLK LUNG",
    "CHAMPUS": "TRICARE",
}
_YES = {"YES", "Y", "X", "TRUE"}
_NO = {"NO", "N", "FALSE"}
_ICD_LIKE = re.compile(r"^[A-TV-Z][0-9][0-9A-Z]\.?[0-9A-Z]{0,4}$")


def box_type(box: str) -> str:
    """The kind of value a box holds (how it is normalised)."""
    col = box.split(".")[0]
    if box in ("3", "11a"):
        return "date-sex"
    if col == "24A" or box in ("12.date", "31.date"):
        return "date"
    if box == "14":
        return "date-qualifier"
    if box in ("2", "4", "9"):
        return "name"
    if col == "24F" or box in ("28", "29"):
        return "money"
    if box.startswith("21."):
        return "icd"
    if col == "24D":
        return "procedure"
    if col == "24E":
        return "pointers"
    if box in ("1", "6", "10a", "10b", "10c", "11d", "27") or col == "24C":
        return "choice"
    if box.endswith("phone") or box in ("33a", "17b", "32a", "25") or box.endswith("zip"):
        return "digits"
    if col == "24J" and not box.endswith("shaded"):
        return "digits"
    if col == "24B":
        return "pos"
    if col == "24G":
        return "units"
    if box in ("1a", "9a", "11", "21", "22", "23", "26", "33b") or col == "24I":
        return "id"
    if box.endswith(".shaded"):
        return "id"
    return "text"


# --- normalising one box ---------------------------------------------------------------------


def _name(s: str) -> str | None:
    parts = [plain(p).upper() for p in s.split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        return None
    return ",".join(p for p in parts if p)


def _choice(s: str) -> str:
    t = " ".join(s.upper().replace(".", " ").split())
    if t in _YES:
        return "YES"
    if t in _NO:
        return "NO"
    if t.startswith("YES "):  # 10b: YES and the state
        return "YES " + t[4:].replace(" ", "")
    return _PROGRAM.get(t, t)


def _procedure(s: str) -> tuple[str, tuple[str, ...]] | None:
    tokens = [t for t in re.split(r"[\s,\-]+", s.upper()) if t]
    if not tokens:
        return None
    return tokens[0], tuple(sorted(tokens[1:]))


def _pointers(s: str) -> str | None:
    t = re.sub(r"[\s,;/\-]+", "", s.upper())
    if t.isdigit() and all(1 <= int(d) <= 9 for d in t):
        t = "".join(_LETTERS[int(d) - 1] for d in t)
    if t and all(c in _LETTERS for c in t) and len(t) <= 4:
        return t
    return None


def normalise(box: str, value: str) -> Any:
    """A box value in comparable form; None when it cannot be read as that box's type."""
    kind = box_type(box)
    s = value.strip()
    if kind == "date-sex":
        tokens = s.upper().split()
        sex = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}.get(tokens[-1]) if tokens else None
        found = dates(" ".join(tokens[:-1]), birth=True) if sex else None
        return (tuple(found), sex) if found and len(found) == 1 else None
    if kind == "date":
        found = dates(s, birth=False)
        return tuple(found) if found else (None if s else "")
    if kind == "date-qualifier":
        m = re.fullmatch(r"(.*?)\s*(431|484)?", s)
        found = dates(m[1]) if m and m[1] else None
        return (tuple(found), m[2] or "431") if found else (None if s else "")
    if kind == "name":
        return _name(s) if s else ""
    if kind == "money":
        if not s:
            return ""
        try:
            return amount(s, box)
        except ExerciseError:
            return None
    if kind == "icd":
        return icd10cm.normalize(s).replace(".", "") if s else ""
    if kind == "procedure":
        return _procedure(s) if s else ""
    if kind == "pointers":
        return _pointers(s) if s else ""
    if kind == "choice":
        return _choice(s)
    if kind == "digits":
        return "".join(ch for ch in s if ch.isdigit())
    if kind == "pos":
        d = "".join(ch for ch in s if ch.isdigit())
        return d.zfill(2) if d and len(d) <= 2 else (None if s else "")
    if kind == "units":
        return str(int(float(s))) if re.fullmatch(r"\d+(\.0+)?", s) else (None if s else "")
    if kind == "id":
        return re.sub(r"[^A-Z0-9]", "", s.upper())
    return plain(s)


# --- shape ---------------------------------------------------------------------------------


def _read(response: dict[str, Any]) -> dict[str, str]:
    known_fields(response, ["fields"], "response")
    if "fields" not in response:
        raise fail("response.fields", "missing: an object of CMS-1500 box ids and values")
    fields = mapping(response["fields"], "response.fields")
    out: dict[str, str] = {}
    for box, value in fields.items():
        where = f"response.fields[{show(box)}]"
        if box not in BOXES:
            raise fail(where, "not a CMS-1500 box id (see sim.cms1500.BOXES, e.g. '21.A')")
        out[box] = text("" if value is None else value, where, limit=500)
    return out


# --- explaining ---------------------------------------------------------------------------------


def _hint(box: str, got: str) -> str:
    """The likely slip behind a wrong box value."""
    kind = box_type(box)
    s = got.strip().upper()
    if kind == "pointers" and _ICD_LIKE.match(s.replace(" ", "")):
        return "the pointer letter(s) to box 21, not the code"
    if kind == "icd" and s:
        verdict = icd10cm.validate(s)
        if verdict.status != "billable":
            return verdict.message
    if kind == "name" and s and "," not in s:
        return "enter the name as LAST, FIRST"
    if kind in ("date", "date-sex", "date-qualifier") and s and normalise(box, got) is None:
        return "write the date as MM DD YY (birth dates MM DD YYYY)"
    if kind == "money" and s and normalise(box, got) is None:
        return "write the amount as dollars and cents, e.g. 145.00"
    if kind == "procedure" and s and not re.match(r"^[0-9A-Z]{5}\b", s):
        return "the CPT/HCPCS code first, then up to four modifiers (e.g. 99213 25)"
    return ""


def check(
    key: dict[str, Any], response: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[float, list[Feedback]]:
    """Grade each box the key names."""
    given = _read(response)
    want = _read(key)
    feedback: list[Feedback] = []
    credit = 0.0
    for box, value in want.items():
        expected = normalise(box, value)
        got_text = given.get(box, "")
        got = normalise(box, got_text)
        what = BOXES[box]
        if got == expected:
            credit += 1
            feedback.append(Feedback(box, True, f"Box {box} is right"))
            continue
        if box_type(box) == "pointers" and got and expected and sorted(got) == sorted(expected):
            credit += 0.5
            feedback.append(
                Feedback(box, False, f"Box {box}: the primary diagnosis pointer comes first")
            )
            continue
        if not got_text.strip():
            feedback.append(Feedback(box, False, f"Box {box} is empty: {what}"))
            continue
        hint = _hint(box, got_text)
        if not str(value).strip():
            hint = hint or "leave it blank for this claim"
        feedback.append(
            Feedback(
                box, False, f"Box {box}: {hint}" if hint else f"Box {box} is not right: {what}"
            )
        )
    return credit / max(len(want), 1), feedback
