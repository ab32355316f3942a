"""CARC / RARC / group codes / claim frequency codes: own-words tables, consistency."""

from __future__ import annotations

import csv
import re

import pytest

from codesets import adjustments, claim_frequency
from codesets._tables import DataFileError, read_table
from tests.conftest import shared_reference


def test_sizes_meet_the_course_needs():
    assert len(adjustments.carcs()) >= 80
    assert len(adjustments.rarcs()) >= 60
    assert set(adjustments.groups()) == {"CO", "CR", "OA", "PI", "PR"}


@pytest.mark.parametrize(
    "code",
    [
        "1",
        "2",
        "3",
        "4",
        "11",
        "16",
        "18",
        "22",
        "27",
        "29",
        "45",
        "50",
        "96",
        "97",
        "109",
        "151",
        "167",
        "170",
        "185",
        "197",
        "204",
        "234",
        "236",
        "242",
        "252",
    ],
)
def test_core_carcs_are_present_and_described(code):
    c = adjustments.carc(code)
    assert c is not None and len(c.description) > 20
    assert c.usual_groups


def test_patient_responsibility_codes_are_pr():
    for code in ("1", "2", "3"):
        assert adjustments.carc(code).usual_groups == ("PR",)
        assert adjustments.carc(code).category == "patient-responsibility"


def test_every_usual_rarc_is_in_the_rarc_table():
    for c in adjustments.carcs().values():
        for r in c.usual_rarc:
            assert adjustments.rarc(r) is not None, (c.code, r)


def test_parse_and_describe_adjustments():
    assert adjustments.parse_adjustment("co-197") == ("CO", "197")
    assert adjustments.parse_adjustment(" PR 1 ") == ("PR", "1")
    assert adjustments.parse_adjustment("OA18") == ("OA", "18")
    assert adjustments.describe("CO-45").startswith("CO-45: Contractual Obligation")
    for bad in ("XX-45", "CO-9999", "", "45"):
        with pytest.raises(ValueError):
            adjustments.parse_adjustment(bad)


def _words(s: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", s.lower())


def _shares_run(a: str, b: str, n: int = 8) -> bool:
    wa, wb = _words(a), _words(b)
    grams = {tuple(wb[i : i + n]) for i in range(len(wb) - n + 1)}
    return any(tuple(wa[i : i + n]) in grams for i in range(len(wa) - n + 1))


def test_descriptions_are_our_own_words_not_the_x12_text():
    """X12 asserts copyright on the CARC list text: ours must not copy it."""
    ref = shared_reference("carc.csv")
    if ref is None:
        pytest.skip("../shared/reference/cms not beside this checkout")
    with open(ref, encoding="utf-8") as fh:
        official = {r["carc_code"]: r for r in csv.DictReader(fh)}
    for code, c in adjustments.carcs().items():
        assert code in official, f"CARC {code} is not in the X12 list"
        assert not _shares_run(c.description, official[code]["description"]), code
        if official[code]["stop_date"]:
            assert c.stop_date, f"CARC {code} is retired: say so"


def test_rarcs_exist_in_the_cms_list():
    ref = shared_reference("rarc.csv")
    if ref is None:
        pytest.skip("../shared/reference/cms not beside this checkout")
    with open(ref, encoding="utf-8") as fh:
        official = {r["rarc_code"]: r for r in csv.DictReader(fh)}
    for code, r in adjustments.rarcs().items():
        assert code in official, code
        assert r.kind == ("alert" if official[code]["is_alert"] == "True" else "remark"), code


def test_claim_frequency_codes():
    codes = claim_frequency.codes()
    assert set(codes) == {"1", "7", "8"}
    assert codes["7"].needs_original_reference and codes["8"].needs_original_reference
    assert not codes["1"].needs_original_reference
    assert "box 22" in codes["7"].use


def test_a_malformed_carc_row_names_file_line_and_field(tmp_path):
    bad = tmp_path / "carc.csv"
    bad.write_text(
        "code,description,usual_groups,category,usual_rarc,stop_date\n"
        "1,Deductible,PR,patient-responsibility,,\n"
        "2,Coinsurance,XX,patient-responsibility,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"carc\.csv:3: field 'usual_groups': 'XX'"):
        list(read_table(bad, adjustments.CARC_COLUMNS, required=("code", "description")))
