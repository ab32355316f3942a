"""Rule 6 — age and sex edits: each code must fit the patient on the date of service.

Some diagnoses and procedures exist only for one sex (pregnancy, prostate) or one age
band (newborn, pediatric, well-child and preventive visit ranges). The edits are the
simulator's own table, ``sim/data/demographic_edits.csv`` — a conservative subset of the
CMS Medicare Code Editor's age and sex edits and the CPT age ranges — applied through
:func:`sim.verify.demographic_problem`, the same check that verifies every answer key.

The age is the patient's age on the date of service: the first date of the claim for the
diagnoses (box 21), each line's own date for its code (box 24D). Runs after the validity
rules: a code that does not exist has no age or sex. Without a birth date or sex the rule
stays silent (the required-field rule reports that).
"""

from __future__ import annotations

from sim.clearinghouse.scrubber._context import (
    MEMO_LIMIT,
    ClaimContext,
    all_true,
    diagnosis_box,
    line_box,
    memo,
    remember,
)
from sim.verify import demographic_problem

SLUG = "age-sex"
TITLE = "Age and sex edits"
MEMO_KEY = "coding+patient"  # judged on the coding and the patient's sex and age

_SEX_WORDS = {"F": "female ", "M": "male ", "U": ""}
_MISSING = object()
# (sex, age) -> ({diagnosis: problem}, {procedure code: problem}); None means it fits.
# ``_fits`` holds the same codes with True for those that fit (the fast path's memo).
_tables: dict[tuple[str, int], tuple[dict[str, str | None], dict[str, str | None]]] = memo()
_fits: dict[tuple[str, int], tuple[dict[str, bool], dict[str, bool]]] = memo()


def _for_patient(sex: str, age: int) -> tuple[dict[str, str | None], dict[str, str | None]]:
    key = (sex, age)
    try:
        return _tables[key]
    except KeyError:
        remember(_fits, key, ({}, {}))
        return remember(_tables, key, ({}, {}))


def _problem(table: dict, system: str, code: str, sex: str, age: int) -> str | None:
    if len(table) >= MEMO_LIMIT:
        table.clear()
    found = table[code] = demographic_problem(system, code, sex, age)
    fits = _fits.get((sex, age))
    if fits is not None:
        fit = fits[0 if system == "icd10cm" else 1]
        if len(fit) < MEMO_LIMIT:
            fit[code] = found is None
    return found


def _all_fit(ctx: ClaimContext) -> bool:
    """The fast path: every code is known to fit a patient of this sex and age."""
    fits = _fits.get((ctx.sex, ctx.age))
    return (
        fits is not None
        and ctx.one_day
        and all_true(fits[0], ctx.dx)
        and all_true(fits[1], ctx.codes)
    )


def _about_sex(problem: str) -> bool:
    # demographic_problem words a sex edit "<code> is for female patients only (...)"
    return " patients only (" in problem


def check(ctx: ClaimContext, out: list) -> None:
    """Append a finding for each diagnosis or procedure that does not fit the patient."""
    sex, age = ctx.sex, ctx.age
    if age is None or sex not in _SEX_WORDS or _all_fit(ctx):
        return
    dx_memo, px_memo = _for_patient(sex, age)
    for k, code in enumerate(ctx.dx[:12]):
        problem = dx_memo.get(code, _MISSING)
        if problem is _MISSING:
            problem = _problem(dx_memo, "icd10cm", code, sex, age) if code else None
        if problem:
            status = "86" if _about_sex(problem) else "255"
            who = f"a {_SEX_WORDS[sex]}patient aged {age}"
            out.append(
                ctx.finding(
                    SLUG,
                    diagnosis_box(k),
                    f"{problem}; box 3 shows {who}: "
                    "check the code or the patient's sex and birth date (CMS "
                    "Medicare Code Editor age/sex edits)",
                    "A8",
                    status,
                )
            )
    first, days = ctx.first_day, ctx.days
    for i, code in enumerate(ctx.codes):
        day = days[i]
        if day == first:
            problem = px_memo.get(code, _MISSING)
            if problem is _MISSING:
                problem = _line_problem(px_memo, code, sex, age)
        else:  # a line on a later date: the patient may be a year older
            line_age = ctx.age_on(day)
            if line_age is None:
                continue
            problem = _line_problem(_for_patient(sex, line_age)[1], code, sex, line_age)
        if problem:
            status = "474" if _about_sex(problem) else "475"
            out.append(
                ctx.finding(
                    SLUG,
                    line_box("D", i),
                    f"{problem}: check the code or the patient's sex and birth date in box 3",
                    "A8",
                    status,
                    line=i,
                )
            )


def _line_problem(table: dict, code: str, sex: str, age: int) -> str | None:
    found = table.get(code, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    if not code:
        return None
    return _problem(table, "hcpcs" if code[0].isalpha() else "cpt", code, sex, age)
