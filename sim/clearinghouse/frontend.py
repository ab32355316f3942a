"""The clearinghouse front end: what happens to a batch of claims the practice submits.

In order, as a real clearinghouse receives a file:

1. the claims are written as one 837P interchange (``sim.x12.p837``);
2. the file is validated against the 005010X222A1 implementation guide with pyx12
   (``sim.x12.validate``) and acknowledged with a **999** (``sim.x12.ack999``): a file
   with syntax errors is rejected whole, before any claim is looked at;
3. each claim of an accepted file goes through the **scrubber** (``sim.clearinghouse.scrubber``):
   a claim with a *reject* finding comes back to the practice (277CA-style, with the
   CMS-1500 box to fix); the others go on to the payer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sim.claims import Claim
from sim.clearinghouse.findings import ScrubFinding
from sim.clearinghouse.scrubber import scrub
from sim.x12 import ack999, p837
from sim.x12.validate import ValidationReport, validate

SUBMITTER_ID = "RCMLABSUBMIT"
CLEARINGHOUSE_ID = "RCMLABCLEAR"


@dataclass(frozen=True)
class Submission:
    """One submitted 837P file and what the clearinghouse said about it."""

    name: str
    x12: str
    claims: tuple[Claim, ...]
    report: ValidationReport | None  # None when front-end validation was skipped
    ack: str | None  # the 999, when validated
    findings: tuple[ScrubFinding, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        """The 999 verdict: the file passed the implementation-guide edits."""
        return self.report is None or self.report.ok

    def rejected_claims(self) -> set[str]:
        """Claims sent back: all of them if the file was rejected, else those with a
        reject finding from the scrubber."""
        if not self.accepted:
            return {c.id for c in self.claims}
        return {f.claim_id for f in self.findings if f.severity == "reject"}

    def forwarded(self) -> list[Claim]:
        """Claims that go on to the payer."""
        rejected = self.rejected_claims()
        return [c for c in self.claims if c.id not in rejected]


def submit(
    claims: list[Claim],
    *,
    name: str,
    control: int,
    created: datetime,
    validate_x12: bool = True,
    usage: str = "T",
) -> Submission:
    """Send ``claims`` as one 837P file through the front end (see the module docstring).

    ``control`` numbers the interchange (ISA13); the 999 uses ``control`` too (it answers
    that interchange). ``validate_x12=False`` skips the pyx12 step (no 999) for very large
    simulations — pyx12 checks about 200 claims a second.
    """
    text = p837.write_837p(
        claims,
        sender_id=SUBMITTER_ID,
        receiver_id=CLEARINGHOUSE_ID,
        interchange_control=control,
        created=created,
        usage=usage,
    )
    report = ack = None
    if validate_x12:
        report = validate(text, name=name)
        ack = ack999.make_999(text, report, created=created, control=control)
    findings: tuple[ScrubFinding, ...] = ()
    if report is None or report.ok:
        findings = tuple(f for c in claims for f in scrub(c))
    return Submission(name, text, tuple(claims), report, ack, findings)
