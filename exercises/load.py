"""Loading exercise files: versioned format, upgraded on load, validated with line numbers.

The format is ``exercises/schema.json`` (JSON Schema). A file carries ``schema_version``;
older files are upgraded step by step by the functions in :data:`UPGRADES` before
validation (like nbgrader's versioned metadata), so a bank written for an earlier version
keeps loading. A malformed file raises :class:`~exercises.model.ExerciseError` with one
line naming the file, the line and the field.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from exercises.model import SCHEMA_VERSION, Exercise, ExerciseError
from sim._yaml import ContentError, parse, validate

SCHEMA = str(Path(__file__).resolve().parent / "schema.json")
BANK = Path(__file__).resolve().parent / "bank"


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 is DESIGN.md's first example: no ``schema_version``, the key may be
    under ``key`` instead of ``answer``."""
    out = dict(data)
    if "answer" not in out and "key" in out:
        out["answer"] = out.pop("key")
    out["schema_version"] = 1
    return out


# version -> function upgrading a document of that version to the next one
UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an exercise document to :data:`SCHEMA_VERSION`."""
    version = data.get("schema_version", 0)
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise ExerciseError(
            f"schema_version {version!r} is not supported (this rcmlab reads up to "
            f"{SCHEMA_VERSION})"
        )
    while version < SCHEMA_VERSION:
        data = UPGRADES[version](data)
        version = data["schema_version"]
    return data


def load(path: Path | str) -> Exercise:
    """Read, upgrade and validate one exercise file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
        data, lines = parse(text, p.name)
        if not isinstance(data, dict):
            raise ExerciseError(f"{p.name}:1: an exercise file is a mapping of fields")
        try:
            data = upgrade(data)
        except ExerciseError as exc:
            raise ExerciseError(f"{p.name}:1: field 'schema_version': {exc}") from None
        validate(data, lines, SCHEMA, p.name)
    except FileNotFoundError:
        raise ExerciseError(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ExerciseError(f"{p.name}: cannot read: {exc}") from None
    except ContentError as exc:
        raise ExerciseError(str(exc)) from None
    return Exercise(
        id=data["id"],
        kind=data["kind"],
        title=data["title"],
        module=data["module"],
        answer=data["answer"],
        rationale=data["rationale"].strip(),
        domains=tuple(data.get("domains", ())),
        documentation=data.get("documentation", ""),
        question=data.get("question", ""),
        choices=dict(data.get("choices", {})),
        context=dict(data.get("context", {})),
        alternates=tuple(data.get("alternates", ())),
        path=p,
    )


def bank(directory: Path | None = None) -> dict[str, Exercise]:
    """Every exercise under ``exercises/bank/<module>/`` by id (ids are unique)."""
    out: dict[str, Exercise] = {}
    for p in sorted((directory or BANK).glob("*/*.yaml")):
        ex = load(p)
        if ex.id in out:
            raise ExerciseError(
                f"{p.name}: field 'id': {ex.id!r} is also used by "
                f"{out[ex.id].path.name if out[ex.id].path else '?'}"
            )
        out[ex.id] = ex
    return out
