"""NCCI PTP edits and MUEs: spot values from the CMS tables, the modifier-indicator
logic, validation of malformed files, and speed."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pytest

from codesets import DataFileError, ncci
from codesets._tables import data_path

# --- counts and spot values ------------------------------------------------------------


def test_counts() -> None:
    assert ncci.stats() == {"pairs": 534_253, "column1_codes": 5_299, "mue_codes": 15_095}


def test_mue_20610() -> None:
    m = ncci.mue("20610")
    assert m is not None
    assert (m.code, m.value, m.mai) == ("20610", 2, 3)
    assert m.mai_description == "Date of Service Edit: Clinical"
    assert m.effective_date == "2026-04-01"
    assert m.date_of_service_edit
    assert ncci.mue(" 20610 ") == m


def test_mue_unknown_and_case() -> None:
    assert ncci.mue("99999") is None
    assert ncci.mue("g0439") == ncci.mue("G0439")


def test_ptp_20610_76942() -> None:
    e = ncci.ptp("20610", "76942")
    assert e is not None
    assert (e.column1, e.column2, e.modifier_indicator) == ("20610", "76942", 1)
    assert e.modifier_allowed
    assert e.deletion_date is None
    assert e.rationale == "CPT Manual or CMS manual coding instruction"
    # the exact ordered pair only
    assert ncci.ptp("76942", "20610") is None
    # either order, with the real columns
    assert ncci.ptp_between("76942", "20610") == e
    assert ncci.ptp_between("20610", "76942") == e


def test_ptp_column2() -> None:
    edits = ncci.ptp_column2("20610")
    assert any(e.column2 == "76942" for e in edits)
    assert all(e.column1 == "20610" for e in edits)
    assert len({e.column2 for e in edits}) == len(edits)
    assert ncci.ptp_column2("99999") == []


def test_no_edit() -> None:
    assert ncci.ptp("99999", "99213") is None
    assert ncci.ptp("20610", "") is None
    assert ncci.ptp("20610", "7694") is None  # a partial code never matches
    assert ncci.check_pair("99213", "99999") is None


def test_every_ptp_row_well_formed() -> None:
    """Check every row of the shipped file directly (not through the loader)."""
    with gzip.open(data_path("ncci_ptp_practitioner.csv.gz"), "rt", encoding="utf-8") as fh:
        header, _, body = fh.read().partition("\n")
    assert header == "column1,column2,deletion_date,modifier_indicator,rationale_id"
    lines = body.splitlines()
    assert len(lines) == 534_253
    # two well-formed codes, no deletion date (active edits only), indicator 0/1,
    # a rationale id of ncci_ptp_rationale.csv (1-12)
    row = re.compile(r"^[0-9A-Z]{5},[0-9A-Z]{5},,[01],(?:[1-9]|1[0-2])$", re.MULTILINE)
    good = len(row.findall(body))
    if good != len(lines):
        bad = next(x for x in lines if not row.fullmatch(x))
        pytest.fail(f"{len(lines) - good} malformed PTP rows, e.g. {bad!r}")
    assert not re.search(r"^(\w{5}),\1,", body, re.MULTILINE)  # no code paired with itself


# --- modifier-indicator logic ----------------------------------------------------------


def test_indicator_1_without_modifier_is_denied() -> None:
    v = ncci.check_pair("20610", "76942")
    assert v is not None and not v.allowed
    assert v.denied_code == "76942"
    assert v.reason == (
        "NCCI PTP: 76942 is a column 2 code of 20610 (modifier indicator 1): not payable "
        "separately unless a modifier such as 59/XS shows a distinct service"
    )


@pytest.mark.parametrize("mod", ["59", "XS", "xs", " xu ", "XE", "XP"])
def test_indicator_1_bypassed_by_modifier_on_column2(mod: str) -> None:
    v = ncci.check_pair("20610", "76942", (), [mod])
    assert v is not None and v.allowed
    assert v.bypass_modifier == mod.strip().upper()
    assert v.denied_code is None
    assert "bypasses the edit" in v.reason


def test_modifier_order_follows_codes() -> None:
    # a is the column 2 code here: modifiers_a belong to it
    v = ncci.check_pair("76942", "20610", ["59"], [])
    assert v is not None and v.allowed and v.edit.column1 == "20610"
    # a single string is one modifier, not two characters
    v = ncci.check_pair("76942", "20610", "59")
    assert v is not None and v.allowed


def test_modifier_on_column1_does_not_bypass() -> None:
    v = ncci.check_pair("20610", "76942", ["59"], [])
    assert v is not None and not v.allowed
    assert "belongs on the column 2 code" in v.reason


def test_non_ncci_modifier_does_not_bypass() -> None:
    v = ncci.check_pair("20610", "76942", [], ["GA", "26"])
    assert v is not None and not v.allowed


def test_anatomic_modifiers() -> None:
    # 11042 (debridement) / 97597 (wound care): indicator 1
    assert ncci.ptp("11042", "97597").modifier_indicator == 1
    other_side = ncci.check_pair("11042", "97597", ["RT"], ["LT"])
    assert other_side.allowed and other_side.bypass_modifier == "LT"
    same_side = ncci.check_pair("11042", "97597", ["RT"], ["RT"])
    assert not same_side.allowed
    assert "same anatomic site" in same_side.reason


def test_indicator_0_never_bypassed() -> None:
    e = ncci.ptp("10004", "36591")
    assert e is not None and e.modifier_indicator == 0 and not e.modifier_allowed
    for mods in ([], ["59"], ["XS", "XU", "LT"]):
        v = ncci.check_pair("10004", "36591", [], mods)
        assert v is not None and not v.allowed
        assert "no modifier bypasses" in v.reason


def test_all_ncci_associated_modifiers_listed() -> None:
    expected = {"59", "XE", "XP", "XS", "XU", "24", "25", "57", "58", "78", "79", "27", "91"}
    expected |= {"E1", "E2", "E3", "E4", "FA", "TA", "LT", "RT", "LC", "LD", "LM", "RC", "RI"}
    expected |= {f"F{i}" for i in range(1, 10)} | {f"T{i}" for i in range(1, 10)}
    assert expected == ncci.NCCI_ASSOCIATED_MODIFIERS


# --- loading other files: indicator 9, deletion dates, malformed rows -------------------


def _write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


PTP_HEADER = ["column1", "column2", "deletion_date", "modifier_indicator", "rationale_id"]
MUE_HEADER = [
    "hcpcs_code",
    "effective_date",
    "mue_value",
    "mai",
    "mai_description",
    "mue_rationale",
]
MUE_ROW = ["20610", "2026-04-01", "2", "3", "Date of Service Edit: Clinical", "Clinical: Data"]


def _small_tables(tmp_path: Path, ptp_rows: list[list[str]], mue_rows=None):
    ptp = _write(tmp_path / "ptp.csv", [PTP_HEADER, *ptp_rows])
    mue = _write(tmp_path / "mue.csv", [MUE_HEADER, *(mue_rows or [MUE_ROW])])
    return ptp, mue


def test_small_table_indicator_9_and_deleted(tmp_path: Path) -> None:
    ptp, mue = _small_tables(
        tmp_path,
        [
            ["20610", "76942", "", "9", "2"],
            ["20610", "99213", "2025-01-01", "0", "7"],
            ["20611", "20610", "", "0", "8"],
        ],
    )
    e = ncci.load(ptp, mue)
    assert e.stats() == {"pairs": 3, "column1_codes": 2, "mue_codes": 1}
    v = e.check_pair("20610", "76942")
    assert v.allowed and "not applicable" in v.reason
    deleted = e.ptp("20610", "99213")
    assert deleted.deletion_date == "2025-01-01"
    assert e.check_pair("20610", "99213").allowed
    assert e.check_pair("20610", "99213", date_of_service="2025-06-30").allowed
    assert not e.check_pair("20610", "99213", date_of_service="2024-12-31").allowed
    assert e.ptp("20611", "20610").rationale == "More extensive procedure"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (["20610", "76942", "", "2", "2"], "modifier_indicator"),
        (["2061", "76942", "", "1", "2"], "column1"),
        (["20610", "7694a", "", "1", "2"], "column2"),
        (["20610", "76942", "", "1", "99"], "rationale_id"),
        (["20610", "76942", "someday", "1", "2"], "deletion_date"),
        (["20610", "76942", "", "", "2"], "modifier_indicator"),
    ],
)
def test_malformed_ptp_row(tmp_path: Path, row: list[str], field: str) -> None:
    ptp, mue = _small_tables(tmp_path, [["20610", "99213", "", "1", "2"], row])
    with pytest.raises(DataFileError, match=rf"^ptp\.csv:3: field '{field}': "):
        ncci.load(ptp, mue)


def test_duplicate_ptp_pair(tmp_path: Path) -> None:
    ptp, mue = _small_tables(
        tmp_path, [["20610", "76942", "", "1", "2"], ["20610", "76942", "", "0", "2"]]
    )
    with pytest.raises(DataFileError, match=r"^ptp\.csv:3: field 'column2': duplicate pair"):
        ncci.load(ptp, mue)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (["20610", "2026-04-01", "-1", "3", "x", "y"], "mue_value"),
        (["20610", "2026-04-01", "two", "3", "x", "y"], "mue_value"),
        (["20610", "2026-04-01", "2", "4", "x", "y"], "mai"),
        (["20610", "April", "2", "3", "x", "y"], "effective_date"),
        (["206100", "2026-04-01", "2", "3", "x", "y"], "hcpcs_code"),
    ],
)
def test_malformed_mue_row(tmp_path: Path, row: list[str], field: str) -> None:
    ptp, mue = _small_tables(tmp_path, [["20610", "76942", "", "1", "2"]], [row])
    with pytest.raises(DataFileError, match=rf"^mue\.csv:2: field '{field}': "):
        ncci.load(ptp, mue)
