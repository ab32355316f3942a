"""Place of service codes: lookups, PFS settings, and validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesets import DataFileError, pos


@pytest.mark.parametrize("code", ["11", 11, " 11 ", "11\n"])
def test_lookup_office(code: str | int) -> None:
    p = pos.lookup(code)
    assert p is not None
    assert (p.code, p.name, p.setting, p.assigned) == ("11", "Office", "non-facility", True)
    assert p.description.startswith("Location, other than a hospital, skilled nursing facility")


def test_one_digit_and_int() -> None:
    assert pos.lookup(2) == pos.lookup("02") == pos.lookup("2")
    assert pos.lookup("02").setting == "facility"  # telehealth other than the home


@pytest.mark.parametrize(
    ("code", "setting"),
    [
        ("21", "facility"),  # inpatient hospital
        ("22", "facility"),  # on campus outpatient hospital
        ("23", "facility"),  # emergency room
        ("24", "facility"),  # ambulatory surgical center
        ("31", "facility"),  # skilled nursing facility
        ("10", "non-facility"),  # telehealth in the patient's home
        ("12", "non-facility"),  # home
        ("32", "non-facility"),  # nursing facility
        ("81", "non-facility"),  # independent laboratory
    ],
)
def test_settings(code: str, setting: str) -> None:
    assert pos.setting(code) == setting


def test_unknown_and_unassigned() -> None:
    assert pos.lookup("00") is None
    assert pos.lookup(100) is None
    assert pos.lookup("ab") is None
    assert pos.setting("ab") is None
    u = pos.lookup("30")
    assert u is not None and not u.assigned and u.setting is None
    assert pos.setting("30") is None


def test_all_assigned() -> None:
    codes = [p.code for p in pos.all_assigned()]
    assert len(codes) == 52
    assert codes == sorted(codes)
    assert {"10", "27", "66"} <= set(codes)
    assert all(p.setting in ("facility", "non-facility") for p in pos.all_assigned())
    assert len(pos.load()) == 99


HEADER = "pos_code,pfs_setting,pos_name,pos_description,assigned\n"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("1,Facility,Pharmacy,A place.,True", "pos_code"),
        ("01,Hospital,Pharmacy,A place.,True", "pfs_setting"),
        ("01,,Pharmacy,A place.,True", "pfs_setting"),  # assigned needs a setting
        ("01,Facility,,A place.,True", "pos_name"),
        ("01,Facility,Pharmacy,A place.,maybe", "assigned"),
    ],
)
def test_malformed_row(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "pos.csv"
    path.write_text(HEADER + "11,Non-Facility,Office,An office.,True\n" + row + "\n")
    with pytest.raises(DataFileError, match=rf"^pos\.csv:3: field '{field}': "):
        pos.load(path)


def test_duplicate_code(tmp_path: Path) -> None:
    path = tmp_path / "pos.csv"
    path.write_text(HEADER + "11,Non-Facility,Office,An office.,True\n" * 2)
    with pytest.raises(DataFileError, match=r"^pos\.csv:3: field 'pos_code': duplicate 11"):
        pos.load(path)
