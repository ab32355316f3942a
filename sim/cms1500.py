"""The CMS-1500 (02/12) paper claim form: box values both ways, and the form as a picture.

Every box of the form has a string id (``"1"``, ``"1a"``, ``"21.A"``, ``"24D.2"`` ...; see
:data:`BOXES`). :func:`to_boxes` prints a :class:`~sim.claims.Claim` into those boxes the way
the NUCC *1500 Health Insurance Claim Form Reference Instruction Manual* (version 9.0 7/22,
form version 02/12) says to fill them, and :func:`from_boxes` reads them back — that is how
a learner filling the form creates or corrects a claim. Formats follow the manual:

* names ``LAST, FIRST`` without periods (items 2, 4, 9); box 17 is ``First Last`` after its
  qualifier (DN referring, DK ordering, DQ supervising);
* birth dates ``MM DD YYYY`` (items 3, 11a), other dates ``MM DD YY`` (items 14, 24A);
* addresses without punctuation, city state and ZIP separated by spaces (items 5, 7, 32, 33);
  telephone numbers as ten digits (the parentheses around the area code are printed on the
  form);
* item 21: ICD indicator ``0`` (ICD-10-CM), codes A-L left justified *without* the decimal
  point, which is implied;
* item 22: resubmission code 7 (replacement) or 8 (void) and the payer's original reference
  number; blank on an original claim;
* item 24: six service lines a page, each with a shaded upper half for supplemental
  information (an NDC: qualifier ``N4``, the 11-digit NDC, three spaces, unit qualifier and
  quantity); 24D the CPT/HCPCS code then up to four modifiers; 24E diagnosis pointer
  *letters* (``AB``), no commas; 24F and items 28-29 amounts without ``$`` or commas
  (dollars and cents sit in separate columns on paper); 24I/24J qualifier ``ZZ`` and the
  rendering provider's taxonomy in the shaded half, the NPI below;
* item 25: the EIN without its hyphen, ``EIN`` marked; item 33b: ``ZZ`` + billing taxonomy;
* a claim of more than six lines prints more pages (:func:`pages`): every page repeats the
  claim-level boxes, holds the next six lines, and shows ``CONTINUED`` in item 28 except the
  last, which holds the total (NUCC and payer multi-page guidance).

Service-line boxes are numbered by their row on the page, as printed: ``24D.1`` to
``24D.6``; claim line 7 is ``24D.1`` of page 2 (:func:`line_page`). Boxes that rcmlab's
claim model does not hold (items 10d, 11b, 15-16, 17a, 18-20, 24H, 32b, signature dates
...) round-trip through ``claim.extra["cms1500"]``.

:func:`render_svg` draws the form — the red drop-out ink, the boxes where they are on paper,
the data in a Courier-like font — from the layout kept as data in
``sim/data/cms1500_layout.csv``; :func:`render_html` wraps it for a notebook
(``Claim._repr_html_``) and :func:`to_pdf` writes the same drawing as a PDF (reportlab).
"""

from __future__ import annotations

import csv
import dataclasses
import html
import math
import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from sim.claims import (
    MAX_DIAGNOSES,
    MAX_LINES,
    MAX_MODIFIERS,
    MAX_POINTERS,
    BillingProvider,
    Claim,
    ClaimLine,
    Insured,
    OtherCoverage,
    PayerInfo,
    ReferringProvider,
    RenderingProvider,
    ServiceFacility,
)
from sim.models import Address, Patient

__all__ = [
    "BOXES",
    "LAYOUT_FILE",
    "LINES_PER_PAGE",
    "PROGRAMS",
    "box_for",
    "claim_field",
    "from_boxes",
    "line_page",
    "page_count",
    "pages",
    "render_html",
    "render_svg",
    "to_boxes",
    "to_pdf",
]

LINES_PER_PAGE = 6
LETTERS = "ABCDEFGHIJKL"
LAYOUT_FILE = Path(__file__).resolve().parent / "data" / "cms1500_layout.csv"
CENT = Decimal("0.01")
SOF = "SIGNATURE ON FILE"

# --- item 1: insurance type from the 837P claim filing indicator (SBR09) ---------------------

#: The seven insurance-type checkboxes of item 1, as printed.
PROGRAMS = (
    "MEDICARE",
    "MEDICAID",
    "TRICARE",
    "CHAMPVA",
    "GROUP HEALTH PLAN",
    "FECA BLK LUNG",
    "OTHER",
)
# Group health plan: employer or commercial group coverage (PPO, POS, EPO, indemnity, BCBS,
# commercial, FEHB, HMO). FECA Black Lung: "other federal program" (OF). Everything else
# (Medicare Advantage risk HMO, workers' compensation, auto, liability, Title V ...) is Other.
_PROGRAM_OF = {
    "MA": "MEDICARE",
    "MB": "MEDICARE",
    "MC": "MEDICAID",
    "CH": "TRICARE",
    "VA": "CHAMPVA",
    "OF": "FECA BLK LUNG",
    **dict.fromkeys(("12", "13", "14", "15", "BL", "CI", "FI", "HM"), "GROUP HEALTH PLAN"),
}
_INDICATOR_OF = {
    "MEDICARE": "MB",
    "MEDICAID": "MC",
    "TRICARE": "CH",
    "CHAMPVA": "VA",
    "GROUP HEALTH PLAN": "CI",
    "FECA BLK LUNG": "OF",
    "OTHER": "11",
}
_PROGRAM_ALIASES = {
    "GROUP": "GROUP HEALTH PLAN",
    "GROUP HEALTH": "GROUP HEALTH PLAN",
    "GHP": "GROUP HEALTH PLAN",
    "FECA": "FECA BLK LUNG",
    "BLACK LUNG": "FECA BLK LUNG",
    "FECA BLACK LUNG": "FECA BLK LUNG",
    "BLK LUNG": "FECA BLK LUNG",
    "CHAMPUS": "TRICARE",
}
_RELATIONSHIP_BOX = {"18": "SELF", "01": "SPOUSE", "19": "CHILD"}
_RELATIONSHIP_CODE = {"SELF": "18", "SPOUSE": "01", "CHILD": "19", "OTHER": "G8"}
_ACCIDENT_BOX = {"EM": "10a", "AA": "10b", "OA": "10c"}
_REFERRING_QUALIFIERS = ("DN", "DK", "DQ")
_CREDENTIALS = frozenset(
    [
        "MD",
        "DO",
        "NP",
        "PA",
        "PA-C",
        "DPM",
        "DC",
        "CRNA",
        "CNM",
        "RN",
        "DNP",
        "APRN",
        "FNP",
        "FNP-C",
        "AGNP",
        "OD",
        "DDS",
        "DMD",
        "PHD",
        "PSYD",
        "LCSW",
        "PT",
        "DPT",
        "OT",
        "CNS",
        "AUD",
        "MBBS",
        "LPC",
    ]
)

# --- the boxes ---------------------------------------------------------------------------------

_HEADER_BOXES: dict[str, str] = {
    "carrier": "Carrier block (top right): the payer's name and mailing address, 3 or 4 lines",
    "1": "Insurance type: one of Medicare, Medicaid, TRICARE, CHAMPVA, Group health plan, "
    "FECA Black Lung, Other",
    "1a": "Insured's ID number, as on the ID card of the payer billed",
    "2": "Patient's name: LAST, FIRST",
    "3": "Patient's birth date (MM DD YYYY) and sex (M or F)",
    "4": "Insured's name: LAST, FIRST (the patient's own name when the patient is the insured)",
    "5": "Patient's street address, no punctuation",
    "5.city": "Patient's city",
    "5.state": "Patient's state (2-letter code)",
    "5.zip": "Patient's ZIP code",
    "5.phone": "Patient's telephone number with area code (10 digits)",
    "6": "Patient's relationship to the insured: Self, Spouse, Child or Other",
    "7": "Insured's street address, no punctuation",
    "7.city": "Insured's city",
    "7.state": "Insured's state (2-letter code)",
    "7.zip": "Insured's ZIP code",
    "7.phone": "Insured's telephone number with area code (10 digits)",
    "8": "Reserved for NUCC use: leave blank",
    "9": "Other insured's name (LAST, FIRST) when another plan covers the patient (11d YES)",
    "9a": "Other insured's policy or group number",
    "9b": "Reserved for NUCC use: leave blank",
    "9c": "Reserved for NUCC use: leave blank",
    "9d": "Other insured's insurance plan or program name",
    "10a": "Is the condition related to employment? YES or NO",
    "10b": "Is the condition related to an auto accident? YES with the state (e.g. YES OH) or NO",
    "10c": "Is the condition related to another accident? YES or NO",
    "10d": "Claim codes designated by NUCC (e.g. workers' compensation condition codes)",
    "11": "Insured's policy group or FECA number",
    "11a": "Insured's birth date (MM DD YYYY) and sex (M or F)",
    "11b": "Other claim ID designated by NUCC (qualifier and number)",
    "11c": "Insured's insurance plan or program name",
    "11d": "Is there another health benefit plan? YES (then fill 9, 9a, 9d) or NO",
    "12": "Patient's signature authorizing release of information: SIGNATURE ON FILE or blank",
    "12.date": "Date the patient signed (MM DD YY)",
    "13": "Insured's signature assigning benefits to the provider: SIGNATURE ON FILE or blank",
    "14": "Date of the current illness, injury or pregnancy (MM DD YY) and its qualifier "
    "(431 onset, 484 last menstrual period)",
    "15": "Other date: qualifier then date (MM DD YY)",
    "16": "Dates the patient was unable to work: from and to (MM DD YY)",
    "17": "Referring, ordering or supervising provider: qualifier (DN, DK, DQ) then First Last",
    "17a": "Other ID of the provider in 17: qualifier and number",
    "17b": "NPI of the provider in 17",
    "18": "Hospitalization dates related to these services: from and to (MM DD YY)",
    "19": "Additional claim information designated by NUCC",
    "20": "Outside lab? YES with the purchased-service charges, or NO",
    "21": "ICD indicator: 0 for ICD-10-CM",
    **{
        f"21.{letter}": f"Diagnosis {letter}: ICD-10-CM code without its decimal point"
        + (" (the first-listed diagnosis)" if letter == "A" else "")
        for letter in LETTERS
    },
    "22": "Resubmission: code 7 (replacement) or 8 (void) and the original reference number; "
    "blank on an original claim",
    "23": "Prior authorization number (or referral number)",
    "25": "Billing provider's federal tax ID (EIN, no hyphen) and the box marked: EIN or SSN",
    "26": "Patient's account number (the practice's patient control number for this claim)",
    "27": "Accept assignment? YES or NO",
    "28": "Total charge of all lines (CONTINUED on every page of a longer claim but the last)",
    "29": "Amount the patient or other payers already paid toward these services",
    "30": "Reserved for NUCC use: leave blank",
    "31": "Signature of the physician or supplier including degrees or credentials",
    "31.date": "Date the physician or supplier signed (MM DD YY)",
    "32": "Service facility: name, street, city state ZIP (blank when it is the billing address)",
    "32a": "Service facility's NPI",
    "32b": "Service facility's other ID: qualifier and number",
    "33": "Billing provider: name, street, city state ZIP",
    "33.phone": "Billing provider's telephone number with area code (10 digits)",
    "33a": "Billing provider's NPI",
    "33b": "Billing provider's other ID: qualifier ZZ and taxonomy code, no space",
}
_LINE_BOXES: dict[str, str] = {
    "24A": "Line {n}, date(s) of service: from (MM DD YY) and, for a span, to",
    "24B": "Line {n}, place of service code (2 digits)",
    "24C": "Line {n}, emergency indicator: Y or blank",
    "24D": "Line {n}, CPT/HCPCS code and up to four modifiers (e.g. 99213 25)",
    "24E": "Line {n}, diagnosis pointer letters A-L, primary first (e.g. AB)",
    "24F": "Line {n}, charges (dollars and cents, no $)",
    "24G": "Line {n}, days or units",
    "24H": "Line {n}, EPSDT / family planning indicator",
    "24I": "Line {n}, qualifier of the rendering provider's other ID (shaded; ZZ taxonomy)",
    "24J": "Line {n}, rendering provider's NPI",
    "24J.shaded": "Line {n}, rendering provider's other ID (shaded; the taxonomy code)",
    "24.shaded": "Line {n}, supplemental information (shaded): N4, 11-digit NDC, unit, quantity",
}


def _line_id(col: str, n: int) -> str:
    if col == "24.shaded":
        return f"24.{n}.shaded"
    if col == "24J.shaded":
        return f"24J.{n}.shaded"
    return f"{col}.{n}"


def _build_boxes() -> dict[str, str]:
    out = dict(_HEADER_BOXES)
    rest = {k: out.pop(k) for k in list(out) if k[:2] in ("25", "26", "27", "28", "29", "30")}
    rest |= {k: out.pop(k) for k in list(out) if k[:2] in ("31", "32", "33")}
    for n in range(1, LINES_PER_PAGE + 1):
        for col, text in _LINE_BOXES.items():
            out[_line_id(col, n)] = text.format(n=n)
    out.update(rest)
    return out


#: Box id -> what goes in it, in plain words, in form order: the boxes of one page (service
#: line rows 1-6; a longer claim repeats them on the next pages).
BOXES: dict[str, str] = _build_boxes()

_LINE_RE = re.compile(r"^24(?:([A-J])\.(\d{1,2})(\.shaded)?|\.(\d{1,2})(\.shaded)?)$")
# Boxes rcmlab's claim model does not hold: kept as typed in claim.extra["cms1500"].
_PAPER_ONLY = (
    "7.phone",
    "10d",
    "11b",
    "12.date",
    "15",
    "16",
    "17a",
    "18",
    "19",
    "20",
    "31.date",
    "32b",
)
_RESERVED = ("8", "9b", "9c", "30")


def _split_line_box(box: str) -> tuple[str, int] | None:
    """``"24D.7"`` -> ``("24D", 7)``; ``"24.3.shaded"`` -> ``("24.shaded", 3)``; else None."""
    m = _LINE_RE.match(box)
    if not m:
        return None
    if m.group(1):
        col = "24" + m.group(1)
        if m.group(3):
            if col != "24J":
                return None
            col = "24J.shaded"
        return col, int(m.group(2))
    if not m.group(5):
        return None  # "24.n" is a whole row (a highlight region), not a box
    return "24.shaded", int(m.group(4))


def _known_box(box: str) -> bool:
    """A box id as printed on a page: service-line rows 1-6."""
    if box in _HEADER_BOXES:
        return True
    sp = _split_line_box(box)
    return sp is not None and 1 <= sp[1] <= LINES_PER_PAGE


# Inside this module service-line boxes are numbered by claim line ("24D.8" = line 8);
# on paper, and in every id this module takes or gives, by row of the page ("24D.2" on
# page 2). These two convert.
def _internal(box: str, page: int) -> str:
    sp = _split_line_box(box)
    return _line_id(sp[0], (page - 1) * LINES_PER_PAGE + sp[1]) if sp else box


def _external(box: str) -> tuple[str, int]:
    """Internal id -> (id on paper, page)."""
    sp = _split_line_box(box)
    if not sp:
        return box, 1
    col, n = sp
    return _line_id(col, (n - 1) % LINES_PER_PAGE + 1), (n - 1) // LINES_PER_PAGE + 1


# --- printing a claim (to paper) -----------------------------------------------------------


def _d6(d: date) -> str:
    return d.strftime("%m %d %y")


def _d8(d: date) -> str:
    return d.strftime("%m %d %Y")


def _money(a: Decimal) -> str:
    return f"{a.quantize(CENT)}"


def _nodots(s: str) -> str:
    return " ".join(s.replace(".", "").split())


def _name(last: str, first: str) -> str:
    return f"{_nodots(last)}, {_nodots(first)}"


def _clean(s: str) -> str:
    """An address or name line without punctuation (NUCC: no commas, periods or symbols)."""
    return " ".join(re.sub(r"[^\w\s\-/&']", " ", s).split())


def _street(a: Address) -> str:
    return _clean(" ".join(p for p in (a.line1, a.line2) if p))


def _city_line(a: Address) -> str:
    return f"{_clean(a.city)} {a.state} {a.zip}"


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


def _carrier(p: PayerInfo) -> str:
    a = p.address
    parts = [_clean(p.name), _clean(a.line1), _clean(a.line2), _city_line(a)]
    return "\n".join(x for x in parts if x)


def _org_lines(name: str, a: Address) -> str:
    return "\n".join((_clean(name), _street(a), _city_line(a)))


def _person(first: str, last: str, credential: str = "") -> str:
    return " ".join(x for x in (_nodots(first), _nodots(last), _nodots(credential)) if x)


def _extra(claim: Claim) -> dict[str, str]:
    ex = claim.extra.get("cms1500") if isinstance(claim.extra, dict) else None
    return ex if isinstance(ex, dict) else {}


def _header_boxes(c: Claim) -> dict[str, str]:
    ex = _extra(c)
    p, ins, oc = c.patient, c.insured, c.other_coverage
    acc = c.accident
    b: dict[str, str] = {
        "carrier": _carrier(c.payer),
        "1": _PROGRAM_OF.get(c.payer.filing_indicator, "OTHER"),
        "1a": ins.member_id,
        "2": _name(p.last_name, p.first_name),
        "3": f"{_d8(p.birth_date)} {p.sex}",
        "4": _name(ins.last_name, ins.first_name),
        "5": _street(p.address),
        "5.city": _clean(p.address.city),
        "5.state": p.address.state,
        "5.zip": p.address.zip,
        "5.phone": _digits(p.phone),
        "6": _RELATIONSHIP_BOX.get(ins.relationship, "OTHER"),
        "7": _street(ins.address),
        "7.city": _clean(ins.address.city),
        "7.state": ins.address.state,
        "7.zip": ins.address.zip,
        "8": "",
        "9": _name(oc.insured_last_name, oc.insured_first_name) if oc else "",
        "9a": oc.member_id if oc else "",
        "9b": "",
        "9c": "",
        "9d": oc.plan_name if oc else "",
        "10a": "YES" if acc == "EM" else "NO",
        "10b": " ".join(x for x in ("YES", c.accident_state or "") if x) if acc == "AA" else "NO",
        "10c": "YES" if acc == "OA" else "NO",
        "11": ins.group_number,
        "11a": f"{_d8(ins.birth_date)} {ins.sex}",
        "11c": ins.plan_name,
        "11d": "YES" if oc else "NO",
        "12": SOF if c.release_of_information else "",
        "13": SOF if c.benefits_assigned else "",
        "14": f"{_d6(c.onset_date)} {ex.get('14.qual', '431')}" if c.onset_date else "",
        "17": (
            f"{c.referring.qualifier} {_person(c.referring.first_name, c.referring.last_name)}"
            if c.referring
            else ""
        ),
        "17b": c.referring.npi if c.referring else "",
        "21": "0",
    }
    for i, letter in enumerate(LETTERS):
        b[f"21.{letter}"] = c.diagnoses[i].replace(".", "") if i < len(c.diagnoses) else ""
    b["22"] = f"{c.frequency} {c.original_reference or ''}".strip() if c.frequency != "1" else ""
    b["23"] = c.prior_auth or c.referral_number or ""
    b["25"] = f"{_digits(c.billing.tin)} EIN"
    b["26"] = c.id
    b["27"] = "YES" if c.accept_assignment else "NO"
    b["28"] = _money(c.total_charge)
    b["29"] = _money(c.amount_paid) if c.amount_paid else ""
    b["30"] = ""
    if not c.signature_on_file:
        b["31"] = ""
    elif c.rendering:
        r = c.rendering
        b["31"] = _person(r.first_name, r.last_name, r.credential)
    else:
        b["31"] = SOF
    f = c.facility
    b["32"] = _org_lines(f.name, f.address) if f else ""
    b["32a"] = (f.npi or "") if f else ""
    b["33"] = _org_lines(c.billing.name, c.billing.address)
    b["33.phone"] = _digits(c.billing.phone)
    b["33a"] = c.billing.npi
    b["33b"] = ex.get("33b") or (f"ZZ{c.billing.taxonomy}" if c.billing.taxonomy else "")
    for k in _PAPER_ONLY:
        b[k] = str(ex.get(k, ""))
    return {k: b[k] for k in _HEADER_BOXES}


def _line_boxes(c: Claim, ln: ClaimLine, n: int) -> dict[str, str]:
    ex = _extra(c)
    r = c.rendering
    to = f" {_d6(ln.service_date_to)}" if ln.service_date_to else ""
    pointers = "".join(LETTERS[p - 1] if 1 <= p <= len(LETTERS) else "?" for p in ln.dx_pointers)
    qual = ex.get(f"24I.{n}")
    other = ex.get(f"24J.{n}.shaded")
    if qual is None:
        qual, other = ("ZZ", r.taxonomy) if r and r.taxonomy else ("", "")
    ndc = f"N4{ln.ndc}   {ln.ndc_units or ''}".rstrip() if ln.ndc else ""
    return {
        f"24A.{n}": _d6(ln.service_date) + to,
        f"24B.{n}": ln.pos,
        f"24C.{n}": "Y" if ln.emergency else "",
        f"24D.{n}": " ".join((ln.code, *ln.modifiers)),
        f"24E.{n}": pointers,
        f"24F.{n}": _money(ln.charge),
        f"24G.{n}": str(ln.units),
        f"24H.{n}": str(ex.get(f"24H.{n}", "")),
        f"24I.{n}": qual,
        f"24J.{n}": r.npi if r else "",
        f"24J.{n}.shaded": other or "",
        f"24.{n}.shaded": ndc or str(ex.get(f"24.{n}.shaded", "")),
    }


def _blank_line(n: int) -> dict[str, str]:
    return {_line_id(col, n): "" for col in _LINE_BOXES}


def page_count(claim: Claim) -> int:
    """How many CMS-1500 pages the claim prints on (six service lines a page)."""
    return max(1, math.ceil(len(claim.lines) / LINES_PER_PAGE))


def pages(claim: Claim) -> list[dict[str, str]]:
    """The claim printed on as many CMS-1500 forms as it needs (NUCC item 24: six service
    lines a form). Each page is ``{box id: text}`` with every box of :data:`BOXES`: the
    claim-level boxes repeated, the page's six line rows ``24A.1``-``24J.6`` (claim lines
    7-12 are rows 1-6 of page 2; unused rows blank) and, in item 28, ``CONTINUED`` on every
    page but the last, which holds the total charge."""
    header = _header_boxes(claim)
    n_pages = page_count(claim)
    out = []
    keys = list(header)
    cut = keys.index("25")
    for pg in range(1, n_pages + 1):
        b = {k: header[k] for k in keys[:cut]}
        first = (pg - 1) * LINES_PER_PAGE + 1
        for n in range(first, first + LINES_PER_PAGE):
            if n <= len(claim.lines):
                b.update(_line_boxes(claim, claim.lines[n - 1], n))
            else:
                b.update(_blank_line(n))
        b = {_external(k)[0]: v for k, v in b.items()}
        b.update({k: header[k] for k in keys[cut:]})
        if pg < n_pages:
            b["28"] = "CONTINUED"
        out.append(b)
    return out


def to_boxes(claim: Claim) -> dict[str, str]:
    """Page 1 of the claim's CMS-1500 as ``{box id: text}`` (every box of :data:`BOXES`,
    blank ones as ``""``), filled per the NUCC 1500 Reference Instruction Manual. A claim of
    more than six lines continues on :func:`pages`."""
    return pages(claim)[0]


# --- reading the form (from paper) -----------------------------------------------------------


def _err(box: str, message: str) -> ValueError:
    paper, page = _external(box)
    where = "carrier block" if box == "carrier" else f"box {paper}"
    if page > 1:
        where += f" (page {page})"
    return ValueError(f"{where}: {message}")


def _norm(s: str) -> str:
    """Case-, punctuation- and spacing-blind text, to tell an unchanged box from an edit."""
    return " ".join(re.sub(r"[^A-Z0-9]+", " ", s.upper()).split())


def _show(text: str) -> str:
    return repr(text.replace("\n", " / "))


def _year(yy: int, *, birth: bool, ref: date | None) -> int:
    if not birth:
        return 2000 + yy
    limit = (ref or date.today()).year
    return 2000 + yy if 2000 + yy <= limit else 1900 + yy


def _dates_in(text: str, box: str, *, birth: bool = False, ref: date | None = None) -> list[date]:
    """The dates in a date box: ``MM DD YY``, ``MM DD YYYY``, ``MMDDYY``, ``MMDDYYYY``,
    ``MM/DD/YYYY`` or ISO ``YYYY-MM-DD``, one or two (from, to)."""
    groups = re.findall(r"\d+", text)
    if re.sub(r"[\d\s/.\-]", "", text):
        raise _err(box, f"{_show(text)} is not a date (MM DD YY)")
    parts: list[tuple[int, int, int]] = []
    i = 0
    try:
        while i < len(groups):
            g = groups[i]
            if len(g) in (6, 8):  # compact MMDDYY[YY]
                y = int(g[4:])
                parts.append((int(g[:2]), int(g[2:4]), y if len(g) == 8 else -y - 1))
                i += 1
            elif len(g) == 4 and i + 2 < len(groups):  # ISO YYYY-MM-DD
                parts.append((int(groups[i + 1]), int(groups[i + 2]), int(g)))
                i += 3
            elif len(g) <= 2 and i + 2 < len(groups) and len(groups[i + 2]) in (2, 4):
                y = int(groups[i + 2])
                parts.append((int(g), int(groups[i + 1]), y if len(groups[i + 2]) == 4 else -y - 1))
                i += 3
            else:
                raise ValueError
        out = []
        for m, d, y in parts:
            year = y if y >= 0 else _year(-y - 1, birth=birth, ref=ref)
            out.append(date(year, m, d))
    except ValueError:
        raise _err(box, f"{_show(text)} is not a date (MM DD YY)") from None
    return out


def _one_date(text: str, box: str, **kw: Any) -> date:
    ds = _dates_in(text, box, **kw)
    if len(ds) != 1:
        raise _err(box, f"{_show(text)}: enter one date (MM DD YY)")
    return ds[0]


def _amount(text: str, box: str) -> Decimal:
    """``145.00``, ``145``, ``$1,256.50`` or the paper's ``1256 50`` (dollars, cents)."""
    s = text.strip().replace("$", "").strip()
    if s.startswith("-"):
        raise _err(box, f"{_show(text)}: negative amounts are not allowed")
    m = re.fullmatch(r"(\d+)\s+(\d{2})", s)
    if m:
        s = f"{m.group(1)}.{m.group(2)}"
    elif re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d{1,2})?", s):
        s = s.replace(",", "")
    if not re.fullmatch(r"\d+(\.\d{1,2})?|\.\d{1,2}", s):
        raise _err(box, f"{_show(text)} is not an amount (e.g. 145.00)")
    try:
        return Decimal(s).quantize(CENT)
    except InvalidOperation:
        raise _err(box, f"{_show(text)} is not an amount (e.g. 145.00)") from None


def _yes_no(text: str, box: str, *, blank: bool | None = None) -> bool:
    t = text.strip().upper()
    if t in ("YES", "Y", "X"):
        return True
    if t in ("NO", "N"):
        return False
    if not t and blank is not None:
        return blank
    raise _err(box, f"{_show(text)}: mark YES or NO")


def _parse_name(text: str, box: str) -> tuple[str, str]:
    """``LAST, FIRST`` -> (last, first)."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise _err(box, f"{_show(text)}: enter the name as LAST, FIRST")
    if len(parts) > 2 and any(parts[2:]):
        raise _err(
            box, f"{_show(text)}: rcmlab's claims carry no middle initial; enter LAST, FIRST"
        )
    return _nodots(parts[0]), _nodots(parts[1])


def _parse_sex_date(text: str, box: str, ref: date | None) -> tuple[date, str]:
    tokens = text.upper().split()
    if not tokens:
        raise _err(box, "enter the birth date (MM DD YYYY) and the sex (M or F)")
    sex = {"M": "M", "F": "F", "MALE": "M", "FEMALE": "F"}.get(tokens[-1])
    if sex is None:
        raise _err(box, f"{_show(text)}: end with the sex, M or F (e.g. 08 05 1980 F)")
    return _one_date(" ".join(tokens[:-1]), box, birth=True, ref=ref), sex


def _state(text: str, box: str) -> str:
    s = text.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", s):
        raise _err(box, f"{_show(text)} is not a 2-letter state code")
    return s


def _zip(text: str, box: str) -> str:
    d = _digits(text)
    if re.sub(r"[\d\s\-]", "", text) or len(d) not in (5, 9):
        raise _err(box, f"{_show(text)} is not a ZIP code (5 or 9 digits)")
    return d if len(d) == 5 else f"{d[:5]}-{d[5:]}"


def _phone(text: str, box: str, base: str | None) -> str:
    d = _digits(text)
    if not text.strip():
        return ""
    if re.sub(r"[\d\s\-().]", "", text) or len(d) != 10:
        raise _err(box, f"{_show(text)} is not a telephone number (10 digits with area code)")
    if base is not None and _digits(base) == d:
        return base
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def _npi(text: str, box: str) -> str:
    s = text.strip()
    if s and not re.fullmatch(r"\d{10}", s):
        raise _err(box, f"{_show(text)} is not an NPI (10 digits)")
    return s


def _parse_city_line(text: str, box: str) -> tuple[str, str, str]:
    m = re.fullmatch(r"(.+?)[\s,]+([A-Za-z]{2})[\s,]+(\d{5}(?:-?\d{4})?)", text.strip())
    if not m:
        raise _err(box, f"{_show(text)}: write the last address line as CITY ST ZIP")
    return m.group(1).strip(" ,"), m.group(2).upper(), _zip(m.group(3), box)


def _address(
    street: str, city: str, state: str, zip_: str, box: str, base: Address | None
) -> Address:
    if not street.strip():
        raise _err(box, "enter the street address")
    if not city.strip():
        raise _err(f"{box}.city", "enter the city")
    st, zp = _state(state, f"{box}.state"), _zip(zip_, f"{box}.zip")
    if base is not None and _norm(_street(base)) == _norm(street):
        line1, line2 = base.line1, base.line2
    else:
        line1, line2 = " ".join(street.split()), ""
    c = base.city if base is not None and _norm(base.city) == _norm(city) else city.strip()
    return Address(line1, c, st, zp, line2)


def _block(
    text: str, box: str, base_name: str | None, base_addr: Address | None, *, lines: tuple[int, ...]
) -> tuple[str, Address]:
    """A name + address block (carrier, 32, 33): name, street line(s), CITY ST ZIP."""
    rows = [r.strip() for r in text.splitlines() if r.strip()]
    if len(rows) not in lines:
        want = " or ".join(str(n) for n in lines)
        raise _err(box, f"enter {want} lines: name, street, CITY ST ZIP")
    city, st, zp = _parse_city_line(rows[-1], box)
    name = rows[0]
    if base_name is not None and _norm(base_name) == _norm(name):
        name = base_name
    streets = rows[1:-1]
    if base_addr is not None and _norm(" ".join(streets)) == _norm(_street(base_addr)):
        line1, line2 = base_addr.line1, base_addr.line2
    else:
        line1, line2 = streets[0], " ".join(streets[1:])
    if base_addr is not None and _norm(base_addr.city) == _norm(city):
        city = base_addr.city
    return name, Address(line1, city, st, zp, line2)


def _program(text: str, box: str = "1") -> str:
    t = " ".join(text.upper().replace(".", " ").split())
    t = _PROGRAM_ALIASES.get(t, t)
    if t not in PROGRAMS:
        raise _err(box, f"{_show(text)}: mark one of {', '.join(PROGRAMS)}")
    return t


def _code(text: str, box: str) -> tuple[str, tuple[str, ...]]:
    tokens = [t for t in re.split(r"[\s,\-]+", text.strip().upper()) if t]
    if not tokens:
        raise _err(box, "enter the CPT/HCPCS code")
    code, mods = tokens[0], tuple(tokens[1:])
    if not re.fullmatch(r"\d{4}[0-9FTU]|[A-V]\d{4}", code):
        raise _err(box, f"{code!r} is not a CPT/HCPCS code (5 characters, e.g. 99213 or J1100)")
    if len(mods) > MAX_MODIFIERS:
        raise _err(box, f"at most {MAX_MODIFIERS} modifiers, got {len(mods)}")
    for m in mods:
        if not re.fullmatch(r"[A-Z0-9]{2}", m):
            raise _err(box, f"{m!r} is not a modifier (2 characters, e.g. 25)")
    return code, mods


def _pointers(text: str, box: str) -> tuple[int, ...]:
    s = re.sub(r"[\s,]+", "", text.upper())
    if not s:
        raise _err(box, "enter the diagnosis pointer letter(s) A-L from item 21")
    if any(ch.isdigit() for ch in s):
        raise _err(box, f"{_show(text)}: use the letters A-L of item 21, not numbers")
    bad = [ch for ch in s if ch not in LETTERS]
    if bad:
        raise _err(box, f"{bad[0]!r} is not a diagnosis pointer (A-L)")
    if len(s) > MAX_POINTERS:
        raise _err(box, f"at most {MAX_POINTERS} pointer letters, got {len(s)}")
    if len(set(s)) != len(s):
        raise _err(box, f"{_show(text)}: a letter is repeated")
    return tuple(LETTERS.index(ch) + 1 for ch in s)


def _icd(text: str, box: str) -> str:
    from codesets import icd10cm

    code = icd10cm.normalize(text)
    if not re.fullmatch(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,4})?", code):
        raise _err(box, f"{_show(text)} is not an ICD-10-CM code (e.g. E1122 for E11.22)")
    return code


def _ndc(text: str, box: str) -> tuple[str, str | None]:
    s = text.strip().upper()
    m = re.fullmatch(r"N4\s*([\d\-\s]+?)\s*(?:([A-Z]{2})\s*(\d+(?:\.\d+)?))?", s)
    if not m:
        raise _err(box, f"{_show(text)}: enter N4, the 11-digit NDC, then unit and quantity")
    digits = _digits(m.group(1))
    if len(digits) != 11:
        raise _err(box, f"an NDC has 11 digits (5-4-2), got {len(digits)}")
    units = f"{m.group(2)}{m.group(3)}" if m.group(2) else None
    if m.group(2) and m.group(2) not in ("UN", "ML", "GR", "F2", "ME"):
        raise _err(box, f"{m.group(2)!r} is not an NDC unit (UN, ML, GR, F2, ME)")
    return digits, units


def _referring(text: str, npi: str, base: ReferringProvider | None) -> ReferringProvider | None:
    s = text.strip()
    if not s:
        if npi:
            raise _err("17b", "an NPI needs the provider's name in item 17")
        return None
    tokens = s.split()
    qual = tokens[0].upper()
    if qual not in _REFERRING_QUALIFIERS:
        raise _err(
            "17",
            f"{_show(text)}: start with the qualifier DN (referring), DK (ordering) "
            "or DQ (supervising)",
        )
    rest = tokens[1:]
    if base is not None and _norm(" ".join(rest)) == _norm(
        _person(base.first_name, base.last_name)
    ):
        first, last = base.first_name, base.last_name
    else:
        if rest and rest[-1].upper().replace(".", "") in _CREDENTIALS:
            rest = rest[:-1]
        if len(rest) < 2:
            raise _err("17", f"{_show(text)}: enter the qualifier, then First Last")
        names = [rest[0]] + [t for t in rest[1:-1] if len(t.rstrip(".")) > 1] + [rest[-1]]
        first, last = _nodots(names[0]), _nodots(" ".join(names[1:]))
    return ReferringProvider(first, last, npi, qual)


def _signed(text: str) -> bool:
    t = " ".join(text.upper().replace(".", "").split())
    return bool(t) and t not in ("NO SIGNATURE ON FILE", "NO", "NONE")


def _merge_pages(boxes: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> dict[str, str]:
    if isinstance(boxes, Mapping):
        seq: list[Mapping[str, Any]] = [boxes]
    elif isinstance(boxes, Sequence) and not isinstance(boxes, str | bytes):
        seq = list(boxes)
        if not seq or not all(isinstance(b, Mapping) for b in seq):
            raise ValueError("from_boxes: expected a dict of boxes or a list of pages (dicts)")
    else:
        raise ValueError("from_boxes: expected a dict of boxes or a list of pages (dicts)")
    merged: dict[str, str] = {}
    for pg, page in enumerate(seq, start=1):
        for raw_key, value in page.items():
            if not isinstance(raw_key, str) or not _known_box(raw_key):
                hint = ""
                sp = _split_line_box(raw_key) if isinstance(raw_key, str) else None
                if sp and sp[1] > LINES_PER_PAGE:
                    hint = "; a page has line rows 1-6: give later lines as page 2, 3 ... "
                    hint += "in a list of pages"
                raise ValueError(f"unknown CMS-1500 box {raw_key!r} (see sim.cms1500.BOXES){hint}")
            key = _internal(raw_key, pg)
            if value is None:
                value = ""
            if not isinstance(value, str | int | float | Decimal):
                raise _err(key, f"expected text, got {type(value).__name__}")
            text = str(value).strip()
            if key == "28":
                if text.upper() != "CONTINUED" or "28" not in merged:
                    merged[key] = text
                continue
            if key in merged and _norm(merged[key]) != _norm(text) and _split_line_box(key) is None:
                raise _err(
                    key, f"page {pg} says {_show(text)} but page 1 says {_show(merged[key])}"
                )
            merged.setdefault(key, text)
    return merged


def _all_boxes(claim: Claim) -> dict[str, str]:
    """Every page of the claim in one dict, line boxes numbered by claim line."""
    out: dict[str, str] = {}
    for pg, b in enumerate(pages(claim), start=1):
        out.update({_internal(k, pg): v for k, v in b.items()})
    out["28"] = _money(claim.total_charge)
    return out


@dataclass
class _Reader:
    """The merged box values: a box missing from the learner's dict keeps the base's."""

    given: dict[str, str]
    base_boxes: dict[str, str]

    def __call__(self, box: str) -> str:
        if box in self.given:
            return self.given[box]
        return self.base_boxes.get(box, "")


def from_boxes(
    boxes: Mapping[str, Any] | Sequence[Mapping[str, Any]], *, base: Claim | None = None
) -> Claim:
    """Read a filled CMS-1500 into a :class:`~sim.claims.Claim`.

    ``boxes`` is one page ``{box id: text}`` (page 1: claim lines 1-6) or a list of pages as
    :func:`pages` returns them (page 2 rows 1-6 are claim lines 7-12 ...); an empty dict
    stands for a page left as it is. With ``base``, a box left out keeps the base claim's
    value (so ``{"24D.1": "99214 25"}`` changes only that), and what the paper form does not
    carry (patient and payer ids, the 837P control numbers, COB details, the encounter)
    comes from the base; a box that reads the same as the base printed it (ignoring case,
    punctuation and spacing) keeps the base's exact spelling. Item 28 is checked against
    the line charges only when given. Without ``base`` every box is read as given
    (missing = blank).

    Input is read leniently where the meaning is clear (``"$1,256.50"``, ``"99213-25"``,
    ``"01/05/2026"``, ``"A, B"``) and otherwise rejected with a one-line :class:`ValueError`
    naming the box, e.g. ``box 24E.2: '1' ... use the letters A-L of item 21``. Whether the
    codes exist or the claim would pass payer edits is not checked here: that is the
    scrubber's work.
    """
    given = _merge_pages(boxes)
    g = _Reader(given, _all_boxes(base) if base is not None else {})
    bp = base.patient if base else None
    ex: dict[str, str] = {}

    # service dates first: the reference for 2-digit birth years
    line_numbers = _line_numbers(g, given, base)
    ref: date | None = None
    for n in line_numbers:
        ds = _dates_in(g(f"24A.{n}"), f"24A.{n}") if g(f"24A.{n}") else []
        if ds:
            ref = ds[0] if ref is None else min(ref, ds[0])

    # -- patient (2, 3, 5) --
    last, first = _parse_name(g("2"), "2")
    if bp is not None and _norm(g("2")) == _norm(_name(bp.last_name, bp.first_name)):
        last, first = bp.last_name, bp.first_name
    dob, sex = _parse_sex_date(g("3"), "3", ref)
    p_addr = _address(
        g("5"), g("5.city"), g("5.state"), g("5.zip"), "5", bp.address if bp else None
    )
    patient = Patient(
        id=bp.id if bp else "",
        account=bp.account if bp else "",
        first_name=first,
        last_name=last,
        sex=sex,
        birth_date=dob,
        address=p_addr,
        phone=_phone(g("5.phone"), "5.phone", bp.phone if bp else None),
    )

    # -- insured (1a, 4, 6, 7, 11, 11a, 11c) --
    rel_text = g("6").strip().upper()
    if rel_text in _RELATIONSHIP_CODE:
        relationship = _RELATIONSHIP_CODE[rel_text]
        if base and _RELATIONSHIP_BOX.get(base.insured.relationship, "OTHER") == rel_text:
            relationship = base.insured.relationship
    elif rel_text in ("18", "01", "19", "G8"):
        relationship = rel_text
    else:
        raise _err("6", f"{_show(g('6'))}: mark SELF, SPOUSE, CHILD or OTHER")
    insured = _insured(g, base, patient, relationship, ref)

    # -- payer (carrier block, 1) --
    program = _program(g("1")) if g("1") else None
    if program is None:
        raise _err("1", f"mark the insurance type: one of {', '.join(PROGRAMS)}")
    payer = _payer(g, base, program)

    # -- other coverage (9, 9a, 9d, 11d) --
    other = _other_coverage(g, base, payer)

    # -- reserved boxes --
    for box in _RESERVED:
        if g(box):
            raise _err(box, f"reserved for NUCC use: leave it blank (found {_show(g(box))})")

    # -- condition related to (10a-10c) --
    accident, accident_state = None, None
    yes = []
    for acc, box in _ACCIDENT_BOX.items():
        tokens = g(box).upper().split()
        if box == "10b" and len(tokens) == 2:
            if not _yes_no(tokens[0], box):
                raise _err(box, "a state goes with YES only")
            accident_state = _state(tokens[1], box)
            tokens = tokens[:1]
        if _yes_no(" ".join(tokens), box, blank=False):
            yes.append(box)
            accident = acc
    if len(yes) > 1:
        raise _err(yes[1], f"{yes[0]} is already YES: rcmlab's claim holds one accident type")

    # -- 12, 13, 14, 17, 21, 22, 23 --
    release = _signed(g("12"))
    assigned = _signed(g("13"))
    onset = None
    if g("14"):
        tokens = g("14").split()
        qual = "431"
        if tokens and re.fullmatch(r"\d{3}", tokens[-1]) and len(tokens) in (2, 4):
            qual = tokens.pop()
        if qual not in ("431", "484"):
            raise _err("14", f"qualifier {qual} is not 431 (onset) or 484 (last menstrual period)")
        onset = _one_date(" ".join(tokens), "14")
        if qual != "431":
            ex["14.qual"] = qual
    referring = _referring(g("17"), _npi(g("17b"), "17b"), base.referring if base else None)

    ind = g("21").strip()
    if ind not in ("", "0"):
        raise _err("21", f"ICD indicator {ind!r}: enter 0 for ICD-10-CM")
    diagnoses: list[str] = []
    gap = None
    for letter in LETTERS:
        text = g(f"21.{letter}")
        if not text:
            gap = gap or letter
            continue
        if gap:
            raise _err(f"21.{letter}", f"filled while 21.{gap} is blank: list codes from A on")
        diagnoses.append(_icd(text, f"21.{letter}"))
    if len(diagnoses) > MAX_DIAGNOSES:  # pragma: no cover - 12 letters
        raise _err("21", f"at most {MAX_DIAGNOSES} diagnoses")

    frequency, original = "1", None
    if g("22"):
        tokens = g("22").split(maxsplit=1)
        if tokens[0] not in ("7", "8"):
            raise _err(
                "22",
                f"resubmission code {tokens[0]!r}: use 7 (replacement) or 8 (void); "
                "leave blank for an original claim",
            )
        frequency, original = tokens[0], (tokens[1].strip() if len(tokens) > 1 else None)
    prior_auth, referral = _auth(g("23"), base)

    # -- service lines (24) --
    rendering_npi, rendering_tax, lines = _lines(g, base, line_numbers, ex)

    # -- 25-33 --
    billing = _billing(g, base, ex)
    claim_id = g("26").strip()
    if not claim_id:
        raise _err("26", "enter the patient account number")
    accept = _yes_no(g("27"), "27")
    total = sum((ln.charge for ln in lines), Decimal("0.00"))
    if given.get("28") and given["28"].upper() != "CONTINUED":  # only when the learner wrote it
        stated = _amount(g("28"), "28")
        if stated != total:
            raise _err("28", f"total {stated} is not the sum of the line charges (24F) {total}")
    paid = _amount(g("29"), "29") if g("29") else Decimal("0.00")
    signed = _signed(g("31"))
    rendering = _rendering(g("31"), rendering_npi, rendering_tax, base)
    facility = _facility(g, base)
    for box in _PAPER_ONLY:
        if g(box):
            ex[box] = _paper_only(box, g(box))

    extra = dict(base.extra) if base else {}
    extra.pop("cms1500", None)
    if ex:
        extra["cms1500"] = ex
    return Claim(
        id=base.id if base and _norm(base.id) == _norm(claim_id) else claim_id,
        patient=patient,
        insured=insured,
        payer=payer,
        billing=billing,
        diagnoses=tuple(diagnoses),
        lines=tuple(lines),
        rendering=rendering,
        referring=referring,
        facility=facility,
        frequency=frequency,
        original_reference=original,
        prior_auth=prior_auth,
        referral_number=referral,
        onset_date=onset,
        accident=accident,
        accident_state=accident_state,
        other_coverage=other,
        accept_assignment=accept,
        benefits_assigned=assigned,
        release_of_information=release,
        signature_on_file=signed,
        amount_paid=paid,
        encounter_id=base.encounter_id if base else None,
        extra=extra,
    )


def _insured(
    g: _Reader, base: Claim | None, patient: Patient, rel: str, ref: date | None
) -> Insured:
    bi = base.insured if base else None
    self_ = rel == "18"
    name = g("4").strip()
    if name.upper() == "SAME" or (not name and self_):
        last, first = patient.last_name, patient.first_name
    else:
        last, first = _parse_name(name, "4")
        if bi is not None and _norm(name) == _norm(_name(bi.last_name, bi.first_name)):
            last, first = bi.last_name, bi.first_name
    if g("11a"):
        dob, sex = _parse_sex_date(g("11a"), "11a", ref)
    elif self_:
        dob, sex = patient.birth_date, patient.sex
    else:
        raise _err("11a", "enter the insured's birth date (MM DD YYYY) and sex (M or F)")
    street = g("7").strip()
    if street.upper() == "SAME" or (not street and self_):
        addr = patient.address
    else:
        addr = _address(
            street, g("7.city"), g("7.state"), g("7.zip"), "7", bi.address if bi else None
        )
    member = g("1a").strip()
    group, plan = g("11").strip(), g("11c").strip()
    if bi is not None:
        member = bi.member_id if _norm(bi.member_id) == _norm(member) else member
        group = bi.group_number if _norm(bi.group_number) == _norm(group) else group
        plan = bi.plan_name if _norm(bi.plan_name) == _norm(plan) else plan
    return Insured(member, first, last, sex, dob, addr, rel, group, plan)


def _payer(g: _Reader, base: Claim | None, program: str) -> PayerInfo:
    bp = base.payer if base else None
    indicator = _INDICATOR_OF[program]
    if bp is not None and _PROGRAM_OF.get(bp.filing_indicator, "OTHER") == program:
        indicator = bp.filing_indicator
    text = g("carrier")
    if not text.strip():
        raise _err("carrier", "enter the payer's name and address (3 or 4 lines)")
    if bp is not None and _norm(text) == _norm(_carrier(bp)):
        return replace(bp, filing_indicator=indicator)
    name, addr = _block(
        text, "carrier", bp.name if bp else None, bp.address if bp else None, lines=(3, 4)
    )
    if bp is not None and _norm(bp.name) == _norm(name):
        return replace(bp, name=name, address=addr, filing_indicator=indicator)
    return PayerInfo("", name, "", indicator, addr, bp.responsibility if bp else "P")


def _other_coverage(g: _Reader, base: Claim | None, payer: PayerInfo) -> OtherCoverage | None:
    filled = [b for b in ("9", "9a", "9d") if g(b)]
    more = _yes_no(g("11d"), "11d", blank=bool(filled))
    if filled and not more:
        raise _err("11d", f"box {filled[0]} describes another plan, so mark YES (or clear 9-9d)")
    if not more:
        return None
    for b in ("9", "9a", "9d"):
        if not g(b):
            raise _err(b, "11d is YES: fill the other insured's name (9), policy (9a), plan (9d)")
    last, first = _parse_name(g("9"), "9")
    boc = base.other_coverage if base else None
    member, plan = g("9a").strip(), g("9d").strip()
    if boc is not None:
        if _norm(g("9")) == _norm(_name(boc.insured_last_name, boc.insured_first_name)):
            last, first = boc.insured_last_name, boc.insured_first_name
        member = boc.member_id if _norm(boc.member_id) == _norm(member) else member
        plan = boc.plan_name if _norm(boc.plan_name) == _norm(plan) else plan
        return replace(
            boc, insured_first_name=first, insured_last_name=last, member_id=member, plan_name=plan
        )
    order = "S" if payer.responsibility == "P" else "P"
    return OtherCoverage(first, last, member, plan, "", "", order)


def _auth(text: str, base: Claim | None) -> tuple[str | None, str | None]:
    """Item 23 holds the prior authorization number, or else the referral number."""
    t = text.strip()
    if base is not None:
        printed = base.prior_auth or base.referral_number or ""
        if _norm(t) == _norm(printed):
            return base.prior_auth, base.referral_number
        if base.prior_auth:  # the printed one was the prior auth: the referral stays
            return t or None, base.referral_number
    return t or None, None


def _line_numbers(g: _Reader, given: dict[str, str], base: Claim | None) -> list[int]:
    filled = set()
    keys = set(given) | set(g.base_boxes)
    for k in keys:
        sp = _split_line_box(k)
        if sp and g(k):
            filled.add(sp[1])
    if not filled:
        raise _err("24D.1", "a claim needs at least one service line")
    last = max(filled)
    if last > MAX_LINES:
        raise _err(_line_id("24D", last), f"a claim has at most {MAX_LINES} service lines")
    for n in range(1, last + 1):
        if n not in filled:
            raise _err(
                f"24D.{n}", f"line {n} is blank but line {last} is filled: fill the lines in order"
            )
    return list(range(1, last + 1))


def _lines(
    g: _Reader, base: Claim | None, numbers: list[int], ex: dict[str, str]
) -> tuple[str | None, str | None, list[ClaimLine]]:
    out = []
    npis: dict[int, str] = {}
    taxes: dict[int, str] = {}
    for n in numbers:
        bl = base.lines[n - 1] if base and n <= len(base.lines) else None
        box = f"24A.{n}"
        if not g(box):
            raise _err(box, f"enter the date of service of line {n}")
        ds = _dates_in(g(box), box)
        if len(ds) not in (1, 2):
            raise _err(box, f"{_show(g(box))}: enter the from date and, for a span, the to date")
        start, end = ds[0], (ds[1] if len(ds) == 2 else None)
        if end is not None and end < start:
            raise _err(box, "the to date is before the from date")
        if end == start and not (bl is not None and bl.service_date_to == end):
            end = None
        pos = g(f"24B.{n}").strip()
        if not re.fullmatch(r"\d{1,2}", pos):
            raise _err(f"24B.{n}", f"{_show(pos)} is not a place of service code (2 digits)")
        pos = pos.zfill(2)
        emg = _yes_no(g(f"24C.{n}"), f"24C.{n}", blank=False)
        code, mods = _code(g(f"24D.{n}"), f"24D.{n}")
        system = "hcpcs" if code[0].isalpha() else "cpt"
        if bl is not None and bl.code == code:
            system = bl.system
        pointers = _pointers(g(f"24E.{n}"), f"24E.{n}")
        if not g(f"24F.{n}"):
            raise _err(f"24F.{n}", f"enter the charge of line {n}")
        charge = _amount(g(f"24F.{n}"), f"24F.{n}")
        units_text = g(f"24G.{n}").strip()
        if not re.fullmatch(r"\d+", units_text) or int(units_text) < 1:
            raise _err(
                f"24G.{n}", f"{_show(units_text)}: enter the units as a whole number, 1 or more"
            )
        ndc, ndc_units = None, None
        shaded = g(f"24.{n}.shaded")
        if shaded.upper().startswith("N4"):
            ndc, ndc_units = _ndc(shaded, f"24.{n}.shaded")
        elif shaded:
            ex[f"24.{n}.shaded"] = shaded
        if g(f"24H.{n}"):
            ex[f"24H.{n}"] = g(f"24H.{n}")
        npi = _npi(g(f"24J.{n}"), f"24J.{n}")
        qual, other = g(f"24I.{n}").strip().upper(), g(f"24J.{n}.shaded").strip()
        if qual == "ZZ":
            taxes[n] = other
        elif qual or other:
            ex[f"24I.{n}"], ex[f"24J.{n}.shaded"] = qual, other
        npis[n] = npi
        out.append(
            ClaimLine(
                number=n,
                service_date=start,
                pos=pos,
                code=code,
                system=system,
                modifiers=mods,
                dx_pointers=pointers,
                units=int(units_text),
                charge=charge,
                ndc=ndc,
                ndc_units=ndc_units,
                service_date_to=end,
                control_number=bl.control_number if bl else f"{g('26').strip()}-{n}",
                emergency=emg,
            )
        )
    first_npi = npis[numbers[0]]
    for n in numbers[1:]:
        if npis[n] != first_npi:
            raise _err(
                f"24J.{n}",
                f"line {n} names NPI {npis[n] or '(blank)'} but line 1 "
                f"{first_npi or '(blank)'}: the claim has one rendering provider",
            )
    tax_values = set(taxes.values())
    if len(tax_values) > 1:
        n = sorted(taxes)[1]
        raise _err(f"24J.{n}.shaded", "the rendering taxonomy differs from line to line")
    return first_npi or None, (tax_values.pop() if tax_values else None), out


def _rendering(
    text: str, npi: str | None, taxonomy: str | None, base: Claim | None
) -> RenderingProvider | None:
    if not npi:
        return None
    br = base.rendering if base else None
    tax = taxonomy if taxonomy is not None else (br.taxonomy if br else "")
    t = text.strip()
    if not _signed(t) or _norm(t) in ("SIGNATURE ON FILE", "SOF"):
        if br is not None:
            return replace(br, npi=npi, taxonomy=tax)
        return RenderingProvider("", "", npi, tax)
    if br is not None and _norm(t) == _norm(_person(br.first_name, br.last_name, br.credential)):
        return replace(br, npi=npi, taxonomy=tax)
    tokens = t.replace(",", " ").split()
    credential = ""
    if len(tokens) > 2 and tokens[-1].upper().replace(".", "") in _CREDENTIALS:
        credential = tokens.pop().replace(".", "")
    if len(tokens) < 2:
        raise _err("31", f"{_show(text)}: sign with First Last and credentials (e.g. Ann Lee MD)")
    names = [tokens[0]] + [x for x in tokens[1:-1] if len(x.rstrip(".")) > 1] + [tokens[-1]]
    return RenderingProvider(_nodots(names[0]), _nodots(" ".join(names[1:])), npi, tax, credential)


def _billing(g: _Reader, base: Claim | None, ex: dict[str, str]) -> BillingProvider:
    bb = base.billing if base else None
    name, addr = _block(
        g("33"), "33", bb.name if bb else None, bb.address if bb else None, lines=(3,)
    )
    tokens = g("25").upper().split()
    if tokens and tokens[-1] in ("EIN", "SSN"):
        kind = tokens.pop()
        if kind == "SSN":
            raise _err("25", "rcmlab never uses Social Security numbers: enter the EIN, mark EIN")
    digits = _digits("".join(tokens))
    if re.sub(r"[\d\-]", "", "".join(tokens)) or len(digits) != 9:
        raise _err("25", f"{_show(g('25'))}: enter the 9-digit EIN (e.g. 123456789 EIN)")
    tin = bb.tin if bb and _digits(bb.tin) == digits else f"{digits[:2]}-{digits[2:]}"
    b33 = g("33b").strip().upper()
    if b33.startswith("ZZ"):
        taxonomy = b33[2:].strip()
    else:
        taxonomy = bb.taxonomy if bb else ""
        if b33:
            ex["33b"] = g("33b").strip()
    npi = _npi(g("33a"), "33a")
    if not npi:
        raise _err("33a", "enter the billing provider's NPI")
    return BillingProvider(
        name, npi, tin, taxonomy, addr, _phone(g("33.phone"), "33.phone", bb.phone if bb else None)
    )


def _facility(g: _Reader, base: Claim | None) -> ServiceFacility | None:
    bf = base.facility if base else None
    if not g("32").strip():
        if g("32a"):
            raise _err("32a", "an NPI needs the facility's name and address in item 32")
        return None
    name, addr = _block(
        g("32"), "32", bf.name if bf else None, bf.address if bf else None, lines=(3,)
    )
    return ServiceFacility(name, addr, _npi(g("32a"), "32a") or None)


def _paper_only(box: str, text: str) -> str:
    """Check the format of a box the claim model does not hold; return it as typed."""
    if box in ("12.date", "31.date"):
        _one_date(text, box)
    elif box in ("16", "18"):
        if len(_dates_in(text, box)) not in (1, 2):
            raise _err(box, f"{_show(text)}: enter the from and to dates (MM DD YY)")
    elif box == "15":
        tokens = text.split()
        if not tokens or not re.fullmatch(r"\d{3}", tokens[0]):
            raise _err(box, f"{_show(text)}: enter the qualifier (e.g. 454) then MM DD YY")
        _one_date(" ".join(tokens[1:]), box)
    elif box == "20":
        tokens = text.split(maxsplit=1)
        if _yes_no(tokens[0], box) and len(tokens) > 1:
            _amount(tokens[1], box)
        elif len(tokens) > 1:
            raise _err(box, "charges go with YES only")
    elif box == "7.phone":
        _phone(text, box, None)
    return text


# --- box <-> claim field --------------------------------------------------------------------

_FIELD_TO_BOX: dict[str, str] = {
    "payer": "carrier",
    "payer.name": "carrier",
    "payer.address": "carrier",
    "payer.filing_indicator": "1",
    "insured.member_id": "1a",
    "patient": "2",
    "patient.last_name": "2",
    "patient.first_name": "2",
    "patient.birth_date": "3",
    "patient.sex": "3",
    "insured": "4",
    "insured.last_name": "4",
    "insured.first_name": "4",
    "patient.address": "5",
    "patient.address.line1": "5",
    "patient.address.line2": "5",
    "patient.address.city": "5.city",
    "patient.address.state": "5.state",
    "patient.address.zip": "5.zip",
    "patient.phone": "5.phone",
    "insured.relationship": "6",
    "insured.address": "7",
    "insured.address.line1": "7",
    "insured.address.line2": "7",
    "insured.address.city": "7.city",
    "insured.address.state": "7.state",
    "insured.address.zip": "7.zip",
    "other_coverage.insured_last_name": "9",
    "other_coverage.insured_first_name": "9",
    "other_coverage.member_id": "9a",
    "other_coverage.plan_name": "9d",
    "accident": "10b",
    "accident_state": "10b",
    "insured.group_number": "11",
    "insured.birth_date": "11a",
    "insured.sex": "11a",
    "insured.plan_name": "11c",
    "other_coverage": "11d",
    "release_of_information": "12",
    "benefits_assigned": "13",
    "onset_date": "14",
    "referring": "17",
    "referring.first_name": "17",
    "referring.last_name": "17",
    "referring.qualifier": "17",
    "referring.npi": "17b",
    "diagnoses": "21",
    "frequency": "22",
    "original_reference": "22",
    "prior_auth": "23",
    "referral_number": "23",
    "billing.tin": "25",
    "id": "26",
    "accept_assignment": "27",
    "total_charge": "28",
    "amount_paid": "29",
    "signature_on_file": "31",
    "rendering.first_name": "31",
    "rendering.last_name": "31",
    "rendering.credential": "31",
    "facility": "32",
    "facility.name": "32",
    "facility.address": "32",
    "facility.npi": "32a",
    "billing": "33",
    "billing.name": "33",
    "billing.address": "33",
    "billing.phone": "33.phone",
    "billing.npi": "33a",
    "billing.taxonomy": "33b",
    # claim-wide values printed on every line: line 1 stands for them
    "rendering": "24J.1",
    "rendering.npi": "24J.1",
    "rendering.taxonomy": "24J.1.shaded",
    "place_of_service": "24B.1",
    "first_service_date": "24A.1",
    "last_service_date": "24A.1",
}
for _part in ("line1", "line2", "city", "state", "zip"):
    _FIELD_TO_BOX[f"payer.address.{_part}"] = "carrier"
    _FIELD_TO_BOX[f"billing.address.{_part}"] = "33"
    _FIELD_TO_BOX[f"facility.address.{_part}"] = "32"
_LINE_FIELD_TO_COL = {
    "": "24",
    "service_date": "24A",
    "service_date_to": "24A",
    "pos": "24B",
    "emergency": "24C",
    "code": "24D",
    "system": "24D",
    "modifiers": "24D",
    "dx_pointers": "24E",
    "charge": "24F",
    "units": "24G",
    "ndc": "24.shaded",
    "ndc_units": "24.shaded",
}
_PATH_RE = re.compile(r"^(lines|diagnoses)\[(\d+)\](?:\.(\w+)(?:\[\d+\])?)?$")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _check_path(path: str) -> None:
    """Raise for a dotted field path that names no field of the claim model."""
    cls: Any = Claim
    for part in path.split("."):
        name = re.sub(r"\[\d+\]$", "", part)
        if cls is None or not dataclasses.is_dataclass(cls):
            raise ValueError(f"unknown claim field {path!r}")
        hints = _hints(cls)
        if name not in hints:
            if isinstance(getattr(cls, name, None), property):
                cls = None
                continue
            raise ValueError(f"unknown claim field {path!r}")
        t = hints[name]
        args = [a for a in typing.get_args(t) if a is not type(None) and a is not Ellipsis]
        if dataclasses.is_dataclass(t):
            cls = t
        elif args and dataclasses.is_dataclass(args[0]):
            cls = args[0]
        else:
            cls = None


def box_for(field: str, claim: Claim | None = None) -> str | None:
    """The box that prints a claim field, for pointing a learner at it (e.g. a scrubber
    finding): ``"diagnoses[0]"`` -> ``"21.A"``, ``"lines[1].modifiers[0]"`` -> ``"24D.2"``,
    ``"lines[2]"`` -> ``"24.3"`` (the whole row), ``"billing.npi"`` -> ``"33a"``.

    Paths are dotted attribute names of :class:`~sim.claims.Claim` with 0-based indexes.
    A service line's box is its row on its page: ``lines[i]`` prints on page ``i // 6 + 1``
    (:func:`line_page`), so ``"lines[7].code"`` -> ``"24D.2"`` (of page 2).
    ``None`` for a field the paper form does not carry (837P-only: ``payer.payer_id``,
    ``lines[0].control_number`` ...); ``ValueError`` for a path that is no claim field.
    With ``claim``, ``accident`` resolves to its own row (10a employment, 10b auto, 10c other).
    """
    f = field.strip()
    m = _PATH_RE.match(f)
    if m:
        kind, i, attr = m.group(1), int(m.group(2)), m.group(3) or ""
        _check_path(f)
        if kind == "diagnoses":
            return f"21.{LETTERS[i]}" if i < len(LETTERS) else None
        col = _LINE_FIELD_TO_COL.get(attr)
        if col is None:
            return None
        row = i % LINES_PER_PAGE + 1
        return f"24.{row}" if col == "24" else _line_id(col, row)
    if f == "accident" and claim is not None and claim.accident in _ACCIDENT_BOX:
        return _ACCIDENT_BOX[claim.accident]
    if f in _FIELD_TO_BOX:
        return _FIELD_TO_BOX[f]
    _check_path(f)
    return None


def line_page(index: int) -> int:
    """The page (1, 2 ...) on which the claim line at 0-based ``index`` prints."""
    return index // LINES_PER_PAGE + 1


def claim_field(box: str, page: int = 1) -> tuple[str, ...]:
    """The claim fields a box prints (the reverse of :func:`box_for`): ``"21.C"`` ->
    ``("diagnoses[2]",)``, ``"24D.2"`` -> ``("lines[1].code", "lines[1].system",
    "lines[1].modifiers")`` (on ``page=2``: ``lines[7]``), ``"24.3"`` -> ``("lines[2]",)``.
    Empty for a box the claim model does not hold (reserved boxes, items 15-20 ...);
    ``ValueError`` for an unknown box.
    """
    b = box.strip()
    first = (page - 1) * LINES_PER_PAGE
    m = re.fullmatch(r"24\.(\d)", b)
    if m and 1 <= int(m.group(1)) <= LINES_PER_PAGE:
        return (f"lines[{first + int(m.group(1)) - 1}]",)
    if b == "24":
        return ("lines",)
    if not _known_box(b):
        raise ValueError(f"unknown CMS-1500 box {box!r} (see sim.cms1500.BOXES)")
    if re.fullmatch(r"21\.[A-L]", b):
        return (f"diagnoses[{LETTERS.index(b[-1])}]",)
    sp = _split_line_box(b)
    if sp:
        col, row = sp
        fields = tuple(
            f"lines[{first + row - 1}].{a}" for a, c in _LINE_FIELD_TO_COL.items() if a and c == col
        )
        if col == "24J":
            fields = ("rendering.npi",)
        elif col in ("24I", "24J.shaded"):
            fields = ("rendering.taxonomy",)
        return fields
    out = [
        f for f, bx in _FIELD_TO_BOX.items() if bx == b and not f.startswith(("rendering", "place"))
    ]
    if b in ("10a", "10c"):
        out = ["accident"]
    if b == "31":
        out = [
            "signature_on_file",
            "rendering.first_name",
            "rendering.last_name",
            "rendering.credential",
        ]
    # the most specific paths only: drop a parent when a child is listed
    return tuple(f for f in out if not any(o != f and o.startswith(f + ".") for o in out))


# --- layout (data) --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    kind: str
    id: str
    x: float
    y: float
    w: float
    h: float
    text: str
    style: dict[str, str]


@dataclass(frozen=True)
class _Layout:
    items: tuple[_Item, ...]  # rows with {n} / repeat expanded to rows 1..6
    regions: dict[str, tuple[float, float, float, float]]  # highlightable: id -> x, y, w, h


_KINDS = ("meta", "box", "cell", "field", "check", "text", "line", "shade", "bracket", "qr")


def _style(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(";"):
        part = part.strip()
        if part:
            k, _, v = part.partition("=")
            out[k.strip()] = v.strip() if _ else "1"
    return out


@cache
def _layout(path: Path = LAYOUT_FILE) -> _Layout:
    """Read the layout CSV; a malformed row raises ``ValueError`` naming file and line."""
    items: list[_Item] = []
    meta: dict[str, float] = {}
    name = path.name
    with path.open(encoding="utf-8", newline="") as fh:
        numbered = ((i, ln) for i, ln in enumerate(fh, start=1) if not ln.startswith("#"))
        lines = list(numbered)
    reader = csv.reader(ln for _, ln in lines)
    header = next(reader, None)
    if header != ["kind", "id", "x", "y", "w", "h", "text", "style"]:
        raise ValueError(f"{name}: the header must be kind,id,x,y,w,h,text,style")
    raw: list[tuple[int, _Item]] = []
    for (lineno, _), row in zip(lines[1:], reader, strict=True):
        if not row:
            continue
        if len(row) != 8:
            raise ValueError(f"{name}:{lineno}: expected 8 columns, got {len(row)}")
        kind, id_, *nums, text, style = row
        if kind not in _KINDS:
            raise ValueError(f"{name}:{lineno}: unknown kind {kind!r}")
        try:
            x, y, w, h = (float(v) for v in nums)
        except ValueError:
            raise ValueError(f"{name}:{lineno}: x, y, w, h must be numbers") from None
        if kind == "meta":
            meta[id_] = y
            continue
        raw.append((lineno, _Item(kind, id_, x, y, w, h, text, _style(style))))
    pitch = meta.get("row_pitch")
    per_page = int(meta.get("lines_per_page", 0))
    if not pitch or per_page != LINES_PER_PAGE:
        raise ValueError(
            f"{name}: meta rows row_pitch and lines_per_page ({LINES_PER_PAGE}) needed"
        )
    regions: dict[str, tuple[float, float, float, float]] = {}
    for lineno, it in raw:
        if "repeat" in it.style:
            copies = [
                replace(
                    it,
                    id=it.id.replace("{n}", str(n)),
                    text=it.text.replace("{n}", str(n)),
                    y=it.y + (n - 1) * pitch,
                )
                for n in range(1, LINES_PER_PAGE + 1)
            ]
        elif "{n}" in it.id:
            raise ValueError(f"{name}:{lineno}: an id with {{n}} needs the style flag 'repeat'")
        else:
            copies = [it]
        for c in copies:
            items.append(c)
            if c.kind in ("box", "cell") and c.id:
                regions.setdefault(c.id, (c.x, c.y, c.w, c.h))
    return _Layout(tuple(items), regions)


# --- drawing --------------------------------------------------------------------------------

RED = "#c8102e"
SHADE = "#fbe3e6"
INK = "#1a1a1a"
HIGHLIGHT = "#0b5cd5"
PAGE_W, PAGE_H = 850, 1100


@dataclass(frozen=True)
class _Prim:
    """One drawing primitive in form units: rect, line, text or path."""

    op: str
    x: float = 0
    y: float = 0
    w: float = 0
    h: float = 0
    text: str = ""
    size: float = 0
    font: str = "sans"  # sans | sans-bold | sans-italic | mono | title
    color: str = RED
    fill: str | None = None
    width: float = 0.8
    dash: str = ""
    anchor: str = "start"
    rotate: float = 0
    fit: float = 0  # squeeze text horizontally to this width when longer


_MONO_ADV = 0.6  # Courier advance width per em


def _split_money(text: str) -> tuple[str, str]:
    try:
        a = _amount(text, "")
    except ValueError:
        return text, ""
    return str(int(a)), f"{a:.2f}"[-2:]


def _first_yes_no(text: str) -> tuple[str | None, str]:
    tokens = text.upper().split(maxsplit=1)
    if tokens and tokens[0] in ("YES", "NO", "Y", "N"):
        return ("YES" if tokens[0] in ("YES", "Y") else "NO"), (
            tokens[1] if len(tokens) > 1 else ""
        )
    return None, text


def _two_dates(text: str) -> tuple[str, str]:
    tokens = text.split()
    if len(tokens) >= 6:
        return " ".join(tokens[:3]), " ".join(tokens[3:])
    if len(tokens) == 2 and all(len(t) in (6, 8) for t in tokens):
        return tokens[0], tokens[1]
    return text, ""


def _parts(boxes: Mapping[str, str], page: int, n_pages: int) -> tuple[dict[str, str], set[str]]:
    """What is printed where: layout field ids -> text, and the marked checkboxes. Tolerant:
    a learner's half-filled or wrong form prints as typed."""
    f: dict[str, str] = {}
    checks: set[str] = set()

    def get(k: str) -> str:
        v = boxes.get(k, "")
        return "" if v is None else str(v).strip()

    for k in _HEADER_BOXES:
        f[k] = get(k)
    try:
        if get("1"):
            checks.add("1=" + _program(get("1")))
    except ValueError:
        pass
    for k in ("3", "11a"):
        tokens = get(k).split()
        if tokens and tokens[-1].upper() in ("M", "F"):
            checks.add(f"{k}.sex={tokens.pop().upper()}")
        f[f"{k}.date"] = " ".join(tokens)
    for k in ("5.phone", "7.phone", "33.phone"):
        d = _digits(get(k))
        area = k.split(".")[0] + ".area"
        if len(d) == 10 and not re.sub(r"[\d\s\-().]", "", get(k)):
            f[area], f[k] = d[:3], d[3:]
        else:
            f[area] = ""
    rel = get("6").upper()
    if rel in _RELATIONSHIP_CODE:
        checks.add(f"6={rel}")
    for k in ("10a", "10c", "11d", "27"):
        yn, _ = _first_yes_no(get(k))
        if yn:
            checks.add(f"{k}={yn}")
    yn, rest = _first_yes_no(get("10b"))
    if yn:
        checks.add(f"10b={yn}")
    f["10b.state"] = rest if yn else ""
    yn, rest = _first_yes_no(get("20"))
    if yn:
        checks.add(f"20={yn}")
    f["20.dollars"], f["20.cents"] = _split_money(rest) if rest else ("", "")
    tokens = get("11b").split(maxsplit=1)
    f["11b.qual"], f["11b"] = (
        (tokens[0], tokens[1]) if len(tokens) == 2 and len(tokens[0]) == 2 else ("", get("11b"))
    )
    tokens = get("14").split()
    qual = tokens.pop() if tokens and re.fullmatch(r"\d{3}", tokens[-1]) else ""
    f["14.date"], f["14.qual"] = " ".join(tokens), qual
    tokens = get("15").split()
    f["15.qual"] = tokens.pop(0) if tokens and re.fullmatch(r"\d{3}", tokens[0]) else ""
    f["15.date"] = " ".join(tokens)
    for k in ("16", "18"):
        f[f"{k}.from"], f[f"{k}.to"] = _two_dates(get(k))
    tokens = get("17").split(maxsplit=1)
    if tokens and tokens[0].upper() in _REFERRING_QUALIFIERS:
        f["17.qual"], f["17.name"] = tokens[0], (tokens[1] if len(tokens) > 1 else "")
    else:
        f["17.qual"], f["17.name"] = "", get("17")
    tokens = get("17a").split(maxsplit=1)
    f["17a.qual"], f["17a"] = (tokens[0], tokens[1]) if len(tokens) == 2 else ("", get("17a"))
    tokens = get("22").split(maxsplit=1)
    f["22.code"], f["22.ref"] = [*tokens, "", ""][:2] if tokens else ("", "")
    tokens = get("25").split()
    if tokens and tokens[-1].upper() in ("SSN", "EIN"):
        checks.add(f"25.type={tokens.pop().upper()}")
    f["25"] = " ".join(tokens)
    for k in ("28", "29"):
        f[f"{k}.dollars"], f[f"{k}.cents"] = _split_money(get(k)) if get(k) else ("", "")
    f["page"] = f"PAGE {page} OF {n_pages}" if n_pages > 1 else ""
    for row in range(1, LINES_PER_PAGE + 1):
        n = row  # a page's rows
        f[f"24A.{row}.from"], f[f"24A.{row}.to"] = _two_dates(get(f"24A.{n}"))
        for col in ("24B", "24C", "24E", "24G", "24H", "24I", "24J"):
            f[f"{col}.{row}"] = get(f"{col}.{n}")
        f[f"24J.{row}.shaded"] = get(f"24J.{n}.shaded")
        f[f"24.{row}.shaded"] = get(f"24.{n}.shaded")
        tokens = get(f"24D.{n}").split()
        f[f"24D.{row}.code"] = tokens[0] if tokens else ""
        for k in range(1, 5):
            f[f"24D.{row}.m{k}"] = tokens[k] if len(tokens) > k else ""
        f[f"24F.{row}.dollars"], f[f"24F.{row}.cents"] = (
            _split_money(get(f"24F.{n}")) if get(f"24F.{n}") else ("", "")
        )
    return f, checks


def _qr_prims(x: float, y: float, size: float) -> list[_Prim]:
    """A QR-code look-alike (the 02/12 form prints one at the top left): finder squares and
    a fixed module pattern, drawn as one path."""
    n = 25
    m = size / n
    cells = set()
    seed = 1500
    for r in range(n):
        for c in range(n):
            seed = (seed * 1103515245 + 12345) & 0x7FFFFFFF
            if (seed >> 16) & 1:
                cells.add((r, c))
    for r0, c0 in ((0, 0), (0, n - 7), (n - 7, 0)):
        for r in range(-1, 8):
            for c in range(-1, 8):
                cells.discard((r0 + r, c0 + c))
        for r in range(7):
            for c in range(7):
                ring = max(abs(r - 3), abs(c - 3))
                if ring != 2:
                    cells.add((r0 + r, c0 + c))
    d = "".join(
        f"M{x + c * m:.2f} {y + r * m:.2f}h{m:.2f}v{m:.2f}h-{m:.2f}z" for r, c in sorted(cells)
    )
    return [_Prim("path", text=d, color=RED, fill=RED)]


def _caption_prims(it: _Item) -> list[_Prim]:
    text = it.text
    size = float(it.style.get("size", 7))
    m = re.match(r"^(\d+[a-d]?\.|[a-d]\.)\s+(.*)$", text)
    out = []
    if m:
        num = m.group(1)
        out.append(_Prim("text", it.x + 3, it.y + 8, text=num, size=size, font="sans-bold"))
        adv = 0.52 * size * len(num) + 2.5
        out.append(_Prim("text", it.x + 3 + adv, it.y + 8, text=m.group(2), size=size))
    elif text:
        out.append(_Prim("text", it.x + 3, it.y + 8, text=text, size=size))
    return out


def _text_prim(it: _Item) -> list[_Prim]:
    st = it.style
    size = float(st.get("size", 7))
    text = it.text
    font = "sans"
    if "bold" in st:
        font = "title" if size >= 14 else "sans-bold"
    elif "italic" in st:
        font = "sans-italic"
    elif "light" in st:
        font = "sans-light"
    if "bold1" in st:
        m = re.match(r"^(\d+[a-d]?\.)\s+(.*)$", text)
        if m:
            adv = 0.52 * size * len(m.group(1)) + 2.5
            return [
                _Prim("text", it.x, it.y, text=m.group(1), size=size, font="sans-bold"),
                _Prim("text", it.x + adv, it.y, text=m.group(2), size=size, font=font),
            ]
    return [
        _Prim("text", it.x, it.y, text=text, size=size, font=font, anchor=st.get("anchor", "start"))
    ]


def _bracket_prims(it: _Item) -> list[_Prim]:
    x, y0, y1 = it.x, it.y, it.y + it.h
    mid = (y0 + y1) / 2
    half = 0.55 * 6.5 * len(it.text) / 2 + 6
    out = [
        _Prim("line", x, y0 + 4, 0, mid - half - y0 - 4, width=0.8),
        _Prim("line", x, mid + half, 0, y1 - 4 - mid - half, width=0.8),
        _Prim("path", text=f"M{x - 3} {y0 + 7}L{x} {y0}L{x + 3} {y0 + 7}z", fill=RED),
        _Prim("path", text=f"M{x - 3} {y1 - 7}L{x} {y1}L{x + 3} {y1 - 7}z", fill=RED),
        _Prim(
            "text",
            x - 2.3,
            mid,
            text=it.text,
            size=6.5,
            font="sans-bold",
            anchor="middle",
            rotate=90,
        ),
    ]
    return out


def _draw(
    boxes: Mapping[str, Any], page: int, n_pages: int, highlight: list[tuple[str, int | None]]
) -> list[_Prim]:
    lay = _layout()
    values, checks = _parts(boxes, page, n_pages)
    shaded, form, data = [], [], []
    for it in lay.items:
        st = it.style
        if it.kind == "shade":
            shaded.append(_Prim("rect", it.x, it.y, it.w, it.h, color="none", fill=SHADE, width=0))
        elif it.kind == "box":
            if "nodraw" not in st:
                form.append(_Prim("rect", it.x, it.y, it.w, it.h, width=0.8))
            form.extend(_caption_prims(it))
        elif it.kind == "line":
            form.append(
                _Prim(
                    "line",
                    it.x,
                    it.y,
                    it.w,
                    it.h,
                    width=float(st.get("width", 0.8)),
                    dash=st.get("dash", "").replace(",", " "),
                )
            )
        elif it.kind == "text":
            form.extend(_text_prim(it))
        elif it.kind == "check":
            form.append(_Prim("rect", it.x, it.y, it.w, it.h, width=0.7, fill="#ffffff"))
            if it.id and it.id.replace("{n}", "") in checks:
                data.append(
                    _Prim(
                        "text",
                        it.x + it.w / 2,
                        it.y + it.h - 1.2,
                        text="X",
                        size=12,
                        font="mono",
                        color=INK,
                        anchor="middle",
                    )
                )
        elif it.kind == "bracket":
            form.extend(_bracket_prims(it))
        elif it.kind == "qr":
            form.extend(_qr_prims(it.x, it.y, it.w))
        elif it.kind == "field":
            text = values.get(it.id, "")
            if not text:
                continue
            size = float(st.get("size", 14))
            anchor = st.get("anchor", "start")
            rows = text.splitlines() if "lines" in st else [text]
            rows = rows[: int(st.get("lines", 1))]
            for k, row in enumerate(rows):
                data.append(
                    _Prim(
                        "text",
                        it.x,
                        it.y + k * float(st.get("lh", 14)),
                        text=row.upper(),
                        size=size,
                        font="mono",
                        color=INK,
                        anchor=anchor,
                        fit=it.w,
                    )
                )
    marks = []
    for box, line in highlight:
        if line is not None and _is_line_box(box) and line_page(line - 1) != page:
            continue  # that line prints on another page
        x, y, w, h = lay.regions[box]
        marks.append(
            _Prim("rect", x - 1, y - 1, w + 2, h + 2, color=HIGHLIGHT, fill=HIGHLIGHT, width=2.2)
        )
        label_w = 0.55 * 7 * len(box) + 6
        marks.append(
            _Prim(
                "rect", x + w - label_w, y - 9, label_w, 9, color=HIGHLIGHT, fill=HIGHLIGHT, width=0
            )
        )
        marks.append(
            _Prim(
                "text",
                x + w - 3,
                y - 2,
                text=box,
                size=7,
                font="sans-bold",
                color="#ffffff",
                anchor="end",
            )
        )
    page_bg = [_Prim("rect", 0, 0, PAGE_W, PAGE_H, color="none", fill="#ffffff", width=0)]
    return page_bg + shaded + form + data + marks


def _is_line_box(box: str) -> bool:
    return _split_line_box(box) is not None or re.fullmatch(r"24\.\d", box) is not None


def _highlights(items: Iterable[Any]) -> list[tuple[str, int | None]]:
    """Highlight items as (box, claim line or None): a box id, a ``(box, line)`` pair, or
    anything with ``.box`` and ``.line`` (a scrubber finding)."""
    if isinstance(items, str):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, str):
            box, line = item, None
        elif isinstance(item, tuple) and len(item) == 2:
            box, line = item
        elif hasattr(item, "box"):
            box, line = item.box, getattr(item, "line", None)
        else:
            raise ValueError(f"highlight: {item!r} is not a box id, (box, line) or finding")
        box = str(box).strip()
        if box not in _layout().regions:
            raise ValueError(f"highlight: unknown CMS-1500 box {box!r} (see sim.cms1500.BOXES)")
        if line is not None and not (isinstance(line, int) and 1 <= line <= MAX_LINES):
            raise ValueError(f"highlight: line {line!r} of box {box} is not a claim line number")
        out.append((box, line))
    return out


def _page_dicts(
    claim: Claim | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> list[Mapping[str, Any]]:
    if isinstance(claim, Claim):
        return pages(claim)
    if isinstance(claim, Mapping):
        return [claim]
    if isinstance(claim, Sequence) and claim and all(isinstance(p, Mapping) for p in claim):
        return list(claim)
    raise ValueError("render: expected a Claim, a dict of boxes or a list of pages (dicts)")


# --- SVG / HTML / PDF --------------------------------------------------------------------------

_SVG_FONTS = {
    "sans": "font-family:'Arial Narrow','Liberation Sans Narrow','Helvetica Neue',Arial,"
    "'Liberation Sans',sans-serif;font-stretch:condensed",
    "sans-bold": "font-family:'Arial Narrow','Liberation Sans Narrow',Arial,'Liberation Sans',"
    "sans-serif;font-stretch:condensed;font-weight:bold",
    "sans-italic": "font-family:'Arial Narrow','Liberation Sans Narrow',Arial,sans-serif;"
    "font-stretch:condensed;font-style:italic",
    "sans-light": "font-family:Arial,'Liberation Sans',sans-serif;font-weight:300",
    "title": "font-family:Arial,'Liberation Sans',Helvetica,sans-serif;font-weight:bold",
    "mono": "font-family:'Courier New','Liberation Mono',Courier,monospace",
}
_SVG_CLASS = {
    "sans": "s",
    "sans-bold": "b",
    "sans-italic": "i",
    "sans-light": "t",
    "title": "h",
    "mono": "m",
}


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def _svg(prims: list[_Prim], title: str) -> str:
    css = "".join(f".{c}{{{_SVG_FONTS[f]}}}" for f, c in _SVG_CLASS.items())
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {PAGE_W} {PAGE_H}" '
        f'width="{PAGE_W}" height="{PAGE_H}" role="img" aria-label="{html.escape(title)}" '
        'style="max-width:100%;height:auto;background:#fff">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{css}.m{{fill:{INK}}}</style>",
    ]
    for p in prims:
        if p.op == "rect":
            fill = p.fill or "none"
            extra = ""
            if p.color == HIGHLIGHT and p.fill == HIGHLIGHT and p.width:
                extra = ' fill-opacity="0.1"'
            stroke = f' stroke="{p.color}" stroke-width="{_n(p.width)}"' if p.width else ""
            out.append(
                f'<rect x="{_n(p.x)}" y="{_n(p.y)}" width="{_n(p.w)}" height="{_n(p.h)}" '
                f'fill="{fill}"{extra}{stroke}/>'
            )
        elif p.op == "line":
            dash = f' stroke-dasharray="{p.dash}"' if p.dash else ""
            out.append(
                f'<line x1="{_n(p.x)}" y1="{_n(p.y)}" x2="{_n(p.x + p.w)}" '
                f'y2="{_n(p.y + p.h)}" stroke="{p.color}" stroke-width="{_n(p.width)}"{dash}/>'
            )
        elif p.op == "path":
            out.append(f'<path d="{p.text}" fill="{p.fill or "none"}"/>')
        elif p.op == "text":
            attrs = [
                f'x="{_n(p.x)}"',
                f'y="{_n(p.y)}"',
                f'font-size="{_n(p.size)}"',
                f'class="{_SVG_CLASS[p.font]}"',
            ]
            if p.font != "mono" or p.color != INK:
                attrs.append(f'fill="{p.color}"')
            if p.anchor != "start":
                attrs.append(f'text-anchor="{p.anchor}"')
            if p.rotate:
                attrs.append(f'transform="rotate({_n(p.rotate)} {_n(p.x)} {_n(p.y)})"')
            if p.fit and p.font == "mono" and _MONO_ADV * p.size * len(p.text) > p.fit:
                attrs.append(f'textLength="{_n(p.fit)}" lengthAdjust="spacingAndGlyphs"')
            out.append(f"<text {' '.join(attrs)}>{html.escape(p.text, quote=False)}</text>")
    out.append("</svg>")
    return "\n".join(out)


def render_svg(
    claim: Claim | Mapping[str, Any] | Sequence[Mapping[str, Any]],
    page: int = 1,
    *,
    highlight: Iterable[Any] = (),
) -> str:
    """One page of the claim's CMS-1500 as an SVG document (850 x 1100 units = 8.5 x 11 in).

    ``claim`` may also be a page of box values, or a list of pages (a learner's form in
    progress, printed as typed). ``highlight`` outlines boxes in blue with their id: box ids
    of the page (``["21.A", "24D.2"]``; ``"24.3"`` is row 3 as a whole), ``(box, line)``
    pairs or scrubber findings (anything with ``.box`` and ``.line``), whose line boxes are
    outlined only on the page that prints that claim line. An unknown id raises
    ``ValueError``.
    """
    dicts = _page_dicts(claim)
    if not 1 <= page <= len(dicts):
        raise ValueError(f"page {page}: this claim prints on {len(dicts)} page(s)")
    hl = _highlights(highlight)
    title = "CMS-1500 claim form"
    if isinstance(claim, Claim):
        title += f" {claim.id}"
    if len(dicts) > 1:
        title += f", page {page} of {len(dicts)}"
    return _svg(_draw(dicts[page - 1], page, len(dicts), hl), title)


def render_html(claim: Claim, *, highlight: Iterable[Any] = ()) -> str:
    """The claim's CMS-1500 pages as HTML for a notebook: a one-line header (patient, payer,
    account number, total, pages) above the SVG form(s); ``highlight`` as in
    :func:`render_svg` (give ``(box, line)`` pairs or findings for a claim of many pages)."""
    dicts = pages(claim)
    n = len(dicts)
    head = (
        f"<b>CMS-1500</b> &middot; {html.escape(claim.patient.last_name)}, "
        f"{html.escape(claim.patient.first_name)} &middot; {html.escape(claim.payer.name)} "
        f"&middot; account {html.escape(claim.id)} &middot; {len(claim.lines)} line(s), total "
        f"${claim.total_charge:,.2f}" + (f" &middot; {n} pages" if n > 1 else "")
    )
    hl = _highlights(highlight)
    body = "".join(
        f'<div style="margin:4px 0 12px 0;border:1px solid #ddd;max-width:850px">'
        f"{render_svg(claim, pg, highlight=hl)}</div>"
        for pg in range(1, n + 1)
    )
    return (
        '<div class="rcmlab-cms1500" style="font-family:sans-serif">'
        f'<div style="margin:2px 0 6px 0;font-size:13px">{head}</div>{body}</div>'
    )


_PDF_FONTS = {
    "sans": ("Helvetica", 82),
    "sans-bold": ("Helvetica-Bold", 82),
    "sans-italic": ("Helvetica-Oblique", 82),
    "sans-light": ("Helvetica", 100),
    "title": ("Helvetica-Bold", 100),
    "mono": ("Courier", 100),
}


def to_pdf(claim: Claim, path: str | Path, *, highlight: Iterable[Any] = ()) -> Path:
    """Write the claim's CMS-1500 as a US-letter PDF, one page per form page (reportlab);
    the same drawing as :func:`render_svg` (``highlight`` likewise). Returns the path."""
    try:
        from reportlab.lib.colors import HexColor
        from reportlab.pdfgen import canvas
    except ImportError:  # pragma: no cover - reportlab is a dependency
        raise RuntimeError("to_pdf needs the reportlab package: pip install reportlab") from None
    out = Path(path)
    k = 0.72  # points per form unit
    top = PAGE_H * k
    c = canvas.Canvas(str(out), pagesize=(PAGE_W * k, top), invariant=1)
    c.setTitle(f"CMS-1500 claim {claim.id}")
    c.setCreator("rcmlab")
    hl = _highlights(highlight)
    dicts = pages(claim)
    for pg, boxes in enumerate(dicts, start=1):
        for p in _draw(boxes, pg, len(dicts), hl):
            _pdf_prim(c, p, k, top, HexColor)
        c.showPage()
    c.save()
    return out


def _pdf_prim(c: Any, p: _Prim, k: float, top: float, hexcolor: Any) -> None:
    def X(v: float) -> float:
        return v * k

    def Y(v: float) -> float:
        return top - v * k

    if p.op == "rect":
        fill = p.fill not in (None, "none")
        stroke = bool(p.width) and p.color != "none"
        c.saveState()
        if fill:
            c.setFillColor(hexcolor(p.fill))
            if p.color == HIGHLIGHT and p.width:
                c.setFillAlpha(0.1)
        if stroke:
            c.setStrokeColor(hexcolor(p.color))
            c.setLineWidth(p.width * k)
        c.rect(X(p.x), Y(p.y + p.h), p.w * k, p.h * k, stroke=int(stroke), fill=int(fill))
        c.restoreState()
    elif p.op == "line":
        c.saveState()
        c.setStrokeColor(hexcolor(p.color))
        c.setLineWidth(p.width * k)
        if p.dash:
            c.setDash([float(v) * k for v in p.dash.split()])
        c.line(X(p.x), Y(p.y), X(p.x + p.w), Y(p.y + p.h))
        c.restoreState()
    elif p.op == "path":
        c.saveState()
        c.setFillColor(hexcolor(p.fill or p.color))
        path = c.beginPath()
        for cmd, args in re.findall(r"([MLhvz])([^MLhvz]*)", p.text):
            nums = [float(v) for v in args.split()]
            if cmd == "M":
                path.moveTo(X(nums[0]), Y(nums[1]))
                cur = [nums[0], nums[1]]
            elif cmd == "L":
                path.lineTo(X(nums[0]), Y(nums[1]))
                cur = [nums[0], nums[1]]
            elif cmd == "h":
                cur[0] += nums[0]
                path.lineTo(X(cur[0]), Y(cur[1]))
            elif cmd == "v":
                cur[1] += nums[0]
                path.lineTo(X(cur[0]), Y(cur[1]))
            elif cmd == "z":
                path.close()
        c.drawPath(path, stroke=0, fill=1)
        c.restoreState()
    elif p.op == "text":
        font, scale = _PDF_FONTS[p.font]
        size = p.size * k
        width = c.stringWidth(p.text, font, size) * scale / 100
        if p.fit and width > p.fit * k:
            scale = scale * p.fit * k / width
            width = p.fit * k
        dx = {"start": 0, "middle": -width / 2, "end": -width}[p.anchor]
        c.saveState()
        c.translate(X(p.x), Y(p.y))
        if p.rotate:
            c.rotate(-p.rotate)
        t = c.beginText(dx, 0)
        t.setFont(font, size)
        t.setHorizScale(scale)
        t.setFillColor(hexcolor(p.color))
        t.textOut(p.text)
        c.drawText(t)
        c.restoreState()
