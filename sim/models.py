"""The shared model of the simulated world (DESIGN.md glossary): one class per concept.

Every step of the cycle uses these same objects: the encounter generator produces
:class:`Encounter` with its ground truth, later steps build claims from it, the payer
adjudicates them, the ledger posts them. Money is :class:`~decimal.Decimal`; dates are
:class:`datetime.date`. Objects are frozen: a step that changes something makes a new one.

Identifiers are synthetic but well formed (NPIs with a valid check digit, member IDs in
each payer's format); no Social Security numbers exist anywhere in the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# X12 / CMS-1500 patient relationship to the insured (837P SBR02 / PAT01, box 6).
RELATIONSHIPS = {"18": "self", "01": "spouse", "19": "child", "G8": "other relationship"}
# 837P SBR09 claim filing indicator codes used by the simulated payers.
FILING_INDICATORS = {
    "MB": "Medicare Part B",
    "MC": "Medicaid",
    "CI": "Commercial insurance",
    "HM": "Health maintenance organization",
    "16": "HMO Medicare risk (Medicare Advantage)",
    "WC": "Workers' compensation",
    "AM": "Automobile medical",
    "ZZ": "Mutually defined (self-pay)",
}
SEXES = ("F", "M")


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    state: str
    zip: str
    line2: str = ""

    def one_line(self) -> str:
        street = f"{self.line1}, {self.line2}" if self.line2 else self.line1
        return f"{street}, {self.city}, {self.state} {self.zip}"


@dataclass(frozen=True)
class Provider:
    """A rendering provider (an individual with a type 1 NPI)."""

    npi: str
    first_name: str
    last_name: str
    credential: str  # MD, DO, NP, PA-C ...
    specialty: str  # rcmlab specialty slug, e.g. family-medicine
    taxonomy: str  # NUCC taxonomy code, e.g. 207Q00000X

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.credential}"


@dataclass(frozen=True)
class Location:
    id: str
    name: str
    address: Address
    pos: str  # CMS place-of-service code, e.g. "11"


@dataclass(frozen=True)
class Practice:
    """The billing provider (a group with a type 2 NPI), its providers, locations and fees."""

    id: str
    name: str
    tin: str  # synthetic employer identification number, NN-NNNNNNN
    npi: str
    taxonomy: str
    address: Address
    phone: str
    providers: tuple[Provider, ...]
    locations: tuple[Location, ...]
    charges: dict[str, Decimal]  # charge master: CPT/HCPCS -> the practice's own fee
    payer_mix: dict[str, float]  # plan id -> share of patients
    specialty_mix: dict[str, float]  # scenario specialty -> share of visits
    clinic_days: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday = 0
    visits_per_provider_day: int = 20
    locality: str = "national"  # Medicare PFS locality id (codesets.pfs)
    # Fees not listed in ``charges``: the Medicare PFS amount times this multiplier
    # (rounded up to whole dollars), else a fallback by kind (lab, drug, vaccine, supply, other).
    charge_multiplier: Decimal = Decimal("2.0")
    fallback_fees: dict[str, Decimal] = field(default_factory=dict)

    def provider(self, npi: str) -> Provider:
        return next(p for p in self.providers if p.npi == npi)

    def location(self, location_id: str) -> Location | None:
        return next((loc for loc in self.locations if loc.id == location_id), None)


@dataclass(frozen=True)
class Payer:
    id: str
    name: str
    kind: (
        str  # medicare, medicaid, commercial, hmo, medicare-advantage, workers-comp, auto, self-pay
    )
    payer_id: str  # the electronic payer ID used on 837s
    filing_indicator: str  # see FILING_INDICATORS
    member_id_format: str  # pattern: L = letter, 9 = digit, A = letter or digit, others literal
    address: Address


@dataclass(frozen=True)
class Plan:
    """A benefit plan of a payer. ``rules`` is kept open for the payer policies (later)."""

    id: str
    payer_id: str
    name: str
    type: str  # PPO, HMO, EPO, Medicare, Medicaid, Medicare Advantage, WC, Auto, Self-pay
    copays: dict[str, Decimal]  # visit type -> copay (office, specialist, preventive, ed, ...)
    deductible: Decimal
    coinsurance: Decimal  # the patient's share after the deductible, e.g. 0.20
    oop_max: Decimal | None
    effective: date
    termination: date | None
    requires_referral: bool = False
    requires_pcp: bool = False
    min_age: int = 0
    max_age: int = 120
    rules: dict[str, Any] = field(default_factory=dict)

    def active_on(self, day: date) -> bool:
        return self.effective <= day and (self.termination is None or day <= self.termination)


@dataclass(frozen=True)
class Patient:
    id: str
    account: str  # the practice's account number (patient control number prefix)
    first_name: str
    last_name: str
    sex: str  # F or M (administrative sex on the claim)
    birth_date: date
    address: Address
    phone: str

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Subscriber:
    """The insured person: the patient, or the patient's parent or spouse."""

    first_name: str
    last_name: str
    sex: str
    birth_date: date
    address: Address


@dataclass(frozen=True)
class Coverage:
    """A patient's coverage under a plan; ``order`` 1 is primary, 2 secondary (COB)."""

    id: str
    patient_id: str
    plan_id: str
    payer_id: str
    member_id: str
    group_number: str
    order: int
    relationship: str  # see RELATIONSHIPS
    subscriber: Subscriber
    effective: date
    termination: date | None
    flaw: str | None = None  # a data-entry flaw planted for eligibility exercises

    def active_on(self, day: date) -> bool:
        return self.effective <= day and (self.termination is None or day <= self.termination)


@dataclass(frozen=True)
class CodedDiagnosis:
    """One ICD-10-CM code on an encounter, in sequence (1 = first-listed)."""

    code: str
    description: str
    sequence: int


@dataclass(frozen=True)
class CodedLine:
    """One CPT/HCPCS service line: code, modifiers, units and diagnosis pointers (1-based)."""

    code: str
    system: str  # cpt | hcpcs
    description: str
    modifiers: tuple[str, ...] = ()
    units: int = 1
    dx_pointers: tuple[int, ...] = (1,)
    ndc: str | None = None


@dataclass(frozen=True)
class Flaw:
    """A known teaching flaw planted in an encounter (documentation, coding or coverage)."""

    kind: str
    message: str


@dataclass(frozen=True)
class EMDetail:
    """How the E/M level was derived (2021+ office E/M rules)."""

    problems: str  # minimal | low | moderate | high
    data: str
    risk: str
    mdm_level: str  # straightforward | low | moderate | high
    minutes: int | None
    code_by_mdm: str
    code_by_time: str | None


@dataclass(frozen=True)
class Encounter:
    """A visit: the note the provider wrote and the verified answer key.

    ``diagnoses``/``lines`` are the correct coding (the key). ``billed_diagnoses``/
    ``billed_lines`` are what the simulated practice's charge capture sent — the same as
    the key unless a teaching flaw was planted (see ``flaws``).
    """

    id: str
    patient_id: str
    provider_npi: str
    location_id: str
    pos: str
    date: date
    scenario: str
    specialty: str
    title: str
    new_patient: bool
    note: str
    diagnoses: tuple[CodedDiagnosis, ...]
    lines: tuple[CodedLine, ...]
    billed_diagnoses: tuple[CodedDiagnosis, ...]
    billed_lines: tuple[CodedLine, ...]
    flaws: tuple[Flaw, ...] = ()
    em: EMDetail | None = None
    visit_type: str = "office"  # copay category: office, specialist, preventive, ed, procedure
    primary_coverage_id: str | None = None
    secondary_coverage_id: str | None = None
    prior_auth: str | None = None  # authorization number when one was obtained
    referral: str | None = None
    accident: str | None = None  # AA auto, EM employment, OA other (box 10)
    onset: date | None = None

    @property
    def flawed(self) -> bool:
        return bool(self.flaws)
