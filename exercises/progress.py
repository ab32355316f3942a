"""Learner progress: every attempt at an exercise, kept in a small SQLite file.

The file lives in a configurable data folder (DESIGN.md, "Partitionable"): by default
``platformdirs.user_data_dir("rcmlab")/progress.sqlite``; ``RCMLAB_DATA_DIR`` moves the
folder (a JupyterHub image points it at each user's volume). Several learners may share
one file (the ``learner`` column).

Notebook-proof by construction: each call opens its own connection, does one statement or
one transaction and closes it, so progress survives kernel restarts and cells run in any
order. The database is in WAL mode with a busy timeout, so two kernels (or two processes)
writing at the same moment both succeed. The schema version is ``PRAGMA user_version``.

This API is used by the notebook widgets; keep its signatures stable::

    p = Progress.default()
    attempt_id = p.record(exercise, response, result, seconds=42.0)
    p.attempts(module="02-diagnosis-coding")   # DataFrame, one row per attempt
    p.module_summary("02-diagnosis-coding")    # {"attempted", "correct", "total", "best"}
    p.overview()                               # DataFrame, one row per module
    p.chart()                                  # matplotlib Figure of the overview
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from exercises.model import CheckResult, Exercise, ExerciseError

SCHEMA_VERSION = 1
MODES = ("practice", "assignment", "exam")
BUSY_TIMEOUT_S = 30.0

# Version -> the statements that bring a database of the previous version to it.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            learner TEXT NOT NULL,
            exercise_id TEXT NOT NULL,
            module TEXT NOT NULL,
            kind TEXT NOT NULL,
            mode TEXT NOT NULL,
            response TEXT NOT NULL,       -- the response, JSON
            result TEXT,                  -- the CheckResult, JSON; NULL until graded
            score REAL,                   -- NULL until graded
            correct INTEGER,              -- 0/1; NULL until graded
            seconds REAL,
            created_at TEXT NOT NULL,     -- UTC, ISO 8601
            graded_at TEXT
        )""",
        "CREATE INDEX attempts_learner_module ON attempts (learner, module)",
        "CREATE INDEX attempts_learner_exercise ON attempts (learner, exercise_id)",
    ),
}

ATTEMPT_COLUMNS = [
    "id",
    "learner",
    "exercise_id",
    "module",
    "kind",
    "mode",
    "score",
    "correct",
    "seconds",
    "created_at",
    "graded_at",
    "response",
    "result",
]


def data_dir() -> Path:
    """The folder for progress (``RCMLAB_DATA_DIR`` or the platform's user data folder)."""
    env = os.environ.get("RCMLAB_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("rcmlab"))


@cache
def _catalog_modules() -> dict[str, str]:
    """Module id -> title from exercises/catalog.yaml (in learner-path order)."""
    import yaml

    path = Path(__file__).resolve().parent / "catalog.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8"))["modules"])


@cache
def _bank_counts() -> dict[str, int]:
    """Exercises per module in the built-in bank (for ``total``)."""
    from exercises.load import bank

    counts: dict[str, int] = {}
    for ex in bank().values():
        counts[ex.module] = counts.get(ex.module, 0) + 1
    return counts


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Progress:
    """Attempts of one learner in one SQLite file (see the module docstring)."""

    def __init__(self, path: str | Path, learner: str = "me") -> None:
        if not isinstance(learner, str) or not learner.strip():
            raise ExerciseError("progress: learner must be a non-empty name")
        self.path = Path(path)
        self.learner = learner.strip()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    @classmethod
    def default(cls) -> Progress:
        """Progress in ``data_dir()/progress.sqlite`` for learner ``RCMLAB_LEARNER``
        (default ``me``)."""
        return cls(data_dir() / "progress.sqlite", os.environ.get("RCMLAB_LEARNER") or "me")

    def __repr__(self) -> str:
        return f"Progress({str(self.path)!r}, learner={self.learner!r})"

    # --- connection and schema ----------------------------------------------------------

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection in autocommit mode (transactions are explicit)."""
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            yield con
        finally:
            con.close()

    def _migrate(self) -> None:
        """Create or upgrade the schema (``PRAGMA user_version``), once per process."""
        with self._connect() as con:
            if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            if con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                return
            con.execute("BEGIN IMMEDIATE")  # one process migrates; the other waits
            try:
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise ExerciseError(
                        f"{self.path}: progress schema version {version} is newer than this "
                        f"rcmlab reads ({SCHEMA_VERSION}); upgrade rcmlab"
                    )
                for v in range(version + 1, SCHEMA_VERSION + 1):
                    for statement in MIGRATIONS[v]:
                        con.execute(statement)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        with self._connect() as con:
            return int(con.execute("PRAGMA user_version").fetchone()[0])

    # --- writing ------------------------------------------------------------------------

    def record(
        self,
        exercise: Exercise,
        response: dict,
        result: CheckResult | None,
        *,
        seconds: float | None = None,
        mode: str = "practice",
    ) -> int:
        """Store one attempt and return its id. ``result`` is None for an answer that is
        not graded yet (assignment mode); :meth:`set_result` grades it later."""
        if mode not in MODES:
            raise ExerciseError(f"progress: mode {mode!r} is not one of {', '.join(MODES)}")
        if seconds is not None and (seconds != seconds or seconds < 0):
            raise ExerciseError(f"progress: seconds must be a positive number, not {seconds!r}")
        try:
            response_json = json.dumps(response, sort_keys=True, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise ExerciseError(f"progress: the response is not JSON-serialisable: {exc}") from None
        graded = _result_columns(result)
        with self._connect() as con:
            cur = con.execute(
                "INSERT INTO attempts (learner, exercise_id, module, kind, mode, response,"
                " result, score, correct, seconds, created_at, graded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.learner,
                    exercise.id,
                    exercise.module,
                    exercise.kind,
                    mode,
                    response_json,
                    *graded,
                    seconds,
                    _now(),
                    _now() if result is not None else None,
                ),
            )
            return int(cur.lastrowid)

    def set_result(self, attempt_id: int, result: CheckResult) -> None:
        """Grade a stored attempt (assignment mode, after the grading step)."""
        with self._connect() as con:
            cur = con.execute(
                "UPDATE attempts SET result = ?, score = ?, correct = ?, graded_at = ?"
                " WHERE id = ? AND learner = ?",
                (*_result_columns(result), _now(), attempt_id, self.learner),
            )
            if cur.rowcount != 1:
                raise ExerciseError(f"progress: no attempt {attempt_id} for {self.learner!r}")

    # --- reading ------------------------------------------------------------------------

    def attempts(self, exercise_id: str | None = None, module: str | None = None) -> pd.DataFrame:
        """This learner's attempts, oldest first (``response`` and ``result`` as dicts;
        ``score``/``correct`` empty while an attempt is not graded)."""
        sql = f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE learner = ?"
        args: list[Any] = [self.learner]
        if exercise_id is not None:
            sql += " AND exercise_id = ?"
            args.append(exercise_id)
        if module is not None:
            sql += " AND module = ?"
            args.append(module)
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY id", args).fetchall()
        df = pd.DataFrame(rows, columns=ATTEMPT_COLUMNS)
        df["response"] = [json.loads(v) for v in df["response"]]
        df["result"] = [json.loads(v) if isinstance(v, str) and v else None for v in df["result"]]
        df["correct"] = pd.array([None if v is None else bool(v) for v in df["correct"]], "boolean")
        df["score"] = df["score"].astype(float)
        df["seconds"] = df["seconds"].astype(float)
        return df

    def pending(self) -> pd.DataFrame:
        """Attempts recorded without a result (assignment mode, not graded yet)."""
        df = self.attempts()
        return df[df["result"].isna()].reset_index(drop=True)

    def _per_exercise(self, module: str | None = None) -> list[tuple[Any, ...]]:
        """(module, exercise_id, best score, ever correct, seconds, attempts) per exercise."""
        sql = (
            "SELECT module, exercise_id, MAX(score), MAX(COALESCE(correct, 0)),"
            " COALESCE(SUM(seconds), 0), COUNT(*) FROM attempts WHERE learner = ?"
        )
        args: list[Any] = [self.learner]
        if module is not None:
            sql += " AND module = ?"
            args.append(module)
        with self._connect() as con:
            return con.execute(sql + " GROUP BY module, exercise_id", args).fetchall()

    def module_summary(self, module: str) -> dict[str, Any]:
        """``{"attempted": n, "correct": n, "total": n or None, "best": {id: score}}``:
        exercises attempted and answered correctly at least once, exercises in the
        module's bank (None if the bank has none), and each exercise's best graded score
        (None while its only attempts are ungraded)."""
        rows = self._per_exercise(module)
        total = _bank_counts().get(module)
        return {
            "attempted": len(rows),
            "correct": sum(1 for r in rows if r[3]),
            "total": total or None,
            "best": {r[1]: (None if r[2] is None else float(r[2])) for r in rows},
        }

    def overview(self) -> pd.DataFrame:
        """One row per module of the learner path (catalog order, then any other module
        that has attempts): attempted, correct, total, best average (mean of each
        attempted exercise's best score), attempts, minutes spent."""
        empty = {"exercises": 0, "best": [], "correct": 0, "seconds": 0.0, "attempts": 0}
        stats: dict[str, dict[str, Any]] = {}
        for mod, _eid, best, correct, seconds, n in self._per_exercise():
            s = stats.setdefault(mod, {**empty, "best": []})
            s["exercises"] += 1
            if best is not None:
                s["best"].append(float(best))
            s["correct"] += int(bool(correct))
            s["seconds"] += float(seconds)
            s["attempts"] += int(n)
        titles = _catalog_modules()
        counts = _bank_counts()
        rows = []
        for mod in list(titles) + sorted(m for m in stats if m not in titles):
            s = stats.get(mod, empty)
            rows.append(
                {
                    "module": mod,
                    "title": titles.get(mod, mod),
                    "attempted": s["exercises"],
                    "correct": s["correct"],
                    "total": counts.get(mod, 0),
                    "best_average": (sum(s["best"]) / len(s["best"])) if s["best"] else None,
                    "attempts": s["attempts"],
                    "minutes": round(s["seconds"] / 60, 1),
                }
            )
        df = pd.DataFrame(rows)
        df["best_average"] = df["best_average"].astype(float)
        return df

    def chart(self):  # -> matplotlib.figure.Figure
        """Bar chart of the overview: per module, exercises attempted and correct
        against the bank's total, with the best-score average written on each bar."""
        from matplotlib.figure import Figure

        df = self.overview()
        df = df[(df["total"] > 0) | (df["attempted"] > 0)].reset_index(drop=True)
        fig = Figure(figsize=(9, 0.45 * max(len(df), 3) + 1.2), layout="constrained")
        ax = fig.subplots()
        y = range(len(df))
        ax.barh(y, df["total"], color="#e5e7eb", label="in the bank")
        ax.barh(y, df["attempted"], color="#93c5fd", label="attempted")
        ax.barh(y, df["correct"], color="#1d4ed8", label="correct")
        for i, row in df.iterrows():
            if row["best_average"] == row["best_average"]:  # not NaN
                end = max(row["total"], row["attempted"])
                ax.text(end, i, f"  best avg {row['best_average']:.0%}", va="center", fontsize=8)
        ax.set_yticks(list(y), [f"{m}" for m in df["module"]])
        ax.invert_yaxis()
        ax.set_xlabel("exercises")
        ax.set_title(f"Progress of {self.learner}")
        ax.legend(loc="lower right", fontsize=8)
        return fig


def _result_columns(result: CheckResult | None) -> tuple[Any, Any, Any]:
    """(result JSON, score, correct) for the attempts table."""
    if result is None:
        return None, None, None
    return (
        json.dumps(result.as_dict(), ensure_ascii=False),
        float(result.score),
        int(bool(result.correct)),
    )
