"""Fuzz: malformed responses and exercise files give a grade or a one-line input error,
never any other exception."""

from __future__ import annotations

import copy
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises import load
from exercises.check import CHECKERS, check
from exercises.model import ExerciseError

BANK = load.bank()
# One exercise of every kind (the first by id).
BY_KIND = {}
for _id in sorted(BANK):
    BY_KIND.setdefault(BANK[_id].kind, BANK[_id])
FIELD_NAMES = [
    "diagnoses", "procedures", "code", "modifiers", "units", "dx_pointers", "choice",
    "fields", "21.A", "24E.1", "patient_owes", "plan_pays", "active", "carc", "rarc",
    "cause", "action", "lines", "paid", "allowed", "contractual", "patient_responsibility",
    "total_paid", "grounds", "attachments", "letter", "letter_must_mention",
]  # fmt: skip

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(max_size=30).map(lambda s: s * 500),  # huge strings
    st.sampled_from(["CO-197", "$1,256.50", "abc", "E11.22", "A", "-5", "NaN", "１２", "yes"]),
)
junk = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), inner, max_size=4
        ),
    ),
    max_leaves=12,
)


def _leaf_paths(value, path=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaf_paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaf_paths(v, (*path, i))
    yield path


def _replace(value, path, new):
    if not path:
        return new
    out = copy.deepcopy(value)
    target = out
    for p in path[:-1]:
        target = target[p]
    target[path[-1]] = new
    return out


def _graded_or_input_error(ex, response):
    try:
        result = check(ex, response)
    except ExerciseError as exc:
        message = str(exc)
        assert "\n" not in message and message.strip(), message
        assert len(message) < 1000, message[:200]
        return
    assert 0.0 <= result.score <= 1.0 and not math.isnan(result.score)
    assert isinstance(result.as_dict()["feedback"], list)


def test_every_kind_is_fuzzed():
    assert set(BY_KIND) == set(CHECKERS)


@pytest.mark.parametrize("kind", sorted(BY_KIND))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(response=junk)
def test_junk_responses(kind, response):
    _graded_or_input_error(BY_KIND[kind], response)


@pytest.mark.parametrize("kind", sorted(BY_KIND))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), new=junk)
def test_the_key_with_one_part_broken(kind, data, new):
    ex = BY_KIND[kind]
    paths = list(_leaf_paths(ex.answer))
    path = data.draw(st.sampled_from(paths))
    _graded_or_input_error(ex, _replace(ex.answer, path, new))


def test_input_errors_name_the_field():
    post = BY_KIND["payment-posting"]
    with pytest.raises(ExerciseError, match=r"^response\.lines\[0\]\.paid: expected an amount"):
        check(post, {"lines": [{"paid": float("nan")}]})
    elig = BY_KIND["eligibility"]
    with pytest.raises(ExerciseError, match=r"^response\.patient_owes"):
        check(elig, {"patient_owes": [25]})


VALID = (
    "schema_version: 1\nid: x-fuzz-001\nkind: eligibility\ntitle: A fuzzed exercise\n"
    "module: 04-eligibility\ndomains: [eligibility-benefits]\ncontext: {}\n"
    "answer: {patient_owes: 25}\nrationale: A rationale that is long enough to pass.\n"
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_malformed_exercise_files_give_one_line(tmp_path, data):
    lines = VALID.splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    mutation = data.draw(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(["domains: [endocrine]", "module: 99-nowhere", "kind: riddle",
                             "answer: [1, 2]", "  bad: indent", "id: Bad Id", "difficulty: 7",
                             "topics: [{a: 1}]", "schema_version: 3", "title: 2026-02-30"]),
        )
    )  # fmt: skip
    lines[i] = mutation
    path = tmp_path / "fuzz.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        ex = load.load(path)
    except ExerciseError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("fuzz.yaml"), str(exc)
        return
    try:
        load.validate_exercise(ex)
    except ExerciseError as exc:
        assert "\n" not in str(exc), str(exc)


def test_a_bad_domain_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(VALID.replace("[eligibility-benefits]", "[eligibility-benefits, endocrine]"))
    with pytest.raises(ExerciseError, match=r"^bad\.yaml:6: field 'domains\[1\]'.*topics"):
        load.load(path)
