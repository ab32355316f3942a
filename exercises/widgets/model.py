"""The state behind the exercise widgets, with no widget imports (testable on its own).

The widgets in :mod:`exercises.widgets.ui` only draw and collect; what they show and send
comes from here, in this order:

1. **which exercises** a module offers: its bank files plus generated variants
   (:func:`exercises_for`);
2. **what the form asks for**, read from the exercise (:func:`claim_boxes`,
   :func:`eligibility_fields`, :func:`posting_shape`, :func:`denial_vocabulary`,
   :func:`appeal_vocabulary`);
3. **the response**, built from what the learner typed (``*_response`` functions; text that
   cannot be read raises :class:`~exercises.model.ExerciseError` with one line naming the
   field);
4. **the check and the record** (:class:`Attempt`: :func:`exercises.check.check`, then
   ``Progress.record``) and the module's progress line (:func:`progress_line`).

Modules that other parts of rcmlab add later are imported with a guard and simply missing
until then: ``exercises.progress`` (Progress), ``exercises.generators`` (variants), and the
vocabularies of ``exercises.check.denial`` / ``exercises.check.appeal``.
"""

from __future__ import annotations

import html
import importlib
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from exercises.model import CheckResult, Exercise, ExerciseError

BANK = Path(__file__).resolve().parents[1] / "bank"

#: Generated variants per module (DESIGN: >= 8 checked exercises per notebook).
DEFAULT_GENERATED = 8

#: Generator names (exercises.generators) that feed each module's variants, in turn.
MODULE_GENERATORS: dict[str, tuple[str, ...]] = {
    "01-code-sets": ("diagnosis-coding",),
    "02-diagnosis-coding": ("diagnosis-coding",),
    "03-procedure-coding": ("procedure-coding", "full-encounter"),
    "04-eligibility": ("eligibility",),
    "05-claim-forms": ("claim-form",),
    "06-submission": ("claim-form",),
    "07-adjudication": ("payment-posting",),
    "08-denials": ("denial-analysis",),
    "09-appeals": ("appeal",),
    "10-posting-and-ar": ("payment-posting",),
    "11-capstone": ("full-encounter", "claim-form"),
}

#: The follow-up actions of a denial-analysis response (DESIGN.md, "Exercise files").
ACTIONS = (
    "correct-and-resubmit",
    "appeal",
    "bill-patient",
    "write-off",
    "update-coverage-and-resubmit",
    "send-records",
)

#: The columns of a payment-posting line, in the order a posting screen shows them.
POSTING_COLUMNS = ("allowed", "paid", "contractual", "patient_responsibility")


def optional_module(name: str) -> Any | None:
    """Import ``name`` if that part of rcmlab exists yet, else None (other errors raise)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


# --- 1. which exercises ------------------------------------------------------------------


@cache
def _bank_module(module: str) -> tuple[tuple[Exercise, ...], tuple[str, ...]]:
    """The module's bank files, loaded once per process; a bad file is skipped and its
    one-line error kept (a learner still gets the others)."""
    from exercises.load import load

    found: list[Exercise] = []
    errors: list[str] = []
    for p in sorted((BANK / module).glob("*.yaml")):
        try:
            found.append(load(p))
        except ExerciseError as exc:
            errors.append(str(exc))
    return tuple(ex for ex in found if ex.module == module), tuple(errors)


def bank_exercises(module: str) -> list[Exercise]:
    """The bank's exercises for ``module`` (exercises/bank/<module>/*.yaml), by file name."""
    return list(_bank_module(module)[0])


def generated_exercises(
    module: str, count: int = DEFAULT_GENERATED, seed: int = 0
) -> list[Exercise]:
    """``count`` variants from the module's generators, seeds ``seed``, ``seed + 1`` ...
    (deterministic); empty when exercises.generators or a generator does not exist yet."""
    gen = optional_module("exercises.generators")
    wanted = MODULE_GENERATORS.get(module, ())
    if gen is None or count <= 0 or not wanted:
        return []
    available = set(gen.names())
    names = [n for n in wanted if n in available]
    return [gen.generate(names[i % len(names)], seed + i) for i in range(count)] if names else []


def exercises_for(module: str, generated: int = DEFAULT_GENERATED, seed: int = 0) -> list[Exercise]:
    """The module's exercises: bank files first, then ``generated`` generated variants."""
    return bank_exercises(module) + generated_exercises(module, generated, seed)


@dataclass
class Entry:
    """One item of a module's navigator: a bank exercise, or a generated variant made only
    when it is first shown (``generator`` and ``seed``), so a module page opens at once."""

    title: str
    exercise: Exercise | None = None
    generator: str = ""
    seed: int = 0

    def get(self) -> Exercise:
        if self.exercise is None:
            gen = optional_module("exercises.generators")
            if gen is None:
                raise ExerciseError(f"{self.title}: exercises.generators is not available")
            self.exercise = gen.generate(self.generator, self.seed)
        return self.exercise


def entries_for(module: str, generated: int = DEFAULT_GENERATED, seed: int = 0) -> list[Entry]:
    """The navigator's items: bank exercises, then ``generated`` lazily made variants (the
    same exercises, in the same order, as :func:`exercises_for`)."""
    out = [Entry(ex.title, ex) for ex in bank_exercises(module)]
    gen = optional_module("exercises.generators")
    wanted = MODULE_GENERATORS.get(module, ())
    names = [n for n in wanted if gen is not None and n in set(gen.names())]
    for i in range(generated if names else 0):
        name = names[i % len(names)]
        out.append(Entry(f"New case {i + 1} ({_label(name).lower()})", None, name, seed + i))
    return out


def load_errors(module: str) -> list[str]:
    """One line per bank file of ``module`` that did not load."""
    return list(_bank_module(module)[1])


# --- 2. what the form asks for -----------------------------------------------------------


def box_label(box: str) -> str:
    """What goes in a CMS-1500 box, in plain words (sim.cms1500.BOXES)."""
    from sim import cms1500

    return cms1500.BOXES.get(box, f"Box {box}")


def claim_boxes(exercise: Exercise) -> list[tuple[str, str]]:
    """``(box, label)`` for every box the key grades, in the order of the paper form."""
    from sim import cms1500

    keyed = list((exercise.answer.get("fields") or {}).keys())
    order = {b: i for i, b in enumerate(cms1500.BOXES)}
    keyed.sort(key=lambda b: (order.get(b, len(order)), b))
    return [(b, box_label(b)) for b in keyed]


def _label(name: str) -> str:
    return name.replace("_", " ").replace("-", " ").capitalize()


def eligibility_fields(exercise: Exercise) -> list[tuple[str, str, str, str]]:
    """``(field, label, "bool" | "amount" | "text", what it means)`` for every key field
    (the meanings and the text fields come from exercises.check.eligibility when present)."""
    mod = optional_module("exercises.check.eligibility")
    meanings: dict[str, str] = dict(getattr(mod, "FIELDS", {}) or {})
    text_fields = set(getattr(mod, "TEXT_FIELDS", ()) or ())
    out = []
    for k, v in exercise.answer.items():
        kind = "bool" if isinstance(v, bool) else "text" if k in text_fields else "amount"
        out.append((k, _label(k), kind, meanings.get(k, "")))
    return out


@dataclass(frozen=True)
class PostingShape:
    lines: int  # rows of the posting grid
    columns: tuple[str, ...]  # per-line amount fields
    claim_fields: tuple[str, ...]  # claim-level amount fields the key grades


def posting_shape(exercise: Exercise) -> PostingShape:
    """The grid a payment-posting exercise needs: one row per key line, the key's columns
    (allowed, paid, contractual, patient responsibility first), claim-level fields."""
    lines = exercise.answer.get("lines") or []
    seen = [c for line in lines if isinstance(line, dict) for c in line]
    cols = [c for c in POSTING_COLUMNS if c in seen] or list(POSTING_COLUMNS)
    cols += [c for c in dict.fromkeys(seen) if c not in cols]
    extra = tuple(k for k in exercise.answer if k != "lines")
    return PostingShape(max(len(lines), 1), tuple(cols), extra)


def _vocab(module: str, names: Sequence[str]) -> list[tuple[str, str]]:
    """``(label, id)`` options from the first of ``names`` that ``module`` defines (a dict
    id -> text, or a sequence of ids)."""
    mod = optional_module(module)
    for name in names:
        value = getattr(mod, name, None) if mod is not None else None
        if isinstance(value, Mapping):
            return [(f"{k}: {v}" if v and v != k else str(k), str(k)) for k, v in value.items()]
        if isinstance(value, Iterable) and not isinstance(value, str):
            return [(str(k), str(k)) for k in value]
    return []


def _with(options: list[tuple[str, str]], extra: Iterable[Any]) -> list[tuple[str, str]]:
    have = {v for _, v in options}
    return options + [(str(x), str(x)) for x in extra if str(x) not in have]


def denial_vocabulary(exercise: Exercise) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Cause and action options for a denial-analysis exercise: the checker's vocabularies,
    the exercise's own ``context.causes`` if given, and (until the checker defines its
    list) the key's values mixed into the list so the right answer can be chosen."""
    causes = _vocab("exercises.check.denial", ("CAUSES", "CAUSE_IDS", "CAUSE"))
    actions = _vocab("exercises.check.denial", ("ACTIONS", "ACTION_IDS")) or [
        (a, a) for a in ACTIONS
    ]
    causes = _with(causes, exercise.context.get("causes", ()))
    keys = (exercise.answer, *exercise.alternates)
    causes = _with(causes, [k["cause"] for k in keys if "cause" in k])
    actions = _with(actions, [k["action"] for k in keys if "action" in k])
    return sorted(causes), actions


def appeal_vocabulary(exercise: Exercise) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Grounds and attachment options for an appeal exercise (as :func:`denial_vocabulary`)."""
    grounds = _vocab("exercises.check.appeal", ("GROUNDS", "GROUND_IDS"))
    attachments = _vocab("exercises.check.appeal", ("ATTACHMENTS", "ATTACHMENT_IDS"))
    keys = (exercise.answer, *exercise.alternates)
    grounds = _with(grounds, [g for k in keys for g in k.get("grounds", ())])
    attachments = _with(attachments, [a for k in keys for a in k.get("attachments", ())])
    return sorted(grounds), sorted(attachments)


def carc_text(value: str) -> str:
    """The adjustment's meaning in rcmlab's words (``"CO-197"``), or why it is not one."""
    from codesets import adjustments

    if not value.strip():
        return ""
    try:
        return adjustments.describe(value)
    except ValueError as exc:
        return str(exc)


# --- code search and verdicts (CodePicker) ----------------------------------------------

ICD = ("icd10cm",)
PROCEDURES = ("cpt", "hcpcs")


def code_search(text: str, systems: Sequence[str] = ICD, limit: int = 12) -> list[dict[str, Any]]:
    """Ranked hits over ``systems`` (codesets.lookup.search), best first, at most ``limit``."""
    from codesets import lookup

    text = text.strip()
    if len(text) < 2:
        return []
    per = [lookup.search(text, system=s, limit=limit) for s in systems]
    out: list[dict[str, Any]] = []
    for rank in range(limit):  # interleave the systems by rank
        out += [hits[rank] for hits in per if rank < len(hits)]
    return out[:limit]


_CODE_LIKE = re.compile(r"[A-Za-z0-9]{3}\.?[A-Za-z0-9]{0,4}")


def looks_like_code(text: str) -> bool:
    """True for text shaped like a code (``E11.22``, ``e1122``, ``99214``, ``J3301``), not
    for search words."""
    s = text.strip()
    return bool(_CODE_LIKE.fullmatch(s)) and any(ch.isdigit() for ch in s)


def hit_label(hit: Mapping[str, Any]) -> str:
    flag = "" if hit.get("billable", True) else " (not billable)"
    return f"{hit['code']}  {hit['description']}{flag}"


@dataclass(frozen=True)
class CodeVerdict:
    code: str  # normalised
    ok: bool
    message: str


def code_verdict(text: str, systems: Sequence[str] = ICD) -> CodeVerdict:
    """What a learner's code is: description and billable verdict (ICD-10-CM via
    ``icd10cm.validate``; CPT/HCPCS via ``lookup.lookup``)."""
    from codesets import icd10cm, lookup

    text = text.strip()
    if "icd10cm" in systems:
        v = icd10cm.validate(text)
        if v.code or len(systems) == 1:
            return CodeVerdict(v.code or text.upper(), v.ok, v.message)
    for system in systems:
        if system == "icd10cm":
            continue
        try:
            found = lookup.lookup(text, system=system)
        except lookup.UnknownCode:
            continue
        ok = bool(found.get("billable", True))
        state = "billable" if ok else "not billable"
        return CodeVerdict(
            found["code"], ok, f"{found['code']} ({system}) is {state}: {found['description']}"
        )
    return CodeVerdict(text.upper(), False, f"{text!r} is not a known {' or '.join(systems)} code")


# --- 3. the response from what was typed -------------------------------------------------

_SPLIT = re.compile(r"[\s,;/]+")
LETTERS = "ABCDEFGHIJKL"


def _tokens(text: str) -> list[str]:
    return [t for t in _SPLIT.split(str(text).strip()) if t]


def clean_codes(values: Iterable[str]) -> list[str]:
    """The codes as typed, trimmed, blanks dropped, order kept."""
    return [v.strip() for v in values if v and v.strip()]


def parse_modifiers(text: str) -> list[str]:
    """``"25, rt"`` / ``"25 RT"`` / ``"25-RT"`` -> ``["25", "RT"]``."""
    return [t.upper() for t in _tokens(str(text).replace("-", " "))]


def parse_units(text: Any, where: str) -> int:
    """Units as a whole number >= 1; one-line error naming ``where`` otherwise."""
    s = str(text).strip()
    if not s:
        return 1
    if not s.isdigit() or int(s) < 1:
        raise ExerciseError(f"{where}: units must be a whole number of at least 1, not {s!r}")
    return int(s)


def parse_pointers(text: str, where: str) -> list[int]:
    """``"1, 2"`` / ``"1 2"`` / ``"AB"`` -> ``[1, 2]`` (pointers to the diagnoses; numbers
    are separated, so ``"12"`` is diagnosis 12, letters may run together)."""
    out: list[int] = []
    for tok in _tokens(text):
        if tok.isdigit():
            out.append(int(tok))
        elif all(ch.upper() in LETTERS for ch in tok):
            out += [LETTERS.index(ch.upper()) + 1 for ch in tok]
        else:
            raise ExerciseError(
                f"{where}: {tok!r} is not a diagnosis pointer (use 1-12 or the letters A-L)"
            )
    return out


def diagnosis_response(codes: Iterable[str]) -> dict[str, Any]:
    return {"diagnoses": clean_codes(codes)}


def procedure_response(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Rows ``{code, modifiers, units, dx_pointers}`` as typed (text) -> the response shape;
    rows without a code are left out."""
    out = []
    for i, row in enumerate(rows, start=1):
        code = str(row.get("code", "")).strip()
        if not code:
            continue
        where = f"procedure line {i}"
        out.append(
            {
                "code": code,
                "modifiers": parse_modifiers(row.get("modifiers", "")),
                "units": parse_units(row.get("units", ""), where),
                "dx_pointers": parse_pointers(str(row.get("dx_pointers", "")), where),
            }
        )
    return {"procedures": out}


def claim_form_response(fields: Mapping[str, str]) -> dict[str, Any]:
    """Every box of the form as typed (blank boxes are sent blank: the key grades them)."""
    return {"fields": {box: str(v).strip() for box, v in fields.items()}}


def eligibility_response(values: Mapping[str, Any]) -> dict[str, Any]:
    """Amounts as typed (the checker reads ``25``, ``"25.00"``, ``"$1,256.50"``); booleans;
    a field left blank is not sent (the checker grades it as missing)."""
    out = {k: (v if isinstance(v, bool) else str(v).strip()) for k, v in values.items()}
    return {k: v for k, v in out.items() if v != ""}


def denial_response(
    carc: str, cause: str | None, action: str | None, rarc: str | None = None
) -> dict[str, Any]:
    """The denial-analysis response; ``rarc`` only when the form asks for it (not None)."""
    out = {"carc": carc.strip(), "cause": cause or "", "action": action or ""}
    if rarc is not None:
        out["rarc"] = rarc.strip()
    return out


def posting_response(
    lines: Sequence[Mapping[str, str]], claim_fields: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The posting grid as typed; blank cells are not sent (graded as missing)."""

    def typed(cells: Mapping[str, Any]) -> dict[str, str]:
        return {k: str(v).strip() for k, v in cells.items() if str(v).strip()}

    return {"lines": [typed(ln) for ln in lines], **typed(claim_fields or {})}


def appeal_response(grounds: Iterable[str], attachments: Iterable[str], letter: str) -> dict:
    return {"grounds": list(grounds), "attachments": list(attachments), "letter": letter}


def choice_response(choice: str | None) -> dict[str, Any]:
    if not choice:
        raise ExerciseError("choice: pick one of the answers first")
    return {"choice": choice}


# --- 4. the check, the record, the progress line ------------------------------------------


def default_progress() -> Any | None:
    """``exercises.progress.Progress.default()`` (RCMLAB_DATA_DIR picks its folder), or
    None while that module does not exist."""
    mod = optional_module("exercises.progress")
    return mod.Progress.default() if mod is not None else None


MODES = ("practice", "assignment", "exam")


@dataclass
class Attempt:
    """One exercise being worked on: checks a response and records it.

    ``mode`` is ``"practice"`` (feedback at once), ``"assignment"`` or ``"exam"`` (recorded,
    feedback held back until graded). With a Progress store the answer goes through
    ``exercises.modes.Session`` (which records it); without one it is only checked."""

    exercise: Exercise
    progress: Any | None = None
    mode: str = "practice"
    results: list[CheckResult | None] = field(default_factory=list)
    _session: Any = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ExerciseError(f"mode: {self.mode!r} is not one of {', '.join(MODES)}")
        modes = optional_module("exercises.modes") if self.progress is not None else None
        if modes is not None:
            self._session = modes.Session(self.mode, self.progress, [self.exercise])
            self._session.start(self.exercise)
        self._started = time.monotonic()

    @property
    def shows_feedback(self) -> bool:
        return self.mode == "practice"

    def check(self, response: dict[str, Any]) -> CheckResult | None:
        """Grade the response (ExerciseError if it is malformed: nothing is recorded) and
        record it; return the result, or None when this mode holds feedback back."""
        from exercises.check import check

        if self._session is not None:
            shown = self._session.answer(self.exercise, response)
            self._session.start(self.exercise)  # the next try's time starts now
        else:
            result = check(self.exercise, response)
            seconds = round(time.monotonic() - self._started, 1)
            if self.progress is not None:  # a Progress without exercises.modes
                self.progress.record(
                    self.exercise, response, result, seconds=seconds, mode=self.mode
                )
            shown = result if self.shows_feedback else None
        self._started = time.monotonic()
        self.results.append(shown)
        return shown


def progress_line(module: str, exercises: Sequence[Exercise | Entry], progress: Any | None) -> str:
    """``"4 of 10 done, best 85 %"`` over these exercises (best = mean best score of those
    attempted; a generated variant not made yet counts as not done); says so when progress
    is not being saved."""
    n = len(exercises)
    if progress is None:
        return f"{n} exercises (progress is not saved in this session)"
    best = dict(progress.module_summary(module).get("best") or {})
    made = [e.exercise if isinstance(e, Entry) else e for e in exercises]
    scores = [float(best[ex.id]) for ex in made if ex is not None and ex.id in best]
    if not scores:
        return f"0 of {n} done"
    return f"{len(scores)} of {n} done, best {100 * sum(scores) / len(scores):.0f} %"


# --- showing the exercise ------------------------------------------------------------------


def text_html(text: str) -> str:
    """Note or question text as HTML, line breaks kept."""
    return f"<div style='white-space:pre-wrap;line-height:1.45'>{html.escape(text.strip())}</div>"


def context_html(context: Mapping[str, Any]) -> str:
    """The exercise's structured facts (patient, coverage, claim, remittance ...) as nested
    definition lists, for reading beside the form."""
    if not context:
        return ""

    def render(value: Any) -> str:
        if isinstance(value, Mapping):
            rows = "".join(
                f"<tr><th style='text-align:left;padding-right:8px;vertical-align:top'>"
                f"{html.escape(_label(str(k)))}</th><td>{render(v)}</td></tr>"
                for k, v in value.items()
            )
            return f"<table style='border-collapse:collapse'>{rows}</table>"
        if isinstance(value, list | tuple):
            if all(not isinstance(v, Mapping | list | tuple) for v in value):
                return html.escape(", ".join(str(v) for v in value))
            return "<ol>" + "".join(f"<li>{render(v)}</li>" for v in value) + "</ol>"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return html.escape(str(value))

    return f"<div class='rcm-context' style='font-size:13px'>{render(context)}</div>"


def feedback_html(result: CheckResult | None) -> str:
    """The check result for the feedback pane (None: held back until graded)."""
    if result is None:
        return "<div><b>Answer saved.</b> Feedback comes when your instructor grades it.</div>"
    return result._repr_html_()


def error_html(message: str) -> str:
    return f"<div style='color:#b91c1c'><b>Please fix:</b> {html.escape(message)}</div>"


def form_svg(exercise: Exercise, fields: Mapping[str, str]) -> str:
    """The learner's CMS-1500 as typed, drawn by sim.cms1500.render_svg: the context's
    printed boxes (``context.boxes``, if the exercise gives the form to correct) overlaid
    with the typed boxes, the graded boxes outlined."""
    from sim import cms1500

    base = exercise.context.get("boxes")
    page = {str(k): str(v) for k, v in base.items()} if isinstance(base, Mapping) else {}
    page.update({b: str(v) for b, v in fields.items() if str(v).strip()})
    graded = [b for b in fields if b in cms1500.BOXES]
    try:
        svg = cms1500.render_svg(page, highlight=graded)
    except ValueError as exc:
        return error_html(str(exc))
    return f"<div class='rcm-cms1500' style='max-width:640px;border:1px solid #ddd'>{svg}</div>"
