"""pyx12 validation (sim.x12.validate), the 999 acknowledgment (sim.x12.ack999) and
``rcmlab x12 validate``."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from sim.x12 import X12Error, read_837p
from sim.x12.ack999 import make_999
from sim.x12.errors import segments
from sim.x12.validate import ValidationReport, validate
from tests.sim.test_x12_837 import DATA, enriched, run_cli, sim_claims, write

ACK_TIME = datetime(2026, 2, 2, 9, 0)
VALID_SAMPLES = sorted(
    [
        p
        for p in (DATA / "albmarin_badX12").glob("X222-*.edi")
        if "oxygen" not in p.name and "wheelchair" not in p.name
    ]
    + [DATA / "UHIN_x12-parser-library" / "837.edi"]
)


def position_of(text: str, prefix: str, nth: int = 0) -> int:
    hits = [s.position for s in segments(text)[1] if "*".join(s.elements).startswith(prefix)]
    return hits[nth]


# --- the property: every simulated claim passes pyx12 ----------------------------------


@pytest.mark.slow
def test_simulated_claims_pass_pyx12_with_zero_errors():
    """Over 1,000 claims from 4 seeds and 3 practices, in files of at most 150 claims."""
    runs = [
        (11, "family-practice"),
        (12, "orthopedic-group"),
        (13, "multispecialty-clinic"),
        (14, "family-practice"),
    ]
    total, files = 0, 0
    for seed, practice in runs:
        cls = sim_claims(seed, 300, practice)
        for i in range(0, len(cls), 150):
            batch = cls[i : i + 150]
            text = write(batch, control=seed * 100 + i // 150 + 1)
            report = validate(text, name=f"seed{seed}-{i}")
            assert report.ok, report.text()
            assert [t.set_id for t in report.transactions] == ["837"]
            total, files = total + len(batch), files + 1
    assert total >= 1000 and files >= 8


def test_claims_using_every_837p_field_pass_pyx12():
    """Replacement and void claims, accidents, NDC lines, 12 diagnoses, 4 modifiers, other
    coverage, referring (DN), primary care (P3) and ordering (DK, line loop 2420E)."""
    from dataclasses import replace

    from sim.claims import ReferringProvider

    base = sim_claims(1)
    self_claim = next(c for c in base if c.insured.relationship == "18")
    dependent = next(c for c in base if c.insured.relationship != "18")
    cls = [enriched(self_claim), replace(enriched(dependent), id="ENRICHED-0002")]
    for n, qual in enumerate(("DN", "P3")):
        c = enriched(dependent)
        cls.append(
            replace(
                c,
                id=f"ENRICHED-1{n}",
                frequency="8",
                accident="EM",
                accident_state=None,
                referring=ReferringProvider("Grace", "Hopper", "1245319599", qual),
            )
        )
    text = write(cls)
    report = validate(text)
    assert report.ok, report.text()
    assert "NM1*DK*1*Lovelace*Ada****XX*1234567893" in text  # 2420E, on each line
    assert "NM1*P3*1*Hopper*Grace" in text and "NM1*DN*1*Hopper*Grace" in text
    assert {c.id: c.referring.qualifier for c in read_837p(text)} == {
        "ENRICHED-0001": "DK",
        "ENRICHED-0002": "DK",
        "ENRICHED-10": "DN",
        "ENRICHED-11": "P3",
    }


# --- public samples --------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID_SAMPLES, ids=lambda p: p.name[:40])
def test_public_837p_samples_pass_and_read(path):
    report = validate(path)
    assert report.ok, report.text()
    assert report.source == str(path)
    claims = read_837p(path.read_text())
    assert claims and all(c.lines and c.diagnoses for c in claims)


@pytest.mark.parametrize("name", ["X222-oxygen.edi", "X222-wheelchair.edi"])
def test_pwk_sample_findings_name_segment_loop_and_element(name):
    path = DATA / "albmarin_badX12" / name
    text = path.read_text()
    report = validate(path)
    assert report.readable and not report.ok
    pwk = [s.position for s in segments(text)[1] if s.id == "PWK"]
    assert [f.position for f in report.findings] == pwk
    for f in report.findings:
        assert (f.segment, f.loop, f.element, f.code, f.value) == (
            "PWK",
            "2400",
            "PWK02",
            "7",
            "AD",
        )
        assert "Attachment Transmission Code" in f.message
        assert str(f).startswith(f"segment {f.position} (PWK, loop 2400): ")
    assert len(read_837p(text)) == 1  # readable all the same


def test_negative_sample_findings():
    report = validate(DATA / "imsweb_x12-parser" / "x12_segment_errors.txt")
    got = {(f.position, f.segment, f.code, f.level) for f in report.findings}
    assert (25, "SE", "4", "transaction") in got  # SE01 count wrong
    assert any(f.segment == "N3" and f.code == "3" for f in report.findings)  # N3 missing
    assert any(f.segment == "REF" and f.code == "5" for f in report.findings)  # REF too many
    assert "SE count of 25" in report.text()


def test_delimiters_come_from_the_isa():
    plain = validate(DATA / "imsweb_x12-parser" / "x12_valid.txt")
    odd = validate(DATA / "imsweb_x12-parser" / "x12_valid_different_separators.txt")
    assert plain.findings and len(plain.findings) == len(odd.findings)
    key = [(f.position, f.segment, f.code, f.element) for f in plain.findings]
    assert key == [(f.position, f.segment, f.code, f.element) for f in odd.findings]


# --- findings on damaged files -----------------------------------------------------------


def damaged_file() -> tuple[str, str]:
    text = write(sim_claims(1)[:30])
    bad = text.replace("*UN*", "*UNX*", 1)
    bad = re.sub(r"DMG\*D8\*(\d{4})\d\d", r"DMG*D8*\g<1>13", bad, count=1)
    return text, bad


def test_element_findings_give_position_loop_and_element():
    _text, bad = damaged_file()
    report = validate(bad)
    assert not report.ok
    sv1 = position_of(bad, "SV1*")
    dmg = position_of(bad, "DMG*")
    by_pos = {f.position: f for f in report.findings}
    assert by_pos[sv1].segment == "SV1" and by_pos[sv1].loop == "2400"
    assert by_pos[sv1].element == "SV103" and by_pos[sv1].value == "UNX"
    assert by_pos[dmg].element == "DMG02" and by_pos[dmg].code == "8"
    assert by_pos[dmg].set_position == dmg - 2  # position in the transaction set, ST = 1
    assert by_pos[dmg].transaction == "0001" and by_pos[dmg].group == "1"


def test_envelope_findings():
    text = write(sim_claims(1)[:5])
    se = position_of(text, "SE*")
    report = validate(text.replace(f"SE*{se - 2}*", f"SE*{se}*"))
    (f,) = report.findings
    assert (f.position, f.segment, f.code, f.level) == (se, "SE", "4", "transaction")
    cut = validate(text[: len(text) // 2])
    assert not cut.ok and cut.readable
    assert any("truncated" in f.message for f in cut.findings)
    assert any(f.segment in ("SE", "ST") and f.code == "2" for f in cut.findings)


@pytest.mark.parametrize(
    "source,words",
    [
        ("", "empty"),
        ("hello\nworld", "not X12"),
        (b"\x00\xff\xfe garbage", "not X12"),
        ("ISA*00", "incomplete"),
    ],
)
def test_unreadable_input_is_a_single_finding_at_segment_1(source, words):
    report = validate(source)
    assert not report.readable and not report.ok
    (f,) = report.findings
    assert f.position == 1 and words in f.message
    assert "not readable X12" in report.text()


def test_report_text_and_dict():
    good = validate(write(sim_claims(1)[:3]), name="three.837")
    assert good.text().startswith("three.837: ") and "valid (pyx12: no errors)" in good.text()
    d = good.as_dict()
    assert d["ok"] is True and d["groups"][0]["transactions"][0]["set_id"] == "837"
    assert isinstance(good, ValidationReport)


# --- 999 -------------------------------------------------------------------------------


def ack_segments(ack: str) -> list[list[str]]:
    return [s.elements for s in segments(ack)[1]]


def test_999_accepts_a_clean_file():
    text = write(sim_claims(1)[:10], control=55)
    ack = make_999(text, validate(text), created=ACK_TIME, control=9001)
    s = ack_segments(ack)
    assert validate(ack).ok, validate(ack).text()
    ids = [x[0] for x in s]
    assert ids == ["ISA", "GS", "ST", "AK1", "AK2", "IK5", "AK9", "SE", "GE", "IEA"]
    assert s[0][6].strip() == "RCMLABCH" and s[0][8].strip() == "KESTRELCREEK"  # swapped
    assert s[0][13] == "000009001" and s[-1] == ["IEA", "1", "000009001"]
    assert s[1][1] == "FA" and s[1][6] == "9001" and s[1][8] == "005010X231A1"
    assert s[3] == ["AK1", "HC", "55", "005010X222A1"]
    assert s[4] == ["AK2", "837", "0001", "005010X222A1"]
    assert s[5] == ["IK5", "A"] and s[6] == ["AK9", "A", "1", "1", "1"]
    assert s[7] == ["SE", "6", "0001"]


def test_999_rejects_with_ik3_ik4_and_claim_context():
    _, bad = damaged_file()
    report = validate(bad)
    ack = make_999(bad, report, created=ACK_TIME, control=2)
    assert validate(ack).ok, validate(ack).text()
    s = ack_segments(ack)
    ik3 = [x for x in s if x[0] == "IK3"]
    dmg = next(f for f in report.findings if f.segment == "DMG")
    sv1 = next(f for f in report.findings if f.segment == "SV1")
    assert ["IK3", "DMG", str(dmg.set_position), "", "8"] in ik3
    assert ["IK3", "SV1", str(sv1.set_position), "", "8"] in ik3
    ik4 = [x for x in s if x[0] == "IK4"]
    assert ["IK4", "2", "1251", "8", dmg.value] in ik4
    assert ["IK4", "3", "355", "7", "UNX"] in ik4
    first_clm = read_837p(write(sim_claims(1)[:30]))
    sv1_claim = next(c.id for c in first_clm if c.extra["x12_position"] < sv1.position)
    i = s.index(["IK3", "SV1", str(sv1.set_position), "", "8"])
    assert s[i + 1][0] == "CTX" and s[i + 1][1].startswith("CLM01:")
    assert sv1_claim in s[i + 1][1]
    assert ["IK5", "R", "5"] in s and ["AK9", "R", "1", "1", "0"] in s


def test_999_partially_accepts_a_group_with_one_bad_transaction():
    text = write(sim_claims(1)[:4])
    lines = text.split("~\n")
    st = next(i for i, x in enumerate(lines) if x.startswith("ST*"))
    se = next(i for i, x in enumerate(lines) if x.startswith("SE*"))
    second = [
        x.replace("*0001", "*0002") if x.startswith(("ST*", "SE*")) else x
        for x in lines[st : se + 1]
    ]
    second = [x.replace("*UN*", "*UNX*") if x.startswith("SV1*") else x for x in second]
    two = lines[: se + 1] + second + [lines[se + 1].replace("GE*1*", "GE*2*")] + lines[se + 2 :]
    both = "~\n".join(two)
    report = validate(both)
    assert [t.accepted for t in report.transactions] == [True, False]
    ack = make_999(both, report, created=ACK_TIME, control=3)
    assert validate(ack).ok, validate(ack).text()
    s = ack_segments(ack)
    assert ["AK9", "P", "2", "2", "1"] in s
    assert [x for x in s if x[0] == "IK5"] == [["IK5", "A"], ["IK5", "R", "5"]]


def test_999_reports_transaction_errors_in_ik5():
    text = write(sim_claims(1)[:5])
    se = position_of(text, "SE*")
    bad = text.replace(f"SE*{se - 2}*", f"SE*{se + 3}*")
    ack = make_999(bad, validate(bad), created=ACK_TIME, control=4)
    assert validate(ack).ok
    assert ["IK5", "R", "4"] in ack_segments(ack)


def test_999_cannot_acknowledge_what_is_not_x12():
    with pytest.raises(X12Error, match="not X12"):
        make_999("hello", validate("hello"), created=ACK_TIME, control=1)
    with pytest.raises(ValueError, match="control"):
        text = write(sim_claims(1)[:1])
        make_999(text, validate(text), created=ACK_TIME, control=0)


def test_pyx12_has_the_999_map():
    """pyx12 has the 999 map the acknowledgments are checked against."""
    import pyx12

    maps = Path(pyx12.__file__).parent / "map"
    assert (maps / "999.5010X231.A1.xml").exists()


# --- rcmlab x12 validate ---------------------------------------------------------------


def test_cli_validate_exit_codes(tmp_path, capsys):
    good = tmp_path / "good.837"
    good.write_text(write(sim_claims(1)[:5]))
    _, damaged = damaged_file()
    bad = tmp_path / "bad.837"
    bad.write_text(damaged)
    assert run_cli(["x12", "validate", str(good)]) == 0
    assert "good.837" in capsys.readouterr().out
    assert run_cli(["x12", "validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "valid (pyx12: no errors)" in out and "(SV1, loop 2400)" in out
    junk = tmp_path / "junk.txt"
    junk.write_text("not an interchange")
    assert run_cli(["x12", "validate", str(junk)]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        err == f"rcmlab: {junk}: segment 1: this is not X12: an interchange starts with 'ISA', "
        "this starts with 'not an interchange'"
    )
    assert run_cli(["x12", "validate", str(tmp_path / "nope.837")]) == 2
    assert "nope.837: cannot read the file" in capsys.readouterr().err
