"""Run a simulation: the practice's calendar of encounters, as model objects and tables.

    result = simulate(seed=7, encounters=500)            # Python API (notebooks)
    result.tables["encounters"]                          # pandas DataFrames
    result.write("out/")                                 # CSV + summary.json, atomically

``rcmlab simulate`` is a thin front to :func:`simulate` and :meth:`Result.write`.
Chunks of :data:`sim.encounters.CHUNK` encounters are independent (seeded from
``(seed, chunk)``), so ``workers > 1`` generates them in parallel processes with
byte-identical output.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from sim import world
from sim.encounters import (
    CHUNK,
    DEFAULT_FLAW_RATE,
    Config,
    SimulationError,
    generate_chunk,
    warm_up,
)
from sim.models import Coverage, Encounter, Patient
from sim.scenarios import engine

__all__ = ["Result", "SimulationError", "simulate"]

TABLES = (
    "practice",
    "providers",
    "locations",
    "payers",
    "plans",
    "patients",
    "coverage",
    "encounters",
    "coded_diagnoses",
    "coded_lines",
)


@dataclass
class Result:
    """The simulated encounters with their patients and coverage, and the world."""

    config: Config
    encounters: list[Encounter]
    patients: dict[str, Patient]
    coverages: dict[str, Coverage]
    scenario_counts: dict[str, int]
    submissions: list[Any] = field(default_factory=list)  # clearinghouse.frontend.Submission
    cycle: Any = None  # sim.cycle.Cycle: adjudication, remittances, ledger, KPIs
    validate_x12: bool = True
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @cached_property
    def _encounters_by_id(self) -> dict[str, Encounter]:
        return {e.id: e for e in self.encounters}

    def encounter_of(self, claim: Any) -> Encounter | None:
        """The encounter a claim was built from (None for a claim from elsewhere)."""
        return self._encounters_by_id.get(claim.encounter_id or claim.id)

    @property
    def claims(self) -> list[Any]:
        """Every claim the practice submitted (one per insured encounter)."""
        return [c for sub in self.submissions for c in sub.claims]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables as DataFrames (built on first use)."""
        if not self._tables:
            self._tables = build_tables(self)
        return self._tables

    def summary(self) -> dict[str, Any]:
        return summarize(self)

    def write(self, out: Path | str) -> Path:
        """Write the CSV tables and summary.json into ``out`` — all or nothing: files are
        written to a temporary folder first and moved into ``out`` only when complete."""
        return write(self, Path(out))

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in s.items() if not isinstance(v, dict)
        )
        return f"<table><caption>Simulation (seed {s['seed']})</caption>{rows}</table>"


_WORKER_CONFIG: dict[tuple[Any, ...], Config] = {}


def _run_chunk(args: tuple[tuple[Any, ...], int, int, int]) -> Any:
    """Generate one chunk. A worker process loads the world itself (once) from the
    small, picklable run specification rather than receiving the loaded objects."""
    spec, chunk, count, first = args
    cfg = _WORKER_CONFIG.get(spec)
    if cfg is None:
        seed, practice, scenario, start, flaw_rate, notes = spec
        cfg = make_config(
            seed,
            practice=practice,
            scenario=scenario,
            start=start,
            flaw_rate=flaw_rate,
            notes=notes,
        )
        _WORKER_CONFIG.clear()
        _WORKER_CONFIG[spec] = cfg
    return generate_chunk(cfg, chunk, count, first)


def make_config(
    seed: int,
    *,
    practice: str | Path = "family-practice",
    scenario: str | Path | None = None,
    start: date | None = None,
    flaw_rate: float = DEFAULT_FLAW_RATE,
    notes: bool = True,
) -> Config:
    """Load the world (practice, payers, scenarios) for a run; ContentError on bad files.
    ``notes=False``: encounters without note text (see :class:`sim.encounters.Config`)."""
    if not 0 <= flaw_rate <= 1:
        raise ValueError(f"flaw rate {flaw_rate} is not between 0 and 1")
    prac = world.load_practice(practice)
    payers, plans = world.load_payers()
    scenarios = dict(engine.load_all())
    only = None
    if scenario is not None:
        s = engine.find(str(scenario))
        scenarios[s.id] = s
        only = s.id
    return Config(
        seed=seed,
        practice=prac,
        payers=payers,
        plans=plans,
        scenarios=scenarios,
        start=start or date(2026, 1, 5),
        flaw_rate=flaw_rate,
        only_scenario=only,
        notes=notes,
    )


def simulate(
    seed: int,
    encounters: int,
    *,
    practice: str | Path = "family-practice",
    scenario: str | Path | None = None,
    start: date | None = None,
    flaw_rate: float = DEFAULT_FLAW_RATE,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    claims: bool = True,
    validate_x12: bool = True,
    cycle: bool = True,
    notes: bool = True,
) -> Result:
    """Generate ``encounters`` visits at ``practice`` from ``seed`` (deterministic).

    With ``claims`` (the default) every insured encounter becomes a claim to its primary
    payer, submitted to the clearinghouse in 837P files (pyx12 + 999 unless
    ``validate_x12`` is false, then the scrubber): see :attr:`Result.submissions`. With
    ``cycle`` (the default, with claims) the rest of the revenue cycle runs too —
    adjudication, 835 remittances, the practice ledger, denials worked, patient billing
    (``sim.cycle``): see :attr:`Result.cycle`. ``notes=False`` skips the note text
    (``Encounter.note == ""``; bulk runs and benchmarks — the visits drawn differ from a run
    with notes, as the note's wording draws are skipped).
    """
    if encounters < 1:
        raise ValueError(f"the number of encounters must be at least 1, not {encounters}")
    cfg = make_config(
        seed, practice=practice, scenario=scenario, start=start, flaw_rate=flaw_rate, notes=notes
    )
    scen = None if scenario is None else str(scenario)
    spec = (seed, str(practice), scen, cfg.start, flaw_rate, notes)
    _WORKER_CONFIG.clear()
    _WORKER_CONFIG[spec] = cfg
    jobs = [
        (spec, c, min(CHUNK, encounters - c * CHUNK), c * CHUNK)
        for c in range((encounters + CHUNK - 1) // CHUNK)
    ]
    results = []
    warm_up(cfg)
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            for r in pool.map(_run_chunk, jobs):
                results.append(r)
                if progress:
                    progress(len(r.encounters))
    else:
        for job in jobs:
            r = _run_chunk(job)
            results.append(r)
            if progress:
                progress(len(r.encounters))
    all_enc: list[Encounter] = []
    patients: dict[str, Patient] = {}
    coverages: dict[str, Coverage] = {}
    counts: Counter[str] = Counter()
    for r in results:
        all_enc.extend(r.encounters)
        patients.update(r.patients)
        coverages.update(r.coverages)
        counts.update(r.scenario_counts)
    used = {e.patient_id for e in all_enc}
    patients = {k: v for k, v in sorted(patients.items()) if k in used}
    coverages = {k: v for k, v in sorted(coverages.items()) if v.patient_id in used}
    result = Result(cfg, all_enc, patients, coverages, dict(sorted(counts.items())))
    if claims:
        result.submissions = submit_claims(result, workers=workers, validate_x12=validate_x12)
        if cycle:
            from sim.cycle import run_cycle

            result.cycle = run_cycle(result)
            result.validate_x12 = validate_x12
    return result


CLAIMS_PER_FILE = 500


def _submit_job(args: tuple[list[Any], str, int, datetime, bool]) -> Any:
    from sim.clearinghouse.frontend import submit

    batch, name, control, created, validate_x12 = args
    return submit(batch, name=name, control=control, created=created, validate_x12=validate_x12)


def submit_claims(r: Result, *, workers: int = 1, validate_x12: bool = True) -> list[Any]:
    """Build the claims and send them to the clearinghouse: one 837P file per payer per
    clinic week, at most :data:`CLAIMS_PER_FILE` claims each, numbered in order."""
    from sim import claims as claims_mod

    batches: dict[tuple[date, str], list[Any]] = {}
    for e in r.encounters:
        claim = claims_mod.for_encounter(r, e)
        if claim is None:
            continue
        week = e.date - timedelta(days=e.date.weekday())
        batches.setdefault((week, claim.payer.id), []).append(claim)
    jobs = []
    control = 0
    for (week, payer_id), batch in sorted(batches.items()):
        for i in range(0, len(batch), CLAIMS_PER_FILE):
            control += 1
            name = f"{week.isoformat()}-{payer_id}-{control:04d}"
            created = datetime.combine(week + timedelta(days=4), time(18, 0))
            jobs.append((batch[i : i + CLAIMS_PER_FILE], name, control, created, validate_x12))
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
            return list(pool.map(_submit_job, jobs))
    return [_submit_job(j) for j in jobs]


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def _join(values: Any) -> str:
    return ";".join(str(v) for v in values)


def build_tables(r: Result) -> dict[str, pd.DataFrame]:
    cfg = r.config
    p = cfg.practice
    t: dict[str, pd.DataFrame] = {}
    t["practice"] = pd.DataFrame(
        [
            {
                "id": p.id,
                "name": p.name,
                "tin": p.tin,
                "npi": p.npi,
                "taxonomy": p.taxonomy,
                "address": p.address.one_line(),
                "phone": p.phone,
                "locality": p.locality,
            }
        ]
    )
    t["providers"] = pd.DataFrame(
        [
            {
                "npi": v.npi,
                "first_name": v.first_name,
                "last_name": v.last_name,
                "credential": v.credential,
                "specialty": v.specialty,
                "taxonomy": v.taxonomy,
            }
            for v in p.providers
        ]
    )
    t["locations"] = pd.DataFrame(
        [
            {
                "id": loc.id,
                "name": loc.name,
                "address": loc.address.one_line(),
                "pos": loc.pos,
            }
            for loc in p.locations
        ]
    )
    t["payers"] = pd.DataFrame(
        [
            {
                "id": y.id,
                "name": y.name,
                "kind": y.kind,
                "payer_id": y.payer_id,
                "filing_indicator": y.filing_indicator,
                "member_id_format": y.member_id_format,
                "address": y.address.one_line(),
            }
            for y in cfg.payers.values()
        ]
    )
    t["plans"] = pd.DataFrame(
        [
            {
                "id": n.id,
                "payer_id": n.payer_id,
                "name": n.name,
                "type": n.type,
                "deductible": n.deductible,
                "coinsurance": n.coinsurance,
                "oop_max": n.oop_max,
                **{f"copay_{k}": v for k, v in sorted(n.copays.items())},
                "requires_referral": n.requires_referral,
                "effective": n.effective,
                "termination": n.termination,
            }
            for n in cfg.plans.values()
        ]
    )
    t["patients"] = pd.DataFrame(
        [
            {
                "id": x.id,
                "account": x.account,
                "first_name": x.first_name,
                "last_name": x.last_name,
                "sex": x.sex,
                "birth_date": x.birth_date,
                "address": x.address.one_line(),
                "phone": x.phone,
            }
            for x in r.patients.values()
        ]
    )
    t["coverage"] = pd.DataFrame(
        [
            {
                "id": c.id,
                "patient_id": c.patient_id,
                "plan_id": c.plan_id,
                "payer_id": c.payer_id,
                "order": c.order,
                "member_id": c.member_id,
                "group_number": c.group_number,
                "relationship": c.relationship,
                "subscriber_name": f"{c.subscriber.first_name} {c.subscriber.last_name}",
                "subscriber_birth_date": c.subscriber.birth_date,
                "effective": c.effective,
                "termination": c.termination,
                "flaw": c.flaw or "",
            }
            for c in r.coverages.values()
        ]
    )
    enc_rows, dx_rows, line_rows = [], [], []
    for e in r.encounters:
        enc_rows.append(
            {
                "id": e.id,
                "date": e.date,
                "patient_id": e.patient_id,
                "provider_npi": e.provider_npi,
                "location_id": e.location_id,
                "pos": e.pos,
                "scenario": e.scenario,
                "specialty": e.specialty,
                "title": e.title,
                "new_patient": e.new_patient,
                "visit_type": e.visit_type,
                "primary_coverage_id": e.primary_coverage_id or "",
                "secondary_coverage_id": e.secondary_coverage_id or "",
                "prior_auth": e.prior_auth or "",
                "referral": e.referral or "",
                "em_mdm": e.em.mdm_level if e.em else "",
                "em_minutes": (e.em.minutes if e.em and e.em.minutes is not None else ""),
                "flaws": _join(f.kind for f in e.flaws),
                "flaw_messages": " | ".join(f.message for f in e.flaws),
                "note": e.note,
            }
        )
        versions = [("key", e.diagnoses, e.lines)]
        if (e.billed_diagnoses, e.billed_lines) != (e.diagnoses, e.lines):
            versions.append(("billed", e.billed_diagnoses, e.billed_lines))
        for version, dxs, lines in versions:
            for d in dxs:
                dx_rows.append(
                    {
                        "encounter_id": e.id,
                        "version": version,
                        "sequence": d.sequence,
                        "code": d.code,
                        "description": d.description,
                    }
                )
            for n, ln in enumerate(lines, start=1):
                line_rows.append(
                    {
                        "encounter_id": e.id,
                        "version": version,
                        "line": n,
                        "code": ln.code,
                        "system": ln.system,
                        "modifiers": _join(ln.modifiers),
                        "units": ln.units,
                        "dx_pointers": _join(ln.dx_pointers),
                        "charge": world.charge_for(p, ln.code) * ln.units,
                        "description": ln.description,
                    }
                )
    t["encounters"] = pd.DataFrame(enc_rows)
    t["coded_diagnoses"] = pd.DataFrame(dx_rows)
    t["coded_lines"] = pd.DataFrame(line_rows)
    if r.submissions:
        t.update(_claim_tables(r))
    if r.cycle is not None:
        t.update(r.cycle.tables())
    return t


def _claim_tables(r: Result) -> dict[str, pd.DataFrame]:
    claim_rows, line_rows, finding_rows = [], [], []
    for sub in r.submissions:
        rejected = sub.rejected_claims()
        for c in sub.claims:
            status = (
                "accepted"
                if c.id not in rejected
                else ("rejected-999" if not sub.accepted else "rejected-scrubber")
            )
            claim_rows.append(
                {
                    "id": c.id,
                    "encounter_id": c.encounter_id,
                    "file": sub.name,
                    "patient_id": c.patient.id,
                    "payer_id": c.payer.id,
                    "payer": c.payer.name,
                    "member_id": c.insured.member_id,
                    "relationship": c.insured.relationship,
                    "frequency": c.frequency,
                    "service_date": c.first_service_date,
                    "pos": c.place_of_service,
                    "diagnoses": _join(c.diagnoses),
                    "prior_auth": c.prior_auth or "",
                    "total_charge": c.total_charge,
                    "rendering_npi": c.rendering.npi if c.rendering else "",
                    "status": status,
                }
            )
            for ln in c.lines:
                line_rows.append(
                    {
                        "claim_id": c.id,
                        "line": ln.number,
                        "service_date": ln.service_date,
                        "pos": ln.pos,
                        "code": ln.code,
                        "modifiers": _join(ln.modifiers),
                        "dx_pointers": _join(ln.dx_pointers),
                        "units": ln.units,
                        "charge": ln.charge,
                        "control_number": ln.control_number,
                    }
                )
        for f in sub.findings:
            finding_rows.append({"file": sub.name, **f.as_dict()})
    return {
        "claims": pd.DataFrame(claim_rows),
        "claim_lines": pd.DataFrame(line_rows),
        "scrubber_findings": pd.DataFrame(finding_rows),
    }


def summarize(r: Result) -> dict[str, Any]:
    enc = r.encounters
    flaws = Counter(f.kind for e in enc for f in e.flaws)
    plans = Counter(
        r.coverages[e.primary_coverage_id].plan_id if e.primary_coverage_id else "none" for e in enc
    )
    return {
        "seed": r.config.seed,
        "practice": r.config.practice.id,
        "encounters": len(enc),
        "patients": len(r.patients),
        "first_date": min(e.date for e in enc).isoformat() if enc else None,
        "last_date": max(e.date for e in enc).isoformat() if enc else None,
        "new_patient_visits": sum(e.new_patient for e in enc),
        "encounters_with_flaws": sum(bool(e.flaws) for e in enc),
        "keys_verified": len(enc),
        "by_specialty": dict(sorted(Counter(e.specialty for e in enc).items())),
        "by_plan": dict(sorted(plans.items())),
        "flaws": dict(sorted(flaws.items())),
        "scenarios_used": len(r.scenario_counts),
        **_claim_summary(r),
        **({"cycle": r.cycle.kpis()} if r.cycle is not None else {}),
    }


def _claim_summary(r: Result) -> dict[str, Any]:
    if not r.submissions:
        return {}
    claims = [c for sub in r.submissions for c in sub.claims]
    rejected = set().union(*(sub.rejected_claims() for sub in r.submissions))
    rules = Counter(f.rule for sub in r.submissions for f in sub.findings if f.severity == "reject")
    validated = [sub for sub in r.submissions if sub.report is not None]
    return {
        "claims": len(claims),
        "self_pay_encounters": len(r.encounters) - len(claims),
        "files_837p": len(r.submissions),
        "files_rejected_999": sum(not sub.accepted for sub in r.submissions),
        "files_validated_pyx12": len(validated),
        "claims_rejected": len(rejected),
        "clean_claim_rate": round(1 - len(rejected) / len(claims), 4) if claims else None,
        "rejections_by_rule": dict(sorted(rules.items())),
        "charges": str(sum((c.total_charge for c in claims), Decimal("0.00"))),
    }


def write(r: Result, out: Path) -> Path:
    out = Path(out)
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".rcmlab-sim-", dir=parent))
    try:
        for name, df in r.tables.items():
            df.to_csv(tmp / f"{name}.csv", index=False)
        if r.submissions:
            (tmp / "837p").mkdir()
            for sub in r.submissions:
                (tmp / "837p" / f"{sub.name}.x12").write_text(sub.x12, encoding="utf-8")
            if any(sub.ack for sub in r.submissions):
                (tmp / "999").mkdir()
                for sub in r.submissions:
                    if sub.ack:
                        (tmp / "999" / f"{sub.name}.999").write_text(sub.ack, encoding="utf-8")
        summary = r.summary()
        if r.cycle is not None:
            summary["cycle"] = {**summary["cycle"], **_write_cycle(r, tmp)}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        out.mkdir(parents=True, exist_ok=True)
        for f in sorted(tmp.iterdir()):
            target = out / f.name
            if f.is_dir() and target.is_dir():
                shutil.rmtree(target)  # a previous run's 837p/ or 999/
            os.replace(f, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _write_cycle(r: Result, tmp: Path) -> dict[str, Any]:
    """835/ (one file per payer and pay date, checked by pyx12 unless validation is off) and
    ledger.sqlite (a copy of the run's ledger). Returns the 835 figures for summary.json."""
    import sqlite3

    from sim.x12.p835 import write_835

    (tmp / "835").mkdir()
    payer_ids = {p.payer_id: p.id for p in r.config.payers.values()}
    invalid = 0
    for n, remit in enumerate(r.cycle.remittances, start=1):
        text = write_835(
            [remit], sender_id=remit.payer.identifier, receiver_id="RCMLABPRACTICE", control=n
        )
        name = f"{remit.payment_date.isoformat()}-{payer_ids.get(remit.payer.identifier, 'payer')}"
        path = tmp / "835" / f"{name}-{n:05d}.835"
        path.write_text(text, encoding="utf-8")
        if r.validate_x12:
            from sim.x12.validate import validate

            invalid += not validate(text, name=path.name).ok
    target = sqlite3.connect(tmp / "ledger.sqlite")
    try:
        r.cycle.ledger.conn.backup(target)
    finally:
        target.close()
    return {
        "files_835": len(r.cycle.remittances),
        "files_835_validated_pyx12": len(r.cycle.remittances) if r.validate_x12 else 0,
        "files_835_with_errors": invalid,
    }
