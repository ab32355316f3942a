"""Synthetic people and identifiers (sim.people): well formed, realistic, deterministic."""

from __future__ import annotations

import random
import re
from dataclasses import asdict
from datetime import date, timedelta

import pytest
from faker.providers.person.en_US import Provider as PersonProvider
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import people, world
from sim.models import Coverage, Patient

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
ON = date(2026, 1, 5)
SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
PAYERS, PLANS = world.load_payers()
MIX = world.load_practice("multispecialty-clinic").payer_mix


# --- NPI --------------------------------------------------------------------------------------


def test_known_npi_and_check_digit():
    # CMS's worked example: prefix 80840 + 123456789 gives check digit 3.
    assert people.luhn_check_digit("80840123456789") == "3"
    assert people.is_valid_npi("1234567893")
    assert not people.is_valid_npi("1234567890")
    assert not people.is_valid_npi("3234567893")  # must start with 1 or 2
    assert not people.is_valid_npi("123456789")
    assert not people.is_valid_npi(1234567893)


@given(SEEDS)
def test_every_npi_passes_the_check_digit(seed):
    npi = people.new_faker(seed).npi()
    assert len(npi) == 10 and npi[0] in "12" and people.is_valid_npi(npi)


@given(SEEDS, st.integers(min_value=1, max_value=9), st.integers(min_value=0, max_value=9))
def test_a_changed_digit_fails(seed, pos, delta):
    npi = people.new_faker(seed).npi()
    if delta == 0:
        return
    changed = npi[:pos] + str((int(npi[pos]) + delta) % 10) + npi[pos + 1 :]
    assert not people.is_valid_npi(changed)


# --- MBI and member IDs ------------------------------------------------------------------------


def test_known_mbi():
    assert people.is_valid_mbi("1EG4TE5MK73")  # the CMS sample MBI (1EG4-TE5-MK73)
    assert not people.is_valid_mbi("1EG4-TE5-MK73")  # dashes are display only
    assert not people.is_valid_mbi("0EG4TE5MK73")  # position 1 is 1-9
    assert not people.is_valid_mbi("1SG4TE5MK73")  # S is never used
    assert not people.is_valid_mbi("1EG4TE5MK7")


@given(SEEDS)
def test_mbi_format(seed):
    mbi = people.new_faker(seed).mbi()
    assert people.is_valid_mbi(mbi) and len(mbi) == 11
    assert mbi[0] in "123456789"
    assert all(mbi[i].isalpha() for i in (1, 4, 7, 8))
    assert all(mbi[i].isdigit() for i in (3, 6, 9, 10))
    assert not set(mbi) & set("SLOIBZ")


@given(SEEDS, st.text(alphabet="L9A-XKW0", min_size=1, max_size=16))
def test_member_id_follows_the_format(seed, fmt):
    member = people.new_faker(seed).member_id(fmt)
    assert len(member) == len(fmt)
    assert people.is_valid_member_id(member, fmt)
    for ch, f in zip(member, fmt, strict=True):
        if f == "L":
            assert ch.isalpha() and ch not in "IO"
        elif f == "9":
            assert ch.isdigit()
        elif f == "A":
            assert ch.isalnum()
        else:
            assert ch == f


def test_member_id_mbi_and_payer_formats():
    fake = people.new_faker(3)
    assert people.is_valid_mbi(fake.member_id("MBI"))
    for payer in PAYERS.values():
        mid = fake.member_id(payer.member_id_format)
        assert people.is_valid_member_id(mid, payer.member_id_format), (payer.id, mid)


# --- other identifiers ------------------------------------------------------------------------


def test_taxonomy_codes():
    fake = people.new_faker(1)
    assert fake.taxonomy("family-medicine") == "207Q00000X"
    assert fake.taxonomy("cardiology") == "207RC0000X"
    assert fake.taxonomy("radiology") == "2085R0202X"
    assert fake.taxonomy("laboratory") == "291U00000X"
    assert fake.taxonomy("nurse-practitioner") == "363LF0000X"
    assert fake.taxonomy("multi-specialty-group") == "193200000X"
    for spec in world.specialties():
        assert re.fullmatch(r"[0-9]{3}[0-9A-Z]{6}X", fake.taxonomy(spec))
    with pytest.raises(KeyError, match="known"):
        fake.taxonomy("astrology")


@given(SEEDS)
def test_ein_phone_group_account(seed):
    fake = people.new_faker(seed)
    ein = fake.ein()
    assert re.fullmatch(r"\d{2}-\d{7}", ein) and ein[:2] in people.EIN_PREFIXES
    assert re.fullmatch(r"[2-9]\d{2}-555-01\d{2}", fake.fictional_phone())
    assert fake.fictional_phone("614").startswith("614-555-01")
    assert 5 <= len(fake.group_number()) <= 8
    acct = fake.account_number(42)
    assert acct == fake.account_number(42) and len(acct) == 8
    assert people.luhn_check_digit(acct[:-1]) == acct[-1]


# --- patients and coverage -------------------------------------------------------------------


def _make(seed: int, n: int, flaw_rate: float = 0.08) -> list[tuple[Patient, list[Coverage]]]:
    fake = people.new_faker(seed)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        age = rng.randint(0, 100)
        p = people.make_patient(fake, rng, f"P{i:05d}", sex=rng.choice("FM"), age=age, on=ON)
        covs = people.make_coverages(
            fake, rng, p, on=ON, plans=PLANS, payers=PAYERS, plan_weights=MIX, flaw_rate=flaw_rate
        )
        out.append((p, covs))
    return out


@pytest.fixture(scope="module")
def population():
    return _make(2026, 2500)


@settings(max_examples=40)
@given(SEEDS, st.integers(min_value=0, max_value=110), st.sampled_from("FM"),
       st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)))  # fmt: skip
def test_patient_age_is_exact_and_name_fits_sex(seed, age, sex, on):
    fake = people.new_faker(seed)
    p = people.make_patient(fake, random.Random(seed), "P00001", sex=sex, age=age, on=on)
    assert p.age_on(on) == age and p.sex == sex
    names = PersonProvider.first_names_female if sex == "F" else PersonProvider.first_names_male
    assert p.first_name in names
    assert re.fullmatch(r"[2-9]\d{2}-555-01\d{2}", p.phone)


def test_patient_in_a_state():
    fake = people.new_faker(5)
    p = people.make_patient(fake, random.Random(5), "P1", sex="F", age=40, on=ON, state="WI")
    assert p.address.state == "WI" and p.address.zip[:2] in ("53", "54")


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SEEDS)
def test_same_seed_same_patients_and_coverage(seed):
    assert _make(seed, 30) == _make(seed, 30)


def test_different_seeds_differ():
    assert _make(1, 10) != _make(2, 10)


def test_medicare_only_at_65_or_older(population):
    medicare = 0
    for p, covs in population:
        for c in covs:
            if PAYERS[c.payer_id].kind in ("medicare", "medicare-advantage"):
                medicare += 1
                assert p.age_on(ON) >= 65, (p, c)
                if PAYERS[c.payer_id].kind == "medicare":  # MA plans issue their own IDs
                    assert people.is_valid_mbi(c.member_id) or c.flaw
    assert medicare > 100


def test_children_are_dependents_of_an_adult_at_the_same_address(population):
    dependents = 0
    for p, covs in population:
        if p.age_on(ON) >= 18:
            continue
        for c in covs:
            kind = PAYERS[c.payer_id].kind
            if kind in ("commercial", "hmo"):
                dependents += 1
                assert c.relationship == "19"
                assert c.subscriber.address == p.address
                assert (ON - c.subscriber.birth_date).days > 18 * 365
            elif kind == "medicaid":
                assert c.relationship == "18"  # Medicaid: the patient is the subscriber
    assert dependents > 50


def test_relationships_order_and_dates(population):
    rels = {c.relationship for _, covs in population for c in covs}
    assert {"18", "19", "01"} <= rels
    secondaries = 0
    lapsed = 0
    for p, covs in population:
        assert [c.order for c in covs] == list(range(1, len(covs) + 1))
        for c in covs:
            assert c.patient_id == p.id and c.payer_id == PLANS[c.plan_id].payer_id
            assert p.birth_date <= c.effective <= ON
            if c.termination:
                assert c.termination >= ON
                lapsed += c.termination <= ON + timedelta(days=366)
            if c.relationship == "18" and not c.flaw:
                assert (c.subscriber.first_name, c.subscriber.birth_date) == (
                    p.first_name,
                    p.birth_date,
                )
        if covs:
            assert not people._secondary_only(PLANS[covs[0].plan_id])  # Medigap never first
        if len(covs) == 2:
            secondaries += 1
            assert PAYERS[covs[0].payer_id].kind != "medicaid"  # Medicaid pays last
    assert secondaries > 100 and lapsed > 20


def test_employer_plans_have_group_numbers(population):
    for _, covs in population:
        for c in covs:
            plan = PLANS[c.plan_id]
            kind = PAYERS[c.payer_id].kind
            employer = kind in ("commercial", "hmo") and plan.type != "Medicare Supplement"
            assert bool(c.group_number) == (employer or kind == "workers-comp"), c


def test_self_pay_has_no_coverage():
    fake = people.new_faker(9)
    rng = random.Random(9)
    p = people.make_patient(fake, rng, "P1", sex="M", age=40, on=ON)
    covs = people.make_coverages(
        fake, rng, p, on=ON, plans=PLANS, payers=PAYERS, plan_weights={"self-pay": 1}
    )
    assert covs == []


def test_flaws_record_the_payers_value():
    kinds = set()
    for _, covs in _make(77, 300, flaw_rate=1.0):
        if not covs:
            continue
        c = covs[0]
        kind, _, correct = c.flaw.partition(": payer has ")
        kinds.add(kind)
        assert kind in people.FLAW_KINDS
        if kind == "member-id-typo":
            assert correct != c.member_id and len(correct) == len(c.member_id)
        elif kind == "subscriber-dob-off":
            assert date.fromisoformat(correct) != c.subscriber.birth_date
        else:
            which, _, name = correct.partition(" name ")
            current = c.subscriber.last_name if which == "last" else c.subscriber.first_name
            assert name and name != current
        assert all(x.flaw is None for x in covs[1:])
    assert kinds == set(people.FLAW_KINDS)
    assert all(c.flaw is None for _, covs in _make(78, 200, flaw_rate=0.0) for c in covs)


def test_nothing_looks_like_an_ssn(population):
    text = repr([(asdict(p), [asdict(c) for c in covs]) for p, covs in population])
    assert not SSN.search(text)
    for name in world.builtin_practices():
        assert not SSN.search(repr(asdict(world.load_practice(name))))
    assert not SSN.search(repr([asdict(p) for p in PAYERS.values()]))
