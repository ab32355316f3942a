"""Answer checking: one checker per exercise kind, each a few small rule steps.

``check(exercise, response)`` validates the response's shape (a malformed response is an
input error — :class:`~exercises.model.ExerciseError` — not a wrong answer), normalises
it (case, spaces, the dot in ICD-10-CM codes, the order of modifiers and of secondary
diagnoses; the first-listed diagnosis keeps its place), grades it against the key and
its alternates (the best-scoring one wins), and explains each part from the code sets.

Kinds checked so far: diagnosis-coding, procedure-coding, full-encounter, multiple-choice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exercises.check import coding, multiple_choice
from exercises.model import CheckResult, Exercise, ExerciseError, Feedback

Checker = Callable[[dict[str, Any], dict[str, Any]], tuple[float, list[Feedback]]]

CHECKERS: dict[str, Checker] = {
    "diagnosis-coding": coding.check_diagnoses,
    "procedure-coding": coding.check_procedures,
    "full-encounter": coding.check_full_encounter,
    "multiple-choice": multiple_choice.check,
}


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
        score, feedback = checker(key, response)
        if best is None or score > best[0]:
            best = (score, feedback)
    assert best is not None
    score, feedback = best
    correct = score >= 0.9999 and all(f.ok for f in feedback)
    return CheckResult(exercise.id, correct, score, tuple(feedback), exercise.rationale)
