"""Answer checking: one checker per exercise kind, each a few small rule steps.

``check(exercise, response)`` validates the response's shape (a malformed response is an
input error — :class:`~exercises.model.ExerciseError` — not a wrong answer), normalises
it (case, spaces, the dot in ICD-10-CM codes, the order of modifiers and of secondary
diagnoses; the first-listed diagnosis keeps its place), grades it against the key and
its alternates (the best-scoring one wins), and explains each part from the code sets.

Kinds checked (one module each): diagnosis-coding, procedure-coding, full-encounter
(``coding``), claim-form (``claim_form``), eligibility (``eligibility``), denial-analysis
(``denial``), payment-posting (``posting``), appeal (``appeal``), multiple-choice
(``multiple_choice``). Checkers that explain from the exercise's ``context`` (the money
path of an eligibility question, for instance) receive it as a third argument; they are
listed in :data:`USES_CONTEXT`. Shared normalisers (amounts, yes/no, dates, ids) are in
``common``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exercises.check import (
    appeal,
    claim_form,
    coding,
    denial,
    eligibility,
    multiple_choice,
    posting,
)
from exercises.model import CheckResult, Exercise, ExerciseError, Feedback

# (key, response) or, for USES_CONTEXT kinds, (key, response, context) -> (score, feedback)
Checker = Callable[..., tuple[float, list[Feedback]]]

CHECKERS: dict[str, Checker] = {
    "diagnosis-coding": coding.check_diagnoses,
    "procedure-coding": coding.check_procedures,
    "full-encounter": coding.check_full_encounter,
    "multiple-choice": multiple_choice.check,
    "claim-form": claim_form.check,
    "eligibility": eligibility.check,
    "denial-analysis": denial.check,
    "payment-posting": posting.check,
    "appeal": appeal.check,
}
# Kinds whose checker takes the exercise's context as a third argument.
USES_CONTEXT = frozenset(
    {"claim-form", "eligibility", "denial-analysis", "payment-posting", "appeal"}
)


def check(exercise: Exercise, response: Any) -> CheckResult:
    """Grade ``response`` for ``exercise`` (see the module docstring)."""
    checker = CHECKERS.get(exercise.kind)
    if checker is None:
        raise ExerciseError(
            f"{exercise.id}: no checker for kind {exercise.kind!r} yet "
            f"(checked kinds: {', '.join(sorted(CHECKERS))})"
        )
    if not isinstance(response, dict):
        raise ExerciseError(f"response: expected an object, got {type(response).__name__}")
    best: tuple[float, list[Feedback]] | None = None
    for key in (exercise.answer, *exercise.alternates):
        if exercise.kind in USES_CONTEXT:
            score, feedback = checker(key, response, exercise.context)
        else:
            score, feedback = checker(key, response)
        if best is None or score > best[0]:
            best = (score, feedback)
    assert best is not None
    score, feedback = best
    correct = score >= 0.9999 and all(f.ok for f in feedback)
    return CheckResult(exercise.id, correct, score, tuple(feedback), exercise.rationale)
