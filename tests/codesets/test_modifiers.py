"""Modifiers of both levels and the codes they may go on."""

from __future__ import annotations

import pytest

from codesets import modifiers


def test_both_levels_present():
    mods = modifiers.all_modifiers()
    cpt_mods = {c for c, m in mods.items() if m.level == "CPT"}
    assert {
        "22",
        "24",
        "25",
        "26",
        "50",
        "51",
        "57",
        "59",
        "76",
        "77",
        "79",
        "91",
        "95",
    } <= cpt_mods
    assert {"P1", "P6"} <= cpt_mods
    level2 = {c for c, m in mods.items() if m.level == "HCPCS"}
    assert {"LT", "RT", "TC", "XS", "XU", "GA", "KX", "QW"} <= level2
    # The CMS file's 383 Level II modifiers include P1-P6, which CPT defines too.
    assert len(level2) == 383 - 6


@pytest.mark.parametrize(
    ("mod", "code", "ok"),
    [
        ("25", "99213", True),
        ("25", "20610", False),  # 25 is for E/M services
        ("57", "99223", True),
        ("26", "71046", True),  # chest x-ray has a professional/technical split
        ("26", "99213", False),
        ("TC", "71046", True),
        ("TC", "99213", False),
        ("59", "76942", True),
        ("XS", "20610", True),
        ("rt", "20610", True),
        ("RT", "99213", False),  # anatomic modifiers do not go on E/M visits
        ("91", "85025", True),
        ("P3", "00790", True),
        ("P3", "99213", False),
        ("ZZ", "99213", False),
    ],
)
def test_valid_for(mod, code, ok):
    result, reason = modifiers.valid_for(mod, code)
    assert result is ok, reason
    assert reason


def test_ncci_associated_flag_and_lookup():
    assert modifiers.lookup("59").ncci_associated
    assert modifiers.lookup("xs").ncci_associated
    assert not modifiers.lookup("26").ncci_associated
    assert modifiers.lookup("-25").code == "25"
    assert modifiers.lookup("25").as_dict()["notes"]["level"] == "CPT"
