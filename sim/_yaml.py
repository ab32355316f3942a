"""Load a YAML data file and validate it against a JSON Schema, with one-line errors.

Every content file of the simulator (practices, payers and plans, encounter scenarios)
goes through :func:`load_validated`. A problem is reported as one line naming the file,
the line and the field::

    practices/family.yaml:14: field 'providers[0].npi': '123' does not match '^[0-9]{10}$'

Line numbers come from the YAML node tree (``yaml.compose``), so they point at the
offending value even deep inside the document.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import yaml


class ContentError(ValueError):
    """A content file (YAML) is malformed: the message is one line naming file, line, field."""


SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema from ``sim/schemas/NAME.schema.json``."""
    return json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def _path_text(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_of(node: yaml.Node | None, path: Any) -> int | None:
    """The 1-based line of the value at ``path`` in the composed YAML tree."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    line = key.start_mark.line + 1
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def parse(text: str, name: str) -> tuple[Any, yaml.Node | None]:
    """Parse YAML text; raise :class:`ContentError` with the line of a syntax error."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise ContentError(f"{name}{where}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{name}: not valid YAML: {exc}") from None
    return data, node


def validate(data: Any, node: yaml.Node | None, schema_name: str, name: str) -> None:
    """Validate parsed data against a schema; raise :class:`ContentError` for the first
    error (the one deepest in the document, which is the most precise)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: (-len(e.absolute_path), e.message))
    if not errors:
        return
    err = jsonschema.exceptions.best_match(errors) if len(errors) > 1 else errors[0]
    # Prefer the most specific error inside anyOf/oneOf.
    while err.context:
        err = min(err.context, key=lambda e: (-len(e.absolute_path), e.message))
    line = _line_of(node, err.absolute_path)
    where = f"{name}:{line}" if line else name
    message = err.message if len(err.message) < 160 else err.message[:157] + "..."
    raise ContentError(f"{where}: field '{_path_text(err.absolute_path)}': {message}")


def line_of(node: yaml.Node | None, *path: Any) -> int | None:
    """Line of a value, for errors found after schema validation (cross-references)."""
    return _line_of(node, path)


def load_validated(path: Path | str, schema_name: str) -> tuple[Any, yaml.Node | None]:
    """Read, parse and validate one YAML file: returns ``(data, node_tree)``."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ContentError(f"{p.name}: cannot read: {exc}") from None
    data, node = parse(text, p.name)
    validate(data, node, schema_name, p.name)
    return data, node
