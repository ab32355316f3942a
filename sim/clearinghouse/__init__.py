"""The simulated clearinghouse: what happens to a claim between the practice and the payer.

A clearinghouse receives the practice's 837P, checks it and forwards the clean claims to
the payers; what it rejects comes back to the practice with the reason, in a 999 (X12
syntax) or a 277CA (claim content: the ``STC`` claim-status codes). The front-end content
checks are the claim scrubber, :mod:`sim.clearinghouse.scrubber` — an ordered pipeline of
small rules, one module each — and what it reports is a
:class:`~sim.clearinghouse.findings.ScrubFinding` per problem, naming the CMS-1500 box to
fix.
"""
