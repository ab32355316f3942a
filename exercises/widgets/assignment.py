"""A student's assignment page: open the package ``rcmlab assign`` gave you, answer every
exercise with the exercise widgets, and save ``responses.json`` for ``rcmlab grade`` — no
JSON typing (docs/instructors.md, "Students answer").

The work is done in this order:

1. **find and read the package** (``assignment.json``, schema
   ``exercises/schemas/student-package.schema.json``): :func:`find_assignments`,
   :func:`read_package` (a bad file is one line naming it, never a traceback);
2. **build each exercise for its editor** from the package alone: the entry's
   ``response_template`` (field names, number of posting lines, no values) shapes the form
   in place of a key (:func:`form_answer`, :func:`package_exercises`); the package holds no
   answer, so nothing can leak into the page;
3. **read back what was saved** (``responses.json`` beside the package, read the way
   ``rcmlab grade`` reads it: :func:`exercises.grade.read_submission`) and fill the editors
   with it (:func:`fill_editor`);
4. **collect and save**: each editor's response (an exercise the student has not touched
   keeps its template, so it is graded "not answered"), written atomically in the format
   ``rcmlab grade`` reads (:func:`responses_document`, :func:`write_responses`).

:class:`AssignmentPage` puts it together: a file chooser, the title, due date and
instructions, one :class:`~exercises.widgets.ui.ExerciseWidget` at a time (assignment mode,
its Check button hidden) with Previous/Next, a "done n of N" line and **Save my answers**.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import ipywidgets as w

from exercises.assign import PACKAGE_SCHEMA, AssignError
from exercises.grade import read_submission
from exercises.model import Exercise, ExerciseError
from exercises.widgets import model as m
from exercises.widgets import ui

ASSIGNMENTS_ENV = "RCMLAB_ASSIGNMENTS"  # the folder searched for assignment.json files
PACKAGE_FILE = "assignment.json"
RESPONSES_FILE = "responses.json"
SEARCH_DEPTH = 4  # folder levels below the search folder
SEARCH_LIMIT = 200  # assignment files listed at most
SKIP_DIRS = {"node_modules", "__pycache__", "site-packages", "instructor"}
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "week3-s001" / PACKAGE_FILE


class PackageError(ValueError):
    """An assignment package or responses file that cannot be used: one line naming it."""


# --- 1. find and read the package -----------------------------------------------------------


def assignments_folder() -> Path:
    """Where the page looks for packages: ``$RCMLAB_ASSIGNMENTS`` or the current folder."""
    env = os.environ.get(ASSIGNMENTS_ENV, "").strip()
    return Path(env).expanduser() if env else Path.cwd()


def find_assignments(
    folder: str | Path | None = None, depth: int = SEARCH_DEPTH, limit: int = SEARCH_LIMIT
) -> list[Path]:
    """``assignment.json`` files under ``folder`` (default :func:`assignments_folder`), at
    most ``depth`` levels down, sorted; hidden folders and an instructor's keys folder are
    skipped."""
    root = Path(folder) if folder is not None else assignments_folder()
    found: list[Path] = []
    if not root.is_dir():
        return found
    for here, dirs, files in os.walk(root):
        level = len(Path(here).relative_to(root).parts)
        dirs[:] = sorted(
            d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS and level < depth
        )
        if PACKAGE_FILE in files:
            found.append(Path(here) / PACKAGE_FILE)
            if len(found) >= limit:
                break
    return sorted(found)


def _short(path: Path) -> str:
    """``s001/assignment.json``: enough of the path to name it in a message."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def package_path(path: str | Path) -> Path:
    """The package file for what the student chose: the file, or a folder holding it."""
    p = Path(path).expanduser()
    return p / PACKAGE_FILE if p.is_dir() else p


def read_package(path: str | Path) -> dict[str, Any]:
    """Read and validate a student package; :class:`PackageError` (one line) if it is
    missing, not JSON, not a package, or has two exercises with the same id."""
    from sim._yaml import ContentError, validate

    p = package_path(path)
    name = _short(p)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackageError(f"{p}: file not found") from None
    except json.JSONDecodeError as exc:
        raise PackageError(f"{name}:{exc.lineno}: not valid JSON: {exc.msg}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackageError(f"{name}: cannot read: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != "rcmlab-student-package":
        raise PackageError(f"{name}: not an rcmlab assignment (written by rcmlab assign)")
    try:
        validate(data, None, PACKAGE_SCHEMA, name)
    except ContentError as exc:
        raise PackageError(str(exc)) from None
    seen: set[str] = set()
    for i, entry in enumerate(data["exercises"]):
        if entry["id"] in seen:
            raise PackageError(f"{name}: field 'exercises[{i}].id': {entry['id']!r} is used twice")
        seen.add(entry["id"])
    return data


# --- 2. each exercise, shaped for its editor ------------------------------------------------


def form_answer(entry: Mapping[str, Any]) -> dict[str, Any]:
    """What the kind's editor reads from ``Exercise.answer`` to draw its form, taken from the
    package's ``response_template`` (names and shape only, every value blank):

    * eligibility: the yes/no fields (named by the checker) become checkboxes;
    * denial-analysis: no blank cause/action is mixed into the checker's option lists.
    """
    template = json.loads(json.dumps(entry.get("response_template") or {}))
    kind = entry["kind"]
    if kind == "eligibility":
        mod = m.optional_module("exercises.check.eligibility")
        yes_no = set(getattr(mod, "YES_NO_FIELDS", ()) or ())
        return {k: (False if k in yes_no else v) for k, v in template.items()}
    if kind == "denial-analysis":
        return {k: v for k, v in template.items() if k not in ("cause", "action")}
    return template


def package_exercises(package: Mapping[str, Any]) -> list[Exercise]:
    """The package's exercises as :class:`Exercise` objects for the widgets: no key, no
    rationale (the package has none); ``answer`` is :func:`form_answer`."""
    return [
        Exercise(
            id=e["id"],
            kind=e["kind"],
            title=e["title"],
            module=e["module"],
            answer=form_answer(e),
            rationale="",
            domains=tuple(e.get("domains", ())),
            documentation=e.get("documentation", ""),
            question=e.get("question", ""),
            choices=dict(e.get("choices", {})),
            context=dict(e.get("context", {})),
        )
        for e in package["exercises"]
    ]


def templates(package: Mapping[str, Any]) -> dict[str, Any]:
    """``{exercise id: response template}`` in package order (an unanswered exercise)."""
    return {e["id"]: e["response_template"] for e in package["exercises"]}


# --- 3. what was saved ----------------------------------------------------------------------


def responses_path(package_file: str | Path) -> Path:
    """``responses.json`` beside the package."""
    return package_path(package_file).parent / RESPONSES_FILE


def read_responses(path: str | Path, package: Mapping[str, Any]) -> dict[str, Any]:
    """The saved answers ``{exercise id: response}`` of this package's exercises ({} if
    none were saved yet); :class:`PackageError` (one line) if the file cannot be read the
    way ``rcmlab grade`` reads it (not JSON, another student's or assignment's file)."""
    p = Path(path)
    if not p.is_file():
        return {}
    try:
        saved = read_submission(p, package["student"]["id"], package["assignment"]["id"])
    except AssignError as exc:
        raise PackageError(str(exc)) from None
    wanted = templates(package)
    return {k: v for k, v in saved.items() if k in wanted and isinstance(v, dict)}


def _options(widget: Any) -> list[Any]:
    """The values a selection widget offers (options given as ``(label, value)`` or values)."""
    return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in widget.options]


def _pick(widget: Any, value: Any) -> None:
    if value in _options(widget):
        widget.value = value


def _rows(rows: Any, n: int) -> list[Any]:
    """``n`` rows (at least one) in an editor's row list."""
    while len(rows.rows) < n:
        rows.add_row()
    while len(rows.rows) > max(n, 1):
        rows.remove_row()
    return list(rows.rows)


def _fill_diagnoses(editor: ui.DiagnosisEditor, response: Mapping[str, Any]) -> None:
    codes = [str(c) for c in response.get("diagnoses") or []]
    for picker, code in zip(_rows(editor.list, len(codes)), codes, strict=False):
        picker.value = code


def _fill_procedures(editor: ui.ProcedureEditor, response: Mapping[str, Any]) -> None:
    lines = [ln for ln in response.get("procedures") or [] if isinstance(ln, Mapping)]
    for row, line in zip(_rows(editor.list, len(lines)), lines, strict=False):
        row.code.value = str(line.get("code", ""))
        row.modifiers.value = ", ".join(str(x) for x in line.get("modifiers") or [])
        row.units.value = str(line.get("units", 1) or 1)
        row.pointers.value = ", ".join(str(x) for x in line.get("dx_pointers") or [])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def fill_editor(editor: ui.Editor, response: Mapping[str, Any]) -> None:
    """Put a saved response back into the kind's editor (values the form cannot show, such
    as an option that is no longer offered, are left out)."""
    if isinstance(editor, ui.MultipleChoiceEditor):
        _pick(editor.choices, str(response.get("choice", "")).strip().upper())
    elif isinstance(editor, ui.DiagnosisEditor):
        _fill_diagnoses(editor, response)
    elif isinstance(editor, ui.ProcedureEditor):
        _fill_procedures(editor, response)
    elif isinstance(editor, ui.FullEncounterEditor):
        _fill_diagnoses(editor.dx, response)
        _fill_procedures(editor.px, response)
    elif isinstance(editor, ui.ClaimFormEditor):
        fields = response.get("fields") or {}
        for box, t in editor.boxes.items():
            t.value = _text(fields.get(box))
    elif isinstance(editor, ui.EligibilityEditor):
        for name, f in editor.fields.items():
            value = response.get(name)
            f.value = bool(value) if isinstance(f, w.Checkbox) else _text(value)
    elif isinstance(editor, ui.DenialEditor):
        editor.carc.value = _text(response.get("carc"))
        if editor.rarc is not None:
            editor.rarc.value = _text(response.get("rarc"))
        _pick(editor.cause, response.get("cause"))
        _pick(editor.action, response.get("action"))
    elif isinstance(editor, ui.PostingEditor):
        lines = response.get("lines") or []
        for row, line in zip(editor.cells, lines, strict=False):
            for col, t in row.items():
                t.value = _text(line.get(col)) if isinstance(line, Mapping) else ""
        for name, t in editor.claim.items():
            t.value = _text(response.get(name))
    elif isinstance(editor, ui.AppealEditor):
        for sel, key in ((editor.grounds, "grounds"), (editor.attachments, "attachments")):
            sel.value = tuple(v for v in response.get(key) or [] if v in _options(sel))
        editor.letter.value = _text(response.get("letter"))


# --- 4. collect and save --------------------------------------------------------------------


def _empty(value: Any) -> bool:
    """Nothing filled in: None, blank text, or a list/mapping of such (a posting template's
    lines are a list of blank mappings)."""
    if isinstance(value, Mapping):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_empty(v) for v in value)
    return value is None or (isinstance(value, str) and not value.strip())


def is_answered(response: Any) -> bool:
    """True unless the response is still as the template left it."""
    return not _empty(response)


def responses_document(package: Mapping[str, Any], responses: Mapping[str, Any]) -> dict:
    """The ``responses.json`` that ``rcmlab grade`` reads: every exercise of the package in
    its order, an exercise without an answer as its template."""
    tpl = templates(package)
    return {
        "assignment": package["assignment"]["id"],
        "student_id": package["student"]["id"],
        "responses": {k: responses.get(k, v) for k, v in tpl.items()},
    }


def write_responses(path: str | Path, document: Mapping[str, Any]) -> None:
    """Write ``document`` to ``path`` atomically (a temporary file beside it, then
    ``os.replace``): a reader sees the old file or the new one, never half of one."""
    p = Path(path)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- the sample package (docs/examples) -----------------------------------------------------


def describe(package: Mapping[str, Any], saved: Mapping[str, Any] | None = None) -> str:
    """A plain-text summary of a package: title, due date, student, the exercises and how
    many are answered in ``saved``."""
    a, st = package["assignment"], package["student"]
    lines = [a["title"], f"Due {a.get('due') or 'not set'}, for {st['name']} ({st['id']})"]
    saved = saved or {}
    done = 0
    for i, e in enumerate(package["exercises"], start=1):
        answered = is_answered(saved.get(e["id"]))
        done += answered
        lines.append(f"{i}. {e['title']} ({e['kind']}){' - answered' if answered else ''}")
    lines.append(f"done {done} of {len(package['exercises'])}")
    return "\n".join(lines)


def sample_summary() -> str:
    """:func:`describe` of the sample package shipped in docs/examples (nothing answered),
    or one line saying it is not in this installation."""
    try:
        return describe(read_package(SAMPLE))
    except PackageError as exc:
        return f"The sample assignment is not available: {exc}"


def sample_copy(dest: str | Path | None = None) -> Path:
    """A copy of the sample package to practise on, in ``dest`` (default: the rcmlab data
    folder's ``assignments/sample-week3``); answers saved there before are kept."""
    from exercises.progress import data_dir

    if not SAMPLE.is_file():
        return SAMPLE  # not in this installation: the page says "file not found"
    folder = Path(dest) if dest is not None else data_dir() / "assignments" / "sample-week3"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SAMPLE, folder / PACKAGE_FILE)
    if not (folder / RESPONSES_FILE).exists():
        shutil.copyfile(SAMPLE.parent / RESPONSES_FILE, folder / RESPONSES_FILE)
    return folder / PACKAGE_FILE


# --- the page ---------------------------------------------------------------------------------


def _watch(widget: w.Widget, callback: Callable[[Any], None]) -> None:
    """Call ``callback`` when any value in ``widget``'s tree changes (rows added later are
    watched as they appear): how the page knows which exercises the student touched."""
    if isinstance(widget, w.Box):
        for child in widget.children:
            _watch(child, callback)

        def added(change: dict[str, Any]) -> None:
            for child in change["new"]:
                if child not in change["old"]:
                    _watch(child, callback)

        widget.observe(added, names="children")
    elif "value" in widget.trait_names() and not isinstance(widget, w.HTML):
        widget.observe(callback, names="value")


class AssignmentPage(w.VBox):
    """Open an assignment package, answer its exercises with the widgets, save the answers.

    ``path`` opens that package (file or folder) at once; otherwise the page lists the
    ``assignment.json`` files under ``folder`` (default ``$RCMLAB_ASSIGNMENTS`` or the
    current folder) and opens the only one, if there is only one.
    """

    def __init__(
        self, path: str | Path | None = None, folder: str | Path | None = None, **kw: Any
    ) -> None:
        # 1. the chooser: a list of packages found and a path box, with Open
        self.folder = Path(folder) if folder is not None else assignments_folder()
        found = find_assignments(self.folder)
        self.chooser = w.Dropdown(
            options=[(self._label(p), str(p)) for p in found],
            value=None,
            description="Assignment:",
            style=ui._WIDE,
            layout=w.Layout(width="420px"),
        )
        self.path_text = w.Text(
            placeholder="or the path of assignment.json (or its folder)",
            layout=w.Layout(width="420px"),
        )
        self.open_button = w.Button(description="Open", icon="folder-open")
        self.chooser.observe(self._chosen, names="value")
        self.open_button.on_click(lambda _: self.open_package(self.path_text.value))
        hint = "" if found else f"<small>No assignment.json found under {self.folder}.</small>"
        chooser = w.VBox(
            [w.HBox([self.chooser]), w.HBox([self.path_text, self.open_button]), ui._html(hint)]
        )
        # 2. the assignment: header, status, navigation, the exercise, Save
        self.message = ui._html("", "rcm-assignment-message")
        self.header = ui._html("")
        self.status = ui._html("", "rcm-progress")
        self.picker = w.Dropdown(description="Exercise:", layout=w.Layout(width="560px"))
        self.prev = w.Button(description="Previous", icon="arrow-left")
        self.next = w.Button(description="Next", icon="arrow-right")
        self.save_button = w.Button(description="Save my answers", button_style="success")
        self.prev.on_click(lambda _: self.go(self.index - 1))
        self.next.on_click(lambda _: self.go(self.index + 1))
        self.save_button.on_click(lambda _: self.save())
        self.picker.observe(self._on_pick, names="value")
        self.body = w.VBox()
        self.work = w.VBox(
            [
                self.header,
                self.status,
                w.HBox([self.picker, self.prev, self.next]),
                self.body,
                self.save_button,
            ],
            layout=w.Layout(display="none"),
        )
        super().__init__([chooser, self.message, self.work], **kw)
        self.add_class("rcm-assignment")
        self._reset()
        # 3. open what was given, or the only package found
        if path is not None:
            self.open_package(path)
        elif len(found) == 1:
            self.open_package(found[0])

    def _label(self, p: Path) -> str:
        try:
            return str(p.relative_to(self.folder))
        except ValueError:
            return str(p)

    def _reset(self) -> None:
        self.package: dict[str, Any] | None = None
        self.path: Path | None = None
        self.exercises: list[Exercise] = []
        self.saved: dict[str, Any] = {}  # exercise id -> the answer last saved or read back
        self.exercise_widgets: dict[int, ui.ExerciseWidget] = {}  # made when first shown
        self.touched: set[str] = set()  # exercise ids the student changed
        self.index = 0

    def _chosen(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.path_text.value = change["new"]
            self.open_package(change["new"])

    # --- opening ---------------------------------------------------------------------------

    def open_package(self, path: str | Path) -> bool:
        """Open a package (file or folder) and restore its saved answers; a bad package
        shows one line in the page (the one open before stays closed) and returns False."""
        if not str(path).strip():
            self._say("Choose an assignment or type the path of its assignment.json.")
            return False
        self.save_if_changed()  # leaving an open assignment keeps its answers
        try:
            package = read_package(path)
        except PackageError as exc:
            self._reset()
            self.work.layout.display = "none"
            self._say(str(exc))
            return False
        self._reset()
        self.package, self.path = package, package_path(path)
        self.exercises = package_exercises(package)
        self.path_text.value = str(self.path)
        try:
            self.saved = read_responses(responses_path(self.path), package)
            self._say("")
        except PackageError as exc:
            self._say(f"{exc} (your saved answers cannot be read; saving will replace them)")
        self._draw_header()
        self.work.layout.display = ""
        self._set_options()
        self._show()
        return True

    def _draw_header(self) -> None:
        a, st = self.package["assignment"], self.package["student"]
        due = f"Due {html.escape(str(a['due']))} · " if a.get("due") else ""
        parts = [
            f"<h2 style='margin:4px 0'>{html.escape(a['title'])}</h2>",
            f"<div>{due}{html.escape(st['name'])} ({html.escape(st['id'])})</div>",
        ]
        if a.get("instructions"):
            parts.append(m.text_html(a["instructions"]))
        self.header.value = "".join(parts)

    def _entry_label(self, i: int) -> str:
        mark = " ✓" if is_answered(self.saved.get(self.exercises[i].id)) else ""
        return f"{i + 1}. {self.exercises[i].title}{mark}"

    # --- moving between exercises ------------------------------------------------------------

    def go(self, index: int, autosave: bool = True) -> None:
        """Show exercise ``index`` (0-based, clamped); the answers so far are saved first."""
        if not self.exercises or index is None:
            return
        index = max(0, min(len(self.exercises) - 1, int(index)))
        if index == self.index and self.body.children:
            return
        if autosave:
            self.save_if_changed()
        self.index = index
        if self.picker.value != index:
            self.picker.value = index
        self._show()

    def widget(self, index: int) -> ui.ExerciseWidget:
        """The widget of exercise ``index``, made (and filled with its saved answer) on
        first use; ExerciseError if the exercise's kind has no editor."""
        if index not in self.exercise_widgets:
            ex = self.exercises[index]
            ew = ui.ExerciseWidget(ex, progress=None, mode="assignment")
            ew.check_button.layout.display = "none"  # answers are saved, not checked
            saved = self.saved.get(ex.id)
            if is_answered(saved):
                fill_editor(ew.editor, saved)
                self.touched.add(ex.id)
            _watch(ew.editor, lambda _, i=ex.id: self.touched.add(i))
            self.exercise_widgets[index] = ew
        return self.exercise_widgets[index]

    def _show(self) -> None:
        ex = self.exercises[self.index]
        try:
            shown: w.Widget = self.widget(self.index)
        except ExerciseError as exc:
            shown = ui._html(m.error_html(str(exc)))
        head = f"<b>Exercise {self.index + 1} of {len(self.exercises)}</b> · {ex.kind}"
        self.body.children = (ui._html(head), shown)
        self._refresh()

    # --- collecting and saving ---------------------------------------------------------------

    def collect(self) -> tuple[dict[str, Any], dict[int, str]]:
        """Every exercise's answer as the widgets hold it (one not touched: what was saved,
        or its template), and ``{index: one line}`` for each answer that cannot be read
        (its last saved answer is kept)."""
        tpl = templates(self.package or {"exercises": []})
        out: dict[str, Any] = {}
        problems: dict[int, str] = {}
        for i, ex in enumerate(self.exercises):
            out[ex.id] = self.saved.get(ex.id, tpl[ex.id])
            ew = self.exercise_widgets.get(i)
            if ew is None or ex.id not in self.touched:
                continue
            try:
                out[ex.id] = ew.editor.response()
            except ExerciseError as exc:
                if ex.kind == "multiple-choice":  # no option picked: not answered
                    out[ex.id] = tpl[ex.id]
                else:
                    problems[i] = str(exc)
        return out, problems

    @property
    def done(self) -> int:
        """How many exercises have an answer (as the widgets hold them now)."""
        return sum(is_answered(r) for r in self.collect()[0].values())

    def save(self) -> Path | None:
        """Write every answer to ``responses.json`` beside the package (atomically); the
        page says what was saved and which answers it could not read. Returns the path
        written, or None when nothing could be written."""
        if self.package is None or self.path is None:
            self._say("Open an assignment first.")
            return None
        responses, problems = self.collect()
        target = responses_path(self.path)
        try:
            write_responses(target, responses_document(self.package, responses))
        except OSError as exc:
            self._say(f"{target}: cannot save your answers: {exc.strerror or exc}")
            return None
        self.saved = dict(responses)
        done = sum(is_answered(r) for r in responses.values())
        self._say(f"Saved {done} of {len(responses)} answers to {target}.", ok=True)
        if problems:  # what could not be saved, after the line saying what was
            self.message.value += m.error_html(
                "; ".join(
                    f"exercise {i + 1} ({self.exercises[i].title}) was not saved: {msg}"
                    for i, msg in sorted(problems.items())
                )
            )
        self._mark(problems)
        self._refresh()
        return target

    def save_if_changed(self) -> Path | None:
        """Save when an answer differs from what was saved (on moving to another exercise)."""
        if self.package is None:
            return None
        responses, problems = self.collect()
        changed = any(responses[k] != self.saved.get(k) for k in responses if k in self.touched)
        return self.save() if changed or problems else None

    def _mark(self, problems: Mapping[int, str]) -> None:
        """Each shown exercise's pane: saved, or the line saying what to fix."""
        for i, ew in self.exercise_widgets.items():
            if i in problems:
                ew.feedback.value = m.error_html(problems[i])
            elif is_answered(self.saved.get(self.exercises[i].id)):
                ew.feedback.value = m.feedback_html(None)

    def _on_pick(self, change: dict[str, Any]) -> None:
        self.go(change["new"])

    def _set_options(self) -> None:
        """The exercise list (a tick on each answered one), the current one selected,
        without moving the page."""
        labels = [(self._entry_label(i), i) for i in range(len(self.exercises))]
        if list(self.picker.options) == labels and self.picker.value == self.index:
            return
        self.picker.unobserve(self._on_pick, names="value")
        self.picker.options = labels
        self.picker.value = self.index if labels else None
        self.picker.observe(self._on_pick, names="value")

    def _refresh(self) -> None:
        self.status.value = f"<b>done {self.done} of {len(self.exercises)}</b>"
        self._set_options()

    def _say(self, text: str, ok: bool = False) -> None:
        if not text:
            self.message.value = ""
        elif ok:
            self.message.value = f"<div style='color:#1b7f3b'>{html.escape(text)}</div>"
        else:
            self.message.value = m.error_html(text)


def assignment_page(path: str | Path | None = None, **kwargs: Any) -> AssignmentPage:
    """The student's assignment page (:class:`AssignmentPage`) — one call in a notebook."""
    return AssignmentPage(path, **kwargs)


__all__ = [
    "AssignmentPage",
    "PackageError",
    "assignment_page",
    "describe",
    "fill_editor",
    "find_assignments",
    "form_answer",
    "package_exercises",
    "read_package",
    "read_responses",
    "responses_document",
    "sample_copy",
    "sample_summary",
    "write_responses",
]
