"""Appeals: ``{grounds: [ids], attachments: [ids], letter: text}``.

Steps, in order: shape (ids from the fixed vocabularies :data:`GROUNDS` and
:data:`ATTACHMENTS`; the letter is text) -> score each part the key has: grounds and
attachments by correct / max(entered, expected); the letter by the key's rubric
``letter_must_mention`` (each item a phrase, or a list of phrases any one of which will
do; case, punctuation and spacing are ignored, and an ISO date also matches MM/DD/YYYY,
M/D/YYYY, MM DD YY and "March 14, 2026") -> the parts weigh :data:`WEIGHTS` (renormalised
over the parts the key has).

``letter_must_mention`` belongs to the key: in a response it is ignored, so the key (whose
``letter`` is a model letter) grades itself.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from exercises.check.common import (
    fail,
    id_list,
    known_fields,
    plain,
    set_feedback,
    set_score,
    text,
)
from exercises.model import Feedback

GROUNDS: dict[str, str] = {
    "auth-was-obtained": "the prior authorization was obtained before the service",
    "retro-auth-criteria-met": "the plan's criteria for a retroactive authorization are met "
    "(an urgent service)",
    "medically-necessary": "the records show the service was medically necessary under the "
    "payer's own policy",
    "filed-timely": "the claim was first filed within the filing limit",
    "not-a-duplicate": "the service is a separate service, not a duplicate of one paid",
    "modifier-supports-separate-service": "the service was distinct and the modifier "
    "reported shows it (NCCI allows the pair with the modifier)",
    "coverage-was-active": "the patient's coverage was active on the date of service",
    "payer-processing-error": "the payer applied its contract, fee schedule or policy incorrectly",
    "covered-benefit": "the plan document covers the service",
    "frequency-within-limit": "the service is within the frequency limit, or an exception applies",
    "referral-was-on-file": "the referral was issued before the visit",
    "provider-in-network": "the provider was in network (or the plan sent the patient)",
}
ATTACHMENTS: dict[str, str] = {
    "prior-auth-approval": "the payer's authorization approval (number and dates)",
    "medical-records": "the visit notes / medical records",
    "operative-report": "the operative or procedure report",
    "proof-of-timely-filing": "proof of timely filing (clearinghouse acceptance report, 999 "
    "/ 277CA)",
    "corrected-claim": "a corrected claim",
    "eligibility-verification": "the eligibility response (271) or the card on the date of service",
    "copy-of-remittance": "a copy of the remittance advice / EOB being appealed",
    "referral-form": "the referral from the primary care provider",
    "payer-policy": "the payer's published coverage policy",
    "fee-schedule-or-contract": "the contract or fee schedule page that sets the rate",
    "letter-of-medical-necessity": "the physician's letter of medical necessity",
    "provider-enrollment-record": "the payer's own enrollment record for the rendering provider "
    "(NPI and effective dates)",
}
WEIGHTS = {"grounds": 0.4, "attachments": 0.3, "letter": 0.3}
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


# --- shape ---------------------------------------------------------------------------------


def _rubric(value: Any, where: str) -> list[list[str]]:
    """The key's ``letter_must_mention``: items, each a phrase or a list of phrases."""
    if not isinstance(value, list):
        raise fail(where, "expected a list of phrases")
    out = []
    for i, item in enumerate(value):
        alts = item if isinstance(item, list) else [item]
        out.append([text(a, f"{where}[{i}]", limit=200) for a in alts])
    return out


def _read(response: dict[str, Any]) -> dict[str, Any]:
    known_fields(response, ["grounds", "attachments", "letter", "letter_must_mention"], "response")
    out: dict[str, Any] = {}
    if "grounds" in response:
        out["grounds"] = id_list(response["grounds"], GROUNDS, "response.grounds")
    if "attachments" in response:
        out["attachments"] = id_list(response["attachments"], ATTACHMENTS, "response.attachments")
    if "letter" in response:
        out["letter"] = text(response["letter"], "response.letter")
    if "letter_must_mention" in response:
        out["letter_must_mention"] = _rubric(
            response["letter_must_mention"], "response.letter_must_mention"
        )
    return out


# --- the letter rubric ---------------------------------------------------------------------------


def _spellings(phrase: str) -> list[str]:
    """A phrase and, for an ISO date, its usual written forms."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})-(\d{2})\s*", phrase)
    if not m:
        return [phrase]
    d = date(int(m[1]), int(m[2]), int(m[3]))
    return [
        phrase,
        d.strftime("%m/%d/%Y"),
        f"{d.month}/{d.day}/{d.year}",
        d.strftime("%m %d %y"),
        f"{_MONTHS[d.month - 1]} {d.day} {d.year}",
        f"{d.day} {_MONTHS[d.month - 1]} {d.year}",
    ]


def mentions(letter: str, phrases: list[str]) -> bool:
    """Whether the letter mentions any of the phrases (formatting-blind, whole words)."""
    body = f" {plain(letter)} "
    squashed = body.replace(" ", "")
    for phrase in phrases:
        for s in _spellings(phrase):
            p = plain(s)
            if p and (f" {p} " in body or (len(p) >= 6 and p.replace(" ", "") in squashed)):
                return True
    return False


def _letter(got: str, rubric: list[list[str]]) -> tuple[float, list[Feedback]]:
    if not rubric:
        return 1.0, []
    hits = [mentions(got, alts) for alts in rubric]
    feedback = [
        Feedback(
            "letter",
            ok,
            f"the letter {'mentions' if ok else 'should mention'} {alts[0]!r}",
        )
        for ok, alts in zip(hits, rubric, strict=True)
    ]
    return sum(hits) / len(rubric), feedback


# --- grading ---------------------------------------------------------------------------------


def check(
    key: dict[str, Any], response: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[float, list[Feedback]]:
    """Grade grounds, attachments and the letter (by the key's rubric)."""
    given = _read(response)
    want = _read(key)
    parts: dict[str, float] = {}
    feedback: list[Feedback] = []
    for name, labels, noun in (
        ("grounds", GROUNDS, "ground for this appeal"),
        ("attachments", ATTACHMENTS, "needed attachment"),
    ):
        if name in want:
            got = given.get(name, [])
            parts[name] = set_score(got, want[name])
            feedback += set_feedback(name, got, want[name], labels, noun)
    if "letter_must_mention" in want:
        if "letter" not in given or not given["letter"].strip():
            parts["letter"] = 0.0
            feedback.append(Feedback("letter", False, "missing: the appeal letter"))
        else:
            parts["letter"], fb = _letter(given["letter"], want["letter_must_mention"])
            feedback += fb
    total = sum(WEIGHTS[p] for p in parts)
    score = sum(WEIGHTS[p] * s for p, s in parts.items()) / total if total else 1.0
    return score, feedback
