"""ASC X12 5010 transactions of the revenue cycle: the 837P claim (:mod:`sim.x12.p837`),
validation with pyx12 (:mod:`sim.x12.validate`) and the 999 acknowledgment
(:mod:`sim.x12.ack999`). Malformed input raises :class:`X12Error` (one line naming the
segment position)."""

from sim.x12.errors import X12Error
from sim.x12.p837 import read_837p, write_837p

__all__ = ["X12Error", "read_837p", "write_837p"]
