"""ipywidgets UIs for exercises: they draw, collect and show; every decision is in
:mod:`exercises.widgets.model` (and the checkers and code sets behind it).

* :class:`CodePicker` — search box, ranked results, the picked code with its verdict;
* one editor per exercise kind (``EDITORS``), each a VBox with ``response() -> dict``;
* :class:`ExerciseWidget` — the question above, the editor with a **Check** button, and
  the feedback beside it (an HTML widget with the class ``rcm-feedback``);
* :class:`ModuleExercises` — a navigator over a module's exercises with a progress line;
* :class:`ProgressOverview` — the start page's table and chart.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import ipywidgets as w
import traitlets

from exercises.model import CheckResult, Exercise, ExerciseError
from exercises.widgets import model as m

_WIDE = {"description_width": "initial"}


_LINE = "<div class='rcm-text' style='line-height:1.45'>"


def _tight(change: dict) -> None:
    """Keep an HTML widget's text at a reading line height: ipywidgets gives its content
    the height of a one-line control (28 px), which double-spaces wrapped text."""
    value = change["new"]
    if len(value) > 100 and not value.startswith(_LINE):  # short texts never wrap
        change["owner"].value = f"{_LINE}{value}</div>"


def _html(text: str, cls: str | None = None) -> w.HTML:
    out = w.HTML()
    out.observe(_tight, "value")
    out.value = text
    if cls:
        out.add_class(cls)
    return out


# --- CodePicker ------------------------------------------------------------------------------


class CodePicker(w.VBox):
    """A code field with live search: type words or a code, pick from the ranked list.

    ``value`` is the picked code (or the text as typed when nothing was picked, so the
    checker can explain a wrong code). Searching runs when the text is committed (Enter
    or leaving the field: ``continuous_update=False``).
    """

    value = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        description: str = "Code:",
        systems: Sequence[str] = m.ICD,
        value: str = "",
        limit: int = 12,
        **kwargs: Any,
    ) -> None:
        self.systems = tuple(systems)
        self.limit = limit
        self.text = w.Text(
            description=description,
            placeholder="words or a code, then Enter",
            continuous_update=False,
            style=_WIDE,
            layout=w.Layout(width="320px"),
        )
        self.results = w.Select(options=[], rows=5, layout=w.Layout(width="520px", display="none"))
        self.info = _html("", "rcm-code-info")
        super().__init__([w.HBox([self.text, self.info]), self.results], **kwargs)
        self.add_class("rcm-code-picker")
        self.text.observe(self._on_text, names="value")
        self.results.observe(self._on_pick, names="value")
        self.observe(self._on_value, names="value")
        if value:
            self.text.value = value

    # 1. typed text: search; a code typed as such is taken as the value at once
    def _on_text(self, change: dict[str, Any]) -> None:
        text = change["new"].strip()
        hits = m.code_search(text, self.systems, self.limit)
        self.results.unobserve(self._on_pick, names="value")
        self.results.options = [(m.hit_label(h), h["code"]) for h in hits]
        self.results.value = None
        self.results.observe(self._on_pick, names="value")
        # the list is hidden when empty, or when a code typed in full is its only match
        only_itself = len(hits) == 1 and m.looks_like_code(text)
        self.results.layout.display = "" if hits and not only_itself else "none"
        if m.looks_like_code(text) or not text:
            self.value = text
            self.info.value = self.verdict_html(text)  # also when the value did not change
        else:
            self.value = ""
            n = len(hits)
            self.info.value = (
                f"<small>{n} match{'es' if n != 1 else ''}: pick one below</small>"
                if n
                else "<small>no codes match these words</small>"
            )

    # 2. a result picked: it becomes the value (and the text)
    def _on_pick(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.value = change["new"]

    # 3. the value shown with its description and billable verdict
    def _on_value(self, change: dict[str, Any]) -> None:
        code = change["new"]
        if not code:
            return  # words being searched: the text and the hint stay
        if self.text.value.strip() != code:
            self.text.unobserve(self._on_text, names="value")
            self.text.value = code
            self.text.observe(self._on_text, names="value")
        self.info.value = self.verdict_html(code)

    def verdict_html(self, code: str) -> str:
        if not code.strip():
            return ""
        v = m.code_verdict(code, self.systems)
        color = "#1b7f3b" if v.ok else "#b45309"
        mark = "&#10003;" if v.ok else "&#9888;"
        return f"<span style='color:{color};font-size:12px'>{mark} {html.escape(v.message)}</span>"


# --- editors, one per kind -------------------------------------------------------------------


class Editor(w.VBox):
    """Base of the per-kind editors: ``response()`` builds the response dict."""

    def __init__(self, exercise: Exercise, children: Sequence[w.Widget] = (), **kw: Any):
        self.exercise = exercise
        super().__init__(list(children), **kw)
        self.add_class("rcm-editor")

    def response(self) -> dict[str, Any]:  # pragma: no cover - every kind overrides it
        raise NotImplementedError


class MultipleChoiceEditor(Editor):
    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        self.choices = w.RadioButtons(
            options=[(f"{k}. {v}", k) for k, v in sorted(exercise.choices.items())],
            value=None,
            layout=w.Layout(width="auto"),
        )
        super().__init__(exercise, [self.choices], **kw)

    def response(self) -> dict[str, Any]:
        return m.choice_response(self.choices.value)


class _Rows(w.VBox):
    """Rows that the learner adds and removes; row 1 first (the first-listed diagnosis)."""

    def __init__(self, make_row: Callable[[int], w.Widget], label: str, start: int = 1) -> None:
        self.make_row = make_row
        self.rows: list[w.Widget] = []
        self.add = w.Button(description=f"Add {label}", icon="plus")
        self.remove = w.Button(description="Remove last", icon="minus")
        self.add.on_click(lambda _: self.add_row())
        self.remove.on_click(lambda _: self.remove_row())
        self.box = w.VBox()
        super().__init__([self.box, w.HBox([self.add, self.remove])])
        for _ in range(start):
            self.add_row()

    def add_row(self) -> w.Widget:
        row = self.make_row(len(self.rows) + 1)
        self.rows.append(row)
        self.box.children = tuple(self.rows)
        return row

    def remove_row(self) -> None:
        if len(self.rows) > 1:
            self.rows.pop()
            self.box.children = tuple(self.rows)


class DiagnosisEditor(Editor):
    """One CodePicker per diagnosis; the first row is the first-listed diagnosis."""

    def __init__(self, exercise: Exercise, rows: int = 1, **kw: Any) -> None:
        self.list = _Rows(self._row, "diagnosis", start=rows)
        hint = _html("<i>Diagnosis 1 is the first-listed (primary) diagnosis.</i>")
        super().__init__(exercise, [hint, self.list], **kw)

    @staticmethod
    def _row(n: int) -> CodePicker:
        return CodePicker(description=f"Diagnosis {n}:", systems=m.ICD)

    @property
    def pickers(self) -> list[CodePicker]:
        return list(self.list.rows)

    def response(self) -> dict[str, Any]:
        return m.diagnosis_response(p.value for p in self.pickers)


class ProcedureRow(w.HBox):
    """Code picker (CPT/HCPCS), modifiers, units and diagnosis pointers of one line."""

    def __init__(self, n: int) -> None:
        self.code = CodePicker(description=f"Line {n} code:", systems=m.PROCEDURES)
        self.modifiers = w.Text(
            description="Modifiers:",
            placeholder="25, RT",
            style=_WIDE,
            layout=w.Layout(width="170px"),
        )
        self.units = w.Text(
            value="1", description="Units:", style=_WIDE, layout=w.Layout(width="100px")
        )
        self.pointers = w.Text(
            description="Dx pointers:",
            placeholder="1, 2",
            style=_WIDE,
            layout=w.Layout(width="170px"),
        )
        super().__init__([self.code, w.VBox([self.modifiers, self.units, self.pointers])])

    def values(self) -> dict[str, str]:
        return {
            "code": self.code.value,
            "modifiers": self.modifiers.value,
            "units": self.units.value,
            "dx_pointers": self.pointers.value,
        }


class ProcedureEditor(Editor):
    def __init__(self, exercise: Exercise, rows: int = 1, **kw: Any) -> None:
        self.list = _Rows(ProcedureRow, "line", start=rows)
        dx = exercise.context.get("diagnoses") or []
        hint = (
            "<i>Diagnoses for the pointers: "
            + ", ".join(f"{i}. {html.escape(str(c))}" for i, c in enumerate(dx, 1))
            + "</i>"
            if dx
            else ""
        )
        super().__init__(exercise, [_html(hint), self.list], **kw)

    def response(self) -> dict[str, Any]:
        return m.procedure_response(r.values() for r in self.list.rows)


class FullEncounterEditor(Editor):
    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        self.dx = DiagnosisEditor(exercise)
        self.px = ProcedureEditor(exercise)
        super().__init__(
            exercise,
            [_html("<b>Diagnoses</b>"), self.dx, _html("<b>Procedures</b>"), self.px],
            **kw,
        )

    def response(self) -> dict[str, Any]:
        return {**self.dx.response(), **self.px.response()}


class ClaimFormEditor(Editor):
    """A Text per graded CMS-1500 box (labelled from the form's layout) beside the form as
    typed so far (sim.cms1500.render_svg)."""

    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        self.boxes: dict[str, w.Text] = {}
        rows = []
        for box, label in m.claim_boxes(exercise):
            t = w.Text(
                description=f"Box {box}:",
                placeholder=label,
                tooltip=label,
                continuous_update=False,
                style=_WIDE,
                layout=w.Layout(width="360px"),
            )
            t.observe(self._redraw, names="value")
            self.boxes[box] = t
            rows.append(w.VBox([t, _html(f"<small>{html.escape(label)}</small>")]))
        self.form = _html("")
        fields = w.VBox(rows, layout=w.Layout(max_height="640px", overflow="auto", width="400px"))
        super().__init__(exercise, [w.HBox([fields, self.form])], **kw)
        self._redraw()

    def values(self) -> dict[str, str]:
        return {box: t.value for box, t in self.boxes.items()}

    def _redraw(self, _: Any = None) -> None:
        self.form.value = m.form_svg(self.exercise, self.values())

    def response(self) -> dict[str, Any]:
        return m.claim_form_response(self.values())


class EligibilityEditor(Editor):
    """Amount fields (text, read by the checker), yes/no fields as checkboxes."""

    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        self.fields: dict[str, w.Widget] = {}
        for name, label, kind, meaning in m.eligibility_fields(exercise):
            if kind == "bool":
                f: w.Widget = w.Checkbox(value=False, description=label, indent=False)
            elif kind == "text":
                f = w.Text(description=f"{label}:", style=_WIDE, layout=w.Layout(width="360px"))
            else:
                f = w.Text(
                    description=f"{label}: $",
                    placeholder="0.00",
                    style=_WIDE,
                    layout=w.Layout(width="300px"),
                )
            f.tooltip = meaning or None
            self.fields[name] = f
        super().__init__(exercise, list(self.fields.values()), **kw)

    def response(self) -> dict[str, Any]:
        return m.eligibility_response({k: f.value for k, f in self.fields.items()})


class DenialEditor(Editor):
    """Group + CARC typed (its meaning shown), a RARC if the key has one, cause and action."""

    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        causes, actions = m.denial_vocabulary(exercise)
        self.carc = w.Text(
            description="Group + CARC:",
            placeholder="CO-197",
            continuous_update=False,
            style=_WIDE,
        )
        self.carc_info = _html("")
        self.carc.observe(self._describe, names="value")
        keyed = any("rarc" in k for k in (exercise.answer, *exercise.alternates))
        self.rarc = w.Text(description="RARC:", placeholder="N115", style=_WIDE) if keyed else None
        self.cause = w.Dropdown(options=causes, value=None, description="Cause:", style=_WIDE)
        self.action = w.Dropdown(options=actions, value=None, description="Action:", style=_WIDE)
        parts = [w.HBox([self.carc, self.carc_info]), self.rarc, self.cause, self.action]
        super().__init__(exercise, [p for p in parts if p is not None], **kw)

    def _describe(self, change: dict[str, Any]) -> None:
        self.carc_info.value = f"<small>{html.escape(m.carc_text(change['new']))}</small>"

    def response(self) -> dict[str, Any]:
        rarc = self.rarc.value if self.rarc is not None else None
        return m.denial_response(self.carc.value, self.cause.value, self.action.value, rarc)


class PostingEditor(Editor):
    """A posting grid: one row per service line, one column per amount."""

    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        shape = m.posting_shape(exercise)
        self.shape = shape
        head = [_html("<b>Line</b>")] + [
            _html(f"<b>{html.escape(m._label(c))}</b>") for c in shape.columns
        ]
        self.cells: list[dict[str, w.Text]] = []
        grid: list[w.Widget] = list(head)
        for n in range(1, shape.lines + 1):
            row = {
                c: w.Text(placeholder="0.00", layout=w.Layout(width="110px")) for c in shape.columns
            }
            self.cells.append(row)
            grid += [_html(str(n)), *row.values()]
        self.grid = w.GridBox(
            grid, layout=w.Layout(grid_template_columns=f"50px repeat({len(shape.columns)}, 120px)")
        )
        self.claim = {
            k: w.Text(description=f"{m._label(k)}: $", style=_WIDE) for k in shape.claim_fields
        }
        super().__init__(exercise, [self.grid, *self.claim.values()], **kw)

    def response(self) -> dict[str, Any]:
        lines = [{c: t.value for c, t in row.items()} for row in self.cells]
        return m.posting_response(lines, {k: t.value for k, t in self.claim.items()})


class AppealEditor(Editor):
    def __init__(self, exercise: Exercise, **kw: Any) -> None:
        grounds, attachments = m.appeal_vocabulary(exercise)
        self.grounds = w.SelectMultiple(
            options=grounds,
            rows=6,
            description="Grounds:",
            style=_WIDE,
            layout=w.Layout(width="520px"),
        )
        self.attachments = w.SelectMultiple(
            options=attachments,
            rows=6,
            description="Attachments:",
            style=_WIDE,
            layout=w.Layout(width="520px"),
        )
        self.letter = w.Textarea(
            description="Letter:",
            placeholder="Write the appeal letter",
            style=_WIDE,
            layout=w.Layout(width="640px", height="220px"),
        )
        super().__init__(exercise, [self.grounds, self.attachments, self.letter], **kw)

    def response(self) -> dict[str, Any]:
        return m.appeal_response(self.grounds.value, self.attachments.value, self.letter.value)


EDITORS: dict[str, type[Editor]] = {
    "multiple-choice": MultipleChoiceEditor,
    "diagnosis-coding": DiagnosisEditor,
    "procedure-coding": ProcedureEditor,
    "full-encounter": FullEncounterEditor,
    "claim-form": ClaimFormEditor,
    "eligibility": EligibilityEditor,
    "denial-analysis": DenialEditor,
    "payment-posting": PostingEditor,
    "appeal": AppealEditor,
}


def editor_for(exercise: Exercise) -> Editor:
    cls = EDITORS.get(exercise.kind)
    if cls is None:
        raise ExerciseError(f"{exercise.id}: no editor for kind {exercise.kind!r}")
    return cls(exercise)


# --- one exercise ---------------------------------------------------------------------------


class ExerciseWidget(w.VBox):
    """An exercise of any kind: the note/question above, the answer form with a **Check**
    button, and the feedback beside it. Checks go through :class:`model.Attempt`
    (exercises.check.check, then Progress.record)."""

    result = traitlets.Instance(CheckResult, allow_none=True)
    checks = traitlets.Int(0)  # answers recorded so far (observed by ModuleExercises)

    def __init__(
        self, exercise: Exercise, progress: Any | None = None, mode: str = "practice", **kw: Any
    ) -> None:
        self.exercise = exercise
        self.attempt = m.Attempt(exercise, progress, mode)
        self.editor = editor_for(exercise)
        self.check_button = w.Button(description="Check", button_style="primary")
        self.check_button.on_click(lambda _: self.check())
        self.feedback = _html("", "rcm-feedback")
        self.feedback.layout = w.Layout(min_width="280px", max_width="520px", margin="0 0 0 16px")
        head = f"<h3 style='margin:4px 0'>{html.escape(exercise.title)}</h3>"
        parts = [
            _html(head),
            _html(m.text_html(exercise.documentation)) if exercise.documentation else None,
            _html(m.text_html(exercise.question)) if exercise.question else None,
            _html(m.context_html(exercise.context)) if exercise.context else None,
            w.HBox([w.VBox([self.editor, self.check_button]), self.feedback]),
        ]
        super().__init__([p for p in parts if p is not None], **kw)
        self.add_class("rcm-exercise")

    def check(self) -> CheckResult | None:
        """Build the response, check and record it, show the feedback. A response that
        cannot be read shows its one-line error instead (nothing is recorded)."""
        try:
            result = self.attempt.check(self.editor.response())
        except ExerciseError as exc:
            self.feedback.value = m.error_html(str(exc))
            return None
        self.feedback.value = m.feedback_html(result)
        self.result = result
        self.checks += 1
        return result


# --- a module's exercises --------------------------------------------------------------------


class ModuleExercises(w.VBox):
    """A navigator (dropdown plus previous/next) over a module's exercises — the bank's and
    generated variants — with a progress line ("4 of 10 done, best 85 %")."""

    index = traitlets.Int(0)

    def __init__(
        self,
        module: str,
        generated: int = m.DEFAULT_GENERATED,
        seed: int = 0,
        progress: Any | None = None,
        mode: str = "practice",
        exercises: Sequence[Exercise] | None = None,
        **kw: Any,
    ) -> None:
        self.module = module
        self.mode = mode
        self.progress = progress if progress is not None else m.default_progress()
        self.entries = (
            [m.Entry(ex.title, ex) for ex in exercises]
            if exercises is not None
            else m.entries_for(module, generated, seed)
        )
        self.status = _html("", "rcm-progress")
        self.picker = w.Dropdown(
            options=[(f"{i + 1}. {e.title}", i) for i, e in enumerate(self.entries)],
            description="Exercise:",
            layout=w.Layout(width="560px"),
        )
        self.prev = w.Button(description="Previous", icon="arrow-left")
        self.next = w.Button(description="Next", icon="arrow-right")
        self.prev.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        if self.entries:  # an empty module has no index to link
            traitlets.link((self.picker, "value"), (self, "index"))
        self.observe(self._show, names="index")
        self.body = w.VBox()
        problems = m.load_errors(module)
        warn = _html(m.error_html("; ".join(problems))) if problems else _html("")
        super().__init__(
            [self.status, w.HBox([self.picker, self.prev, self.next]), warn, self.body], **kw
        )
        self.add_class("rcm-module")
        self.current: ExerciseWidget | None = None
        if self.entries:
            self._show()
        else:
            self.body.children = (_html("<i>No exercises in this module yet.</i>"),)
        self.refresh()

    @property
    def exercises(self) -> list[Exercise]:
        """Every exercise of the navigator (generating the variants not made yet)."""
        return [e.get() for e in self.entries]

    def go(self, index: int) -> None:
        if self.entries:
            self.index = max(0, min(len(self.entries) - 1, index))

    def _show(self, _: Any = None) -> None:
        try:
            ex = self.entries[self.index].get()
        except (ExerciseError, ValueError) as exc:
            self.body.children = (_html(m.error_html(str(exc))),)
            return
        self.current = ExerciseWidget(ex, self.progress, self.mode)
        self.current.observe(lambda _: self.refresh(), names="checks")
        self.body.children = (self.current,)

    def refresh(self) -> None:
        line = m.progress_line(self.module, self.entries, self.progress)
        self.status.value = f"<b>{html.escape(line)}</b>"


class ProgressOverview(w.VBox):
    """The learner's progress by module: a table and a chart (exercises.progress)."""

    def __init__(self, progress: Any | None = None, **kw: Any) -> None:
        self.progress = progress if progress is not None else m.default_progress()
        self.table = _html("", "rcm-overview")
        self.chart = w.Output()
        super().__init__([self.table, self.chart], **kw)
        self.refresh()

    def refresh(self) -> None:
        if self.progress is None:
            self.table.value = "<i>Progress is not being saved in this session.</i>"
            return
        df = self.progress.overview()
        if df is None or len(df) == 0 or not df["attempted"].sum():
            self.table.value = "<i>No exercises done yet: start with module 01.</i>"
            return
        self.table.value = df.to_html(index=False, float_format=lambda x: f"{x:.2f}")
        fig = self.progress.chart()
        self.chart.clear_output()
        if fig is not None:
            with self.chart:
                from IPython.display import display

                display(fig)
            import matplotlib.pyplot as plt

            plt.close(fig)  # shown once, in the Output, not again at the end of the cell
