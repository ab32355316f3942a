"""The claim scrubber: the clearinghouse's front-end edits, one small rule per module.

A scrubber reads a claim before it goes to the payer and returns what a learner must fix,
box by box, with the 277CA claim-status code the rejection would carry (see
:mod:`sim.clearinghouse.findings`). It is an ordered pipeline, like nbgrader's
preprocessors: :data:`RULES` lists the steps, each a module with a ``check(ctx, out)``
function that appends :class:`~sim.clearinghouse.findings.ScrubFinding` objects.

The order matters. Structural rules come first because later rules assume a well-formed
claim; code-set rules come before the rules that combine codes; claim-level bookkeeping
comes last. Every rule still runs on every claim (a learner sees all the problems at
once), but a later rule skips what an earlier one has reported — a line with an invalid
code is not paired, counted or modifier-checked.

Not the scrubber's business: prior authorization, eligibility and coverage (the payer's
policies decide them), medical necessity, and anything that needs the note — a missing
laterality or an E/M level the documentation does not support cannot be seen on a claim.

Speed: :class:`~sim.clearinghouse.scrubber._context.ClaimContext` reads each claim once
(codes normalised, box 24 as columns); code-set answers are memoised in bounded
dictionaries; and a rule that judges only the coding (``Rule.memo_key``) is skipped for a
claim coded exactly like one it already found clean — practices bill the same few
hundred codings over and over (534 in 18,805 simulated claims). After changing a code set
in a running process, call :func:`clear_memos`. ``benchmarks/bench_scrubber.py`` measures
it (about 70,000 claim lines a second on a small laptop-class VM).

Usage::

    from sim.clearinghouse.scrubber import scrub
    for finding in scrub(claim):
        print(finding.box, finding.message)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from types import ModuleType

from sim.claims import Claim
from sim.clearinghouse.findings import ScrubFinding
from sim.clearinghouse.scrubber import (
    demographics,
    duplicates,
    em_with_procedure,
    excludes1,
    frequency,
    icd10_validity,
    modifier_validity,
    mue,
    ncci_ptp,
    npi,
    pointers,
    procedure_codes,
    required,
)
from sim.clearinghouse.scrubber._context import ClaimContext, clear_memos, memo, remember

__all__ = ["RULES", "Rule", "ScrubFinding", "clear_memos", "scrub", "scrub_many"]


@dataclass(frozen=True)
class Rule:
    """One step of the pipeline: its slug (``ScrubFinding.rule``), title and check.

    ``memo_key`` says what the rule's verdict depends on: ``"coding"`` (the claim's
    diagnoses, codes, modifiers, units and pointers), ``"coding+patient"`` (and the
    patient's sex and age), or None (each claim's own data). For the first two the
    pipeline remembers the coding patterns the rule found nothing wrong with
    (``clean``) and skips the rule for the next claim coded the same way.
    """

    slug: str
    title: str
    check: Callable[[ClaimContext, list], None]
    module: ModuleType
    memo_key: str | None = None
    clean: dict = field(default_factory=memo, compare=False, repr=False)

    @classmethod
    def of(cls, module: ModuleType) -> Rule:
        return cls(module.SLUG, module.TITLE, module.check, module, module.MEMO_KEY)


RULES: list[Rule] = [
    # 1. Is every required field there? Everything below reads these fields.
    Rule.of(required),
    # 2. Are the providers' NPIs real (check digit)? Recoding cannot fix a wrong provider.
    Rule.of(npi),
    # 3. Does each line point at 1-4 listed diagnoses? The structure linking 24 to 21.
    Rule.of(pointers),
    # 4. Is each diagnosis a complete, billable ICD-10-CM code (7th character, placeholder)?
    Rule.of(icd10_validity),
    # 5. Do two diagnoses exclude each other? Compares codes, so after validity.
    Rule.of(excludes1),
    # 6. Does each code fit the patient's age and sex on the date of service?
    Rule.of(demographics),
    # 7. Is each CPT/HCPCS code valid on its date of service? Rules 8-10 skip lines that fail.
    Rule.of(procedure_codes),
    # 8. Does each modifier exist and apply to its code? NCCI's modifier logic assumes so.
    Rule.of(modifier_validity),
    # 9. Are two lines of the same date bundled by an NCCI PTP edit?
    Rule.of(ncci_ptp),
    # 9b. Does an E/M beside a 000/010/090-day global procedure carry 25/57? The global
    #     surgery rule behind many E/M bundles that the PTP table does not list; after PTP,
    #     so an E/M line that rule already reported is not reported twice.
    Rule.of(em_with_procedure),
    # 10. Are the units within the MUE (per line for MAI 1, per day for MAI 2 and 3)?
    Rule.of(mue),
    # 11. Is a line repeated (same code, modifiers, date)? After MUE, which sums them.
    Rule.of(duplicates),
    # 12. Do the frequency code and the original reference agree (box 22)? Claim-level, last.
    Rule.of(frequency),
]


def _run(ctx: ClaimContext, rules: list[Rule]) -> list[ScrubFinding]:
    """Run ``rules`` in order on one prepared claim; skip a rule for a clean known pattern."""
    out: list[ScrubFinding] = []
    pattern = ctx.pattern if ctx.one_day else None  # lines on several dates: judge them all
    for rule in rules:
        kind = rule.memo_key
        if kind is None or pattern is None:
            rule.check(ctx, out)
            continue
        key = pattern if kind == "coding" else (pattern, ctx.sex, ctx.age)
        clean = rule.clean
        if key in clean:
            continue
        before = len(out)
        rule.check(ctx, out)
        if len(out) == before and ctx.rememberable:
            remember(clean, key, True)
    return out


def _rules(rules: Iterable[Rule] | None, where: str) -> list[Rule]:
    chosen = list(RULES if rules is None else rules)
    for r in chosen:
        if not isinstance(r, Rule):
            raise TypeError(f"{where}(rules=...) takes Rule objects from RULES, not {r!r}")
    return chosen


def scrub(
    claim: Claim, *, on: date | None = None, rules: Iterable[Rule] | None = None
) -> list[ScrubFinding]:
    """Run every rule of :data:`RULES`, in order, on ``claim``; the findings in rule order.

    ``on`` is the date the claim is scrubbed (submitted): a service dated after it is
    reported. Code validity is always judged on each line's date of service. ``rules``
    runs a subset instead (e.g. ``[r for r in RULES if r.slug == "ncci-ptp"]`` for an
    NCCI exercise). An empty list means the claim is clean. A value that is not a
    :class:`~sim.claims.Claim` raises :class:`TypeError` with a one-line message.
    """
    if not isinstance(claim, Claim):
        raise TypeError(f"scrub() takes a sim.claims.Claim, not {type(claim).__name__}")
    if on is not None and not isinstance(on, date):
        raise TypeError(f"scrub(on=...) takes a datetime.date, not {type(on).__name__}")
    return _run(ClaimContext(claim, on), _rules(rules, "scrub"))


def scrub_many(
    claims: Iterable[Claim], *, on: date | None = None, rules: Iterable[Rule] | None = None
) -> list[list[ScrubFinding]]:
    """Scrub a batch: one list of findings per claim, in the order of ``claims``.

    ``zip(claims, scrub_many(claims))`` pairs each claim with its findings; a claim is
    clean when its list is empty. ``on`` and ``rules`` are as for :func:`scrub`. A
    non-claim in the batch raises :class:`TypeError` naming its position.
    """
    if on is not None and not isinstance(on, date):
        raise TypeError(f"scrub_many(on=...) takes a datetime.date, not {type(on).__name__}")
    rules = _rules(rules, "scrub_many")
    results: list[list[ScrubFinding]] = []
    for n, claim in enumerate(claims):
        if not isinstance(claim, Claim):
            raise TypeError(
                f"scrub_many(): item {n} is a {type(claim).__name__}, not a sim.claims.Claim"
            )
        results.append(_run(ClaimContext(claim, on), rules))
    return results
