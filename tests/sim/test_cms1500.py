"""The CMS-1500 (02/12) form: box values both ways, pages, the picture and the PDF.

Formats follow the NUCC 1500 Claim Form Reference Instruction Manual (form version 02/12).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from sim import claims, cms1500
from sim.claims import ClaimLine, OtherCoverage, ReferringProvider, ServiceFacility
from sim.models import Address
from sim.simulate import simulate

SVG = "{http://www.w3.org/2000/svg}"


def _claims(seed: int, n: int) -> list[claims.Claim]:
    return claims.of_result(simulate(seed, n, claims=False))


@pytest.fixture(scope="module")
def sim_claims() -> list[claims.Claim]:
    out = []
    for seed in (3, 11, 29):
        out.extend(_claims(seed, 130))
    assert len(out) >= 300
    return out


@pytest.fixture(scope="module")
def rich(sim_claims) -> claims.Claim:
    """A claim using every box the model holds: COB, auto accident, onset, referring
    provider, service facility, replacement claim, prior auth, NDC, span dates, modifiers."""
    base = sim_claims[0]
    ln = base.lines[0]
    lines = (
        replace(
            ln,
            number=1,
            code="99213",
            modifiers=("25",),
            dx_pointers=(1, 2),
            charge=Decimal("145.00"),
            emergency=False,
        ),
        ClaimLine(
            2,
            ln.service_date,
            "11",
            "J1100",
            "hcpcs",
            ("JZ",),
            (2,),
            4,
            Decimal("48.00"),
            ndc="00054352763",
            ndc_units="UN1",
            control_number="X-2",
        ),
        ClaimLine(
            3,
            ln.service_date,
            "11",
            "97110",
            "cpt",
            ("GP", "59", "KX", "76"),
            (3, 1, 2),
            2,
            Decimal("1256.50"),
            service_date_to=date(2026, 2, 9),
            control_number="X-3",
        ),
    )
    return replace(
        base,
        diagnoses=("E11.22", "N18.31", "S83.241A"),
        lines=lines,
        referring=ReferringProvider("Ann", "Lee", "1234567893", "DN"),
        facility=ServiceFacility(
            "Kestrel Creek Imaging, Inc.", Address("12 Elm St.", "Columbus", "OH", "43215-1234")
        ),
        frequency="7",
        original_reference="PAYERCLM123",
        prior_auth="PA778899",
        onset_date=date(2026, 1, 2),
        accident="AA",
        accident_state="OH",
        amount_paid=Decimal("20.00"),
        other_coverage=OtherCoverage(
            "Rebecca",
            "Johnston",
            "CDR19760969",
            "Cedarline Open Access PPO 2000",
            "Cedarline Mutual Health",
            "SIMP2",
            "S",
        ),
    )


def _many_lines(base: claims.Claim, n: int) -> claims.Claim:
    ln = base.lines[0]
    lines = tuple(
        replace(
            ln,
            number=i,
            charge=Decimal(10 * i).quantize(Decimal("0.01")),
            control_number=f"{base.id}-{i}",
        )
        for i in range(1, n + 1)
    )
    return replace(base, lines=lines)


# --- round trips -----------------------------------------------------------------------------


def test_round_trip_with_base(sim_claims):
    for c in sim_claims:
        assert cms1500.from_boxes(cms1500.to_boxes(c), base=c) == c, c.id
        assert cms1500.from_boxes(cms1500.pages(c), base=c) == c, c.id


def test_round_trip_without_base_is_a_fixed_point(sim_claims):
    """Paper -> claim -> paper gives the same paper, and the coded content comes back."""
    for c in sim_claims:
        pg = cms1500.pages(c)
        z = cms1500.from_boxes(pg)
        assert cms1500.pages(z) == pg, c.id
        assert z.diagnoses == c.diagnoses
        assert z.lines == c.lines  # control numbers default to <account>-<line>
        assert z.total_charge == c.total_charge
        assert (z.insured.member_id, z.insured.relationship) == (
            c.insured.member_id,
            c.insured.relationship,
        )
        assert (z.patient.last_name, z.patient.birth_date, z.patient.sex) == (
            c.patient.last_name,
            c.patient.birth_date,
            c.patient.sex,
        )
        assert z.rendering.npi == c.rendering.npi and z.billing.npi == c.billing.npi
        assert z.billing.tin == c.billing.tin


def test_rich_claim_round_trips_and_prints_per_nucc(rich):
    b = cms1500.to_boxes(rich)
    assert cms1500.from_boxes(b, base=rich) == rich
    assert cms1500.pages(cms1500.from_boxes(b)) == [b]
    p = rich.patient
    assert b["2"] == f"{p.last_name}, {p.first_name}"
    assert b["3"] == p.birth_date.strftime("%m %d %Y") + f" {p.sex}"
    assert b["1"] == "GROUP HEALTH PLAN"
    assert b["8"] == b["9b"] == b["9c"] == b["30"] == ""
    assert (b["9"], b["9a"], b["9d"], b["11d"]) == (
        "Johnston, Rebecca",
        "CDR19760969",
        "Cedarline Open Access PPO 2000",
        "YES",
    )
    assert (b["10a"], b["10b"], b["10c"]) == ("NO", "YES OH", "NO")
    assert b["14"] == "01 02 26 431"
    assert (b["17"], b["17b"]) == ("DN Ann Lee", "1234567893")
    assert b["21"] == "0"
    assert (b["21.A"], b["21.B"], b["21.C"], b["21.D"]) == ("E1122", "N1831", "S83241A", "")
    assert b["22"] == "7 PAYERCLM123"
    assert b["23"] == "PA778899"
    assert b["24D.1"] == "99213 25" and b["24E.1"] == "AB" and b["24F.1"] == "145.00"
    assert b["24D.2"] == "J1100 JZ" and b["24G.2"] == "4"
    assert b["24.2.shaded"] == "N400054352763   UN1"
    assert b["24D.3"] == "97110 GP 59 KX 76" and b["24E.3"] == "CAB"
    assert b["24A.3"] == rich.lines[2].service_date.strftime("%m %d %y") + " 02 09 26"
    assert b["24F.3"] == "1256.50"  # no $ and no comma
    assert b["24I.1"] == "ZZ" and b["24J.1.shaded"] == rich.rendering.taxonomy
    assert b["25"] == rich.billing.tin.replace("-", "") + " EIN"
    assert b["28"] == "1449.50" and b["29"] == "20.00"
    assert b["32"] == "Kestrel Creek Imaging Inc\n12 Elm St\nColumbus OH 43215-1234"
    assert b["33b"] == "ZZ" + rich.billing.taxonomy
    assert b["24A.4"] == b["24D.4"] == ""


def test_boxes_are_the_documented_ids(sim_claims):
    b = cms1500.to_boxes(sim_claims[0])
    assert list(b) == list(cms1500.BOXES)
    for box in ("1", "1a", "11d", "17b", "21", "21.L", "22", "24A.6", "24.6.shaded", "33b"):
        assert cms1500.BOXES.get(box)


def test_more_than_six_lines_print_more_pages(sim_claims):
    c = _many_lines(sim_claims[0], 14)
    pg = cms1500.pages(c)
    assert len(pg) == 3
    assert [p["28"] for p in pg] == ["CONTINUED", "CONTINUED", f"{c.total_charge:.2f}"]
    assert all(list(p) == list(cms1500.BOXES) for p in pg)  # rows 1-6 on every page
    assert pg[1]["24F.1"] == "70.00" and pg[1]["24F.6"] == "120.00"  # lines 7 and 12
    assert pg[2]["24F.2"] == "140.00" and pg[2]["24D.3"] == pg[2]["24D.6"] == ""
    assert all(p["2"] == pg[0]["2"] and p["21.A"] == pg[0]["21.A"] for p in pg)
    assert cms1500.from_boxes(pg, base=c) == c
    assert cms1500.from_boxes(cms1500.to_boxes(c), base=c) == c  # page 1 only: rest kept
    z = cms1500.from_boxes(pg)
    assert z.lines == c.lines
    assert [cms1500.line_page(i) for i in (0, 5, 6, 13)] == [1, 1, 2, 3]


def test_later_pages_are_edited_as_a_list_of_pages(sim_claims):
    c = _many_lines(sim_claims[0], 8)
    z = cms1500.from_boxes([{}, {"24D.2": "99214 25", "28": f"{c.total_charge:.2f}"}], base=c)
    assert z.lines[7].code == "99214" and z.lines[7].modifiers == ("25",)
    assert z.lines[:7] == c.lines[:7]
    with pytest.raises(ValueError, match=r"^box 24E\.2 \(page 2\): 'Z' is not a diagnosis"):
        cms1500.from_boxes([{}, {"24E.2": "Z"}], base=c)
    with pytest.raises(ValueError, match=r"unknown CMS-1500 box '24D\.8'.*list of pages"):
        cms1500.from_boxes({"24D.8": "99214"}, base=c)
    with pytest.raises(ValueError, match=r"^box 2: page 2 says 'Doe, Jane' but page 1"):
        cms1500.from_boxes([cms1500.pages(c)[0], {"2": "Doe, Jane"}], base=c)


# --- reading a learner's boxes ---------------------------------------------------------------


def test_missing_boxes_keep_the_base_and_lenient_input_is_read(rich):
    c = cms1500.from_boxes(
        {
            "2": "doe, jane",
            "24F.1": "$1,256.50",
            "24D.1": "99214-25 59",
            "24E.1": "B, A",
            "24A.1": "01/05/2026",
            "3": "3/14/1975 f",
            "21.D": "z79.4",
        },
        base=rich,
    )
    assert (c.patient.last_name, c.patient.first_name) == ("doe", "jane")
    assert c.patient.birth_date == date(1975, 3, 14) and c.patient.sex == "F"
    ln = c.lines[0]
    assert ln.charge == Decimal("1256.50")
    assert (ln.code, ln.modifiers, ln.dx_pointers) == ("99214", ("25", "59"), (2, 1))
    assert ln.service_date == date(2026, 1, 5)
    assert c.diagnoses[3] == "Z79.4"
    assert c.lines[1:] == rich.lines[1:] and c.insured == rich.insured
    # the same text, other case/punctuation: the base's spelling is kept
    shouted = f"{rich.patient.last_name.upper()},{rich.patient.first_name.upper()}"
    assert cms1500.from_boxes({"2": shouted}, base=rich) == rich


def test_paper_notation_and_resubmission(rich):
    c = cms1500.from_boxes({"24F.1": "145 00", "22": "8 ABC-1", "23": ""}, base=rich)
    assert c.lines[0].charge == Decimal("145.00")
    assert (c.frequency, c.original_reference, c.prior_auth) == ("8", "ABC-1", None)
    c = cms1500.from_boxes({"22": ""}, base=rich)
    assert (c.frequency, c.original_reference) == ("1", None)


def test_boxes_the_model_does_not_hold_round_trip_in_extra(rich):
    c = cms1500.from_boxes(
        {"19": "Attachment faxed 01/09/26", "24H.1": "Y", "16": "01 02 26 01 09 26"}, base=rich
    )
    assert c == rich  # extra does not take part in equality
    b = cms1500.to_boxes(c)
    assert (b["19"], b["24H.1"], b["16"]) == ("Attachment faxed 01/09/26", "Y", "01 02 26 01 09 26")


def test_clearing_a_line_and_other_coverage(rich):
    cleared = dict.fromkeys(
        (
            "24A.3",
            "24B.3",
            "24D.3",
            "24E.3",
            "24F.3",
            "24G.3",
            "24I.3",
            "24J.3",
            "24J.3.shaded",
            "24C.3",
            "24H.3",
            "24.3.shaded",
        ),
        "",
    )
    c = cms1500.from_boxes({**cleared, "9": "", "9a": "", "9d": "", "11d": "NO"}, base=rich)
    assert len(c.lines) == 2 and c.other_coverage is None


@pytest.mark.parametrize(
    ("boxes", "where", "words"),
    [
        ({"24E.1": "1"}, "box 24E.1", "letters A-L"),
        ({"24E.1": "AM"}, "box 24E.1", "'M'"),
        ({"24E.1": "ABCDE"}, "box 24E.1", "at most 4"),
        ({"24D.1": "9921"}, "box 24D.1", "not a CPT/HCPCS code"),
        ({"24D.1": "99213 25 59 76 77 91"}, "box 24D.1", "at most 4 modifiers"),
        ({"24F.1": "12.345"}, "box 24F.1", "not an amount"),
        ({"24F.1": "-5.00"}, "box 24F.1", "negative"),
        ({"24G.1": "1.5"}, "box 24G.1", "whole number"),
        ({"24A.1": "13 45 26"}, "box 24A.1", "not a date"),
        ({"24B.1": "office"}, "box 24B.1", "place of service"),
        ({"24J.2": "1999999992"}, "box 24J.2", "one rendering provider"),
        ({"24.2.shaded": "N4 12345"}, "box 24.2.shaded", "11 digits"),
        ({"3": "13 45 1980 F"}, "box 3", "not a date"),
        ({"3": "08 05 1980"}, "box 3", "M or F"),
        ({"2": "Jane Doe"}, "box 2", "LAST, FIRST"),
        ({"1": "BLUE"}, "box 1", "MEDICARE"),
        ({"6": "NEIGHBOR"}, "box 6", "SELF"),
        ({"8": "X"}, "box 8", "reserved"),
        ({"9b": "1"}, "box 9b", "reserved"),
        ({"10a": "YES"}, "box 10b", "one accident"),
        ({"10b": "NO OH"}, "box 10b", "YES only"),
        ({"11d": "NO"}, "box 11d", "mark YES"),
        ({"14": "01 02 26 999"}, "box 14", "431"),
        ({"17": "Ann Lee"}, "box 17", "qualifier"),
        ({"21": "9"}, "box 21", "0 for ICD-10-CM"),
        ({"21.B": ""}, "box 21.C", "21.B is blank"),
        ({"21.A": "123"}, "box 21.A", "not an ICD-10-CM code"),
        ({"22": "1 X"}, "box 22", "7 (replacement)"),
        ({"25": "123456789 SSN"}, "box 25", "Social Security"),
        ({"25": "12345 EIN"}, "box 25", "9-digit EIN"),
        ({"26": ""}, "box 26", "account number"),
        ({"27": ""}, "box 27", "YES or NO"),
        ({"28": "999.00"}, "box 28", "sum of the line charges"),
        ({"33a": "12"}, "box 33a", "10 digits"),
        ({"5.zip": "4321"}, "box 5.zip", "ZIP"),
        ({"5.phone": "555-1234"}, "box 5.phone", "10 digits"),
        ({"carrier": "Acme"}, "carrier block", "lines"),
        ({"24Z.1": "x"}, "unknown CMS-1500 box", "24Z.1"),
    ],
)
def test_bad_boxes_give_one_line_errors_naming_the_box(rich, boxes, where, words):
    with pytest.raises(ValueError) as err:
        cms1500.from_boxes(boxes, base=rich)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(where) or where in msg, msg
    assert words in msg, msg


def test_lines_must_be_filled_in_order(rich):
    with pytest.raises(ValueError, match=r"^box 24D\.4: line 4 is blank but line 5"):
        cms1500.from_boxes({"24A.5": "01 05 26", "24D.5": "99213"}, base=rich)


def test_without_base_the_form_must_be_complete(rich):
    b = cms1500.to_boxes(rich)
    del b["26"]
    with pytest.raises(ValueError, match=r"^box 26: enter the patient account number$"):
        cms1500.from_boxes(b)


# --- box <-> field ---------------------------------------------------------------------------


def test_box_for_and_claim_field_map_both_ways(rich):
    cases = {
        "diagnoses[0]": "21.A",
        "diagnoses[11]": "21.L",
        "lines[1].modifiers[0]": "24D.2",
        "lines[1].code": "24D.2",
        "lines[7].dx_pointers": "24E.2",
        "lines[0].ndc": "24.1.shaded",
        "lines[2]": "24.3",
        "patient.birth_date": "3",
        "insured.member_id": "1a",
        "billing.npi": "33a",
        "billing.tin": "25",
        "referring.npi": "17b",
        "prior_auth": "23",
        "original_reference": "22",
        "payer.filing_indicator": "1",
        "other_coverage.member_id": "9a",
        "patient.address.zip": "5.zip",
    }
    for field, box in cases.items():
        assert cms1500.box_for(field) == box, field
        line = re.match(r"lines\[(\d+)\]", field)
        page = cms1500.line_page(int(line[1])) if line else 1
        fields = cms1500.claim_field(box, page=page)
        generic = re.sub(r"\.modifiers\[\d+\]$", ".modifiers", field)
        assert generic in fields, (field, fields)
    assert cms1500.box_for("accident", rich) == "10b"
    assert cms1500.box_for("accident", replace(rich, accident="EM")) == "10a"
    assert cms1500.box_for("payer.payer_id") is None  # 837P only
    assert cms1500.box_for("lines[0].control_number") is None
    assert cms1500.box_for("diagnoses[12]") is None
    assert cms1500.claim_field("8") == ()
    assert cms1500.claim_field("24D.2") == (
        "lines[1].code",
        "lines[1].system",
        "lines[1].modifiers",
    )
    assert cms1500.claim_field("24J.3") == ("rendering.npi",)
    assert cms1500.claim_field("24.3", page=2) == ("lines[8]",)
    with pytest.raises(ValueError, match=r"unknown claim field 'patient\.shoe_size'"):
        cms1500.box_for("patient.shoe_size")
    with pytest.raises(ValueError, match="unknown CMS-1500 box '99'"):
        cms1500.claim_field("99")


def test_every_box_maps_to_claim_fields_that_map_back():
    for box in cms1500.BOXES:
        for field in cms1500.claim_field(box):
            back = cms1500.box_for(field)
            assert back is not None, (box, field)


# --- the picture -----------------------------------------------------------------------------


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_render_svg_prints_the_boxes_in_red_form_with_courier_data(rich):
    svg = cms1500.render_svg(rich)
    root = ET.fromstring(svg)
    assert root.get("viewBox") == "0 0 850 1100"
    texts = _texts(svg)
    assert "HEALTH INSURANCE CLAIM FORM" in texts
    assert rich.patient.last_name.upper() + ", " + rich.patient.first_name.upper() in texts
    assert "E1122" in texts and "99213" in texts and "25" in texts
    assert "1256" in texts and "50" in texts  # 24F dollars and cents in their own columns
    assert "N400054352763   UN1" in texts
    assert texts.count("X") >= 8  # checkboxes marked (1, 3, 6, 10a-c, 11a, 11d, 25, 27)
    assert cms1500.RED in svg and "Courier" in svg
    assert svg == cms1500.render_svg(rich)  # deterministic


def test_every_box_can_be_highlighted(sim_claims):
    c = sim_claims[0]
    svg = cms1500.render_svg(c, highlight=[*cms1500.BOXES, "24.1", "24.6"])
    root = ET.fromstring(svg)
    marks = [r for r in root.iter(f"{SVG}rect") if r.get("stroke") == cms1500.HIGHLIGHT]
    assert len(marks) == len(cms1500.BOXES) + 2
    with pytest.raises(ValueError, match=r"unknown CMS-1500 box '24Q\.1'"):
        cms1500.render_svg(c, highlight=["24Q.1"])


class _Finding:  # what a scrubber finding offers: the box and the claim line
    def __init__(self, box: str, line: int | None) -> None:
        self.box, self.line = box, line


def test_highlight_follows_the_line_to_its_page(sim_claims):
    c = _many_lines(sim_claims[0], 8)
    marks = [("24D.2", 8), _Finding("21.A", None), _Finding("24E.1", 1)]
    p1 = cms1500.render_svg(c, 1, highlight=marks)
    p2 = cms1500.render_svg(c, 2, highlight=marks)
    assert p1.count(f'stroke="{cms1500.HIGHLIGHT}"') == 2  # 21.A and line 1's 24E
    assert p2.count(f'stroke="{cms1500.HIGHLIGHT}"') == 2  # 21.A and line 8's 24D
    html = cms1500.render_html(c, highlight=marks)
    assert html.count(f'stroke="{cms1500.HIGHLIGHT}"') == 4
    with pytest.raises(ValueError, match="not a claim line number"):
        cms1500.render_svg(c, highlight=[("24D.1", 0)])
    assert "PAGE 2 OF 2" in _texts(p2) and "CONTINUED" in _texts(p1)
    with pytest.raises(ValueError, match="page 3: this claim prints on 2 page"):
        cms1500.render_svg(c, 3)


def test_a_learners_form_in_progress_renders_as_typed(rich):
    boxes = {"2": "doe jane", "24D.1": "99213 25", "24F.1": "$ 12", "3": "yesterday"}
    texts = _texts(cms1500.render_svg(boxes, highlight=["2"]))
    assert "DOE JANE" in texts and "99213" in texts and "YESTERDAY" in texts


def test_render_html_and_notebook_repr(rich):
    h = cms1500.render_html(rich, highlight=["24D.1"])
    assert h.count("<svg") == 1 and "CMS-1500" in h and "$1,449.50" in h
    assert rich._repr_html_().count("<svg") == 1


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def test_to_pdf_writes_one_page_per_form_page(rich, tmp_path):
    one = cms1500.to_pdf(rich, tmp_path / "one.pdf")
    data = one.read_bytes()
    assert data.startswith(b"%PDF") and _pdf_pages(data) == 1
    long = _many_lines(rich, 14)
    data = cms1500.to_pdf(long, tmp_path / "long.pdf", highlight=[("24D.3", 9)]).read_bytes()
    assert data.startswith(b"%PDF") and _pdf_pages(data) == len(cms1500.pages(long)) == 3
    again = cms1500.to_pdf(long, tmp_path / "again.pdf", highlight=[("24D.3", 9)]).read_bytes()
    assert again == data  # deterministic


# --- layout data -------------------------------------------------------------------------------


def test_layout_file_errors_name_file_and_line(tmp_path):
    text = cms1500.LAYOUT_FILE.read_text(encoding="utf-8").splitlines()
    header_at = next(i for i, ln in enumerate(text) if ln.startswith("kind,"))
    bad = [*text[: header_at + 3], "circle,x,1,2,3,4,,", *text[header_at + 3 :]]
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^bad\.csv:{header_at + 4}: unknown kind 'circle'$"):
        cms1500._layout(path)
    bad[header_at + 3] = "box,x,1,two,3,4,,"
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^bad\.csv:{header_at + 4}: x, y, w, h must be"):
        cms1500._layout(path)
