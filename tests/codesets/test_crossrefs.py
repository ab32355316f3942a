"""Cross-references between the tables: every code in one table is a code of another."""

from __future__ import annotations

import csv
import gzip
import re

from codesets import cpt, hcpcs, modifiers, pos
from codesets._tables import data_path

LEVEL2 = re.compile(r"[A-V][0-9]{4}")


def _rows(name: str):
    path = data_path(name)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _is_code(code: str) -> bool:
    return bool(cpt.CODE_RE.fullmatch(code) or LEVEL2.fullmatch(code))


def test_mue_codes_are_cpt_or_level2_codes_we_know():
    unknown_level2 = []
    for r in _rows("ncci_mue_practitioner.csv.gz"):
        code = r["hcpcs_code"]
        assert _is_code(code), code
        if LEVEL2.fullmatch(code) and not code.startswith("D") and not hcpcs.exists(code):
            unknown_level2.append(code)
    assert unknown_level2 == []


def test_ptp_level2_codes_exist_in_hcpcs():
    seen = set()
    for r in _rows("ncci_ptp_practitioner.csv.gz"):
        for code in (r["column1"], r["column2"]):
            if code in seen:
                continue
            seen.add(code)
            assert _is_code(code), code
            if LEVEL2.fullmatch(code) and not code.startswith("D"):
                assert hcpcs.exists(code), code


def test_pfs_level2_codes_resolve_and_2026_additions_fall_back_to_the_pfs():
    missing = []
    for r in _rows("pfs_rvu_2026.csv.gz"):
        code = r["hcpcs"]
        if r["modifier"] or not LEVEL2.fullmatch(code) or code.startswith("D"):
            continue
        if not hcpcs.exists(code):
            missing.append(code)
    assert missing == []
    a2040 = hcpcs.lookup("A2040")  # skin substitute product added January 2026
    if a2040 is not None and "PFS 2026" in a2040.source:
        assert a2040.description
    assert hcpcs.lookup("D0150") is None  # CDT dental codes are out of scope


def test_level2_modifier_scopes_name_real_modifiers():
    level2 = hcpcs.modifiers()
    for r in _rows("level2_modifier_scope.csv"):
        assert r["modifier"] in level2, r["modifier"]


def test_modifier_scopes_reference_real_ranges():
    for m in modifiers.all_modifiers().values():
        for item in m.applies_to:
            if "-" in item:
                lo, hi = item.split("-")
                assert lo <= hi and len(lo) == len(hi) == 5, (m.code, item)


def test_place_of_service_codes_are_two_digits():
    for place in pos.all_assigned():
        assert re.fullmatch(r"[0-9]{2}", place.code)
    assert pos.lookup("11").setting == "non-facility"
    assert pos.lookup("21").setting == "facility"
