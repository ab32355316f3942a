"""Denial analysis: ``{carc: "CO-197", cause: <cause id>, action: <action id>}``.

Steps, in order: shape (each field known, the CARC a group code + CARC of rcmlab's list,
``cause`` one of :data:`CAUSES`, ``action`` one of :data:`ACTIONS`; spelling of case,
spaces and hyphens forgiven: ``"co 197"``, ``"CO197"``) -> grade each field the key has,
one credit each (``rarc`` too when the key names one); the right CARC under the wrong
group code earns half -> explain from the code sets (``codesets.adjustments`` wording) and
say why the action fits the group code: CO and PI amounts may not be billed to the
patient, PR amounts may.
"""

from __future__ import annotations

from typing import Any

from codesets import adjustments
from exercises.check.common import choice, fail, known_fields, show, text
from exercises.model import Feedback

#: The causes a learner picks from (id -> what it means, in plain words).
CAUSES: dict[str, str] = {
    "missing-prior-auth": "the service needed prior authorization and none was on the claim",
    "not-medically-necessary": "the payer's coverage policy does not support the service "
    "for the diagnosis billed",
    "bundled-ncci": "an NCCI procedure-to-procedure edit bundles the service into another "
    "one of the same day",
    "exceeds-mue": "the units are more than the Medically Unlikely Edit allows",
    "timely-filing": "the claim reached the payer after its filing limit",
    "duplicate": "the payer already has the same service on file",
    "coverage-terminated": "the coverage had ended before the date of service",
    "patient-not-identified": "the member ID, name or birth date does not match the "
    "payer's records",
    "missing-modifier": "a modifier is missing or does not fit the procedure",
    "invalid-diagnosis": "the diagnosis code is invalid, truncated or does not support the service",
    "invalid-procedure-code": "the procedure code was not valid on the date of service",
    "missing-information": "the claim lacks information or has a billing error and cannot "
    "be processed as sent",
    "non-covered": "the service is not a covered benefit of the plan",
    "frequency-limit": "the service is over the plan's frequency or benefit limit",
    "coordination-of-benefits": "another payer is primary or the other-insurance "
    "information is missing",
    "wrong-payer": "the claim went to a payer or contractor that does not process it",
    "out-of-network": "the plan requires an in-network provider or the assigned primary "
    "care provider, or a referral",
    "provider-not-eligible": "the rendering provider is not enrolled or credentialed for "
    "the service",
    "deductible": "the allowed amount went to the patient's deductible",
    "coinsurance": "the patient's coinsurance share",
    "copay": "the patient's copay",
    "contractual": "the charge is above the contracted or fee-schedule amount",
    "payer-error": "the payer processed the claim incorrectly",
}

#: The follow-up actions (DESIGN.md, denial-analysis).
ACTIONS: dict[str, str] = {
    "correct-and-resubmit": "fix the claim and send a corrected or new claim",
    "appeal": "ask the payer to reconsider, with the evidence",
    "bill-patient": "bill the patient (or the secondary payer) for the amount",
    "write-off": "adjust the amount off the account; the patient is not billed",
    "update-coverage-and-resubmit": "get the right coverage and bill the right payer",
    "send-records": "send the medical records or information the payer asked for",
}

FIELDS = ("carc", "rarc", "cause", "action")


# --- shape ---------------------------------------------------------------------------------


def _carc(value: Any, where: str) -> tuple[str, str]:
    s = text(value, where, limit=40)
    try:
        return adjustments.parse_adjustment(s)
    except ValueError as exc:
        raise fail(where, str(exc)) from None


def _rarc(value: Any, where: str) -> str:
    s = "".join(text(value, where, limit=20).split()).upper()
    if adjustments.rarc(s) is None:
        raise fail(where, f"{show(value)} is not a RARC in rcmlab's list (e.g. N115, MA130)")
    return s


def _read(response: dict[str, Any]) -> dict[str, Any]:
    known_fields(response, FIELDS, "response")
    out: dict[str, Any] = {}
    if "carc" in response:
        out["carc"] = _carc(response["carc"], "response.carc")
    if "rarc" in response:
        out["rarc"] = _rarc(response["rarc"], "response.rarc")
    if "cause" in response:
        out["cause"] = choice(response["cause"], CAUSES, "response.cause")
    if "action" in response:
        out["action"] = choice(response["action"], ACTIONS, "response.action")
    return out


# --- grading ---------------------------------------------------------------------------------


def _group_note(group: str) -> str:
    g = adjustments.group(group)
    if group == "PR":
        return "PR is patient responsibility: the amount may be billed to the patient"
    return f"{group} ({g.name if g else group}) is not billed to the patient"


def _carc_feedback(got: tuple[str, str], want: tuple[str, str]) -> tuple[float, Feedback]:
    label = adjustments.describe(f"{want[0]}-{want[1]}")
    if got == want:
        return 1.0, Feedback("carc", True, label)
    if got[1] == want[1]:
        return 0.5, Feedback(
            "carc",
            False,
            f"the reason code {want[1]} is right but the group is {want[0]}, not {got[0]}: "
            f"{_group_note(want[0])}",
        )
    c = adjustments.carc(got[1])
    return 0.0, Feedback(
        "carc",
        False,
        f"{got[0]}-{got[1]} ({c.description if c else ''}) is not the adjustment on this "
        "remittance: read the CAS segment / EOB line for the denied service",
    )


def _action_feedback(got: str, want: str, carc: tuple[str, str] | None) -> Feedback:
    why = f" ({_group_note(carc[0])})" if carc else ""
    if got == want:
        return Feedback("action", True, f"{want}: {ACTIONS[want]}{why}")
    if got == "bill-patient" and carc and carc[0] != "PR":
        return Feedback(
            "action", False, f"bill-patient does not fit: {_group_note(carc[0])}; {want} fits"
        )
    return Feedback("action", False, f"{got} ({ACTIONS[got]}) is not the best next step{why}")


def check(
    key: dict[str, Any], response: dict[str, Any], context: dict[str, Any] | None = None
) -> tuple[float, list[Feedback]]:
    """Grade the fields of the key (CARC, RARC, cause, action)."""
    given = _read(response)
    want = _read(key)
    credit = 0.0
    feedback: list[Feedback] = []
    for name in want:
        if name not in given:
            feedback.append(Feedback(name, False, f"missing: the {name}"))
            continue
        if name == "carc":
            c, fb = _carc_feedback(given["carc"], want["carc"])
        elif name == "action":
            fb = _action_feedback(given["action"], want["action"], want.get("carc"))
            c = 1.0 if fb.ok else 0.0
        elif name == "cause":
            ok = given["cause"] == want["cause"]
            msg = CAUSES[want["cause"]] if ok else f"{given['cause']} is not why this was denied"
            c, fb = (1.0 if ok else 0.0), Feedback("cause", ok, msg)
        else:
            r = adjustments.rarc(want["rarc"])
            ok = given["rarc"] == want["rarc"]
            msg = f"{want['rarc']}: {r.description if r else ''}" if ok else "not the remark code"
            c, fb = (1.0 if ok else 0.0), Feedback("rarc", ok, msg)
        credit += c
        feedback.append(fb)
    return credit / max(len(want), 1), feedback
