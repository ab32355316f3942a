"""E/M level selection: MDM two-of-three, total time, ED, preventive bands."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import em

LEVEL = st.sampled_from(em.LEVELS)


@pytest.mark.parametrize(
    ("problems", "data", "risk", "level"),
    [
        ("minimal", "minimal", "minimal", 0),
        ("low", "minimal", "low", 1),
        ("moderate", "limited", "moderate", 2),  # 2 of 3 at moderate
        ("moderate", "limited", "low", 1),  # only one element reaches moderate
        ("high", "extensive", "moderate", 3),
        ("high", "minimal", "low", 1),
        ("low", "extensive", "high", 3),
    ],
)
def test_mdm_two_of_three(problems, data, risk, level):
    assert em.mdm_level(problems, data, risk) == level


@given(LEVEL, LEVEL, LEVEL)
def test_mdm_is_the_middle_element(p, d, r):
    levels = sorted([em.LEVELS.index(p), em.LEVELS.index(d), em.LEVELS.index(r)])
    assert em.mdm_level(p, d, r) == levels[1]


@pytest.mark.parametrize(
    ("minutes", "new", "code"),
    [
        (9, False, None),
        (10, False, "99212"),
        (19, False, "99212"),
        (20, False, "99213"),
        (30, False, "99214"),
        (40, False, "99215"),
        (54, False, "99215"),
        (14, True, None),
        (15, True, "99202"),
        (30, True, "99203"),
        (45, True, "99204"),
        (60, True, "99205"),
        (74, True, "99205"),
    ],
)
def test_time_thresholds(minutes, new, code):
    assert em.office_code_by_time(minutes, new) == code


def test_office_visit_takes_the_higher_of_mdm_and_time():
    v = em.office_visit("moderate", "limited", "moderate", 22, new=False)
    assert (v.code, v.by_mdm, v.by_time) == ("99214", "99214", "99213")
    v = em.office_visit("low", "minimal", "low", 41, new=False)
    assert (v.code, v.by_mdm, v.by_time) == ("99215", "99213", "99215")
    v = em.office_visit("low", "limited", "low", None, new=True)
    assert v.code == "99203" and v.by_time is None
    with pytest.raises(em.EMError):
        em.office_visit("low", "low", "low", 55, new=False)  # prolonged services


def test_ed_and_preventive():
    assert em.ed_visit("minimal", "minimal", "minimal") == "99282"
    assert em.ed_visit("high", "extensive", "high") == "99285"
    assert [em.preventive_visit(a, True) for a in (0, 1, 4, 5, 11, 12, 17, 18, 39, 40, 64, 65)] == [
        "99381",
        "99382",
        "99382",
        "99383",
        "99383",
        "99384",
        "99384",
        "99385",
        "99385",
        "99386",
        "99386",
        "99387",
    ]
    assert em.preventive_visit(70, False) == "99397"
    assert em.one_level_up("99213") == "99214" and em.one_level_up("99215") is None
    assert em.one_level_up("99284") == "99285"
    with pytest.raises(em.EMError):
        em.mdm_level("severe", "low", "low")
