"""The money path with hand-computed numbers, and invariants over many seeded claims."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import DOS, World, money, only

MEDICARE_AGE = date(1950, 6, 1)


def _adj(line, code):
    return {a.code: a.amount for a in only(line, code).adjustments}


def test_medicare_pfs_deductible_coinsurance_sequestration(w):
    """99214 in Ohio (locality 15202-00): PFS allowed 129.83, charge 210.00.
    Visit 1: CO-45 80.17, PR-1 129.83 (283.00 deductible: 153.17 left), paid 0.
    Visit 2: PR-1 129.83 (23.34 left). Visit 3: PR-1 23.34; coinsurance 20% of 106.49
    = 21.30; 129.83 - 23.34 - 21.30 = 85.19; sequestration 2% = 1.70; paid 83.49."""
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    dates = [DOS, DOS + timedelta(7), DOS + timedelta(14)]
    claims = [w.claim(f"C{i}", [("99214",)], dos=d) for i, d in enumerate(dates)]
    # submitted out of order: the payer applies them in date-of-service order
    a1, a2, a3 = w.adj.adjudicate_many(reversed(claims), received=date(2026, 4, 1))
    assert _adj(a1, "99214") == {"CO-45": money("80.17"), "PR-1": money("129.83")}
    assert a1.remit.paid == 0 and only(a1, "99214").allowed == money("129.83")
    assert _adj(a2, "99214") == {"CO-45": money("80.17"), "PR-1": money("129.83")}
    assert _adj(a3, "99214") == {
        "CO-45": money("80.17"),
        "PR-1": money("23.34"),
        "PR-2": money("21.30"),
        "CO-253": money("1.70"),
    }
    assert a3.remit.paid == money("83.49")
    assert a3.remit.patient_responsibility == money("44.64")
    assert w.adj.accumulators.get("P1-C1", 2026).deductible == money("283.00")
    assert "deductible" in " ".join(only(a3, "99214").explanation)


def test_medicare_lab_has_no_cost_share(w):
    """Clinical lab (80053) under Medicare: allowed from the lab fee table (10.56), no
    deductible or coinsurance; 2% sequestration 0.21; paid 10.35."""
    w.patient("P1", MEDICARE_AGE, "medicare-b")
    a = w.adj.adjudicate(w.claim("C1", [("80053",)], dx=("E11.9",)), DOS)
    line = only(a, "80053")
    assert line.allowed == money("10.56") and line.patient_responsibility == 0
    assert line.paid == money("10.35")


def test_ppo_copay_then_deductible_then_coinsurance(w):
    """Larkspur PPO: PFS x 1.35. 99213: 90.97 x 1.35 = 122.81, office copay 25 (copay-only
    visit line: no deductible), paid 97.81. 80053 (charge 65.00; lab table 10.56) goes to
    the 1,500 deductible: CO-45 54.44, PR-1 10.56, paid 0."""
    w.patient("P1", date(1985, 1, 1), "larkspur-ppo")
    a = w.adj.adjudicate(w.claim("C1", [("99213",), ("80053",)], dx=("E11.9",)), DOS)
    assert only(a, "99213").allowed == money("122.81")
    assert _adj(a, "99213") == {"CO-45": money("22.19"), "PR-3": money("25.00")}
    assert only(a, "99213").paid == money("97.81")
    assert _adj(a, "80053") == {"CO-45": money("54.44"), "PR-1": money("10.56")}
    assert a.remit.paid == money("97.81") and a.remit.patient_responsibility == money("35.56")
    assert not a.remit.balance_problems()


def test_ppo_coinsurance_after_deductible_and_oop_max(w):
    """Deductible met: 93000 (PFS 14.59 x 1.35 = 19.70) at 20% coinsurance = 3.94.
    With 5,990 of the 6,000 OOP maximum used, the 25 copay is cut to 10.00."""
    w.patient("P1", date(1985, 1, 1), "larkspur-ppo")
    w.adj.accumulators.add("P1-C1", 2026, money(1500), money(1500))
    a = w.adj.adjudicate(w.claim("C1", [("93000",)], dx=("R00.2",)), DOS)
    assert _adj(a, "93000")["PR-2"] == money("3.94")
    assert only(a, "93000").paid == money("15.76")
    # 1,500 + 3.94 so far; add 4,486.06: 5,990.00 of 6,000 used
    w.adj.accumulators.add("P1-C1", 2026, money(0), money("4486.06"))
    b = w.adj.adjudicate(w.claim("C2", [("99213",)], dos=DOS + timedelta(1)), DOS)
    assert _adj(b, "99213")["PR-3"] == money("10.00")
    assert only(b, "99213").paid == money("112.81")
    assert w.adj.accumulators.get("P1-C1", 2026).oop == money("6000.00")
    assert "out-of-pocket maximum" in " ".join(only(b, "99213").explanation)


def test_hdhp_deductible_before_anything(w):
    w.patient("P1", date(1985, 1, 1), "larkspur-hdhp")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    assert _adj(a, "99213")["PR-1"] == money("122.81") and a.remit.paid == 0


def test_medicaid_child_has_no_copay(w):
    w.patient("P1", date(2018, 1, 1), "medicaid")
    a = w.adj.adjudicate(w.claim("C1", [("99213",)], dx=("J02.9",)), DOS)
    assert only(a, "99213").patient_responsibility == 0
    assert only(a, "99213").allowed == money("65.50")  # 90.97 x 0.72
    w.patient("P2", date(1980, 1, 1), "medicaid")
    b = w.adj.adjudicate(w.claim("C2", [("99213",)], dx=("J02.9",), pid="P2"), DOS)
    assert _adj(b, "99213")["PR-3"] == money("2.00")


# --- invariants over many seeded claims -------------------------------------------------------

POOL = [
    "99213",
    "99214",
    "99203",
    "93000",
    "80053",
    "85025",
    "36415",
    "20610",
    "96372",
    "17110",
    "82306",
    "83036",
    "G0439",
    "99395",
    "J1885",
    "90686",
    "69210",
    "72148",
]
PLANS = [
    "medicare-b",
    "larkspur-ppo",
    "larkspur-hdhp",
    "cedarline-ppo",
    "copperleaf-hmo",
    "medicaid",
    "silver-heron-ma",
    "ironbridge-wc",
    "milemarker-auto",
]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6))
def test_everything_balances_and_accumulators_stay_within_limits(world_data, seed):
    rng = random.Random(seed)
    w = World(*world_data)
    for n in range(4):
        w.patient(f"P{n}", date(rng.randint(1940, 2015), 3, 1), rng.choice(PLANS))
    claims = []
    for k in range(30):
        pid = f"P{rng.randrange(4)}"
        lines = [(rng.choice(POOL), rng.choice((1, 1, 2))) for _ in range(rng.randint(1, 4))]
        day = date(2026, 1, 5) + timedelta(days=rng.randrange(300))
        claims.append(w.claim(f"C{k}", lines, dx=("E11.9", "M17.11"), pid=pid, dos=day))
    done = w.adj.adjudicate_many(claims, received=lambda c: c.first_service_date + timedelta(5))
    for a in done:
        assert a.remit.balance_problems() == [], a.explain()
        assert a.remit.paid >= 0 and all(ln.paid >= 0 for ln in a.remit.lines)
    for r in w.adj.remittances(done):
        assert r.balance_problems() == []
    for (cov_id, _year), (ded, oop) in w.adj.accumulators.snapshot().items():
        plan = w.plans[w.coverages[cov_id].plan_id]
        assert ded <= plan.deductible
        if plan.oop_max is not None:
            assert oop <= plan.oop_max


def test_same_seed_same_result_in_any_chunking(world_data):
    """A claim's random draws come from (seed, claim id): adjudicating claims of different
    patients in two Adjudicators gives the same remits as one."""

    def run(groups):
        out = {}
        for g in groups:
            w = World(*world_data)
            for pid in ("P0", "P1"):
                w.patient(pid, date(1980, 1, 1), "larkspur-ppo")
            for policy_id in ("larkspur-ppo",):
                p = w.adj.policies[policy_id]
                from dataclasses import replace

                w.adj.policies[policy_id] = replace(p, payer_error_rate=0.3)
            cl = [
                w.claim(f"{pid}-{k}", [("99213",)], pid=pid, dos=DOS + timedelta(k))
                for pid in g
                for k in range(10)
            ]
            for a in w.adj.adjudicate_many(cl):
                out[a.claim.id] = (a.remit, a.pay_date)
        return out

    assert run([["P0", "P1"]]) == run([["P0"], ["P1"]])
    assert Decimal(0) == Decimal("0.00")


def test_medicare_advantage_visit_costs_only_the_copay(w):
    """Silver Heron MA: a $0 office copay means the visit costs the member nothing (its 20%
    coinsurance is for Part B drugs and equipment: ``coinsurance_kinds``); a J-code drug on
    the same plan takes the 20%."""
    w.patient("P1", MEDICARE_AGE, "silver-heron-ma")
    visit = w.adj.adjudicate(w.claim("C1", [("99213",)]), DOS)
    line = only(visit, "99213")
    assert line.patient_responsibility == 0 and line.paid == line.allowed > 0
    drug = w.adj.adjudicate(
        w.claim("C2", [("99213",), ("96372",), ("J1100", 10)], dos=DOS + timedelta(1)), DOS
    )
    assert only(drug, "99213").patient_responsibility == 0
    dline = only(drug, "J1100")
    assert "PR-2" in _adj(drug, "J1100")
    assert _adj(drug, "J1100")["PR-2"] == (dline.allowed * Decimal("0.20")).quantize(
        Decimal("0.01")
    )
