"""One claim model for every step: the CMS-1500, the 837P, the scrubber, the payer, the ledger.

A :class:`Claim` is built from a coded encounter (:func:`from_encounter`) — or, in
exercises, from a learner's answers through the CMS-1500 box mapping (``sim.cms1500``).
It holds everything a professional claim carries: the patient and the insured with their
relationship, the payer, the billing / rendering / referring providers, up to 12
diagnoses, the frequency code (1 original, 7 replacement, 8 void) with the payer's
original claim number, prior authorization, accident and onset information, the
assignment and signature indicators, and up to 50 service lines (the CMS-1500 prints six
per page) with dates, place of service, CPT/HCPCS, up to four modifiers and four
diagnosis pointers, units, charge and optional NDC.

Money is :class:`~decimal.Decimal`. Claims are frozen; a corrected claim is a new Claim
(``dataclasses.replace``) with frequency 7 and the original reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sim.models import (
    Address,
    Coverage,
    Encounter,
    Patient,
    Payer,
    Plan,
    Practice,
    Provider,
    Subscriber,
)

MAX_DIAGNOSES = 12
MAX_LINES = 50
MAX_MODIFIERS = 4
MAX_POINTERS = 4
FREQUENCIES = ("1", "7", "8")


@dataclass(frozen=True)
class BillingProvider:
    """CMS-1500 box 33 / 837P loop 2010AA: the group that bills (and is paid)."""

    name: str
    npi: str
    tin: str  # EIN, NN-NNNNNNN (box 25)
    taxonomy: str
    address: Address
    phone: str

    @classmethod
    def of(cls, practice: Practice) -> BillingProvider:
        return cls(
            practice.name,
            practice.npi,
            practice.tin,
            practice.taxonomy,
            practice.address,
            practice.phone,
        )


@dataclass(frozen=True)
class RenderingProvider:
    """Box 24J / loop 2310B: the individual who performed the service."""

    first_name: str
    last_name: str
    npi: str
    taxonomy: str
    credential: str = ""

    @classmethod
    def of(cls, provider: Provider) -> RenderingProvider:
        return cls(
            provider.first_name,
            provider.last_name,
            provider.npi,
            provider.taxonomy,
            provider.credential,
        )


@dataclass(frozen=True)
class ReferringProvider:
    """Box 17 / loop 2310A (qualifier DN referring, DK ordering)."""

    first_name: str
    last_name: str
    npi: str
    qualifier: str = "DN"


@dataclass(frozen=True)
class ServiceFacility:
    """Box 32 / loop 2310C: where the service was rendered, when not the billing address."""

    name: str
    address: Address
    npi: str | None = None


@dataclass(frozen=True)
class Insured:
    """The subscriber of the plan billed (boxes 1a, 4, 7, 11) and the patient's
    relationship to them (box 6; 837P SBR02/PAT01: 18 self, 01 spouse, 19 child, G8 other)."""

    member_id: str
    first_name: str
    last_name: str
    sex: str
    birth_date: date
    address: Address
    relationship: str
    group_number: str = ""
    plan_name: str = ""

    @classmethod
    def of(cls, coverage: Coverage, plan: Plan | None = None) -> Insured:
        s: Subscriber = coverage.subscriber
        return cls(
            coverage.member_id,
            s.first_name,
            s.last_name,
            s.sex,
            s.birth_date,
            s.address,
            coverage.relationship,
            coverage.group_number,
            plan.name if plan else "",
        )


@dataclass(frozen=True)
class PayerInfo:
    """The payer billed (loop 2010BB; the CMS-1500 carrier block) and how (SBR09)."""

    id: str  # rcmlab payer id
    name: str
    payer_id: str  # electronic payer ID (NM109)
    filing_indicator: str  # SBR09: MB, MC, CI, HM, 16, WC, AM, ZZ
    address: Address
    responsibility: str = "P"  # SBR01: P primary, S secondary, T tertiary

    @classmethod
    def of(cls, payer: Payer, order: int = 1) -> PayerInfo:
        return cls(
            payer.id,
            payer.name,
            payer.payer_id,
            payer.filing_indicator,
            payer.address,
            {1: "P", 2: "S", 3: "T"}.get(order, "P"),
        )


@dataclass(frozen=True)
class OtherCoverage:
    """Boxes 9, 9a, 9d and 11d: another plan that covers the patient (COB)."""

    insured_first_name: str
    insured_last_name: str
    member_id: str
    plan_name: str
    payer_name: str
    payer_id: str
    responsibility: str  # P or S: that payer's place in the order of benefits
    relationship: str = "18"
    filing_indicator: str = "CI"


@dataclass(frozen=True)
class ClaimLine:
    """Box 24, one line / 837P loop 2400."""

    number: int
    service_date: date
    pos: str
    code: str
    system: str = "cpt"  # cpt | hcpcs (both go in SV101 as HC)
    modifiers: tuple[str, ...] = ()
    dx_pointers: tuple[int, ...] = (1,)
    units: int = 1
    charge: Decimal = Decimal("0.00")  # line total (fee x units), box 24F
    ndc: str | None = None  # 11 digits, loop 2410 LIN / box 24 shaded
    ndc_units: str | None = None  # e.g. "UN1", "ML2"
    service_date_to: date | None = None
    control_number: str = ""  # line item control number (REF*6R), matched on the 835
    emergency: bool = False  # box 24C

    @property
    def unit_charge(self) -> Decimal:
        return (self.charge / self.units).quantize(Decimal("0.01")) if self.units else self.charge


@dataclass(frozen=True)
class Claim:
    """A professional claim (CMS-1500 02/12, 837P 005010X222A1)."""

    id: str  # patient control number / patient account (box 26, CLM01), at most 20 characters
    patient: Patient
    insured: Insured
    payer: PayerInfo
    billing: BillingProvider
    diagnoses: tuple[str, ...]  # ICD-10-CM codes with dots, first-listed first (box 21 A-L)
    lines: tuple[ClaimLine, ...]
    rendering: RenderingProvider | None = None
    referring: ReferringProvider | None = None
    facility: ServiceFacility | None = None
    frequency: str = "1"  # box 22 / CLM05-3
    original_reference: str | None = None  # payer claim number for 7/8 (box 22, REF*F8)
    prior_auth: str | None = None  # box 23 / REF*G1
    referral_number: str | None = None  # REF*9F
    onset_date: date | None = None  # box 14 / DTP*431
    accident: str | None = None  # box 10b/10c: AA auto, EM employment, OA other
    accident_state: str | None = None
    other_coverage: OtherCoverage | None = None
    accept_assignment: bool = True  # box 27 / CLM07 "A"
    benefits_assigned: bool = True  # box 13 / CLM08 "Y"
    release_of_information: bool = True  # box 12 / CLM09 "Y"
    signature_on_file: bool = True  # box 31 / CLM06 "Y"
    amount_paid: Decimal = Decimal("0.00")  # box 29 (patient payments) / AMT*F5
    encounter_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def total_charge(self) -> Decimal:
        return sum((ln.charge for ln in self.lines), Decimal("0.00"))

    @property
    def first_service_date(self) -> date:
        return min(ln.service_date for ln in self.lines)

    @property
    def last_service_date(self) -> date:
        return max((ln.service_date_to or ln.service_date) for ln in self.lines)

    @property
    def place_of_service(self) -> str:
        return self.lines[0].pos if self.lines else ""

    def _repr_html_(self) -> str:  # a claim shows itself as its CMS-1500 in a notebook
        from sim import cms1500

        return cms1500.render_html(self)


def _control(claim_id: str, n: int) -> str:
    return f"{claim_id}-{n}"


def from_encounter(
    encounter: Encounter,
    *,
    practice: Practice,
    patients: dict[str, Patient],
    coverages: dict[str, Coverage],
    plans: dict[str, Plan],
    payers: dict[str, Payer],
    billed: bool = True,
    to_secondary: bool = False,
) -> Claim | None:
    """The claim the practice sends for an encounter (``billed=True``: as charge capture
    coded it, flaws included; ``False``: the correct key). ``None`` for a self-pay visit
    (no coverage: the patient is billed directly, no claim)."""
    from sim import world

    cov_id = encounter.secondary_coverage_id if to_secondary else encounter.primary_coverage_id
    if not cov_id:
        return None
    cov = coverages[cov_id]
    plan = plans[cov.plan_id]
    payer = payers[cov.payer_id]
    patient = patients[encounter.patient_id]
    dxs = encounter.billed_diagnoses if billed else encounter.diagnoses
    src_lines = encounter.billed_lines if billed else encounter.lines
    # CLM01 / box 26: the practice's patient control number, unique per claim; the 835
    # returns it (CLP01) for matching. The encounter id is unique across a run.
    claim_id = encounter.id
    lines = tuple(
        ClaimLine(
            number=i,
            service_date=encounter.date,
            pos=encounter.pos,
            code=ln.code,
            system=ln.system,
            modifiers=ln.modifiers,
            dx_pointers=ln.dx_pointers,
            units=ln.units,
            charge=(world.charge_for(practice, ln.code) * ln.units).quantize(Decimal("0.01")),
            ndc=ln.ndc,
            ndc_units="UN1" if ln.ndc else None,
            control_number=_control(claim_id, i),
            emergency=encounter.pos == "23",
        )
        for i, ln in enumerate(src_lines, start=1)
    )
    other_id = encounter.primary_coverage_id if to_secondary else encounter.secondary_coverage_id
    other = None
    if other_id:
        oc = coverages[other_id]
        op = payers[oc.payer_id]
        other = OtherCoverage(
            oc.subscriber.first_name,
            oc.subscriber.last_name,
            oc.member_id,
            plans[oc.plan_id].name,
            op.name,
            op.payer_id,
            "P" if to_secondary else "S",
            oc.relationship,
            op.filing_indicator,
        )
    provider = practice.provider(encounter.provider_npi)
    location = practice.location(encounter.location_id)
    facility = None
    if location is not None and location.address != practice.address:
        facility = ServiceFacility(location.name, location.address)
    return Claim(
        id=claim_id,
        patient=patient,
        insured=Insured.of(cov, plan),
        payer=PayerInfo.of(payer, 2 if to_secondary else 1),
        billing=BillingProvider.of(practice),
        diagnoses=tuple(d.code for d in dxs),
        lines=lines,
        rendering=RenderingProvider.of(provider),
        facility=facility,
        prior_auth=encounter.prior_auth,
        referral_number=encounter.referral,
        onset_date=encounter.onset,
        accident=encounter.accident,
        other_coverage=other,
        encounter_id=encounter.id,
    )


def for_encounter(result: Any, encounter: Encounter, **options: Any) -> Claim | None:
    """:func:`from_encounter` with the world taken from a simulation result
    (``sim.simulate.Result``); ``options`` as for :func:`from_encounter`."""
    cfg = result.config
    return from_encounter(
        encounter,
        practice=cfg.practice,
        patients=result.patients,
        coverages=result.coverages,
        plans=cfg.plans,
        payers=cfg.payers,
        **options,
    )


def of_result(result: Any, **options: Any) -> list[Claim]:
    """Every claim of a simulation result, in encounter order (self-pay visits have none)."""
    return [c for e in result.encounters if (c := for_encounter(result, e, **options))]
