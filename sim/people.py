"""Synthetic people and identifiers: Faker providers for the simulated practice.

Everything here is **synthetic but well formed**: NPIs carry a valid check digit, Medicare
IDs follow the MBI format, member IDs follow each payer's format, phone numbers are in the
555-0100..0199 block reserved for fiction. No Social Security number is ever generated,
stored or derived (DESIGN.md, "Synthetic only").

Two layers:

* :class:`RcmProvider` — a Faker provider, one method per fake thing (``fake.npi()``,
  ``fake.mbi()``, ``fake.member_id("LLL999999999")``, ``fake.ein()`` ...). Its randomness
  comes from the Faker instance, so a seeded Faker gives the same identifiers.
* :func:`make_patient` and :func:`make_coverages` — a patient and that patient's coverage
  (subscriber, relationship, primary/secondary order, dates, planted data-entry flaws).
  Every choice flows from the ``random.Random`` and the seeded Faker passed in: the same
  seeds give identical patients and coverage.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from faker import Faker
from faker.providers import BaseProvider

from sim.models import Address, Coverage, Patient, Payer, Plan, Subscriber

__all__ = [
    "EIN_PREFIXES",
    "FLAW_KINDS",
    "MBI_LETTERS",
    "TAXONOMY",
    "RcmProvider",
    "is_valid_mbi",
    "is_valid_member_id",
    "is_valid_npi",
    "luhn_check_digit",
    "make_coverages",
    "make_patient",
    "new_faker",
]

# --- rules and tables ---------------------------------------------------------------------

#: CMS, "Requirements for Check Digit Algorithm for the NPI": the Luhn check digit of an
#: NPI is computed over the card-issuer prefix 80840 followed by the NPI's first 9 digits.
NPI_PREFIX = "80840"

#: MBI letters: A-Z except S, L, O, I, B, Z (CMS, "Understanding the Medicare Beneficiary
#: Identifier (MBI) Format": letters that look like numbers are left out).
MBI_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "SLOIBZ")
_MBI_AN = string.digits + MBI_LETTERS
# Position by position: C = 1-9, A = MBI letter, AN = letter or digit, N = 0-9.
_MBI_POSITIONS = ("C", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
_MBI_RE = re.compile(
    "".join(
        {"C": "[1-9]", "A": f"[{MBI_LETTERS}]", "AN": f"[0-9{MBI_LETTERS}]", "N": "[0-9]"}[p]
        for p in _MBI_POSITIONS
    )
)

#: Letters used for ``L`` in payer member-ID formats: I and O are left out, as most
#: payers do, so that an ID is never misread as 1 or 0.
MEMBER_LETTERS = "".join(c for c in string.ascii_uppercase if c not in "IO")

#: NUCC Health Care Provider Taxonomy codes (nucc.org, code set version 25.x) for the
#: rcmlab specialties, the non-physician practitioners and the group practices.
TAXONOMY: dict[str, str] = {
    "family-medicine": "207Q00000X",  # Allopathic & Osteopathic Physicians / Family Medicine
    "internal-medicine": "207R00000X",  # Internal Medicine
    "pediatrics": "208000000X",  # Pediatrics
    "obstetrics-gynecology": "207V00000X",  # Obstetrics & Gynecology
    "orthopedics": "207X00000X",  # Orthopaedic Surgery
    "cardiology": "207RC0000X",  # Internal Medicine / Cardiovascular Disease
    "dermatology": "207N00000X",  # Dermatology
    "emergency-medicine": "207P00000X",  # Emergency Medicine
    "general-surgery": "208600000X",  # Surgery
    "radiology": "2085R0202X",  # Radiology / Diagnostic Radiology
    "laboratory": "291U00000X",  # Laboratories / Clinical Medical Laboratory
    "nurse-practitioner": "363LF0000X",  # Nurse Practitioner / Family
    "physician-assistant": "363A00000X",  # Physician Assistant
    "multi-specialty-group": "193200000X",  # Group / Multi-Specialty
    "single-specialty-group": "193400000X",  # Group / Single Specialty
}

#: IRS "How EINs are assigned and valid EIN prefixes": the two-digit campus prefixes in
#: use (00, 07-09, 17-19, 28, 29, 49, 69, 70, 78, 79, 89, 96 and 97 are not assigned).
EIN_PREFIXES: tuple[str, ...] = tuple(
    f"{n:02d}"
    for n in range(100)
    if n not in {0, 7, 8, 9, 17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97}
)

#: Data-entry flaws planted in a coverage record for eligibility exercises.
FLAW_KINDS = ("member-id-typo", "subscriber-dob-off", "name-misspelled")

# Plan kinds (by the payer's ``kind``).
_MEDICARE = {"medicare", "medicare-advantage"}
_EMPLOYER = {"commercial", "hmo"}
_PC = {"workers-comp", "auto"}  # property & casualty: tied to an injury, not to a family


# --- check digits and validators ----------------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    """The Luhn (mod 10) check digit to append to ``digits`` (ISO/IEC 7812-1, Annex B).

    From the rightmost digit leftwards, every other digit (starting with the rightmost)
    is doubled, and 9 is subtracted from any result above 9; the check digit is what
    brings the sum up to the next multiple of 10.
    """
    if not digits.isdigit():
        raise ValueError(f"not a string of digits: {digits!r}")
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def is_valid_npi(s: object) -> bool:
    """True for a 10-digit NPI, first digit 1 or 2, whose last digit is the Luhn check digit
    over ``80840`` + its first 9 digits (CMS, "Requirements for Check Digit Algorithm for
    the NPI"; 45 CFR 162.406). ``1234567893`` is valid; ``1234567890`` is not."""
    if not isinstance(s, str) or len(s) != 10 or not s.isdigit() or s[0] not in "12":
        return False
    return luhn_check_digit(NPI_PREFIX + s[:9]) == s[9]


def is_valid_mbi(s: object) -> bool:
    """True for an 11-character Medicare Beneficiary Identifier, without dashes.

    Positions (CMS, "Understanding the Medicare Beneficiary Identifier (MBI) Format"):
    1 digit 1-9; 2 letter; 3 letter or digit; 4 digit; 5 letter; 6 letter or digit;
    7 digit; 8-9 letters; 10-11 digits. Letters are A-Z without S, L, O, I, B, Z.
    """
    return isinstance(s, str) and _MBI_RE.fullmatch(s) is not None


def is_valid_member_id(member_id: str, fmt: str) -> bool:
    """True when ``member_id`` fits the payer format ``fmt`` (see
    :meth:`RcmProvider.member_id`; ``"MBI"`` means :func:`is_valid_mbi`)."""
    if fmt == "MBI":
        return is_valid_mbi(member_id)
    if len(member_id) != len(fmt):
        return False
    for ch, f in zip(member_id, fmt, strict=True):
        ok = {
            "L": ch in MEMBER_LETTERS,
            "9": ch.isdigit() and ch.isascii(),
            "A": ch in MEMBER_LETTERS or (ch.isdigit() and ch.isascii()),
        }.get(f, ch == f)
        if not ok:
            return False
    return True


# --- the Faker provider --------------------------------------------------------------------


class RcmProvider(BaseProvider):
    """Faker provider of the synthetic identifiers of a US physician practice.

    Add it to a Faker and seed the Faker: ``fake.add_provider(RcmProvider)``. Every method
    draws from the Faker's own random generator, so a seeded Faker is reproducible.
    """

    def npi(self, first_digit: str | None = None) -> str:
        """A National Provider Identifier: 10 digits, first digit 1 or 2, the 10th the Luhn
        check digit computed over the prefix 80840 + the first 9 digits (CMS,
        "Requirements for Check Digit Algorithm for the NPI"). The first digit does not
        encode the entity type: individuals (type 1) and organizations (type 2) both
        draw from the same number space, so the same method serves both."""
        first = first_digit or self.random_element(("1", "2"))
        if first not in ("1", "2"):
            raise ValueError("an NPI starts with 1 or 2")
        base = first + "".join(str(self.random_digit()) for _ in range(8))
        return base + luhn_check_digit(NPI_PREFIX + base)

    def mbi(self) -> str:
        """A Medicare Beneficiary Identifier (11 characters, no dashes), position by
        position: 1 digit 1-9; 2 letter; 3 alphanumeric; 4 digit; 5 letter; 6
        alphanumeric; 7 digit; 8-9 letters; 10-11 digits; letters exclude S, L, O, I, B, Z
        (CMS, "Understanding the Medicare Beneficiary Identifier (MBI) Format"). MBIs are
        randomly generated and carry no personal information (no SSN)."""
        pools = {"C": "123456789", "A": MBI_LETTERS, "AN": _MBI_AN, "N": string.digits}
        return "".join(self.random_element(pools[p]) for p in _MBI_POSITIONS)

    def member_id(self, fmt: str) -> str:
        """A member ID in the payer's format: ``L`` = a letter (I and O excluded), ``9`` = a
        digit, ``A`` = a letter or digit, anything else is literal (``"XQK999999999"``
        gives ``XQK`` + 9 digits). ``"MBI"`` gives a Medicare Beneficiary Identifier
        (:meth:`mbi`). Payers assign their own member IDs; none is an SSN."""
        if fmt == "MBI":
            return self.mbi()
        alnum = MEMBER_LETTERS + string.digits
        out = []
        for f in fmt:
            if f == "L":
                out.append(self.random_element(MEMBER_LETTERS))
            elif f == "9":
                out.append(str(self.random_digit()))
            elif f == "A":
                out.append(self.random_element(alnum))
            else:
                out.append(f)
        return "".join(out)

    def taxonomy(self, specialty: str) -> str:
        """The NUCC Health Care Provider Taxonomy code of an rcmlab specialty (or of
        ``nurse-practitioner``, ``physician-assistant``, ``multi-specialty-group``,
        ``single-specialty-group``): the real code from the NUCC code set (nucc.org), as
        reported in 837P PRV03 and CMS-1500 box 24J/33b with qualifier PXC."""
        try:
            return TAXONOMY[specialty]
        except KeyError:
            raise KeyError(
                f"no taxonomy for {specialty!r}; known: {', '.join(sorted(TAXONOMY))}"
            ) from None

    def ein(self) -> str:
        """A synthetic employer identification number, ``NN-NNNNNNN``, with a two-digit
        prefix the IRS assigns ("How EINs are assigned and valid EIN prefixes"). The
        practice's TIN on claims is its EIN, never an SSN."""
        return f"{self.random_element(EIN_PREFIXES)}-{self.random_int(0, 9999999):07d}"

    def group_number(self) -> str:
        """An employer group number as printed on an insurance card: the payer's own
        numbering, 5 to 8 characters (``"G0041872"``, ``"74120"``, ``"HRB31002"``)."""
        return self.member_id(self.random_element(("99999", "999999", "G9999999", "LLL99999")))

    def account_number(self, serial: int | None = None) -> str:
        """A practice account number (the patient control number prefix): 8 digits, the
        last a Luhn check digit as practice-management systems commonly use. With
        ``serial`` the number is derived from it (unique per patient), else random."""
        n = serial if serial is not None else self.random_int(0, 999999)
        base = f"1{n % 10**6:06d}"
        return base + luhn_check_digit(base)

    def fictional_phone(self, area_code: str | None = None) -> str:
        """A phone number ``NXX-555-01XX``: 555-0100 through 555-0199 are reserved by the
        North American Numbering Plan Administrator for fictional use, so they ring no
        one. The area code has the NANP shape (first digit 2-9, not N11)."""
        if area_code is None:
            first = self.random_int(2, 9)
            second = self.random_int(0, 8)
            third = self.random_int(0, 9)
            if second == 1 and third == 1:
                third = 0
            area_code = f"{first}{second}{third}"
        return f"{area_code}-555-01{self.random_int(0, 99):02d}"


class PeoplePool:
    """Names and addresses made by a seeded Faker once, then drawn with a run's RNG.

    Faker builds a person (names, street, city, ZIP) in about a millisecond; a simulation
    of 100,000 visits needs tens of thousands of people. So a seeded Faker fills pools of
    first names by sex, last names, and street/city/ZIP triples per state, and each person
    is assembled from the pools by the caller's ``random.Random`` — still Faker's data,
    still deterministic (same seed, same pools, same people), about 50x faster.
    """

    NAMES = 1500
    ADDRESSES_PER_STATE = 400

    def __init__(self, seed: int | str) -> None:
        self._fake = new_faker(f"pool:{seed}")
        f = self._fake
        self.female = [f.first_name_female() for _ in range(self.NAMES)]
        self.male = [f.first_name_male() for _ in range(self.NAMES)]
        self.last = [f.last_name() for _ in range(self.NAMES)]
        self.secondary = [f.secondary_address() for _ in range(200)]
        self.states = [f.state_abbr(include_territories=False) for _ in range(200)]
        self._addresses: dict[str, list[tuple[str, str, str]]] = {}

    def addresses(self, state: str) -> list[tuple[str, str, str]]:
        if state not in self._addresses:
            f = self._fake
            self._addresses[state] = [
                (f.street_address(), f.city(), f.zipcode_in_state(state))
                for _ in range(self.ADDRESSES_PER_STATE)
            ]
        return self._addresses[state]

    def faker(self, rng: random.Random) -> PooledFaker:
        """A Faker look-alike drawing from these pools with ``rng``."""
        return PooledFaker(self, rng)


class PooledFaker(RcmProvider):
    """The Faker methods :func:`make_patient` and :func:`make_coverages` use, answered
    from a :class:`PeoplePool`; the :class:`RcmProvider` identifiers (NPIs, member IDs,
    phones, account numbers) come from the same RNG."""

    def __init__(self, pool: PeoplePool, rng: random.Random) -> None:
        super().__init__(generator=_RandomHolder(rng))
        self.pool = pool

    def reseed(self, rng: random.Random) -> None:
        self.generator.random = rng

    @property
    def _rng(self) -> random.Random:
        return self.generator.random

    def first_name_female(self) -> str:
        return self._rng.choice(self.pool.female)

    def first_name_male(self) -> str:
        return self._rng.choice(self.pool.male)

    def last_name(self) -> str:
        return self._rng.choice(self.pool.last)

    def state_abbr(self, include_territories: bool = False) -> str:
        return self._rng.choice(self.pool.states)

    def secondary_address(self) -> str:
        return self._rng.choice(self.pool.secondary)

    # The identifier rules are RcmProvider's; these draw straight from the RNG (Faker's
    # random_element costs ~4 us a character, far too slow for tens of thousands of IDs).
    def mbi(self) -> str:
        r = self._rng
        pools = {"C": "123456789", "A": MBI_LETTERS, "AN": _MBI_AN, "N": string.digits}
        return "".join(r.choice(pools[p]) for p in _MBI_POSITIONS)

    def member_id(self, fmt: str) -> str:
        if fmt == "MBI":
            return self.mbi()
        r = self._rng
        alnum = MEMBER_LETTERS + string.digits
        pools = {"L": MEMBER_LETTERS, "9": string.digits, "A": alnum}
        return "".join(r.choice(pools[f]) if f in pools else f for f in fmt)

    def group_number(self) -> str:
        return self.member_id(self._rng.choice(("99999", "999999", "G9999999", "LLL99999")))

    def address_in(self, state: str) -> tuple[str, str, str]:
        """A (street, city, ZIP) of ``state``, kept together as Faker made them."""
        return self._rng.choice(self.pool.addresses(state))


class _RandomHolder:
    """The ``generator`` a Faker provider needs: only its ``random`` attribute is used."""

    def __init__(self, rng: random.Random) -> None:
        self.random = rng


def new_faker(seed: int | str | None = None) -> Faker:
    """An en_US Faker with :class:`RcmProvider`, seeded (same seed, same output)."""
    fake = Faker("en_US")
    fake.add_provider(RcmProvider)
    if seed is not None:
        fake.seed_instance(seed)
    return fake


def _ensure_provider(fake: Faker) -> None:
    if not hasattr(fake, "npi"):
        fake.add_provider(RcmProvider)


# --- dates ------------------------------------------------------------------------------


def _years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (Feb 29 -> Feb 28)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _years_after(day: date, years: int) -> date:
    return _years_before(day, -years)


def _birth_date(rng: random.Random, age: int, on: date) -> date:
    """A birth date that makes the person exactly ``age`` on ``on``."""
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _next_first_of_month(day: date) -> date:
    if day.day == 1:
        return day
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _month_start_between(rng: random.Random, lo: date, hi: date) -> date:
    """A first-of-month date in [lo, hi]; ``lo`` when there is none."""
    first = _next_first_of_month(lo)
    if first > hi:
        return lo
    months = (hi.year - first.year) * 12 + hi.month - first.month
    k = rng.randint(0, months)
    return date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)


def _last_of_month(day: date) -> date:
    return _next_first_of_month(day + timedelta(days=1)) - timedelta(days=1)


# --- patients -------------------------------------------------------------------------------


def _address(fake: Faker, rng: random.Random, state: str | None) -> Address:
    st = state or fake.state_abbr(include_territories=False)
    line2 = fake.secondary_address() if rng.random() < 0.15 else ""
    if isinstance(fake, PooledFaker):
        street, city, zipcode = fake.address_in(st)
        return Address(line1=street, line2=line2, city=city, state=st, zip=zipcode)
    return Address(
        line1=fake.street_address(),
        line2=line2,
        city=fake.city(),
        state=st,
        zip=fake.zipcode_in_state(st),
    )


def _first_name(fake: Faker, sex: str) -> str:
    return fake.first_name_female() if sex == "F" else fake.first_name_male()


def make_patient(
    fake: Faker,
    rng: random.Random,
    patient_id: str,
    *,
    sex: str,
    age: int,
    on: date,
    state: str | None = None,
) -> Patient:
    """A synthetic patient who is exactly ``age`` years old on ``on``.

    The first name matches ``sex`` (Faker's female/male name lists); address (in
    ``state`` if given, with a ZIP code of that state), fictional 555-01XX phone and an
    account number derived from the digits of ``patient_id``. No SSN: the model has none.
    """
    _ensure_provider(fake)
    if sex not in ("F", "M"):
        raise ValueError(f"sex must be F or M, not {sex!r}")
    if age < 0:
        raise ValueError(f"age must be >= 0, not {age}")
    birth = _birth_date(rng, age, on)
    first = _first_name(fake, sex)
    last = fake.last_name()
    address = _address(fake, rng, state)
    digits = "".join(ch for ch in patient_id if ch.isdigit())
    serial = int(digits) if digits else None
    return Patient(
        id=patient_id,
        account=fake.account_number(serial),
        first_name=first,
        last_name=last,
        sex=sex,
        birth_date=birth,
        address=address,
        phone=fake.fictional_phone(),
    )


# --- coverage -------------------------------------------------------------------------------


def _plan_kind(plan: Plan, payers: Mapping[str, Payer]) -> str:
    return payers[plan.payer_id].kind


def _secondary_only(plan: Plan) -> bool:
    """Medigap and other supplemental plans pay only after Medicare."""
    return bool(plan.rules.get("secondary_only")) or plan.type == "Medicare Supplement"


def _eligible(plan: Plan, kind: str, age: int, on: date) -> bool:
    if not plan.active_on(on) or not plan.min_age <= age <= plan.max_age:
        return False
    # Medicare entitlement by age starts at 65 (42 CFR 406.10); rcmlab models only that path.
    return not (kind in _MEDICARE and age < 65)


def _weighted(rng: random.Random, plans: Sequence[Plan], weights: Sequence[float]) -> Plan | None:
    if not plans:
        return None
    if sum(weights) <= 0:
        weights = [1.0] * len(plans)
    return rng.choices(list(plans), list(weights))[0]


def _choose_primary(
    rng: random.Random,
    age: int,
    on: date,
    plans: Mapping[str, Plan],
    payers: Mapping[str, Payer],
    plan_weights: Mapping[str, float],
) -> Plan | None:
    def candidates(ids: Sequence[str]) -> tuple[list[Plan], list[float]]:
        out, w = [], []
        for pid in ids:
            plan = plans.get(pid)
            if plan is None or _secondary_only(plan):
                continue
            kind = _plan_kind(plan, payers)
            if not _eligible(plan, kind, age, on):
                continue
            weight = float(plan_weights.get(pid, 1.0))
            if kind in _EMPLOYER and age >= 65:
                if age >= 75:
                    continue
                weight *= 0.12  # most people over 65 have Medicare first; some still work
            if kind == "workers-comp" and not 16 <= age < 80:
                continue
            out.append(plan)
            w.append(weight)
        return out, w

    found, weights = candidates([p for p in sorted(plan_weights) if plan_weights[p] > 0])
    if not found:  # no plan of the mix fits this age: any eligible health plan
        found, weights = candidates(
            [p for p in sorted(plans) if _plan_kind(plans[p], payers) not in _PC]
        )
    return _weighted(rng, found, weights)


def _pick_plan_of_kind(
    rng: random.Random,
    kinds: set[str],
    age: int,
    on: date,
    plans: Mapping[str, Plan],
    payers: Mapping[str, Payer],
    plan_weights: Mapping[str, float],
    *,
    supplement: bool | None = None,
    exclude: str | None = None,
) -> Plan | None:
    found = [
        p
        for _, p in sorted(plans.items())
        if _plan_kind(p, payers) in kinds
        and p.id != exclude
        and _eligible(p, _plan_kind(p, payers), age, on)
        and (supplement is None or _secondary_only(p) == supplement)
    ]
    return _weighted(rng, found, [float(plan_weights.get(p.id, 0.0)) for p in found])


def _person(
    fake: Faker,
    rng: random.Random,
    *,
    sex: str,
    birth: date,
    last_name: str,
    address: Address,
) -> Subscriber:
    return Subscriber(_first_name(fake, sex), last_name, sex, birth, address)


def _self(patient: Patient) -> Subscriber:
    return Subscriber(
        patient.first_name, patient.last_name, patient.sex, patient.birth_date, patient.address
    )


def _parent(
    fake: Faker, rng: random.Random, patient: Patient, sex: str | None = None
) -> Subscriber:
    """A parent: 18-42 years older, the child's last name usually, the same address."""
    sex = sex or rng.choice("FM")
    birth = _years_before(patient.birth_date, rng.randint(18, 42)) - timedelta(
        days=rng.randint(0, 364)
    )
    last = patient.last_name if rng.random() < 0.85 else fake.last_name()
    return _person(fake, rng, sex=sex, birth=birth, last_name=last, address=patient.address)


def _spouse(fake: Faker, rng: random.Random, patient: Patient, on: date) -> Subscriber:
    """A spouse: usually of the other sex, a few years apart, usually the same last name."""
    other = "M" if patient.sex == "F" else "F"
    sex = other if rng.random() < 0.93 else patient.sex
    birth = patient.birth_date + timedelta(days=rng.randint(-7 * 365, 7 * 365))
    adult = _years_before(on, 18)
    birth = min(birth, adult)
    last = patient.last_name if rng.random() < 0.75 else fake.last_name()
    return _person(fake, rng, sex=sex, birth=birth, last_name=last, address=patient.address)


def _birthday_key(s: Subscriber) -> tuple[int, int, date]:
    # NAIC birthday rule: the parent whose month/day comes first in the year is primary
    # (year of birth does not count); a tie goes to the earlier-born parent here.
    return (s.birth_date.month, s.birth_date.day, s.birth_date)


def _effective(
    rng: random.Random,
    kind: str,
    plan: Plan,
    patient: Patient,
    on: date,
) -> date:
    """The coverage start: before ``on``, not before birth nor the plan's start."""
    hi = on - timedelta(days=1)
    born = patient.birth_date
    if kind in _MEDICARE:
        # Part B by age: entitlement begins the first of the month of the 65th birthday
        # (the month before when born on the 1st) — 42 CFR 406.10, 407.25.
        turned = _years_after(born, 65)
        start = _first_of_month(turned - timedelta(days=1))
        if kind == "medicare" and rng.random() < 0.8:
            lo = start
        else:  # later enrolment, or a Medicare Advantage plan chosen in a later year
            lo = _month_start_between(rng, start, hi)
    elif kind in _PC:
        # Workers' comp / auto: the claim opens at the injury, weeks before the visit.
        lo = on - timedelta(days=rng.randint(3, 120))
    elif kind == "medicaid" and patient.age_on(on) < 6 and rng.random() < 0.5:
        lo = born  # Medicaid covers a newborn of a covered mother from birth (42 CFR 435.117)
    elif kind == "medicaid":
        lo = _month_start_between(rng, max(born, hi - timedelta(days=365 * 6)), hi)
    else:
        lo = _month_start_between(rng, max(born, hi - timedelta(days=365 * 9)), hi)
    lo = max(lo, born, plan.effective)
    return min(lo, on)


def _misspell(rng: random.Random, name: str) -> str:
    """A plausible misspelling: a doubled letter dropped or added, two letters swapped,
    or a vowel changed."""
    if len(name) < 3:
        return name + name[-1]
    for _ in range(10):
        i = rng.randrange(1, len(name) - 1)
        how = rng.randrange(4)
        if how == 0 and name[i] == name[i - 1]:
            out = name[:i] + name[i + 1 :]
        elif how == 1:
            out = name[:i] + name[i] + name[i:]
        elif how == 2 and name[i] != name[i + 1]:
            out = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
        elif how == 3 and name[i].lower() in "aeiouy":
            vowel = rng.choice([v for v in "aeiou" if v != name[i].lower()])
            out = name[:i] + vowel + name[i + 1 :]
        else:
            continue
        if out != name:
            return out
    return name[:-1] + ("e" if name[-1] != "e" else "a")


def _typo(rng: random.Random, member_id: str) -> str:
    """A keying error: two adjacent characters swapped, or one character mistyped
    (0/O, 1/I, 5/S, 8/B look-alikes, or a neighbouring digit)."""
    look = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8"}
    chars = list(member_id)
    for _ in range(20):
        i = rng.randrange(len(chars))
        if rng.random() < 0.4 and i + 1 < len(chars) and chars[i] != chars[i + 1]:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        elif chars[i] in look:
            chars[i] = look[chars[i]]
        elif chars[i].isdigit():
            chars[i] = str((int(chars[i]) + rng.choice((1, 9))) % 10)
        elif chars[i].isalpha():
            chars[i] = rng.choice([c for c in MEMBER_LETTERS if c != chars[i]])
        else:
            continue
        if "".join(chars) != member_id:
            return "".join(chars)
    return member_id[::-1] if member_id[::-1] != member_id else member_id + "1"


def _dob_off(rng: random.Random, birth: date) -> date:
    """A date-of-birth keying error: month and day swapped, or one day or year off."""
    if birth.day <= 12 and birth.day != birth.month and rng.random() < 0.5:
        return birth.replace(month=birth.day, day=birth.month)
    if rng.random() < 0.5:
        return birth + timedelta(days=rng.choice((-1, 1)))
    return _years_before(birth, rng.choice((-1, 1)))


def _plant_flaw(rng: random.Random, cov: Coverage) -> Coverage:
    """The practice's record of ``cov`` with one data-entry error; ``flaw`` keeps what the
    payer has on file (the correct value), e.g. ``"member-id-typo: payer has XQK1234"``."""
    kind = rng.choice(FLAW_KINDS)
    sub = cov.subscriber
    if kind == "member-id-typo":
        return replace(
            cov,
            member_id=_typo(rng, cov.member_id),
            flaw=f"member-id-typo: payer has {cov.member_id}",
        )
    if kind == "subscriber-dob-off":
        wrong = _dob_off(rng, sub.birth_date)
        return replace(
            cov,
            subscriber=Subscriber(sub.first_name, sub.last_name, sub.sex, wrong, sub.address),
            flaw=f"subscriber-dob-off: payer has {sub.birth_date.isoformat()}",
        )
    if rng.random() < 0.7:
        wrong = Subscriber(
            sub.first_name, _misspell(rng, sub.last_name), sub.sex, sub.birth_date, sub.address
        )
        flaw = f"name-misspelled: payer has last name {sub.last_name}"
    else:
        wrong = Subscriber(
            _misspell(rng, sub.first_name), sub.last_name, sub.sex, sub.birth_date, sub.address
        )
        flaw = f"name-misspelled: payer has first name {sub.first_name}"
    return replace(cov, subscriber=wrong, flaw=flaw)


def make_coverages(
    fake: Faker,
    rng: random.Random,
    patient: Patient,
    *,
    on: date,
    plans: Mapping[str, Plan],
    payers: Mapping[str, Payer],
    plan_weights: Mapping[str, float],
    flaw_rate: float = 0.0,
    lapse_rate: float = 0.04,
) -> list[Coverage]:
    """The patient's coverage on ``on``: primary (order 1) and maybe secondary (order 2).

    Rules (simplified from the NAIC coordination-of-benefits model regulation and the
    Medicare Secondary Payer rules, 42 CFR 411 Subpart B):

    * The primary plan is drawn from ``plan_weights`` (the practice's payer mix, plan id
      -> weight) among plans active on ``on`` whose ``min_age``/``max_age`` fit; Medicare
      and Medicare Advantage only at 65 or older; employer plans are rare after 65;
      supplemental (Medigap) plans are never primary. A self-pay plan gives **no
      coverage** (an empty list): the patient pays.
    * Employer (commercial/HMO) plans: a child under 18 is a dependent (relationship 19)
      of a parent subscriber (a Faker adult, usually the same last name, same address);
      an adult 18-25 is sometimes still a parent's dependent (ACA: to age 26); an adult
      is sometimes covered as a spouse (01); otherwise self (18). Employer plans carry a
      group number. Medicare, Medicaid, MA, workers' comp and auto: the patient is the
      subscriber (18).
    * Secondary (COB): Medicare + Medigap, Medicaid (dual eligible) or a retiree plan;
      an employer plan + the spouse's plan (the patient's own plan first); a child with
      two parents' plans, ordered by the birthday rule; a working person over 65 with an
      employer plan first and Medicare second. Medicaid always pays last.
    * Dates: effective before ``on`` (first of a month; Medicare from the 65th-birthday
      month); a share ``lapse_rate`` of employer/Medicaid/MA coverages ends during the
      year after ``on``; a dependent's coverage ends at the end of the 26th-birthday month.
    * With probability ``flaw_rate`` the primary record has one data-entry flaw
      (:data:`FLAW_KINDS`): the record keeps the wrong value and ``Coverage.flaw`` the
      payer's, e.g. ``"member-id-typo: payer has XQK123456789"``.

    Member IDs are in the payer's ``member_id_format`` (an MBI for Medicare). Every choice
    comes from ``rng`` and the seeded ``fake``: same seeds, same coverage.
    """
    _ensure_provider(fake)
    age = patient.age_on(on)
    primary = _choose_primary(rng, age, on, plans, payers, plan_weights)
    if primary is None or _plan_kind(primary, payers) == "self-pay":
        return []
    kind = _plan_kind(primary, payers)

    # (plan, relationship, subscriber) in order of benefits
    chain: list[tuple[Plan, str, Subscriber]] = []
    if kind in _EMPLOYER:
        r = rng.random()
        if age < 18 or (age < 26 and r < 0.35):
            parent = _parent(fake, rng, patient)
            chain.append((primary, "19", parent))
            if rng.random() < 0.12:  # both parents cover the child
                other_sex = "M" if parent.sex == "F" else "F"
                other = _parent(fake, rng, patient, other_sex)
                second = _pick_plan_of_kind(
                    rng,
                    _EMPLOYER,
                    age,
                    on,
                    plans,
                    payers,
                    plan_weights,
                    supplement=False,
                    exclude=primary.id,
                )
                if second is not None:
                    entries = [(primary, "19", parent), (second, "19", other)]
                    entries.sort(key=lambda e: _birthday_key(e[2]))
                    chain = entries
        elif 18 <= age < 65 and r < 0.30:
            chain.append((primary, "01", _spouse(fake, rng, patient, on)))
        else:
            chain.append((primary, "18", _self(patient)))
            if age < 65 and rng.random() < 0.10:  # also on the spouse's plan
                second = _pick_plan_of_kind(
                    rng,
                    _EMPLOYER,
                    age,
                    on,
                    plans,
                    payers,
                    plan_weights,
                    supplement=False,
                    exclude=primary.id,
                )
                if second is not None:
                    chain.append((second, "01", _spouse(fake, rng, patient, on)))
            elif age >= 65 and rng.random() < 0.5:  # working aged: Medicare pays second
                medicare = _pick_plan_of_kind(
                    rng, {"medicare"}, age, on, plans, payers, plan_weights
                )
                if medicare is not None:
                    chain.append((medicare, "18", _self(patient)))
    elif kind == "medicare":
        chain.append((primary, "18", _self(patient)))
        r = rng.random()
        second = None
        if r < 0.28:
            second = _pick_plan_of_kind(
                rng, _EMPLOYER, age, on, plans, payers, plan_weights, supplement=True
            )
        elif r < 0.36:
            second = _pick_plan_of_kind(rng, {"medicaid"}, age, on, plans, payers, plan_weights)
        elif r < 0.42:  # a retiree group plan
            second = _pick_plan_of_kind(
                rng, _EMPLOYER, age, on, plans, payers, plan_weights, supplement=False
            )
        if second is not None:
            chain.append((second, "18", _self(patient)))
    else:  # medicaid, medicare-advantage, workers-comp, auto
        chain.append((primary, "18", _self(patient)))

    coverages: list[Coverage] = []
    ids_by_subscriber: dict[tuple[str, str, str], str] = {}
    for order, (plan, rel, sub) in enumerate(chain, start=1):
        pkind = _plan_kind(plan, payers)
        payer = payers[plan.payer_id]
        key = (plan.payer_id, sub.first_name, sub.birth_date.isoformat())
        member_id = ids_by_subscriber.get(key) or fake.member_id(payer.member_id_format)
        ids_by_subscriber[key] = member_id
        employer = (pkind in _EMPLOYER and not _secondary_only(plan)) or pkind == "workers-comp"
        group = fake.group_number() if employer else ""
        effective = _effective(rng, pkind, plan, patient, on)
        termination = plan.termination
        if pkind in _EMPLOYER | {"medicaid", "medicare-advantage"} and rng.random() < lapse_rate:
            lapse = on + timedelta(days=rng.randint(30, 330))
            termination = min(lapse, termination) if termination else lapse
        if rel == "19" and age >= 25:
            aged_out = _last_of_month(_years_after(patient.birth_date, 26))
            if aged_out >= on:
                termination = min(aged_out, termination) if termination else aged_out
        coverages.append(
            Coverage(
                id=f"{patient.id}-C{order}",
                patient_id=patient.id,
                plan_id=plan.id,
                payer_id=plan.payer_id,
                member_id=member_id,
                group_number=group,
                order=order,
                relationship=rel,
                subscriber=sub,
                effective=effective,
                termination=termination,
            )
        )
    if coverages and rng.random() < flaw_rate:
        coverages[0] = _plant_flaw(rng, coverages[0])
    return coverages
