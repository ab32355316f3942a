"""X12 interchange syntax: delimiters, segments and envelopes, and the error they raise.

Every X12 reader in :mod:`sim.x12` starts here. :func:`segments` takes the delimiters from
the ISA segment (ASC X12 005010 control segments: ISA04 ``*``-position element separator,
ISA11 repetition separator, ISA16 component separator, and the character after ISA16 as
the segment terminator), splits the text into segments, and :func:`check_envelopes`
checks the ISA/IEA, GS/GE and ST/SE envelopes: matching control numbers (ISA13 = IEA02,
GS06 = GE02, ST02 = SE02) and counts (IEA01 groups, GE01 transaction sets, SE01
segments from ST to SE).

Anything wrong raises :class:`X12Error`, a :class:`ValueError` whose message is one line
that names the segment position (1 = the ISA segment) and id, e.g.
``segment 17 (SV1): SV102 'abc' is not an amount``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Delimiters",
    "Envelope",
    "Segment",
    "X12Error",
    "check_envelope_arguments",
    "check_envelopes",
    "segments",
]

ISA_LENGTH = 106  # fixed-width ISA: 105 characters and the segment terminator


class X12Error(ValueError):
    """Malformed X12 input. ``str(err)`` is one line: ``segment N (ID): what is wrong``."""

    def __init__(self, message: str, *, position: int | None = None, segment: str = "") -> None:
        self.position = position
        self.segment = segment
        self.reason = " ".join(str(message).split())
        where = ""
        if position is not None:
            where = f"segment {position} ({segment}): " if segment else f"segment {position}: "
        super().__init__(where + self.reason)


@dataclass(frozen=True)
class Delimiters:
    """The four X12 delimiters of an interchange (taken from its ISA segment)."""

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"


@dataclass(frozen=True)
class Segment:
    """One segment: its position in the file (ISA = 1), id and elements (``elements[0]``
    is the id, so ``elements[1]`` is element 01)."""

    position: int
    elements: list[str]

    @property
    def id(self) -> str:
        return self.elements[0]

    def get(self, n: int) -> str:
        """Element ``n`` (1-based), ``""`` when absent."""
        e = self.elements
        return e[n] if n < len(e) else ""

    def error(self, message: str) -> X12Error:
        return X12Error(message, position=self.position, segment=self.id)


def _printable(s: str) -> str:
    return repr(s[:20]) + ("…" if len(s) > 20 else "")


def _isa_delimiters(text: str) -> Delimiters:
    """The delimiters declared by the ISA segment at the start of ``text``."""
    sep = text[3]
    if sep.isalnum() or sep.isspace():
        raise X12Error(
            f"the character after ISA must be the element separator, not {sep!r}",
            position=1,
            segment="ISA",
        )
    # Fixed width first (the standard): ISA16 at offset 104, the terminator at 105.
    if len(text) >= ISA_LENGTH and text[:105].count(sep) == 16 and text[103] == sep:
        component, term = text[104], text[105]
        fields = text[:105].split(sep)
    else:
        # Unpadded ISA (seen in the wild): find the 16th separator.
        n, i = 0, 0
        while n < 16:
            i = text.find(sep, i)
            if i < 0:
                raise X12Error(
                    f"the ISA segment is incomplete (it needs 16 elements separated by {sep!r})",
                    position=1,
                    segment="ISA",
                )
            n, i = n + 1, i + 1
        if i + 1 >= len(text):
            raise X12Error(
                "the ISA segment is cut short: no component separator and segment terminator "
                "after ISA15",
                position=1,
                segment="ISA",
            )
        component, term = text[i], text[i + 1]
        fields = text[: i + 1].split(sep)
    repetition = fields[11] if len(fields[11]) == 1 and fields[12] >= "00501" else ""
    if repetition.isalnum() or repetition == " ":
        repetition = ""  # 004010 puts the standards identifier "U" in ISA11
    if term.isalnum() or term == " " or component.isalnum() or component == " ":
        raise X12Error(
            f"ISA16 and the segment terminator must be punctuation, not {component!r} and "
            f"{term!r} (is the ISA segment 106 characters long?)",
            position=1,
            segment="ISA",
        )
    seen = {sep, component, term} | ({repetition} if repetition else set())
    if len(seen) != 3 + bool(repetition):
        raise X12Error(
            f"the delimiters must all differ: element {sep!r}, component {component!r}, "
            f"repetition {repetition!r}, segment {term!r}",
            position=1,
            segment="ISA",
        )
    return Delimiters(sep, component, repetition or "^", term)


def segments(text: str, *, partial: bool = False) -> tuple[Delimiters, list[Segment]]:
    """Split an X12 interchange into segments, with delimiters taken from its ISA.

    Line breaks after segment terminators are allowed and dropped. Raises
    :class:`X12Error` for empty input, input that does not start with an ISA segment, bad
    delimiters, invalid segment identifiers, and a file that ends inside a segment — unless
    ``partial``: then the unfinished last segment is dropped and a bad segment identifier
    is kept as it is (for a validator that reports them itself).
    """
    if not isinstance(text, str):
        raise X12Error(f"expected X12 text, got {type(text).__name__}")
    text = text.lstrip("\ufeff \t\r\n")
    if not text:
        raise X12Error("the input is empty: an X12 interchange starts with an ISA segment")
    if not text.startswith("ISA") or len(text) < 4:
        raise X12Error(
            f"this is not X12: an interchange starts with 'ISA', this starts with "
            f"{_printable(text)}",
            position=1,
        )
    delims = _isa_delimiters(text)
    term, sep = delims.segment, delims.element
    pieces = text.split(term)
    tail = pieces.pop()  # what follows the last terminator
    out: list[Segment] = []
    pos = 0
    for raw in pieces:
        piece = raw.strip("\r\n")
        if not piece.strip():
            continue  # blank line or doubled terminator
        pos += 1
        elements = piece.split(sep)
        sid = elements[0].strip()
        ok_id = 2 <= len(sid) <= 3 and sid.isalnum() and sid.isupper() and sid.isascii()
        if not ok_id and not partial:
            raise X12Error(
                f"{_printable(elements[0])} is not a segment identifier (wrong delimiters or "
                f"damaged data?)",
                position=pos,
            )
        elements[0] = sid
        out.append(Segment(pos, elements))
    if tail.strip() and not partial:
        raise X12Error(
            f"the file ends inside a segment: {_printable(tail.strip())} has no segment "
            f"terminator {term!r} (truncated file?)",
            position=pos + 1,
        )
    return delims, out


@dataclass(frozen=True)
class Envelope:
    """One transaction set (ST..SE) and the group and interchange that hold it."""

    isa: Segment
    gs: Segment
    st: Segment
    body: list[Segment]  # the segments between ST and SE
    se: Segment

    @property
    def set_id(self) -> str:
        return self.st.get(1)

    @property
    def control(self) -> str:
        return self.st.get(2)

    @property
    def version(self) -> str:
        return self.st.get(3) or self.gs.get(8)


def _count(seg: Segment, n: int, what: str) -> int:
    raw = seg.get(n).strip()
    if not raw.isdigit():
        raise seg.error(f"{seg.id}{n:02d} {raw!r} is not a count of {what}")
    return int(raw)


def check_envelopes(segs: list[Segment]) -> list[Envelope]:
    """Check ISA/IEA, GS/GE and ST/SE nesting, control numbers and counts.

    Returns the transaction sets in file order. Raises :class:`X12Error` at the first
    problem, naming the segment where it is found.
    """
    out: list[Envelope] = []
    isa = gs = st = None
    groups = sets = 0
    body: list[Segment] = []
    for seg in segs:
        sid = seg.id
        if sid == "ISA":
            if isa is not None:
                raise seg.error(
                    f"a new interchange starts before IEA closes the one at segment {isa.position}"
                )
            if len(seg.elements) != 17:
                raise seg.error(f"the ISA segment has {len(seg.elements) - 1} elements, not 16")
            isa, groups = seg, 0
        elif sid == "IEA":
            if isa is None:
                raise seg.error("IEA without an ISA segment")
            if gs is not None:
                raise seg.error(
                    f"IEA closes the interchange while the group at segment {gs.position} is open "
                    f"(GE missing)"
                )
            if seg.get(2).strip() != isa.get(13).strip():
                raise seg.error(
                    f"IEA02 {seg.get(2)!r} does not match ISA13 {isa.get(13)!r} "
                    f"(interchange control number)"
                )
            n = _count(seg, 1, "functional groups")
            if n != groups:
                raise seg.error(f"IEA01 says {n} functional groups, the interchange has {groups}")
            isa = None
        elif sid == "GS":
            if isa is None:
                raise seg.error("GS outside an interchange (no ISA before it)")
            if gs is not None:
                raise seg.error(
                    f"a new group starts before GE closes the one at segment {gs.position}"
                )
            gs, sets, groups = seg, 0, groups + 1
        elif sid == "GE":
            if gs is None:
                raise seg.error("GE without a GS segment")
            if st is not None:
                raise seg.error(
                    f"GE closes the group while the transaction set at segment {st.position} is "
                    f"open (SE missing)"
                )
            if seg.get(2).strip() != gs.get(6).strip():
                raise seg.error(
                    f"GE02 {seg.get(2)!r} does not match GS06 {gs.get(6)!r} (group control number)"
                )
            n = _count(seg, 1, "transaction sets")
            if n != sets:
                raise seg.error(f"GE01 says {n} transaction sets, the group has {sets}")
            gs = None
        elif sid == "ST":
            if gs is None:
                raise seg.error("ST outside a functional group (no GS before it)")
            if st is not None:
                raise seg.error(
                    f"a new transaction set starts before SE closes the one at segment "
                    f"{st.position}"
                )
            st, body, sets = seg, [], sets + 1
        elif sid == "SE":
            if st is None:
                raise seg.error("SE without an ST segment")
            if seg.get(2).strip() != st.get(2).strip():
                raise seg.error(
                    f"SE02 {seg.get(2)!r} does not match ST02 {st.get(2)!r} "
                    f"(transaction set control number)"
                )
            n = _count(seg, 1, "segments")
            if n != len(body) + 2:
                raise seg.error(
                    f"SE01 says {n} segments, the transaction set has {len(body) + 2} (ST to SE)"
                )
            assert isa is not None and gs is not None
            out.append(Envelope(isa, gs, st, body, seg))
            st = None
        else:
            if st is None:
                raise seg.error(f"{sid} outside a transaction set (only ISA/GS/ST may start here)")
            body.append(seg)
    last = segs[-1].position if segs else 0
    for opened, trailer in ((st, "SE"), (gs, "GE"), (isa, "IEA")):
        if opened is not None:
            raise opened.error(
                f"{opened.id} is never closed: the file ends at segment {last} without its "
                f"{trailer} trailer (truncated file?)"
            )
    if not out:
        raise X12Error(
            "the interchange holds no transaction set (ST..SE)", position=1, segment="ISA"
        )
    return out


def check_envelope_arguments(
    sender_id: object,
    receiver_id: object,
    control: object,
    usage: object,
    clean: Callable[[str], str],
    control_name: str = "control",
) -> None:
    """The interchange arguments every rcmlab X12 writer takes: ISA06/ISA08 ids of 2 to 15
    characters that survive ``clean`` unchanged (no delimiters), a control number 1 to
    999999999 (ISA13/GS06), usage ``T`` or ``P`` (ISA15). Raises ValueError in one line."""
    for name, val in (("sender_id", sender_id), ("receiver_id", receiver_id)):
        if not isinstance(val, str) or not 2 <= len(val) <= 15 or clean(val) != val:
            raise ValueError(f"{name} {val!r} must be 2 to 15 characters without delimiters")
    if not isinstance(control, int) or not 1 <= control <= 999_999_999:
        raise ValueError(f"{control_name} must be 1 to 999999999, not {control!r}")
    if usage not in ("T", "P"):
        raise ValueError(f"usage must be 'T' (test) or 'P' (production), not {usage!r}")
