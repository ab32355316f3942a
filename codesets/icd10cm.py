"""ICD-10-CM FY2026 (April 1, 2026 tabular), complete, with a fast cached index.

Source: the ``simple-icd-10-cm`` package, which ships the CDC/CMS tabular XML
(``icd10c-tabular-April-1-2026.xml``) and code list. Building from that XML takes a few
seconds, so the tree is flattened once into a compact index (plain lists and dicts),
cached with :mod:`codesets._cache` under a key made of the package version and the
data file, and loaded in well under a second on later starts.

What it answers, for any of the 98,505 items (chapters, blocks, categories,
subcategories and 7th-character codes; 74,736 billable):

* :func:`lookup` — description, billable flag, chapter, block, parent, children,
  inclusion terms, Excludes1/Excludes2, code first / use additional code / code also,
  and the 7th-character values that apply (inherited from the category or subcategory
  that defines them).
* :func:`validate` — a precise verdict for whatever a learner typed: billable; valid but
  not billable (how many more characters, which children); needs a 7th character (the
  options, with the placeholder X where it is needed); not a code (nearest codes).
* :func:`excludes1_conflicts` — pairs in a set of codes that an Excludes1 note forbids
  together (ICD-10-CM Official Guidelines, Section I.A.12.a).
* :func:`search` — ranked, typo-tolerant keyword search over descriptions and
  inclusion terms.

Codes are accepted with or without the dot and in any case (``e1122`` is ``E11.22``).
"""

from __future__ import annotations

import importlib.util
import re
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesets import _cache, _search

SYSTEM = "icd10cm"
INDEX_FORMAT = 4  # bump when the index layout changes

# Item kinds, as stored in the index.
CHAPTER, BLOCK, CATEGORY, SUBCATEGORY, EXTENDED = range(5)
KIND_NAMES = ("chapter", "block", "category", "subcategory", "code with 7th character")

# Notes that apply to every code below the level that carries them.
_INHERITED = ("excludes1", "excludes2", "code_first", "use_additional_code", "code_also")

_CODE_SHAPE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
_REF = re.compile(
    r"(?<![A-Z0-9.])([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?)(\.?-)?"
    r"(?:\s*-\s*([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?)(?:\.?-)?)?"
    r"(?![A-Za-z0-9])"
)


# --------------------------------------------------------------------------------------
# Building the index from simple_icd_10_cm (slow; done once, then cached)
# --------------------------------------------------------------------------------------


def _source_key() -> str:
    """Cache key: simple-icd-10-cm version + the tabular file it ships + our format.

    The version is read from the package's ``dist-info`` folder name (cheaper than
    ``importlib.metadata``, which scans every installed distribution).
    """
    spec = importlib.util.find_spec("simple_icd_10_cm")
    version, name, size = "unknown", "unknown", 0
    if spec and spec.submodule_search_locations:
        pkg = Path(next(iter(spec.submodule_search_locations)))
        infos = sorted(pkg.parent.glob("simple_icd_10_cm-*.dist-info"))
        if infos:
            version = infos[-1].name.split("-")[1].removesuffix(".dist")
        xmls = sorted((pkg / "data").glob("*.xml"))
        if xmls:
            name, size = xmls[-1].stem, xmls[-1].stat().st_size
    return f"sicm{version}-{name}-{size}-f{INDEX_FORMAT}"


def parse_references(note: str) -> list[tuple[str, str]]:
    """Code references in an instructional note, as ``(low, high)`` prefixes (no dots).

    ``(E10.-)`` → ``("E10", "E10")``; ``(O24.4-)`` → ``("O244", "O244")``;
    ``(E08-E13)`` → ``("E08", "E13")``; ``(N18.1-N18.6)`` → ``("N181", "N186")``.
    A reference narrowed in words ("with fifth character 4", "with final characters")
    is skipped: it cannot be checked exactly, and a wrong conflict would teach wrong.
    """
    refs: list[tuple[str, str]] = []
    tail = note
    if re.search(r"\bwith\b.*\bcharacter", note, flags=re.IGNORECASE):
        return refs
    for m in _REF.finditer(tail):
        low = m.group(1).replace(".", "")
        high = (m.group(3) or m.group(1)).replace(".", "")
        refs.append((low, high))
    return refs


def _build() -> dict[str, Any]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import simple_icd_10_cm.simple_icd_10_cm as sicm

    codes: list[str] = []
    kinds = bytearray()
    descs: list[str] = []
    parents: list[int] = []
    children: list[tuple[int, ...]] = []
    notes: dict[int, dict[str, Any]] = {}
    seven: dict[int, dict[str, str]] = {}
    x1refs: dict[int, list[tuple[str, str, str]]] = {}

    kind_of = {
        "chapter": CHAPTER,
        "section": BLOCK,
        "category": CATEGORY,
        "subcategory": SUBCATEGORY,
        "extended subcategory": EXTENDED,
    }

    def add(node: Any, parent: int) -> int:
        i = len(codes)
        codes.append(node.name)
        kinds.append(kind_of[node.type])
        descs.append(node.description)
        parents.append(parent)
        children.append(())
        own: dict[str, Any] = {}
        for key, value in (
            ("includes", node.includes),
            ("inclusion_terms", node.inclusion_term),
            ("excludes1", node.excludes1),
            ("excludes2", node.excludes2),
            ("code_first", node.code_first),
            ("use_additional_code", node.use_additional_code),
            ("code_also", node.code_also),
            ("notes", node.notes),
            ("seven_chr_note", node.seven_chr_note),
        ):
            if value:
                own[key] = list(value) if isinstance(value, list) else value
        if own:
            notes[i] = own
        if node.seven_chr_def:
            seven[i] = dict(node.seven_chr_def)
        refs = [(note, lo, hi) for note in node.excludes1 for lo, hi in parse_references(note)]
        if refs:
            x1refs[i] = refs
        kids = tuple(add(ch, i) for ch in node.children)
        children[i] = kids
        return i

    for chapter in sicm._chapter_list:
        add(chapter, -1)

    def search_fields(i: int) -> list[tuple[str, float]]:
        fields = [(descs[i], 1.0)]
        own = notes.get(i, {})
        for term in own.get("inclusion_terms", []) + own.get("includes", []):
            fields.append((term, 0.6))
        return fields

    text = _search.build((search_fields(i) for i in range(len(codes))), len(codes))
    # Children as one flat array plus offsets: loads in microseconds, unlike 98k tuples.
    flat, start = array("I"), array("I", [0])
    for kids in children:
        flat.extend(kids)
        start.append(len(flat))
    by_name: dict[str, int] = {}
    for i, code in enumerate(codes):
        # A category wins over a block of the same name (e.g. block B99 holds category B99).
        if code not in by_name or kinds[by_name[code]] == BLOCK:
            by_name[code] = i
    return {
        "format": INDEX_FORMAT,
        "codes": codes,
        "kinds": bytes(kinds),
        "descs": descs,
        "parents": parents,
        "children_flat": flat.tobytes(),
        "children_start": start.tobytes(),
        "by_name": by_name,
        "billable": bytes(int(k > BLOCK and not ch) for k, ch in zip(kinds, children, strict=True)),
        "notes": notes,
        "seven": seven,
        "x1refs": x1refs,
        "search": text,
    }


# --------------------------------------------------------------------------------------
# The loaded index
# --------------------------------------------------------------------------------------


class _Children:
    """``children[i]`` → tuple of child item numbers, over a flat array + offsets."""

    def __init__(self, flat: bytes, start: bytes) -> None:
        self._flat = memoryview(flat).cast("I")
        self._start = memoryview(start).cast("I")

    def __getitem__(self, i: int) -> tuple[int, ...]:
        return tuple(self._flat[self._start[i] : self._start[i + 1]])

    def __len__(self) -> int:
        return len(self._start) - 1

    def count(self, i: int) -> int:
        return self._start[i + 1] - self._start[i]


class _Index:
    def __init__(self, data: dict[str, Any], built: bool) -> None:
        self.built = built
        self.codes: list[str] = data["codes"]
        self.kinds: bytes = data["kinds"]
        self.descs: list[str] = data["descs"]
        self.parents: list[int] = data["parents"]
        self.children = _Children(data["children_flat"], data["children_start"])
        self.notes: dict[int, dict[str, Any]] = data["notes"]
        self.seven: dict[int, dict[str, str]] = data["seven"]
        self.x1refs: dict[int, list[tuple[str, str, str]]] = data["x1refs"]
        self._search_data = data["search"]
        self._text: _search.TextIndex | None = None
        self.by_name: dict[str, int] = data["by_name"]
        self.billable: bytes = data["billable"]
        self._sorted_nodot: list[tuple[str, int]] | None = None

    def text(self) -> _search.TextIndex:
        if self._text is None:
            prior = [
                (0.4 if k <= BLOCK else 1.0 if b else 0.85)
                for k, b in zip(self.kinds, self.billable, strict=True)
            ]
            self._text = _search.TextIndex(self._search_data, prior)
        return self._text

    def sorted_nodot(self) -> list[tuple[str, int]]:
        if self._sorted_nodot is None:
            self._sorted_nodot = sorted(
                (c.replace(".", ""), i) for c, i in self.by_name.items() if self.kinds[i] > BLOCK
            )
        return self._sorted_nodot


_lock = threading.Lock()
_index: _Index | None = None


def _ix() -> _Index:
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                data, built = _cache.load_or_build("icd10cm", _source_key(), _build)
                if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
                    data, built = _build(), True
                _index = _Index(data, built)
    return _index


def load() -> bool:
    """Make the index ready now (it is otherwise loaded at first use).

    Returns True if it had to be built from the XML (a cold start), False if it came
    from the cache.
    """
    return _ix().built


# --------------------------------------------------------------------------------------
# Public model
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Excludes1Conflict:
    """Two codes that an Excludes1 note says may not be reported together."""

    code: str  # the code whose own or inherited note forbids the other
    excluded: str  # the code it excludes
    note: str  # the Excludes1 note text
    note_on: str  # the item (code, category or block) that carries the note

    @property
    def message(self) -> str:
        """One plain sentence for a learner."""
        return (
            f"Excludes1: {self.note_on} excludes {self.excluded} "
            f'("{self.note}"); report {self.code} and {self.excluded} together only if '
            "the conditions are unrelated (ICD-10-CM Official Guidelines, Section I.A.12.a)"
        )


class Icd10Code:
    """One ICD-10-CM item with the notes that apply to it.

    A light view over the index: :func:`lookup` costs a dictionary probe, and each
    attribute is read from the index when asked for. Instructional notes at a category
    or block apply to every code below it (Official Guidelines, Section I.A), so
    ``excludes1``, ``excludes2``, ``code_first``, ``use_additional_code`` and
    ``code_also`` hold the item's own notes followed by the inherited ones (nearest
    first); ``seventh_characters`` comes from the nearest level that defines them.
    """

    __slots__ = ("_i", "_inherited")
    system = SYSTEM

    def __init__(self, i: int) -> None:
        self._i = i
        self._inherited: dict[str, tuple[str, ...]] | None = None

    # identity
    def __repr__(self) -> str:
        return f"Icd10Code({self.code!r}, {self.description!r}, billable={self.billable})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Icd10Code) and other._i == self._i

    def __hash__(self) -> int:
        return hash(("icd10cm", self._i))

    # the item
    @property
    def code(self) -> str:
        return _ix().codes[self._i]

    @property
    def description(self) -> str:
        return _ix().descs[self._i]

    @property
    def kind(self) -> str:
        """chapter | block | category | subcategory | code with 7th character"""
        return KIND_NAMES[_ix().kinds[self._i]]

    @property
    def billable(self) -> bool:
        return bool(_ix().billable[self._i])

    @property
    def parent(self) -> str | None:
        p = _ix().parents[self._i]
        return None if p < 0 else _ix().codes[p]

    @property
    def children(self) -> tuple[str, ...]:
        ix = _ix()
        return tuple(ix.codes[c] for c in ix.children[self._i])

    def _up(self, kind: int) -> int:
        ix = _ix()
        return next((j for j in _chain(self._i) if ix.kinds[j] == kind), -1)

    @property
    def chapter(self) -> str:
        return _ix().codes[self._up(CHAPTER)]

    @property
    def chapter_description(self) -> str:
        return _ix().descs[self._up(CHAPTER)]

    @property
    def block(self) -> str:
        j = self._up(BLOCK)
        return _ix().codes[j] if j >= 0 else ""

    @property
    def block_description(self) -> str:
        j = self._up(BLOCK)
        return _ix().descs[j] if j >= 0 else ""

    # own notes
    def _own(self, key: str) -> tuple[str, ...]:
        value = _ix().notes.get(self._i, {}).get(key)
        if not value:
            return ()
        return tuple(value) if isinstance(value, list) else tuple(value.split("\n"))

    @property
    def includes(self) -> tuple[str, ...]:
        return self._own("includes")

    @property
    def inclusion_terms(self) -> tuple[str, ...]:
        return self._own("inclusion_terms")

    @property
    def notes(self) -> tuple[str, ...]:
        return self._own("notes")

    # own + inherited notes
    def _gathered(self) -> dict[str, tuple[str, ...]]:
        if self._inherited is None:
            ix = _ix()
            out: dict[str, list[str]] = {k: [] for k in _INHERITED}
            for j in _chain(self._i):
                own = ix.notes.get(j)
                if not own:
                    continue
                for key in _INHERITED:
                    value = own.get(key)
                    if value:
                        out[key].extend(value if isinstance(value, list) else value.split("\n"))
            self._inherited = {k: tuple(v) for k, v in out.items()}
        return self._inherited

    @property
    def excludes1(self) -> tuple[str, ...]:
        return self._gathered()["excludes1"]

    @property
    def excludes2(self) -> tuple[str, ...]:
        return self._gathered()["excludes2"]

    @property
    def code_first(self) -> tuple[str, ...]:
        return self._gathered()["code_first"]

    @property
    def use_additional_code(self) -> tuple[str, ...]:
        return self._gathered()["use_additional_code"]

    @property
    def code_also(self) -> tuple[str, ...]:
        return self._gathered()["code_also"]

    @property
    def seventh_characters(self) -> dict[str, str]:
        if _ix().kinds[self._i] <= BLOCK:
            return {}
        return dict(_seventh(self._i)[0])

    @property
    def seventh_character_note(self) -> str:
        if _ix().kinds[self._i] <= BLOCK:
            return ""
        return _seventh(self._i)[1]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the shape of ``rcmlab codes lookup``)."""
        d: dict[str, Any] = {
            "system": self.system,
            "code": self.code,
            "description": self.description,
            "billable": self.billable,
            "kind": self.kind,
            "chapter": self.chapter,
            "chapter_description": self.chapter_description,
            "block": self.block,
            "block_description": self.block_description,
            "parent": self.parent,
            "children": list(self.children),
        }
        notes: dict[str, Any] = {
            "includes": list(self.includes),
            "inclusion_terms": list(self.inclusion_terms),
            "excludes1": list(self.excludes1),
            "excludes2": list(self.excludes2),
            "code_first": list(self.code_first),
            "use_additional_code": list(self.use_additional_code),
            "code_also": list(self.code_also),
            "notes": list(self.notes),
        }
        if self.seventh_characters:
            notes["seventh_characters"] = self.seventh_characters
            notes["seventh_character_note"] = self.seventh_character_note
        d["notes"] = {k: v for k, v in notes.items() if v}
        return d


@dataclass(frozen=True)
class Verdict:
    """The verdict on a string a learner typed as an ICD-10-CM code.

    ``status`` is one of ``billable``, ``not-billable``, ``needs-7th-character``,
    ``not-a-code``. ``options`` lists what to choose from: children (not billable),
    7th-character codes (needs 7th), or nearest codes (not a code).
    """

    input: str
    code: str | None  # the normalised code when it exists
    status: str
    message: str
    description: str = ""
    characters_needed: int = 0
    options: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "billable"

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "code": self.code,
            "status": self.status,
            "message": self.message,
            "description": self.description,
            "characters_needed": self.characters_needed,
            "options": [{"code": c, "description": d} for c, d in self.options],
        }


@dataclass(frozen=True)
class SearchHit:
    code: str
    description: str
    billable: bool
    score: float
    system: str = SYSTEM


# --------------------------------------------------------------------------------------
# Normalising and basic queries
# --------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Upper-case, trim, and put the dot after the third character (``e1122`` → ``E11.22``).

    Blocks (``E08-E13``) and chapters (``4``) pass through unchanged.
    """
    s = "".join(str(text).split()).upper()
    if "-" in s or s.isdigit():
        return s
    s = s.rstrip(".")
    if len(s) > 3 and "." not in s:
        s = s[:3] + "." + s[3:]
    return s


def _find(code: str) -> int | None:
    return _ix().by_name.get(normalize(code))


def exists(code: str) -> bool:
    """True for any ICD-10-CM item (chapter, block, category, … code)."""
    return _find(code) is not None


def is_billable(code: str) -> bool:
    """True if ``code`` is a valid code at its highest level of detail (a leaf).

    ICD-10-CM Official Guidelines, Section I.B.2: a code is invalid if it has not been
    coded to the full number of characters required for that code.
    """
    i = _find(code)
    if i is None:
        return False
    ix = _ix()
    return bool(ix.billable[i])


def description(code: str) -> str | None:
    i = _find(code)
    return None if i is None else _ix().descs[i]


def parent(code: str) -> str | None:
    i = _find(code)
    if i is None:
        return None
    p = _ix().parents[i]
    return None if p < 0 else _ix().codes[p]


def children(code: str) -> list[str]:
    i = _find(code)
    if i is None:
        return []
    ix = _ix()
    return [ix.codes[c] for c in ix.children[i]]


def ancestors(code: str) -> list[str]:
    """Parents up to the chapter, nearest first."""
    i = _find(code)
    ix = _ix()
    out = []
    while i is not None and ix.parents[i] >= 0:
        i = ix.parents[i]
        out.append(ix.codes[i])
    return out


def _chain(i: int) -> list[int]:
    ix = _ix()
    out = [i]
    while ix.parents[out[-1]] >= 0:
        out.append(ix.parents[out[-1]])
    return out


def _seventh(i: int) -> tuple[dict[str, str], str]:
    """7th-character values that apply to item ``i`` (nearest definition up the tree)."""
    ix = _ix()
    for j in _chain(i):
        if j in ix.seven:
            note = ""
            for k in _chain(i):
                note = ix.notes.get(k, {}).get("seven_chr_note", "")
                if note:
                    break
            return ix.seven[j], note
    return {}, ""


def _leaf_depths(i: int) -> tuple[int, int]:
    """(fewest, most) characters that must be added to reach a billable code."""
    ix = _ix()
    base = len(ix.codes[i].replace(".", ""))
    lo, hi = 99, 0
    stack = [i]
    while stack:
        j = stack.pop()
        if ix.children[j]:
            stack.extend(ix.children[j])
        else:
            n = len(ix.codes[j].replace(".", "")) - base
            lo, hi = min(lo, n), max(hi, n)
    return lo, hi


def lookup(code: str) -> Icd10Code | None:
    """Everything known about one item, or None if it is not an ICD-10-CM item."""
    i = _find(code)
    return None if i is None else Icd10Code(i)


def all_codes(billable_only: bool = False) -> list[str]:
    """Every item in tabular order (98,505), or only the 74,736 billable codes."""
    ix = _ix()
    if not billable_only:
        return list(ix.codes)
    return [c for i, c in enumerate(ix.codes) if ix.billable[i]]


def stats() -> dict[str, int]:
    ix = _ix()
    billable = sum(ix.billable)
    return {
        "items": len(ix.codes),
        "billable": billable,
        "chapters": ix.kinds.count(CHAPTER),
        "blocks": ix.kinds.count(BLOCK),
        "categories": ix.kinds.count(CATEGORY),
    }


# --------------------------------------------------------------------------------------
# Validation of learner input
# --------------------------------------------------------------------------------------


def _placeholder_candidates(code: str) -> list[str]:
    """``T36.01A`` → ``T36.0X1A``: codes made by inserting the placeholder X.

    Official Guidelines, Sections I.A.4 and I.A.5: a code that needs a 7th character but has fewer
    than six characters takes the placeholder X to fill the empty positions. A learner
    who left it out typed a 5- or 6-character string; X is tried at every position
    after the category.
    """
    raw = code.replace(".", "")
    out: list[str] = []
    missing = 7 - len(raw)
    if not 1 <= missing <= 3:
        return out
    for pos in range(3, len(raw)):
        cand = raw[:pos] + "X" * missing + raw[pos:]
        dotted = cand[:3] + "." + cand[3:]
        if dotted not in out:
            out.append(dotted)
    return out


def nearest(code: str, limit: int = 8) -> list[str]:
    """Codes nearest to an unknown string: the deepest existing ancestor's codes,
    else codes within a small edit distance."""
    s = normalize(code)
    raw = s.replace(".", "")
    ix = _ix()
    for n in range(len(raw) - 1, 2, -1):
        prefix = raw[:n]
        i = ix.by_name.get(prefix[:3] + ("." + prefix[3:] if len(prefix) > 3 else ""))
        if i is not None and ix.kinds[i] > BLOCK:
            kids = [ix.codes[c] for c in ix.children[i]]
            return kids[:limit] if kids else [ix.codes[i]]
    from rapidfuzz.distance import Levenshtein
    from rapidfuzz.process import extract

    pool = ix.sorted_nodot()
    names = [c for c, _ in pool]
    hits = extract(raw, names, scorer=Levenshtein.distance, limit=limit, score_cutoff=2)
    return [ix.codes[pool[k][1]] for _, _, k in hits]


def validate(text: str) -> Verdict:
    """Judge a string a learner typed as an ICD-10-CM code (see :class:`Verdict`)."""
    raw = str(text)
    code = normalize(raw)
    ix = _ix()
    i = ix.by_name.get(code)
    if i is not None and ix.kinds[i] <= BLOCK:
        kind = KIND_NAMES[ix.kinds[i]]
        return Verdict(
            raw,
            code,
            "not-a-code",
            f"{code} is an ICD-10-CM {kind} ({ix.descs[i]}), not a code: "
            "choose a billable code within it",
            description=ix.descs[i],
        )
    if i is None:
        if not _CODE_SHAPE.fullmatch(code):
            near = nearest(code) if len(code) >= 3 else []
            return Verdict(
                raw,
                None,
                "not-a-code",
                f"{code or raw!r} is not an ICD-10-CM code (a letter, two characters, "
                "a dot, then up to four characters)"
                + (f"; nearest: {', '.join(near)}" if near else ""),
                options=tuple((c, ix.descs[ix.by_name[c]]) for c in near),
            )
        for cand in _placeholder_candidates(code):
            j = ix.by_name.get(cand)
            if j is not None:
                return Verdict(
                    raw,
                    None,
                    "not-a-code",
                    f"{code} is not a code: the placeholder X is missing — did you mean "
                    f"{cand}? (Official Guidelines I.A.4, I.A.5)",
                    options=((cand, ix.descs[j]),),
                )
        near = nearest(code)
        return Verdict(
            raw,
            None,
            "not-a-code",
            f"{code} is not an ICD-10-CM code" + (f"; nearest: {', '.join(near)}" if near else ""),
            options=tuple((c, ix.descs[ix.by_name[c]]) for c in near),
        )
    desc = ix.descs[i]
    kids = ix.children[i]
    if not kids:
        return Verdict(raw, code, "billable", f"{code} is billable: {desc}", description=desc)
    if all(ix.kinds[k] == EXTENDED for k in kids):
        sev, _ = _seventh(i)
        needs_x = len(code.replace(".", "")) < 6
        opts = tuple((ix.codes[k], ix.descs[k]) for k in kids)
        chars = ", ".join(
            f"{c} ({v})" for c, v in sev.items() if any(o.endswith(c) for o, _ in opts)
        )
        extra = f" with placeholder X (e.g. {opts[0][0]})" if needs_x else ""
        return Verdict(
            raw,
            code,
            "needs-7th-character",
            f"{code} needs a 7th character{extra}: {chars} (Official Guidelines I.A.5, I.B.2)",
            description=desc,
            characters_needed=len(opts[0][0].replace(".", "")) - len(code.replace(".", "")),
            options=opts,
        )
    lo, hi = _leaf_depths(i)
    more = f"{lo} more character" + ("s" if lo != 1 else "")
    if hi != lo:
        more = f"{lo} to {hi} more characters"
    opts = tuple((ix.codes[k], ix.descs[k]) for k in kids)
    return Verdict(
        raw,
        code,
        "not-billable",
        f"{code} is not billable: add {more} "
        f"(choose from {', '.join(c for c, _ in opts[:8])}{', ...' if len(opts) > 8 else ''}) "
        "(Official Guidelines I.B.2)",
        description=desc,
        characters_needed=lo,
        options=opts,
    )


# --------------------------------------------------------------------------------------
# Excludes1
# --------------------------------------------------------------------------------------


def _ref_covers(lo: str, hi: str, raw: str) -> bool:
    if lo == hi:
        return raw.startswith(lo)
    n = max(len(lo), len(hi))
    return lo <= raw[:n] <= hi if len(lo) == len(hi) else lo <= raw <= hi + "~"


def excludes1_conflicts(codes: Iterable[str]) -> list[Excludes1Conflict]:
    """Pairs of ``codes`` that an Excludes1 note forbids together.

    For each code, the Excludes1 notes of the code and of every level above it
    (subcategory, category, block, chapter) are read; a note excludes another code of
    the set when one of its references covers it (``E10.-`` covers every E10 code,
    ``E08-E13`` covers categories E08 to E13). A code never excludes itself.
    Unknown codes are ignored (validate them separately).
    """
    ix = _ix()
    items = []
    for c in dict.fromkeys(normalize(c) for c in codes):
        i = ix.by_name.get(c)
        if i is not None:
            items.append((c, i))
    out: list[Excludes1Conflict] = []
    for code, i in items:
        for j in _chain(i):
            for note, lo, hi in ix.x1refs.get(j, ()):
                for other, k in items:
                    if k == i:
                        continue
                    raw = other.replace(".", "")
                    if _ref_covers(lo, hi, raw) and not _ref_covers(lo, hi, code.replace(".", "")):
                        conflict = Excludes1Conflict(code, other, note, ix.codes[j])
                        if conflict not in out:
                            out.append(conflict)
    return out


# --------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------

# Abbreviations learners type, expanded before searching (clinical shorthand; the
# tabular itself spells these out).
ABBREVIATIONS = {
    "afib": "atrial fibrillation",
    "ami": "acute myocardial infarction",
    "bph": "benign prostatic hyperplasia",
    "cad": "coronary atherosclerosis heart disease",
    "chf": "heart failure",
    "ckd": "chronic kidney disease",
    "copd": "chronic obstructive pulmonary disease",
    "cva": "cerebral infarction",
    "dm": "diabetes mellitus",
    "dvt": "deep vein thrombosis",
    "esrd": "end stage renal disease",
    "gerd": "gastro esophageal reflux disease",
    "htn": "hypertension",
    "mi": "myocardial infarction",
    "oa": "osteoarthritis",
    "pe": "pulmonary embolism",
    "ra": "rheumatoid arthritis",
    "uri": "acute upper respiratory infection",
    "uti": "urinary tract infection",
}

_CODEISH = re.compile(r"[A-Za-z][0-9][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}")


def search(text: str, limit: int = 10, billable_only: bool = False) -> list[SearchHit]:
    """Ranked keyword search over descriptions and inclusion terms (typo-tolerant).

    A query shaped like a code (``E11.2``, ``s525``) lists the codes that start with it.
    """
    ix = _ix()
    q = text.strip()
    out: list[SearchHit] = []
    if _CODEISH.fullmatch(q):
        prefix = normalize(q).replace(".", "")
        import bisect

        pool = ix.sorted_nodot()
        k = bisect.bisect_left(pool, (prefix, -1))
        while k < len(pool) and pool[k][0].startswith(prefix) and len(out) < limit:
            i = pool[k][1]
            billable = bool(ix.billable[i])
            if billable or not billable_only:
                out.append(SearchHit(ix.codes[i], ix.descs[i], billable, 1.0))
            k += 1
        if out:
            return out
    mask = None
    if billable_only:
        import numpy as np

        mask = np.frombuffer(ix.billable, dtype=np.uint8).astype(bool)
    for i, score, _ in ix.text().search(q, limit=limit, mask=mask, synonyms=ABBREVIATIONS):
        billable = bool(ix.billable[i])
        out.append(SearchHit(ix.codes[i], ix.descs[i], billable, round(score, 4)))
    return out
