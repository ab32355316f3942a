"""The calendar of visits at a practice: who comes in, when, for what, under which coverage.

Generation is **partitionable**: encounter ``k`` of a run belongs to chunk ``k // CHUNK``,
and a chunk draws everything from its own RNG seeded with ``(seed, chunk)``. Chunks can be
generated in any order, in parallel processes, and concatenate to the same output.

A patient is identified by a *panel slot* — ``(sex, birth year, slot number)`` — and is
generated from an RNG seeded with that slot, so an established patient drawn in two
different chunks is the same person with the same coverage. New-patient visits get a
fresh slot of their own.

Per encounter, in order:

1. the date: the practice's clinic days, ``capacity`` visits a day, in encounter order;
2. the scenario: specialty mix x template weight x season;
3. new or established patient (the template's probability), and a patient who fits the
   template's sex and age range;
4. the patient's coverage (primary, maybe secondary); a lapsed primary on the date of
   service is flagged ``expired-coverage``;
5. provider and location (specialty, place of service);
6. flaws: with probability ``flaw_rate`` a template flaw is planted; a service on the
   primary plan's prior-auth list gets an authorization number, or (at ``flaw_rate``)
   none and the flag ``missing-auth``; a gatekeeper HMO's specialist, imaging or procedure
   visit outside primary care gets the PCP's referral number, or (at ``flaw_rate``) none
   and the flag ``missing-referral``;
7. render the note and key (``sim.scenarios.engine``), then verify the key against the
   code sets (``sim.verify``) — an invalid key stops the run: it is a content bug.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from typing import Any

from sim import people, verify
from sim.models import Coverage, Encounter, Flaw, Patient, Payer, Plan, Practice
from sim.scenarios import engine

CHUNK = 1000
DEFAULT_FLAW_RATE = 0.08
# Established panel: slots per (sex, birth year) for each provider of the practice
# (4 providers x 10 = 40 slots; over ~100 birth years and two sexes, ~8,000 patients).
PANEL_SLOTS_PER_PROVIDER = 10


class SimulationError(RuntimeError):
    """The simulation cannot go on (a content bug, such as a key that fails verification)."""


def season(day: date) -> str:
    return (
        "winter",
        "winter",
        "spring",
        "spring",
        "spring",
        "summer",
        "summer",
        "summer",
        "fall",
        "fall",
        "fall",
        "winter",
    )[day.month - 1]


@dataclass
class Config:
    seed: int
    practice: Practice
    payers: dict[str, Payer]
    plans: dict[str, Plan]
    scenarios: dict[str, engine.Scenario]
    start: date = date(2026, 1, 5)
    flaw_rate: float = DEFAULT_FLAW_RATE
    only_scenario: str | None = None
    notes: bool = True  # False: Encounter.note = "" (bulk runs; a different draw of visits)

    def capacity(self) -> int:
        return max(1, len(self.practice.providers) * self.practice.visits_per_provider_day)


def visit_date(cfg: Config, k: int) -> date:
    """Date of encounter ``k``: clinic days in order, ``capacity`` visits per day."""
    day_index = k // cfg.capacity()
    days = cfg.practice.clinic_days
    weeks, rem = divmod(day_index, len(days))
    monday = cfg.start - timedelta(days=cfg.start.weekday())
    d = monday + timedelta(weeks=weeks, days=days[rem])
    return d if d >= cfg.start else d + timedelta(weeks=1)


class _Picker:
    """Scenario weights per season (specialty mix x template weight x season)."""

    def __init__(self, cfg: Config) -> None:
        pool = list(cfg.scenarios.values())
        if cfg.only_scenario:
            pool = [cfg.scenarios[cfg.only_scenario]]
        mix = cfg.practice.specialty_mix
        if not cfg.only_scenario:
            pool = [s for s in pool if mix.get(s.specialty, 0) > 0]
        if not pool:
            raise SimulationError("no scenario matches the practice's specialty mix")
        self.pool = pool
        # The specialty mix holds in every season; within a specialty, templates share
        # its visits by weight x season (flu in winter, injuries in summer).
        self.weights: dict[str, list[float]] = {}
        for sea in ("winter", "spring", "summer", "fall"):
            totals: dict[str, float] = {}
            for s in pool:
                totals[s.specialty] = totals.get(s.specialty, 0.0) + s.weight * s.seasons[sea]
            self.weights[sea] = [
                mix.get(s.specialty, 1.0) * s.weight * s.seasons[sea] / totals[s.specialty]
                if totals[s.specialty] > 0
                else 0.0
                for s in pool
            ]

        self.cum = {sea: list(itertools.accumulate(w)) for sea, w in self.weights.items()}

    def pick(self, rng: random.Random, day: date) -> engine.Scenario:
        return rng.choices(self.pool, cum_weights=self.cum[season(day)])[0]


@dataclass
class ChunkResult:
    encounters: list[Encounter]
    patients: dict[str, Patient]
    coverages: dict[str, Coverage]
    scenario_counts: dict[str, int]


class _Panel:
    """Patients and their coverage, generated deterministically from their slot."""

    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.patients: dict[str, Patient] = {}
        self.coverages: dict[str, list[Coverage]] = {}
        plan_ids = [p for p in cfg.practice.payer_mix if p in cfg.plans]
        self.plan_weights = {p: cfg.practice.payer_mix[p] for p in plan_ids}
        self.slots = max(1, PANEL_SLOTS_PER_PROVIDER * len(cfg.practice.providers))
        self.fake = _pool(cfg.seed).faker(random.Random(0))
        self.run_key = _KnownPatients.key(cfg)

    def _make(self, pid: str, seed_key: str, sex: str, birth: date) -> Patient:
        if pid in self.patients:
            return self.patients[pid]
        # An established patient is a pure function of (run, slot): a worker that meets
        # them again in a later chunk reuses them instead of building them again.
        known = _KNOWN.get(self.run_key, pid)
        if known is not None:
            self.patients[pid], self.coverages[pid] = known
            return known[0]
        patient = self._build(pid, seed_key, sex, birth)
        if pid.startswith("P"):
            _KNOWN.put(self.run_key, pid, (patient, self.coverages[pid]))
        return patient

    def _build(self, pid: str, seed_key: str, sex: str, birth: date) -> Patient:
        rng = random.Random(f"{self.cfg.seed}:{seed_key}")
        fake = self.fake
        fake.reseed(rng)
        # Coverage is set up as of the first day of the simulation (or birth, for a baby
        # born later), and the same person keeps it for every visit.
        on = max(self.cfg.start, birth)
        patient = people.make_patient(
            fake,
            rng,
            pid,
            sex=sex,
            age=max(0, on.year - birth.year - 1),
            on=on,
            state=self.cfg.practice.address.state,
        )
        patient = replace(patient, birth_date=birth)
        self.patients[pid] = patient
        self.coverages[pid] = people.make_coverages(
            fake,
            rng,
            patient,
            on=on,
            plans=self.cfg.plans,
            payers=self.cfg.payers,
            plan_weights=self.plan_weights,
            flaw_rate=self.cfg.flaw_rate,
        )
        return patient

    def draw(
        self, rng: random.Random, s: engine.Scenario, day: date, new: bool, chunk: int, k: int
    ) -> Patient:
        lo, hi = s.age_range
        sex = rng.choice("FM") if s.sex == "any" else s.sex
        age = rng.randint(lo, hi)
        slot = rng.randrange(self.slots)
        # The birthday belongs to the slot (not the year), so the same slot in another
        # birth year is another person, and the same person recurs across chunks.
        doy = random.Random(f"{self.cfg.seed}:bday:{sex}:{slot}:{new and k}").randrange(365)
        month_day = date(2001, 1, 1) + timedelta(days=doy)
        year = day.year - age
        if (month_day.month, month_day.day) > (day.month, day.day):
            year -= 1  # birthday not reached yet this year: born a year earlier
        birth = date(year, month_day.month, month_day.day)
        if new:
            pid = f"N{k:08d}"  # k is the run-wide encounter number: unique
            return self._make(pid, f"new:{chunk}:{k}", sex, birth)
        pid = f"P{sex}{birth.year}{slot:03d}"
        return self._make(pid, f"panel:{pid}", sex, birth)


class _KnownPatients:
    """Panel patients already built in this process for the current run (bounded)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self._run: tuple[Any, ...] | None = None
        self._items: dict[str, tuple[Patient, list[Coverage]]] = {}

    @staticmethod
    def key(cfg: Config) -> tuple[Any, ...]:
        # Everything a panel patient and their coverage depend on (plans and payers come
        # from the shipped payers file, loaded once per process).
        p = cfg.practice
        return (
            cfg.seed,
            p.id,
            tuple(sorted(p.payer_mix.items())),
            p.address.state,
            len(p.providers),
            cfg.start,
            cfg.flaw_rate,
            tuple(sorted(cfg.plans)),
        )

    def get(self, run: tuple[Any, ...], pid: str) -> tuple[Patient, list[Coverage]] | None:
        if self._run != run:
            return None
        return self._items.get(pid)

    def put(self, run: tuple[Any, ...], pid: str, value: tuple[Patient, list[Coverage]]) -> None:
        if self._run != run:
            self._run, self._items = run, {}
        if len(self._items) < self.LIMIT:
            self._items[pid] = value


_KNOWN = _KnownPatients()


def warm_up(cfg: Config) -> None:
    """Load what every chunk needs (code-set indexes, the people pool) once, so that
    worker processes forked afterwards start with it in memory."""
    from codesets import icd10cm, ncci

    icd10cm.load()
    ncci.ptp("99213", "99214")
    verify.demographic_edits()
    _pool(cfg.seed).addresses(cfg.practice.address.state)


@cache
def _pool(seed: int) -> people.PeoplePool:
    """One pool of Faker-made names and addresses per process and seed."""
    return people.PeoplePool(seed)


def _coverage_flaws(
    cfg: Config, day: date, coverages: list[Coverage]
) -> tuple[Coverage | None, Coverage | None, list[Flaw]]:
    primary = next((c for c in coverages if c.order == 1), None)
    secondary = next((c for c in coverages if c.order == 2), None)
    flaws: list[Flaw] = []
    if primary is not None and not primary.active_on(day):
        flaws.append(
            Flaw(
                "expired-coverage",
                (
                    f"The primary coverage ({cfg.plans[primary.plan_id].name}, member "
                    f"{primary.member_id}) ended {primary.termination}: verify eligibility before "
                    "the visit and bill the current payer or the patient (CARC 27: expenses "
                    "incurred after coverage terminated)."
                ),
            )
        )
    return primary, secondary, flaws


def encounter_of(
    eid: str,
    scenario: Any,
    visit: Any,
    *,
    patient: Patient,
    provider: Any,
    location: Any,
    day: date,
    new_patient: bool,
    primary: Coverage | None,
    secondary: Coverage | None,
    prior_auth: str | None = None,
    referral: str | None = None,
    flaws: tuple[Flaw, ...] = (),
) -> Encounter:
    """The :class:`Encounter` of a rendered scenario visit (``engine.Visit``): its note and
    verified key, what was billed, the visit's flaws plus ``flaws`` (coverage and
    authorization flaws found while scheduling). The one way to build an encounter; the
    exercise generators use it too."""
    return Encounter(
        id=eid,
        patient_id=patient.id,
        provider_npi=provider.npi,
        location_id=location.id,
        pos=scenario.pos,
        date=day,
        scenario=scenario.id,
        specialty=scenario.specialty,
        title=scenario.title,
        new_patient=new_patient,
        note=visit.note,
        diagnoses=visit.diagnoses,
        lines=visit.lines,
        billed_diagnoses=visit.billed_diagnoses,
        billed_lines=visit.billed_lines,
        flaws=(*visit.flaws, *flaws),
        em=visit.em,
        visit_type=scenario.visit_type,
        primary_coverage_id=primary.id if primary else None,
        secondary_coverage_id=secondary.id if secondary else None,
        prior_auth=prior_auth,
        referral=referral,
    )


def _referral(
    cfg: Any, primary: Any, provider: Any, visit_type: str, rng: Any, flaws: list[Flaw]
) -> str | None:
    """The PCP's referral number for a gatekeeper plan's specialist, imaging or procedure
    visit with a provider outside primary care (the plan's ``referral_required_for``); at
    the flaw rate the referral was never obtained (a teaching flaw: CARC 288). No random
    draw happens for any other visit, so practices without such visits are unchanged."""
    from sim.payer.strategies import PRIMARY_CARE_TAXONOMIES

    if primary is None:
        return None
    plan = cfg.plans[primary.plan_id]
    if not plan.requires_referral or visit_type not in plan.rules.get("referral_required_for", ()):
        return None
    if provider.taxonomy in PRIMARY_CARE_TAXONOMIES:
        return None
    if rng.random() < cfg.flaw_rate:
        flaws.append(
            Flaw(
                "missing-referral",
                f"{plan.name} needs a referral from the member's primary care provider for a "
                f"{visit_type} visit, and none is on file (CARC 288: referral absent).",
            )
        )
        return None
    return f"RF{rng.randrange(10**8):08d}"


def generate_chunk(cfg: Config, chunk: int, count: int, first: int) -> ChunkResult:
    """Encounters ``first .. first+count-1`` (all in chunk ``chunk``)."""
    rng = random.Random(f"{cfg.seed}:chunk:{chunk}")
    picker = _Picker(cfg)
    panel = _Panel(cfg)
    practice = cfg.practice
    by_specialty: dict[str, list[Any]] = {}
    for p in practice.providers:
        by_specialty.setdefault(p.specialty, []).append(p)
    out: list[Encounter] = []
    counts: dict[str, int] = {}
    for k in range(first, first + count):
        day = visit_date(cfg, k)
        s = picker.pick(rng, day)
        new = rng.random() < s.new_patient_p
        patient = panel.draw(rng, s, day, new, chunk, k)
        primary, secondary, flaws = _coverage_flaws(cfg, day, panel.coverages[patient.id])
        providers = by_specialty.get(s.specialty) or list(practice.providers)
        provider = rng.choice(providers)
        location = next(
            (loc for loc in practice.locations if loc.pos == s.pos), practice.locations[0]
        )
        flaw_kind = None
        if s.flaw_specs and rng.random() < cfg.flaw_rate:
            flaw_kind = rng.choices(
                [f["kind"] for f in s.flaw_specs], [f.get("weight", 1.0) for f in s.flaw_specs]
            )[0]
        facts = engine.PatientFacts(
            patient.first_name, patient.last_name, patient.sex, patient.age_on(day)
        )
        visit = s.render(
            rng,
            facts,
            new_patient=new,
            visit_date=day,
            provider_name=provider.name,
            flaw=flaw_kind,
            notes=cfg.notes,
        )
        problems = verify.problems(visit.diagnoses, visit.lines, patient.sex, facts.age)
        if problems:
            raise SimulationError(f"scenario {s.id}: invalid key {problems[0]}")
        prior_auth = None
        if primary is not None:
            auth_codes = set(cfg.plans[primary.plan_id].rules.get("prior_auth_codes", ()))
            needs = [ln.code for ln in visit.lines if ln.code in auth_codes]
            if needs:
                if rng.random() < cfg.flaw_rate:
                    flaws.append(
                        Flaw(
                            "missing-auth",
                            (
                                f"{', '.join(needs)} needs prior authorization under "
                                f"{cfg.plans[primary.plan_id].name} and none was obtained "
                                "(CARC 197: precertification/authorization absent)."
                            ),
                        )
                    )
                else:
                    prior_auth = f"PA{rng.randrange(10**9):09d}"
        referral = _referral(cfg, primary, provider, s.visit_type, rng, flaws)
        eid = f"E{cfg.seed % 100000:05d}{k:07d}"
        out.append(
            encounter_of(
                eid,
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
                referral=referral,
                flaws=tuple(flaws),
            )
        )
        counts[s.id] = counts.get(s.id, 0) + 1
    coverages = {c.id: c for covs in panel.coverages.values() for c in covs}
    return ChunkResult(out, panel.patients, coverages, counts)
