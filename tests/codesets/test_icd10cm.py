"""ICD-10-CM FY2026: counts, notes, validation verdicts, Excludes1, search, cache."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codesets import icd10cm


def test_counts_match_the_fy2026_tabular():
    stats = icd10cm.stats()
    # 98,505 items in tabular order, as simple-icd-10-cm lists them (39 single-category
    # blocks share their category's name, e.g. block B99 holds category B99).
    assert stats["items"] == 98_505
    assert len(icd10cm.all_codes()) == 98_505
    # 74,719 distinct billable codes (leaves that are codes, each counted once).
    assert stats["billable"] == 74_719
    # simple-icd-10-cm's own leaf count is 74,736: over its 98,505-item list, 5 billable
    # categories are listed twice (once under their same-named block: B20, ...), and 12
    # heading blocks that hold no codes in the XML (C00-C96, M00-M25, ...) count as
    # leaves. Neither is a billable code.
    names = icd10cm.all_codes()
    twice = sum(icd10cm.is_billable(c) for c in names)
    empty_blocks = [
        c for c in names if not icd10cm.children(c) and icd10cm.lookup(c).kind == "block"
    ]
    assert twice - stats["billable"] == 5
    assert len(empty_blocks) == 12 and "C00-C96" in empty_blocks
    assert twice + len(empty_blocks) == 74_736
    assert stats["chapters"] == 22


def test_lookup_fields_for_a_category_and_a_code():
    e11 = icd10cm.lookup("E11")
    assert e11.description == "Type 2 diabetes mellitus"
    assert not e11.billable
    assert e11.chapter == "4" and e11.block == "E08-E13"
    assert "type 1 diabetes mellitus (E10.-)" in e11.excludes1
    assert "diabetes NOS" in e11.includes
    assert any("Z79.4" in n for n in e11.use_additional_code)
    assert "E11.9" in e11.children

    code = icd10cm.lookup("e1122")  # case and dot are normalised
    assert code.code == "E11.22" and code.billable and code.parent == "E11.2"
    # Inherited from the category: Excludes1 and the use-additional-code note.
    assert "type 1 diabetes mellitus (E10.-)" in code.excludes1
    assert any("N18.1-N18.6" in n for n in code.use_additional_code)


def test_seventh_character_definitions_are_inherited():
    item = icd10cm.lookup("S52.521A")
    assert item.billable
    assert set(item.seventh_characters) == {"A", "D", "G", "K", "P", "S"}
    assert item.seventh_characters["A"] == "initial encounter for closed fracture"
    assert "S52.52" in item.seventh_character_note
    t = icd10cm.lookup("T36.0X1A")
    assert t.billable and set(t.seventh_characters) >= {"A", "D", "S"}
    assert icd10cm.lookup("E11.9").seventh_characters == {}


def test_inclusion_terms_and_code_first():
    assert "high blood pressure" in icd10cm.lookup("I10").includes
    assert icd10cm.lookup("J45.909").inclusion_terms == ("Asthma NOS",)
    assert any("underlying condition" in n for n in icd10cm.lookup("E08").code_first)
    assert icd10cm.lookup("Z68.41").billable  # BMI code (inherits its block notes)


@pytest.mark.parametrize(
    ("typed", "status", "code"),
    [
        ("E11.22", "billable", "E11.22"),
        ("e1122", "billable", "E11.22"),
        ("  E11.22 ", "billable", "E11.22"),
        ("E11", "not-billable", "E11"),
        ("N18.3", "not-billable", "N18.3"),
        ("S52.521", "needs-7th-character", "S52.521"),
        ("T36.0X1", "needs-7th-character", "T36.0X1"),
        ("E11.99", "not-a-code", None),
        ("E08-E13", "not-a-code", "E08-E13"),
        ("hello", "not-a-code", None),
        ("", "not-a-code", None),
    ],
)
def test_validate_verdicts(typed, status, code):
    v = icd10cm.validate(typed)
    assert v.status == status
    assert v.code == code
    assert v.message


def test_not_billable_says_how_many_more_characters_and_shows_children():
    v = icd10cm.validate("N18.3")
    assert v.characters_needed == 1
    assert [c for c, _ in v.options] == ["N18.30", "N18.31", "N18.32"]
    assert "add 1 more character" in v.message
    v = icd10cm.validate("E11")
    assert v.characters_needed == 1 and "1 to 4 more characters" in v.message


def test_needs_seventh_character_lists_options():
    v = icd10cm.validate("S52.521")
    assert {c for c, _ in v.options} == {f"S52.521{x}" for x in "ADGKPS"}
    assert "A (initial encounter for closed fracture)" in v.message
    assert v.characters_needed == 1


def test_placeholder_x_is_handled():
    # A 5-character code that needs a 7th character takes X placeholders.
    v = icd10cm.validate("X99.9")
    assert v.status == "needs-7th-character"
    assert "placeholder X" in v.message and "X99.9XXA" in v.message
    assert v.characters_needed == 3
    # A learner who left the placeholder out is told which code was meant.
    for typed in ("T36.01A", "t3601a"):
        v = icd10cm.validate(typed)
        assert v.status == "not-a-code"
        assert v.options[0][0] == "T36.0X1A"
        assert "placeholder X" in v.message


def test_unknown_codes_get_nearest_suggestions():
    v = icd10cm.validate("E11.99")
    assert v.status == "not-a-code"
    assert "E11.9" in [c for c, _ in v.options]
    assert icd10cm.nearest("S52.5299") and all(icd10cm.exists(c) for c in icd10cm.nearest("Q2"))


def test_excludes1_type1_and_type2_diabetes():
    conflicts = icd10cm.excludes1_conflicts(["E11.9", "E10.9", "N18.31"])
    pairs = {(c.code, c.excluded) for c in conflicts}
    assert pairs == {("E11.9", "E10.9"), ("E10.9", "E11.9")}
    first = next(c for c in conflicts if c.code == "E11.9")
    assert first.note_on == "E11" and "E10.-" in first.note
    assert "Excludes1" in first.message and "I.A.12.a" in first.message


def test_excludes1_clean_sets_and_ranges():
    assert icd10cm.excludes1_conflicts(["E11.22", "N18.31", "Z79.4"]) == []
    # E11 excludes gestational diabetes (O24.4-): a prefix reference one level down.
    assert {(c.code, c.excluded) for c in icd10cm.excludes1_conflicts(["E11.9", "O24.410"])} >= {
        ("E11.9", "O24.410")
    }


@pytest.mark.parametrize(
    ("note", "refs"),
    [
        ("type 1 diabetes mellitus (E10.-)", [("E10", "E10")]),
        ("gestational diabetes (O24.4-)", [("O244", "O244")]),
        ("diabetes mellitus (E08-E13)", [("E08", "E13")]),
        ("stage (N18.1-N18.6)", [("N181", "N186")]),
        ("neonatal diabetes mellitus (P70.2)", [("P702", "P702")]),
        ("two (K50.-, K51.-)", [("K50", "K50"), ("K51", "K51")]),
        ("injuries (S00-T88) with fifth character 4", []),
    ],
)
def test_parse_references(note, refs):
    assert icd10cm.parse_references(note) == refs


def test_search_ranks_and_tolerates_typos():
    hits = icd10cm.search("type 2 diabetes chronic kidney disease", limit=5)
    assert hits[0].code == "E11.22"
    assert icd10cm.search("type 2 diabetes ckd", limit=3)[0].code == "E11.22"  # abbreviation
    typo = icd10cm.search("diabetis insipidus", limit=3)
    assert typo and typo[0].code in {"E23.2", "N25.1"}
    assert (
        icd10cm.search("torus fracture lower end right radius initial", limit=1)[0].code
        == "S52.521A"
    )
    # Inclusion terms are searched too ("diabetes NOS" is an inclusion term of E11).
    assert any(h.code.startswith("E11") for h in icd10cm.search("insulin resistant diabetes", 5))
    # As-you-type prefixes.
    assert any(h.code.startswith("I10") for h in icd10cm.search("essential hypert", 5))


def test_search_by_code_prefix_and_billable_only():
    hits = icd10cm.search("e11.2", limit=10)
    assert [h.code for h in hits] == ["E11.2", "E11.21", "E11.22", "E11.29"]
    only = icd10cm.search("e11.2", limit=10, billable_only=True)
    assert [h.code for h in only] == ["E11.21", "E11.22", "E11.29"]
    assert all(h.billable for h in icd10cm.search("fracture of femur", 20, billable_only=True))
    assert icd10cm.search("", 5) == [] and icd10cm.search("zzzzqqq", 5) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_validate_never_raises_on_any_input(s):
    v = icd10cm.validate(s)
    assert v.status in {"billable", "not-billable", "needs-7th-character", "not-a-code"}
    assert isinstance(v.message, str) and "\n" not in v.message


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(range(98_505)))
def test_every_item_is_consistent(i):
    code = icd10cm.all_codes()[i]
    item = icd10cm.lookup(code)
    assert item is not None and item.description
    if item.billable:
        assert icd10cm.validate(code).status == "billable"
    for child in item.children:
        # (a block named like its only category, e.g. B10, resolves to the category)
        assert icd10cm.parent(child) in (item.code, child)


def test_cache_cold_build_then_warm_and_corrupt_rebuild(tmp_cache):
    """A cold start builds and caches; a corrupt cache file is rebuilt, not trusted."""
    code = (
        "import sys, codesets.icd10cm as I; built = I.load(); "
        "assert I.is_billable('E11.22'); print(built)"
    )
    env_run = lambda: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert env_run() == "True"  # cold: built from the XML
    assert env_run() == "False"  # warm: from the cache
    files = list(tmp_cache.glob("icd10cm-*.marshal"))
    assert len(files) == 1
    blob = files[0].read_bytes()
    files[0].write_bytes(blob[: len(blob) // 2])  # truncate: corrupt
    assert env_run() == "True"  # rebuilt
    assert env_run() == "False"
