"""Multiple choice: ``{choice: "B"}`` (case and spaces ignored)."""

from __future__ import annotations

from typing import Any

from exercises.model import ExerciseError, Feedback


def check(key: dict[str, Any], response: dict[str, Any]) -> tuple[float, list[Feedback]]:
    choice = response.get("choice")
    if not isinstance(choice, str) or not choice.strip():
        raise ExerciseError("response: 'choice' must be a letter such as \"B\"")
    given = choice.strip().upper()
    want = str(key["choice"]).strip().upper()
    if given == want:
        return 1.0, [Feedback("choice", True, f"{given} is correct")]
    return 0.0, [Feedback("choice", False, f"{given} is not the best answer")]
