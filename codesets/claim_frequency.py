"""Claim frequency type codes for professional claims (CMS-1500 box 22, 837P CLM05-3).

1 = original claim; 7 = replacement of a prior claim; 8 = void/cancel of a prior claim.
7 and 8 must carry the payer's original claim number (ICN/DCN) in box 22 / REF*F8.
Descriptions are rcmlab's own (``data/claim_frequency.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

from codesets._tables import data_path, one_of, read_table, text


@dataclass(frozen=True)
class FrequencyCode:
    code: str
    name: str
    use: str

    @property
    def needs_original_reference(self) -> bool:
        return self.code in ("7", "8")


_codes: dict[str, FrequencyCode] | None = None


def codes() -> dict[str, FrequencyCode]:
    global _codes
    if _codes is None:
        cols = {"code": one_of("1", "7", "8"), "name": text, "use": text}
        _codes = {
            r["code"]: FrequencyCode(r["code"], r["name"], r["use"])
            for _, r in read_table(data_path("claim_frequency.csv"), cols)
        }
    return _codes


def lookup(code: str) -> FrequencyCode | None:
    return codes().get(str(code).strip())
