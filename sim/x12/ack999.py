"""The 999 implementation acknowledgment (ASC X12 005010X231A1) of a submitted file.

:func:`make_999` answers a file the clearinghouse received, from the pyx12
:class:`~sim.x12.validate.ValidationReport` of it: one 999 transaction set per functional
group received, with

* AK1 — the group acknowledged (GS01, GS06, GS08);
* per transaction set, AK2 (ST01, ST02, ST03), then for each segment in error an IK3 loop
  (segment id, position in the transaction set counting ST as 1, IK304 syntax error code)
  with CTX*CLM01 naming the claim of an 837, and IK4 for each element in error (position
  ``element:component:repetition``, data element reference number, IK403 code, copy of
  the bad value), then IK5 (``A`` accepted or ``R`` rejected, with IK502 codes);
* AK9 — the group's verdict (``A`` all accepted, ``P`` partially accepted, ``R`` rejected)
  with the number of transaction sets declared in GE01, received and accepted.

Errors in the ISA/IEA envelope itself are the business of a TA1 interchange
acknowledgment, not of the 999; they are left out.
"""

from __future__ import annotations

from datetime import datetime

from sim.x12.errors import X12Error, segments
from sim.x12.validate import Finding, ValidationReport, read_source

__all__ = ["VERSION", "make_999"]

VERSION = "005010X231A1"

_IK3_CODES = {"1", "2", "3", "4", "5", "6", "7", "8", "I4", "I6", "I7", "I8", "I9"}
_IK4_CODES = {
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
    "I10",
    "I11",
    "I12",
    "I13",
    "I6",
    "I9",
}
_IK5_CODES = {
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
    "15",
    "16",
    "17",
    "18",
    "19",
    "23",
    "24",
    "25",
    "26",
    "27",
    "I5",
    "I6",
}
_AK9_CODES = {
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "10",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "20",
    "21",
    "22",
    "23",
    "24",
    "25",
    "26",
}
# pyx12's own counting checks (HL01 sequence, HL02 parent, LX01 sequence) are data element
# errors of these elements: IK304 8 with an IK4 (element, reference number).
_COUNTING = {"HL1": (1, "628"), "HL2": (2, "734"), "LX": (1, "554")}
_BAD = str.maketrans({c: " " for c in "*~:^\r\n"})


def _clean(s: str, limit: int = 99) -> str:
    """Printable ASCII without delimiters (a copy of bad data must not break the 999)."""
    text = str(s).translate(_BAD)
    if not (text.isascii() and text.isprintable()):
        text = "".join(ch for ch in text if ch.isascii() and ch.isprintable())
    return " ".join(text.split())[:limit]


def _claim_ids(text: str) -> dict[int, str]:
    """CLM01 of the claim each segment position belongs to (2300 and below)."""
    try:
        _delims, segs = segments(text, partial=True)
    except X12Error:
        return {}
    out: dict[int, str] = {}
    current = ""
    for seg in segs:
        if seg.id == "CLM":
            current = seg.get(1)
        elif seg.id in ("HL", "SE", "ST"):
            current = ""
        if current:
            out[seg.position] = current
    return out


def _ik3_loops(findings: list[Finding], claims: dict[int, str]) -> list[str]:
    """IK3 loops (2100) with their CTX and IK4 loops (2110) for one transaction set."""
    out: list[str] = []
    by_segment: dict[tuple[int, str], list[Finding]] = {}
    for f in findings:
        if f.level in ("segment", "element") and f.position is not None:
            by_segment.setdefault((f.position, f.segment), []).append(f)
    for (pos, seg_id), items in by_segment.items():
        set_pos = next((f.set_position for f in items if f.set_position), None) or 1
        seg_codes: list[str] = []
        ik4: list[str] = []
        for f in items:
            if f.level == "element":
                if f.code in _IK4_CODES and f.element_position:
                    ele, sub, rep = f.element_position
                    where = ":".join(str(x) for x in (ele, sub or "", rep or "")).rstrip(":")
                    value = _clean(f.value)
                    ik4.append("*".join(("IK4", where, f.element_ref, f.code, value)).rstrip("*"))
                if "8" not in seg_codes:
                    seg_codes.append("8")
            elif f.code in _COUNTING:
                ele, ref = _COUNTING[f.code]
                value = _clean(f.value)
                ik4.append("*".join(("IK4", str(ele), ref, "I12", value)).rstrip("*"))
                if "8" not in seg_codes:
                    seg_codes.append("8")
            else:
                code = "8" if f.code == "SEG1" else f.code
                if code in _IK3_CODES and code not in seg_codes:
                    seg_codes.append(code)
        seg_id = _clean(seg_id, 3) or "ZZZ"
        ctx = f"CTX*CLM01:{_clean(claims[pos], 50)}" if pos in claims else ""
        for code in seg_codes or ["8"]:
            out.append(f"IK3*{seg_id}*{set_pos}**{code}")
            if ctx:
                out.append(ctx)
            if code == "8":
                out.extend(ik4)
                ik4 = []
    return out


def make_999(
    text: str,
    report: ValidationReport,
    *,
    created: datetime,
    control: int,
    usage: str | None = None,
) -> str:
    """The 999 acknowledging the file ``text``, whose pyx12 verdict is ``report``.

    ``control`` (1-999999999) is the 999's ISA13/IEA02 and GS06/GE02; ``created`` dates it.
    Sender and receiver are the submitted file's, swapped; ``usage`` (ISA15) defaults to
    the submitted file's. Raises :class:`X12Error` when there is nothing a 999 can
    acknowledge (the input is not X12, or pyx12 found no functional group).
    """
    if not isinstance(control, int) or not 1 <= control <= 999_999_999:
        raise ValueError(f"control must be 1 to 999999999, not {control!r}")
    _, text = read_source(text)
    if not report.readable:
        raise X12Error(f"cannot acknowledge input that is not X12: {report.findings[0]}")
    if not report.groups:
        raise X12Error("cannot acknowledge: pyx12 found no functional group (GS) in the file")
    _, segs = segments(text.lstrip("\ufeff \t\r\n"), partial=True)
    isa = segs[0]
    sender_q, sender = isa.get(7) or "ZZ", isa.get(8).strip() or "RECEIVER"
    receiver_q, receiver = isa.get(5) or "ZZ", isa.get(6).strip() or "SENDER"
    gs = next((s for s in segs if s.id == "GS"), None)
    app_sender = (gs.get(3).strip() if gs else "") or sender
    app_receiver = (gs.get(2).strip() if gs else "") or receiver
    isa15 = usage or (isa.get(15) if isa.get(15) in ("T", "P") else "T")
    claims = _claim_ids(text)

    d8, hm = created.strftime("%Y%m%d"), created.strftime("%H%M")
    body: list[str] = []
    for n, group in enumerate(report.groups, start=1):
        st = f"{n:04d}"
        start = len(body)
        body.append(f"ST*999*{st}*{VERSION}")
        body.append(
            "*".join(
                (
                    "AK1",
                    _clean(group.functional_id, 2),
                    _clean(group.control, 9),
                    _clean(group.version, 12),
                )
            ).rstrip("*")
        )
        accepted = 0
        for t in group.transactions:
            mine = [
                f
                for f in report.findings
                if f.transaction == t.control and f.group == group.control
            ]
            body.append(
                "*".join(
                    ("AK2", _clean(t.set_id, 3), _clean(t.control, 9), _clean(t.version, 35))
                ).rstrip("*")
            )
            body.extend(_ik3_loops(mine, claims))
            ok = t.accepted and not mine
            if ok:
                accepted += 1
                body.append("IK5*A")
            else:
                codes = sorted({f.code for f in mine if f.level == "transaction"} & _IK5_CODES)
                if any(f.level in ("segment", "element") for f in mine) or not codes:
                    codes = sorted({*codes, "5"})
                body.append("*".join(["IK5", "R", *codes[:5]]))
        received = len(group.transactions)
        declared = group.declared or received
        group_codes = sorted(set(group.errors) & _AK9_CODES)
        if group_codes or accepted == 0:
            verdict = "R"
        elif accepted < received:
            verdict = "P"
        else:
            verdict = "A"
        body.append(
            "*".join(
                ["AK9", verdict, str(declared), str(received), str(accepted), *group_codes[:5]]
            )
        )
        body.append(f"SE*{len(body) - start + 1}*{st}")
    isa_out = (
        f"ISA*00*{'':10}*00*{'':10}*{sender_q}*{sender:<15.15}*{receiver_q}*{receiver:<15.15}*"
        f"{created.strftime('%y%m%d')}*{hm}*^*00501*{control:09d}*0*{isa15}*:"
    )
    head = [
        isa_out,
        f"GS*FA*{_clean(app_sender, 15)}*{_clean(app_receiver, 15)}*{d8}*{hm}*{control}*X*"
        f"{VERSION}",
    ]
    tail = [f"GE*{len(report.groups)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(head + body + tail) + "~\n"
