"""Benefit accumulators: how much of the deductible and out-of-pocket maximum is met.

Kept per coverage and plan year (the calendar year of the date of service). The payer
applies claims in date-of-service order (``Adjudicator.adjudicate_many`` sorts them), so a
January visit meets the deductible before a March one even if the March claim arrived
first. Amounts never exceed the plan's limits: the payer asks :meth:`Accumulators.room`
what is still open and records no more than that with :meth:`Accumulators.add`. A reversal (void or
replacement) gives the amounts back with :meth:`Accumulators.credit`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass
class Totals:
    """One coverage's plan-year totals."""

    deductible: Decimal = ZERO  # met so far
    oop: Decimal = ZERO  # patient cost share so far (deductible + copay + coinsurance)


class Accumulators:
    """Deductible and out-of-pocket totals by ``(coverage id, plan year)``."""

    def __init__(self) -> None:
        self._totals: dict[tuple[str, int], Totals] = {}

    def get(self, coverage_id: str, year: int) -> Totals:
        key = (coverage_id, year)
        t = self._totals.get(key)
        if t is None:
            t = self._totals[key] = Totals()
        return t

    def room(
        self, coverage_id: str, year: int, deductible: Decimal, oop: Decimal | None
    ) -> tuple[Decimal, Decimal | None]:
        """What is still open: ``(deductible left, OOP left or None when there is no max)``."""
        t = self.get(coverage_id, year)
        left_oop = None if oop is None else max(ZERO, oop - t.oop)
        return max(ZERO, deductible - t.deductible), left_oop

    def add(self, coverage_id: str, year: int, deductible: Decimal, oop: Decimal) -> None:
        """Record a claim line's deductible and total patient share (callers keep them within
        :meth:`room`)."""
        t = self.get(coverage_id, year)
        t.deductible += deductible
        t.oop += oop

    def credit(self, coverage_id: str, year: int, deductible: Decimal, oop: Decimal) -> None:
        """Give back amounts of a reversed claim."""
        t = self.get(coverage_id, year)
        t.deductible = max(ZERO, t.deductible - deductible)
        t.oop = max(ZERO, t.oop - oop)

    def snapshot(self) -> dict[tuple[str, int], tuple[Decimal, Decimal]]:
        """Every total as ``{(coverage, year): (deductible met, oop met)}``."""
        return {k: (t.deductible, t.oop) for k, t in self._totals.items()}
