"""rcmlab code sets: ICD-10-CM, CPT teaching set, HCPCS Level II, modifiers, place of
service, CARC/RARC/group codes, NCCI PTP/MUE, and the Medicare physician fee schedule.

Every table lives in ``codesets/data/`` (sources, dates and licences in
``codesets/data/SOURCES.md``) and is validated when it is loaded: a malformed row raises
:class:`DataFileError` naming the file, the line and the field.

This package knows nothing of the simulator or of exercises (imports run one way:
``codesets`` <- ``sim`` <- ``exercises`` <- ``rcmlab``).
"""

from codesets._tables import DataFileError

__all__ = ["DataFileError"]


def summary():  # -> pandas.DataFrame
    """The code sets rcmlab ships, with their sizes and sources (a table for notebooks)."""
    import pandas as pd

    from codesets import adjustments, cpt, hcpcs, icd10cm, modifiers, ncci, pfs, pos

    icd = icd10cm.stats()
    mods = modifiers.all_modifiers()
    ncci_stats = ncci.stats()
    rows = [
        (
            "ICD-10-CM",
            f"{icd['billable']:,} billable codes of {icd['items']:,} items",
            "CDC/CMS FY2026 tabular (April 1, 2026), via simple-icd-10-cm",
        ),
        (
            "CPT teaching set",
            f"{len(cpt.teaching_set()):,} codes in plain language",
            "rcmlab's own descriptions; code numbers from the Medicare PFS 2026",
        ),
        (
            "HCPCS Level II",
            f"{len(hcpcs.all_codes(active_only=True)):,} active codes",
            "CMS quarterly file, October 2025",
        ),
        (
            "Modifiers",
            f"{sum(m.level == 'CPT' for m in mods.values())} CPT, "
            f"{sum(m.level == 'HCPCS' for m in mods.values())} Level II",
            "rcmlab's own words (CPT); CMS (Level II)",
        ),
        ("Place of service", f"{len(pos.all_assigned())} codes", "CMS POS code set"),
        (
            "CARC / RARC",
            f"{len(adjustments.carcs())} / {len(adjustments.rarcs())} codes",
            "rcmlab's own words; codes from the X12/CMS lists",
        ),
        ("NCCI PTP", f"{ncci_stats['pairs']:,} practitioner edit pairs", "CMS NCCI, 2024 Q3"),
        ("NCCI MUE", f"{ncci_stats['mue_codes']:,} codes", "CMS NCCI, effective 2026-04-01"),
        (
            "Medicare PFS",
            f"CF ${pfs.CONVERSION_FACTOR}, {len(pfs.localities())} localities",
            "CMS RVU26C (July 2026) and 2026 GPCIs",
        ),
    ]
    return pd.DataFrame(rows, columns=["code set", "size", "source"]).set_index("code set")
