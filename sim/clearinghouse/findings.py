"""What the claim scrubber says about a claim: one :class:`ScrubFinding` per problem.

A finding names the claim, the service line (if any), the rule that fired, how serious it
is, the **CMS-1500 box** the learner must fix, a plain-words message (what is wrong, why,
what to do, and the rule it rests on), and the claim-status code a payer or clearinghouse
would return for it in a 277CA acknowledgement (005010X214, loop 2200D/2220D ``STC01``:
category : status : entity).

Boxes follow the NUCC 1500 Claim Form Reference Instruction Manual (version 9.0 7/22):
``"2"`` patient name, ``"3"`` birth date and sex, ``"1a"`` insured's ID, ``"21.A"`` ..
``"21.L"`` diagnoses, ``"22"`` resubmission code, ``"24A.1"`` .. ``"24J.6"`` the columns
of the six service lines printed on a page (line 7 of a claim is line 1 of page 2), and so
on. The payer itself has no numbered box (it is the unnumbered carrier block); findings
about the payer point at ``"11c"``, the insurance plan or program name.

Claim status category codes used (X12 code list 507, in our own words):

* ``A3`` returned as unprocessable: the claim cannot be handled at all (no service line,
  no payer to route it to).
* ``A6`` rejected for missing information.
* ``A7`` rejected for invalid information.
* ``A8`` rejected because two fields contradict each other (a "relational" error: a code
  that does not fit the patient's sex, two diagnoses an Excludes1 note forbids together,
  a bundled pair of procedures, a frequency code without the claim it replaces).
* ``A2`` accepted into adjudication: used for *warnings*, which never stop a claim.

Claim status codes used (X12 code list 508, in our own words); ``21`` (missing or invalid
information) is the generic code for a problem no specific code describes:

``20`` accepted for processing, ``21`` missing or invalid information, ``86`` diagnosis
does not fit the patient's sex, ``121`` more service lines than allowed, ``126`` address,
``128`` tax ID, ``153`` ID number, ``156`` patient's relationship to the insured, ``157``
sex, ``158`` date of birth, ``164`` member (contract) number, ``187`` date of service,
``249`` place of service, ``254`` principal diagnosis, ``255`` diagnosis, ``402`` amount
must be greater than zero, ``453`` procedure modifier, ``454`` procedure code, ``464``
payer's claim control number, ``474`` procedure does not fit the patient's sex, ``475``
procedure does not fit the patient's age, ``476`` units of service, ``477`` diagnosis
pointer, ``504`` last name, ``505`` first name, ``507`` HCPCS code, ``510`` date in the
future, ``535`` claim frequency code, ``562`` NPI.

Entity identifier codes (``STC01-3``): ``85`` billing provider, ``82`` rendering
provider, ``DN`` referring provider, ``77`` service location, ``QC`` patient, ``IL``
insured/subscriber, ``PR`` payer.
"""

from __future__ import annotations

import html
import re
from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("reject", "warning")

CATEGORIES: dict[str, str] = {
    "A2": "accepted into adjudication (warning only)",
    "A3": "returned as unprocessable",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected: two fields contradict each other",
}

STATUS_CODES: dict[str, str] = {
    "20": "accepted for processing",
    "21": "missing or invalid information",
    "86": "diagnosis does not fit the patient's sex",
    "121": "more service lines than allowed",
    "126": "address",
    "128": "tax identification number",
    "153": "identification number",
    "156": "patient's relationship to the insured",
    "157": "sex",
    "158": "date of birth",
    "164": "member (contract) number",
    "187": "date of service",
    "249": "place of service",
    "254": "principal diagnosis code",
    "255": "diagnosis code",
    "402": "amount must be greater than zero",
    "453": "procedure code modifier",
    "454": "procedure code",
    "464": "payer's claim control number",
    "474": "procedure does not fit the patient's sex",
    "475": "procedure does not fit the patient's age",
    "476": "units of service",
    "477": "diagnosis code pointer",
    "504": "last name",
    "505": "first name",
    "507": "HCPCS code",
    "510": "date in the future",
    "535": "claim frequency code",
    "562": "National Provider Identifier (NPI)",
}

ENTITIES: dict[str, str] = {
    "85": "billing provider",
    "82": "rendering provider",
    "DN": "referring provider",
    "77": "service location",
    "QC": "patient",
    "IL": "insured",
    "PR": "payer",
}

DIAGNOSIS_LETTERS = "ABCDEFGHIJKL"
LINES_PER_PAGE = 6

_BOX = re.compile(
    r"(?:[1-9]|[12][0-9]|3[0-3])[a-d]?"  # 1 .. 33, with a sub-letter (1a, 9d, 17b, 33a)
    r"|21(?:\.[A-L])?"  # 21, 21.A .. 21.L
    r"|24(?:[A-J]\.[1-6])?"  # 24, 24A.1 .. 24J.6
)


def diagnosis_box(index: int) -> str:
    """Box of the diagnosis at 0-based ``index`` of ``Claim.diagnoses``: ``"21.A"`` ..."""
    return f"21.{DIAGNOSIS_LETTERS[index]}" if 0 <= index < 12 else "21"


def line_box(column: str, index: int) -> str:
    """Box ``24<column>`` of the service line at 0-based ``index`` of ``Claim.lines``.

    The CMS-1500 prints six lines per page, so the 7th line of a claim is ``24D.1`` on
    page 2 (NUCC 1500 instruction manual, item 24).
    """
    return f"24{column}.{index % LINES_PER_PAGE + 1}"


def page_note(index: int) -> str:
    """``" (page 2)"`` for a line printed after the first page, else ``""``."""
    page = index // LINES_PER_PAGE + 1
    return f" (page {page})" if page > 1 else ""


@dataclass(frozen=True, slots=True)
class ScrubFinding:
    """One problem the scrubber found on a claim.

    ``line`` is the claim line number (``ClaimLine.number``) or None for a claim-level
    finding; ``rule`` the slug of the scrubber rule; ``severity`` ``"reject"`` (the
    clearinghouse returns the claim) or ``"warning"`` (sent on, but worth a look);
    ``box`` the CMS-1500 box to fix; ``category``/``status_code``/``entity`` the 277CA
    ``STC01`` composite (see the module docstring for the codes).
    """

    claim_id: str
    line: int | None
    rule: str
    severity: str
    box: str
    message: str
    category: str
    status_code: str
    entity: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"ScrubFinding.severity: {self.severity!r} is not reject or warning")
        if not _BOX.fullmatch(self.box):
            raise ValueError(f"ScrubFinding.box: {self.box!r} is not a CMS-1500 box id")
        if self.category not in CATEGORIES:
            raise ValueError(f"ScrubFinding.category: {self.category!r} is not a 277CA category")

    @property
    def rejected(self) -> bool:
        """True when this finding stops the claim."""
        return self.severity == "reject"

    @property
    def stc01(self) -> str:
        """The 277CA ``STC01`` composite, e.g. ``"A7:562:85"`` or ``"A7:254"``."""
        parts = [self.category, self.status_code]
        if self.entity:
            parts.append(self.entity)
        return ":".join(parts)

    @property
    def status_text(self) -> str:
        """The category and status in words: "rejected for invalid information: NPI"."""
        text = CATEGORIES[self.category]
        status = STATUS_CODES.get(self.status_code)
        if status:
            text += f": {status}"
        if self.entity in ENTITIES:
            text += f" ({ENTITIES[self.entity]})"
        return text

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the fields plus ``stc01``)."""
        d = asdict(self)
        d["stc01"] = self.stc01
        return d

    def _repr_html_(self) -> str:
        color = "#b42318" if self.rejected else "#b54708"
        where = f"box {html.escape(self.box)}"
        if self.line is not None:
            where += f", line {self.line}"
        return (
            f'<div style="border-left:4px solid {color};padding:4px 8px;margin:2px 0">'
            f'<b style="color:{color}">{html.escape(self.severity.upper())}</b> '
            f"<b>{where}</b> &middot; claim {html.escape(self.claim_id)} &middot; "
            f"<code>{html.escape(self.rule)}</code> &middot; "
            f'<span title="{html.escape(self.status_text)}">277CA {html.escape(self.stc01)}'
            f"</span><br>{html.escape(self.message)}</div>"
        )
