"""The world as data (sim.world): practices and payers load, bad files say where, charges."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal

import pytest

from codesets import pfs, pos
from sim import people, world
from sim._yaml import ContentError
from sim.scenarios import engine

PRACTICES = world.builtin_practices()
FAMILY = world.PRACTICE_DIR / "family-practice.yaml"


def test_builtin_practices_and_payers_load():
    assert PRACTICES == ["family-practice", "multispecialty-clinic", "orthopedic-group"]
    payers, plans = world.load_payers()
    kinds = {p.kind for p in payers.values()}
    assert kinds == {"medicare", "medicaid", "commercial", "hmo", "medicare-advantage",
                     "workers-comp", "auto", "self-pay"}  # fmt: skip
    assert {p.filing_indicator for p in payers.values()} >= {"MB", "MC", "CI", "HM", "16"}
    part_b = plans["medicare-b"]
    assert part_b.deductible == Decimal("283.00") and part_b.coinsurance == Decimal("0.2")
    assert part_b.min_age == 65 and set(part_b.copays.values()) == {Decimal("0.00")}
    assert plans["copperleaf-hmo"].requires_referral and plans["copperleaf-hmo"].requires_pcp
    assert "72148" in plans["larkspur-ppo"].rules["prior_auth_codes"]
    assert all(isinstance(p.effective, date) for p in plans.values())
    for name in PRACTICES:
        prac = world.load_practice(name)
        assert prac.id == name
        assert people.is_valid_npi(prac.npi)
        assert all(people.is_valid_npi(p.npi) for p in prac.providers)
        assert len({p.npi for p in prac.providers} | {prac.npi}) == len(prac.providers) + 1
        assert re.fullmatch(r"\d{2}-\d{7}", prac.tin)
        assert pfs.gpci(prac.locality)
        assert all(pos.lookup(loc.pos).assigned for loc in prac.locations)
        assert set(prac.payer_mix) <= set(plans)
        assert set(prac.specialty_mix) <= set(world.specialties())
        assert all(isinstance(v, Decimal) for v in prac.charges.values())
        assert re.fullmatch(r"\d{3}-555-01\d{2}", prac.phone)
    assert len(world.load_practice("multispecialty-clinic").specialty_mix) == 11
    states = {world.load_practice(n).address.state for n in PRACTICES}
    assert len(states) == 3


def test_load_by_path_and_unknown_name(tmp_path):
    assert world.load_practice(FAMILY).id == "family-practice"
    assert world.load_practice(str(FAMILY)).name.startswith("Kestrel Creek")
    with pytest.raises(ContentError) as exc:
        world.load_practice("dental-office")
    msg = str(exc.value)
    assert "unknown practice 'dental-office'" in msg
    assert all(n in msg for n in PRACTICES)
    with pytest.raises(ContentError, match="file not found"):
        world.load_practice(tmp_path / "missing.yaml")


# --- broken files: one line naming file, line and field --------------------------------------


def _broken(tmp_path, old: str, new: str, source=FAMILY, name="practice.yaml"):
    text = source.read_text(encoding="utf-8")
    assert old in text, old
    at = text.index(old)
    line = text[:at].count("\n") + 1
    text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, line


def _error(call, path) -> str:
    with pytest.raises(ContentError) as exc:
        call(path)
    msg = str(exc.value)
    assert "\n" not in msg
    return msg


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ('npi: "1044824559"', 'npi: "1044824550"', "providers[0].npi", "check digit"),
        ('npi: "1040106027"', 'npi: "1040106020"', "npi", "check digit"),
        ('npi: "1459850206"', 'npi: "1044824559"', "providers[1].npi", "also used"),
        ("copperleaf-hmo: 12", "acme-gold-ppo: 12", "payer_mix.acme-gold-ppo", "no plan"),
        ("visits_per_provider_day: 22", "visits_per_provider_day: twenty",
         "visits_per_provider_day", "not of type 'integer'"),
        ('npi: "1709660900"', "npi: 1709660900", "providers[3].npi", "quotes"),
        ('locality: "15202-00"', 'locality: "15202-07"', "locality", "locality"),
        ('pos: "10"', 'pos: "98"', "locations[1].pos", "place-of-service"),
        ('"99406": 35.00', '"12345": 35.00', "charges.fees.12345", "not a CPT or HCPCS"),
        ('"99406": 35.00', '"99406": 35.005', "charges.fees.99406", "two decimals"),
        ("  laboratory: 7", "  astrology: 7", "specialty_mix.astrology", "unknown specialty"),
        ("specialty: family-medicine,\n     npi: \"1709660900\"",
         "specialty: podiatry,\n     npi: \"1709660900\"", "providers[3].specialty",
         "unknown specialty"),
        ('tin: "74-7990937"', 'tin: "07-7990937"', "tin", "EIN prefix"),
        ('tin: "74-7990937"', 'tin: "123-45-6789"', "tin", "does not match"),
    ],
)  # fmt: skip
def test_bad_practice_names_file_line_field(tmp_path, old, new, field, words):
    path, line = _broken(tmp_path, old, new)
    msg = _error(world.load_practice, path)
    assert msg.startswith(f"practice.yaml:{line}: field '{field}': "), msg
    assert words in msg


def test_unknown_field_and_missing_field(tmp_path):
    path, _ = _broken(tmp_path, "visits_per_provider_day: 22", "visits_per_day: 22")
    msg = _error(world.load_practice, path)
    assert msg.startswith("practice.yaml:") and "visits_per_day" in msg
    bad = tmp_path / "tiny.yaml"
    bad.write_text("id: x\nname: 12\n", encoding="utf-8")
    msg = _error(world.load_practice, bad)
    assert msg.startswith("tiny.yaml:") and "field" in msg
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    assert _error(world.load_practice, bad).startswith("tiny.yaml:")


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("    payer: copperleaf\n", "    payer: copperleef\n", "plans[6].payer", "no payer"),
        ('prior_auth_codes: ["72148", "73721", "70553", "29881", "47562", "27447", "93306"]\n'
         "      copay",
         'prior_auth_codes: ["72148", "7372X", "70553", "29881", "47562", "27447", "93306"]\n'
         "      copay", "plans[2].rules.prior_auth_codes[1]", "not a CPT or HCPCS"),
        ("effective: 2015-01-01", "effective: 2015-02-30", "plans[2].effective", "not a date"),
        ("deductible: 1500.00", "deductible: fifteen", "plans[2].deductible", "not of type"),
        ("    filing_indicator: MB", "    filing_indicator: CI", "payers[0].filing_indicator",
         "MB"),
        ('member_id_format: "99999999999"', 'member_id_format: "999-99-9999"',
         "payers[1].member_id_format", "SSN"),
        ("min_age: 65              # rcmlab", "min_age: 60              # rcmlab",
         "plans[0].min_age", "65"),
    ],
)  # fmt: skip
def test_bad_payers_file_names_file_line_field(tmp_path, old, new, field, words):
    path, line = _broken(tmp_path, old, new, source=world.PAYERS_FILE, name="payers.yaml")
    msg = _error(world.load_payers, path)
    assert msg.startswith(f"payers.yaml:{line}: field '{field}': "), msg
    assert words in msg


def test_practice_checked_against_given_plans(tmp_path):
    _, plans = world.load_payers()
    fewer = {k: v for k, v in plans.items() if k != "self-pay"}
    msg = _error(lambda p: world.load_practice(p, plans=fewer), FAMILY)
    assert "field 'payer_mix.self-pay'" in msg


# --- charges ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def family():
    return world.load_practice("family-practice")


def test_charge_master_fee_first(family):
    assert world.charge_for(family, "99213") == Decimal("145.00")
    assert world.charge_for(family, " j3301 ") == Decimal("8.00")


def test_charge_for_a_pfs_code(family):
    # 99285 is not in the family practice's fees: PFS national non-facility x 2.2, rounded up.
    amount = pfs.allowed_amount("99285", locality="national", setting="non-facility")
    expected = (amount * Decimal("2.2")).to_integral_value(rounding="ROUND_CEILING")
    assert world.charge_for(family, "99285") == expected
    assert world.charge_for(family, "99285") == world.charge_for(family, "99285").quantize(
        Decimal("1")
    )
    # A preventive visit Medicare does not pay (status N) is still priced from its RVUs.
    assert world.charge_for(family, "99460") > Decimal("100")


def test_charge_fallbacks_by_kind(family):
    assert world.code_kind("82947") == "lab" and world.charge_for(family, "82947") == Decimal("38")
    assert world.code_kind("0240U") == "lab"
    assert world.code_kind("J1100") == "drug" and world.charge_for(family, "J1100") == 12
    assert world.code_kind("90732") == "vaccine" and world.charge_for(family, "90732") == 65
    assert world.code_kind("A4570") == "supply" and world.charge_for(family, "A4570") == 25
    assert world.code_kind("L1820") == "supply"
    assert world.code_kind("G0103") == "lab"  # a PSA test, BETOS T1
    assert world.code_kind("99499") == "other" and world.charge_for(family, "99499") == 150


def _scenario_codes(specialties: set[str]) -> set[str]:
    codes: set[str] = set()
    for s in engine.load_all().values():
        if s.specialty not in specialties:
            continue
        for n, (slots, age, new, flaw) in enumerate(s.key_variants(limit=60)):
            sex = "F" if s.sex in ("any", "F") else "M"
            visit = s.render(
                random.Random(n), engine.PatientFacts("Test", "Patient", sex, age),
                new_patient=new, visit_date=date(2026, 3, 2), flaw=flaw, slots=slots,
            )  # fmt: skip
            codes |= {ln.code for ln in (*visit.lines, *visit.billed_lines)}
    return codes


@pytest.mark.parametrize("name", PRACTICES)
def test_every_scenario_code_of_the_practice_gets_a_positive_charge(name):
    prac = world.load_practice(name)
    codes = _scenario_codes(set(prac.specialty_mix))
    for code in sorted(codes):
        charge = world.charge_for(prac, code)
        assert isinstance(charge, Decimal) and charge > 0, code
        assert charge == charge.quantize(Decimal("0.01")), code


def test_the_onboarding_example_loads(tmp_path):
    doc = (world.DATA_DIR.parents[1] / "docs" / "onboarding.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "practice.yaml"
    path.write_text(example, encoding="utf-8")
    prac = world.load_practice(path)
    assert prac.id == "little-otter-pediatrics" and len(prac.providers) == 3
    assert world.charge_for(prac, "99213") == Decimal("135.00")
    assert world.charge_for(prac, "99395") == Decimal("244.00")
    assert world.charge_for(prac, "81002") == Decimal("35.00")
    # The errors quoted in the document are the ones rcmlab gives for this file.
    for old, new, quoted in [
        ('npi: "1822512392"', 'npi: "1822512391"', "practice.yaml:22: field 'providers[1].npi'"),
        ("  medicaid: 40", "  medicaid-plus: 40", "practice.yaml:70: field 'payer_mix.medicaid"),
        ('"99173": 12.00', '"99999": 12.00', "practice.yaml:56: field 'charges.fees.99999'"),
    ]:
        path.write_text(example.replace(old, new), encoding="utf-8")
        assert quoted in doc
        assert _error(world.load_practice, path).startswith(quoted)
