"""Reading the shipped data tables, with validation that names file, line and field.

Every loader in ``codesets`` reads its CSV through :func:`read_table`, giving one
validator per column. A validator takes the raw text and returns the parsed value or
raises ``ValueError`` with a short reason; :func:`read_table` turns that into a
:class:`DataFileError` such as ``pfs_rvu_2026.csv.gz:1234: field 'work_rvu': not a number: 'x'``.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"

Validator = Callable[[str], Any]


class DataFileError(ValueError):
    """A shipped (or user-supplied) data table is malformed.

    The message is one line: ``FILE:LINE: field 'NAME': problem``.
    """


def data_path(name: str) -> Path:
    """Path of a table in ``codesets/data/`` (``name`` may omit a ``.gz`` suffix)."""
    p = DATA_DIR / name
    if not p.exists() and (DATA_DIR / (name + ".gz")).exists():
        p = DATA_DIR / (name + ".gz")
    return p


def open_text(path: Path) -> io.TextIOBase:
    """Open a UTF-8 text file, transparently gunzipping ``*.gz``."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_table(
    path: Path | str,
    columns: dict[str, Validator],
    *,
    required: tuple[str, ...] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line_number, row)`` for each data row of a CSV table.

    ``columns`` maps each column that must be present in the header to its validator;
    other columns are passed through as text. ``required`` lists the columns that may
    not be blank (default: all of ``columns``). Errors raise :class:`DataFileError`.
    """
    path = Path(path) if not isinstance(path, Path) else path
    if not path.exists():
        path = data_path(str(path))
    name = path.name
    need = tuple(columns) if required is None else required
    try:
        fh = open_text(path)
    except OSError as exc:
        raise DataFileError(f"{name}: cannot open: {exc.strerror or exc}") from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise DataFileError(f"{name}:1: empty file, expected a header row") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataFileError(f"{name}:1: unreadable header: {exc}") from None
        missing = [c for c in columns if c not in header]
        if missing:
            raise DataFileError(f"{name}:1: missing column(s) {', '.join(missing)}")
        width = len(header)
        line = 1
        try:
            for raw in reader:
                line = reader.line_num
                if not raw or (len(raw) == 1 and not raw[0].strip()):
                    continue
                if len(raw) != width:
                    raise DataFileError(f"{name}:{line}: expected {width} fields, found {len(raw)}")
                row: dict[str, Any] = dict(zip(header, raw, strict=True))
                for col, check in columns.items():
                    text = row[col].strip()
                    if not text:
                        if col in need:
                            raise DataFileError(f"{name}:{line}: field '{col}': is empty")
                        row[col] = None
                        continue
                    try:
                        row[col] = check(text)
                    except ValueError as exc:
                        raise DataFileError(f"{name}:{line}: field '{col}': {exc}") from None
                yield line, row
        except (csv.Error, UnicodeDecodeError) as exc:
            raise DataFileError(f"{name}:{line + 1}: unreadable row: {exc}") from None


# --- small validators -------------------------------------------------------------


def text(value: str) -> str:
    """Any non-blank text."""
    return value


def number(value: str) -> float:
    """A decimal number such as ``1.30``."""
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None


def integer(value: str) -> int:
    """A whole number."""
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"not a whole number: {value!r}") from None


def boolean(value: str) -> bool:
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``)."""
    v = value.lower()
    if v in ("true", "1", "yes", "y"):
        return True
    if v in ("false", "0", "no", "n"):
        return False
    raise ValueError(f"not true/false: {value!r}")


def pattern(regex: str, what: str) -> Validator:
    """A validator accepting text that fully matches ``regex`` (``what`` names it)."""
    rx = re.compile(regex)

    def check(value: str) -> str:
        if not rx.fullmatch(value):
            raise ValueError(f"not a valid {what}: {value!r}")
        return value

    return check


def one_of(*choices: str) -> Validator:
    """A validator accepting one of ``choices``."""

    def check(value: str) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return check


def iso_date(value: str) -> str:
    """A date as ``YYYY-MM-DD`` or ``YYYYMMDD``; returned as ``YYYY-MM-DD``."""
    m = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", value)
    if not m:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}")
    return f"{m[1]}-{m[2]}-{m[3]}"


def file_key(*paths: Path, version: int = 1) -> str:
    """A content key for data files (for index cache keys): the index format version and
    a sha256 prefix over the files' bytes. Any edit to a table rebuilds its index."""
    import hashlib

    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return f"v{version}-{h.hexdigest()[:24]}"
