"""A small on-disk cache for indexes that are slow to build.

An index is built once, written with :mod:`marshal` (the fastest loader for plain
dicts, lists, strings and bytes), and loaded on later starts. The file name carries a
key (package versions, index format version): a stale key simply misses and the index
is rebuilt. A corrupt or truncated file is detected (magic + length + CRC) and rebuilt.
Writes are atomic (temp file + rename), so two processes never see half a file.

The directory is ``$RCMLAB_CACHE_DIR`` if set, else the user cache dir
(``platformdirs.user_cache_dir("rcmlab")``). Nothing assumes a fixed home directory.
"""

from __future__ import annotations

import marshal
import os
import sys
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

_MAGIC = b"RCMLABIX1"


def cache_dir() -> Path:
    """The directory holding rcmlab's built indexes."""
    env = os.environ.get("RCMLAB_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("rcmlab", appauthor=False))


def _safe(key: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in key)


def cache_file(name: str, key: str) -> Path:
    """Path of the cache file for index ``name`` built under ``key``."""
    # marshal's format belongs to the interpreter: the Python version is part of the key.
    py = f"py{sys.version_info[0]}{sys.version_info[1]}m{marshal.version}"
    return cache_dir() / f"{_safe(name)}-{_safe(key)}-{py}.marshal"


def _read(path: Path) -> Any:
    blob = path.read_bytes()
    head = len(_MAGIC) + 12
    if len(blob) < head or not blob.startswith(_MAGIC):
        raise ValueError("bad header")
    size = int.from_bytes(blob[len(_MAGIC) : len(_MAGIC) + 8], "little")
    crc = int.from_bytes(blob[len(_MAGIC) + 8 : head], "little")
    body = memoryview(blob)[head:]
    if len(body) != size or zlib.crc32(body) != crc:
        raise ValueError("truncated or corrupt")
    return marshal.loads(body)


def _write(path: Path, value: Any) -> None:
    body = marshal.dumps(value)
    blob = _MAGIC + len(body).to_bytes(8, "little") + zlib.crc32(body).to_bytes(4, "little")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.write(body)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_or_build(name: str, key: str, build: Callable[[], Any]) -> tuple[Any, bool]:
    """Return ``(index, built)``: the cached index for ``(name, key)``, or build it.

    ``build`` must return a marshal-able value. Old files of the same ``name`` with
    another key are removed when a new one is written. If the cache directory is not
    writable, the freshly built index is still returned (only the caching is lost).
    """
    path = cache_file(name, key)
    try:
        return _read(path), False
    except (OSError, ValueError, EOFError, TypeError):
        pass
    value = build()
    try:
        _write(path, value)
        for old in path.parent.glob(f"{_safe(name)}-*.marshal"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return value, True
