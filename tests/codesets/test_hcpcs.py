"""HCPCS Level II: the complete CMS quarterly file and the Level II modifiers."""

from __future__ import annotations

import re

import pytest

from codesets import hcpcs
from codesets._tables import DataFileError, read_table


def test_complete_file():
    codes = hcpcs.all_codes()
    assert len(codes) == 8_463
    assert all(re.fullmatch(r"[A-V][0-9]{4}", c.code) for c in codes)
    assert len({c.code for c in codes}) == 8_463
    terminated = [c for c in codes if c.termination_date]
    assert len(terminated) == 1_205
    assert all(not c.active for c in terminated)
    assert len(hcpcs.modifiers()) == 383


def test_spot_values():
    j = hcpcs.lookup("J1100")
    assert j.description == "Injection, dexamethasone sodium phosphate, 1 mg"
    assert j.active and j.betos == "O1E"
    assert hcpcs.lookup(" j1100 ").code == "J1100"
    g = hcpcs.lookup("G0439")
    assert "wellness" in g.description.lower()
    assert hcpcs.lookup("Z9999") is None
    assert hcpcs.modifiers()["RT"].short_description == "Right side"
    assert hcpcs.modifiers()["XS"].active


def test_is_active_on_a_date():
    t = next(c for c in hcpcs.all_codes() if c.termination_date)
    assert not hcpcs.is_active(t.code)
    assert hcpcs.is_active(t.code, on=t.termination_date)
    assert hcpcs.is_active("J1100", on="2026-01-01")
    assert not hcpcs.is_active("J1100", on="1970-01-01")  # before it was added


def test_search():
    hits = hcpcs.search("dexamethasone injection 1 mg", limit=5)
    assert "J1100" in [c.code for c in hits]
    assert hcpcs.search("wheelchar seat cushion", 3)[0].code.startswith("E")  # typo
    assert [c.code for c in hcpcs.search("J110", 5)][:1] == ["J1100"]
    assert all(c.active for c in hcpcs.search("injection", 30))


def test_malformed_row_is_named(tmp_path):
    bad = tmp_path / "hcpcs.csv"
    bad.write_text(
        "hcpcs_code,long_description,short_description,is_active_oct2025,betos,coverage_code,"
        "add_date,termination_date\nJ1100,Dexa,Dexa,True,,,,\n99213,Visit,Visit,True,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match=r"hcpcs\.csv:3: field 'hcpcs_code'"):
        list(read_table(bad, hcpcs.COLUMNS, required=("hcpcs_code",)))
