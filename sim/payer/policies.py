"""Payer policies as data: ``sim/payer/data/policies.yaml`` read into one :class:`Policy` per plan.

The YAML (schema ``sim/schemas/policies.schema.json``) gives ``defaults`` that every plan
takes, named ``rule_sets`` (necessity lists, frequency limits, exclusions) and, per plan id
of ``sim/data/payers.yaml``, the keys that differ. Loading, in order:

1. parse and validate against the schema (``sim._yaml``: one-line ``file:line`` errors);
2. merge each plan over the defaults;
3. cross-check: plan ids exist in payers.yaml, rule-set names exist, every CPT/HCPCS code
   is in the code sets, every ICD-10-CM prefix exists, every CARC/RARC is in
   ``codesets.adjustments``, fee tables exist and parse (``file:line`` errors too);
4. build the frozen :class:`Policy` with per-code lookup dicts (fast at adjudication time).

Benefit amounts (deductible, copays, coinsurance, out-of-pocket maximum, timely filing,
prior-auth codes) stay on :class:`sim.models.Plan`; a Policy holds the payer's rules.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from codesets import adjustments, cpt, hcpcs, icd10cm
from sim._yaml import ContentError, line_of, parse, validate

__all__ = [
    "DATA_DIR",
    "POLICIES_FILE",
    "AdjSpec",
    "ErrorSpec",
    "FrequencyRule",
    "NecessityRule",
    "Policy",
    "load_policies",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
POLICIES_FILE = DATA_DIR / "policies.yaml"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class AdjSpec:
    """The adjustment a rule produces: group code, CARC and usual RARCs."""

    group: str
    carc: str
    rarcs: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return f"{self.group}-{self.carc}"


@dataclass(frozen=True)
class NecessityRule:
    """An LCD/NCD-shaped rule: these procedure codes need one of these diagnosis prefixes."""

    id: str
    name: str
    codes: tuple[str, ...]
    prefixes: tuple[str, ...]  # ICD-10-CM without dots, e.g. "E55", "N183"

    def supports(self, diagnoses: tuple[str, ...]) -> bool:
        """True when any diagnosis (with or without its dot) starts with a listed prefix."""
        return any(d.replace(".", "").startswith(self.prefixes) for d in diagnoses)


@dataclass(frozen=True)
class FrequencyRule:
    """At most one of ``codes`` per period (``rolling-months`` or ``calendar-year``)."""

    id: str
    name: str
    codes: tuple[str, ...]
    period: str
    months: int = 12


@dataclass(frozen=True)
class ExclusionRule:
    """Services the plan does not cover at all (statutory or plan exclusions)."""

    id: str
    name: str
    codes: tuple[str, ...]
    adjustment: AdjSpec


@dataclass(frozen=True)
class ErrorSpec:
    """A mistake the payer makes on purpose (rarely) and the documents that cure it on appeal."""

    adjustment: AdjSpec
    cures: tuple[str, ...]
    why: str


@dataclass(frozen=True)
class Policy:
    """How one plan adjudicates (see the module docstring and policies.yaml)."""

    plan_id: str
    fee_basis: str
    fee_multiplier: Decimal
    fee_table: dict[str, Decimal]  # merged fee_tables, the first table listing a code wins
    percent_of_charge: Decimal
    bundling: str
    bundling_adjustment: AdjSpec
    mue: bool
    mue_adjustment: AdjSpec
    necessity: str
    necessity_by_code: dict[str, NecessityRule]
    necessity_adjustment: AdjSpec
    excluded_by_code: dict[str, ExclusionRule]
    frequency_by_code: dict[str, FrequencyRule]
    frequency_adjustment: AdjSpec
    referral: str
    cost_share_order: tuple[str, ...]
    copay_only_visit: bool
    # code kinds (sim.world.code_kind) that take coinsurance; empty = every kind
    coinsurance_kinds: frozenset[str]
    no_cost_share_codes: frozenset[str]
    no_cost_share_kinds: frozenset[str]
    sequestration: Decimal
    days_to_pay: tuple[int, int]
    prompt_pay_days: int
    interest_rate: Decimal
    payer_error_rate: float
    payer_errors: tuple[ErrorSpec, ...]
    appeal_limit_days: int
    appeal_levels: tuple[str, ...]
    cob: str

    def codes(self) -> set[str]:
        """Every CPT/HCPCS code this policy names (for the all-codes-are-real test)."""
        out = set(self.fee_table) | set(self.necessity_by_code) | set(self.excluded_by_code)
        return out | set(self.frequency_by_code) | set(self.no_cost_share_codes)


# --- reading and errors -----------------------------------------------------------------------


def _err(name: str, node: Any, message: str, *path: Any) -> ContentError:
    line = line_of(node, *path)
    where = f"{name}:{line}" if line else name
    field = ""
    for part in path:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    return ContentError(f"{where}: field '{field or '(top level)'}': {message}")


def _code_known(code: str) -> bool:
    return cpt.lookup(code) is not None or hcpcs.lookup(code) is not None


@cache
def _read_fee_table(path: Path) -> dict[str, Decimal]:
    """A fee table CSV (code,amount[,note]); ContentError names file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{path.name}: cannot read fee table: {exc}") from None
    rows = csv.reader(text.splitlines())
    header = next(rows, None)
    if not header or header[:2] != ["code", "amount"]:
        raise ContentError(f"{path.name}:1: a fee table starts with the header code,amount")
    table: dict[str, Decimal] = {}
    for n, row in enumerate(rows, start=2):
        if not row:
            continue
        code = row[0].strip().upper()
        if not _code_known(code):
            raise ContentError(f"{path.name}:{n}: {code!r} is not a CPT or HCPCS code")
        try:
            amount = Decimal(row[1])
        except (IndexError, InvalidOperation):
            raise ContentError(f"{path.name}:{n}: amount of {code} is not a number") from None
        if amount < 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise ContentError(f"{path.name}:{n}: amount {row[1]} is not dollars and cents")
        if code in table:
            raise ContentError(f"{path.name}:{n}: {code} is listed twice")
        table[code] = amount.quantize(CENT)
    return table


def _adj(d: dict[str, Any], name: str, node: Any, *path: Any) -> AdjSpec:
    """An adjustment spec whose CARC and RARCs exist in codesets.adjustments."""
    if adjustments.carc(d["carc"]) is None:
        raise _err(name, node, f"CARC {d['carc']} is not in codesets.adjustments", *path)
    for r in d.get("rarcs", ()):
        if adjustments.rarc(r) is None:
            raise _err(name, node, f"RARC {r} is not in codesets.adjustments", *path)
    return AdjSpec(d["group"], d["carc"], tuple(d.get("rarcs", ())))


def _check_rule_sets(data: dict[str, Any], name: str, node: Any) -> None:
    """Every code and diagnosis prefix of every rule set exists in the code sets."""
    for set_name, rules in data.get("rule_sets", {}).items():
        for i, rule in enumerate(rules):
            where = ("rule_sets", set_name, i)
            for k, code in enumerate(rule["codes"]):
                if not _code_known(code):
                    msg = f"{code!r} is not a CPT or HCPCS code"
                    raise _err(name, node, msg, *where, "codes", k)
            for k, dx in enumerate(rule.get("diagnoses", ())):
                if not icd10cm.exists(dx):
                    msg = f"{dx!r} is not an ICD-10-CM code or category"
                    raise _err(name, node, msg, *where, "diagnoses", k)
            if "adjustment" in rule:
                _adj(rule["adjustment"], name, node, "rule_sets", set_name, i, "adjustment")


def _rules(
    merged: dict[str, Any], key: str, data: dict[str, Any], name: str, node: Any, plan: str
) -> list[dict[str, Any]]:
    out = []
    for set_name in merged.get(key, ()):
        if set_name not in data.get("rule_sets", {}):
            known = ", ".join(data.get("rule_sets", {}))
            raise _err(
                name, node, f"no rule set {set_name!r} (rule_sets: {known})", "plans", plan, key
            )
        out.extend(data["rule_sets"][set_name])
    return out


def _by_code(items: list[Any]) -> dict[str, Any]:
    return {code: item for item in items for code in item.codes}


def _build(
    plan_id: str, merged: dict[str, Any], data: dict[str, Any], name: str, node: Any, base: Path
) -> Policy:
    """One plan's Policy from its merged settings (defaults + plan keys)."""
    where = ("plans", plan_id)

    # fee tables: the first table that lists a code wins
    table: dict[str, Decimal] = {}
    for rel in merged.get("fee_tables", ()):
        path = base / rel
        if not path.is_file():
            raise _err(name, node, f"fee table {rel!r} not found next to {name}", *where)
        for code, amount in _read_fee_table(path).items():
            table.setdefault(code, amount)

    necessity = [
        NecessityRule(
            r["id"], r["name"], tuple(r["codes"]), tuple(d.replace(".", "") for d in r["diagnoses"])
        )
        for r in _rules(merged, "necessity_rules", data, name, node, plan_id)
    ]
    frequency = [
        FrequencyRule(r["id"], r["name"], tuple(r["codes"]), r["period"], r.get("months", 12))
        for r in _rules(merged, "frequency_limits", data, name, node, plan_id)
    ]
    excluded = [
        ExclusionRule(
            r["id"],
            r["name"],
            tuple(r["codes"]),
            _adj(r.get("adjustment", {"group": "CO", "carc": "204"}), name, node, *where),
        )
        for r in _rules(merged, "non_covered", data, name, node, plan_id)
    ]
    errors = tuple(
        ErrorSpec(_adj(e, name, node, *where, "payer_error"), tuple(e["cures"]), e["why"])
        for e in merged["payer_error"]["denials"]
    )
    ncs = merged.get("no_cost_share", {})
    for code in ncs.get("codes", ()):
        if not _code_known(code):
            raise _err(name, node, f"{code!r} is not a CPT or HCPCS code", *where, "no_cost_share")
    lo, hi = merged["days_to_pay"]
    if lo > hi:
        raise _err(name, node, f"days_to_pay {lo} is after {hi}", *where, "days_to_pay")
    return Policy(
        plan_id=plan_id,
        fee_basis=merged["fee_basis"],
        fee_multiplier=Decimal(str(merged["fee_multiplier"])),
        fee_table=table,
        percent_of_charge=Decimal(str(merged["percent_of_charge"])),
        bundling=merged["bundling"],
        bundling_adjustment=_adj(merged["bundling_adjustment"], name, node, *where),
        mue=merged["mue"],
        mue_adjustment=_adj(merged["mue_adjustment"], name, node, *where),
        necessity=merged["necessity"],
        necessity_by_code=_by_code(necessity),
        necessity_adjustment=_adj(
            merged.get("necessity_adjustment", {"group": "CO", "carc": "50", "rarcs": ["N115"]}),
            name,
            node,
            *where,
        ),
        excluded_by_code=_by_code(excluded),
        frequency_by_code=_by_code(frequency),
        frequency_adjustment=_adj(
            merged.get("frequency_adjustment", {"group": "CO", "carc": "119", "rarcs": ["N640"]}),
            name,
            node,
            *where,
        ),
        referral=merged["referral"],
        cost_share_order=tuple(merged["cost_share_order"]),
        copay_only_visit=merged["copay_only_visit"],
        coinsurance_kinds=frozenset(merged.get("coinsurance_kinds", ())),
        no_cost_share_codes=frozenset(ncs.get("codes", ())),
        no_cost_share_kinds=frozenset(ncs.get("kinds", ())),
        sequestration=Decimal(str(merged["sequestration"])),
        days_to_pay=(lo, hi),
        prompt_pay_days=merged["prompt_pay_days"],
        interest_rate=Decimal(str(merged["interest_rate"])),
        payer_error_rate=float(merged["payer_error"]["rate"]),
        payer_errors=errors,
        appeal_limit_days=merged["appeal"]["limit_days"],
        appeal_levels=tuple(merged["appeal"]["levels"]),
        cob=merged["cob"],
    )


REQUIRED_DEFAULTS = (
    "fee_basis",
    "fee_multiplier",
    "percent_of_charge",
    "bundling",
    "bundling_adjustment",
    "mue",
    "mue_adjustment",
    "necessity",
    "referral",
    "cost_share_order",
    "copay_only_visit",
    "sequestration",
    "days_to_pay",
    "prompt_pay_days",
    "interest_rate",
    "payer_error",
    "appeal",
    "cob",
)


def load_policies(path: Path | str | None = None, plans: Any = None) -> dict[str, Policy]:
    """Every plan's :class:`Policy`, by plan id, from ``path`` (default: the built-in file).

    ``plans`` (plan id -> Plan) is what plan ids are checked against (default:
    ``sim.world.load_payers()``). A plan of payers.yaml that the file does not list gets the
    defaults. Raises :class:`~sim._yaml.ContentError` (one line: file, line, field).
    """
    p = Path(path) if path is not None else POLICIES_FILE
    return dict(_load(p.resolve(), None if plans is None else tuple(sorted(plans))))


@cache
def _load(p: Path, plan_ids: tuple[str, ...] | None) -> tuple[tuple[str, Policy], ...]:
    # 1. parse + schema
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{p.name}: cannot read: {exc}") from None
    data, node = parse(text, p.name)
    validate(data, node, "policies", p.name)
    missing = [k for k in REQUIRED_DEFAULTS if k not in data["defaults"]]
    if missing:
        raise _err(p.name, node, f"defaults lack {', '.join(missing)}", "defaults")
    # 2. the plans the policies may name
    if plan_ids is None:
        from sim import world

        plan_ids = tuple(sorted(world.load_payers()[1]))
    for plan_id in data["plans"]:
        if plan_id not in plan_ids:
            raise _err(p.name, node, f"no plan {plan_id!r} in payers.yaml", "plans", plan_id)
    # 3. code checks of the shared rule sets, then 4. one Policy per plan
    _check_rule_sets(data, p.name, node)
    out = []
    for plan_id in plan_ids:
        merged = {**data["defaults"], **data["plans"].get(plan_id, {})}
        out.append((plan_id, _build(plan_id, merged, data, p.name, node, p.parent)))
    return tuple(out)
