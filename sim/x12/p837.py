"""837P professional claims (ASC X12 005010X222A1): write a batch of claims, read one back.

:func:`write_837p` writes one interchange (ISA/IEA) holding one functional group (GS/GE,
GS01 ``HC``) and one transaction set (ST/SE) for the whole batch. Claims are grouped the
way the implementation guide (TR3) nests them:

* 2000A billing provider HL (HL03 20) with PRV*BI taxonomy, 2010AA NM1*85 / N3 / N4 /
  REF*EI (the TIN) and PER when the billing provider's phone differs from the submitter's;
* 2000B subscriber HL (22): SBR (SBR01 payer responsibility, SBR02 ``18`` when the patient
  is the subscriber, SBR03 group number, SBR09 claim filing indicator), 2010BA NM1*IL with
  the member id (NM108 ``MI``), 2010BB NM1*PR with the payer id (NM108 ``PI``);
* 2000C patient HL (23) with PAT01 relationship and 2010CA NM1*QC, only when the patient
  is not the subscriber;
* 2300 claim: CLM (CLM05 ``POS:B:frequency``, CLM06-09 indicators, CLM11 accident),
  DTP*431 onset (and DTP*439 for an accident), AMT*F5, REF*F8 / G1 / 9F / EA, HI (ABK then
  ABF, codes without the dot), 2310A referring NM1*DN (or primary care NM1*P3), 2310B
  rendering NM1*82 + PRV*PE, 2310C service facility NM1*77, 2320/2330A/2330B other
  subscriber (SBR, OI, NM1*IL, NM1*PR);
* 2400 service lines: LX, SV1 (``HC:code:modifiers``, charge, UN, units, POS when it differs
  from CLM05-1, pointers ``1:2``, emergency), DTP*472, REF*6R, 2410 LIN/CTP for a drug's
  NDC, and 2420E NM1*DK when box 17 names an ordering provider (the 837P has no
  claim-level ordering provider).

:func:`read_837p` reads any 005010X222A1 file (delimiters from its ISA) into the same
:class:`~sim.claims.Claim` model. What the 837P does not carry comes back empty; the list
is :data:`NOT_CARRIED` and :func:`carried` blanks those fields on a claim, so that
``read_837p(write_837p(claims, ...))`` equals ``[carried(c) for c in claims]`` (in the
writer's grouped order).

Rules followed where the TR3 says "required when … if not required, do not send":
2010BA N3/N4/DMG only when the patient is the subscriber (X12 RFI 2281); SBR02 only when
the patient is the subscriber, PAT01 otherwise; SBR04 group name only without a group
number; SV105 only when the line's place of service differs from CLM05-1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from sim.claims import (
    MAX_DIAGNOSES,
    MAX_LINES,
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
from sim.x12.errors import (
    Segment,
    X12Error,
    check_envelope_arguments,
    check_envelopes,
    segments,
)

__all__ = [
    "NOT_CARRIED",
    "VERSION",
    "X12Error",
    "carried",
    "read_837p",
    "write_837p",
]

VERSION = "005010X222A1"
#: GS08/ST03 values :func:`read_837p` accepts (X222A2 is the 2019 errata of the same layout).
ACCEPTED_VERSIONS = ("005010X222A1", "005010X222A2", "005010X222")

#: Claim fields an 837P does not carry (they come back empty from :func:`read_837p`).
NOT_CARRIED = {
    "Claim.encounter_id": "rcmlab's own link to the encounter",
    "Claim.extra": "rcmlab's own notes",
    "Patient.account": "the practice's account number (CLM01 carries the claim's id)",
    "Patient.phone": "2010CA PER is for property and casualty claims only",
    "PayerInfo.id": "rcmlab's own payer key (NM109 carries the electronic payer id)",
    "RenderingProvider.credential": "NM1 has no credential element",
    "Insured.plan_name": "SBR04 only when there is no group number in SBR03",
    "Insured.sex, birth_date, address": "2010BA DMG/N3/N4 only when the patient is the subscriber",
    "Patient name, sex, birth date, address": (
        "when the patient is the subscriber the 837P carries one person, the subscriber of "
        "the coverage record (2010BA)"
    ),
}

_EMPTY_ADDRESS = Address("", "", "", "")
_MAX = {"org": 60, "last": 60, "first": 35, "street": 55, "city": 30, "id": 80, "ref": 50}
_BAD = str.maketrans({c: " " for c in "*~:^|>\\\r\n\t"})
_REL_SELF = "18"


# --- writing ---------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _clean(value: object, limit: int = 80) -> str:
    """Text safe inside an element: no delimiters, ASCII only, trimmed to ``limit``."""
    s = str(value or "")
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = s.translate(_BAD)
    if not s.isprintable():
        s = "".join(ch for ch in s if ch.isprintable())
    if "  " in s:
        s = " ".join(s.split())
    return s.strip()[:limit]


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


@lru_cache(maxsize=1 << 14)
def _amount(d: Decimal) -> str:
    """X12 R (decimal) format: no trailing zeros, no exponent (``273``, ``12.5``)."""
    q = d.quantize(Decimal("0.01"))
    s = f"{q:f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s or "0"


def _seg(*elements: str) -> str:
    """A segment from its id and elements, trailing empty elements dropped."""
    return "*".join(elements).rstrip("*")


def _n3(a: Address) -> str:
    line2 = _clean(a.line2, _MAX["street"])
    return _seg("N3", _clean(a.line1, _MAX["street"]), line2)


def _n4(a: Address) -> str:
    return _seg("N4", _clean(a.city, _MAX["city"]), _clean(a.state, 2), _digits(a.zip)[:9])


@lru_cache(maxsize=1 << 14)
def _d8(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _person(qual: str, last: str, first: str, id_qual: str = "", ident: str = "") -> str:
    return _seg(
        "NM1",
        qual,
        "1",
        _clean(last, _MAX["last"]),
        _clean(first, _MAX["first"]),
        "",
        "",
        "",
        id_qual if ident else "",
        _clean(ident, _MAX["id"]),
    )


def _org(qual: str, name: str, id_qual: str = "", ident: str = "") -> str:
    return _seg(
        "NM1",
        qual,
        "2",
        _clean(name, _MAX["org"]),
        "",
        "",
        "",
        "",
        id_qual if ident else "",
        _clean(ident, _MAX["id"]),
    )


def _check(claim: Claim) -> None:
    """Refuse claims an 837P cannot express (one line naming the claim and the field)."""
    cid = getattr(claim, "id", None)
    if not isinstance(claim, Claim):
        raise ValueError(f"write_837p takes Claim objects, not {type(claim).__name__}")
    if not cid or len(cid) > 20:
        raise ValueError(f"claim {cid!r}: CLM01 (box 26) must be 1 to 20 characters")
    if not claim.diagnoses:
        raise ValueError(f"claim {cid}: no diagnosis (box 21 / HI is required)")
    if len(claim.diagnoses) > MAX_DIAGNOSES:
        raise ValueError(f"claim {cid}: {len(claim.diagnoses)} diagnoses, the 837P takes 12")
    if not claim.lines:
        raise ValueError(f"claim {cid}: no service line (box 24 / loop 2400 is required)")
    if len(claim.lines) > MAX_LINES:
        raise ValueError(f"claim {cid}: {len(claim.lines)} lines, the 837P takes 50")
    if claim.frequency in ("7", "8") and not claim.original_reference:
        raise ValueError(
            f"claim {cid}: frequency {claim.frequency} needs the payer's original claim number "
            f"(box 22 / REF*F8)"
        )
    for ln in claim.lines:
        bad = [p for p in ln.dx_pointers if not 1 <= p <= len(claim.diagnoses)]
        if not ln.dx_pointers or len(ln.dx_pointers) > 4 or bad:
            raise ValueError(
                f"claim {cid} line {ln.number}: diagnosis pointers {list(ln.dx_pointers)} must be "
                f"1 to 4 of 1..{len(claim.diagnoses)}"
            )
        if len(ln.modifiers) > 4:
            raise ValueError(f"claim {cid} line {ln.number}: more than 4 modifiers")
        if ln.units < 1:
            raise ValueError(f"claim {cid} line {ln.number}: units must be at least 1")
    person = claim.insured if claim.insured.relationship == _REL_SELF else claim.patient
    if not isinstance(person.birth_date, date):
        raise ValueError(f"claim {cid}: the patient's birth date is missing (DMG02 is required)")


def _claim_segments(c: Claim, out: list[str]) -> None:
    """Loop 2300 and everything under it, appended to ``out``."""
    pos = _clean(c.lines[0].pos, 2)
    clm = [
        "CLM",
        _clean(c.id, 20),
        _amount(c.total_charge),
        "",
        "",
        f"{pos}:B:{_clean(c.frequency, 1)}",
        "Y" if c.signature_on_file else "N",
        "A" if c.accept_assignment else "C",
        "Y" if c.benefits_assigned else "N",
        "Y" if c.release_of_information else "I",
    ]
    if c.accident:
        state = _clean(c.accident_state or "", 2)
        clm += ["", ":".join((_clean(c.accident, 3), "", "", state)).rstrip(":")]
    out.append(_seg(*clm))
    if c.onset_date:
        out.append(f"DTP*431*D8*{_d8(c.onset_date)}")
        if c.accident:
            out.append(f"DTP*439*D8*{_d8(c.onset_date)}")
    if c.amount_paid:
        out.append(f"AMT*F5*{_amount(c.amount_paid)}")
    if c.frequency in ("7", "8") and c.original_reference:
        out.append(f"REF*F8*{_clean(c.original_reference, _MAX['ref'])}")
    if c.referral_number:
        out.append(f"REF*9F*{_clean(c.referral_number, _MAX['ref'])}")
    if c.prior_auth:
        out.append(f"REF*G1*{_clean(c.prior_auth, _MAX['ref'])}")
    if c.patient.id:
        out.append(f"REF*EA*{_clean(c.patient.id, _MAX['ref'])}")
    hi = ["HI"]
    for i, code in enumerate(c.diagnoses):
        hi.append(("ABK:" if i == 0 else "ABF:") + _clean(code, 30).replace(".", "").upper())
    out.append("*".join(hi))
    # Box 17: a referring (DN) or primary care (P3) provider is claim-level loop 2310A; an
    # ordering provider (DK) has no claim-level loop in the 837P and goes on every line
    # (loop 2420E).
    ordering = ""
    if c.referring:
        r = c.referring
        qual = _clean(r.qualifier, 2) or "DN"
        if qual == "DK":
            ordering = _person("DK", r.last_name, r.first_name, "XX", r.npi)
        else:
            out.append(_person(qual, r.last_name, r.first_name, "XX", r.npi))
    if c.rendering:
        r = c.rendering
        out.append(_person("82", r.last_name, r.first_name, "XX", r.npi))
        if r.taxonomy:
            out.append(f"PRV*PE*PXC*{_clean(r.taxonomy, 50)}")
    if c.facility:
        f = c.facility
        out.append(_org("77", f.name, "XX", f.npi or ""))
        out.append(_n3(f.address))
        out.append(_n4(f.address))
    if c.other_coverage:
        o = c.other_coverage
        out.append(
            _seg(
                "SBR",
                _clean(o.responsibility, 1),
                _clean(o.relationship, 2),
                "",
                _clean(o.plan_name, 60),
                "",
                "",
                "",
                "",
                _clean(o.filing_indicator, 2),
            )
        )
        out.append(
            _seg(
                "OI",
                "",
                "",
                "Y" if c.benefits_assigned else "N",
                "",
                "",
                "Y" if c.release_of_information else "I",
            )
        )
        out.append(_person("IL", o.insured_last_name, o.insured_first_name, "MI", o.member_id))
        out.append(_org("PR", o.payer_name, "PI", o.payer_id))
    for ln in c.lines:
        out.append(f"LX*{ln.number}")
        proc = "HC:" + _clean(ln.code, 48)
        if ln.modifiers:
            proc += ":" + ":".join([_clean(m, 2) for m in ln.modifiers])
        ptrs = ":".join(map(str, ln.dx_pointers))
        line_pos = "" if ln.pos == c.lines[0].pos else _clean(ln.pos, 2)
        emergency = "**Y" if ln.emergency else ""
        # SV1: 01 procedure, 02 charge, 03 unit basis, 04 units, 05 POS, 07 pointers, 09 emergency
        out.append(f"SV1*{proc}*{_amount(ln.charge)}*UN*{ln.units}*{line_pos}**{ptrs}{emergency}")
        if ln.service_date_to and ln.service_date_to != ln.service_date:
            out.append(f"DTP*472*RD8*{_d8(ln.service_date)}-{_d8(ln.service_date_to)}")
        else:
            out.append(f"DTP*472*D8*{_d8(ln.service_date)}")
        if ln.control_number:
            out.append(f"REF*6R*{_clean(ln.control_number, _MAX['ref'])}")
        if ln.ndc:
            out.append(f"LIN**N4*{_digits(ln.ndc)}")
            unit, qty = _ndc_quantity(ln)
            out.append(f"CTP****{_clean(qty, 15)}*{unit}")
        if ordering:
            out.append(ordering)


def _ndc_quantity(ln: ClaimLine) -> tuple[str, str]:
    """CTP05-1 unit (F2, GR, ME, ML, UN) and CTP04 quantity from ``ndc_units`` (``UN1``)."""
    raw = (ln.ndc_units or "").strip().upper()
    if len(raw) > 2 and raw[:2] in ("F2", "GR", "ME", "ML", "UN"):
        return raw[:2], raw[2:]
    return "UN", str(ln.units)


def write_837p(
    claims: Iterable[Claim],
    *,
    sender_id: str,
    receiver_id: str,
    interchange_control: int,
    created: datetime,
    usage: str = "T",
    receiver_name: str = "RCMLAB CLEARINGHOUSE",
    submitter_name: str | None = None,
    submitter_phone: str | None = None,
) -> str:
    """One 005010X222A1 interchange holding every claim of ``claims``.

    ``sender_id``/``receiver_id`` go in ISA06/ISA08 (qualifier ZZ), GS02/GS03 and the
    1000A/1000B NM109; ``interchange_control`` (1-999999999) is ISA13/IEA02 and
    GS06/GE02; ``created`` dates the ISA, GS and BHT; ``usage`` is ISA15 (``T`` test,
    ``P`` production). The submitter (1000A) defaults to the first claim's billing provider.
    Claims are grouped by billing provider, then subscriber and payer, then patient,
    keeping their order of first appearance. Raises :class:`ValueError` (one line) for a
    claim an 837P cannot express or a bad envelope argument.
    """
    claims = list(claims)
    if not claims:
        raise ValueError("write_837p needs at least one claim")
    check_envelope_arguments(
        sender_id, receiver_id, interchange_control, usage, _clean, "interchange_control"
    )
    for c in claims:
        _check(c)

    first = claims[0].billing
    sub_name = _clean(submitter_name or first.name, _MAX["org"])
    sub_phone = _digits(submitter_phone if submitter_phone is not None else first.phone)
    ctl = str(interchange_control)
    d8, hm = created.strftime("%Y%m%d"), created.strftime("%H%M")

    # billing provider -> (insured, payer) -> patient (None when the patient is the subscriber)
    tree: dict[BillingProvider, dict[tuple, dict[Patient | None, list[Claim]]]] = {}
    for c in claims:
        self_ = c.insured.relationship == _REL_SELF
        tree.setdefault(c.billing, {}).setdefault((c.insured, c.payer), {}).setdefault(
            None if self_ else c.patient, []
        ).append(c)

    body: list[str] = [
        f"ST*837*0001*{VERSION}",
        f"BHT*0019*00*{ctl}*{d8}*{hm}*CH",
        _org("41", sub_name, "46", sender_id),
        _seg("PER", "IC", "BILLING OFFICE", "TE" if sub_phone else "", sub_phone),
        _org("40", receiver_name, "46", receiver_id),
    ]
    hl = 0
    for bp, subscribers in tree.items():
        hl += 1
        bp_hl = hl
        body.append(f"HL*{bp_hl}**20*1")
        if bp.taxonomy:
            body.append(f"PRV*BI*PXC*{_clean(bp.taxonomy, 50)}")
        body.append(_org("85", bp.name, "XX", bp.npi))
        body.append(_n3(bp.address))
        body.append(_n4(bp.address))
        body.append(f"REF*EI*{_digits(bp.tin)}")
        phone = _digits(bp.phone)
        if phone and phone != sub_phone:
            body.append(f"PER*IC*BILLING OFFICE*TE*{phone}")
        for (ins, payer), patients in subscribers.items():
            hl += 1
            sub_hl = hl
            is_self = ins.relationship == _REL_SELF
            body.append(f"HL*{sub_hl}*{bp_hl}*22*{0 if is_self else 1}")
            group = _clean(ins.group_number, 50)
            body.append(
                _seg(
                    "SBR",
                    _clean(payer.responsibility, 1) or "P",
                    _REL_SELF if is_self else "",
                    group,
                    "" if group else _clean(ins.plan_name, 60),
                    "",
                    "",
                    "",
                    "",
                    _clean(payer.filing_indicator, 2),
                )
            )
            body.append(_person("IL", ins.last_name, ins.first_name, "MI", ins.member_id))
            if is_self:
                body.append(_n3(ins.address))
                body.append(_n4(ins.address))
                body.append(f"DMG*D8*{_d8(ins.birth_date)}*{_clean(ins.sex, 1) or 'U'}")
            body.append(_org("PR", payer.name, "PI", payer.payer_id))
            if payer.address.line1:
                body.append(_n3(payer.address))
                body.append(_n4(payer.address))
            for patient, items in patients.items():
                if patient is not None:
                    hl += 1
                    body.append(f"HL*{hl}*{sub_hl}*23*0")
                    body.append(f"PAT*{_clean(ins.relationship, 2)}")
                    body.append(_person("QC", patient.last_name, patient.first_name))
                    body.append(_n3(patient.address))
                    body.append(_n4(patient.address))
                    body.append(f"DMG*D8*{_d8(patient.birth_date)}*{_clean(patient.sex, 1) or 'U'}")
                for c in items:
                    _claim_segments(c, body)
    body.append(f"SE*{len(body) + 1}*0001")
    isa = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender_id:<15}*ZZ*{receiver_id:<15}*"
        f"{created.strftime('%y%m%d')}*{hm}*^*00501*{interchange_control:09d}*0*{usage}*:"
    )
    head = [isa, f"GS*HC*{sender_id}*{receiver_id}*{d8}*{hm}*{ctl}*X*{VERSION}"]
    tail = [f"GE*1*{ctl}", f"IEA*1*{interchange_control:09d}"]
    return "~\n".join(head + body + tail) + "~\n"


# --- reading ---------------------------------------------------------------------------


def _date(seg: Segment, n: int) -> date:
    raw = seg.get(n)
    try:
        if len(raw) != 8 or not raw.isdigit():
            raise ValueError
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise seg.error(f"{seg.id}{n:02d} {raw!r} is not a date (CCYYMMDD)") from None


def _dec(seg: Segment, n: int, raw: str | None = None) -> Decimal:
    raw = seg.get(n) if raw is None else raw
    try:
        d = Decimal(raw)
        if not d.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise seg.error(f"{seg.id}{n:02d} {raw!r} is not a number") from None
    return d.quantize(Decimal("0.01")) if abs(d) < Decimal("1e15") else d


def _phone(digits: str) -> str:
    d = _digits(digits)
    return f"{d[:3]}-{d[3:6]}-{d[6:]}" if len(d) == 10 else d


def _tin(raw: str) -> str:
    d = _digits(raw)
    return f"{d[:2]}-{d[2:]}" if len(d) == 9 else raw


def _icd(code: str, qual: str) -> str:
    """A diagnosis with its dot: ICD-10-CM after 3 characters; ICD-9-CM (BK/BF) after 3,
    or after 4 for E codes."""
    code = code.strip().upper().replace(".", "")
    cut = 4 if qual in ("BK", "BF") and code.startswith("E") else 3
    return code[:cut] + "." + code[cut:] if len(code) > cut else code


class _Party:
    """The fields of one NM1 loop (name, id, address, demographics, contact)."""

    __slots__ = (
        "city",
        "dmg",
        "first",
        "ident",
        "last",
        "line1",
        "line2",
        "phone",
        "qual",
        "refs",
        "state",
        "taxonomy",
        "zip",
    )

    def __init__(self, seg: Segment | None = None) -> None:
        self.qual = seg.get(1) if seg else ""
        self.last = seg.get(3) if seg else ""
        self.first = seg.get(4) if seg else ""
        self.ident = seg.get(9) if seg else ""
        self.line1 = self.line2 = self.city = self.state = self.zip = self.phone = ""
        self.taxonomy = ""
        self.dmg: tuple[date | None, str] = (None, "")
        self.refs: dict[str, str] = {}

    def address(self) -> Address:
        return Address(self.line1, self.city, self.state, self.zip, self.line2)


class _Reader:
    """A walk through one 837P transaction set, loop by loop (TR3 section 2.3.2.1)."""

    def __init__(self, comp: str, env_position: int) -> None:
        self.comp = comp
        self.claims: list[Claim] = []
        self.submitter_phone = ""
        self.billing: BillingProvider | None = None
        self.bp = _Party()
        self.bp_taxonomy = ""
        self.sub: _Party | None = None
        self.sbr: Segment | None = None
        self.payer = _Party()
        self.pat: _Party | None = None
        self.pat_rel = ""
        self.level = ""  # 20, 22, 23 (the current HL)
        self.ctx = "header"  # the loop an N3/N4/DMG/REF/PER/PRV belongs to
        self.party: _Party | None = None
        self.clm: Segment | None = None
        self.claim: dict = {}
        self.line: dict | None = None
        self.env_position = env_position

    # parties -----------------------------------------------------------------------------

    def _billing(self) -> BillingProvider:
        p = self.bp
        ein = p.refs.get("EI")  # REF*SY (a sole provider's SSN) is kept as written
        return BillingProvider(
            p.last,
            p.ident,
            _tin(ein) if ein else p.refs.get("SY", ""),
            self.bp_taxonomy,
            p.address(),
            _phone(p.phone or self.submitter_phone),
        )

    def _insured(self) -> Insured:
        s = self.sub or _Party()
        sbr = self.sbr
        rel = (sbr.get(2) if sbr else "") or self.pat_rel
        dob, sex = s.dmg
        return Insured(
            s.ident,
            s.first,
            s.last,
            sex,
            dob,
            s.address(),
            rel,  # type: ignore[arg-type]
            sbr.get(3) if sbr else "",
            sbr.get(4) if sbr else "",
        )

    def _payer(self) -> PayerInfo:
        p, sbr = self.payer, self.sbr
        return PayerInfo(
            "",
            p.last,
            p.ident,
            sbr.get(9) if sbr else "",
            p.address(),
            (sbr.get(1) if sbr else "") or "P",
        )

    def _patient(self, pid: str) -> Patient:
        p = self.pat if self.pat is not None else (self.sub or _Party())
        dob, sex = p.dmg
        return Patient(pid, "", p.first, p.last, sex, dob, p.address(), "")  # type: ignore[arg-type]

    # claims ------------------------------------------------------------------------------

    def finish_line(self) -> None:
        if self.line is not None:
            ln = self.line
            if "sv1" not in ln:
                raise ln["lx"].error("service line without an SV1 segment")
            self.claim["lines"].append(ln)
            self.line = None

    def finish_claim(self) -> None:
        self.finish_line()
        if self.clm is None:
            return
        clm, k = self.clm, self.claim
        pos_composite = clm.get(5).split(self.comp)
        claim_pos = pos_composite[0] if pos_composite else ""
        freq = pos_composite[2] if len(pos_composite) > 2 else "1"
        lines = []
        for ln in k["lines"]:
            sv1: Segment = ln["sv1"]
            proc = sv1.get(1).split(self.comp)
            code = proc[1] if len(proc) > 1 else ""
            units_raw = sv1.get(4) or "1"
            units = _dec(sv1, 4, units_raw)
            ptr_raw = [p for p in sv1.get(7).split(self.comp) if p]
            try:
                pointers = tuple(int(p) for p in ptr_raw)
            except ValueError:
                raise sv1.error(f"SV107 {sv1.get(7)!r} is not a list of pointers") from None
            d_from, d_to = ln.get("dates", (None, None))
            if d_from is None:
                raise ln["lx"].error("service line without a service date (DTP*472)")
            lines.append(
                ClaimLine(
                    number=ln["number"],
                    service_date=d_from,
                    pos=sv1.get(5) or claim_pos,
                    code=code,
                    system="hcpcs" if code[:1].isalpha() else "cpt",
                    modifiers=tuple(m for m in proc[2:6] if m),
                    dx_pointers=pointers,
                    units=max(1, int(units.to_integral_value())),
                    charge=_dec(sv1, 2),
                    ndc=ln.get("ndc"),
                    ndc_units=ln.get("ndc_units"),
                    service_date_to=d_to,
                    control_number=ln.get("control", ""),
                    emergency=sv1.get(9) == "Y",
                )
            )
        related = clm.get(11).split(self.comp)
        accident = related[0] if related and related[0] in ("AA", "EM", "OA") else None
        state = related[3] if accident and len(related) > 3 and related[3] else None
        rend, refer, fac, other = k.get("rendering"), k.get("referring"), k.get("facility"), None
        if refer is None:  # box 17 qualifier DK: the ordering provider of the lines (2420E)
            refer = next((ln["ordering"] for ln in k["lines"] if "ordering" in ln), None)
        if "other_sbr" in k:
            osbr: Segment = k["other_sbr"]
            oi, op = k.get("other_il") or _Party(), k.get("other_pr") or _Party()
            other = OtherCoverage(
                oi.first,
                oi.last,
                oi.ident,
                osbr.get(4),
                op.last,
                op.ident,
                osbr.get(1),
                osbr.get(2) or _REL_SELF,
                osbr.get(9),
            )
        refs = k["refs"]
        dates = k["dates"]
        self.claims.append(
            Claim(
                id=clm.get(1),
                patient=self._patient(refs.get("EA", "")),
                insured=self._insured(),
                payer=self._payer(),
                billing=self.billing or self._billing(),
                diagnoses=tuple(k["dx"]),
                lines=tuple(lines),
                rendering=RenderingProvider(rend.first, rend.last, rend.ident, rend.taxonomy)
                if rend
                else None,
                referring=ReferringProvider(refer.first, refer.last, refer.ident, refer.qual)
                if refer
                else None,
                facility=ServiceFacility(fac.last, fac.address(), fac.ident or None)
                if fac
                else None,
                frequency=freq or "1",
                original_reference=refs.get("F8"),
                prior_auth=refs.get("G1"),
                referral_number=refs.get("9F"),
                onset_date=dates.get("431") or dates.get("484") or dates.get("439"),
                accident=accident,
                accident_state=state,
                other_coverage=other,
                accept_assignment=clm.get(7) != "C",
                benefits_assigned=clm.get(8) != "N",
                release_of_information=clm.get(9) != "I",
                signature_on_file=clm.get(6) != "N",
                amount_paid=k.get("paid", Decimal("0.00")),
                encounter_id=None,
                extra={"x12_position": clm.position, "x12_transaction": self.env_position},
            )
        )
        self.clm = None

    # the walk ----------------------------------------------------------------------------

    def segment(self, seg: Segment) -> None:
        sid, g = seg.id, seg.get
        if sid == "HL":
            self.finish_claim()
            level = g(3)
            if level == "20":
                self.bp, self.bp_taxonomy, self.billing = _Party(), "", None
                self.sub = self.sbr = self.pat = None
                self.ctx, self.party = "2000A", None
            elif level == "22":
                if not self.level:
                    raise seg.error("subscriber HL (22) before any billing provider HL (20)")
                self.billing = self._billing()
                self.sub, self.sbr, self.payer, self.pat, self.pat_rel = (
                    None,
                    None,
                    _Party(),
                    None,
                    "",
                )
                self.ctx, self.party = "2000B", None
            elif level == "23":
                if self.level not in ("22", "23"):
                    raise seg.error("patient HL (23) before any subscriber HL (22)")
                self.pat, self.pat_rel = _Party(), ""
                self.ctx, self.party = "2000C", None
            else:
                raise seg.error(f"HL03 {level!r} is not an 837P level (20, 22 or 23)")
            self.level = level
            return
        if sid == "CLM":
            self.finish_claim()
            if self.level not in ("22", "23"):
                raise seg.error("claim (CLM) outside a subscriber or patient loop")
            if not g(1):
                raise seg.error("CLM01 (patient control number) is empty")
            _dec(seg, 2)
            self.clm = seg
            self.claim = {"refs": {}, "dates": {}, "dx": [], "lines": []}
            self.ctx, self.party = "2300", None
            return
        if sid == "LX":
            if self.clm is None:
                raise seg.error("service line (LX) outside a claim")
            self.finish_line()
            if not g(1).isdigit():
                raise seg.error(f"LX01 {g(1)!r} is not a line number")
            self.line = {"lx": seg, "number": int(g(1))}
            self.ctx, self.party = "2400", None
            return
        if sid == "NM1":
            self._nm1(seg)
            return
        in_claim = self.clm is not None
        ctx, party = self.ctx, self.party
        if sid == "SBR":
            if in_claim:
                if "other_sbr" not in self.claim:
                    self.claim["other_sbr"] = seg
                self.ctx, self.party = "2320", None
            else:
                self.sbr = seg
        elif sid == "PAT":
            self.pat_rel = g(1)
        elif sid == "PRV":
            if ctx == "2000A":
                self.bp_taxonomy = g(3)
            elif ctx == "2310B" and party is not None:
                party.taxonomy = g(3)
        elif sid == "N3":
            if party is not None:
                party.line1, party.line2 = g(1), g(2)
        elif sid == "N4":
            if party is not None:
                party.city, party.state, party.zip = g(1), g(2), g(3)
        elif sid == "DMG":
            if party is not None and g(1) == "D8":
                party.dmg = (_date(seg, 2), g(3))
        elif sid == "PER":
            phone = next((seg.get(i + 1) for i in (3, 5, 7) if g(i) == "TE"), "")
            if ctx == "1000A":
                self.submitter_phone = phone
            elif party is not None:
                party.phone = phone
        elif sid == "REF":
            if ctx == "2300":
                self.claim["refs"].setdefault(g(1), g(2))
            elif ctx == "2400" and self.line is not None:
                if g(1) == "6R":
                    self.line["control"] = g(2)
            elif party is not None:
                party.refs.setdefault(g(1), g(2))
        elif sid == "DTP":
            self._dtp(seg)
        elif sid == "HI" and ctx == "2300":
            for comp in seg.elements[1:]:
                parts = comp.split(self.comp)
                if len(parts) > 1 and parts[0] in ("ABK", "ABF", "BK", "BF") and parts[1]:
                    self.claim["dx"].append(_icd(parts[1], parts[0]))
        elif sid == "AMT" and ctx == "2300" and g(1) == "F5":
            self.claim["paid"] = _dec(seg, 2)
        elif sid == "SV1":
            if self.line is None:
                raise seg.error("SV1 outside a service line (no LX before it)")
            if len(g(1).split(self.comp)) < 2:
                raise seg.error(f"SV101 {g(1)!r} has no procedure code")
            _dec(seg, 2)
            self.line["sv1"] = seg
        elif sid == "LIN" and self.line is not None:
            if g(2) == "N4":
                self.line["ndc"] = g(3)
            self.ctx = "2410"
        elif sid == "CTP" and self.line is not None and self.ctx == "2410":
            unit = g(5).split(self.comp)[0]
            qty = _dec(seg, 4).normalize()
            self.line["ndc_units"] = f"{unit}{qty:f}"
        elif sid in ("SVD", "CAS") and self.line is not None:
            self.ctx, self.party = "2430", None

    def _dtp(self, seg: Segment) -> None:
        qual, fmt = seg.get(1), seg.get(2)
        if fmt == "D8":
            span = (_date(seg, 3), None)
        elif fmt == "RD8":
            a, _, b = seg.get(3).partition("-")
            tmp = Segment(seg.position, [seg.id, qual, fmt, a, b])
            d_from, d_to = _date(tmp, 3), _date(tmp, 4)
            span = (d_from, d_to if d_to != d_from else None)
        else:
            return
        if self.ctx == "2300" and self.clm is not None:
            self.claim["dates"].setdefault(qual, span[0])
        elif self.ctx == "2400" and self.line is not None and qual == "472":
            self.line["dates"] = span

    def _nm1(self, seg: Segment) -> None:
        qual = seg.get(1)
        party = _Party(seg)
        ctx = None
        if self.clm is None:
            ctx = {
                "41": "1000A",
                "40": "1000B",
                "85": "2010AA",
                "87": "2010AB",
                "PE": "2010AC",
                "IL": "2010BA",
                "PR": "2010BB",
                "QC": "2010CA",
            }.get(qual)
            if ctx == "2010AA":
                self.bp = party
            elif ctx == "2010BA":
                self.sub = party
            elif ctx == "2010BB":
                self.payer = party
            elif ctx == "2010CA":
                self.pat = party
        elif self.line is not None:
            ctx = "2420"  # line-level providers: only the ordering provider (2420E) is kept
            if qual == "DK":
                self.line.setdefault("ordering", party)
        elif self.ctx in ("2320", "2330"):
            ctx = "2330"
            if qual == "IL" and "other_il" not in self.claim:
                self.claim["other_il"] = party
            elif qual == "PR" and "other_pr" not in self.claim:
                self.claim["other_pr"] = party
        else:
            ctx = {"DN": "2310A", "DK": "2310A", "P3": "2310A", "82": "2310B", "77": "2310C"}.get(
                qual, "2310"
            )
            key = {"2310A": "referring", "2310B": "rendering", "2310C": "facility"}.get(ctx)
            if key and key not in self.claim:
                self.claim[key] = party
        self.ctx, self.party = ctx or "other", party


def read_837p(text: str) -> list[Claim]:
    """Every claim (CLM) of an 837P interchange, in file order, as :class:`Claim`.

    Delimiters come from the ISA segment; line breaks after segment terminators are
    allowed. Raises :class:`X12Error` (one line, ``segment N (ID): ...``) for input that is
    not X12, broken envelopes (control numbers, SE/GE/IEA counts, missing trailers), a
    transaction set that is not an 005010X222 837, and values that cannot be read (dates,
    amounts). Fields the 837P does not carry are empty (see :data:`NOT_CARRIED`);
    ``extra`` holds the CLM segment's position.
    """
    delims, segs = segments(text)
    claims: list[Claim] = []
    for env in check_envelopes(segs):
        if env.set_id != "837":
            raise env.st.error(f"transaction set {env.set_id!r} is not an 837 claim")
        version = env.version
        if version not in ACCEPTED_VERSIONS:
            kind = "an institutional 837I" if "X223" in version else f"version {version!r}"
            raise env.st.error(f"{kind} is not an 837P {VERSION} transaction")
        r = _Reader(delims.component, env.st.position)
        for seg in env.body:
            r.segment(seg)
        r.finish_claim()
        claims.extend(r.claims)
    return claims


def carried(claim: Claim) -> Claim:
    """``claim`` as an 837P carries it: the fields of :data:`NOT_CARRIED` emptied (what
    :func:`read_837p` returns for a claim :func:`write_837p` wrote)."""
    ins = claim.insured
    is_self = ins.relationship == _REL_SELF
    patient = replace(claim.patient, account="", phone="")
    if is_self:
        patient = replace(
            patient,
            first_name=_clean(ins.first_name, _MAX["first"]),
            last_name=_clean(ins.last_name, _MAX["last"]),
            sex=ins.sex,
            birth_date=ins.birth_date,
            address=_carried_address(ins.address),
        )
    else:
        patient = replace(
            patient,
            first_name=_clean(patient.first_name, _MAX["first"]),
            last_name=_clean(patient.last_name, _MAX["last"]),
            address=_carried_address(patient.address),
        )
        ins = replace(ins, sex="", birth_date=None, address=_EMPTY_ADDRESS)  # type: ignore[arg-type]
    ins = replace(
        ins,
        first_name=_clean(ins.first_name, _MAX["first"]),
        last_name=_clean(ins.last_name, _MAX["last"]),
        address=_carried_address(ins.address),
        plan_name="" if ins.group_number else _clean(ins.plan_name, 60),
    )
    payer = replace(
        claim.payer,
        id="",
        name=_clean(claim.payer.name, _MAX["org"]),
        address=_carried_address(claim.payer.address),
    )
    other = claim.other_coverage
    if other:
        other = replace(
            other,
            insured_first_name=_clean(other.insured_first_name, _MAX["first"]),
            insured_last_name=_clean(other.insured_last_name, _MAX["last"]),
            plan_name=_clean(other.plan_name, 60),
            payer_name=_clean(other.payer_name, _MAX["org"]),
        )
    rendering = claim.rendering
    if rendering:
        rendering = replace(
            rendering,
            first_name=_clean(rendering.first_name, _MAX["first"]),
            last_name=_clean(rendering.last_name, _MAX["last"]),
            credential="",
        )
    referring = claim.referring
    if referring:
        referring = replace(
            referring,
            first_name=_clean(referring.first_name, _MAX["first"]),
            last_name=_clean(referring.last_name, _MAX["last"]),
            qualifier=referring.qualifier or "DN",
        )
    b = claim.billing
    billing = replace(
        b,
        name=_clean(b.name, _MAX["org"]),
        npi=_clean(b.npi),
        tin=_tin(_digits(b.tin)),
        taxonomy=_clean(b.taxonomy, 50),
        address=_carried_address(b.address),
        phone=_phone(b.phone),
    )
    facility = claim.facility
    if facility:
        facility = replace(
            facility,
            name=_clean(facility.name, _MAX["org"]),
            address=_carried_address(facility.address),
        )
    lines = tuple(
        replace(
            ln,
            ndc=_digits(ln.ndc) if ln.ndc else None,
            ndc_units=("{}{}".format(*_ndc_quantity(ln)) if ln.ndc else None),
            service_date_to=ln.service_date_to
            if ln.service_date_to and ln.service_date_to != ln.service_date
            else None,
        )
        for ln in claim.lines
    )
    return replace(
        claim,
        patient=patient,
        insured=ins,
        payer=payer,
        billing=billing,
        rendering=rendering,
        referring=referring,
        facility=facility,
        other_coverage=other,
        lines=lines,
        original_reference=claim.original_reference if claim.frequency in ("7", "8") else None,
        encounter_id=None,
        extra={},
    )


def _carried_address(a: Address) -> Address:
    return Address(
        _clean(a.line1, _MAX["street"]),
        _clean(a.city, _MAX["city"]),
        _clean(a.state, 2),
        _digits(a.zip)[:9],
        _clean(a.line2, _MAX["street"]),
    )
