"""The 835 writer and reader (sim.x12.p835): pyx12-clean output, lossless round trip,
public ERAs, one-line errors on damaged input, and ``rcmlab x12 show`` for 835s."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codesets import adjustments
from rcmlab.cli import main
from sim.models import Address
from sim.remittance import (
    Adjustment,
    Party,
    ProviderAdjustment,
    RemitClaim,
    RemitLine,
    RemitPerson,
    Remittance,
)
from sim.x12.errors import X12Error, check_envelopes, segments
from sim.x12.p835 import (
    CLP06_CODES,
    carried,
    clp06,
    read_835,
    transaction_kind,
    write_835,
)
from sim.x12.validate import validate

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
ERA = DATA / "835"
WHEN = datetime(2026, 3, 2, 9, 30)
ENV = {"sender_id": "ACMEPAYER", "receiver_id": "KESTRELCREEK", "when": WHEN}
ONE_LINE = re.compile(r"^(segment \d+( \([A-Z0-9]{2,3}\))?: \S|the input is empty)")
C = Decimal("0.01")

#: The public 835 samples and pyx12's verdict on each (see tests/data/x12/ATTRIBUTION.md).
PYX12_VALID = [
    "albmarin_badX12/X221-dollars-and-data-sent-separate.edi",
    "albmarin_badX12/X221-dollars-and-data-sent-together.edi",
    "albmarin_badX12/X221-era-sample.edi",
    "albmarin_badX12/X221-multiple-claims-single-check.edi",
    "albmarin_badX12/X221-secondary-payment-with-higher-fee-schedule.edi",
    "albmarin_badX12/X221-secondary-payments.edi",
    "albmarin_badX12/X221-tertiary-payments.edi",
    "azoner_pyx12/835_mult_loops.txt",
    "keironstoddart_edi-835-parser/emedny_sample.txt",
    "tastypackets_x12-parser/profee.edi",
]
#: Samples pyx12 rejects that still read (their faults do not touch the model).
READABLE_INVALID = [
    "LinuxForHealth_x12/medicare-part-a.835",
    "keironstoddart_edi-835-parser/united_healthcare_legacy_sample.txt",
    "tastypackets_x12-parser/multi-line-not-delimited.edi",
]
#: Samples the reader refuses, and why (one line).
REFUSED = {
    "LinuxForHealth_x12/cob-contractural-adjustment.835": "BPR16 is missing",
    "LinuxForHealth_x12/secondary-payment.835": "BPR16 is missing",
    "LinuxForHealth_x12/tertiary-payment.835": "BPR16 is missing",
    "LinuxForHealth_x12/managed-care.835": "BPR16 '20002316' is not a date",
    "keironstoddart_edi-835-parser/blue_cross_nc_sample.txt": "this is not X12",
}

CARCS = ["1", "2", "3", "16", "18", "22", "29", "45", "50", "96", "97", "109", "197", "204"]
RARCS = ["N130", "M15", "MA130", "N362", "MA01", "M80"]


def test_code_lists_we_generate_are_real() -> None:
    """Every CARC and RARC the generators below use is in rcmlab's code lists."""
    assert all(adjustments.carc(c) is not None for c in CARCS)
    assert all(adjustments.rarc(r) is not None for r in RARCS)


# --- builders -----------------------------------------------------------------------------

ADDRESS = Address("PO BOX 4000", "SPRINGFIELD", "IL", "627010040")
PAYER = Party("ACME HEALTH PLAN", "ACME01", ADDRESS, "361234567")
PAYEE = Party(
    "KESTREL CREEK FAMILY MEDICINE", "1234567893", Address("12 ELM ST", "PEORIA", "IL", "61602")
)
PAYEE = replace(PAYEE, tin="371234567")

names = st.text(
    alphabet=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdez'-.é*~:^"), min_size=1, max_size=70
).filter(lambda s: s.strip(" *~:^") != "")
ids = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=15)
cents = st.integers(min_value=1, max_value=200_000).map(lambda n: Decimal(n) * C)


@st.composite
def adjustment_split(draw, total: Decimal, pr_ok: bool = True) -> tuple[Adjustment, ...]:
    """Adjustments that add up to ``total`` (one to four of them)."""
    if total == 0:
        return ()
    n = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, int(total / C)), min_size=n - 1, max_size=n - 1)))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, int(total / C)], strict=True)]
    groups = ["CO", "PR", "OA", "PI"] if pr_ok else ["CO", "OA", "PI"]
    out = []
    for p in parts:
        if p == 0:
            continue
        out.append(
            Adjustment(
                draw(st.sampled_from(groups)),
                draw(st.sampled_from(CARCS)),
                Decimal(p) * C,
                draw(st.none() | st.integers(1, 9)),
                tuple(draw(st.lists(st.sampled_from(RARCS), max_size=1))),
            )
        )
    return tuple(out)


def negate(a: Adjustment) -> Adjustment:
    return replace(a, amount=-a.amount)


@st.composite
def remit_lines(draw, n: int, start: date) -> tuple[RemitLine, ...]:
    out = []
    for i in range(n):
        charge = draw(cents)
        paid = Decimal(draw(st.integers(0, int(charge / C)))) * C
        adjs = draw(adjustment_split(charge - paid))
        allowed = paid + sum((a.amount for a in adjs if a.group == "PR"), Decimal(0))
        out.append(
            RemitLine(
                control_number=draw(st.sampled_from(["", f"L{i + 1}X{draw(ids)}"])),
                code=draw(st.sampled_from(["99213", "99214", "36415", "J1100", "81002"])),
                charge=charge,
                paid=paid,
                units=draw(st.integers(1, 12)),
                modifiers=tuple(
                    draw(st.lists(st.sampled_from(["25", "59", "LT", "RT"]), max_size=2))
                ),
                service_date=start + timedelta(days=draw(st.integers(0, 3))),
                allowed=draw(st.sampled_from([None, allowed])),
                adjustments=adjs,
                remarks=tuple(draw(st.lists(st.sampled_from(RARCS), max_size=2, unique=True))),
                submitted_code=draw(st.sampled_from([None, "99215"])),
            )
        )
    return tuple(out)


@st.composite
def remit_claims(draw, k: int) -> RemitClaim:
    start = date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 40)))
    status = draw(st.sampled_from(["1", "1", "2", "3", "4", "19", "20", "22"]))
    lines = draw(remit_lines(draw(st.integers(0, 4)), start))
    claim_adjs: tuple[Adjustment, ...] = ()
    charge = sum((ln.charge for ln in lines), Decimal(0))
    if not lines or draw(st.booleans()):
        extra = draw(cents)
        claim_adjs = draw(adjustment_split(extra))
        charge += extra
    if status == "4":  # a denial: nothing paid, the claim-level CAS says why
        lines = tuple(
            replace(ln, paid=Decimal(0) * C, adjustments=(Adjustment("CO", "96", ln.charge),))
            for ln in lines
        )
        claim_adjs = tuple(replace(a, group="CO") for a in claim_adjs)
    if status == "22":  # a reversal: every amount of the original, negated
        lines = tuple(
            replace(
                ln,
                charge=-ln.charge,
                paid=-ln.paid,
                allowed=None,
                adjustments=tuple(map(negate, ln.adjustments)),
            )
            for ln in lines
        )
        claim_adjs = tuple(map(negate, claim_adjs))
        charge = -charge
    all_adjs = claim_adjs + tuple(a for ln in lines for a in ln.adjustments)
    paid = charge - sum((a.amount for a in all_adjs), Decimal(0))
    pr = sum((a.amount for a in all_adjs if a.group == "PR"), Decimal(0))
    patient = RemitPerson(draw(names), draw(names), draw(st.sampled_from(["", "W123456789"])))
    return RemitClaim(
        patient_control_number=f"C{k}{draw(ids)}",
        status=status,
        charge=charge,
        paid=paid,
        patient_responsibility=pr,
        filing_indicator=draw(st.sampled_from(["12", "HM", "MB", "MC", "16", "CI", "BL", "WC"])),
        payer_claim_number=draw(ids),
        patient=patient,
        facility_code=draw(st.sampled_from(["11", "22", "02"])),
        frequency=draw(st.sampled_from(["1", "7"])),
        insured=draw(st.sampled_from([None, RemitPerson("SUBSCRIBER", "SAM", "W99")])),
        rendering_npi=draw(st.sampled_from([None, "1245319599"])),
        crossover_payer=draw(st.sampled_from([None, "MEDIGAP MUTUAL"])),
        adjustments=claim_adjs,
        remarks=tuple(draw(st.lists(st.sampled_from(RARCS), max_size=2, unique=True))),
        lines=lines,
        received=draw(st.sampled_from([None, start + timedelta(days=5)])),
        service_start=draw(st.sampled_from([None, start])),
        service_end=draw(st.sampled_from([None, start + timedelta(days=3)])),
        coverage_amount=draw(st.sampled_from([None, abs(paid)])),
        interest=draw(st.sampled_from([None, Decimal("1.25")])),
    )


@st.composite
def remittances(draw, one_plb_segment: bool = True) -> Remittance:
    """A balanced remittance: claims, and PLB interest / recoupment / forward balance."""
    claims = tuple(draw(remit_claims(k)) for k in range(draw(st.integers(0, 4))))
    paid = sum((c.paid for c in claims), Decimal(0))
    plb: list[ProviderAdjustment] = []
    fiscal = None if one_plb_segment else date(2026, 12, 31)
    if draw(st.booleans()):
        plb.append(ProviderAdjustment("L6", "", -Decimal("3.10"), fiscal))
    if paid > 0 and draw(st.booleans()):
        recoup = Decimal(draw(st.integers(1, int(paid / C)))) * C
        plb.append(ProviderAdjustment("WO", draw(ids), recoup, fiscal))
    total = paid - sum((p.amount for p in plb), Decimal(0))
    if total < 0:  # more taken back than paid: carry the balance to the next remittance
        plb.append(ProviderAdjustment("FB", "NEXT", total, fiscal))
        total = Decimal(0)
    if not one_plb_segment:
        plb += [ProviderAdjustment("CS", f"R{i}", Decimal("0.01"), None) for i in range(6)]
        plb.append(ProviderAdjustment("CS", "RX", -Decimal("0.06"), None))
    pay_day = date(2026, 2, 20) + timedelta(days=draw(st.integers(0, 30)))
    return Remittance(
        trace_number=draw(ids),
        payer=draw(st.sampled_from([PAYER, replace(PAYER, identifier="", tin=None)])),
        payee=draw(st.sampled_from([PAYEE, replace(PAYEE, address=None, tin=None)])),
        payment_date=pay_day,
        total_paid=total,
        method=draw(st.sampled_from(["ACH", "CHK"])),
        claims=claims,
        provider_adjustments=tuple(plb),
        production_date=draw(st.sampled_from([None, pay_day - timedelta(days=1)])),
    )


def sample_remittance() -> Remittance:
    """A fixed remittance: a paid claim with PR and CO, a denial, a reversal, PLB."""
    paid_line = RemitLine(
        "ABC-1",
        "99214",
        Decimal("180.00"),
        Decimal("96.00"),
        1,
        ("25",),
        date(2026, 2, 2),
        Decimal("120.00"),
        (Adjustment("CO", "45", Decimal("60.00")), Adjustment("PR", "2", Decimal("24.00"))),
    )
    paid = RemitClaim(
        "KC1001",
        "1",
        Decimal("180.00"),
        Decimal("96.00"),
        Decimal("24.00"),
        "12",
        "ICN0001",
        RemitPerson("RIVERA", "ANA", "W123"),
        lines=(paid_line,),
    )
    denied = RemitClaim(
        "KC1002",
        "4",
        Decimal("75.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        "12",
        "ICN0002",
        RemitPerson("CHEN", "LI", "W124"),
        adjustments=(Adjustment("CO", "197", Decimal("75.00")),),
        remarks=("N362",),
    )
    reversal = RemitClaim(
        "KC0999",
        "22",
        Decimal("-50.00"),
        Decimal("-40.00"),
        Decimal("-10.00"),
        "12",
        "ICN0999",
        RemitPerson("OKAFOR", "EMEKA"),
        adjustments=(Adjustment("PR", "3", Decimal("-10.00")),),
    )
    plb = (ProviderAdjustment("L6", "", Decimal("-1.50")),)
    return Remittance(
        "EFT2026030200001",
        PAYER,
        PAYEE,
        date(2026, 3, 2),
        Decimal("57.50"),
        "ACH",
        (paid, denied, reversal),
        plb,
        date(2026, 3, 1),
    )


# --- the writer ---------------------------------------------------------------------------


def test_sample_is_pyx12_clean_and_has_the_tr3_segments() -> None:
    r = sample_remittance()
    text = write_835([r], **ENV)
    report = validate(text)
    assert report.ok, report.text()
    seg_ids = [s.get(0) + "*" + s.get(1) for s in segments(text)[1]]
    for want in ("BPR*I", "TRN*1", "REF*EV", "DTM*405", "N1*PR", "PER*BL", "N1*PE", "REF*TJ"):
        assert want in seg_ids
    assert "CLP*KC0999*22*-50*-40*-10*12*ICN0999*11*1~" in text
    assert "PLB*1234567893*20260302*L6*-1.5~" in text
    assert "BPR*I*57.5*C*ACH*CCP*01*" in text
    assert "TRN*1*EFT2026030200001*1361234567~" in text
    assert "SVC*HC:99214:25*180*96**1~" in text
    assert "CAS*CO*197*75~" in text and "MOA***N362~" in text


def test_ach_routing_numbers_have_a_valid_aba_check_digit() -> None:
    bpr = next(s for s in segments(write_835([sample_remittance()], **ENV))[1] if s.id == "BPR")
    for n in (7, 13):
        d = [int(c) for c in bpr.get(n)]
        assert len(d) == 9
        assert (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + d[2] + d[5] + d[8]) % 10 == 0


def test_zero_payment_is_a_notification_only_bpr_h() -> None:
    r = sample_remittance()
    denied = r.claims[1]
    notice = replace(r, claims=(denied,), total_paid=Decimal(0), provider_adjustments=())
    text = write_835([notice], **ENV)
    assert "BPR*H*0*C*NON************20260302~" in text
    assert validate(text).ok
    assert read_835(text)[0].method == "NON"


def test_cas_segments_hold_at_most_six_triplets_per_group() -> None:
    adjs = (
        *(Adjustment("CO", "45", Decimal("1.00")) for _ in range(8)),
        Adjustment("PR", "1", Decimal("2.00")),
        Adjustment("CO", "253", Decimal("0.50")),
    )
    ln = RemitLine("X1", "99213", Decimal("20.50"), Decimal("10.00"), adjustments=adjs)
    claim = RemitClaim(
        "C1",
        "1",
        ln.charge,
        ln.paid,
        Decimal("2.00"),
        "12",
        "I1",
        RemitPerson("A", "B"),
        lines=(ln,),
    )
    r = Remittance("T1", PAYER, PAYEE, date(2026, 3, 1), Decimal("10.00"), "CHK", (claim,))
    text = write_835([r], **ENV)
    cas = [s for s in segments(text)[1] if s.id == "CAS"]
    assert [s.get(1) for s in cas] == ["CO", "CO", "PR"]
    assert cas[0].elements[2::3] == ["45"] * 6  # six triplets (the last empty CAS19 dropped)
    assert cas[1].elements[1:] == ["CO", "45", "1", "", "45", "1", "", "253", "0.5"]
    assert validate(text).ok
    back = read_835(text)[0]
    assert back == carried(r)
    assert back.balance_problems() == []


def test_writer_refuses_what_does_not_balance_naming_the_line() -> None:
    r = sample_remittance()
    bad_line = replace(r.claims[0].lines[0], paid=Decimal("95.00"))
    bad = replace(r, claims=(replace(r.claims[0], lines=(bad_line,)), *r.claims[1:]))
    with pytest.raises(ValueError, match=r"does not balance: line ABC-1: charge 180.00"):
        write_835([bad], **ENV)
    with pytest.raises(ValueError, match=r"BPR02 57.49 != claims paid"):
        write_835([replace(r, total_paid=Decimal("57.49"))], **ENV)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: replace(
                r,
                total_paid=Decimal("0.00"),
                provider_adjustments=(
                    ProviderAdjustment("L6", "", Decimal("-1.50")),
                    ProviderAdjustment("WO", "", Decimal("57.50")),
                ),
            ),
            None,
        ),
        (
            lambda r: replace(
                r,
                claims=(r.claims[2],),
                total_paid=Decimal("-38.50"),
            ),
            "BPR02 -38.50 is negative",
        ),
        (
            lambda r: replace(
                r,
                claims=(
                    replace(r.claims[1], adjustments=(Adjustment("CR", "197", Decimal("75.00")),)),
                ),
                total_paid=Decimal("1.50"),
            ),
            "group 'CR' is not a 005010 CAS01 code",
        ),
        (
            lambda r: replace(
                r, claims=(replace(r.claims[1], status="5"),), total_paid=Decimal("1.50")
            ),
            "CLP02 status '5'",
        ),
        (
            lambda r: replace(
                r, claims=(replace(r.claims[1], filing_indicator="XX"),), total_paid=Decimal("1.50")
            ),
            "'XX' is not an 835 CLP06 code",
        ),
        (lambda r: replace(r, payer=replace(PAYER, address=None)), "payer's address is required"),
        (lambda r: replace(r, trace_number="A*B"), "trace number"),
    ],
)
def test_writer_refuses_what_an_835_cannot_say(change, message) -> None:
    r = change(sample_remittance())
    if message is None:
        assert validate(write_835([r], **ENV)).ok
        return
    with pytest.raises(ValueError, match=re.escape(message)) as err:
        write_835([r], **ENV)
    assert "\n" not in str(err.value)


def test_837_filing_indicators_become_835_codes() -> None:
    assert clp06("CI") == "ZZ" and clp06("BL") == "ZZ" and clp06("FI") == "OF"
    assert clp06("MB") == "MB" and set(CLP06_CODES) >= {"12", "HM", "MB", "MC", "ZZ"}


def test_several_payments_one_transaction_set_each() -> None:
    r = sample_remittance()
    second = replace(r, trace_number="CHK000123", method="CHK")
    text = write_835([r, second], control=42, **ENV)
    envs = check_envelopes(segments(text)[1])
    assert [e.control for e in envs] == ["0001", "0002"]
    assert "GE*2*42~" in text and "IEA*1*000000042~" in text
    assert [x.trace_number for x in read_835(text)] == ["EFT2026030200001", "CHK000123"]
    assert validate(text).ok


def test_output_is_deterministic() -> None:
    r = sample_remittance()
    assert write_835([r], **ENV) == write_835([r], **ENV)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(remittances(), min_size=1, max_size=3))
def test_every_generated_835_passes_pyx12(items) -> None:
    text = write_835(items, **ENV)
    report = validate(text)
    assert report.ok, report.text()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(remittances(), min_size=1, max_size=3))
def test_round_trip_gives_back_what_the_model_holds(items) -> None:
    text = write_835(items, **ENV)
    back = read_835(text)
    assert back == [carried(r) for r in items]
    assert all(r.balance_problems() == [] for r in back)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(remittances(one_plb_segment=False))
def test_many_plb_adjustments_round_trip_and_only_trip_pyx12s_footer_quirk(r) -> None:
    """More than 6 PLB adjustments (or several fiscal dates) need several PLB segments,
    which the TR3 allows (PLB repeat >1); pyx12 4's map wraps PLB in a FOOTER loop that
    repeats once and so flags the second PLB segment — that is the only finding."""
    text = write_835([r], **ENV)
    assert read_835(text) == [carried(r)]
    findings = validate(text).findings
    assert findings and all("Loop FOOTER exceeded max count" in f.message for f in findings)


# --- the reader on public ERAs ------------------------------------------------------------


@pytest.mark.parametrize("name", PYX12_VALID)
def test_every_pyx12_valid_public_sample_reads_and_balances(name) -> None:
    text = (ERA / name).read_text(encoding="latin-1")
    assert validate(text).ok
    rs = read_835(text)
    assert rs and all(r.claims for r in rs)
    assert [p for r in rs for p in r.balance_problems()] == []


@pytest.mark.parametrize("name", READABLE_INVALID)
def test_some_invalid_samples_still_read(name) -> None:
    text = (ERA / name).read_text(encoding="latin-1")
    assert read_835(text)[0].claims


@pytest.mark.parametrize(("name", "why"), sorted(REFUSED.items()))
def test_broken_samples_are_refused_in_one_line(name, why) -> None:
    text = (ERA / name).read_text(encoding="latin-1")
    with pytest.raises(X12Error, match=re.escape(why)) as err:
        read_835(text)
    assert ONE_LINE.match(str(err.value)) and "\n" not in str(err.value)


def test_public_sample_details() -> None:
    """TR3 example 2: Medicare Part A, MOA remark, PLB capital pass-through (CV:CP -1.27)."""
    text = (ERA / "albmarin_badX12" / "X221-dollars-and-data-sent-together.edi").read_text()
    (r,) = read_835(text)
    assert r.total_paid == Decimal("150000.00") and r.method == "ACH"
    assert r.trace_number == "12345" and r.payment_date == date(2002, 9, 13)
    assert r.payer.name == "INSURANCE COMPANY OF TIMBUCKTU" and r.payer.identifier == "999"
    assert r.payee.identifier == "6543210903"
    assert [(c.patient_control_number, c.filing_indicator) for c in r.claims] == [
        ("666123", "MA"),
        ("777777", "MB"),
    ]
    assert r.claims[1].remarks == ("MA02",)
    assert r.claims[0].adjustments == (Adjustment("CO", "45", Decimal("73348.57")),)
    assert r.provider_adjustments == (
        ProviderAdjustment("CV", "CP", Decimal("-1.27"), date(2002, 12, 31)),
    )
    # a denial notice with BPR*H, line remarks and DTM*150 service dates
    (n,) = read_835((ERA / "azoner_pyx12" / "835_mult_loops.txt").read_text())
    assert n.method == "NON" and n.total_paid == 0 and n.claims[0].status == "4"
    ln = n.claims[0].lines[0]
    assert (ln.code, ln.units, ln.remarks, ln.service_date) == (
        "T1005",
        68,
        ("N14",),
        date(2003, 11, 29),
    )


def test_newline_terminated_sample_equals_the_tilde_one() -> None:
    a = read_835((ERA / "tastypackets_x12-parser" / "profee.edi").read_text())
    b = read_835((ERA / "tastypackets_x12-parser" / "multi-line-not-delimited.edi").read_text())
    assert a == b


# --- malformed input ----------------------------------------------------------------------


def _good() -> str:
    return write_835([sample_remittance()], **ENV)


def _edit(text: str, old: str, new: str) -> str:
    """``text`` with one change, SE01 recounted (so that the change itself is found)."""
    assert old in text
    text = text.replace(old, new, 1)
    body = text[text.index("ST*") : text.index("SE*")]
    return re.sub(r"SE\*\d+\*", f"SE*{body.count('~') + 1}*", text)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda t: t[: len(t) // 2], "the file ends inside a segment"),
        (lambda t: t[: t.index("SE*")], "ST is never closed"),
        (lambda t: re.sub(r"SE\*\d+\*", "SE*3*", t), "SE01 says 3 segments"),
        (lambda t: _edit(t, "*180*96**1", "*180*9X6**1"), "SVC03 '9X6' is not an amount"),
        (lambda t: _edit(t, "*180*96**1", "*1e3*96**1"), "SVC02 '1e3' is not an amount"),
        (lambda t: _edit(t, "CAS*CO*45*60", "CAS*CO*45*"), "CAS03 missing"),
        (lambda t: _edit(t, "CAS*CO*45*60", "CAS*XX*45*60"), "CAS01 'XX'"),
        (lambda t: _edit(t, "DTM*472*20260202", "DTM*472*20260231"), "'20260231' is not a date"),
        (lambda t: _edit(t, "ST*835*", "ST*837*"), "transaction set '837' is not an 835"),
        (lambda t: _edit(t, "005010X221A1~\nST", "004010X091A1~\nST"), "version '004010X091A1'"),
        (lambda t: _edit(t, "BPR*I*", "XYZ*I*"), "an 835 starts with BPR after ST, not XYZ"),
        (lambda t: _edit(t, "N1*PE*", "N9*PE*"), "claim payment (CLP) before the payee loop"),
        (lambda t: _edit(t, "TRN*1*", "REF*1*"), "the 835 has no TRN"),
        (lambda t: _edit(t, "NM1*QC*1*RIVERA", "NM1*XX*1*RIVERA"), "has no patient name"),
        (lambda t: _edit(t, "CLP*KC1001", "SVC*HC:99213*1*1~\nCLP*KC1001"), "SVC) outside a claim"),
        (
            lambda t: _edit(t, "TRN*1*", "BPR*I*1*C*CHK************20260101~\nTRN*1*"),
            "a second BPR",
        ),
        (lambda t: _edit(t, "L6*-1.5", "L6*"), "PLB04 missing"),
        (lambda t: "", "the input is empty"),
        (lambda t: "hello world", "this is not X12"),
    ],
)
def test_damaged_835_gives_one_line_error(damage, message) -> None:
    with pytest.raises(X12Error, match=re.escape(message)) as err:
        read_835(damage(_good()))
    text = str(err.value)
    assert "\n" not in text and ONE_LINE.match(text), text


def _mutate(rng: random.Random, text: str) -> str:
    term = "~"
    pieces = [p for p in text.split(term) if p.strip()]
    kind = rng.randrange(7)
    i = rng.randrange(len(pieces))
    if kind == 0:  # cut at a random byte
        return text[: rng.randrange(len(text))]
    if kind == 1:  # drop a segment
        del pieces[i]
    elif kind == 2:  # duplicate a segment
        pieces.insert(i, pieces[i])
    elif kind == 3:  # swap two segments
        j = rng.randrange(len(pieces))
        pieces[i], pieces[j] = pieces[j], pieces[i]
    elif kind == 4:  # replace an element with garbage
        els = pieces[i].split("*")
        k = rng.randrange(len(els))
        els[k] = rng.choice(["", "-", "1e9", "ABC", "20261399", "9" * 30, ":::", "-0", "."])
        pieces[i] = "*".join(els)
    elif kind == 5:  # insert garbage bytes
        pos = rng.randrange(len(text))
        return text[:pos] + rng.choice(["\x00", "*", "~", ":", "\n\n", "ÿ"]) + text[pos:]
    else:  # drop an element
        els = pieces[i].split("*")
        if len(els) > 1:
            del els[rng.randrange(1, len(els))]
        pieces[i] = "*".join(els)
    return term.join(pieces) + term


FUZZ_SOURCES = [*PYX12_VALID, "ours"]


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from(FUZZ_SOURCES), st.integers(1, 3))
def test_fuzz_mutated_835_reads_or_fails_in_one_line(seed, source, rounds) -> None:
    text = _good() if source == "ours" else (ERA / source).read_text(encoding="latin-1")
    rng = random.Random(seed)
    for _ in range(rounds):
        text = _mutate(rng, text)
    try:
        out = read_835(text)
    except X12Error as exc:
        msg = str(exc)
        assert "\n" not in msg and ONE_LINE.match(msg), msg
        return
    assert all(isinstance(r, Remittance) for r in out)
    for r in out:  # what reads is usable: balancing and the EOB never crash
        r.balance_problems()
        r._repr_html_()


def test_transaction_kind() -> None:
    assert transaction_kind(_good()) == "835"
    assert transaction_kind((DATA / "UHIN_x12-parser-library" / "837.edi").read_text()) == "837"
    with pytest.raises(X12Error, match="not X12"):
        transaction_kind("nope")


# --- rcmlab x12 show ----------------------------------------------------------------------


def test_cli_show_835_prints_payments_and_eob(tmp_path, capsys) -> None:
    path = tmp_path / "era.835"
    path.write_text(_good())
    assert main(["x12", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "835 remittance, 1 payment" in out
    assert "Payment EFT2026030200001  ACME HEALTH PLAN" in out
    assert "$57.50 by EFT (ACH) on 2026-03-02" in out
    assert "99214-25 x1" in out and "$180.00" in out and "$120.00" in out
    assert "PR-2" in out and adjustments.carc("2").description in out
    assert "CO-197" in out and "remark N362" in out.replace("Claim remark", "remark")
    assert "reversal of a previous payment" in out
    assert "L6" in out and "DOES NOT BALANCE" not in out


def test_cli_show_835_json(tmp_path, capsys) -> None:
    path = tmp_path / "era.835"
    path.write_text(_good())
    assert main(["x12", "show", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["total_paid"] == "57.50" and data[0]["payment_date"] == "2026-03-02"
    claim = data[0]["claims"][0]
    assert claim["lines"][0]["adjustments"][0] == {
        "group": "CO",
        "carc": "45",
        "amount": "60.00",
        "quantity": None,
        "rarcs": [],
    }
    assert data[0]["balance_problems"] == []


def test_cli_show_public_era_and_837_unchanged(capsys) -> None:
    era = ERA / "albmarin_badX12" / "X221-multiple-claims-single-check.edi"
    assert main(["x12", "show", str(era)]) == 0
    out = capsys.readouterr().out
    assert len(re.findall(r"^  Claim ", out, flags=re.M)) == 9
    assert main(["x12", "show", str(DATA / "UHIN_x12-parser-library" / "837.edi")]) == 0
    assert "1 claim" in capsys.readouterr().out


def test_cli_show_damaged_835_exits_2_with_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "bad.835"
    path.write_text(re.sub(r"SE\*\d+\*", "SE*3*", _good()))
    assert main(["x12", "show", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rcmlab: {path}: segment ") and "SE01 says 3" in err
    assert "\n" not in err
