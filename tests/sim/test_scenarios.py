"""Every scenario template loads, and every answer key it can produce is verified.

Like Synthea's ValidationTest: one test that walks all content. For each template, every
slot option that can change the key, every preventive age band in its age range, new and
established patients, and every flaw it declares are rendered and checked against the code
sets (sim.verify): a template that can produce an invalid key fails here.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date

import pytest

from codesets import ncci, pfs
from sim import verify
from sim.scenarios import engine

SCENARIOS = engine.load_all()


def test_enough_scenarios_over_enough_specialties():
    specialties = Counter(s.specialty for s in SCENARIOS.values())
    assert len(SCENARIOS) >= 80, f"{len(SCENARIOS)} templates"
    assert len(specialties) >= 8, specialties


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_every_key_is_valid(sid):
    s = SCENARIOS[sid]
    sexes = ["F", "M"] if s.sex == "any" else [s.sex]
    checked = 0
    for slots, age, new, flaw in s.key_variants():
        for sex in sexes:
            facts = engine.PatientFacts("Test", "Patient", sex, age)
            visit = s.render(
                random.Random(checked),
                facts,
                new_patient=new,
                visit_date=date(2026, 3, 2),
                flaw=flaw,
                slots=slots,
            )
            problems = verify.problems(visit.diagnoses, visit.lines, sex, age)
            assert not problems, f"{sid} ({sex}, {age}, new={new}, {slots}): {problems}"
            if flaw == "ncci-no-separate-site":
                extra = visit.billed_lines[-1]
                bundled = any(ncci.ptp_between(ln.code, extra.code) for ln in visit.lines)
                in_global = any(
                    (r := pfs.rvu(ln.code)) is not None and r.global_days == "090"
                    for ln in visit.lines
                )
                assert bundled or in_global, f"{sid}: {extra.code} is not bundled by any edit"
            if flaw:
                assert visit.flaws and visit.flaws[0].kind == flaw, f"{sid}: {flaw} not applied"
                assert (visit.billed_lines, visit.billed_diagnoses) != (
                    visit.lines,
                    visit.diagnoses,
                )
            else:
                assert visit.billed_lines == visit.lines
            checked += 1
    assert checked


@pytest.mark.parametrize("sid", sorted(SCENARIOS))
def test_notes_render_without_leftover_placeholders(sid):
    s = SCENARIOS[sid]
    rng = random.Random(sid)
    lo, hi = s.age_range
    for _ in range(15):
        age = rng.randint(lo, hi)
        sex = rng.choice(["F", "M"]) if s.sex == "any" else s.sex
        visit = s.render(
            rng,
            engine.PatientFacts("Ana", "Diaz", sex, age),
            new_patient=False,
            visit_date=date(2026, 5, 4),
        )
        assert "{" not in visit.note and "[[" not in visit.note and "  " not in visit.note
        for section in ("HPI", "ASSESSMENT", "IMPRESSION", "PLAN"):
            if section in visit.note:
                break
        else:
            pytest.fail(f"{sid}: note lacks its sections")
