"""A small hand-built world for payer tests: the built-in plans and practice, one patient per
test with the coverages the test asks for, and claims built line by line."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from sim import world
from sim.claims import (
    BillingProvider,
    Claim,
    ClaimLine,
    Insured,
    OtherCoverage,
    PayerInfo,
    RenderingProvider,
)
from sim.models import Address, Coverage, Patient, Provider, Subscriber
from sim.payer.adjudicate import Adjudicator

ADDR = Address("1 Test Way", "Columbus", "OH", "43215")
DOS = date(2026, 3, 2)


@pytest.fixture(scope="session")
def world_data():
    payers, plans = world.load_payers()
    practice = world.load_practice("family-practice")
    return payers, plans, practice


class World:
    """Patients, coverages and an Adjudicator over them; ``claim`` builds claims."""

    def __init__(self, payers, plans, practice) -> None:
        self.payers, self.plans, self.practice = payers, plans, practice
        self.coverages: dict[str, Coverage] = {}
        self.patients: dict[str, Patient] = {}
        self._adj: Adjudicator | None = None

    def patient(self, pid="P1", born=date(1955, 6, 1), *plan_ids, flaw=None, **cov_kw):
        """A patient covered by ``plan_ids`` in order (primary first)."""
        p = Patient(pid, f"A{pid}", "Ada", "Lovel", "F", born, ADDR, "614-555-0100")
        self.patients[pid] = p
        for order, plan_id in enumerate(plan_ids, start=1):
            plan = self.plans[plan_id]
            cov = Coverage(
                id=f"{pid}-C{order}",
                patient_id=pid,
                plan_id=plan_id,
                payer_id=plan.payer_id,
                member_id=f"M{pid}X{order}",
                group_number="",
                order=order,
                relationship="18",
                subscriber=Subscriber("Ada", "Lovel", "F", born, ADDR),
                effective=cov_kw.get("effective", date(2020, 1, 1)),
                termination=cov_kw.get("termination"),
                flaw=flaw if order == 1 else None,
            )
            self.coverages[cov.id] = cov
        self._adj = None
        return p

    @property
    def adj(self) -> Adjudicator:
        if self._adj is None:
            self._adj = Adjudicator(
                payers=self.payers,
                plans=self.plans,
                practice=self.practice,
                coverages=self.coverages,
                seed=1,
                authorizations={"P1": {"PA000000001"}},
                records={},
            )
        return self._adj

    def claim(
        self,
        cid,
        lines,
        dx=("I10",),
        pid="P1",
        order=1,
        dos=DOS,
        rendering: Provider | None = None,
        **kw,
    ) -> Claim:
        """``lines``: (code, units, modifiers, pointers) tuples (units.. optional)."""
        cov = self.coverages[f"{pid}-C{order}"]
        plan = self.plans[cov.plan_id]
        payer = self.payers[plan.payer_id]
        built = []
        for n, spec in enumerate(lines, start=1):
            code, units, mods, ptrs = (*spec, *(1, (), (1,))[len(spec) - 1 :])
            built.append(
                ClaimLine(
                    number=n,
                    service_date=dos,
                    pos="11",
                    code=code,
                    modifiers=tuple(mods),
                    dx_pointers=tuple(ptrs),
                    units=units,
                    charge=(world.charge_for(self.practice, code) * units),
                    control_number=f"{cid}-{n}",
                )
            )
        other = None
        others = [c for c in self.coverages.values() if c.patient_id == pid and c is not cov]
        if others:
            o = others[0]
            op = self.payers[o.payer_id]
            other = OtherCoverage(
                "Ada",
                "Lovel",
                o.member_id,
                self.plans[o.plan_id].name,
                op.name,
                op.payer_id,
                "S" if order == 1 else "P",
            )
        prov = rendering or self.practice.providers[0]
        return Claim(
            id=cid,
            patient=self.patients[pid],
            insured=Insured.of(cov, plan),
            payer=PayerInfo.of(payer, order),
            billing=BillingProvider.of(self.practice),
            diagnoses=tuple(dx),
            lines=tuple(built),
            rendering=RenderingProvider.of(prov),
            other_coverage=other,
            **kw,
        )


@pytest.fixture
def w(world_data):
    return World(*world_data)


def money(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


def only(adjudication, code):
    """The LineResult of ``code``."""
    return next(ln for ln in adjudication.lines if ln.code == code)


def specialist() -> Provider:
    return Provider("1234567893", "Sam", "Heart", "MD", "cardiology", "207RC0000X")


__all__ = ["DOS", "World", "money", "only", "replace", "specialist"]
