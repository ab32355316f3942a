"""Learner progress (SQLite) and the practice/assignment modes."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exercises import load, progress
from exercises.check import check
from exercises.model import ExerciseError
from exercises.modes import Session, result_from_dict
from exercises.progress import Progress

BANK = load.bank()
DX = BANK["dx-diabetes-ckd-001"]
MC = BANK["mc-placeholder-x-001"]


@pytest.fixture()
def prog(tmp_path):
    return Progress(tmp_path / "p.sqlite", learner="ana")


def test_default_lives_in_the_configurable_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("RCMLAB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RCMLAB_LEARNER", "student-7")
    p = Progress.default()
    assert p.path == tmp_path / "data" / "progress.sqlite" and p.path.exists()
    assert p.learner == "student-7"
    monkeypatch.delenv("RCMLAB_DATA_DIR")
    assert progress.data_dir().name == "rcmlab"


def test_schema_version_and_wal(prog):
    assert prog.schema_version == progress.SCHEMA_VERSION
    con = sqlite3.connect(prog.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.execute("PRAGMA user_version = 99")
    con.commit()
    con.close()
    with pytest.raises(ExerciseError, match="newer than this rcmlab"):
        Progress(prog.path)


def test_record_and_read_back_survives_a_new_object(prog):
    right = check(DX, DX.answer)
    wrong = check(DX, {"diagnoses": ["E11.9"]})
    a1 = prog.record(DX, {"diagnoses": ["E11.9"]}, wrong, seconds=30)
    a2 = prog.record(DX, DX.answer, right, seconds=12.5)
    prog.record(MC, {"choice": "A"}, check(MC, {"choice": "A"}))
    assert a2 == a1 + 1
    again = Progress(prog.path, learner="ana")  # a restarted kernel
    df = again.attempts(exercise_id=DX.id)
    assert list(df["id"]) == [a1, a2]
    assert list(df["correct"]) == [False, True]
    assert df.iloc[1]["response"] == DX.answer
    assert result_from_dict(df.iloc[1]["result"]) == right
    assert len(again.attempts(module="02-diagnosis-coding")) == 3
    s = again.module_summary("02-diagnosis-coding")
    assert s["attempted"] == 2 and s["correct"] == 1
    assert s["best"] == {DX.id: 1.0, MC.id: 0.0}
    assert s["total"] == sum(1 for e in BANK.values() if e.module == "02-diagnosis-coding")
    assert again.module_summary("99-nothing")["total"] is None
    # another learner in the same file sees nothing of ana's
    assert Progress(prog.path, learner="ben").attempts().empty


def test_overview_and_chart(prog):
    prog.record(DX, DX.answer, check(DX, DX.answer), seconds=60)
    prog.record(DX, {"diagnoses": ["E11.9"]}, check(DX, {"diagnoses": ["E11.9"]}), seconds=60)
    ov = prog.overview().set_index("module")
    row = ov.loc["02-diagnosis-coding"]
    assert (row["attempted"], row["correct"], row["attempts"]) == (1, 1, 2)
    assert row["best_average"] == 1.0 and row["minutes"] == 2.0
    assert ov.loc["00-start-here", "attempted"] == 0
    assert list(ov.index[:3]) == ["00-start-here", "01-code-sets", "02-diagnosis-coding"]
    fig = prog.chart()
    assert fig.axes and fig.axes[0].get_title() == "Progress of ana"


def test_bad_input_is_one_line(prog):
    with pytest.raises(ExerciseError, match="mode 'homework'"):
        prog.record(DX, {}, None, mode="homework")
    with pytest.raises(ExerciseError, match="seconds"):
        prog.record(DX, {}, None, seconds=-1)
    with pytest.raises(ExerciseError, match="JSON"):
        prog.record(DX, {"x": object()}, None)
    with pytest.raises(ExerciseError, match="learner"):
        Progress(prog.path, learner=" ")


def _writer(path: str, learner: str, n: int) -> None:
    ex = load.bank()["mc-placeholder-x-001"]
    p = Progress(path, learner=learner)
    for i in range(n):
        resp = {"choice": "B" if i % 2 else "C"}
        p.record(ex, resp, check(ex, resp), seconds=1.0)


def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, who, 60)) for who in ("k1", "k2")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    for who in ("k1", "k2"):
        df = Progress(path, learner=who).attempts()
        assert len(df) == 60 and df["id"].is_unique
        assert df["correct"].sum() == 30


def test_practice_mode_checks_at_once(prog):
    ticks = iter([100.0, 107.5])
    s = Session("practice", prog, BANK, clock=lambda: next(ticks))
    s.start(DX)
    r = s.answer(DX, {"diagnoses": ["E11.22", "N18.31", "Z79.84"]})
    assert r is not None and r.correct
    row = prog.attempts().iloc[0]
    assert row["seconds"] == 7.5 and row["mode"] == "practice" and row["correct"]
    assert s.feedback(DX) == r


def test_assignment_mode_hides_feedback_until_graded(prog):
    s = Session("assignment", prog, [DX, MC])
    assert s.answer(DX, {"diagnoses": ["E11.9"]}, seconds=20) is None
    assert s.answer(MC, {"choice": "b"}) is None
    assert s.feedback(DX) is None and len(prog.pending()) == 2
    assert prog.module_summary("02-diagnosis-coding")["best"] == {DX.id: None, MC.id: None}
    graded = s.grade()
    assert set(graded) == {DX.id, MC.id}
    assert graded[MC.id].correct and not graded[DX.id].correct
    assert s.feedback(DX) == graded[DX.id] and prog.pending().empty
    # a malformed answer is refused before anything is stored
    with pytest.raises(ExerciseError):
        s.answer(MC, {"choice": ""})
    assert len(prog.attempts()) == 2


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    answers=st.lists(
        st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.floats(0, 600)), max_size=8
    )
)
def test_summary_matches_the_attempts(tmp_path_factory, answers):
    p = Progress(tmp_path_factory.mktemp("h") / "p.sqlite")
    for choice, secs in answers:
        resp = {"choice": choice}
        p.record(MC, resp, check(MC, resp), seconds=secs)
    s = p.module_summary(MC.module)
    assert s["attempted"] == (1 if answers else 0)
    assert s["correct"] == (1 if any(c == "B" for c, _ in answers) else 0)
    if answers:
        assert s["best"][MC.id] == (1.0 if s["correct"] else 0.0)
    row = p.overview().set_index("module").loc[MC.module]
    assert row["attempts"] == len(answers)
    assert row["minutes"] == round(sum(x for _, x in answers) / 60, 1)
