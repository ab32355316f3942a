"""One lookup and one search across the code systems (what ``rcmlab codes`` uses).

Systems: ``icd10cm``, ``cpt``, ``hcpcs``, ``modifier``, ``pos``, ``carc``, ``rarc``.
Without ``system``, the system is recognised from the shape of the code; a string that
is a code in two systems (``J1100`` is HCPCS, ``J11.00`` is ICD-10-CM) is looked up in
the more likely one and the other is named under ``also``.
"""

from __future__ import annotations

import re
from typing import Any

from codesets import adjustments, cpt, hcpcs, icd10cm, modifiers, pos

SYSTEMS = ("icd10cm", "cpt", "hcpcs", "modifier", "pos", "carc", "rarc")
SEARCHABLE = ("icd10cm", "cpt", "hcpcs")


class UnknownCode(LookupError):
    """A code that is in none of the systems tried. ``str()`` is one line for a learner."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


def _candidates(code: str) -> list[str]:
    s = "".join(code.split()).upper()
    if "." in s:
        return ["icd10cm"]
    if re.fullmatch(r"[0-9]{5}|[0-9]{4}[FTUM]", s):
        return ["cpt"]
    if re.fullmatch(r"[A-V][0-9]{4}", s):
        return ["hcpcs", "icd10cm"]
    if re.fullmatch(r"[A-Z]{2}-?[0-9A-Z]{1,3}", s) and s[:2] in adjustments.GROUPS:
        return ["carc"]
    if re.fullmatch(r"(M|MA|N)[0-9]{1,3}", s):
        return ["rarc", "icd10cm", "modifier"]
    if re.fullmatch(r"[0-9A-Z]{2}", s):
        return ["modifier", "pos"]
    return ["icd10cm"]


def _one(system: str, code: str) -> dict[str, Any] | None:
    if system == "icd10cm":
        item = icd10cm.lookup(code)
        return item.as_dict() if item else None
    if system == "cpt":
        item = cpt.lookup(code)
        return item.as_dict() if item else None
    if system == "hcpcs":
        item = hcpcs.lookup(code)
        return item.as_dict() if item else None
    if system == "modifier":
        item = modifiers.lookup(code)
        return item.as_dict() if item else None
    if system == "pos":
        place = pos.lookup(code)
        if place is None:
            return None
        return {
            "system": "pos",
            "code": place.code,
            "description": place.name,
            "billable": place.assigned,
            "notes": {"setting": place.setting, "definition": place.description},
        }
    if system == "carc":
        s = "".join(code.split()).upper()
        if s[:2] in adjustments.GROUPS and len(s) > 2:
            try:
                g, c = adjustments.parse_adjustment(s)
            except ValueError:
                return None
            d = adjustments.carc(c).as_dict()  # type: ignore[union-attr]
            d["code"] = f"{g}-{c}"
            d["notes"]["group"] = {"code": g, "name": adjustments.groups()[g].name}
            return d
        item = adjustments.carc(s)
        return item.as_dict() if item else None
    if system == "rarc":
        item = adjustments.rarc(code)
        return item.as_dict() if item else None
    raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")


def suggest(code: str, system: str | None = None) -> list[str]:
    """Nearest valid codes for an unknown string, from the most likely system first."""
    s = "".join(code.split()).upper()
    for sysname in [system] if system else _candidates(code):
        near: list[str] = []
        if sysname == "icd10cm":
            near = icd10cm.nearest(code)
        elif sysname in ("hcpcs", "cpt"):
            search = hcpcs.search if sysname == "hcpcs" else cpt.search
            for n in range(len(s) - 1, 0, -1):
                near = [c.code for c in search(s[:n], limit=8)]
                if near:
                    break
        if near:
            return near
    return []


def lookup(code: str, system: str | None = None) -> dict[str, Any]:
    """One code as a dict: system, code, description, billable, notes (and ``also``).

    Raises :class:`UnknownCode` with the nearest codes when it is in no system tried.
    """
    if system is not None and system not in SYSTEMS:
        raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
    systems = [system] if system else _candidates(code)
    found = []
    for sysname in systems:
        item = _one(sysname, code)
        if item is not None:
            found.append(item)
    if not found:
        near = suggest(code, system)
        where = system or " or ".join(systems)
        msg = f"{code.strip()!r} is not a known {where} code"
        if near:
            msg += f"; nearest: {', '.join(near[:8])}"
        raise UnknownCode(msg, near)
    result = found[0]
    if len(found) > 1:
        result["also"] = [{"system": f["system"], "code": f["code"]} for f in found[1:]]
    return result


def search(text: str, system: str | None = None, limit: int = 10) -> list[dict[str, Any]]:
    """Ranked search over one system, or over ICD-10-CM, CPT (teaching set) and HCPCS
    interleaved by rank."""
    systems = [system] if system else list(SEARCHABLE)
    for s in systems:
        if s not in SEARCHABLE:
            raise ValueError(f"search covers {', '.join(SEARCHABLE)}, not {s!r}")
    per: list[list[dict[str, Any]]] = []
    for s in systems:
        if s == "icd10cm":
            per.append(
                [
                    {
                        "system": s,
                        "code": h.code,
                        "description": h.description,
                        "billable": h.billable,
                    }
                    for h in icd10cm.search(text, limit=limit)
                ]
            )
        elif s == "cpt":
            per.append(
                [
                    {"system": s, "code": c.code, "description": c.description, "billable": True}
                    for c in cpt.search(text, limit=limit)
                ]
            )
        else:
            per.append(
                [
                    {
                        "system": s,
                        "code": c.code,
                        "description": c.description,
                        "billable": c.active,
                    }
                    for c in hcpcs.search(text, limit=limit)
                ]
            )
    out: list[dict[str, Any]] = []
    for rank in range(limit):
        for hits in per:
            if rank < len(hits) and len(out) < limit:
                out.append(hits[rank])
    return out
