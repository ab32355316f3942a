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
# libyaml's C loader parses ~40x faster than the pure-Python one; same data.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Lines:
    """Line numbers of a YAML text's values, found only when an error needs one: the
    node tree (``yaml.compose``, pure Python and slow) is built on first use."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._node: yaml.Node | None = None
        self._composed = False

    @property
    def node(self) -> yaml.Node | None:
        if not self._composed:
            self._node = yaml.compose(self._text, Loader=yaml.SafeLoader)
            self._composed = True
        return self._node

    def __call__(self, *path: Any) -> int | None:
        return _line_of(self.node, path)


@cache
def schema(name: str) -> dict[str, Any]:
    """A JSON Schema: ``sim/schemas/NAME.schema.json``, or the file at ``NAME`` when it is
    a path to a ``.json`` file (e.g. ``exercises/schema.json``)."""
    path = Path(name) if name.endswith(".json") else SCHEMA_DIR / f"{name}.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _path_text(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _line_of(node: Any, path: Any) -> int | None:
    """The 1-based line of the value at ``path`` in the composed YAML tree."""
    if isinstance(node, Lines):
        node = node.node
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


def parse(text: str, name: str) -> tuple[Any, Lines]:
    """Parse YAML text into data and its (lazy) line map; raise :class:`ContentError`
    with the line of a syntax error or of an impossible date."""
    try:
        data = yaml.load(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}" if mark else ""
        raise ContentError(f"{name}{where}: not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ContentError(f"{name}: not valid YAML: {exc}") from None
    except (ValueError, TypeError) as exc:  # e.g. an impossible date such as 2026-02-30
        raise _bad_timestamp(text, name, exc) from None
    return data, Lines(text)


def _bad_timestamp(text: str, name: str, exc: Exception) -> ContentError:
    """Find the date-like value that YAML could not turn into a date."""

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> ContentError | None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                found = walk(value, (*path, key.value))
                if found:
                    return found
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                found = walk(item, (*path, i))
                if found:
                    return found
        elif node.tag == "tag:yaml.org,2002:timestamp":
            try:
                yaml.SafeLoader("").construct_yaml_timestamp(node)
            except ValueError:
                return ContentError(
                    f"{name}:{node.start_mark.line + 1}: field '{_path_text(path)}': "
                    f"{node.value!r} is not a date YYYY-MM-DD"
                )
        return None

    try:
        found = walk(yaml.compose(text, Loader=yaml.SafeLoader), ())
    except yaml.YAMLError:
        found = None
    return found or ContentError(f"{name}: not valid YAML: {exc}")


@cache
def _fast(schema_name: str) -> Any:
    import fastjsonschema

    return fastjsonschema.compile(schema(schema_name))


def validate(data: Any, node: Any, schema_name: str, name: str) -> None:
    """Validate parsed data against a schema; raise :class:`ContentError` for the first
    error (the one deepest in the document, which is the most precise).

    Valid data is checked by fastjsonschema (compiled to Python, ~1 ms a file). Only
    when that fails is ``jsonschema`` imported (slow to import) to find the most precise
    error for the message.
    """
    import fastjsonschema

    try:
        _fast(schema_name)(data)
        return
    except fastjsonschema.JsonSchemaException as exc:
        fast_error = exc
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(schema_name))
    errors = sorted(validator.iter_errors(data), key=lambda e: (-len(e.absolute_path), e.message))
    if not errors:  # the two validators disagree: report fastjsonschema's finding
        path = [int(p) if str(p).isdigit() else p for p in getattr(fast_error, "path", [])[1:]]
        line = _line_of(node, path)
        where = f"{name}:{line}" if line else name
        raise ContentError(f"{where}: field '{_path_text(path)}': {fast_error.message}")
    err = jsonschema.exceptions.best_match(errors) if len(errors) > 1 else errors[0]
    # Prefer the most specific error inside anyOf/oneOf.
    while err.context:
        err = min(err.context, key=lambda e: (-len(e.absolute_path), e.message))
    line = _line_of(node, err.absolute_path)
    where = f"{name}:{line}" if line else name
    message = err.message if len(err.message) < 160 else err.message[:157] + "..."
    raise ContentError(f"{where}: field '{_path_text(err.absolute_path)}': {message}")


def line_of(node: Any, *path: Any) -> int | None:
    """Line of a value, for errors found after schema validation (cross-references)."""
    return _line_of(node, path)


def load_validated(path: Path | str, schema_name: str) -> tuple[Any, Lines]:
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
