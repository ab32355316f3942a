"""Exercise widgets for the notebooks and the Voila app (ipywidgets only; the decisions are
in :mod:`exercises.widgets.model`, the checkers and the code sets).

A notebook cell is one call::

    from exercises.widgets import module_page
    module_page("02-diagnosis-coding")

and a student answers an assignment from ``rcmlab assign`` with ``assignment_page()``.
"""

from __future__ import annotations

from typing import Any

from exercises.widgets.assignment import AssignmentPage, assignment_page
from exercises.widgets.cycle import (
    AppealComposer,
    Capstone,
    DenialQueue,
    EOBViewer,
    PostingGrid,
    StatementViewer,
    WhatIfPanel,
    practice_month,
)
from exercises.widgets.exam import MockExam, mock_exam
from exercises.widgets.examples import worked_example
from exercises.widgets.model import exercises_for
from exercises.widgets.ui import (
    CodePicker,
    ExerciseWidget,
    ModuleExercises,
    ProgressOverview,
)

__all__ = [
    "AppealComposer",
    "AssignmentPage",
    "Capstone",
    "CodePicker",
    "DenialQueue",
    "EOBViewer",
    "ExerciseWidget",
    "MockExam",
    "ModuleExercises",
    "PostingGrid",
    "ProgressOverview",
    "StatementViewer",
    "WhatIfPanel",
    "assignment_page",
    "exercises_for",
    "mock_exam",
    "module_page",
    "practice_month",
    "start_page",
    "worked_example",
]


def module_page(module: str, generated: int = 8, seed: int = 0, **kwargs: Any) -> ModuleExercises:
    """The exercises of a notebook: bank exercises and ``generated`` variants (seeded),
    with a navigator, the Check button and the learner's progress."""
    return ModuleExercises(module, generated=generated, seed=seed, **kwargs)


def start_page(**kwargs: Any) -> ProgressOverview:
    """The start page's progress overview (a table by module and a chart)."""
    return ProgressOverview(**kwargs)
