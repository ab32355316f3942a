"""Practice and assignment modes: the model behind the exercise widgets (no widget code).

* **practice** — an answer is checked at once, recorded, and its feedback returned.
* **assignment** — an answer is recorded (response JSON and time) with no feedback;
  :meth:`Session.grade` checks every answer waiting for a grade, and from then on
  :meth:`Session.feedback` returns each one's result.
* **exam** — like assignment (used by mock exams; the exam scores itself).

A malformed response is an input error in every mode (``ExerciseError``), never a wrong
answer, so a widget can say what to fix before anything is stored::

    s = Session("assignment", Progress.default(), bank().values())
    s.start(ex)                    # when the exercise is shown (for the time spent)
    s.answer(ex, {"diagnoses": ["E11.22"]})   # -> None (assignment) / CheckResult (practice)
    s.grade()                      # -> {exercise id: CheckResult}
    s.feedback(ex)                 # -> CheckResult of the latest graded answer
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping
from typing import Any

from exercises.check import check
from exercises.model import CheckResult, Exercise, ExerciseError, Feedback
from exercises.progress import Progress

SESSION_MODES = ("practice", "assignment", "exam")


class Session:
    """A learner working through exercises in one mode, recording into :class:`Progress`."""

    def __init__(
        self,
        mode: str,
        progress: Progress,
        exercises: Iterable[Exercise] | Mapping[str, Exercise] = (),
        *,
        clock: Any = time.monotonic,
    ) -> None:
        if mode not in SESSION_MODES:
            raise ExerciseError(f"session: mode {mode!r} is not one of {', '.join(SESSION_MODES)}")
        self.mode = mode
        self.progress = progress
        items = exercises.values() if isinstance(exercises, Mapping) else exercises
        self.exercises: dict[str, Exercise] = {ex.id: ex for ex in items}
        self._clock = clock
        self._started: dict[str, float] = {}

    @property
    def shows_feedback(self) -> bool:
        """True when an answer's feedback is shown as soon as it is given."""
        return self.mode == "practice"

    def start(self, exercise: Exercise) -> None:
        """Note when ``exercise`` was shown, so :meth:`answer` can record the time spent."""
        self.exercises.setdefault(exercise.id, exercise)
        self._started[exercise.id] = self._clock()

    def answer(
        self, exercise: Exercise, response: dict, *, seconds: float | None = None
    ) -> CheckResult | None:
        """Record an answer. Practice: check it and return the result. Assignment/exam:
        store it ungraded and return None (the shape is still validated)."""
        self.exercises.setdefault(exercise.id, exercise)
        # 1. the shape: a malformed response raises before anything is stored
        result = check(exercise, response)
        # 2. the time spent since start(), unless the caller measured it
        if seconds is None and exercise.id in self._started:
            seconds = round(self._clock() - self._started.pop(exercise.id), 3)
        # 3. record, with the result only when this mode shows it now
        shown = result if self.shows_feedback else None
        self.progress.record(exercise, response, shown, seconds=seconds, mode=self.mode)
        return shown

    def grade(self) -> dict[str, CheckResult]:
        """Check every ungraded answer of this session's exercises (the latest answer per
        exercise decides its result); return ``{exercise id: result}``."""
        results: dict[str, CheckResult] = {}
        pending = self.progress.pending()
        for row in pending.itertuples():
            ex = self.exercises.get(row.exercise_id)
            if ex is None:
                continue  # another session's exercise: not ours to grade
            result = _safe_check(ex, row.response)
            self.progress.set_result(int(row.id), result)
            results[ex.id] = result
        return results

    def feedback(self, exercise: Exercise) -> CheckResult | None:
        """The result of the latest graded answer to ``exercise`` (None before grading)."""
        df = self.progress.attempts(exercise_id=exercise.id)
        graded = df[df["result"].notna()]
        if graded.empty:
            return None
        return result_from_dict(graded.iloc[-1]["result"])


def _safe_check(exercise: Exercise, response: dict) -> CheckResult:
    """Check a stored response; one that no longer fits the exercise scores 0."""
    try:
        return check(exercise, response)
    except ExerciseError as exc:
        return CheckResult(
            exercise.id, False, 0.0, (Feedback("response", False, str(exc)),), exercise.rationale
        )


def result_from_dict(data: Mapping[str, Any] | str) -> CheckResult:
    """A :class:`CheckResult` from its JSON form (``CheckResult.as_dict``)."""
    if isinstance(data, str):
        data = json.loads(data)
    return CheckResult(
        exercise=data["exercise"],
        correct=bool(data["correct"]),
        score=float(data["score"]),
        feedback=tuple(
            Feedback(f["part"], bool(f["ok"]), f["message"]) for f in data.get("feedback", [])
        ),
        rationale=data.get("rationale", ""),
    )
