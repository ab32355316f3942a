"""Payer behaviours picked by NAME from the policy data (``fee_basis: pfs-multiplier``...).

Each registry maps a name of ``policies.yaml`` to one small function; adding a behaviour is
one function plus one registry entry (and the name in the schema's enum).

* :data:`FEE_BASES` — the allowed amount of one unit of a code (``None``: not priced here);
* :data:`BUNDLERS` — which lines of a claim are bundled into another (NCCI PTP) or over the
  units a payer accepts (MUE);
* :data:`NECESSITY` — whether the diagnoses a line points to support it;
* :data:`REFERRALS` — whether a visit needs a referral the claim does not carry.

Lookups are cached per policy and code so that adjudication stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from codesets import ncci, pfs
from sim.payer.policies import NecessityRule, Policy

CENT = Decimal("0.01")

# --- fee basis ------------------------------------------------------------------------------

_PRICE_CACHE: dict[tuple[Any, ...], Decimal | None] = {}


def _pfs_unit(code: str, mods: tuple[str, ...], locality: str, setting: str) -> Decimal | None:
    """The PFS amount of one unit at ``locality``: with the line's modifiers, else without
    them; a code Medicare does not pay but that has RVUs (status N, e.g. preventive visits)
    at RVUs x conversion factor, as commercial payers price it; None when unpriced."""
    key = ("pfs", code, mods, locality, setting)
    if key in _PRICE_CACHE:
        return _PRICE_CACHE[key]
    amount: Decimal | None = None
    for attempt in (mods, ()):
        try:
            amount = pfs.allowed_amount(code, attempt, locality=locality, setting=setting)
            break
        except pfs.PFSError:
            continue
    if amount is None:
        row = pfs.rvu(code)
        if row is not None and row.status == "N":
            pe = row.fac_pe if (setting == "facility" or row.nonfac_na) else row.nonfac_pe
            amount = ((row.work + pe + row.mp) * row.conversion_factor).quantize(CENT)
    if amount is not None and amount <= 0:
        amount = None
    _PRICE_CACHE[key] = amount
    return amount


def _scaled(amount: Decimal | None, policy: Policy) -> Decimal | None:
    if amount is None:
        return None
    return (amount * policy.fee_multiplier).quantize(CENT, ROUND_HALF_UP)


def fee_pfs_multiplier(
    policy: Policy, code: str, mods: tuple[str, ...], locality: str, setting: str
) -> Decimal | None:
    """Medicare PFS x ``fee_multiplier`` at the practice's locality, then the fee tables."""
    amount = _scaled(_pfs_unit(code, mods, locality, setting), policy)
    return amount if amount is not None else policy.fee_table.get(code)


def fee_table(
    policy: Policy, code: str, mods: tuple[str, ...], locality: str, setting: str
) -> Decimal | None:
    """The plan's contracted fee tables first, then Medicare PFS x ``fee_multiplier``."""
    amount = policy.fee_table.get(code)
    return (
        amount if amount is not None else _scaled(_pfs_unit(code, mods, locality, setting), policy)
    )


def fee_percent_of_charge(
    policy: Policy, code: str, mods: tuple[str, ...], locality: str, setting: str
) -> Decimal | None:
    """No schedule: the caller allows ``percent_of_charge`` of the billed charge."""
    return None


FEE_BASES: dict[str, Callable[..., Decimal | None]] = {
    "pfs-multiplier": fee_pfs_multiplier,
    "fee-table": fee_table,
    "percent-of-charge": fee_percent_of_charge,
}


def unit_price(
    policy: Policy, code: str, mods: tuple[str, ...], locality: str, setting: str
) -> Decimal | None:
    """The allowed amount of one unit under the policy's fee basis (cached)."""
    key = (policy.plan_id, code, mods, locality, setting)
    try:
        return _PRICE_CACHE[key]
    except KeyError:
        found = FEE_BASES[policy.fee_basis](policy, code, mods, locality, setting)
        _PRICE_CACHE[key] = found
        return found


# --- bundling (NCCI PTP) and units (MUE) -------------------------------------------------------

_PTP_CACHE: dict[tuple[Any, ...], Any] = {}


def _verdict(a: str, b: str, ma: tuple[str, ...], mb: tuple[str, ...], day: str) -> Any:
    key = (a, b, ma, mb, day[:4])
    try:
        return _PTP_CACHE[key]
    except KeyError:
        found = _PTP_CACHE[key] = ncci.check_pair(a, b, ma, mb, date_of_service=day)
        return found


def bundle_ncci(lines: Sequence[Any]) -> list[tuple[int, str]]:
    """``(line index, reason)`` for every line that an NCCI PTP edit bundles into another
    line of the same date (the column 2 code is denied unless a modifier bypasses the edit;
    NCCI Policy Manual, Chapter I)."""
    out: list[tuple[int, str]] = []
    denied: set[int] = set()
    for i in range(len(lines)):
        a = lines[i]
        for j in range(i + 1, len(lines)):
            b = lines[j]
            if a.day != b.day or i in denied or j in denied:
                continue
            v = _verdict(a.code, b.code, a.mods, b.mods, a.day)
            if v is None or v.allowed:
                continue
            k = i if v.denied_code == a.code else j
            denied.add(k)
            out.append((k, v.reason))
    return out


def bundle_none(lines: Sequence[Any]) -> list[tuple[int, str]]:
    """The plan does not apply procedure-to-procedure edits."""
    return []


BUNDLERS: dict[str, Callable[[Sequence[Any]], list[tuple[int, str]]]] = {
    "ncci": bundle_ncci,
    "none": bundle_none,
}


def mue_excess(lines: Sequence[Any]) -> list[tuple[int, str]]:
    """``(line index, reason)`` for lines over the practitioner MUE: MAI 1 per line, MAI 2/3
    per date of service over all lines of the code (NCCI Policy Manual, Chapter I, MUEs)."""
    out: list[tuple[int, str]] = []
    per_day: dict[tuple[str, str], int] = {}
    for i, ln in enumerate(lines):
        edit = ncci.mue(ln.code)
        if edit is None or edit.value == 0:
            # An MUE of 0 marks a service Medicare does not pay at all (e.g. preventive
            # visits): that is a coverage question (step 7), not a units limit.
            continue
        if edit.mai == 1:
            if ln.units > edit.value:
                out.append(
                    (i, f"{ln.units} units of {ln.code} on one line; the MUE is {edit.value}")
                )
            continue
        key = (ln.code, ln.day)
        total = per_day.get(key, 0) + ln.units
        per_day[key] = total
        if total > edit.value:
            out.append(
                (
                    i,
                    f"{total} units of {ln.code} on {ln.day}; "
                    f"the date-of-service MUE is {edit.value}",
                )
            )
    return out


# --- medical necessity ---------------------------------------------------------------------


def necessity_lcd(policy: Policy, code: str, dx: tuple[str, ...]) -> NecessityRule | None:
    """The LCD-style rule the line fails, or None (no rule for the code, or a pointed
    diagnosis supports it)."""
    rule = policy.necessity_by_code.get(code)
    if rule is None or rule.supports(dx):
        return None
    return rule


def necessity_none(policy: Policy, code: str, dx: tuple[str, ...]) -> NecessityRule | None:
    return None


NECESSITY: dict[str, Callable[[Policy, str, tuple[str, ...]], NecessityRule | None]] = {
    "lcd": necessity_lcd,
    "none": necessity_none,
}

# --- referrals -----------------------------------------------------------------------------

#: NUCC taxonomy codes of primary care (family/general/internal medicine, pediatrics,
#: geriatrics, and NPs/PAs in those fields): a gatekeeper HMO's PCPs need no referral.
PRIMARY_CARE_TAXONOMIES = frozenset(
    {
        "207Q00000X",
        "208D00000X",
        "207R00000X",
        "208000000X",
        "207QG0300X",
        "363LF0000X",
        "363LP0200X",
        "363LA2200X",
        "363LP2300X",
        "363A00000X",
    }
)


def referral_gatekeeper(claim: Any, visit_type: str, needs_for: Sequence[str]) -> str | None:
    """Why a referral is missing, or None: a visit of a type in ``referral_required_for`` by
    a provider who is not primary care, with no referral number and no referring provider."""
    if visit_type not in needs_for or claim.referral_number or claim.referring is not None:
        return None
    taxonomy = claim.rendering.taxonomy if claim.rendering else ""
    if taxonomy in PRIMARY_CARE_TAXONOMIES:
        return None
    return (
        f"a {visit_type} visit with a non-primary-care provider (taxonomy {taxonomy}) needs a "
        "referral from the member's PCP; the claim has no referral number or referring provider"
    )


def referral_none(claim: Any, visit_type: str, needs_for: Sequence[str]) -> str | None:
    return None


REFERRALS: dict[str, Callable[[Any, str, Sequence[str]], str | None]] = {
    "pcp-gatekeeper": referral_gatekeeper,
    "none": referral_none,
}
