"""Timed mock exams (CPC-style, CPB-style) assembled from the bank by a blueprint.

A blueprint (``exercises/blueprints/<exam>.yaml``, schema
``exercises/schemas/blueprint.schema.json``) says how many items of each exam domain
(``exercises/catalog.yaml``) the exam has, its time limit and its pass line. Assembly is
deterministic for a seed and never uses an item twice. For each domain, in order:

1. bank exercises tagged with the domain (drawn at random with the exam's seed);
2. if the bank is short, generator items (``exercises.generators``) tagged with it;
3. if still short, bank exercises of the blueprint's ``related`` domains — and the exam
   and its result say so (``notes``); an exam that still lacks items is shorter, and says
   so too. Nothing is silently repeated or made up.

    exam = assemble("cpc", seed=3)
    result = exam.score({item_id: response, ...})
    result            # per-domain table, overall %, pass/fail (HTML in a notebook)
    result.chart()    # bar per domain, % correct, the 70 % pass line
"""

from __future__ import annotations

import hashlib
import html
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from exercises.check import CHECKERS, check
from exercises.model import CheckResult, Exercise, ExerciseError
from sim._yaml import ContentError, load_validated, parse

HERE = Path(__file__).resolve().parent
BLUEPRINTS = HERE / "blueprints"
SCHEMA = str(HERE / "schemas" / "blueprint.schema.json")
GENERATOR_TRIES = 3  # generator attempts per missing item, per generator


# --- blueprints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainPlan:
    domain: str
    items: int
    generators: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class Blueprint:
    exam: str
    title: str
    items: int
    minutes: int
    pass_percent: float
    domains: tuple[DomainPlan, ...]


@cache
def catalog_domains() -> dict[str, str]:
    """Exam domain id -> title (exercises/catalog.yaml)."""
    data, _ = parse((HERE / "catalog.yaml").read_text(encoding="utf-8"), "catalog.yaml")
    return dict(data["domains"])


def load_blueprint(exam: str | Path) -> Blueprint:
    """A built-in blueprint by name (``cpc``, ``cpb``) or a blueprint YAML file; checks
    the schema, that each domain is in the catalog and that the counts add up."""
    path = Path(exam) if str(exam).endswith((".yaml", ".yml")) else BLUEPRINTS / f"{exam}.yaml"
    if not path.exists() and path.parent == BLUEPRINTS:
        known = ", ".join(sorted(p.stem for p in BLUEPRINTS.glob("*.yaml")))
        raise ExerciseError(f"exam {exam!r}: no such blueprint (built in: {known})")
    try:
        data, lines = load_validated(path, SCHEMA)
    except ContentError as exc:
        raise ExerciseError(str(exc)) from None
    known_domains = catalog_domains()
    seen: set[str] = set()
    for i, d in enumerate(data["domains"]):
        for j, name in enumerate([d["domain"], *d.get("related", [])]):
            if name not in known_domains:
                where = ("domains", i, "domain") if j == 0 else ("domains", i, "related", j - 1)
                raise ExerciseError(
                    f"{path.name}:{lines(*where)}: {name!r} is not an exam domain of "
                    "exercises/catalog.yaml"
                )
        if d["domain"] in seen:
            raise ExerciseError(
                f"{path.name}:{lines('domains', i)}: domain {d['domain']!r} is listed twice"
            )
        seen.add(d["domain"])
    total = sum(d["items"] for d in data["domains"])
    if total != data["items"]:
        raise ExerciseError(
            f"{path.name}:{lines('items')}: field 'items': {data['items']} but the domains "
            f"add up to {total}"
        )
    return Blueprint(
        exam=data["exam"],
        title=data["title"],
        items=data["items"],
        minutes=data["minutes"],
        pass_percent=float(data["pass_percent"]),
        domains=tuple(
            DomainPlan(
                d["domain"],
                d["items"],
                tuple(d.get("generators", ())),
                tuple(d.get("related", ())),
            )
            for d in data["domains"]
        ),
    )


# --- the exam -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExamItem:
    exercise: Exercise
    domain: str  # the blueprint domain the item counts for
    source: str  # "bank", "generated" or "related:<domain it was tagged with>"

    @property
    def id(self) -> str:
        return self.exercise.id


@dataclass(frozen=True)
class Exam:
    exam: str
    title: str
    seed: int
    items: tuple[ExamItem, ...]
    minutes: int
    pass_percent: float
    started_at: datetime
    planned: dict[str, int]  # domain -> items the blueprint asks for
    notes: tuple[str, ...] = ()

    @property
    def time_limit(self) -> timedelta:
        return timedelta(minutes=self.minutes)

    @property
    def ends_at(self) -> datetime:
        return self.started_at + self.time_limit

    def remaining(self, now: datetime | None = None) -> timedelta:
        """Time left (zero once the limit has passed)."""
        left = self.ends_at - (now or datetime.now(UTC))
        return max(left, timedelta(0))

    def item(self, item_id: str) -> ExamItem:
        for it in self.items:
            if it.id == item_id:
                return it
        raise ExerciseError(f"exam {self.exam}: no item {item_id!r}")

    def score(self, responses: dict[str, dict], finished_at: datetime | None = None) -> ExamResult:
        """Check every answered item (an unanswered one scores 0) and total by domain.
        A response for an item that is not on the exam, or a malformed one, is an
        input error naming the item."""
        ids = {it.id for it in self.items}
        stray = sorted(set(responses) - ids)
        if stray:
            raise ExerciseError(f"exam {self.exam}: {stray[0]!r} is not an item of this exam")
        results: dict[str, CheckResult] = {}
        for it in self.items:
            if it.id in responses:
                try:
                    results[it.id] = check(it.exercise, responses[it.id])
                except ExerciseError as exc:
                    raise ExerciseError(f"exam item {it.id}: {exc}") from None
        notes = list(self.notes)
        if finished_at is not None and finished_at > self.ends_at:
            over = (finished_at - self.ends_at).total_seconds() / 60
            notes.append(f"finished {over:.0f} min after the {self.minutes} min time limit")
        return ExamResult(self, results, _domain_table(self, results), tuple(notes))

    def _repr_html_(self) -> str:
        counts = pd.Series([it.domain for it in self.items]).value_counts()
        rows = "".join(
            f"<tr><td>{html.escape(d)}</td><td>{counts.get(d, 0)}</td><td>{n}</td></tr>"
            for d, n in self.planned.items()
        )
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><b>{html.escape(self.title)}</b>: {len(self.items)} items, "
            f"{self.minutes} min (until {self.ends_at:%H:%M} UTC), pass at "
            f"{self.pass_percent:.0f} %, seed {self.seed}"
            f"<table><tr><th>domain</th><th>items</th><th>blueprint</th></tr>{rows}</table>"
            f"<ul>{notes}</ul></div>"
        )


@dataclass(frozen=True)
class ExamResult:
    exam: Exam
    results: dict[str, CheckResult]  # item id -> result (answered items only)
    table: pd.DataFrame  # one row per domain: items, answered, correct, points, percent
    notes: tuple[str, ...] = field(default=())

    @property
    def points(self) -> float:
        return float(self.table["points"].sum())

    @property
    def percent(self) -> float:
        """Overall score: points (partial credit for coding items) over items, in %."""
        n = len(self.exam.items)
        return round(100 * self.points / n, 1) if n else 0.0

    @property
    def passed(self) -> bool:
        return self.percent >= self.exam.pass_percent

    def as_dict(self) -> dict[str, Any]:
        return {
            "exam": self.exam.exam,
            "seed": self.exam.seed,
            "items": len(self.exam.items),
            "percent": self.percent,
            "passed": self.passed,
            "domains": self.table.to_dict(orient="records"),
            "notes": list(self.notes),
        }

    def _repr_html_(self) -> str:
        verdict = "PASS" if self.passed else "NOT YET"
        color = "#1b7f3b" if self.passed else "#b45309"
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        return (
            f"<div><div style='font-weight:bold;color:{color}'>{verdict}: "
            f"{self.percent:.1f} % (pass line {self.exam.pass_percent:.0f} %)</div>"
            f"{self.table.to_html(index=False, float_format=lambda x: f'{x:.1f}')}"
            f"<ul>{notes}</ul></div>"
        )

    def chart(self):  # -> matplotlib.figure.Figure
        """One bar per domain (% of points earned), with the pass line."""
        from matplotlib.figure import Figure

        t = self.table
        fig = Figure(figsize=(9, 0.38 * len(t) + 1.3), layout="constrained")
        ax = fig.subplots()
        line = self.exam.pass_percent
        colors = ["#1d4ed8" if p >= line else "#f59e0b" for p in t["percent"]]
        ax.barh(range(len(t)), t["percent"].fillna(0), color=colors)
        for i, n in enumerate(t["items"]):
            if not n:
                ax.text(1, i, "no items", va="center", fontsize=8, color="#6b7280")
        ax.axvline(line, color="#b91c1c", linestyle="--", label=f"pass line {line:.0f} %")
        ax.set_yticks(range(len(t)), list(t["domain"]))
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel("% correct")
        ax.set_title(
            f"{self.exam.title}: {self.percent:.1f} % ({'pass' if self.passed else 'not yet'})"
        )
        ax.legend(loc="lower right", fontsize=8)
        return fig


def _domain_table(exam: Exam, results: dict[str, CheckResult]) -> pd.DataFrame:
    titles = catalog_domains()
    rows = []
    for domain in exam.planned:
        items = [it for it in exam.items if it.domain == domain]
        got = [results[it.id] for it in items if it.id in results]
        points = sum(r.score for r in got)
        rows.append(
            {
                "domain": domain,
                "title": titles.get(domain, domain),
                "items": len(items),
                "answered": len(got),
                "correct": sum(1 for r in got if r.correct),
                "points": round(points, 2),
                "percent": round(100 * points / len(items), 1) if items else float("nan"),
            }
        )
    return pd.DataFrame(rows)


# --- assembly -----------------------------------------------------------------------------


def derived_seed(*parts: object) -> int:
    """A stable 63-bit seed from any parts (sha256; never Python's salted ``hash``)."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:16], 16) >> 1


def _default_pool() -> dict[str, Exercise]:
    from exercises.load import bank

    return bank()


def _generators() -> tuple[dict[str, Any], Any]:
    """The generator registry and ``generate`` (empty when generators are unavailable)."""
    try:
        from exercises.generators import GENERATORS, generate
    except ImportError:
        return {}, None
    return dict(GENERATORS), generate


def assemble(
    exam: str = "cpc",
    seed: int = 0,
    *,
    pool: dict[str, Exercise] | None = None,
    use_generators: bool = True,
    started_at: datetime | None = None,
) -> Exam:
    """Assemble a mock exam from the bank (or ``pool``) by its blueprint (module
    docstring); the same exam and seed give the same items in the same order."""
    bp = load_blueprint(exam)
    pool = _default_pool() if pool is None else pool
    candidates = [ex for _, ex in sorted(pool.items()) if ex.kind in CHECKERS]
    rng = random.Random(derived_seed("exam", bp.exam, seed))
    used: set[str] = set()
    chosen: dict[str, list[ExamItem]] = {d.domain: [] for d in bp.domains}
    notes: list[str] = []

    def take(plan: DomainPlan, tag: str, source: str) -> None:
        need = plan.items - len(chosen[plan.domain])
        fits = [ex for ex in candidates if ex.id not in used and tag in ex.domains]
        for ex in rng.sample(fits, min(need, len(fits))):
            used.add(ex.id)
            chosen[plan.domain].append(ExamItem(ex, plan.domain, source))

    # 1. the bank, domain by domain
    for plan in bp.domains:
        take(plan, plan.domain, "bank")
    # 2. generator items tagged with the domain, where the bank is short
    if use_generators:
        registry, generate = _generators()
        streams = {
            name: _GeneratedStream(name, bp, seed, generate)
            for name in sorted({g for d in bp.domains for g in d.generators})
            if name in registry and generate is not None
        }
        for plan in bp.domains:
            for name in plan.generators:
                if name in streams:
                    streams[name].fill(plan, chosen, used)
    # 3. related domains, then say what is still missing
    for plan in bp.domains:
        before = len(chosen[plan.domain])
        for rel in plan.related:
            take(plan, rel, f"related:{rel}")
        borrowed = len(chosen[plan.domain]) - before
        short = plan.items - len(chosen[plan.domain])
        if borrowed:
            froms = sorted({it.source[8:] for it in chosen[plan.domain][before:]})
            notes.append(
                f"{plan.domain}: {borrowed} of {plan.items} items come from related domains "
                f"({', '.join(froms)}): the bank has too few {plan.domain} items"
            )
        if short:
            notes.append(
                f"{plan.domain}: {short} of {plan.items} items missing: not enough distinct "
                "items (none is repeated)"
            )
    items = tuple(it for plan in bp.domains for it in chosen[plan.domain])
    if len(items) < bp.items:
        notes.insert(0, f"this exam has {len(items)} items, not the blueprint's {bp.items}")
    return Exam(
        exam=bp.exam,
        title=bp.title,
        seed=seed,
        items=items,
        minutes=bp.minutes,
        pass_percent=bp.pass_percent,
        started_at=started_at or datetime.now(UTC),
        planned={d.domain: d.items for d in bp.domains},
        notes=tuple(notes),
    )


class _GeneratedStream:
    """One generator's items for an exam, generated once each (seeded from the exam, its
    seed, the generator name and a counter) and shared by the domains that list it.

    An item counts for a domain if it is tagged with the domain; an item tagged with no
    exam domain at all counts only for a domain that is the one place the blueprint lists
    its generator (so an untagged item is never filed under a guessed domain)."""

    def __init__(self, name: str, bp: Blueprint, seed: int, generate: Any) -> None:
        self.name, self.bp, self.seed, self.generate = name, bp, seed, generate
        self.items: list[Exercise] = []
        homes = [d.domain for d in bp.domains if name in d.generators]
        self.home = homes[0] if len(homes) == 1 else None

    def _next(self) -> Exercise:
        k = len(self.items)
        ex = self.generate(self.name, derived_seed("exam", self.bp.exam, self.seed, self.name, k))
        self.items.append(ex)
        return ex

    def _fits(self, ex: Exercise, domain: str) -> Exercise | None:
        if ex.kind not in CHECKERS:
            return None
        if domain in ex.domains:
            return ex
        if domain == self.home and not any(d in catalog_domains() for d in ex.domains):
            return replace(ex, domains=(*ex.domains, domain))
        return None

    def fill(self, plan: DomainPlan, chosen: dict[str, list[ExamItem]], used: set[str]) -> None:
        got = chosen[plan.domain]
        tries = (plan.items - len(got)) * GENERATOR_TRIES
        pending = [ex for ex in self.items if ex.id not in used]
        while len(got) < plan.items and (pending or tries > 0):
            if pending:
                ex = pending.pop(0)
            else:
                ex, tries = self._next(), tries - 1
            fit = None if ex.id in used else self._fits(ex, plan.domain)
            if fit is not None:
                used.add(ex.id)
                got.append(ExamItem(fit, plan.domain, "generated"))
