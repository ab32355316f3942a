"""The policy data: every code is real, bad files give one-line errors, the built-in
scenarios' correct keys pass the necessity rules, and a simulated month lands at a
realistic denial rate."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from codesets import adjustments, cpt, hcpcs, icd10cm
from sim._yaml import ContentError
from sim.payer import load_policies
from sim.payer.adjudicate import Adjudicator
from sim.payer.policies import POLICIES_FILE
from sim.scenarios import engine
from sim.simulate import simulate

POLICIES = load_policies()


def test_every_plan_has_a_policy():
    from sim import world

    assert set(POLICIES) == set(world.load_payers()[1])


def test_every_code_in_the_policy_data_is_real():
    for plan_id, p in POLICIES.items():
        for code in p.codes():
            assert cpt.lookup(code) or hcpcs.lookup(code), f"{plan_id}: {code}"
        for rule in p.necessity_by_code.values():
            for prefix in rule.prefixes:
                dotted = prefix if len(prefix) <= 3 else f"{prefix[:3]}.{prefix[3:]}"
                assert icd10cm.exists(dotted), f"{plan_id} {rule.id}: {dotted}"
        specs = [
            p.bundling_adjustment,
            p.mue_adjustment,
            p.necessity_adjustment,
            p.frequency_adjustment,
            *(e.adjustment for e in p.payer_errors),
            *(r.adjustment for r in p.excluded_by_code.values()),
        ]
        for spec in specs:
            assert adjustments.carc(spec.carc), spec
            assert all(adjustments.rarc(r) for r in spec.rarcs), spec


def test_the_brief_s_necessity_examples_are_covered():
    rules = POLICIES["medicare-b"].necessity_by_code
    for code in ("82306", "82607", "G0103", "93306", "72148", "95907"):
        assert code in rules, code


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('codes: ["82306"]', 'codes: ["8230"]', "does not match"),
        ('codes: ["82607"]', 'codes: ["80000"]', "'80000' is not a CPT or HCPCS code"),
        ("diagnoses: [Z12.5]", "diagnoses: [Q99.99]", "'Q99.99' is not an ICD-10-CM code"),
        ("  medicare-b:\n", "  medicare-x:\n", "no plan 'medicare-x'"),
        (
            "necessity_rules: [medicare-necessity]\n    necessity_adjustment: {group: CO, "
            'carc: "50", rarcs: [N115]}\n    frequency_limits: [medicare-frequency]\n    '
            "non_covered: [medicare-exclusions]",
            "necessity_rules: [medicare-necessity]\n    necessity_adjustment: {group: CO, "
            'carc: "50", rarcs: [N115]}\n    frequency_limits: [medicare-frequency]\n    '
            "non_covered: [no-such-set]",
            "no rule set 'no-such-set'",
        ),
    ],
)
def test_bad_policy_file_gives_one_line_error(tmp_path, old, new, message):
    text = POLICIES_FILE.read_text()
    assert old in text
    (tmp_path / "fees").mkdir()
    for f in (POLICIES_FILE.parent / "fees").iterdir():
        (tmp_path / "fees" / f.name).write_text(f.read_text())
    bad = tmp_path / "policies.yaml"
    bad.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as exc:
        load_policies(bad)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith("policies.yaml:") and message in msg, msg
    line = int(msg.split(":")[1])
    assert line > 1


def test_bad_fee_table_names_file_and_line(tmp_path):
    (tmp_path / "fees").mkdir()
    (tmp_path / "fees" / "lab-drug-vaccine-simulated.csv").write_text(
        "code,amount,note\n80053,10.56,ok\n80053X,1,bad\n"
    )
    (tmp_path / "fees" / "hmo-contract-simulated.csv").write_text("code,amount\n")
    (tmp_path / "policies.yaml").write_text(POLICIES_FILE.read_text())
    with pytest.raises(ContentError, match=r"lab-drug-vaccine-simulated.csv:3: '80053X'"):
        load_policies(tmp_path / "policies.yaml")


def test_correctly_coded_scenarios_pass_the_necessity_rules():
    """Every answer key a built-in scenario can produce meets every plan's LCD-style rules
    (the lists name real diagnosis prefixes, broad enough for correct coding)."""
    checked = 0
    for sid, s in engine.load_all().items():
        sexes = ["F", "M"] if s.sex == "any" else [s.sex]
        for slots, age, new, flaw in s.key_variants():
            if flaw:
                continue
            for sex in sexes:
                visit = s.render(
                    random.Random(0),
                    engine.PatientFacts("T", "P", sex, age),
                    new_patient=new,
                    visit_date=date(2026, 3, 2),
                    slots=slots,
                )
                dx = [d.code for d in visit.diagnoses]
                for ln in visit.lines:
                    pointed = tuple(dx[p - 1] for p in ln.dx_pointers)
                    for plan_id, p in POLICIES.items():
                        rule = p.necessity_by_code.get(ln.code)
                        if rule is not None:
                            checked += 1
                            assert rule.supports(pointed), f"{sid} {plan_id} {ln.code} {pointed}"
    assert checked > 20


def test_realistic_denial_rate_for_the_family_practice():
    r = simulate(2026, 2000, validate_x12=False)
    claims = [c for s in r.submissions for c in s.forwarded()]
    adj = Adjudicator.of_result(r)
    done = adj.adjudicate_many(
        claims,
        received=lambda c: (
            c.first_service_date + timedelta(days=7 - c.first_service_date.weekday())
        ),
    )
    denied = [a for a in done if a.denied]
    rate = len(denied) / len(done)
    carcs = Counter(c for a in denied for c in set(a.carcs))
    print(f"\n{len(done)} claims, {len(denied)} denied ({rate:.1%}): {carcs.most_common()}")
    assert 0.05 <= rate <= 0.15, (rate, carcs)
    assert all(not a.remit.balance_problems() for a in done)
    assert all(r.balance_problems() == [] for r in adj.remittances(done))
