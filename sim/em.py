"""E/M level selection under the 2021+ office/outpatient E/M rules (AMA CPT E/M
guidelines, adopted by CMS in the CY2021 PFS final rule; time thresholds as revised for
2024), the emergency-department levels (2023+), and preventive visits by age.

The level is *derived* from what the note documents, never picked at random:

* **Medical decision making (MDM)** has three elements — number and complexity of
  problems addressed, amount and complexity of data reviewed and analyzed, and risk of
  complications of patient management. The MDM level is the one that **two of the three**
  elements meet or exceed.
* **Total time** on the date of the encounter (office visits only) selects the level whose
  minimum time is met or exceeded.
* When both are documented the coder may use whichever supports the higher level.
"""

from __future__ import annotations

from dataclasses import dataclass

LEVELS = ("minimal", "low", "moderate", "high")  # element levels, in order
MDM_NAMES = ("straightforward", "low", "moderate", "high")

# Office/outpatient codes by MDM level (index 0 = straightforward).
OFFICE_NEW = ("99202", "99203", "99204", "99205")
OFFICE_ESTABLISHED = ("99212", "99213", "99214", "99215")
# Minimum total minutes on the date of the encounter (CPT 2024+: "must be met or exceeded").
OFFICE_NEW_MINUTES = (15, 30, 45, 60)
OFFICE_ESTABLISHED_MINUTES = (10, 20, 30, 40)
# Prolonged service (99417) starts 15 minutes past the top level's minimum time.
PROLONGED_NEW_AT, PROLONGED_ESTABLISHED_AT = 75, 55

# Emergency department 99282-99285 by MDM (99281 may not require a physician).
ED = ("99282", "99283", "99284", "99285")

# Preventive medicine visits by age (CPT: 99381-99387 new, 99391-99397 established).
PREVENTIVE_BANDS = ((0, 0), (1, 4), (5, 11), (12, 17), (18, 39), (40, 64), (65, 200))
PREVENTIVE_NEW = ("99381", "99382", "99383", "99384", "99385", "99386", "99387")
PREVENTIVE_ESTABLISHED = ("99391", "99392", "99393", "99394", "99395", "99396", "99397")


class EMError(ValueError):
    """An impossible E/M request (unknown element level, time out of range)."""


def _level(name: str, element: str) -> int:
    aliases = {
        "none": "minimal",
        "straightforward": "minimal",
        "limited": "low",
        "extensive": "high",
    }
    value = aliases.get(name, name)
    if value not in LEVELS:
        raise EMError(f"{element} level {name!r} is not one of {', '.join(LEVELS)}")
    return LEVELS.index(value)


def mdm_level(problems: str, data: str, risk: str) -> int:
    """MDM level 0-3 met by two of the three elements (AMA 2021 MDM table).

    ``data`` also accepts the table's words ``limited`` and ``extensive``.
    """
    levels = sorted(
        (_level(problems, "problems"), _level(data, "data"), _level(risk, "risk")), reverse=True
    )
    return levels[1]


def office_code_by_mdm(level: int, new: bool) -> str:
    return (OFFICE_NEW if new else OFFICE_ESTABLISHED)[level]


def office_code_by_time(minutes: int, new: bool) -> str | None:
    """The office code whose minimum time ``minutes`` meets, or None if below 99202/99212."""
    table = OFFICE_NEW_MINUTES if new else OFFICE_ESTABLISHED_MINUTES
    codes = OFFICE_NEW if new else OFFICE_ESTABLISHED
    best = None
    for code, floor in zip(codes, table, strict=True):
        if minutes >= floor:
            best = code
    return best


@dataclass(frozen=True)
class OfficeLevel:
    code: str
    mdm: int
    by_mdm: str
    by_time: str | None


def office_visit(
    problems: str, data: str, risk: str, minutes: int | None, new: bool
) -> OfficeLevel:
    """The office/outpatient E/M code supported by the documented MDM and/or total time.

    Raises :class:`EMError` when the time reaches prolonged-service territory (99417/
    G2212), which the simulator does not generate.
    """
    level = mdm_level(problems, data, risk)
    by_mdm = office_code_by_mdm(level, new)
    by_time = None
    if minutes is not None:
        limit = PROLONGED_NEW_AT if new else PROLONGED_ESTABLISHED_AT
        if minutes >= limit:
            raise EMError(f"{minutes} minutes reaches prolonged services (from {limit} minutes)")
        by_time = office_code_by_time(minutes, new)
    code = by_mdm
    if by_time is not None and int(by_time) > int(by_mdm):
        code = by_time
    return OfficeLevel(code, level, by_mdm, by_time)


def ed_visit(problems: str, data: str, risk: str) -> str:
    """Emergency department visit 99282-99285 by MDM (2023+ ED guidelines; time does not
    apply to ED visits)."""
    return ED[mdm_level(problems, data, risk)]


def preventive_visit(age: int, new: bool) -> str:
    """Preventive medicine visit by age band and new/established patient."""
    if age < 0:
        raise EMError(f"age {age} is negative")
    for i, (lo, hi) in enumerate(PREVENTIVE_BANDS):
        if lo <= age <= hi:
            return (PREVENTIVE_NEW if new else PREVENTIVE_ESTABLISHED)[i]
    raise EMError(f"age {age} is out of range")


def one_level_up(code: str) -> str | None:
    """The next higher code in the same office or ED family (for the up-coding flaw)."""
    for family in (OFFICE_NEW, OFFICE_ESTABLISHED, ED):
        if code in family:
            i = family.index(code)
            return family[i + 1] if i + 1 < len(family) else None
    return None
