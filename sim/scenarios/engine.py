"""The scenario engine: one YAML template -> a clinical note and its verified answer key.

A template (``sim/scenarios/<specialty>/<id>.yaml``, schema ``sim/schemas/scenario.schema.json``)
has *slots* whose options carry attributes (``{word: right, digit: "1"}``); the note text
and the codes are both written with placeholders over those slots, so the note and the
key always agree: ``S52.52{laterality.digit}{episode.char}`` next to "…of the
{laterality.word} wrist". Rendering, in order:

1. draw every slot option (one RNG, in slot order) — or take the options given;
2. derive the E/M code from the documented MDM elements / total time (``sim.em``);
3. build the key: diagnoses in sequence, then service lines with modifiers, units and
   diagnosis pointers re-numbered to the diagnoses kept;
4. apply a teaching flaw if one was asked for (the key stays right, the *billed* coding
   or the documentation changes, and the flaw is recorded);
5. write the note: header, sections with varied wording (``[[a|b]]``), vitals.

Verification of keys against the code sets is in :mod:`sim.verify`.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from codesets import cpt, hcpcs, icd10cm
from sim import em as emrules
from sim._yaml import ContentError, line_of, load_validated
from sim.models import CodedDiagnosis, CodedLine, EMDetail, Flaw

SCENARIO_DIR = Path(__file__).resolve().parent
SETTING_POS = {
    "office": "11",
    "emergency": "23",
    "outpatient-hospital": "22",
    "asc": "24",
    "telehealth-home": "10",
}
_ALT = re.compile(r"\[\[([^\[\]]*)\]\]")
_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?\}")


# --------------------------------------------------------------------------------------
# Slot values and text templates
# --------------------------------------------------------------------------------------


class Option:
    """A slot's chosen option: attributes by name; ``str()`` is its ``text``/first value."""

    __slots__ = ("attrs",)

    def __init__(self, attrs: Mapping[str, Any]) -> None:
        self.attrs = dict(attrs)

    def get(self, name: str) -> Any:
        if name not in self.attrs:
            raise KeyError(name)
        return self.attrs[name]

    def __str__(self) -> str:
        if "text" in self.attrs:
            return str(self.attrs["text"])
        for k, v in self.attrs.items():
            if k != "weight":
                return str(v)
        return ""

    def __repr__(self) -> str:
        return f"Option({self.attrs})"

    def __getattr__(self, name: str) -> Any:
        # ``"{side.word}".format_map(ctx)`` reads attributes: answer from the option's data.
        try:
            return object.__getattribute__(self, "attrs")[name]
        except KeyError:
            raise AttributeError(name) from None

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


_Part = Any  # str | ("alt", [parts...]) | ("field", name, attr, original)


@cache
def _compile(template: str) -> tuple[_Part, ...]:
    """Split a text template once into literals, ``[[a|b]]`` choices and ``{x.y}`` fields."""

    def fields(text: str) -> list[_Part]:
        out: list[_Part] = []
        pos = 0
        for m in _FIELD.finditer(text):
            if m.start() > pos:
                out.append(text[pos : m.start()])
            out.append(("field", m.group(1), m.group(2), m.group(0)))
            pos = m.end()
        if pos < len(text):
            out.append(text[pos:])
        return out

    parts: list[_Part] = []
    pos = 0
    for m in _ALT.finditer(template):
        parts.extend(fields(template[pos : m.start()]))
        parts.append(("alt", tuple(tuple(fields(a)) for a in m.group(1).split("|"))))
        pos = m.end()
    parts.extend(fields(template[pos:]))
    return tuple(parts)


def fill(template: str, ctx: Mapping[str, Any], rng: random.Random | None = None) -> str:
    """Fill ``{slot}``/``{slot.attr}`` placeholders; choose ``[[a|b]]`` alternatives
    (the first one when no ``rng`` is given).

    A template is checked at load time to hold only such placeholders, so it is a valid
    :meth:`str.format` string once its alternatives are chosen; the formatting itself
    runs in C. ``ctx`` values are :class:`Option` objects, numbers, or namespaces.
    """
    plain, sizes = _plan(template)
    if plain is not None:
        return plain
    if not sizes:
        fmt = template
    elif rng is None:
        fmt = _format_string(template, (0,) * len(sizes))
    else:
        fmt = _format_string(template, tuple(int(rng.random() * n) for n in sizes))
    try:
        return fmt.format_map(ctx)
    except (KeyError, AttributeError, IndexError) as exc:
        raise KeyError(f"{template[:60]!r}: no value for {exc}") from None


@cache
def _plan(template: str) -> tuple[str | None, tuple[int, ...]]:
    """``(text, ())`` for a template with nothing to fill, else ``(None, sizes of its
    [[...]] groups)``."""
    parts = _compile(template)
    if len(parts) == 1 and isinstance(parts[0], str):
        return parts[0], ()
    if not parts:
        return "", ()
    return None, tuple(len(p[1]) for p in parts if not isinstance(p, str) and p[0] == "alt")


@cache
def _format_string(template: str, choice: tuple[int, ...]) -> str:
    out: list[str] = []
    n = 0
    for part in _compile(template):
        if isinstance(part, str):
            out.append(part)
        elif part[0] == "field":
            out.append(part[3])
        else:
            for sub_part in part[1][choice[n]]:
                out.append(sub_part if isinstance(sub_part, str) else sub_part[3])
            n += 1
    return "".join(out)


def _truthy(expr: str, ctx: Mapping[str, Any]) -> bool:
    neg = expr.startswith("!")
    name, _, attr = expr.lstrip("!").partition(".")
    value = ctx[name]
    if attr:
        value = value.get(attr) if isinstance(value, Option) else value[attr]
    result = bool(value) and value not in ("false", "no", "0")
    return not result if neg else result


# --------------------------------------------------------------------------------------
# The template
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    """A rendered visit: the note and the key (plus billed coding and flaws)."""

    scenario: str
    title: str
    specialty: str
    pos: str
    visit_type: str
    new_patient: bool
    note: str
    diagnoses: tuple[CodedDiagnosis, ...]
    lines: tuple[CodedLine, ...]
    billed_diagnoses: tuple[CodedDiagnosis, ...]
    billed_lines: tuple[CodedLine, ...]
    flaws: tuple[Flaw, ...] = ()
    em: EMDetail | None = None
    slots: dict[str, Any] = field(default_factory=dict)


@dataclass
class PatientFacts:
    """What the note needs to know about the patient."""

    first_name: str
    last_name: str
    sex: str  # F | M
    age: int

    def context(self) -> dict[str, Any]:
        f = self.sex == "F"
        if self.age < 1:
            noun = "infant"
        elif self.age < 13:
            noun = "girl" if f else "boy"
        elif self.age < 18:
            noun = "adolescent female" if f else "adolescent male"
        else:
            noun = "woman" if f else "man"
        age_text = f"{self.age}-year-old" if self.age >= 1 else "infant"
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": f"{self.first_name} {self.last_name}",
            "age": self.age,
            "age_text": age_text,
            "sex": "female" if f else "male",
            "noun": noun,
            "pronoun": "she" if f else "he",
            "Pronoun": "She" if f else "He",
            "possessive": "her" if f else "his",
            "object": "her" if f else "him",
        }


_SECTION_TITLES = {
    "chief_complaint": ("CHIEF COMPLAINT", "CC"),
    "hpi": ("HISTORY OF PRESENT ILLNESS", "HPI"),
    "ros": ("REVIEW OF SYSTEMS", "ROS"),
    "history": ("PAST MEDICAL, FAMILY AND SOCIAL HISTORY", "PMH/FH/SH"),
    "exam": ("PHYSICAL EXAMINATION", "EXAM"),
    "results": ("RESULTS", "DATA REVIEWED"),
    "procedure": ("PROCEDURE NOTE", "PROCEDURE"),
    "assessment": ("ASSESSMENT", "IMPRESSION"),
    "plan": ("PLAN", "PLAN"),
    "time": ("TIME", "TIME"),
}
_ORDER = (
    "chief_complaint",
    "hpi",
    "ros",
    "history",
    "vitals",
    "exam",
    "results",
    "procedure",
    "assessment",
    "plan",
    "time",
)


class Scenario:
    """A loaded, schema-validated encounter template."""

    def __init__(self, data: dict[str, Any], path: Path, node: Any = None) -> None:
        self.path = path
        self.node = node
        self.data = data
        self.id: str = data["id"]
        self.title: str = data["title"]
        self.specialty: str = data["specialty"]
        self.setting: str = data["setting"]
        self.pos: str = SETTING_POS[self.setting]
        self.visit_type: str = data["visit_type"]
        self.weight: float = float(data.get("weight", 1.0))
        self.seasons: dict[str, float] = {
            s: float(data.get("seasons", {}).get(s, 1.0))
            for s in ("winter", "spring", "summer", "fall")
        }
        p = data["patient"]
        self.sex: str = p.get("sex", "any")
        self.age_range: tuple[int, int] = (p["age"][0], p["age"][1])
        self.new_patient_p: float = float(p.get("new_patient", 0.0))
        self.remarks: str = data["remarks"]
        self.slots: dict[str, Any] = data.get("slots", {})
        self.vitals: dict[str, Any] = data.get("vitals", {})
        self.em_spec: dict[str, Any] | None = data.get("em")
        self.dx_specs: list[dict[str, Any]] = data["diagnoses"]
        self.proc_specs: list[dict[str, Any]] = data["procedures"]
        self.note_spec: dict[str, list[str]] = data["note"]
        self.flaw_specs: list[dict[str, Any]] = data.get("flaws", [])
        self._check_structure()
        # Options are built once, so a drawn value is the same object every time and the
        # key for a combination of values can be cached (it depends on nothing else).
        self._options: dict[str, list[Option]] = {
            name: [Option(o) for o in spec]
            for name, spec in self.slots.items()
            if isinstance(spec, list)
        }
        self._draw: dict[str, tuple[list[Option], list[float]]] = {}
        for name, opts in self._options.items():
            usable = [o for o in opts if not o.attrs.get("unspecified")]
            weights = [float(o.attrs.get("weight", 1.0)) for o in usable]
            self._draw[name] = (usable, list(itertools.accumulate(weights)))
        keyed = _key_slots(self)
        self._keyed = tuple(sorted(n for n in keyed if n in self.slots))
        # A key that reads the patient (age, sex) or vitals is not cached by slots alone.
        self._cacheable = not keyed & {"patient", "vitals", "em", "provider"}
        self._age_matters = bool(self.em_spec and self.em_spec["kind"] == "preventive")
        self._keys: dict[tuple[Any, ...], Any] = {}

    # -- load-time structure checks (beyond the schema) ----------------------------------

    def _err(self, message: str, *path: Any) -> ContentError:
        line = line_of(self.node, *path)
        where = f"{self.path.name}:{line}" if line else self.path.name
        field_name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        return ContentError(f"{where}: field '{field_name}': {message}")

    def _check_structure(self) -> None:
        lo, hi = self.age_range
        if lo > hi:
            raise self._err(f"age range {lo}-{hi} is reversed", "patient", "age")
        if self.path.stem != self.id:
            raise self._err(f"the file must be named {self.id}.yaml", "id")
        uses_em = any(p["code"] == "em" for p in self.proc_specs)
        if uses_em and not self.em_spec:
            raise self._err("a procedure uses code 'em' but there is no em: section", "procedures")
        if self.em_spec and not uses_em:
            raise self._err("em: is given but no procedure has code 'em'", "em")
        if self.em_spec and self.em_spec["kind"] in ("office", "ed"):
            for key in ("problems", "data", "risk"):
                if key not in self.em_spec:
                    raise self._err(f"{self.em_spec['kind']} E/M needs {key}", "em")
        for i, p in enumerate(self.proc_specs):
            for d in p["dx"]:
                if d > len(self.dx_specs):
                    raise self._err(
                        f"points at diagnosis {d}; there are {len(self.dx_specs)}",
                        "procedures",
                        i,
                        "dx",
                    )
        for i, f in enumerate(self.flaw_specs):
            kind = f["kind"]
            if kind == "missing-laterality":
                slot = f.get("slot")
                opts = self.slots.get(slot) if slot else None
                if not isinstance(opts, list) or not any(o.get("unspecified") for o in opts):
                    raise self._err(
                        "needs slot: naming a slot with an option unspecified: true", "flaws", i
                    )
            if kind == "ncci-no-separate-site" and "add_billed" not in f:
                raise self._err("needs add_billed: the line billed without support", "flaws", i)
            if kind == "missing-modifier-25" and not any(
                p["code"] == "em" and "25" in p.get("modifiers", []) for p in self.proc_specs
            ):
                raise self._err("the E/M line has no modifier 25 to leave off", "flaws", i)
            if kind == "unsupported-em-level" and not uses_em:
                raise self._err("no E/M line to up-code", "flaws", i)
        # Every placeholder must name a slot (or patient/vitals/em): fail at load, not later.
        names = set(self.slots) | {"patient", "vitals", "em", "provider"}
        for section, texts in self.note_spec.items():
            for j, t in enumerate(texts):
                for m in _FIELD.finditer(t):
                    if m.group(1) not in names:
                        raise self._err(
                            f"placeholder {m.group(0)} names no slot", "note", section, j
                        )
                leftover = _FIELD.sub("", t)
                if "{" in leftover or "}" in leftover:
                    raise self._err(
                        "a brace that is not a {slot} or {slot.attr} placeholder",
                        "note",
                        section,
                        j,
                    )

    # -- drawing slots --------------------------------------------------------------------

    def draw_slots(self, rng: random.Random, exclude_unspecified: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, spec in self.slots.items():
            if isinstance(spec, dict):
                lo, hi = spec["between"]
                out[name] = rng.randint(lo, hi)
                continue
            if exclude_unspecified:
                options, cum = self._draw[name]
                out[name] = rng.choices(options, cum_weights=cum)[0]
            else:
                options = self._options[name]
                weights = [float(o.attrs.get("weight", 1.0)) for o in options]
                out[name] = rng.choices(options, weights)[0]
        return out

    # -- the key ----------------------------------------------------------------------------

    def _em(self, ctx: dict[str, Any], age: int, new: bool) -> tuple[str, EMDetail, int | None]:
        spec = self.em_spec or {}
        kind = spec["kind"]
        if kind == "preventive":
            code = emrules.preventive_visit(age, new)
            return code, EMDetail("-", "-", "-", "-", None, code, None), None
        problems = fill(spec["problems"], ctx)
        data = fill(spec["data"], ctx)
        risk = fill(spec["risk"], ctx)
        minutes = None
        if "minutes" in spec and kind == "office":
            m = spec["minutes"]
            minutes = int(fill(m, ctx)) if isinstance(m, str) else int(m)
        level = emrules.mdm_level(problems, data, risk)
        if kind == "ed":
            code = emrules.ed_visit(problems, data, risk)
            return (
                code,
                EMDetail(problems, data, risk, emrules.MDM_NAMES[level], None, code, None),
                None,
            )
        office = emrules.office_visit(problems, data, risk, minutes, new)
        detail = EMDetail(
            problems, data, risk, emrules.MDM_NAMES[level], minutes, office.by_mdm, office.by_time
        )
        return office.code, detail, minutes

    def build_key(
        self, ctx: dict[str, Any], age: int, new: bool
    ) -> tuple[tuple[CodedDiagnosis, ...], tuple[CodedLine, ...], EMDetail | None]:
        """Diagnoses and lines for the slot values in ``ctx`` (raises KeyError/ValueError
        on a template mistake). Cached by the values of the slots that decide the key."""
        cache_key = (
            tuple(ctx.get(n) for n in self._keyed),
            age if self._age_matters else -1,
            new,
        )
        if not self._cacheable:
            return self._build_key(ctx, age, new)
        hit = self._keys.get(cache_key)
        if hit is not None:
            return hit
        result = self._build_key(ctx, age, new)
        if len(self._keys) < 20000:
            self._keys[cache_key] = result
        return result

    def _build_key(
        self, ctx: dict[str, Any], age: int, new: bool
    ) -> tuple[tuple[CodedDiagnosis, ...], tuple[CodedLine, ...], EMDetail | None]:
        kept: dict[int, int] = {}
        diagnoses: list[CodedDiagnosis] = []
        for i, spec in enumerate(self.dx_specs, start=1):
            if "when" in spec and not _truthy(spec["when"], ctx):
                continue
            code = icd10cm.normalize(fill(spec["code"], ctx))
            if any(d.code == code for d in diagnoses):
                kept[i] = next(d.sequence for d in diagnoses if d.code == code)
                continue
            desc = icd10cm.description(code) or ""
            diagnoses.append(CodedDiagnosis(code, desc, len(diagnoses) + 1))
            kept[i] = len(diagnoses)
        detail = None
        lines: list[CodedLine] = []
        for spec in self.proc_specs:
            line = self._line(spec, ctx, kept, age, new)
            if line is None:
                continue
            if spec["code"] == "em":
                detail = ctx["_em_detail"]
            lines.append(line)
        return tuple(diagnoses), tuple(lines), detail

    def _line(
        self, spec: dict[str, Any], ctx: dict[str, Any], kept: dict[int, int], age: int, new: bool
    ) -> CodedLine | None:
        if "when" in spec and not _truthy(spec["when"], ctx):
            return None
        if spec["code"] == "em":
            code, detail, _ = self._em(ctx, age, new)
            ctx["_em_detail"] = detail
        else:
            code = fill(spec["code"], ctx).strip().upper()
        mods = tuple(
            m for m in (fill(x, ctx).strip().upper() for x in spec.get("modifiers", [])) if m
        )
        units_spec = spec.get("units", 1)
        units = int(fill(units_spec, ctx)) if isinstance(units_spec, str) else int(units_spec)
        pointers = tuple(dict.fromkeys(kept[d] for d in spec["dx"] if d in kept))
        if not pointers:
            raise ValueError(f"line {code}: every diagnosis it points to was left out")
        return CodedLine(
            code, _system(code), _describe(code), mods, units, pointers[:4], spec.get("ndc")
        )

    # -- rendering ----------------------------------------------------------------------------

    def render(
        self,
        rng: random.Random,
        patient: PatientFacts,
        *,
        new_patient: bool,
        visit_date: date,
        provider_name: str = "",
        flaw: str | None = None,
        slots: dict[str, Any] | None = None,
        notes: bool = True,
    ) -> Visit:
        """Render one visit. ``flaw`` names one of the template's flaw kinds to plant.
        ``notes=False`` leaves the note text empty (bulk runs and benchmarks): the note's
        wording draws are skipped, so later draws from ``rng`` differ from a run with notes."""
        flaw_spec = next((f for f in self.flaw_specs if f["kind"] == flaw), None) if flaw else None
        values = dict(slots) if slots is not None else self.draw_slots(rng)
        guessed = None
        if flaw_spec and flaw_spec["kind"] == "missing-laterality":
            opts = self._options[flaw_spec["slot"]]
            unspecified = next(o for o in opts if o.attrs.get("unspecified"))
            guessed = values[flaw_spec["slot"]]
            values[flaw_spec["slot"]] = unspecified
        ctx: dict[str, Any] = dict(values)
        ctx["patient"] = SimpleNamespace(**patient.context())
        diagnoses, lines, detail = self.build_key(ctx, patient.age, new_patient)
        ctx["em"] = SimpleNamespace(
            minutes=detail.minutes if detail and detail.minutes is not None else "",
            code=detail.code_by_mdm if detail else "",
            mdm=detail.mdm_level if detail else "",
        )
        billed_dx, billed_lines, flaws = diagnoses, lines, []
        if flaw_spec:
            apply = _FLAW_STEPS[flaw_spec["kind"]]
            billed_dx, billed_lines, flaws = apply(
                self, flaw_spec, ctx, guessed, diagnoses, lines, detail, patient, new_patient
            )
        note = (
            self._note(rng, ctx, patient, new_patient, visit_date, provider_name) if notes else ""
        )
        public_slots = {k: (v.attrs if isinstance(v, Option) else v) for k, v in values.items()}
        return Visit(
            scenario=self.id,
            title=self.title,
            specialty=self.specialty,
            pos=self.pos,
            visit_type=self.visit_type,
            new_patient=new_patient,
            note=note,
            diagnoses=diagnoses,
            lines=lines,
            billed_diagnoses=billed_dx,
            billed_lines=billed_lines,
            flaws=tuple(flaws),
            em=detail,
            slots=public_slots,
        )

    def _vitals(self, rng: random.Random, age: int) -> dict[str, Any]:
        if age < 1:
            base = {
                "temp_f": (97.7, 99.2),
                "pulse": (110, 150),
                "resp": (30, 45),
                "spo2": (97, 100),
            }
        elif age < 12:
            base = {"temp_f": (97.6, 99.1), "pulse": (75, 115), "resp": (18, 26), "spo2": (97, 100)}
        else:
            base = {
                "temp_f": (97.5, 98.9),
                "pulse": (60, 92),
                "resp": (12, 18),
                "spo2": (96, 99),
                "systolic": (108, 132),
                "diastolic": (64, 84),
            }
        spec = {**{k: v for k, v in base.items()}, **{k: v for k, v in self.vitals.items()}}
        out: dict[str, Any] = {}
        for k, v in spec.items():
            lo, hi = (v, v) if isinstance(v, int | float) else v
            out[k] = (
                round(rng.uniform(lo, hi), 1)
                if k in ("temp_f", "bmi")
                else round(rng.uniform(lo, hi))
            )
        return out

    def _note(
        self,
        rng: random.Random,
        ctx: dict[str, Any],
        patient: PatientFacts,
        new: bool,
        visit_date: date,
        provider_name: str,
    ) -> str:
        vitals = self._vitals(rng, patient.age)
        ctx["vitals"] = SimpleNamespace(**vitals)
        # Ordered services (imaging, lab) without an E/M: a report or requisition, with
        # no new/established status and no vitals unless the template gives some.
        ordered = self.em_spec is None
        short = rng.random() < 0.5
        # New/established matters for office and preventive visits only (not ED, not orders).
        office = self.em_spec is not None and self.em_spec["kind"] in ("office", "preventive")
        status = f" ({'new' if new else 'established'} patient)" if office else ""
        lines = [
            f"Date of service: {visit_date.isoformat()}",
            f"Patient: {patient.first_name} {patient.last_name}, {ctx['patient'].age_text} "
            f"{ctx['patient'].sex}{status}",
        ]
        if provider_name:
            lines.append(f"Provider: {provider_name}")
        for section in _ORDER:
            if section == "vitals":
                if ordered and not self.vitals:
                    continue
                parts = [f"T {vitals['temp_f']} F", f"HR {vitals['pulse']}", f"RR {vitals['resp']}"]
                if "systolic" in vitals:
                    parts.append(f"BP {vitals['systolic']}/{vitals['diastolic']}")
                parts.append(f"SpO2 {vitals['spo2']}%")
                if "bmi" in vitals:
                    parts.append(f"BMI {vitals['bmi']}")
                lines.append(f"\nVITALS: {', '.join(parts)}")
                continue
            texts = self.note_spec.get(section)
            if section == "time" and not texts and ctx["em"].minutes != "":
                texts = [
                    "[[Total time on the date of the encounter|I spent a total of|"
                    "Total time spent today]]"
                    " {em.minutes} minutes, including review of records, examination, counseling "
                    "and documentation."
                ]
            if not texts:
                continue
            title = _SECTION_TITLES[section][1 if short else 0]
            body = _tidy(fill(rng.choice(texts), ctx, rng))
            lines.append(f"\n{title}: {body}")
        return "\n".join(lines).strip() + "\n"

    # -- every key a template can produce (for verification) ------------------------------------

    def key_variants(
        self, limit: int = 4000
    ) -> Iterator[tuple[dict[str, Any], int, bool, str | None]]:
        """``(slot values, age, new_patient, flaw)`` covering every slot option that can
        change the key, the age bands in the patient range, and new/established.
        Capped at ``limit`` combinations (a deterministic sample beyond that)."""
        keyed = _key_slots(self)
        choices: list[list[tuple[str, Any]]] = []
        for name, spec in self.slots.items():
            if isinstance(spec, dict):
                lo, hi = spec["between"]
                vals = sorted({lo, hi, (lo + hi) // 2}) if name in keyed else [lo]
                choices.append([(name, v) for v in vals])
            else:
                opts = [o for o in spec if not o.get("unspecified")]
                if name not in keyed:
                    opts = opts[:1]
                choices.append([(name, Option(o)) for o in opts])
        lo, hi = self.age_range
        ages = sorted(
            {lo, hi} | {b for band in emrules.PREVENTIVE_BANDS for b in band if lo <= b <= hi}
        )
        news = [False, True] if 0 < self.new_patient_p < 1 else [self.new_patient_p >= 1]
        combos = list(itertools.product(*choices)) if choices else [()]
        rng = random.Random(self.id)
        if len(combos) * len(ages) * len(news) > limit:
            combos = rng.sample(combos, max(1, limit // (len(ages) * len(news))))
        for combo in combos:
            for age in ages:
                for new in news:
                    yield dict(combo), age, new, None
        for f in self.flaw_specs:
            yield dict(combos[0]), ages[0], news[0], f["kind"]


_SPACES = re.compile(r"[ \t]{2,}")
_SPACE_PUNCT = re.compile(r" +([,.;:])")


_AN_AGE = re.compile(r"\b([Aa]) ((?:8|11|18|8\d)-year-old)")


def _tidy(text: str) -> str:
    """Collapse the double spaces an empty slot leaves, write "an 84-year-old" (not "a"),
    and capitalise the first letter."""
    if "-year-old" in text:
        text = _AN_AGE.sub(lambda m: f"{m.group(1)}n {m.group(2)}", text)
    if "  " in text or " ," in text or " ." in text or "\t" in text:
        text = _SPACE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    text = text.strip()
    return text[:1].upper() + text[1:]


def _key_slots(s: Scenario) -> set[str]:
    """Slots referenced by anything that decides the key (codes, modifiers, units, E/M
    elements as ``{placeholders}``; ``when:`` conditions by name)."""
    texts: list[str] = []
    whens: list[str] = []
    for d in s.dx_specs:
        texts.append(d["code"])
        whens.append(d.get("when", ""))
    for p in s.proc_specs:
        texts += [p["code"], *p.get("modifiers", []), str(p.get("units", ""))]
        whens.append(p.get("when", ""))
    if s.em_spec:
        texts += [str(v) for v in s.em_spec.values()]
    names = {m.group(1) for t in texts for m in _FIELD.finditer(t)}
    names |= {w.lstrip("!").split(".")[0] for w in whens if w}
    return names


# --------------------------------------------------------------------------------------
# Teaching flaws: one small step per kind. Each returns the billed diagnoses, the billed
# lines and the flaw record; the key (what is right) is never changed by a flaw.
# --------------------------------------------------------------------------------------

_Key = tuple[tuple[CodedDiagnosis, ...], tuple[CodedLine, ...], list[Flaw]]


def _flaw_missing_laterality(s, spec, ctx, guessed, dx, lines, detail, patient, new) -> _Key:
    """The note omits the side: the key is the unspecified code; the practice billed the
    side it guessed (Guidelines I.B.13)."""
    ctx_guess = dict(ctx)
    ctx_guess[spec["slot"]] = guessed
    billed_dx, billed_lines, _ = s.build_key(ctx_guess, patient.age, new)
    changed = [d.code for d in dx if d.code not in {b.code for b in billed_dx}]
    message = (
        "The note does not document laterality; the supportable code is "
        f"{', '.join(changed) or dx[0].code} (unspecified side). Query the provider before "
        "billing a side (ICD-10-CM Official Guidelines I.B.13)."
    )
    return billed_dx, billed_lines, [Flaw("missing-laterality", message)]


def _flaw_unsupported_em(s, spec, ctx, guessed, dx, lines, detail, patient, new) -> _Key:
    """The practice billed one E/M level above what the documentation supports."""
    em_line = next((ln for ln in lines if _is_em(ln.code)), None)
    up = emrules.one_level_up(em_line.code) if em_line else None
    if em_line is None or up is None or detail is None:
        return dx, lines, []
    billed = tuple(_replace_code(ln, up) if ln is em_line else ln for ln in lines)
    minutes = f", {detail.minutes} minutes" if detail.minutes else ""
    message = (
        f"The documentation supports {em_line.code} ({detail.mdm_level} MDM{minutes}); {up} "
        "was billed (2021+ E/M guidelines: MDM by two of three elements, or total time)."
    )
    return dx, billed, [Flaw("unsupported-em-level", message)]


def _flaw_missing_25(s, spec, ctx, guessed, dx, lines, detail, patient, new) -> _Key:
    """The E/M that needs modifier 25 was billed without it."""
    em_line = next((ln for ln in lines if _is_em(ln.code) and "25" in ln.modifiers), None)
    if em_line is None:
        return dx, lines, []
    stripped = _replace_mods(em_line, tuple(m for m in em_line.modifiers if m != "25"))
    billed = tuple(stripped if ln is em_line else ln for ln in lines)
    message = (
        f"{em_line.code} is a significant, separately identifiable E/M on the day of a "
        "procedure and needs modifier 25; without it the payer bundles the visit into the "
        "procedure (NCCI Policy Manual, Chapter XI; CPT modifier 25)."
    )
    return dx, billed, [Flaw("missing-modifier-25", message)]


def _flaw_ncci(s, spec, ctx, guessed, dx, lines, detail, patient, new) -> _Key:
    """A bundled line was billed with 59/X{EPSU} although no separate site is documented."""
    kept = {i: i for i in range(1, len(dx) + 1)}
    extra = s._line(spec["add_billed"], ctx, kept, patient.age, new)
    if extra is None:
        return dx, lines, []
    flaw = Flaw("ncci-no-separate-site", _ncci_flaw_message(extra, lines))
    return dx, (*lines, extra), [flaw]


_FLAW_STEPS = {
    "missing-laterality": _flaw_missing_laterality,
    "unsupported-em-level": _flaw_unsupported_em,
    "missing-modifier-25": _flaw_missing_25,
    "ncci-no-separate-site": _flaw_ncci,
}


def _ncci_flaw_message(extra: CodedLine, lines: tuple[CodedLine, ...]) -> str:
    """Why the extra billed line is not supported, naming the edit when the data has it."""
    from codesets import ncci, pfs

    billed = f"{extra.code}-{'/'.join(extra.modifiers)}" if extra.modifiers else extra.code
    for ln in lines:
        edit = ncci.ptp_between(ln.code, extra.code)
        if edit is not None:
            return (
                f"{billed} was billed, but the note documents no separate site, session or "
                f"incision: NCCI bundles {edit.column2} into {edit.column1} (modifier indicator "
                f"{edit.modifier_indicator}), and 59 or XE/XS/XP/XU may be used only when the "
                "record shows a distinct service (NCCI Policy Manual, Chapter I, section E)."
            )
    major = next((ln for ln in lines if (r := pfs.rvu(ln.code)) and r.global_days == "090"), None)
    where = (
        f"it is part of the global surgical package of {major.code} (90-day global) and "
        if major
        else ""
    )
    return (
        f"{billed} was billed, but the note documents no separate site, session or incision: "
        f"{where}NCCI policy bundles it into the primary procedure; 59 or XE/XS/XP/XU may be "
        "used only when the record shows a distinct service (NCCI Policy Manual, Chapter I)."
    )


def _is_em(code: str) -> bool:
    return code.isdigit() and 99202 <= int(code) <= 99499


def _replace_code(line: CodedLine, code: str) -> CodedLine:
    return CodedLine(
        code, line.system, _describe(code), line.modifiers, line.units, line.dx_pointers, line.ndc
    )


def _replace_mods(line: CodedLine, mods: tuple[str, ...]) -> CodedLine:
    return CodedLine(
        line.code, line.system, line.description, mods, line.units, line.dx_pointers, line.ndc
    )


@cache
def _system(code: str) -> str:
    return "cpt" if cpt.CODE_RE.fullmatch(code) else "hcpcs"


@cache
def _describe(code: str) -> str:
    if cpt.CODE_RE.fullmatch(code):
        c = cpt.lookup(code)
        return c.description if c else ""
    h = hcpcs.lookup(code)
    return h.description if h else ""


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def load_file(path: Path | str) -> Scenario:
    """Load and validate one template; a problem raises ContentError (file, line, field)."""
    p = Path(path)
    data, node = load_validated(p, "scenario")
    return Scenario(data, p, node)


@cache
def _load_dir(directory: str) -> dict[str, Scenario]:
    out: dict[str, Scenario] = {}
    for p in sorted(Path(directory).glob("*/*.yaml")):
        s = load_file(p)
        if s.id in out:
            raise ContentError(
                f"{p.name}: field 'id': {s.id!r} is also used by {out[s.id].path.name}"
            )
        out[s.id] = s
    return out


def load_all(directory: Path | str | None = None) -> dict[str, Scenario]:
    """Every template under ``sim/scenarios/<specialty>/`` by id (cached)."""
    return _load_dir(str(Path(directory) if directory else SCENARIO_DIR))


def find(name: str) -> Scenario:
    """A built-in template by id, or a template file by path; ContentError if neither."""
    p = Path(name)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return load_file(p)
    scenarios = load_all()
    if name not in scenarios:
        raise ContentError(f"unknown scenario {name!r}; available: {', '.join(sorted(scenarios))}")
    return scenarios[name]
