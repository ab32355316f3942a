"""CPT: known codes from the PFS, the plain-language teaching set, the licensed loader."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from codesets import cpt, pfs
from codesets._tables import DataFileError, data_path


def test_teaching_set_size_and_coverage():
    teach = cpt.teaching_set()
    assert len(teach) >= 300
    sections = Counter(c.section for c in teach.values())
    assert set(sections) == set(cpt.SECTIONS)
    assert all(n >= 15 for n in sections.values()), sections
    systems = {c.range for c in teach.values() if c.section == "surgery"}
    # every surgery body system of the CPT book is taught
    assert systems >= set(cpt.SURGERY_SYSTEMS) - {"general"}
    em = {c.em_category for c in teach.values() if c.section == "evaluation-management"}
    assert {
        "office-new",
        "office-established",
        "preventive-new",
        "preventive-established",
        "emergency",
        "hospital-inpatient-initial",
        "consult-office",
        "critical-care",
    } <= em


def test_every_teaching_code_is_in_the_2026_pfs_and_in_its_section():
    for code, c in cpt.teaching_set().items():
        r = pfs.rvu(code)
        assert r is not None, f"{code} is not in the PFS 2026 file"
        assert r.status != "D", f"{code} is deleted"
        assert cpt.section_of(code) == c.section, code


def test_add_on_flags_agree_with_the_pfs_global_period():
    """Add-on codes carry global 'ZZZ' in the PFS; the few exceptions are explained."""
    exceptions = []
    for code, c in cpt.teaching_set().items():
        zzz = pfs.rvu(code).global_days == "ZZZ"
        if zzz != c.add_on:
            exceptions.append(code)
            assert c.add_on and c.notes, f"{code}: add-on flag disagrees with PFS, no note"
    assert len(exceptions) <= 6, exceptions


def test_descriptions_are_plain_language():
    for c in cpt.teaching_set().values():
        words = c.description.split()
        assert 4 <= len(words) <= 30, c.code
        # CPT's own descriptor style ("which requires", "medically appropriate history
        # and/or examination") must not be copied.
        low = c.description.lower()
        assert "which requires" not in low and "medically appropriate history" not in low


def test_spot_descriptions_and_em_categories():
    teach = cpt.teaching_set()
    assert teach["99213"].em_category == "office-established"
    assert "established" in teach["99213"].description.lower()
    assert teach["99203"].em_category == "office-new"
    assert teach["90472"].add_on and teach["96375"].add_on
    assert not teach["99213"].add_on
    assert teach["20610"].section == "surgery" and teach["20610"].range == "musculoskeletal"


def test_known_codes_outside_the_teaching_set_have_no_ama_text():
    code = next(
        c
        for c in ("27447", "33533", "43644", "64721", "99499", "0001F")
        if c not in cpt.teaching_set() and pfs.is_known(c)
    )
    item = cpt.lookup(code)
    assert item is not None and item.source == "none" and item.description == cpt.NOT_SHIPPED
    assert cpt.exists(code)
    assert cpt.lookup("99999") is None and not cpt.exists("99999")
    assert cpt.lookup("J1100") is None  # HCPCS Level II, not CPT


def test_section_of_ranges():
    assert cpt.section_of("99213") == "evaluation-management"
    assert cpt.section_of("00790") == "anesthesia"
    assert cpt.section_of("99140") == "anesthesia"
    assert cpt.section_of("20610") == "surgery"
    assert cpt.section_of("71046") == "radiology"
    assert cpt.section_of("85025") == "pathology-laboratory"
    assert cpt.section_of("0001U") == "pathology-laboratory"
    assert cpt.section_of("90471") == "medicine"
    assert cpt.section_of("3008F") == "category-ii"
    assert cpt.section_of("0591T") == "category-iii"


def test_search_teaching_set():
    hits = cpt.search("established office visit low", limit=5)
    assert "99213" in [h.code for h in hits]
    assert cpt.search("arthrocentisis knee", 3)  # typo tolerated
    assert [h.code for h in cpt.search("9921", 10)][:1] == ["99211"]


def test_licensed_file_replaces_descriptions(tmp_path, monkeypatch):
    lic = tmp_path / "cpt2026.csv"
    lic.write_text("code,descriptor\n99213,LICENSED TEXT FOR 99213\n27447,LICENSED 27447\n")
    try:
        assert cpt.use_licensed_file(lic) == 2
        assert cpt.lookup("99213").description == "LICENSED TEXT FOR 99213"
        assert cpt.lookup("99213").source == "licensed"
        assert cpt.lookup("99213").em_category == "office-established"  # ours kept
        assert cpt.lookup("27447").description == "LICENSED 27447"
        assert cpt.lookup("99214").source == "rcmlab"
        assert "99213" in [h.code for h in cpt.search("licensed text", 3)]
    finally:
        cpt.use_licensed_file(None)
    assert cpt.lookup("99213").source == "rcmlab"
    monkeypatch.setenv("RCMLAB_CPT_FILE", str(lic))
    try:
        assert cpt.lookup("99213").source == "licensed"
    finally:
        monkeypatch.delenv("RCMLAB_CPT_FILE")
        cpt.use_licensed_file(None)


def test_malformed_licensed_file_changes_nothing(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,descriptor\n99213,ok\n9921,too short\n")
    with pytest.raises(DataFileError, match=r"bad\.csv:3: field 'code'"):
        cpt.use_licensed_file(bad)
    assert cpt.lookup("99213").source == "rcmlab"


def test_teaching_file_rows_are_well_formed():
    with open(data_path("cpt_teaching.csv"), encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len({r["code"] for r in rows})
