"""The simulated payers: policies as data, ordered adjudication, COB, follow-up and appeals.

* :mod:`sim.payer.policies` — ``policies.yaml`` -> one :class:`~sim.payer.policies.Policy`
  per plan (fee basis, bundling, necessity, frequency limits, exclusions, pay days,
  payer-error rate, appeal rules), validated with file:line errors;
* :mod:`sim.payer.strategies` — the named behaviours (fee bases, NCCI, LCD, referral);
* :mod:`sim.payer.steps` — the adjudication steps in order;
* :mod:`sim.payer.accumulators` — deductible / out-of-pocket totals per coverage and year;
* :mod:`sim.payer.adjudicate` — :class:`Adjudicator`: claims -> :class:`Adjudication`
  (RemitClaim + explanation) -> :class:`~sim.remittance.Remittance`; secondary claims (COB);
* :mod:`sim.payer.followup` — claim status, corrected/void claims, appeals.
"""

from sim.payer.adjudicate import Adjudication, Adjudicator, LineResult, partition_key
from sim.payer.policies import Policy, load_policies

__all__ = [
    "Adjudication",
    "Adjudicator",
    "LineResult",
    "Policy",
    "load_policies",
    "partition_key",
]
