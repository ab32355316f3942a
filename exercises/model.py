"""Exercises, responses and check results (DESIGN.md, "Exercise files" and "Check result").

An :class:`Exercise` is loaded from a versioned YAML file (``exercises/schema.json``,
upgraded to the current ``schema_version`` on load). A response is a plain dict of the
kind's shape; :func:`exercises.check.check` returns a :class:`CheckResult`, which is JSON
(``as_dict``) for ``rcmlab check`` and shows itself in a notebook (``_repr_html_``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


class ExerciseError(ValueError):
    """A malformed exercise file or response: one line naming what and where."""


@dataclass(frozen=True)
class Exercise:
    id: str
    kind: str
    title: str
    module: str
    answer: dict[str, Any]
    rationale: str
    domains: tuple[str, ...] = ()
    documentation: str = ""
    question: str = ""
    choices: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    alternates: tuple[dict[str, Any], ...] = ()
    topics: tuple[str, ...] = ()  # free tags (endocrine, injury ...); domains are catalog ids
    difficulty: int | None = None  # 1 easy, 2 exam level, 3 hard
    exam: tuple[str, ...] = ()  # CPC, CPB
    path: Path | None = None


_SINGULAR = {"diagnoses": "Diagnosis", "procedures": "Line", "lines": "Line"}
_PART = re.compile(r"^(\w+)\[(\d+)\](?:\.(\w+))?$")


def part_label(part: str) -> str:
    """A feedback part as a learner reads it: ``diagnoses[0]`` -> ``Diagnosis 1``,
    ``lines[1].paid`` -> ``Line 2 paid``, ``24E.1`` -> ``Box 24E.1``, ``patient_owes`` ->
    ``patient owes``. The JSON check result keeps the part as it is (DESIGN contract)."""
    m = _PART.match(part)
    if m:
        name = _SINGULAR.get(m.group(1), m.group(1).replace("_", " ").capitalize())
        tail = f" {m.group(3).replace('_', ' ')}" if m.group(3) else ""
        return f"{name} {int(m.group(2)) + 1}{tail}"
    if part[:1].isdigit():
        return f"Box {part}"
    return {"carc": "CARC", "rarc": "RARC"}.get(part, part.replace("_", " "))


@dataclass(frozen=True)
class Feedback:
    part: str  # e.g. "diagnoses[1]", "procedures[0].modifiers"
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"part": self.part, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class CheckResult:
    exercise: str
    correct: bool
    score: float
    feedback: tuple[Feedback, ...]
    rationale: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise,
            "correct": self.correct,
            "score": round(self.score, 4),
            "feedback": [f.as_dict() for f in self.feedback],
            "rationale": self.rationale,
        }

    def _repr_html_(self) -> str:
        head = "Correct" if self.correct else f"Score {self.score:.0%}"
        items = "".join(
            f"<li style='color:{'#1b7f3b' if f.ok else '#b91c1c'}'>"
            f"{'&#10003;' if f.ok else '&#10007;'} <b>{html.escape(part_label(f.part))}</b>: "
            f"{html.escape(f.message)}</li>"
            for f in self.feedback
        )
        color = "#1b7f3b" if self.correct else "#b45309"
        return (
            f"<div><div style='font-weight:bold;color:{color}'>{head}</div>"
            f"<ul>{items}</ul><details><summary>Why</summary>"
            f"<p>{html.escape(self.rationale)}</p></details></div>"
        )
