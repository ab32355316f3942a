"""The simulated world as data: the practice (providers, locations, fees) and the payers.

Content lives in YAML beside this module and is validated when it is loaded (DESIGN.md:
"clinical and payer content is data, not code"):

* ``sim/data/payers.yaml`` — payers and their benefit plans
  (schema ``sim/schemas/payers.schema.json``);
* ``sim/data/practices/<name>.yaml`` — the built-in practices, or any practice file of
  the same shape (schema ``sim/schemas/practice.schema.json``; docs/onboarding.md).

After the schema, the cross-references are checked: plan -> payer, payer_mix plan ids,
scenario specialties, NPI check digits, the PFS locality, place-of-service codes, fee and
prior-auth codes in the code sets. Every problem is one :class:`~sim._yaml.ContentError`
line naming the file, the line and the field::

    my-practice.yaml:31: field 'providers[1].npi': '1234567890' fails the NPI check digit ...

Money is :class:`~decimal.Decimal`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from codesets import cpt, hcpcs, pfs, pos
from sim import people
from sim._yaml import ContentError, line_of, parse, schema, validate
from sim.models import Address, Location, Payer, Plan, Practice, Provider

__all__ = [
    "DEFAULT_FALLBACK",
    "PAYERS_FILE",
    "PRACTICE_DIR",
    "builtin_practices",
    "charge_for",
    "code_kind",
    "load_payers",
    "load_practice",
    "specialties",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
PAYERS_FILE = DATA_DIR / "payers.yaml"
PRACTICE_DIR = DATA_DIR / "practices"
CENT = Decimal("0.01")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Fees by kind of code for a practice built without ``fallback_fees`` (dollars).
DEFAULT_FALLBACK: dict[str, Decimal] = {
    "lab": Decimal("38.00"),
    "drug": Decimal("12.00"),
    "vaccine": Decimal("65.00"),
    "supply": Decimal("25.00"),
    "other": Decimal("150.00"),
}

# The filing indicator a payer of each kind must use (837P SBR09), where it is fixed.
_KIND_INDICATOR = {
    "medicare": "MB",
    "medicaid": "MC",
    "medicare-advantage": "16",
    "workers-comp": "WC",
    "auto": "AM",
    "self-pay": "ZZ",
}


# --- reading and errors ---------------------------------------------------------------------


def _where(name: str, node: yaml.Node | None, *path: Any) -> str:
    line = line_of(node, *path)
    return f"{name}:{line}" if line else name


def _field(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _err(name: str, node: yaml.Node | None, message: str, *path: Any) -> ContentError:
    return ContentError(f"{_where(name, node, *path)}: field '{_field(path)}': {message}")


def _read(path: Path, schema_name: str) -> tuple[Any, yaml.Node | None, str]:
    """Read, parse and validate a YAML file; a number where text is expected gets a hint."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path.name}: cannot read: {exc}") from None
    data, node = parse(text, path.name)
    try:
        validate(data, node, schema_name, path.name)
    except ContentError as exc:
        msg = str(exc)
        if "is not of type 'string'" in msg:
            msg += " (write it in quotes: YAML reads an unquoted number as a number)"
            raise ContentError(msg) from None
        raise
    return data, node, path.name


def _money(value: Any, name: str, node: yaml.Node | None, *path: Any) -> Decimal:
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        raise _err(name, node, f"{value!r} is not an amount", *path) from None
    if d.as_tuple().exponent < -2:  # type: ignore[operator]
        raise _err(name, node, f"{value} has more than two decimals (cents)", *path)
    return d.quantize(CENT)


def _date(value: Any, name: str, node: yaml.Node | None, *path: Any) -> date:
    if isinstance(value, datetime):
        raise _err(name, node, f"{value} has a time; write a date YYYY-MM-DD", *path)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _err(name, node, f"{value!r} is not a date YYYY-MM-DD", *path)


def _code_known(code: str) -> bool:
    return cpt.exists(code) or hcpcs.exists(code)


def _address(d: dict[str, Any]) -> Address:
    return Address(d["line1"], d["city"], d["state"], d["zip"], d.get("line2", ""))


@cache
def specialties() -> tuple[str, ...]:
    """The scenario specialties (the ``specialty`` enum of the scenario schema)."""
    return tuple(schema("scenario")["properties"]["specialty"]["enum"])


# --- payers and plans -----------------------------------------------------------------------


def _ssn_shaped(fmt: str) -> bool:
    """A member-ID format that could produce an SSN look-alike (9 digits, NNN-NN-NNNN)."""
    digitish = fmt.replace("A", "9")
    return digitish == "9" * 9 or digitish == "999-99-9999"


def load_payers(path: Path | str | None = None) -> tuple[dict[str, Payer], dict[str, Plan]]:
    """Payers and plans from ``payers.yaml`` (default: ``sim/data/payers.yaml``).

    Returns ``(payers by id, plans by id)``. Raises :class:`ContentError` (file, line,
    field) for a schema violation, a duplicate id, a plan naming an unknown payer, a
    Medicare payer not filing MB with MBIs, an SSN-shaped member-ID format, a bad date or
    age range, or a ``rules`` code list (``prior_auth_codes``, ``*_codes``) naming a code
    that is not in the code sets.
    """
    p = Path(path) if path else PAYERS_FILE
    data, node, name = _read(p, "payers")
    payers: dict[str, Payer] = {}
    for i, d in enumerate(data["payers"]):
        pid = d["id"]
        if pid in payers:
            raise _err(name, node, f"payer id {pid!r} is used twice", "payers", i, "id")
        fixed = _KIND_INDICATOR.get(d["kind"])
        if fixed and d["filing_indicator"] != fixed:
            raise _err(
                name,
                node,
                f"a {d['kind']} payer files with indicator {fixed}, not {d['filing_indicator']}",
                "payers",
                i,
                "filing_indicator",
            )
        fmt = d["member_id_format"]
        if (d["kind"] == "medicare") != (fmt == "MBI"):
            raise _err(
                name,
                node,
                "Medicare (and only Medicare) uses member_id_format MBI",
                "payers",
                i,
                "member_id_format",
            )
        if _ssn_shaped(fmt):
            raise _err(
                name,
                node,
                f"{fmt!r} could produce an SSN look-alike; add a letter or a digit",
                "payers",
                i,
                "member_id_format",
            )
        payers[pid] = Payer(
            id=pid,
            name=d["name"],
            kind=d["kind"],
            payer_id=d["payer_id"],
            filing_indicator=d["filing_indicator"],
            member_id_format=fmt,
            address=_address(d["address"]),
        )
    plans: dict[str, Plan] = {}
    for i, d in enumerate(data["plans"]):
        where = ("plans", i)
        plan_id = d["id"]
        if plan_id in plans:
            raise _err(name, node, f"plan id {plan_id!r} is used twice", *where, "id")
        if d["payer"] not in payers:
            raise _err(
                name,
                node,
                f"no payer {d['payer']!r} in this file; payers: {', '.join(payers)}",
                *where,
                "payer",
            )
        kind = payers[d["payer"]].kind
        effective = _date(d["effective"], name, node, *where, "effective")
        term = d.get("termination")
        termination = _date(term, name, node, *where, "termination") if term is not None else None
        if termination is not None and termination < effective:
            raise _err(name, node, "termination is before effective", *where, "termination")
        lo, hi = d.get("min_age", 0), d.get("max_age", 120)
        if lo > hi:
            raise _err(name, node, f"min_age {lo} is above max_age {hi}", *where, "min_age")
        if kind in ("medicare", "medicare-advantage") and lo < 65:
            raise _err(
                name,
                node,
                "a Medicare plan needs min_age 65 (entitlement by age)",
                *where,
                "min_age",
            )
        rules = d.get("rules", {}) or {}
        for key, value in rules.items():
            if key == "prior_auth_codes" or key.endswith("_codes"):
                if not isinstance(value, list):
                    raise _err(name, node, "expected a list of codes", *where, "rules", key)
                for j, code in enumerate(value):
                    if not isinstance(code, str) or not _code_known(code):
                        raise _err(
                            name,
                            node,
                            f"{code!r} is not a CPT or HCPCS code",
                            *where,
                            "rules",
                            key,
                            j,
                        )
        copays = {k: _money(v, name, node, *where, "copays", k) for k, v in d["copays"].items()}
        oop = d["oop_max"]
        plans[plan_id] = Plan(
            id=plan_id,
            payer_id=d["payer"],
            name=d["name"],
            type=d["type"],
            copays=copays,
            deductible=_money(d["deductible"], name, node, *where, "deductible"),
            coinsurance=Decimal(str(d["coinsurance"])),
            oop_max=_money(oop, name, node, *where, "oop_max") if oop is not None else None,
            effective=effective,
            termination=termination,
            requires_referral=bool(d.get("requires_referral", False)),
            requires_pcp=bool(d.get("requires_pcp", False)),
            min_age=lo,
            max_age=hi,
            rules=dict(rules),
        )
    return payers, plans


# --- practices --------------------------------------------------------------------------------


def builtin_practices() -> list[str]:
    """The names of the built-in practices (``sim/data/practices/*.yaml``)."""
    return sorted(p.stem for p in PRACTICE_DIR.glob("*.yaml"))


def _practice_path(name_or_path: str | Path) -> Path:
    if isinstance(name_or_path, Path):
        return name_or_path
    s = str(name_or_path)
    if s.endswith((".yaml", ".yml")) or "/" in s or "\\" in s:
        return Path(s)
    if s not in builtin_practices():
        raise ContentError(
            f"unknown practice {s!r}; available: {', '.join(builtin_practices())} "
            "(or the path of a practice .yaml file)"
        )
    return PRACTICE_DIR / f"{s}.yaml"


def load_practice(name_or_path: str | Path, *, plans: dict[str, Plan] | None = None) -> Practice:
    """A practice by built-in name (:func:`builtin_practices`) or from a YAML file.

    ``plans`` are the plans that ``payer_mix`` may name (default: :func:`load_payers`).
    Raises :class:`ContentError` naming file, line and field for a schema violation or a
    failed cross-check: an NPI whose check digit is wrong or an NPI used twice, a TIN
    prefix the IRS does not assign, an unknown specialty, PFS locality, POS code, plan id
    or fee code, a fee with fractions of a cent. An unknown built-in name lists the
    available ones.
    """
    path = _practice_path(name_or_path)
    data, node, name = _read(path, "practice")
    if plans is None:
        plans = load_payers()[1]

    def npi_ok(value: str, *where: Any) -> None:
        if not people.is_valid_npi(value):
            expected = people.luhn_check_digit(people.NPI_PREFIX + value[:9])
            raise _err(
                name,
                node,
                f"{value!r} fails the NPI check digit (the Luhn digit over 80840 + the first "
                f"9 digits is {expected}, not {value[9]})",
                *where,
            )

    npi_ok(data["npi"], "npi")
    if data["tin"][:2] not in people.EIN_PREFIXES:
        raise _err(name, node, f"{data['tin'][:2]} is not an EIN prefix the IRS assigns", "tin")
    try:
        pfs.gpci(data["locality"])
    except pfs.PFSError:
        raise _err(
            name,
            node,
            f"{data['locality']!r} is not a Medicare PFS locality (see codesets.pfs.localities())",
            "locality",
        ) from None

    known = specialties()
    seen_npis = {data["npi"]: "npi"}
    providers = []
    for i, d in enumerate(data["providers"]):
        npi_ok(d["npi"], "providers", i, "npi")
        if d["npi"] in seen_npis:
            raise _err(
                name,
                node,
                f"NPI {d['npi']} is also used by {seen_npis[d['npi']]}",
                "providers",
                i,
                "npi",
            )
        seen_npis[d["npi"]] = f"providers[{i}]"
        if d["specialty"] not in known:
            raise _err(
                name,
                node,
                f"unknown specialty {d['specialty']!r}; known: {', '.join(known)}",
                "providers",
                i,
                "specialty",
            )
        fields = ("npi", "first_name", "last_name", "credential", "specialty", "taxonomy")
        providers.append(Provider(*(d[f] for f in fields)))

    locations = []
    for i, d in enumerate(data["locations"]):
        if any(loc.id == d["id"] for loc in locations):
            raise _err(name, node, f"location id {d['id']!r} is used twice", "locations", i, "id")
        place = pos.lookup(d["pos"])
        if place is None or not place.assigned:
            raise _err(
                name,
                node,
                f"{d['pos']!r} is not an assigned CMS place-of-service code",
                "locations",
                i,
                "pos",
            )
        locations.append(Location(d["id"], d["name"], _address(d["address"]), d["pos"]))

    charges = data["charges"]
    fees: dict[str, Decimal] = {}
    for code, amount in charges["fees"].items():
        if not _code_known(code):
            raise _err(name, node, f"{code!r} is not a CPT or HCPCS code", "charges", "fees", code)
        fees[code] = _money(amount, name, node, "charges", "fees", code)
    fallback = {
        k: _money(v, name, node, "charges", "fallback", k) for k, v in charges["fallback"].items()
    }

    for plan_id in data["payer_mix"]:
        if plan_id not in plans:
            raise _err(
                name,
                node,
                f"no plan {plan_id!r} in payers.yaml; plans: {', '.join(plans)}",
                "payer_mix",
                plan_id,
            )
    for spec in data["specialty_mix"]:
        if spec not in known:
            raise _err(
                name,
                node,
                f"unknown specialty {spec!r}; known: {', '.join(known)}",
                "specialty_mix",
                spec,
            )

    days = data.get("clinic_days", ["mon", "tue", "wed", "thu", "fri"])
    return Practice(
        id=data["id"],
        name=data["name"],
        tin=data["tin"],
        npi=data["npi"],
        taxonomy=data["taxonomy"],
        address=_address(data["address"]),
        phone=data["phone"],
        providers=tuple(providers),
        locations=tuple(locations),
        charges=fees,
        payer_mix={k: float(v) for k, v in data["payer_mix"].items()},
        specialty_mix={k: float(v) for k, v in data["specialty_mix"].items()},
        clinic_days=tuple(sorted(DAYS.index(d) for d in days)),
        visits_per_provider_day=data.get("visits_per_provider_day", 20),
        locality=data["locality"],
        charge_multiplier=Decimal(str(charges["multiplier"])),
        fallback_fees=fallback,
    )


# --- the charge master --------------------------------------------------------------------------


def code_kind(code: str) -> str:
    """The fee-fallback kind of a code: ``lab`` (CPT 80047-89398, PLA ``####U``, HCPCS P
    codes and Level II codes whose BETOS category is a lab test, T1*), ``drug`` (HCPCS J
    codes), ``vaccine`` (CPT 90476-90759), ``supply`` (HCPCS A, E, L codes) or ``other``."""
    c = code.strip().upper()
    if c.isdigit() and len(c) == 5:
        n = int(c)
        if 80047 <= n <= 89398:
            return "lab"
        if 90476 <= n <= 90759:
            return "vaccine"
        return "other"
    if len(c) == 5 and c[:4].isdigit() and c[4] == "U":
        return "lab"
    head = c[:1]
    if head == "J":
        return "drug"
    if head in ("A", "E", "L"):
        return "supply"
    if head == "P":
        return "lab"
    found = hcpcs.lookup(c)
    if found is not None and (found.betos or "").startswith("T1"):
        return "lab"
    return "other"


@cache
def _pfs_amount(code: str) -> Decimal | None:
    """The PFS national non-facility amount of a code, or None.

    A code paid under the PFS (status A/R/T) gets its allowed amount. A code that
    Medicare does not pay but for which CMS publishes RVUs (e.g. the preventive visits
    99381-99397, status N) gets RVUs x conversion factor, as practices price them.
    """
    try:
        amount = pfs.allowed_amount(code, locality="national", setting="non-facility")
    except pfs.PFSError:
        row = pfs.rvu(code)
        if row is None or row.status == "C":
            return None
        pe = row.fac_pe if row.nonfac_na else row.nonfac_pe
        total = row.work + pe + row.mp
        amount = (total * row.conversion_factor).quantize(CENT)
    return amount if amount > 0 else None


def charge_for(practice: Practice, code: str) -> Decimal:
    """The practice's charge for one unit of ``code`` (multiply by the line's units).

    1. the explicit fee of the charge master (``charges.fees``), else
    2. the Medicare PFS national non-facility amount x ``charges.multiplier``, rounded up
       to whole dollars, else
    3. the fallback fee by kind (:func:`code_kind`): lab, drug (per J-code unit), vaccine,
       supply, other.
    """
    c = code.strip().upper()
    fee = practice.charges.get(c)
    if fee is not None:
        return fee
    amount = _pfs_amount(c)
    if amount is not None:
        whole = (amount * practice.charge_multiplier).to_integral_value(rounding=ROUND_CEILING)
        return whole.quantize(CENT)
    kind = code_kind(c)
    return practice.fallback_fees.get(kind) or DEFAULT_FALLBACK[kind]
