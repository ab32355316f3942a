"""The simulated world the generators draw from: one practice, its payers and the scenario
templates, loaded once per process; one encounter rendered straight from a template per
seed (no full ``simulate()`` run: a template render plus a patient and coverage is
~100x faster).

Every random choice comes from ``random.Random(f"{name}:{seed}")``, so a generator gives the
same exercise for the same seed and options.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from sim import claims, people
from sim.claims import Claim
from sim.encounters import encounter_of
from sim.models import Coverage, Encounter, Patient
from sim.scenarios import engine
from sim.simulate import make_config

PRACTICE = "multispecialty-clinic"
START = date(2026, 1, 5)


@cache
def world() -> Any:
    """The generators' practice, payers, plans and scenarios (``sim.encounters.Config``)."""
    return make_config(0, practice=PRACTICE, flaw_rate=0.0)


@cache
def _pool() -> people.PeoplePool:
    return people.PeoplePool("exercise-generators")


def scenarios(specialty: str | None = None) -> list[engine.Scenario]:
    """The templates, sorted by id, optionally of one specialty (ValueError if none)."""
    out = sorted(world().scenarios.values(), key=lambda s: s.id)
    if specialty is not None:
        out = [s for s in out if s.specialty == specialty]
        if not out:
            known = sorted({s.specialty for s in world().scenarios.values()})
            raise ValueError(f"specialty {specialty!r}: none of {', '.join(known)}")
    return out


def pick(rng: random.Random, specialty: str | None, scenario: str | None) -> engine.Scenario:
    """The template: the one named, or a draw among the specialty's (all when None)."""
    if scenario is not None:
        try:
            return engine.find(scenario)
        except Exception as exc:  # ContentError: unknown name or bad file
            raise ValueError(str(exc)) from None
    return rng.choice(scenarios(specialty))


@dataclass(frozen=True)
class Case:
    """One generated visit with its world objects."""

    scenario: engine.Scenario
    encounter: Encounter
    patient: Patient
    coverages: tuple[Coverage, ...]


def case(
    name: str, seed: int, *, specialty: str | None = None, scenario: str | None = None
) -> Case:
    """Render one encounter for ``seed``: template, day, patient, coverage, note and key."""
    cfg = world()
    rng = random.Random(f"{name}:{seed}")
    s = pick(rng, specialty, scenario)
    day = START + timedelta(days=rng.randrange(300))
    sex = rng.choice("FM") if s.sex == "any" else s.sex
    age = rng.randint(*s.age_range)
    fake = _pool().faker(rng)
    pid = f"G{seed % 10**8:08d}"
    patient = people.make_patient(
        fake, rng, pid, sex=sex, age=age, on=day, state=cfg.practice.address.state
    )
    coverages = people.make_coverages(
        fake,
        rng,
        patient,
        on=day,
        plans=cfg.plans,
        payers=cfg.payers,
        plan_weights=cfg.practice.payer_mix,
        flaw_rate=0.0,
        lapse_rate=0.0,
    )
    providers = [p for p in cfg.practice.providers if p.specialty == s.specialty]
    provider = rng.choice(providers or list(cfg.practice.providers))
    location = next(
        (loc for loc in cfg.practice.locations if loc.pos == s.pos), cfg.practice.locations[0]
    )
    facts = engine.PatientFacts(patient.first_name, patient.last_name, sex, age)
    new = rng.random() < s.new_patient_p
    visit = s.render(rng, facts, new_patient=new, visit_date=day, provider_name=provider.name)
    primary = next((c for c in coverages if c.order == 1), None)
    secondary = next((c for c in coverages if c.order == 2), None)
    auth_codes = (
        set(cfg.plans[primary.plan_id].rules.get("prior_auth_codes", ())) if primary else set()
    )
    prior_auth = (
        f"PA{rng.randrange(10**9):09d}"
        if any(ln.code in auth_codes for ln in visit.lines)
        else None
    )
    encounter = encounter_of(
        f"G{seed % 10**12:012d}",
        s,
        visit,
        patient=patient,
        provider=provider,
        location=location,
        day=day,
        new_patient=new,
        primary=primary,
        secondary=secondary,
        prior_auth=prior_auth,
    )
    return Case(s, encounter, patient, tuple(coverages))


def claim_of(c: Case) -> Claim | None:
    """The correct claim for the case (``None`` for a self-pay patient)."""
    cfg = world()
    return claims.from_encounter(
        c.encounter,
        practice=cfg.practice,
        patients={c.patient.id: c.patient},
        coverages={cov.id: cov for cov in c.coverages},
        plans=cfg.plans,
        payers=cfg.payers,
        billed=False,
    )
