"""CPT: which codes exist, a teaching set in plain language, and a licensed-file loader.

CPT descriptors are copyrighted by the AMA, so rcmlab ships **no CPT descriptor text**:

* Any CPT code that appears in the Medicare PFS 2026 RVU file is a *known* code (code
  numbers only; ``codesets.pfs``).
* A teaching set (``data/cpt_teaching.csv``, 300+ codes over every CPT section) carries
  rcmlab's **own plain-language descriptions**, the add-on flag and the E/M category.
* An institution with a CPT licence points rcmlab at its licensed file (CSV with the
  columns ``code,descriptor``) with :func:`use_licensed_file` or the environment
  variable ``RCMLAB_CPT_FILE``; its descriptors then replace ours wherever it has them.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from codesets import _search, pfs
from codesets._tables import DataFileError, boolean, data_path, one_of, pattern, read_table, text

SYSTEM = "cpt"
CODE_RE = re.compile(r"[0-9]{5}|[0-9]{4}[FTUM]")

SECTIONS = (
    "evaluation-management",
    "anesthesia",
    "surgery",
    "radiology",
    "pathology-laboratory",
    "medicine",
)
SURGERY_SYSTEMS = (
    "general",
    "integumentary",
    "musculoskeletal",
    "respiratory",
    "cardiovascular",
    "hemic-lymphatic",
    "mediastinum-diaphragm",
    "digestive",
    "urinary",
    "male-genital",
    "female-genital",
    "maternity",
    "endocrine",
    "nervous",
    "eye",
    "auditory",
)
EM_CATEGORIES = (
    "office-new",
    "office-established",
    "office-prolonged",
    "hospital-inpatient-initial",
    "hospital-inpatient-subsequent",
    "hospital-discharge",
    "observation",
    "consult-office",
    "consult-inpatient",
    "emergency",
    "critical-care",
    "nursing-facility",
    "home",
    "preventive-new",
    "preventive-established",
    "counseling",
    "care-management",
    "telephone-online",
    "newborn",
    "other",
)

TEACHING_COLUMNS = {
    "code": pattern(CODE_RE.pattern, "CPT code"),
    "section": one_of(*SECTIONS),
    "range": pattern(r"[a-z0-9]+(-[a-z0-9]+)*", "lower-case hyphenated range name"),
    "description": text,
    "add_on": boolean,
    "em_category": one_of(*EM_CATEGORIES),
    "notes": text,
}
LICENSED_COLUMNS = {"code": pattern(CODE_RE.pattern, "CPT code"), "descriptor": text}

NOT_SHIPPED = (
    "CPT code known to the Medicare PFS 2026; its descriptor is AMA-copyrighted and not "
    "shipped (configure a licensed CPT file to see it)"
)


@dataclass(frozen=True)
class CptCode:
    """A CPT code. ``description`` is rcmlab's own wording unless ``source`` is
    ``licensed`` (the institution's file)."""

    code: str
    description: str
    section: str
    range: str | None = None
    add_on: bool = False
    em_category: str | None = None
    notes: str | None = None
    teaching: bool = False
    source: str = "rcmlab"  # rcmlab | licensed | none
    system: str = SYSTEM

    @property
    def billable(self) -> bool:
        return True

    def as_dict(self) -> dict[str, Any]:
        notes: dict[str, Any] = {"section": self.section}
        for key in ("range", "em_category", "notes"):
            if getattr(self, key):
                notes[key] = getattr(self, key)
        notes["add_on"] = self.add_on
        notes["teaching_set"] = self.teaching
        notes["description_source"] = self.source
        return {
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "billable": self.billable,
            "notes": notes,
        }


def section_of(code: str) -> str:
    """The CPT section a code number belongs to (by the CPT code ranges).

    Category II (``####F``) and III (``####T``) codes are ``category-ii``/``category-iii``;
    PLA codes (``####U``) are pathology-laboratory.
    """
    c = normalize(code)
    if c.endswith("F"):
        return "category-ii"
    if c.endswith("T"):
        return "category-iii"
    if c.endswith("U"):
        return "pathology-laboratory"
    if c.endswith("M"):
        return "medicine"  # multianalyte assays with algorithmic analyses (MAAA)
    n = int(c)
    # E/M: 99202-99499, plus the 2025 telemedicine E/M codes 98000-98016.
    if 99202 <= n <= 99499 or 98000 <= n <= 98016:
        return "evaluation-management"
    if n <= 1999 or 99100 <= n <= 99140:
        return "anesthesia"
    if 10004 <= n <= 69990:
        return "surgery"
    if 70010 <= n <= 79999:
        return "radiology"
    if 80047 <= n <= 89398:
        return "pathology-laboratory"
    return "medicine"


def normalize(code: str) -> str:
    return "".join(str(code).split()).upper()


def _read_teaching(path: Path) -> dict[str, CptCode]:
    out: dict[str, CptCode] = {}
    required = ("code", "section", "range", "description", "add_on")
    for line, r in read_table(path, TEACHING_COLUMNS, required=required):
        if r["code"] in out:
            raise DataFileError(f"{path.name}:{line}: field 'code': duplicate {r['code']}")
        if r["section"] == "surgery" and r["range"] not in SURGERY_SYSTEMS:
            raise DataFileError(
                f"{path.name}:{line}: field 'range': {r['range']!r} is not a surgery body system"
            )
        if (r["em_category"] is not None) != (r["section"] == "evaluation-management"):
            raise DataFileError(
                f"{path.name}:{line}: field 'em_category': set it for E/M codes and only for them"
            )
        out[r["code"]] = CptCode(
            code=r["code"],
            description=r["description"],
            section=r["section"],
            range=r["range"],
            add_on=r["add_on"],
            em_category=r["em_category"],
            notes=r["notes"],
            teaching=True,
        )
    return out


def read_licensed_file(path: Path | str) -> dict[str, str]:
    """Read an institution's licensed CPT file: CSV with ``code,descriptor`` columns."""
    p = Path(path)
    out: dict[str, str] = {}
    for _, r in read_table(p, LICENSED_COLUMNS):
        out[r["code"]] = r["descriptor"]
    return out


_lock = threading.Lock()
_teaching: dict[str, CptCode] | None = None
_licensed: dict[str, str] = {}
_licensed_path: str | None = None
_text: _search.TextIndex | None = None
_text_codes: list[str] = []


def teaching_set() -> dict[str, CptCode]:
    """The teaching set by code, with licensed descriptors applied if configured."""
    global _teaching
    if _teaching is None:
        with _lock:
            if _teaching is None:
                _teaching = _read_teaching(data_path("cpt_teaching.csv"))
    _apply_env_licence()
    return _teaching


def _apply_env_licence() -> None:
    env = os.environ.get("RCMLAB_CPT_FILE")
    if env and env != _licensed_path:
        use_licensed_file(env)


def use_licensed_file(path: Path | str | None) -> int:
    """Use an institution's licensed CPT descriptors (``None`` switches back to ours).

    Returns the number of descriptors loaded. A malformed file raises
    :class:`DataFileError` naming file, line and field, and changes nothing.
    """
    global _licensed, _licensed_path, _text
    if path is None:
        _licensed, _licensed_path, _text = {}, None, None
        return 0
    loaded = read_licensed_file(path)
    _licensed, _licensed_path, _text = loaded, str(path), None
    return len(loaded)


def exists(code: str) -> bool:
    """True for a code of CPT shape known to the PFS 2026 file or the teaching set."""
    c = normalize(code)
    if not CODE_RE.fullmatch(c):
        return False
    return c in teaching_set() or pfs.is_known(c) or c in _licensed


def lookup(code: str) -> CptCode | None:
    """The CPT code with the best description available (licensed > ours > none)."""
    c = normalize(code)
    if not CODE_RE.fullmatch(c):
        return None
    teach = teaching_set().get(c)
    if teach is not None:
        if c in _licensed:
            return replace(teach, description=_licensed[c], source="licensed")
        return teach
    if c in _licensed:
        return CptCode(c, _licensed[c], section_of(c), source="licensed")
    if pfs.is_known(c):
        r = pfs.rvu(c)
        add_on = bool(r and r.global_days == "ZZZ")
        return CptCode(c, NOT_SHIPPED, section_of(c), add_on=add_on, source="none")
    return None


def is_add_on(code: str) -> bool:
    """Add-on codes are reported only with their primary procedure (PFS global 'ZZZ')."""
    c = lookup(code)
    return bool(c and c.add_on)


def search(query: str, limit: int = 10) -> list[CptCode]:
    """Ranked, typo-tolerant search over the teaching set's descriptions (and the
    licensed descriptors when configured). A 5-character code prefix lists codes."""
    global _text, _text_codes
    teach = teaching_set()
    q = normalize(query)
    if re.fullmatch(r"[0-9]{1,5}[FTUM]?", q):
        pool = sorted(set(teach) | set(_licensed))
        return [lookup(c) for c in pool if c.startswith(q)][:limit]  # type: ignore[misc]
    if _text is None:
        codes = sorted(set(teach) | set(_licensed))
        docs = []
        for c in codes:
            fields = []
            if c in teach:
                fields.append((teach[c].description, 1.0))
                if teach[c].notes:
                    fields.append((teach[c].notes, 0.4))
            if c in _licensed:
                fields.insert(0, (_licensed[c], 1.0))
            docs.append(fields)
        _text = _search.TextIndex(_search.build(docs, len(codes)))
        _text_codes = codes
    return [lookup(_text_codes[i]) for i, _, _ in _text.search(query, limit=limit)]  # type: ignore[misc]
