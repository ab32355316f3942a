"""835 health care claim payment/advice (ASC X12 005010X221A1): write remittances, read ERAs.

:func:`write_835` writes one interchange (ISA/IEA) with one functional group (GS01 ``HP``)
and one transaction set (ST/SE) per :class:`~sim.remittance.Remittance` — the TR3 allows
one payment (one BPR/TRN) per transaction set. In each transaction set, in the order of
the TR3 (and of pyx12's map):

* header: BPR (BPR01 ``I`` remittance with payment, ``H`` notification only when the total
  is zero; BPR02 total; BPR03 ``C`` credit; BPR04 ``ACH``/``CHK``/``NON``; for ACH the CCP
  format and the sending and receiving DFI fields BPR06-09 and BPR12-15 and the originator
  BPR10; BPR16 the check or EFT date), TRN*1 (trace number, ``1`` + payer TIN),
  REF*EV (the receiver), DTM*405 (production date);
* 1000A payer: N1*PR, N3, N4 (required), REF*2U (payer id), PER*BL (technical contact,
  required);
* 1000B payee: N1*PE*XX (NPI), N3/N4, REF*TJ (TIN);
* 2000 LX*1, then per claim 2100: CLP, CAS (claim level), NM1*QC (+MI member id), NM1*IL
  (insured, when not the patient), NM1*82 (rendering NPI), NM1*TT (crossover payer), MOA
  (claim remark codes), DTM*232/233 (statement period), DTM*050 (received), AMT*AU
  (coverage amount), AMT*I (interest); per line 2110: SVC (``HC:code:mods``, charge,
  paid, units, SVC06 submitted code), DTM*472, CAS, REF*6R, AMT*B6 (allowed), LQ*HE;
* PLB provider adjustments (up to 6 reason/amount pairs per PLB segment, one segment per
  fiscal period date).

A CAS segment holds one group code and up to 6 reason/amount/quantity triplets: the
adjustments of a claim or line are written grouped by group code, in the order each group
first appears, in as many CAS segments as needed.

:func:`read_835` reads any 005010X221A1 ERA (ours and external ones; delimiters from its
ISA, line breaks allowed) into the same model. What an 835 does not carry, or carries
differently, is listed in :data:`NOT_CARRIED`; :func:`carried` applies it to a remittance,
so that ``read_835(write_835(rs, ...)) == [carried(r) for r in rs]``.

Anything malformed raises :class:`~sim.x12.errors.X12Error`, one line naming the segment
position and id. A remittance that does not balance is refused by the writer; an external
ERA that does not balance is read as it is (``balance_problems()`` tells).
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sim.models import Address
from sim.remittance import (
    ZERO,
    Adjustment,
    Party,
    ProviderAdjustment,
    RemitClaim,
    RemitLine,
    RemitPerson,
    Remittance,
)
from sim.x12.errors import (
    Segment,
    X12Error,
    check_envelope_arguments,
    check_envelopes,
    segments,
)

__all__ = [
    "CLP06_CODES",
    "CLP06_FROM_837",
    "NOT_CARRIED",
    "VERSION",
    "X12Error",
    "carried",
    "clp06",
    "read_835",
    "transaction_kind",
    "write_835",
]

VERSION = "005010X221A1"
#: GS08/ST03 values :func:`read_835` accepts.
ACCEPTED_VERSIONS = ("005010X221A1", "005010X221")

#: CLP06 claim filing indicator codes of the 835 (005010X221A1), in our words.
CLP06_CODES = {
    "12": "preferred provider organization (PPO)",
    "13": "point of service (POS)",
    "14": "exclusive provider organization (EPO)",
    "15": "indemnity insurance",
    "16": "HMO Medicare risk (Medicare Advantage)",
    "17": "dental maintenance organization",
    "AM": "automobile medical",
    "CH": "TRICARE (CHAMPUS)",
    "DS": "disability",
    "HM": "health maintenance organization (HMO)",
    "LM": "liability medical",
    "MA": "Medicare Part A",
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "OF": "other federal program",
    "TV": "Title V",
    "VA": "Veterans Affairs plan",
    "WC": "workers' compensation",
    "ZZ": "mutually defined (type of insurance not known)",
}

#: 837 SBR09 codes that the 835 CLP06 list does not have, and the 835 code written for
#: them. ``CI`` (commercial) and ``BL`` (Blue Cross/Blue Shield) name a kind of payer, not
#: a type of plan: without the plan type the 835 says ``ZZ`` (type not known); a payer that
#: knows the plan type should give it (12 PPO, 13 POS, 14 EPO, 15 indemnity, HM HMO).
CLP06_FROM_837 = {"CI": "ZZ", "BL": "ZZ", "11": "ZZ", "FI": "OF"}

#: Remittance fields an 835 does not carry as the model holds them (see :func:`carried`).
NOT_CARRIED = {
    "Remittance.extra": "rcmlab's own notes (the reader puts envelope and BPR details there)",
    "Remittance.method": "written NON (BPR04) when the total paid is zero",
    "Adjustment.rarcs": "the 835 ties remark codes to a line (LQ*HE) or a claim (MOA), not "
    "to one CAS triplet: the writer adds them to the line's (or claim's) remarks",
    "Adjustment order": "CAS groups triplets by group code: adjustments come back grouped, "
    "in the order each group first appears",
    "RemitClaim.filing_indicator": "837-only codes are written as their 835 code (CLP06_FROM_837)",
    "ProviderAdjustment.fiscal_period": "PLB02 is required: the payment date when missing",
    "Party.address": "payee N3/N4 optional; text is cleaned (ASCII, no delimiters, trimmed)",
    "Names and identifiers": "cleaned and trimmed to the X12 maximum lengths",
}

_MAX = {"org": 60, "last": 60, "first": 35, "street": 55, "city": 30, "id": 80, "ref": 50}
_BAD = str.maketrans({c: " " for c in "*~:^|>\\\r\n\t"})
_AMOUNT_RE = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)")
_CAS_GROUPS = ("CO", "OA", "PI", "PR")  # 005010 CAS01 (CR was retired after 004010)
_CLP02 = ("1", "2", "3", "4", "19", "20", "21", "22", "23", "25")
_METHODS = ("ACH", "CHK", "NON", "BOP", "FWT")
_CENT = Decimal("0.01")


# --- writing: small helpers -------------------------------------------------------------


_SAFE = re.compile(r"[A-Za-z0-9.\-/#&',()]+(?: [A-Za-z0-9.\-/#&',()]+)*")


def _clean(value: object, limit: int = 80) -> str:
    """Text safe inside an element: no delimiters, ASCII only, trimmed to ``limit``."""
    if value.__class__ is str and len(value) <= limit and _SAFE.fullmatch(value):  # type: ignore[arg-type]
        return value  # type: ignore[return-value]
    return _clean_slow(value, limit)


@lru_cache(maxsize=1 << 14)
def _clean_slow(value: object, limit: int) -> str:
    s = str(value or "")
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = s.translate(_BAD)
    if not s.isprintable():
        s = "".join(ch for ch in s if ch.isprintable())
    if "  " in s:
        s = " ".join(s.split())
    return s.strip()[:limit].strip()


def _digits(s: str | None) -> str:
    return "".join(ch for ch in (s or "") if "0" <= ch <= "9")


@lru_cache(maxsize=1 << 16)
def _amount(d: Decimal) -> str:
    """X12 R (decimal) format: cents, no trailing zeros, no exponent, no ``-0``."""
    q = d.quantize(_CENT)
    if not q:
        return "0"
    s = f"{q:f}"
    if s.endswith("0"):
        s = s.rstrip("0").rstrip(".")
    return s


@lru_cache(maxsize=1 << 12)
def _d8(d: date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _seg(*elements: str) -> str:
    """A segment from its id and elements, trailing empty elements dropped."""
    return "*".join(elements).rstrip("*")


@lru_cache(maxsize=1 << 12)
def _number(seed: str, n: int) -> str:
    """``n`` synthetic digits derived from ``seed`` (stable across runs and machines)."""
    out, i = "", 0
    while len(out) < n:
        out += f"{zlib.crc32(f'{i}:{seed}'.encode()):010d}"
        i += 1
    return out[:n]


@lru_cache(maxsize=1 << 12)
def _routing(seed: str) -> str:
    """A synthetic 9-digit ABA routing number with a valid check digit."""
    d = [int(c) for c in _number("aba:" + seed, 8)]
    d[0] = d[0] % 3  # first two digits 00-12 are the Federal Reserve routing symbols
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return "".join(map(str, d)) + str((10 - s % 10) % 10)


def _tin_of(party: Party) -> str:
    """Nine digits: the party's TIN, or synthetic digits derived from its identifier."""
    tin = _digits(party.tin)
    return tin[:9] if len(tin) >= 9 else _number("tin:" + party.identifier + party.name, 9)


def clp06(code: str) -> str:
    """The 835 CLP06 code for a claim filing indicator (837 codes mapped, see
    :data:`CLP06_FROM_837`). Raises ValueError for a code neither list knows."""
    c = (code or "").strip().upper()
    c = CLP06_FROM_837.get(c, c)
    if c not in CLP06_CODES:
        raise ValueError(f"claim filing indicator {code!r} is not an 835 CLP06 code")
    return c


# --- writing: checks --------------------------------------------------------------------


_CAS_OK: set[tuple[str, str]] = set()  # (group, CARC) pairs already checked


def _check_adjustment(where: str, a: Adjustment) -> None:
    """Refuse a CAS group or CARC the 835 cannot carry (the result is remembered)."""
    if a.group not in _CAS_GROUPS:
        raise ValueError(
            f"{where}: adjustment group {a.group!r} is not a 005010 CAS01 code "
            f"(CO, OA, PI, PR; CR was retired: a reversal is CLP02 22 with negated amounts)"
        )
    carc = a.carc
    if not isinstance(carc, str) or not carc or len(carc) > 5 or _clean(carc, 5) != carc:
        raise ValueError(f"{where}: {a.group}-{carc}: CARC must be 1 to 5 characters")
    _CAS_OK.add((a.group, carc))


def _check(r: Remittance) -> None:
    """Refuse a remittance an 835 cannot express (payment level; claims are checked as
    they are written). One line naming what and where."""
    if not isinstance(r, Remittance):
        raise ValueError(f"write_835 takes Remittance objects, not {type(r).__name__}")
    where = f"payment {r.trace_number!r}"
    if not _clean(r.trace_number, 50) or _clean(r.trace_number, 50) != r.trace_number:
        raise ValueError(f"{where}: TRN02 trace number must be 1 to 50 characters, no delimiters")
    if r.total_paid < 0:
        raise ValueError(
            f"{where}: BPR02 {r.total_paid} is negative; carry a negative balance forward with "
            f"a PLB FB adjustment instead"
        )
    if r.total_paid > 0 and r.method not in ("ACH", "CHK", "BOP", "FWT"):
        raise ValueError(f"{where}: payment method {r.method!r} must be ACH, CHK, BOP or FWT")
    if r.payer.address is None or not r.payer.address.line1:
        raise ValueError(f"{where}: the payer's address is required (N3/N4 of loop 1000A)")
    if not _clean(r.payer.name) or not _clean(r.payee.name) or not _clean(r.payee.identifier):
        raise ValueError(f"{where}: payer name, payee name and payee NPI are required")


def _unbalanced(where: str, c: RemitClaim) -> ValueError:
    problems = c.balance_problems() or ["amounts do not add up"]
    return ValueError(f"{where} does not balance: {problems[0]}")


# --- writing: segments ------------------------------------------------------------------


def _cas(adjs: tuple[Adjustment, ...], out: list[str], where: str) -> tuple[Decimal, Decimal]:
    """CAS segments (grouped by group code in first-appearance order, 6 triplets each),
    appended to ``out``. Checks each adjustment; returns (sum of amounts, sum of PR)."""
    ok = _CAS_OK
    total = pr = ZERO
    for a in adjs:
        if (a.group, a.carc) not in ok:
            _check_adjustment(where, a)
        total += a.amount
        if a.group == "PR":
            pr += a.amount
    if len(adjs) == 1 or len({a.group for a in adjs}) == len(adjs):
        # the common case, fast: one adjustment per group, a CAS segment each, in order
        for a in adjs:
            if a.quantity is None:
                out.append(f"CAS*{a.group}*{a.carc}*{_amount(a.amount)}")
            else:
                out.append(f"CAS*{a.group}*{a.carc}*{_amount(a.amount)}*{int(a.quantity)}")
        return total, pr
    by_group: dict[str, list[Adjustment]] = {}
    for a in adjs:
        by_group.setdefault(a.group, []).append(a)
    for group, items in by_group.items():
        for i in range(0, len(items), 6):
            parts = ["CAS", group]
            for a in items[i : i + 6]:
                q = "" if a.quantity is None else str(int(a.quantity))
                parts += [a.carc, _amount(a.amount), q]
            out.append(_seg(*parts))
    return total, pr


def _remarks(own: tuple[str, ...], adjs: tuple[Adjustment, ...]) -> list[str]:
    """Remark codes: the object's own, then those tied to its adjustments (no repeats)."""
    for a in adjs:
        if a.rarcs:
            break
    else:
        return list(dict.fromkeys(own)) if len(own) > 1 else list(own)
    return list(dict.fromkeys([*own, *(x for a in adjs for x in a.rarcs)]))


def _person(qual: str, p: RemitPerson) -> str:
    ident = _clean(p.member_id, 80)
    last, first = _clean(p.last_name, 60), _clean(p.first_name, 35)
    if ident:
        return f"NM1*{qual}*1*{last}*{first}****MI*{ident}"
    return f"NM1*{qual}*1*{last}*{first}".rstrip("*")


def _crossover_id(name: str) -> str:
    return "".join(ch for ch in name.upper() if ch.isalnum())[:10] or "CROSSOVER"


@lru_cache(maxsize=256)
def _clp_tail(filing: str, facility: str, frequency: str) -> tuple[str, str]:
    """(CLP06, CLP08*CLP09) for a claim; raises ValueError for an unknown CLP06."""
    return clp06(filing), _seg("", _clean(facility, 2), _clean(frequency, 1))


def _svc01(code: str, modifiers: tuple[str, ...]) -> str:
    proc = "HC:" + _clean(code, 48)
    if modifiers:
        proc += ":" + ":".join([_clean(m, 2) for m in modifiers])
    return proc


_svc01_cached = lru_cache(maxsize=1 << 14)(_svc01)


def _claim(c: RemitClaim, out: list[str], pay_where: str) -> None:
    """Loop 2100 and its 2110 lines, appended to ``out``; checks the claim as it goes."""
    where = f"{pay_where} claim {c.patient_control_number!r}"
    amount, clean, add = _amount, _clean, out.append
    pcn = clean(c.patient_control_number, 38)
    if not pcn or len(c.patient_control_number) > 38:
        raise ValueError(f"{where}: CLP01 patient control number must be 1 to 38 characters")
    if c.status not in _CLP02:
        raise ValueError(f"{where}: CLP02 status {c.status!r} is not an 835 claim status")
    icn = clean(c.payer_claim_number, 50)
    if not icn:
        raise ValueError(f"{where}: CLP07 payer claim control number is empty")
    try:
        filing, tail = _clp_tail(c.filing_indicator, c.facility_code, c.frequency)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    add(
        f"CLP*{pcn}*{c.status}*{amount(c.charge)}*{amount(c.paid)}*"
        f"{amount(c.patient_responsibility)}*{filing}*{icn}{tail}"
    )
    adjusted = pr = ZERO
    if c.adjustments:
        adjusted, pr = _cas(c.adjustments, out, where)
    add(_person("QC", c.patient))
    if c.insured is not None:
        if not clean(c.insured.member_id):
            raise ValueError(f"{where}: the insured (NM1*IL) needs a member id (NM109)")
        add(_person("IL", c.insured))
    if c.rendering_npi:
        add(f"NM1*82*1******XX*{clean(c.rendering_npi, 80)}")
    if c.crossover_payer:
        name = clean(c.crossover_payer, _MAX["org"])
        add(f"NM1*TT*2*{name}*****PI*{_crossover_id(name)}")
    if c.remarks or c.adjustments:
        remarks = _remarks(c.remarks, c.adjustments)
        if len(remarks) > 5:
            raise ValueError(f"{where}: {len(remarks)} claim remark codes, MOA takes 5")
        if remarks:
            add(_seg("MOA", "", "", *[clean(x, 30) for x in remarks]))
    if c.service_start:
        add(f"DTM*232*{_d8(c.service_start)}")
    if c.service_end:
        add(f"DTM*233*{_d8(c.service_end)}")
    if c.received:
        add(f"DTM*050*{_d8(c.received)}")
    if c.coverage_amount is not None:
        add(f"AMT*AU*{amount(c.coverage_amount)}")
    if c.interest is not None:
        add(f"AMT*I*{amount(c.interest)}")
    for ln in c.lines:
        if ln.units < 0 or len(ln.modifiers) > 4 or not ln.code:
            lw = f"{where} line {ln.control_number or ln.code!r}"
            raise ValueError(f"{lw}: needs a procedure code, 0 to 4 modifiers, units >= 0")
        proc = _svc01_cached(ln.code, ln.modifiers)
        svc = f"SVC*{proc}*{amount(ln.charge)}*{amount(ln.paid)}**{ln.units}"
        if ln.submitted_code:
            svc += f"*HC:{clean(ln.submitted_code, 48)}"
        add(svc)
        if ln.service_date:
            add(f"DTM*472*{_d8(ln.service_date)}")
        line_adj = ZERO
        if ln.adjustments:
            line_adj, line_pr = _cas(ln.adjustments, out, where)
            adjusted += line_adj
            pr += line_pr
        if ln.charge - line_adj != ln.paid:
            raise _unbalanced(where, c)
        if ln.control_number:
            add(f"REF*6R*{clean(ln.control_number, _MAX['ref'])}")
        if ln.allowed is not None:
            add(f"AMT*B6*{amount(ln.allowed)}")
        if ln.remarks or ln.adjustments:
            for rarc in _remarks(ln.remarks, ln.adjustments):
                add(f"LQ*HE*{clean(rarc, 30)}")
    if c.charge - adjusted != c.paid or pr != c.patient_responsibility:
        raise _unbalanced(where, c)


def _n3n4(a: Address, out: list[str]) -> None:
    out.append(_seg("N3", _clean(a.line1, _MAX["street"]), _clean(a.line2, _MAX["street"])))
    out.append(_seg("N4", _clean(a.city, _MAX["city"]), _clean(a.state, 2), _digits(a.zip)[:9]))


def _bpr(r: Remittance, payer_tin: str) -> str:
    """BPR: what is paid, how, and when."""
    when = _d8(r.payment_date)
    if r.total_paid == 0:
        return f"BPR*H*0*C*NON************{when}"
    amount = _amount(r.total_paid)
    if r.method != "ACH":
        return f"BPR*I*{amount}*C*{r.method}************{when}"
    bank = r.extra.get("bank", {}) if isinstance(r.extra, dict) else {}
    payer_key, payee_key = r.payer.identifier + r.payer.name, r.payee.identifier
    sender_aba = _digits(bank.get("payer_routing")) or _routing(payer_key)
    sender_acct = _digits(bank.get("payer_account")) or _number("acct:" + payer_key, 10)
    receiver_aba = _digits(bank.get("payee_routing")) or _routing(payee_key)
    receiver_acct = _digits(bank.get("payee_account")) or _number("acct:" + payee_key, 12)
    return (
        f"BPR*I*{amount}*C*ACH*CCP*01*{sender_aba}*DA*{sender_acct}*1{payer_tin}**"
        f"01*{receiver_aba}*DA*{receiver_acct}*{when}"
    )


def _transaction(r: Remittance, number: int, receiver_id: str) -> list[str]:
    """One ST..SE transaction set for one remittance."""
    ctl = f"{number:04d}"
    payer, payee = r.payer, r.payee
    payer_tin = _tin_of(payer)
    out = [f"ST*835*{ctl}", _bpr(r, payer_tin), f"TRN*1*{r.trace_number}*1{payer_tin}"]
    out.append(f"REF*EV*{receiver_id}")
    if r.production_date:
        out.append(f"DTM*405*{_d8(r.production_date)}")
    # 1000A payer
    out.append(f"N1*PR*{_clean(payer.name, _MAX['org'])}")
    assert payer.address is not None
    _n3n4(payer.address, out)
    if _clean(payer.identifier, 50):
        out.append(f"REF*2U*{_clean(payer.identifier, 50)}")
    contact = r.extra.get("payer_contact") if isinstance(r.extra, dict) else None
    name, phone = contact if contact else ("PROVIDER SERVICES", "8005550100")
    out.append(_seg("PER", "BL", _clean(name, 60), "TE", _digits(phone)[:15]))
    # 1000B payee
    out.append(f"N1*PE*{_clean(payee.name, _MAX['org'])}*XX*{_clean(payee.identifier, 80)}")
    if payee.address is not None and payee.address.line1:
        _n3n4(payee.address, out)
    if _digits(payee.tin):
        out.append(f"REF*TJ*{_digits(payee.tin)[:50]}")
    # 2000/2100/2110 claims
    if r.claims:
        out.append("LX*1")
        where = f"payment {r.trace_number!r}"
        for c in r.claims:
            _claim(c, out, where)
    # PLB: one segment per fiscal period date, up to 6 adjustments each
    if r.provider_adjustments:
        by_date: dict[date, list[ProviderAdjustment]] = {}
        for p in r.provider_adjustments:
            by_date.setdefault(p.fiscal_period or r.payment_date, []).append(p)
        npi = _clean(payee.identifier, 50)
        for when, items in by_date.items():
            for i in range(0, len(items), 6):
                parts = ["PLB", npi, _d8(when)]
                for p in items[i : i + 6]:
                    ref = _clean(p.reference, 50)
                    parts += [f"{_clean(p.reason, 2)}:{ref}" if ref else _clean(p.reason, 2)]
                    parts.append(_amount(p.amount))
                out.append(_seg(*parts))
    if r.claims_paid - r.plb_total != r.total_paid:
        raise ValueError(f"payment {r.trace_number!r} does not balance: {r.balance_problems()[-1]}")
    out.append(f"SE*{len(out) + 1}*{ctl}")
    return out


def write_835(
    remittances: Iterable[Remittance],
    *,
    sender_id: str,
    receiver_id: str,
    control: int = 1,
    when: datetime | None = None,
    usage: str = "T",
) -> str:
    """One 005010X221A1 interchange: a transaction set (ST/SE) per remittance.

    ``sender_id`` (the payer's or its clearinghouse's id) and ``receiver_id`` (the payee's)
    go in ISA06/ISA08 (qualifier ZZ) and GS02/GS03, and ``receiver_id`` in REF*EV;
    ``control`` (1-999999999) is ISA13/IEA02 and GS06/GE02; ``when`` dates the ISA and GS
    (default: the first remittance's payment date at 12:00, so output is deterministic);
    ``usage`` is ISA15 (``T`` test, ``P`` production). Raises :class:`ValueError` (one line
    naming the payment, claim and line) for a remittance that does not balance or that an
    835 cannot express.
    """
    items = list(remittances)
    if not items:
        raise ValueError("write_835 needs at least one remittance")
    check_envelope_arguments(sender_id, receiver_id, control, usage, _clean)
    if len(items) > 9999:
        raise ValueError(f"{len(items)} remittances: one interchange takes at most 9999 here")
    for r in items:
        _check(r)
    if when is None:
        d = items[0].payment_date
        when = datetime(d.year, d.month, d.day, 12, 0)
    d8, hm = when.strftime("%Y%m%d"), when.strftime("%H%M")
    head = [
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{sender_id:<15}*ZZ*{receiver_id:<15}*"
        f"{when.strftime('%y%m%d')}*{hm}*^*00501*{control:09d}*0*{usage}*:",
        f"GS*HP*{sender_id}*{receiver_id}*{d8}*{hm}*{control}*X*{VERSION}",
    ]
    body: list[str] = []
    for n, r in enumerate(items, 1):
        body += _transaction(r, n, receiver_id)
    tail = [f"GE*{len(items)}*{control}", f"IEA*1*{control:09d}"]
    return "~\n".join(head + body + tail) + "~\n"


# --- reading ----------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def _parse_amount(raw: str) -> Decimal | None:
    """``raw`` as a cent-exact Decimal, or None when it is not an X12 R amount."""
    raw = raw.strip()
    if len(raw) > 18 or not _AMOUNT_RE.fullmatch(raw):
        return None
    return Decimal(raw).quantize(_CENT)


def _dec(seg: Segment, n: int) -> Decimal:
    """Element ``n`` as a cent-exact amount (X12 R: optional minus, digits, a point)."""
    e = seg.elements
    raw = e[n] if n < len(e) else ""
    d = _parse_amount(raw)
    if d is None:
        what = "missing" if not raw.strip() else f"{raw.strip()[:20]!r} is not an amount"
        raise seg.error(f"{seg.id}{n:02d} {what}")
    return d


def _opt_dec(seg: Segment, n: int) -> Decimal:
    return _dec(seg, n) if seg.get(n).strip() else ZERO


@lru_cache(maxsize=1 << 14)
def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    if len(raw) != 8 or not (raw.isascii() and raw.isdigit()):
        return None
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        return None


def _date(seg: Segment, n: int) -> date:
    raw = seg.get(n)
    d = _parse_date(raw)
    if d is None:
        what = "is missing" if not raw.strip() else f"{raw.strip()[:20]!r} is not a date (CCYYMMDD)"
        raise seg.error(f"{seg.id}{n:02d} {what}")
    return d


def _units(seg: Segment, n: int) -> int:
    raw = seg.get(n).strip()
    if not raw:
        return 1  # SVC05: "if not present, the value is 1"
    if raw.isascii() and raw.isdigit() and len(raw) < 10:
        return int(raw)
    return int(_dec(seg, n).to_integral_value())


def _cas_of(seg: Segment) -> list[Adjustment]:
    e = seg.elements
    group = e[1].strip() if len(e) > 1 else ""
    if group not in _CAS_GROUPS and group != "CR":
        raise seg.error(f"CAS01 {group!r} is not a claim adjustment group code")
    out = []
    n = len(e)
    for i in range(2, min(n, 20), 3):
        carc = e[i].strip()
        if not carc:
            if i + 1 < n and e[i + 1].strip():
                raise seg.error(f"CAS{i + 1:02d} has an amount without a reason code")
            continue
        qty_raw = e[i + 2].strip() if i + 2 < n else ""
        qty = None
        if qty_raw:
            if qty_raw.isascii() and qty_raw.isdigit() and len(qty_raw) < 10:
                qty = int(qty_raw)
            else:
                q = _parse_amount(qty_raw)
                if q is None:
                    raise seg.error(f"CAS{i + 2:02d} {qty_raw[:20]!r} is not a quantity")
                qty = int(q.to_integral_value())
        out.append(Adjustment(group, carc, _dec(seg, i + 1), qty))
    if not out:
        raise seg.error("CAS has no reason code and amount")
    return out


class _Reader:
    """Walks one transaction set (ST..SE body) and builds one Remittance."""

    def __init__(self, env: Any, comp: str) -> None:
        self.env = env
        self.comp = comp
        self.bpr: Segment | None = None
        self.trace = ""
        self.trn03 = ""
        self.production: date | None = None
        self.parties: dict[str, dict[str, Any]] = {}
        self.party: dict[str, Any] | None = None
        self.claims: list[RemitClaim] = []
        self.plb: list[ProviderAdjustment] = []
        self.claim: dict[str, Any] | None = None
        self.line: dict[str, Any] | None = None
        self.extra: dict[str, Any] = {}

    # -- claims and lines ------------------------------------------------------------

    def finish_line(self) -> None:
        ln, self.line = self.line, None
        if ln is None:
            return
        assert self.claim is not None
        svc: Segment = ln["svc"]
        parts = svc.get(1).split(self.comp)
        sub = svc.get(6).split(self.comp)
        self.claim["lines"].append(
            RemitLine(
                control_number=ln.get("control", ""),
                code=parts[1],
                charge=_dec(svc, 2),
                paid=_dec(svc, 3),
                units=_units(svc, 5),
                modifiers=tuple(m for m in parts[2:6] if m),
                service_date=ln.get("date"),
                allowed=ln.get("allowed"),
                adjustments=tuple(ln["cas"]),
                remarks=tuple(ln["remarks"]),
                submitted_code=sub[1] if len(sub) > 1 and sub[1] else None,
            )
        )

    def finish_claim(self) -> None:
        self.finish_line()
        k, self.claim = self.claim, None
        if k is None:
            return
        clp: Segment = k["clp"]
        if "patient" not in k:
            raise clp.error(f"claim {clp.get(1)!r} has no patient name (NM1*QC is required)")
        dates = k["dates"]
        self.claims.append(
            RemitClaim(
                patient_control_number=clp.get(1),
                status=clp.get(2),
                charge=_dec(clp, 3),
                paid=_dec(clp, 4),
                patient_responsibility=_opt_dec(clp, 5),
                filing_indicator=clp.get(6),
                payer_claim_number=clp.get(7),
                patient=k["patient"],
                facility_code=clp.get(8),
                frequency=clp.get(9),
                insured=k.get("insured"),
                rendering_npi=k.get("rendering"),
                crossover_payer=k.get("crossover"),
                adjustments=tuple(k["cas"]),
                remarks=tuple(k["remarks"]),
                lines=tuple(k["lines"]),
                received=dates.get("050"),
                service_start=dates.get("232"),
                service_end=dates.get("233"),
                coverage_amount=k["amounts"].get("AU"),
                interest=k["amounts"].get("I"),
            )
        )

    # -- the walk ----------------------------------------------------------------------

    def segment(self, seg: Segment) -> None:
        sid, g = seg.id, seg.get
        if self.bpr is None:
            if sid != "BPR":
                raise seg.error(f"an 835 starts with BPR after ST, not {sid}")
            self._bpr(seg)
            return
        if sid == "CLP":
            self.finish_claim()
            if "PE" not in self.parties:
                raise seg.error("claim payment (CLP) before the payee loop (N1*PE)")
            for n in (1, 2, 6, 7):
                if not g(n).strip():
                    raise seg.error(f"CLP{n:02d} is empty")
            for n in (3, 4):
                _dec(seg, n)
            _opt_dec(seg, 5)
            self.claim = {
                "clp": seg,
                "cas": [],
                "remarks": [],
                "lines": [],
                "dates": {},
                "amounts": {},
            }
            self.party = None
            return
        if sid == "SVC":
            if self.claim is None:
                raise seg.error("service line (SVC) outside a claim (no CLP before it)")
            self.finish_line()
            parts = g(1).split(self.comp)
            if len(parts) < 2 or not parts[1].strip():
                raise seg.error(f"SVC01 {g(1)[:30]!r} has no procedure code")
            _dec(seg, 2)
            _dec(seg, 3)
            _units(seg, 5)
            self.line = {"svc": seg, "cas": [], "remarks": []}
            return
        if sid == "PLB":
            self.finish_claim()
            self._plb(seg)
            return
        if sid == "BPR" or (sid == "TRN" and self.trace):
            raise seg.error(f"a second {sid} in one transaction set (one payment per 835)")
        if self.claim is None:
            self._header(seg)
        else:
            self._in_claim(seg)

    def _bpr(self, seg: Segment) -> None:
        if seg.get(1) not in ("C", "D", "H", "I", "P", "U"):
            raise seg.error(f"BPR01 {seg.get(1)[:10]!r} is not a transaction handling code")
        _dec(seg, 2)
        if not seg.get(4).strip():
            raise seg.error("BPR04 payment method is missing")
        _date(seg, 16)
        self.bpr = seg

    def _header(self, seg: Segment) -> None:
        sid, g = seg.id, seg.get
        if self.plb and sid != "PLB":
            raise seg.error(f"{sid} after the provider adjustments (PLB ends the 835)")
        if sid == "TRN":
            if not g(2).strip():
                raise seg.error("TRN02 trace number is empty")
            self.trace, self.trn03 = g(2), g(3)
        elif sid == "DTM" and g(1) == "405":
            self.production = _date(seg, 2)
        elif sid == "REF" and self.party is None and g(1) == "EV":
            self.extra["receiver"] = g(2)
        elif sid == "N1":
            qual = g(1)
            if qual not in ("PR", "PE"):
                return
            if qual == "PE" and "PR" not in self.parties:
                raise seg.error("payee (N1*PE) before the payer (N1*PR)")
            if qual in self.parties:
                raise seg.error(f"a second N1*{qual} loop")
            self.party = {"n1": seg, "refs": {}}
            self.parties[qual] = self.party
        elif sid == "N3" and self.party is not None:
            self.party["n3"] = seg
        elif sid == "N4" and self.party is not None:
            self.party["n4"] = seg
        elif sid == "REF" and self.party is not None:
            self.party["refs"].setdefault(g(1), g(2))
        elif sid == "PER" and self.party is not None and g(1) == "BL":
            phone = next((g(i + 1) for i in (3, 5, 7) if g(i) == "TE"), "")
            self.extra["payer_contact"] = (g(2), phone)
        elif sid == "LX":
            self.party = None

    def _in_claim(self, seg: Segment) -> None:
        sid, g = seg.id, seg.get
        k, ln = self.claim, self.line
        assert k is not None
        if sid == "CAS":
            (ln if ln is not None else k)["cas"].extend(_cas_of(seg))
        elif sid == "LQ" and ln is not None:
            if g(1) == "HE" and g(2).strip():
                ln["remarks"].append(g(2).strip())
        elif ln is not None:
            if sid == "DTM" and g(1) in ("472", "150"):
                ln.setdefault("date", _date(seg, 2))
            elif sid == "REF" and g(1) == "6R":
                ln["control"] = g(2)
            elif sid == "AMT" and g(1) == "B6":
                ln["allowed"] = _dec(seg, 2)
            elif sid == "LX":
                self.finish_claim()
        elif sid == "NM1":
            qual = g(1)
            if qual in ("QC", "IL"):
                person = RemitPerson(g(3), g(4), g(9))
                k.setdefault("patient" if qual == "QC" else "insured", person)
            elif qual == "82":
                k.setdefault("rendering", g(9) or None)
            elif qual == "TT":
                k.setdefault("crossover", g(3) or g(9) or None)
        elif sid == "MOA":
            k["remarks"].extend(x for x in seg.elements[3:8] if x.strip())
        elif sid == "MIA":
            idx = (5, 20, 21, 22, 23)
            k["remarks"].extend(g(i) for i in idx if g(i).strip())
        elif sid == "DTM" and g(1) in ("050", "232", "233"):
            k["dates"].setdefault(g(1), _date(seg, 2))
        elif sid == "AMT" and g(1) in ("AU", "I"):
            k["amounts"].setdefault(g(1), _dec(seg, 2))
        elif sid == "LX":
            self.finish_claim()

    def _plb(self, seg: Segment) -> None:
        when = _date(seg, 2)
        found = False
        for i in range(3, 15, 2):
            comp = seg.get(i)
            if not comp.strip():
                if seg.get(i + 1).strip():
                    raise seg.error(f"PLB{i + 1:02d} has an amount without a reason")
                continue
            reason, _, ref = comp.partition(self.comp)
            self.plb.append(ProviderAdjustment(reason, ref, _dec(seg, i + 1), when))
            found = True
        if not found:
            raise seg.error("PLB has no adjustment reason and amount")

    # -- the result --------------------------------------------------------------------

    def _party(self, qual: str) -> Party:
        p = self.parties.get(qual)
        if p is None:
            where = self.env.se
            name = "payer (N1*PR, loop 1000A)" if qual == "PR" else "payee (N1*PE, loop 1000B)"
            raise where.error(f"the 835 has no {name}")
        n1: Segment = p["n1"]
        address = None
        if "n3" in p and "n4" in p:
            n3, n4 = p["n3"], p["n4"]
            address = Address(n3.get(1), n4.get(1), n4.get(2), n4.get(3), n3.get(2))
        refs = p["refs"]
        if qual == "PR":
            ident = refs.get("2U") or n1.get(4) or self.trn03
            return Party(n1.get(2), ident, address, None)
        tin = refs.get("TJ") or (n1.get(4) if n1.get(3) == "FI" else None)
        return Party(n1.get(2), n1.get(4), address, tin)

    def result(self) -> Remittance:
        self.finish_claim()
        se = self.env.se
        if self.bpr is None:
            raise se.error("the 835 has no BPR (financial information) segment")
        if not self.trace:
            raise se.error("the 835 has no TRN (trace number) segment")
        bpr = self.bpr
        self.extra.update(
            x12_position=self.env.st.position,
            handling=bpr.get(1),
            credit_debit=bpr.get(3),
            payer_trn03=self.trn03,
        )
        return Remittance(
            trace_number=self.trace,
            payer=self._party("PR"),
            payee=self._party("PE"),
            payment_date=_date(bpr, 16),
            total_paid=_dec(bpr, 2),
            method=bpr.get(4),
            claims=tuple(self.claims),
            provider_adjustments=tuple(self.plb),
            production_date=self.production,
            extra=self.extra,
        )


def read_835(text: str) -> list[Remittance]:
    """Every payment (ST..SE) of an 835 interchange, in file order, as :class:`Remittance`.

    Delimiters come from the ISA segment; line breaks after (or as) segment terminators are
    allowed. Raises :class:`X12Error` (one line, ``segment N (ID): ...``) for input that is
    not X12, broken envelopes (control numbers, SE/GE/IEA counts, missing trailers), a
    transaction set that is not an 005010X221 835, segments out of place (CLP before BPR,
    SVC outside a claim) and values that cannot be read (amounts, dates). A remittance that
    does not balance is returned as it is: see ``Remittance.balance_problems()``.
    ``extra`` holds the ST position, BPR01/BPR03, TRN03, REF*EV and the PER*BL contact.
    """
    delims, segs = segments(text)
    out: list[Remittance] = []
    for env in check_envelopes(segs):
        if env.set_id != "835":
            raise env.st.error(f"transaction set {env.set_id!r} is not an 835 remittance")
        if env.version not in ACCEPTED_VERSIONS:
            raise env.st.error(f"version {env.version!r} is not an 835 {VERSION} transaction")
        r = _Reader(env, delims.component)
        for seg in env.body:
            r.segment(seg)
        out.append(r.result())
    return out


def transaction_kind(text: str) -> str:
    """The transaction set id (ST01) of the first transaction in an X12 file: ``"835"``,
    ``"837"``, ``"999"``... Raises :class:`X12Error` for text that is not X12 or has no ST."""
    _, segs = segments(text, partial=True)
    for seg in segs:
        if seg.id == "ST":
            kind = seg.get(1).strip()
            if kind:
                return kind
            raise seg.error("ST01 (transaction set identifier) is empty")
    raise X12Error("the interchange holds no transaction set (no ST segment)", position=1)


# --- what a round trip gives ------------------------------------------------------------


def _carried_adjustments(adjs: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
    order: dict[str, list[Adjustment]] = {}
    for a in adjs:
        order.setdefault(a.group, []).append(replace(a, rarcs=(), amount=a.amount.quantize(_CENT)))
    return tuple(a for items in order.values() for a in items)


def _carried_address(a: Address | None) -> Address | None:
    if a is None or not a.line1:
        return None
    return Address(
        _clean(a.line1, _MAX["street"]),
        _clean(a.city, _MAX["city"]),
        _clean(a.state, 2),
        _digits(a.zip)[:9],
        _clean(a.line2, _MAX["street"]),
    )


def _carried_person(p: RemitPerson) -> RemitPerson:
    return RemitPerson(
        _clean(p.last_name, _MAX["last"]),
        _clean(p.first_name, _MAX["first"]),
        _clean(p.member_id, _MAX["id"]),
    )


def carried(r: Remittance) -> Remittance:
    """``r`` as an 835 carries it (see :data:`NOT_CARRIED`): what :func:`read_835` returns
    for a remittance :func:`write_835` wrote."""
    claims = []
    for c in r.claims:
        lines = tuple(
            replace(
                ln,
                code=_clean(ln.code, 48),
                modifiers=tuple(_clean(m, 2) for m in ln.modifiers),
                control_number=_clean(ln.control_number, _MAX["ref"]),
                adjustments=_carried_adjustments(ln.adjustments),
                remarks=tuple(_clean(x, 30) for x in _remarks(ln.remarks, ln.adjustments)),
                submitted_code=_clean(ln.submitted_code, 48) or None,
            )
            for ln in c.lines
        )
        claims.append(
            replace(
                c,
                patient_control_number=_clean(c.patient_control_number, 38),
                filing_indicator=clp06(c.filing_indicator),
                payer_claim_number=_clean(c.payer_claim_number, 50),
                facility_code=_clean(c.facility_code, 2),
                frequency=_clean(c.frequency, 1),
                patient=_carried_person(c.patient),
                insured=_carried_person(c.insured) if c.insured else None,
                rendering_npi=_clean(c.rendering_npi, 80) or None,
                crossover_payer=_clean(c.crossover_payer, _MAX["org"]) or None,
                adjustments=_carried_adjustments(c.adjustments),
                remarks=tuple(_clean(x, 30) for x in _remarks(c.remarks, c.adjustments)[:5]),
                lines=lines,
            )
        )
    payer = Party(
        _clean(r.payer.name, _MAX["org"]),
        _clean(r.payer.identifier, 50) or "1" + _tin_of(r.payer),
        _carried_address(r.payer.address),
        None,
    )
    payee = Party(
        _clean(r.payee.name, _MAX["org"]),
        _clean(r.payee.identifier, 80),
        _carried_address(r.payee.address),
        _digits(r.payee.tin)[:50] or None,
    )
    plb = tuple(
        replace(
            p,
            reason=_clean(p.reason, 2),
            reference=_clean(p.reference, 50),
            fiscal_period=p.fiscal_period or r.payment_date,
        )
        for p in r.provider_adjustments
    )
    plb = _plb_order(plb)
    return replace(
        r,
        payer=payer,
        payee=payee,
        method="NON" if r.total_paid == 0 else r.method,
        claims=tuple(claims),
        provider_adjustments=plb,
        extra={},
    )


def _plb_order(plb: tuple[ProviderAdjustment, ...]) -> tuple[ProviderAdjustment, ...]:
    """PLB segments group adjustments by fiscal period date (first-appearance order)."""
    by_date: dict[date | None, list[ProviderAdjustment]] = {}
    for p in plb:
        by_date.setdefault(p.fiscal_period, []).append(p)
    return tuple(p for items in by_date.values() for p in items)
