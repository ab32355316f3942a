"""rcmlab: the front door (the ``rcmlab`` command) to ``codesets``, ``sim`` and ``exercises``."""

__version__ = "0.1.0"
