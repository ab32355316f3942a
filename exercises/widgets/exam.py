"""The mock-exam widget (notebook 12): start a CPC or CPB exam (``exercises.exams.assemble``),
see the time left, answer the items one at a time (ExerciseWidget in exam mode: no feedback
until the end), then **Submit exam** for the ExamResult table and the domain chart.

Only one item is drawn at a time (prev/next), so a 100-item exam opens at once; the answers
are read from each visited item's form when the exam is submitted.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from exercises.model import ExerciseError
from exercises.widgets.ui import ExerciseWidget

_WIDE = {"description_width": "initial"}


def remaining_text(exam: Any, now: datetime | None = None) -> str:
    """``"1:59:30 left of 4:00:00"`` (the exam's time limit)."""

    def hms(td: Any) -> str:
        s = int(td.total_seconds())
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"

    return f"{hms(exam.remaining(now))} left of {hms(exam.time_limit)}"


def collect(widgets: dict[int, ExerciseWidget]) -> dict[str, dict]:
    """Responses from the visited items' forms; a form left blank or unreadable counts as
    not answered (it scores 0)."""
    out: dict[str, dict] = {}
    for ew in widgets.values():
        try:
            out[ew.exercise.id] = ew.editor.response()
        except ExerciseError:
            continue
    return out


class MockExam(w.VBox):
    """Exam picker and seed, **Start exam**, a timer line, one item with previous/next,
    and **Submit exam** (the result and the chart replace the items)."""

    def __init__(
        self, exam: str = "cpc", seed: int = 0, progress: Any = "default", **kw: Any
    ) -> None:
        # where the submitted answers are recorded (mode "exam"); None records nothing
        self.progress = _progress() if progress == "default" else progress
        self.which = w.Dropdown(
            options=[("CPC (coding)", "cpc"), ("CPB (billing)", "cpb")],
            value=exam,
            description="Exam:",
            style=_WIDE,
        )
        self.seed = w.BoundedIntText(value=seed, min=0, max=10**6, description="Seed:", style=_WIDE)
        self.start_button = w.Button(description="Start exam", button_style="primary")
        self.start_button.on_click(lambda _: self.start())
        self.timer = w.HTML("")
        self.timer.add_class("rcm-timer")
        self.position = w.HTML("")
        self.prev = w.Button(description="Previous", icon="arrow-left", disabled=True)
        self.next = w.Button(description="Next", icon="arrow-right", disabled=True)
        self.submit_button = w.Button(
            description="Submit exam", button_style="warning", disabled=True
        )
        self.prev.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.submit_button.on_click(lambda _: self.submit())
        self.body = w.VBox()
        self.result_html = w.HTML("")
        self.result_html.add_class("rcm-feedback")
        self.chart = w.Image(format="png", layout=w.Layout(max_width="760px"))
        self.exam: Any = None
        self.result: Any = None
        self.index = 0
        self.widgets: dict[int, ExerciseWidget] = {}
        super().__init__(
            [
                w.HBox([self.which, self.seed, self.start_button]),
                self.timer,
                w.HBox([self.prev, self.position, self.next, self.submit_button]),
                self.body,
                self.result_html,
            ],
            **kw,
        )
        self.add_class("rcm-mock-exam")

    def start(self, started_at: datetime | None = None) -> Any:
        """Assemble the exam (same exam and seed, same items) and show item 1."""
        from exercises.exams import assemble

        self.exam = assemble(self.which.value, int(self.seed.value), started_at=started_at)
        self.result = None
        self.widgets = {}
        self.result_html.value = ""
        self.submit_button.disabled = False
        self.go(0)
        return self.exam

    def tick(self, now: datetime | None = None) -> None:
        """Update the timer line (called on every move; a learner can also press Next)."""
        if self.exam is not None:
            self.timer.value = (
                f"<b>{html.escape(self.exam.title)}</b> — {len(self.exam.items)} items — "
                f"{remaining_text(self.exam, now)}"
            )

    def go(self, index: int) -> None:
        """Show item ``index`` (its form keeps what was typed when you come back)."""
        if self.exam is None or self.result is not None:
            return
        n = len(self.exam.items)
        self.index = max(0, min(n - 1, index))
        if self.index not in self.widgets:
            item = self.exam.items[self.index]
            ew = ExerciseWidget(item.exercise, None, "exam")
            ew.check_button.description = "Save answer"
            self.widgets[self.index] = ew
        item = self.exam.items[self.index]
        self.body.children = (self.widgets[self.index],)
        self.position.value = (
            f"&nbsp;item {self.index + 1} of {n} <small>({html.escape(item.domain)})</small>&nbsp;"
        )
        self.prev.disabled = self.index == 0
        self.next.disabled = self.index == n - 1
        self.tick()

    def submit(self, finished_at: datetime | None = None) -> Any:
        """Score every answer; show the ExamResult and the chart by domain."""
        if self.exam is None:
            return None
        responses = collect(self.widgets)
        self.result = self.exam.score(responses, finished_at or datetime.now(UTC))
        if self.progress is not None:  # each answered item, as an exam-mode attempt
            by_id = {it.id: it for it in self.exam.items}
            for item_id, result in self.result.results.items():
                self.progress.record(
                    by_id[item_id].exercise, responses[item_id], result, mode="exam"
                )
        fig = self.result.chart()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90)
        self.chart.value = buf.getvalue()
        self.result_html.value = self.result._repr_html_()
        self.body.children = (self.chart,)
        self.submit_button.disabled = self.prev.disabled = self.next.disabled = True
        self.position.value = f"&nbsp;{len(responses)} of {len(self.exam.items)} answered&nbsp;"
        return self.result


def _progress() -> Any:
    """The learner's progress store, if it can be opened (the page works without it)."""
    try:
        from exercises.progress import Progress

        return Progress.default()
    except Exception:
        return None


def mock_exam(exam: str = "cpc", seed: int = 0) -> MockExam:
    """The mock-exam page of notebook 12."""
    return MockExam(exam, seed)
