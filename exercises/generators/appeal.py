"""The ``appeal`` generator: appeal a wrongful denial with the right grounds and documents.

A claim is denied wrongly (seeded, or ``case=``): a payer processing error (CO-97 with
nothing to bundle it into), CO-197 when the authorization had been obtained, CO-50 when
the medical record documents a covered diagnosis, or CO-29 when proof of timely filing
exists. The key names the grounds and attachments (:data:`exercises.check.appeal.GROUNDS`
/ ``ATTACHMENTS``) and what the letter must mention (payer claim number, patient, date of
service, the CARC); the generator verifies with :func:`sim.payer.followup.review_appeal`
that an appeal with the key's grounds and attachments is OVERTURNED.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import timedelta
from typing import Any

from codesets import adjustments
from exercises.check.appeal import GROUNDS
from exercises.generators import denial
from exercises.generators.denial import Denied
from exercises.model import Exercise
from sim.payer.followup import Appeal, review_appeal

#: case id -> (denial cause it starts from, grounds, attachments, the rule that decides it).
CASES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], str]] = {
    "payer-error": (
        "payer-error",
        ("payer-processing-error",),
        ("medical-records",),
        "a line denied as bundled when no other service on the claim bundles it is a payer "
        "processing error (NCCI edits pair two services of the same day); the records show "
        "the service was billed correctly",
    ),
    "auth-obtained": (
        "missing-prior-auth",
        ("auth-was-obtained",),
        ("prior-auth-approval",),
        "the plan's prior-authorization rule is met when an approval existed before the "
        "service; the approval letter (number and dates) proves it",
    ),
    "records-support-necessity": (
        "not-medically-necessary",
        ("medically-necessary",),
        ("medical-records",),
        "the coverage policy (LCD-style list) covers the test for a diagnosis the medical "
        "record documents (E55.9 vitamin D deficiency); the records show necessity",
    ),
    "filed-timely": (
        "timely-filing",
        ("filed-timely",),
        ("proof-of-timely-filing",),
        "a claim first filed within the limit is timely even if a later copy arrived late: "
        "the clearinghouse acceptance report (999/277CA) is the proof",
    ),
}


def _denied(seed: int, case: str) -> tuple[Denied, dict[str, Any]]:
    """The wrongly denied claim and the evidence its documents carry."""
    cause = CASES[case][0]
    for attempt in range(30):
        rng = random.Random(f"appeal:{seed}:{attempt}")
        try:
            d = denial.CASES[cause](rng, seed)
        except denial._Redraw:
            continue
        if not denial._fits(cause, d):
            continue
        carc = next(ln.denial for ln in d.adj.lines if ln.denial)
        if case == "payer-error" and carc != "CO-97":  # the error appealable with records
            continue
        evidence: dict[str, Any] = {}
        if case == "auth-obtained":
            evidence["auth_number"] = next(iter(d.payer.authorizations[d.scene.patient.id]))
        elif case == "records-support-necessity":
            evidence["diagnoses"] = d.payer.records[d.scene.claim.id]
        elif case == "filed-timely":
            first = d.scene.claim.first_service_date + timedelta(days=rng.randint(5, 30))
            evidence["submitted_on"] = first
            d = replace(
                d,
                facts=(
                    f"the claim was first sent on {first} and the clearinghouse's 277CA "
                    "shows the payer accepted it that day",
                    f"the copy the payer processed arrived on {d.adj.received}",
                ),
            )
        return d, evidence
    raise ValueError(f"appeal: no case {case!r} for seed {seed}")  # pragma: no cover


def _letter(d: Denied, carc: str, name: str, grounds: tuple[str, ...]) -> str:
    claim = d.scene.claim
    return (
        f"Re: appeal of payer claim number {d.adj.payer_claim_number}, patient {name}, "
        f"date of service {claim.first_service_date.isoformat()}, denied {carc}. "
        f"We ask you to reconsider: {'; '.join(GROUNDS[g] for g in grounds)}. "
        "The enclosed documents show it."
    )


def appeal(seed: int, **options: Any) -> Exercise:
    """An appeal exercise for a wrongful denial (option ``case=``: one of :data:`CASES`)."""
    unknown = set(options) - {"case"}
    if unknown:
        raise ValueError(f"appeal: unknown option(s) {', '.join(sorted(unknown))}")
    case = options.get("case")
    if case is not None and case not in CASES:
        raise ValueError(f"appeal: case {case!r}: none of {', '.join(sorted(CASES))}")
    case = case or random.Random(f"appeal:{seed}").choice(sorted(CASES))
    d, evidence = _denied(seed, case)
    _, grounds, attachments, rule = CASES[case]
    claim = d.scene.claim
    carc = next(ln.denial for ln in d.adj.lines if ln.denial)
    name = f"{claim.patient.first_name} {claim.patient.last_name}"
    letter = _letter(d, carc, name, grounds)
    # verify: the payer overturns an appeal with the key's grounds and attachments
    decision = review_appeal(
        d.payer,
        Appeal(
            claim.id,
            d.adj.payer_claim_number,
            grounds,
            attachments,
            letter,
            d.adj.pay_date + timedelta(days=14),
            evidence,
        ),
    )
    if decision.outcome != "overturned":  # pragma: no cover - tested over many seeds
        raise AssertionError(
            f"appeal {seed} ({case}): the payer {decision.outcome}: {decision.rule}"
        )
    context = denial.claim_context(d)
    key = {
        "grounds": list(grounds),
        "attachments": list(attachments),
        "letter": letter,
        "letter_must_mention": [
            d.adj.payer_claim_number,
            [name, f"{claim.patient.last_name}, {claim.patient.first_name}"],
            claim.first_service_date.isoformat(),
            [carc, carc.split("-")[1]],
        ],
    }
    return Exercise(
        id=f"gen-appeal-{seed}",
        kind="appeal",
        title=f"Appeal a {carc} denial from {d.adj.payer.name}",
        module="09-appeals",
        domains=("denials-appeals",),
        topics=("appeals", "generated", case),
        exam=("CPB",),
        question=(
            "This denial is wrong. Choose the grounds for the appeal and the documents to "
            "attach, and write the appeal letter (name the payer claim number, the patient, "
            "the date of service and the denial code)."
        ),
        context=context,
        answer=key,
        rationale=(
            f"{adjustments.describe(carc).rstrip('.')}. Why it is wrong: {rule}. "
            f"The payer's review: {decision.rule}. An appeal names the claim (payer claim "
            "number from the 835 CLP07, patient, date of service), the denial code, the "
            f"grounds and the evidence, within the plan's limit ({d.adj.policy.appeal_limit_days} "
            "days from the initial determination; Medicare redetermination: 120 days, "
            "42 CFR 405.942)."
        ),
    )
