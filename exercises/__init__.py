"""Exercise bank, checkers, assignment and grading (see DESIGN.md). Depends on ``sim`` and
``codesets``."""
