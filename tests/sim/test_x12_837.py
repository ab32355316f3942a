"""The 837P writer and reader (sim.x12.p837): TR3 structure, lossless round trip, errors."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from sim import claims as claims_mod
from sim.claims import Claim, ClaimLine, OtherCoverage, ReferringProvider, ServiceFacility
from sim.models import Address
from sim.x12 import X12Error, read_837p, write_837p
from sim.x12.errors import check_envelopes, segments
from sim.x12.p837 import NOT_CARRIED, carried

DATA = Path(__file__).resolve().parents[1] / "data" / "x12"
CREATED = datetime(2026, 2, 2, 8, 15)
ENVELOPE = {"sender_id": "KESTRELCREEK", "receiver_id": "RCMLABCH", "created": CREATED}


@cache
def sim_claims(seed: int, n: int = 300, practice: str = "family-practice") -> tuple[Claim, ...]:
    """Claims of a simulated practice: primary claims plus claims to the secondary payer."""
    from sim.simulate import simulate

    r = simulate(seed, n, practice=practice, claims=False)
    out = claims_mod.of_result(r)
    out += [
        x
        for e in r.encounters
        if e.secondary_coverage_id and (x := claims_mod.for_encounter(r, e, to_secondary=True))
    ]
    # A claim to the secondary payer has the same encounter: give it its own CLM01.
    seen: set[str] = set()
    unique = []
    for x in out:
        unique.append(replace(x, id=x.id + "S") if x.id in seen else x)
        seen.add(x.id)
    return tuple(unique)


def write(claims, control: int = 1) -> str:
    return write_837p(claims, interchange_control=control, **ENVELOPE)


def segs_of(text: str) -> list[list[str]]:
    return [s.elements for s in segments(text)[1]]


def assert_round_trip(claims) -> None:
    back = read_837p(write(claims))
    assert len(back) == len(claims)
    want = {c.id: carried(c) for c in claims}
    for got in back:
        expected = want[got.id]
        if got != expected:
            diffs = [
                f.name
                for f in dataclasses.fields(Claim)
                if getattr(got, f.name) != getattr(expected, f.name)
            ]
            pytest.fail(f"claim {got.id} differs after the round trip in {diffs}")


# --- round trip ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed,practice",
    [(1, "family-practice"), (2, "orthopedic-group"), (3, "multispecialty-clinic")],
)
def test_round_trip_of_simulated_claims_is_lossless(seed, practice):
    cls = sim_claims(seed, 300, practice)
    assert len(cls) > 200
    assert_round_trip(cls)


def enriched(base: Claim) -> Claim:
    """A claim that uses every field the 837P carries."""
    ln = base.lines[0]
    lines = (
        replace(
            ln,
            modifiers=("25", "59", "XS", "GA"),
            dx_pointers=(1, 2, 3, 4),
            units=3,
            charge=Decimal("123.45"),
            emergency=True,
            service_date_to=ln.service_date.replace(day=min(ln.service_date.day + 2, 28)),
        ),
        ClaimLine(
            number=2,
            service_date=ln.service_date,
            pos="22",
            code="J1885",
            system="hcpcs",
            dx_pointers=(2,),
            units=4,
            charge=Decimal("48.00"),
            ndc="00409-3795-01",
            ndc_units="ML2.5",
            control_number="L-2",
        ),
    )
    return replace(
        base,
        id="ENRICHED-0001",
        diagnoses=(
            "E11.22",
            "N18.31",
            "I10",
            "Z79.4",
            "E78.5",
            "R53.83",
            "M54.50",
            "G47.33",
            "K21.9",
            "J30.9",
            "F41.9",
            "Z68.41",
        ),
        lines=lines,
        referring=ReferringProvider("Ada", "Lovelace", "1234567893", "DK"),
        facility=ServiceFacility(
            "North Clinic",
            Address("1 Main St", "Dayton", "OH", "454021234", "Floor 2"),
            "1003000126",
        ),
        frequency="7",
        original_reference="PAYERCLAIM99",
        prior_auth="AUTH-77",
        referral_number="REF-12",
        onset_date=date(2025, 12, 28),
        accident="AA",
        accident_state="OH",
        other_coverage=OtherCoverage(
            "Sam", "Rivera", "XYZ123", "Gold PPO", "Other Payer Co", "OTH01", "S", "01", "CI"
        ),
        accept_assignment=False,
        benefits_assigned=False,
        release_of_information=False,
        signature_on_file=False,
        amount_paid=Decimal("20.00"),
    )


def test_round_trip_of_a_claim_with_every_field():
    base = sim_claims(1)
    self_claim = next(c for c in base if c.insured.relationship == "18")
    dependent = next(c for c in base if c.insured.relationship != "18")
    cls = [enriched(self_claim), replace(enriched(dependent), id="ENRICHED-0002")]
    assert_round_trip(cls)
    back = {c.id: c for c in read_837p(write(cls))}
    c = back["ENRICHED-0001"]
    assert c.frequency == "7" and c.original_reference == "PAYERCLAIM99"
    assert c.lines[0].modifiers == ("25", "59", "XS", "GA")
    assert c.lines[1].ndc == "00409379501" and c.lines[1].ndc_units == "ML2.5"
    assert c.lines[1].pos == "22" and c.lines[0].pos == self_claim.lines[0].pos
    assert len(c.diagnoses) == 12 and c.diagnoses[0] == "E11.22"
    assert c.accident == "AA" and c.accident_state == "OH"
    assert not c.accept_assignment and not c.signature_on_file


def test_names_with_delimiters_and_accents_are_cleaned_not_broken():
    base = next(c for c in sim_claims(1) if c.insured.relationship != "18")
    odd = replace(
        base,
        patient=replace(base.patient, first_name="José*Ana", last_name="O'Neil~Núñez"),
        insured=replace(base.insured, first_name="Zoë:", last_name="Smith^Jones"),
    )
    text = write([odd])
    assert "NM1*QC*1*O'Neil Nunez*Jose Ana~" in text
    assert "NM1*IL*1*Smith Jones*Zoe****MI*" in text
    (got,) = read_837p(text)
    assert got == carried(odd)
    assert got.insured.last_name == "Smith Jones"


def test_not_carried_fields_come_back_empty():
    c = next(c for c in sim_claims(1) if c.insured.relationship != "18")
    (got,) = read_837p(write([c]))
    assert got.patient.account == "" and got.patient.phone == ""
    assert got.payer.id == "" and got.encounter_id is None
    assert got.rendering is not None and got.rendering.credential == ""
    assert got.insured.birth_date is None and got.insured.address == Address("", "", "", "")
    assert got.patient.id == c.patient.id  # REF*EA medical record number
    assert "Patient.phone" in NOT_CARRIED


# --- structure -------------------------------------------------------------------------


def test_envelope_counts_and_control_numbers():
    cls = sim_claims(1)[:40]
    text = write(cls, control=987654321)
    s = segs_of(text)
    assert text.startswith("ISA*") and text.endswith("~\n")
    isa_line = text.split("~")[0]
    assert len(isa_line) + 1 == 106  # fixed-width ISA
    assert s[0][13] == "987654321" and s[-1] == ["IEA", "1", "987654321"]
    assert s[1][0] == "GS" and s[1][6] == "987654321" and s[1][8] == "005010X222A1"
    assert s[-2] == ["GE", "1", "987654321"]
    assert s[2] == ["ST", "837", "0001", "005010X222A1"]
    se = s[-3]
    assert se[0] == "SE" and se[2] == "0001" and int(se[1]) == len(s) - 4
    (env,) = check_envelopes(segments(text)[1])
    assert env.set_id == "837"
    assert sum(1 for x in s if x[0] == "CLM") == 40


def test_hierarchy_groups_claims_by_provider_subscriber_and_patient():
    cls = sim_claims(1)
    s = segs_of(write(cls))
    hls = [x for x in s if x[0] == "HL"]
    assert [int(h[1]) for h in hls] == list(range(1, len(hls) + 1))
    levels = {h[1]: h for h in hls}
    for h in hls:
        if h[3] == "20":
            assert h[2] == ""
        elif h[3] == "22":
            assert levels[h[2]][3] == "20"
        else:
            assert h[3] == "23" and levels[h[2]][3] == "22" and h[4] == "0"
    # one 2000B per (insured, payer): fewer subscriber loops than claims when a member
    # has several visits
    keys = {(c.insured, c.payer) for c in cls}
    assert sum(1 for h in hls if h[3] == "22") == len(keys)
    # patient loops only for dependents; SBR02 18 only without one
    for i, x in enumerate(s):
        if x[0] == "HL" and x[3] == "22":
            sbr = s[i + 1]
            assert sbr[0] == "SBR"
            has_child = x[4] == "1"
            assert (sbr[2] == "18") != has_child


def test_claim_segments_follow_the_tr3():
    c = next(
        c for c in sim_claims(2, 300, "orthopedic-group") if c.facility and len(c.diagnoses) > 1
    )
    s = segs_of(write([c]))
    ids = [x[0] for x in s]
    clm = s[ids.index("CLM")]
    assert clm[1] == c.id and Decimal(clm[2]) == c.total_charge
    assert clm[5] == f"{c.lines[0].pos}:B:1" and clm[6:10] == ["Y", "A", "Y", "Y"]
    hi = s[ids.index("HI")]
    assert hi[1] == "ABK:" + c.diagnoses[0].replace(".", "")
    assert all(h.startswith("ABF:") and "." not in h for h in hi[2:])
    nm1 = [x for x in s if x[0] == "NM1"]
    assert [x[1] for x in nm1].count("77") == 1  # 2310C service facility
    rendering = next(x for x in nm1 if x[1] == "82")
    assert rendering[8:10] == ["XX", c.rendering.npi]
    assert s[s.index(rendering) + 1][:3] == ["PRV", "PE", "PXC"]
    sv1 = [x for x in s if x[0] == "SV1"]
    assert len(sv1) == len(c.lines)
    for x, ln in zip(sv1, c.lines, strict=True):
        assert x[1].split(":")[:2] == ["HC", ln.code]
        assert x[3] == "UN" and x[4] == str(ln.units)
        assert x[7] == ":".join(map(str, ln.dx_pointers))
    assert [x for x in s if x[:2] == ["DTP", "472"]]
    assert [x[2] for x in s if x[:2] == ["REF", "6R"]] == [ln.control_number for ln in c.lines]
    billing = next(x for x in nm1 if x[1] == "85")
    assert billing[8:10] == ["XX", c.billing.npi]
    assert ["REF", "EI", c.billing.tin.replace("-", "")] in s
    assert ["PRV", "BI", "PXC", c.billing.taxonomy] in s


def test_replacement_claim_writes_ref_f8_and_prior_auth_ref_g1():
    c = replace(sim_claims(1)[0], frequency="7", original_reference="ABC123", prior_auth="PA9")
    s = segs_of(write([c]))
    assert ["REF", "F8", "ABC123"] in s and ["REF", "G1", "PA9"] in s
    assert next(x for x in s if x[0] == "CLM")[5].endswith(":B:7")


def test_output_is_deterministic():
    cls = sim_claims(1)[:50]
    assert write(cls) == write(list(cls))


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda c: replace(c, diagnoses=()), "no diagnosis"),
        (lambda c: replace(c, diagnoses=tuple(f"A0{i}" for i in range(13))), "12"),
        (lambda c: replace(c, lines=()), "no service line"),
        (lambda c: replace(c, frequency="7"), "REF*F8"),
        (
            lambda c: replace(c, lines=(replace(c.lines[0], dx_pointers=(1, 9)),)),
            "diagnosis pointers",
        ),
        (lambda c: replace(c, id="X" * 21), "CLM01"),
    ],
)
def test_writer_refuses_claims_an_837p_cannot_express(change, message):
    bad = change(sim_claims(1)[0])
    with pytest.raises(ValueError, match=message.replace("*", r"\*")) as err:
        write([bad])
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"sender_id": "S"}, "sender_id"),
        ({"receiver_id": "X" * 16}, "receiver_id"),
        ({"interchange_control": 0}, "interchange_control"),
        ({"usage": "X"}, "usage"),
    ],
)
def test_writer_checks_envelope_arguments(kwargs, message):
    args = {**ENVELOPE, "interchange_control": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        write_837p(sim_claims(1)[:1], **args)
    with pytest.raises(ValueError, match="at least one claim"):
        write_837p([], interchange_control=1, **ENVELOPE)


# --- reading public samples ------------------------------------------------------------


def test_reads_a_dependent_claim_from_the_tr3_example():
    text = (DATA / "albmarin_badX12" / "X222-commercial-health-insurance.edi").read_text()
    (c,) = read_837p(text)
    assert c.id == "26463774" and c.total_charge == Decimal("100.00")
    assert (c.patient.first_name, c.patient.last_name, c.patient.sex) == ("TED", "SMITH", "M")
    assert c.patient.birth_date == date(1973, 5, 1)
    assert c.insured.relationship == "19" and c.insured.member_id == "JS00111223333"
    assert c.insured.group_number == "2222-SJ"
    assert (c.payer.name, c.payer.payer_id, c.payer.filing_indicator) == (
        "KEY INSURANCE COMPANY",
        "999996666",
        "CI",
    )
    assert c.billing.npi == "9876543210" and c.billing.tin == "58-7654321"
    assert c.billing.taxonomy == "203BF0100Y"
    assert c.billing.phone == "305-555-2222"  # the submitter's (1000A PER), no 2010AA PER
    assert c.diagnoses == ("034.0", "V73.89")
    assert [ln.code for ln in c.lines] == ["99213", "87070", "99214", "86663"]
    assert [ln.dx_pointers for ln in c.lines] == [(1,), (1,), (2,), (2,)]
    assert c.lines[2].service_date == date(2006, 10, 10)
    assert c.release_of_information is False  # CLM09 I


def test_reads_ndc_and_other_coverage_from_samples():
    drug = read_837p(
        (
            DATA / "albmarin_badX12" / "X222-drug-administered-in-the-physician-office.edi"
        ).read_text()
    )[0]
    assert drug.lines[1].code == "J1550" and drug.lines[1].system == "hcpcs"
    assert drug.lines[1].ndc == "00026063512" and drug.lines[1].ndc_units == "ML10"
    cob = read_837p(
        (
            DATA / "albmarin_badX12" / "X222-COB-claim-from-billing-provider-to-payer-a.edi"
        ).read_text()
    )[0]
    o = cob.other_coverage
    assert o is not None
    assert (o.insured_first_name, o.insured_last_name, o.member_id) == ("JACK", "SMITH", "T55TY666")
    assert (o.responsibility, o.relationship, o.payer_id) == ("S", "01", "999996666")
    assert cob.facility is not None and cob.facility.npi == "1581234567"


def test_reader_takes_delimiters_from_the_isa():
    text = write(sim_claims(1)[:20])
    swapped = text.translate(str.maketrans({"*": "|", ":": ">", "~": "!"}))
    assert read_837p(swapped) == read_837p(text)
    crlf = text.replace("~\n", "~\r\n")
    assert read_837p(crlf) == read_837p(text)
    one_line = text.replace("~\n", "~")
    assert read_837p(one_line) == read_837p(text)


# --- reader errors ---------------------------------------------------------------------


def reading_error(text: str) -> str:
    with pytest.raises(X12Error) as err:
        read_837p(text)
    msg = str(err.value)
    assert "\n" not in msg and isinstance(err.value, ValueError)
    return msg


def test_reader_errors_name_the_segment():
    text = write(sim_claims(1)[:5])
    lines = text.split("~\n")
    se_pos = next(i for i, s in enumerate(lines) if s.startswith("SE*")) + 1
    bad_se = text.replace(f"SE*{se_pos - 2}*0001", f"SE*{se_pos + 5}*0001")
    assert reading_error(bad_se).startswith(f"segment {se_pos} (SE): SE01 says")
    assert "GE01 says 3" in reading_error(text.replace("GE*1*", "GE*3*"))
    assert "IEA02" in reading_error(text.replace("IEA*1*000000001", "IEA*1*000000002"))
    no_se = "~\n".join(s for s in lines if not s.startswith("SE*"))
    assert "SE missing" in reading_error(no_se)
    assert "truncated" in reading_error(text[: len(text) // 2])
    assert "empty" in reading_error("")
    assert "not X12" in reading_error("hello, world")
    sv1 = next(i for i, s in enumerate(lines) if s.startswith("SV1*"))
    bad_amount = lines.copy()
    elements = bad_amount[sv1].split("*")
    elements[2] = "12x"
    bad_amount[sv1] = "*".join(elements)
    assert reading_error("~\n".join(bad_amount)) == (
        f"segment {sv1 + 1} (SV1): SV102 '12x' is not a number"
    )
    dmg = next(i for i, s in enumerate(lines) if s.startswith("DMG*"))
    bad_date = lines.copy()
    bad_date[dmg] = "DMG*D8*19991340*F"
    assert f"segment {dmg + 1} (DMG): DMG02 '19991340' is not a date" in reading_error(
        "~\n".join(bad_date)
    )


def test_reader_refuses_other_transactions():
    text = (DATA / "UHIN_x12-parser-library" / "837.edi").read_text()
    as_835 = text.replace("ST*837*", "ST*835*")
    assert "'835' is not an 837" in reading_error(as_835)
    as_837i = text.replace("005010X222A1", "005010X223A2")
    assert "institutional" in reading_error(as_837i)


# --- rcmlab x12 show -------------------------------------------------------------------


def run_cli(argv: list[str]) -> int:
    import argparse

    from rcmlab import x12cmd
    from rcmlab.cli import InputError

    parser = argparse.ArgumentParser(prog="rcmlab")
    x12cmd.add_parser(parser.add_subparsers())
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"rcmlab: {exc}", file=__import__("sys").stderr)
        return 2


def test_show_prints_a_readable_claim_and_json(tmp_path, capsys):
    sample = DATA / "albmarin_badX12" / "X222-commercial-health-insurance.edi"
    assert run_cli(["x12", "show", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "Claim 26463774" in out and "SMITH, TED" in out and "patient is child" in out
    assert "A 034.0  B V73.89" in out and "$100.00" in out
    assert run_cli(["x12", "show", str(sample), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == "26463774" and rows[0]["total_charge"] == "100.00"
    assert rows[0]["lines"][0]["service_date"] == "2006-10-03"


def test_show_bad_input_is_one_line_exit_2(tmp_path, capsys):
    bad = tmp_path / "cut.837"
    bad.write_text(write(sim_claims(1)[:3])[:700])
    assert run_cli(["x12", "show", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"rcmlab: {bad}: segment ") and "\n" not in err
    assert run_cli(["x12", "show", str(tmp_path / "missing.837")]) == 2
    assert "cannot read" in capsys.readouterr().err
