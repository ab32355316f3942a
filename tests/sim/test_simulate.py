"""The simulator end to end: determinism, partitioning, mixes, verification, bad input."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rcmlab.cli import main
from sim import people, verify
from sim.simulate import simulate


@pytest.fixture(scope="module")
def run_600():
    return simulate(11, 600, claims=False)


def test_every_generated_key_verifies(run_600):
    patients = run_600.patients
    for e in run_600.encounters:
        p = patients[e.patient_id]
        assert verify.problems(e.diagnoses, e.lines, p.sex, p.age_on(e.date)) == ()
        assert e.note and e.diagnoses and e.lines


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes_and_workers_do_not_matter(tmp_path):
    # 2,100 encounters = 3 chunks, so two workers really split the work.
    a = simulate(5, 2100, workers=1, validate_x12=False).write(tmp_path / "a")
    b = simulate(5, 2100, workers=2, validate_x12=False).write(tmp_path / "b")
    fa, fb = _files(a), _files(b)
    assert fa.keys() == fb.keys() and any(p.parts[0] == "837p" for p in fa)
    assert [p for p in fa if fa[p] != fb[p]] == []
    c = simulate(6, 300, validate_x12=False).write(tmp_path / "c")
    assert (c / "encounters.csv").read_bytes() != (a / "encounters.csv").read_bytes()
    # with the 999s too
    d1 = simulate(9, 120).write(tmp_path / "d1")
    d2 = simulate(9, 120, workers=2).write(tmp_path / "d2")
    assert _files(d1) == _files(d2)


def test_established_patients_recur_and_new_ones_do_not(run_600):
    visits = Counter(e.patient_id for e in run_600.encounters)
    assert any(n > 1 for pid, n in visits.items() if pid.startswith("P"))
    assert all(n == 1 for pid, n in visits.items() if pid.startswith("N"))
    for e in run_600.encounters:
        assert e.patient_id.startswith("N") == e.new_patient


def test_patients_fit_their_scenarios(run_600):
    scen = run_600.config.scenarios
    for e in run_600.encounters:
        s = scen[e.scenario]
        p = run_600.patients[e.patient_id]
        lo, hi = s.age_range
        assert lo <= p.age_on(e.date) <= hi
        assert s.sex in ("any", p.sex)


def test_specialty_and_payer_mix_follow_the_configuration():
    r = simulate(3, 4000, claims=False)
    prac = r.config.practice
    total = sum(prac.specialty_mix.values())
    seen = Counter(e.specialty for e in r.encounters)
    for spec, w in prac.specialty_mix.items():
        assert abs(seen[spec] / 4000 - w / total) < 0.05, (spec, seen[spec])
    assert 0.03 < sum(bool(e.flaws) for e in r.encounters) / 4000 < 0.25


def test_identifiers_are_well_formed(run_600):
    prac = run_600.config.practice
    assert people.is_valid_npi(prac.npi)
    assert all(people.is_valid_npi(p.npi) for p in prac.providers)
    for c in run_600.coverages.values():
        assert c.member_id


def test_flawed_encounters_say_why(run_600):
    for e in run_600.encounters:
        for f in e.flaws:
            assert f.kind and len(f.message) > 30


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=10**6))
def test_any_seed_gives_valid_keys(seed):
    r = simulate(seed, 80, claims=False)
    for e in r.encounters:
        p = r.patients[e.patient_id]
        assert verify.problems(e.diagnoses, e.lines, p.sex, p.age_on(e.date)) == ()


def test_cli_writes_the_tables(tmp_path, capsys):
    out = tmp_path / "out"
    assert (
        main(["simulate", "--seed", "1", "--encounters", "50", "--out", str(out), "--quiet"]) == 0
    )
    names = {p.name for p in out.iterdir()}
    assert {
        "patients.csv",
        "coverage.csv",
        "encounters.csv",
        "coded_diagnoses.csv",
        "coded_lines.csv",
        "practice.csv",
        "providers.csv",
        "payers.csv",
        "plans.csv",
        "summary.json",
    } <= names
    summary = json.loads((out / "summary.json").read_text())
    assert summary["encounters"] == 50 and summary["keys_verified"] == 50


def test_cli_single_scenario_and_unknown_scenario(tmp_path, capsys):
    out = tmp_path / "one"
    assert (
        main(
            [
                "simulate",
                "--seed",
                "2",
                "--encounters",
                "20",
                "--scenario",
                "fm-strep-pharyngitis",
                "--out",
                str(out),
                "--quiet",
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenarios_used"] == 1
    bad = tmp_path / "bad"
    code = main(
        [
            "simulate",
            "--seed",
            "2",
            "--encounters",
            "5",
            "--scenario",
            "nope",
            "--out",
            str(bad),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "unknown scenario 'nope'" in err and "fm-strep-pharyngitis" in err
    assert err.count("\n") == 1
    assert not bad.exists()


def test_cli_bad_practice_file_names_file_line_field(tmp_path, capsys):
    bad = tmp_path / "practice.yaml"
    bad.write_text("id: x\nname: 12\n", encoding="utf-8")
    out = tmp_path / "out"
    code = main(
        [
            "simulate",
            "--seed",
            "1",
            "--encounters",
            "5",
            "--practice",
            str(bad),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "practice.yaml" in err and err.count("\n") == 1
    assert not out.exists()


def test_cli_rejects_bad_numbers(tmp_path, capsys):
    for argv in (["--encounters", "0"], ["--encounters", "5", "--flaw-rate", "2"]):
        code = main(["simulate", "--seed", "1", *argv, "--out", str(tmp_path / "x"), "--quiet"])
        assert code == 2
    assert not (tmp_path / "x").exists()


def test_payer_mix_follows_the_configuration_among_eligible_plans():
    """Primary plans follow the practice's payer mix, renormalised over the plans a
    patient of that age can have (Medicare and Medicare Advantage only from 65)."""
    import random
    from datetime import date

    from sim import world

    practice = world.load_practice("family-practice")
    payers, plans = world.load_payers()
    pool = people.PeoplePool(1)
    on = date(2026, 1, 5)
    weights = practice.payer_mix
    for age, eligible in ((40, lambda p: p.min_age <= 40), (70, lambda p: True)):
        rng = random.Random(age)
        fake = pool.faker(rng)
        seen: Counter[str] = Counter()
        n = 3000
        for i in range(n):
            patient = people.make_patient(fake, rng, f"X{i}", sex="F", age=age, on=on)
            covs = people.make_coverages(
                fake, rng, patient, on=on, plans=plans, payers=payers, plan_weights=weights
            )
            primary = next((c.plan_id for c in covs if c.order == 1), "self-pay")
            seen[primary] += 1
        # The documented rule (people.make_coverages): eligible plans by age; employer plans
        # weighted x0.12 from 65 (most people then have Medicare first).
        expected = {}
        for pid, w in weights.items():
            plan = plans[pid]
            kind = payers[plan.payer_id].kind
            if not eligible(plan) or not plan.min_age <= age <= plan.max_age:
                continue
            if kind in ("medicare", "medicare-advantage") and age < 65:
                continue
            if kind in ("commercial", "hmo") and age >= 65:
                w *= 0.12
            expected[pid] = w
        total = sum(expected.values())
        for pid, w in expected.items():
            share = seen[pid] / n
            assert abs(share - w / total) < 0.2 * (w / total) + 0.015, (age, pid, share, w / total)


def test_demographic_edit_ranges_name_real_codes():
    """Every ICD-10-CM bound of sim/data/demographic_edits.csv is a real item, and every
    CPT/HCPCS bound has the right shape (CPT ranges are section spans, not single codes)."""
    from codesets import cpt, hcpcs, icd10cm

    for e in verify.demographic_edits():
        if e.system == "icd10cm":
            assert icd10cm.exists(e.first) and icd10cm.exists(e.last), e
        elif e.system == "cpt":
            assert cpt.CODE_RE.fullmatch(e.first) and cpt.CODE_RE.fullmatch(e.last), e
        else:
            assert hcpcs.exists(e.first) and hcpcs.exists(e.last), e
        assert e.first <= e.last and 0 <= e.min_age <= e.max_age, e
        assert e.rule


def test_notes_can_be_switched_off_for_big_runs():
    """Benchmarks may skip the note text: every note is empty, the run stays deterministic
    and the keys are still verified."""
    a = simulate(7, 300, claims=False, notes=False)
    b = simulate(7, 300, claims=False, notes=False)
    assert all(e.note == "" for e in a.encounters)
    assert [(e.id, e.diagnoses, e.lines) for e in a.encounters] == [
        (e.id, e.diagnoses, e.lines) for e in b.encounters
    ]
    assert all(e.diagnoses and e.lines for e in a.encounters)
