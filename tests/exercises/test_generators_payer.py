"""Payer-engine generators: eligibility, denial-analysis, payment-posting, appeal."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from exercises.check import check
from exercises.check.eligibility import money_path
from exercises.generators import appeal as appeal_gen
from exercises.generators import denial as denial_gen
from exercises.generators import eligibility as elig_gen
from exercises.generators import generate
from exercises.load import validate_exercise
from sim import cycle

PAYER = ("eligibility", "denial-analysis", "payment-posting", "appeal")
SEEDS = range(30)


@pytest.mark.parametrize("name", PAYER)
def test_30_seeds_validate_and_keys_score_one(name):
    for seed in SEEDS:
        ex = generate(name, seed)
        validate_exercise(ex)
        assert check(ex, ex.answer).score == 1.0
        assert ex.id.endswith(f"-{seed}") and ex.module and ex.domains


@pytest.mark.parametrize("name", PAYER)
def test_same_seed_same_exercise(name):
    assert generate(name, 11) == generate(name, 11)
    assert generate(name, 11) != generate(name, 12)


def test_eligibility_key_agrees_with_money_path_and_plan_option():
    for seed in range(10):
        ex = generate("eligibility", seed, plan="larkspur-hdhp")
        assert ex.context["plan"]["name"].startswith("Larkspur Saver HDHP")
        values, _ = money_path(ex.context)
        for name, amount in ex.answer.items():
            if name in values:
                assert Decimal(amount) == values[name]
    wrong = dict(ex.answer, patient_owes="9999.99")
    r = check(ex, wrong)
    assert r.score < 1 and any("allowed amount" in f.message for f in r.feedback if not f.ok)


def test_eligibility_covers_inactive_coverage_and_prior_auth():
    keys = [generate("eligibility", s).answer for s in range(60)]
    assert any(k["active"] is False for k in keys)
    assert any(k.get("prior_auth_required") is True for k in keys)
    assert any(k.get("referral_required") is True for k in keys)


@pytest.mark.parametrize("cause", sorted(denial_gen.CASES))
def test_every_denial_cause_and_its_action(cause):
    ex = generate("denial-analysis", 3, cause=cause)
    assert ex.answer["cause"] == cause
    carc = ex.answer["carc"].split("-")[1]
    assert carc in denial_gen.EXPECTED[cause]
    if cause != "payer-error":  # the action is the billing office's (sim.cycle.ACTIONS)
        step = cycle.ACTIONS.get(carc, "write-off")
        assert ex.answer["action"] == cycle.TO_DESIGN[step]
    else:
        assert ex.answer["action"] == "appeal"
    wrong = dict(ex.answer, cause="duplicate" if cause != "duplicate" else "timely-filing")
    r = check(ex, wrong)
    assert r.score < 1 and any("not why" in f.message for f in r.feedback)


def test_posting_key_matches_the_835_and_wrong_amount_is_explained():
    ex = generate("payment-posting", 5)
    assert ex.context["835"][0].startswith("CLP*")
    clp = ex.context["835"][0].split("*")
    assert Decimal(clp[4]) == Decimal(ex.answer["total_paid"])
    wrong = {**ex.answer, "lines": [dict(ex.answer["lines"][0], paid="0.01")]}
    r = check(ex, wrong)
    assert r.score < 1 and any("allowed" in f.message for f in r.feedback if not f.ok)


@pytest.mark.parametrize("case", sorted(appeal_gen.CASES))
def test_every_appeal_case_is_overturned_and_a_wrong_appeal_scores_less(case):
    ex = generate("appeal", 4, case=case)  # the generator asserts OVERTURNED
    assert ex.context["payer_claim_number"] in ex.answer["letter"]
    r = check(ex, {"grounds": ["coverage-was-active"], "attachments": [], "letter": "pay"})
    assert r.score < 0.5 and any("should mention" in f.message for f in r.feedback)


@pytest.mark.parametrize(
    "call",
    [
        lambda: generate("eligibility", 1, plan="no-such-plan"),
        lambda: generate("denial-analysis", 1, cause="astrology"),
        lambda: generate("appeal", 1, case="nope"),
        lambda: generate("payment-posting", 1, colour="red"),
    ],
)
def test_bad_options_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_engine_and_money_path_disagree_only_by_rounding():
    # money_path rounds half to even; the payer engine rounds half up (see the report)
    for seed in range(40):
        found = elig_gen.disagreements(seed)
        if found:
            engine, path = found
            assert all(abs(engine[k] - path[k]) <= Decimal("0.01") for k in engine)


def test_fast_after_warm_up():
    for name in PAYER:
        generate(name, 0)
        t = time.perf_counter()
        for seed in range(100, 110):
            generate(name, seed)
        assert (time.perf_counter() - t) / 10 < 0.05, name


def _codes_in(context):
    """(ICD-10-CM codes, CPT/HCPCS codes) shown to the learner in a generated context."""
    dx, px = set(), set()

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str):
            if key == "diagnoses":
                dx.add(node)
            elif key in ("code", "service"):
                px.add(node)

    walk(context)
    return dx, px


@pytest.mark.parametrize("name", ["eligibility", "denial-analysis", "appeal"])
def test_every_code_a_generated_case_shows_is_real(name):
    """The claims these generators build (their service tables and case builders) use only
    billable ICD-10-CM codes and CPT/HCPCS codes the code sets know."""
    from codesets import cpt, hcpcs, icd10cm

    causes = {"denial-analysis": sorted(denial_gen.CASES)}.get(name, [None])
    seen = 0
    for seed in range(12):
        for cause in causes:
            ex = generate(name, seed, cause=cause) if cause else generate(name, seed)
            dx, px = _codes_in(ex.context)
            for code in dx:
                assert icd10cm.is_billable(code), (name, seed, code)
            for code in px:
                assert cpt.lookup(code) or hcpcs.lookup(code), (name, seed, code)
            seen += len(dx) + len(px)
    assert seen
