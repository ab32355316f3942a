"""Generators: registry, determinism, speed, and output that passes the bank's validation."""

from __future__ import annotations

import time

import pytest

from exercises.check import check
from exercises.generators import GENERATORS, generate, names
from exercises.load import validate_exercise

SEEDS = range(30)


@pytest.mark.parametrize("name", names())
def test_output_over_30_seeds_validates_and_its_key_scores_one(name):
    ids = set()
    for seed in SEEDS:
        ex = generate(name, seed)
        validate_exercise(ex)  # catalog ids, codes, key scores 1.0
        assert ex.id.startswith("gen-") and ex.id.endswith(f"-{seed}")
        assert ex.module and ex.domains
        ids.add(ex.id)
        assert check(ex, ex.answer).score == 1.0
    assert len(ids) == len(SEEDS)


@pytest.mark.parametrize("name", names())
def test_deterministic_per_seed(name):
    a, b = generate(name, 7), generate(name, 7)
    assert a == b
    assert generate(name, 8) != a


def test_options_choose_the_specialty_or_the_scenario():
    for seed in range(5):
        ex = generate("diagnosis-coding", seed, specialty="orthopedics")
        assert ex.context["specialty"] == "orthopedics"
    ex = generate("procedure-coding", 3, scenario="fm-influenza-rapid-test")
    assert ex.context["scenario"] == "fm-influenza-rapid-test"
    cf = generate("claim-form", 2, specialty="dermatology")
    assert "dermatology" in cf.topics and cf.answer["fields"]["21.A"]


@pytest.mark.parametrize(
    "call",
    [
        lambda: generate("no-such", 1),
        lambda: generate("diagnosis-coding", -1),
        lambda: generate("diagnosis-coding", 1, specialty="astrology"),
        lambda: generate("claim-form", 1, colour="red"),
        lambda: generate("full-encounter", 1, scenario="no-such-scenario"),
    ],
)
def test_bad_requests_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


def test_claim_form_key_is_the_correct_claims_boxes():
    ex = generate("claim-form", 4)
    fields = ex.answer["fields"]
    assert {"1", "1a", "2", "21.A", "24D.1", "24E.1", "24F.1", "28"} <= set(fields)
    assert "." not in fields["21.A"]  # ICD-10-CM without the dot
    assert set(fields["24E.1"]) <= set("ABCDEFGHIJKL")
    assert ex.context["encounter"]["services"][0]["code"] == fields["24D.1"].split()[0]


def test_generation_is_fast_after_warm_up():
    for name in names():
        generate(name, 0)
    for name in GENERATORS:
        t = time.perf_counter()
        for seed in range(100, 110):
            generate(name, seed)
        mean = (time.perf_counter() - t) / 10
        assert mean < 0.2, (name, mean)  # measured ~2-5 ms on an idle machine
