"""Exercise generators: an :class:`~exercises.model.Exercise` made from the simulator with
a seed (DESIGN.md, "Exercise files"). Deterministic: the same name, seed and options give
the same exercise. Ids are ``gen-<short kind>-<seed>``.

``GENERATORS`` maps a name to a function ``(seed, **options) -> Exercise``; one module per
generator family (``coding``, ``claim_form``). To add one, write its module and register it
here. Built so far:

* ``diagnosis-coding``, ``procedure-coding``, ``full-encounter`` — code a generated note
  (options ``specialty=``, ``scenario=``);
* ``claim-form`` — fill the CMS-1500 for a generated, insured encounter (same options);
* ``eligibility`` — benefits math for one visit, keyed by the payer engine (``plan=``);
* ``denial-analysis`` — CARC, cause and next step of a denial (``cause=``);
* ``payment-posting`` — post a paid claim from its 835 (``specialty=``, ``scenario=``);
* ``appeal`` — grounds, attachments and letter for a wrongful denial (``case=``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from exercises.generators import appeal, claim_form, coding, denial, eligibility, posting
from exercises.model import Exercise

Generator = Callable[..., Exercise]

GENERATORS: dict[str, Generator] = {
    "diagnosis-coding": coding.diagnosis_coding,
    "procedure-coding": coding.procedure_coding,
    "full-encounter": coding.full_encounter,
    "claim-form": claim_form.claim_form,
    "eligibility": eligibility.eligibility,
    "denial-analysis": denial.denial_analysis,
    "payment-posting": posting.payment_posting,
    "appeal": appeal.appeal,
}


def names() -> list[str]:
    """The generator names, sorted."""
    return sorted(GENERATORS)


def generate(name: str, seed: int, **options: Any) -> Exercise:
    """The exercise generator ``name`` makes from ``seed``; ValueError for an unknown
    name, a seed that is not a whole number >= 0, or an unknown option/specialty/scenario."""
    if name not in GENERATORS:
        raise ValueError(f"unknown generator {name!r}; available: {', '.join(names())}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed {seed!r} is not a whole number >= 0")
    return GENERATORS[name](seed, **options)
