"""HIPAA X12 validation of a file with pyx12 (the clearinghouse front end of DESIGN.md step 6).

:func:`validate` runs the pyx12 4 engine — the same steps as its ``x12valid`` script and
``pyx12.x12n_document.x12n_document``: the X12 reader, the map walker and the segment
and element checks against the implementation guide's map (005010X222A1 for an 837P,
005010X231A1 for a 999, ...) — and returns a :class:`ValidationReport` whose findings name
the segment position (1 = the ISA segment), the segment id, the loop the map walker was
in, pyx12's error code (the codes of the 999: IK304 segment, IK403 element, IK502
transaction set, AK905 group, TA1 interchange) and pyx12's message in plain words.

The engine is driven here rather than through ``x12n_document`` so that the error tree is
read directly (``x12n_document`` only writes it out as a 997/999, HTML or JSON file) and
each segment's loop is known. Loaded maps are cached per process (pyx12 keeps no state
in them; counts live in the walker).
"""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sim.x12.errors import X12Error, segments

__all__ = [
    "Finding",
    "GroupResult",
    "TransactionResult",
    "ValidationReport",
    "read_source",
    "validate",
]

LEVELS = ("interchange", "group", "transaction", "segment", "element")

#: What pyx12's error codes mean (999 IK304 / IK403 / IK502 / AK905 and TA1 code lists).
SEGMENT_CODES = {
    "1": "unrecognized segment id",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
}
ELEMENT_CODES = {
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I10": "implementation 'not used' data element present",
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": "implementation dependent 'not used' data element present",
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
}


@dataclass(frozen=True)
class Finding:
    """One problem pyx12 (or rcmlab's syntax check) found, where and why."""

    position: int | None  # segment number in the file, ISA = 1
    segment: str  # segment id, e.g. "SV1"
    code: str  # pyx12 error code (the 999/TA1 code lists)
    message: str  # plain words
    level: str = "segment"  # interchange | group | transaction | segment | element
    loop: str = ""  # implementation guide loop, e.g. "2400" (the map walker's position)
    element: str = ""  # e.g. "SV102" or "CLM05-1"
    value: str = ""  # the offending value, when known
    group: str = ""  # GS06 of the group it belongs to
    transaction: str = ""  # ST02 of the transaction set it belongs to
    set_position: int | None = None  # position in the transaction set, ST = 1 (999 IK302)
    element_position: tuple[int, int | None, int | None] | None = None  # element, component,
    # repetition (999 IK401)
    element_ref: str = ""  # data element reference number (999 IK402)

    def __post_init__(self) -> None:
        # Damaged input can put control characters anywhere: keep every text one line.
        for name in ("segment", "message", "value", "element", "loop"):
            text = getattr(self, name)
            if not text.isprintable():
                object.__setattr__(self, name, _printable(text))

    def __str__(self) -> str:
        where = f"segment {self.position}" if self.position is not None else "file"
        what = ", ".join(x for x in (self.segment, f"loop {self.loop}" if self.loop else "") if x)
        text = f"{where} ({what}): {self.message}" if what else f"{where}: {self.message}"
        if self.value and self.value not in self.message:
            text += f" [{self.value}]"
        return text


@dataclass(frozen=True)
class TransactionResult:
    """One transaction set (ST..SE) as pyx12 saw it; ``accepted`` is its IK501 A/R."""

    set_id: str  # ST01, e.g. "837"
    control: str  # ST02
    version: str  # ST03 (GS08 when ST03 is absent)
    position: int  # segment number of the ST
    accepted: bool


@dataclass(frozen=True)
class GroupResult:
    """One functional group (GS..GE): GS01, GS06, GS08 and the transaction-set counts."""

    functional_id: str  # GS01, e.g. "HC"
    control: str  # GS06
    version: str  # GS08
    position: int
    declared: int  # GE01 (0 when GE is missing)
    transactions: tuple[TransactionResult, ...] = ()
    errors: tuple[str, ...] = ()  # group-level error codes (AK905)


@dataclass(frozen=True)
class ValidationReport:
    """The verdict on one file. ``ok`` means readable X12 and zero findings."""

    source: str
    findings: tuple[Finding, ...] = ()
    groups: tuple[GroupResult, ...] = ()
    segments: int = 0
    readable: bool = True
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return self.readable and not self.findings

    @property
    def transactions(self) -> tuple[TransactionResult, ...]:
        return tuple(t for g in self.groups for t in g.transactions)

    def text(self) -> str:
        """The report in plain words, one finding a line."""
        if not self.readable:
            return f"{self.source}: not readable X12 — {self.findings[0]}"
        sets = self.transactions
        head = (
            f"{self.source}: {self.segments} segments, {len(sets)} transaction set"
            f"{'' if len(sets) == 1 else 's'} "
            f"({', '.join(sorted({t.set_id + ' ' + t.version for t in sets})) or 'none'})"
        )
        if self.ok:
            return head + " — valid (pyx12: no errors)"
        n = len(self.findings)
        lines = [head + f" — {n} finding{'' if n == 1 else 's'}:"]
        lines += [f"  {f}" for f in self.findings]
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("meta", None)
        d["ok"] = self.ok
        return d


# --- reading the input -----------------------------------------------------------------


def read_source(source: str | os.PathLike[str] | bytes) -> tuple[str, str]:
    """``(name, text)`` of a file path, bytes, or X12 text. Bytes are decoded as Latin-1
    so any byte can be reported (X12 itself is ASCII). Raises :class:`OSError` for a file
    that cannot be read."""
    if isinstance(source, bytes):
        return "<bytes>", source.decode("latin-1")
    if isinstance(source, os.PathLike):
        return os.fspath(source), Path(source).read_bytes().decode("latin-1")
    if isinstance(source, str):
        looks_like_path = (
            "\n" not in source
            and len(source) < 4096
            and not source.lstrip().startswith("ISA")
            and os.path.isfile(source)
        )
        if looks_like_path:
            return source, Path(source).read_bytes().decode("latin-1")
        return "<text>", source
    raise TypeError(f"validate takes X12 text, bytes or a path, not {type(source).__name__}")


# --- the pyx12 engine ------------------------------------------------------------------

_MAPS: dict[str, Any] = {}


def _load_map(name: str, param: Any) -> Any:
    import pyx12.map_if

    if name not in _MAPS:
        _MAPS[name] = pyx12.map_if.load_map_file(name, param)
    return _MAPS[name]


def _loop_of(node: Any) -> str:
    parent = node.parent if node is not None else None
    while parent is not None and not parent.is_map_root():
        if parent.is_loop() and parent.id and not parent.id.endswith("_LOOP"):
            if parent.id in ("HEADER", "DETAIL", "FOOTER"):
                return ""
            return parent.id
        parent = parent.parent
    return ""


def _run_pyx12(text: str) -> tuple[Any, dict[int, str], list[Finding], int]:
    """Validate ``text`` with pyx12. Returns the error tree, the loop of each segment
    position, findings for an engine stop, and the number of segments read."""
    import pyx12.error_handler
    import pyx12.errors
    import pyx12.map_if
    import pyx12.map_index
    import pyx12.params
    import pyx12.x12file
    from pyx12.map_if._segment import apply_segment_errors
    from pyx12.map_walker import apply_walk_errors, walk_tree

    param = pyx12.params.params()
    errh = pyx12.error_handler.err_handler()
    loops: dict[int, str] = {}
    stops: list[Finding] = []
    src = pyx12.x12file.X12Reader(io.StringIO(text))
    control_map = _load_map(
        "x12.control.00501.xml" if src.icvn == "00501" else "x12.control.00401.xml", param
    )
    map_index_if = pyx12.map_index.map_index()
    node = control_map.getnodebypath("/ISA_LOOP/ISA")
    walker = walk_tree()
    icvn = fic = vriic = None
    map_file = None
    seg_id = ""
    try:
        for seg in src:
            orig_node = node
            seg_id = seg.get_seg_id()
            if seg_id == "ISA":
                node = control_map.getnodebypath("/ISA_LOOP/ISA")
                walker.forceWalkCounterToLoopStart("/ISA_LOOP", "/ISA_LOOP/ISA")
            elif seg_id == "GS":
                node = control_map.getnodebypath("/ISA_LOOP/GS_LOOP/GS")
                walker.forceWalkCounterToLoopStart("/ISA_LOOP/GS_LOOP", "/ISA_LOOP/GS_LOOP/GS")
            else:
                node, _pop, _push, walk_errors = walker.walk_errors(
                    node, seg, src.get_seg_count(), src.get_cur_line(), src.get_ls_id()
                )
                apply_walk_errors(errh, walk_errors)
            if node is None:
                node = orig_node
            else:
                if seg_id == "ISA":
                    errh.add_isa_loop(seg, src)
                    icvn = seg.get_value("ISA12")
                    errh.handle_errors(src.pop_errors())
                elif seg_id == "IEA":
                    errh.handle_errors(src.pop_errors())
                    errh.close_isa_loop(node, seg, src)
                elif seg_id == "GS":
                    fic, vriic = seg.get_value("GS01"), seg.get_value("GS08")
                    new_file = map_index_if.get_filename(icvn, vriic, fic)
                    if new_file is None:
                        raise pyx12.errors.EngineError(
                            f"pyx12 has no map for GS01 {fic!r} version {vriic!r}"
                        )
                    if new_file != map_file:
                        map_file = new_file
                        cur_map = _load_map(map_file, param)
                        src.check_837_lx = cur_map.id == "837"
                    node = cur_map.getnodebypath("/ISA_LOOP/GS_LOOP/GS")
                    errh.add_gs_loop(seg, src)
                    errh.handle_errors(src.pop_errors())
                elif seg_id == "GE":
                    errh.handle_errors(src.pop_errors())
                    errh.close_gs_loop(node, seg, src)
                elif seg_id == "ST":
                    errh.add_st_loop(seg, src)
                    errh.handle_errors(src.pop_errors())
                elif seg_id == "SE":
                    errh.handle_errors(src.pop_errors())
                    errh.close_st_loop(node, seg, src)
                else:
                    errh.add_seg(
                        node, seg, src.get_seg_count(), src.get_cur_line(), src.get_ls_id()
                    )
                    errh.handle_errors(src.pop_errors())
                apply_segment_errors(node, seg, errh)
            loops[src.get_cur_line()] = _loop_of(node)
        src.cleanup()
        errh.handle_errors(src.pop_errors())
    except Exception as exc:  # pyx12 stops on some damaged input: report where and why
        line = src.get_cur_line() or 1
        msg = " ".join(str(exc).split()) or type(exc).__name__
        stops.append(
            Finding(
                line,
                seg_id,
                "engine",
                f"pyx12 stopped reading here: {msg}",
                "interchange",
                loop=loops.get(line, ""),
            )
        )
    return errh, loops, stops, src.get_cur_line()


def _ele_name(seg_id: str, ele: Any) -> str:
    name = f"{seg_id}{ele.ele_pos:02d}"
    if ele.subele_pos:
        name += f"-{ele.subele_pos}"
    return name


def _collect(errh: Any, loops: dict[int, str]) -> tuple[list[Finding], list[GroupResult]]:
    """Findings and group/transaction results from pyx12's error tree."""
    out: list[Finding] = []
    groups: list[GroupResult] = []

    def envelope_elements(node: Any, line: int, seg_id: str, level: str, **kw: Any) -> None:
        for ele in node.elements:
            for code, text, value in ele.errors:
                sid = seg_id
                for trailer in ("IEA", "GE", "SE"):
                    if f"({trailer}" in text and getattr(node, "get_cur_line", None):
                        sid = trailer
                pos = node.get_cur_line() if sid != seg_id else line
                out.append(
                    Finding(
                        pos,
                        sid,
                        code,
                        _plain(text),
                        level,
                        element=_ele_name(sid, ele),
                        value=value or "",
                        element_position=(ele.ele_pos, ele.subele_pos, None),
                        element_ref=ele.ele_ref_num or "",
                        **kw,
                    )
                )

    for isa in errh.children:
        isa_line, iea_line = isa.cur_line_isa, isa.cur_line_iea
        for code, text in isa.errors:
            at_iea = iea_line is not None and code in ("001", "021", "024")
            out.append(
                Finding(
                    iea_line if at_iea else isa_line,
                    "IEA" if at_iea else "ISA",
                    code,
                    _plain(text),
                    "interchange",
                )
            )
        envelope_elements(isa, isa_line, "ISA", "interchange")
        for gs in isa.children:
            gctl = (gs.gs_control_num or "").strip()
            for code, text in gs.errors:
                at_ge = gs.cur_line_ge is not None and code != "6"
                out.append(
                    Finding(
                        gs.cur_line_ge if at_ge else gs.cur_line_gs,
                        "GE" if at_ge else "GS",
                        code,
                        _plain(text),
                        "group",
                        group=gctl,
                    )
                )
            envelope_elements(gs, gs.cur_line_gs, "GS", "group", group=gctl)
            sets: list[TransactionResult] = []
            for st in gs.children:
                tctl = (st.trn_set_control_num or "").strip()
                kw = {"group": gctl, "transaction": tctl}
                for code, text in st.errors:
                    at_se = st.cur_line_se is not None and code not in ("1", "6", "7", "23")
                    out.append(
                        Finding(
                            st.cur_line_se if at_se else st.cur_line_st,
                            "SE" if at_se else "ST",
                            code,
                            _plain(text),
                            "transaction",
                            **kw,
                        )
                    )
                envelope_elements(st, st.cur_line_st, "ST", "transaction", **kw)
                for seg in st.children:
                    loop = loops.get(seg.cur_line, "")
                    for code, text, value in seg.errors:
                        out.append(
                            Finding(
                                seg.cur_line,
                                seg.seg_id or "",
                                code,
                                _plain(text),
                                "segment",
                                loop=loop,
                                value=value or "",
                                set_position=seg.seg_count,
                                **kw,
                            )
                        )
                    for ele in seg.elements:
                        for code, text, value in ele.errors:
                            out.append(
                                Finding(
                                    seg.cur_line,
                                    seg.seg_id or "",
                                    code,
                                    _plain(text),
                                    "element",
                                    loop=loop,
                                    element=_ele_name(seg.seg_id, ele),
                                    value=value or "",
                                    set_position=seg.seg_count,
                                    element_position=(ele.ele_pos, ele.subele_pos, ele.repeat_pos),
                                    element_ref=ele.ele_ref_num or "",
                                    **kw,
                                )
                            )
                sets.append(
                    TransactionResult(
                        st.trn_set_id or "",
                        tctl,
                        st.vriic or gs.vriic or "",
                        st.cur_line_st,
                        st.is_closed() and st.get_error_count() == 0,
                    )
                )
            declared = 0
            if gs.cur_line_ge is not None:
                try:
                    declared = int(gs.st_count_orig or 0)
                except ValueError:
                    declared = 0
            groups.append(
                GroupResult(
                    gs.fic or "",
                    gctl,
                    gs.vriic or "",
                    gs.cur_line_gs,
                    declared,
                    tuple(sets),
                    tuple(sorted({c for c, _ in gs.errors})),
                )
            )
    return out, groups


def _plain(text: object) -> str:
    return " ".join(str(text).split())


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


# --- the public call -------------------------------------------------------------------


def validate(
    source: str | os.PathLike[str] | bytes, *, name: str | None = None
) -> ValidationReport:
    """Validate an X12 file (a path, bytes or the text itself) with pyx12.

    ``report.ok`` is true when the file is readable X12 and pyx12 finds no error.
    Input that is not X12 at all (empty, no ISA segment, unusable delimiters) gives
    ``readable=False`` with one finding at segment 1. Raises only :class:`OSError` for a
    path that cannot be read.
    """
    src_name, text = read_source(source)
    src_name = name or src_name
    stripped = text.lstrip("\ufeff \t\r\n")
    try:
        delims, segs = segments(stripped, partial=True)
    except X12Error as exc:
        f = Finding(exc.position or 1, exc.segment, "syntax", exc.reason, "interchange")
        return ValidationReport(src_name, (f,), readable=False)

    pre: list[Finding] = []
    tail = segs[-1].position + 1 if segs else 1
    if not stripped.rstrip("\r\n \t").endswith(delims.segment):
        pre.append(
            Finding(
                tail,
                "",
                "syntax",
                f"the file ends inside a segment (no {delims.segment!r} after the last segment): "
                f"truncated file? pyx12 ignores the unfinished segment",
                "interchange",
            )
        )
    empty = re.search(re.escape(delims.segment) + r"[\r\n]*" + re.escape(delims.segment), stripped)
    if empty:
        n = stripped.count(delims.segment, 0, empty.start()) + 2
        pre.append(
            Finding(
                n,
                "",
                "syntax",
                "empty segment (two segment terminators in a row): pyx12 stops reading here",
                "interchange",
            )
        )

    logger = logging.getLogger("pyx12")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)  # pyx12 logs every error; the report has them
    try:
        try:
            errh, loops, stops, count = _run_pyx12(stripped)
        except Exception as exc:  # the pyx12 reader refused the ISA segment itself
            f = Finding(
                1,
                "ISA",
                "syntax",
                f"pyx12 cannot read this interchange: {_plain(exc)}",
                "interchange",
            )
            return ValidationReport(src_name, (*pre, f), segments=len(segs))
    finally:
        logger.setLevel(level)
    found, groups = _collect(errh, loops)
    findings = sorted(
        [*pre, *found, *stops],
        key=lambda f: (f.position if f.position is not None else 0, LEVELS.index(f.level)),
    )
    return ValidationReport(
        src_name,
        tuple(findings),
        tuple(groups),
        segments=max(count, len(segs)),
        meta={"delimiters": delims},
    )
