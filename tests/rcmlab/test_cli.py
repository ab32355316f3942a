"""The `rcmlab` command: codes lookup/search/validate and lab, exit statuses, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rcmlab.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_lookup_icd10cm_json(capsys):
    code, out, err = run(capsys, "codes", "lookup", "E11.22")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["system"] == "icd10cm" and data["code"] == "E11.22"
    assert data["billable"] is True
    assert set(data) >= {"system", "code", "description", "billable", "notes"}
    assert "type 1 diabetes mellitus (E10.-)" in data["notes"]["excludes1"]


def test_lookup_hcpcs_names_the_icd_twin(capsys):
    _, out, _ = run(capsys, "codes", "lookup", "J1100")
    data = json.loads(out)
    assert data["system"] == "hcpcs" and "dexamethasone" in data["description"]
    assert {"system": "icd10cm", "code": "J11.00"} in data["also"]
    _, out, _ = run(capsys, "codes", "lookup", "J1100", "--system", "icd10cm")
    assert json.loads(out)["code"] == "J11.00"


def test_lookup_other_systems(capsys):
    assert json.loads(run(capsys, "codes", "lookup", "99213")[1])["system"] == "cpt"
    mod = json.loads(run(capsys, "codes", "lookup", "RT")[1])
    assert mod["system"] == "modifier" and mod["notes"]["level"] == "HCPCS"
    pos = json.loads(run(capsys, "codes", "lookup", "11", "--system", "pos")[1])
    assert pos["description"] == "Office" and pos["notes"]["setting"] == "non-facility"
    adj = json.loads(run(capsys, "codes", "lookup", "CO-45")[1])
    assert adj["system"] == "carc" and adj["notes"]["group"]["code"] == "CO"
    rarc = json.loads(run(capsys, "codes", "lookup", "N130", "--system", "rarc")[1])
    assert rarc["system"] == "rarc"


@pytest.mark.parametrize(
    ("typed", "nearest"),
    [("E11.99", "E11.9"), ("J0000", "J0120"), ("QQQ", None), ("99999", None)],
)
def test_unknown_code_exits_2_with_one_line(capsys, typed, nearest):
    code, out, err = run(capsys, "codes", "lookup", typed)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("rcmlab: ")
    assert typed in err
    if nearest:
        assert "nearest" in err and nearest in err


def test_search_table_and_json(capsys):
    code, out, _ = run(capsys, "codes", "search", "type 2 diabetes ckd", "--system", "icd10cm")
    assert code == 0 and out.splitlines()[0].split()[1] == "E11.22"
    code, out, _ = run(capsys, "codes", "search", "dexamethasone", "--json", "--limit", "3")
    hits = json.loads(out)
    assert len(hits) == 3 and {"system", "code", "description", "billable"} <= set(hits[0])
    code, out, err = run(capsys, "codes", "search", "x", "--limit", "0")
    assert code == 2 and "--limit" in err


def test_validate_reports_verdicts_and_excludes1(capsys):
    _, out, _ = run(capsys, "codes", "validate", "E11.9", "E10.9", "N18.3")
    data = json.loads(out)
    assert [c["status"] for c in data["codes"]] == ["billable", "billable", "not-billable"]
    assert {(x["code"], x["excluded"]) for x in data["excludes1"]} == {
        ("E11.9", "E10.9"),
        ("E10.9", "E11.9"),
    }


def test_lab_dry_run_points_at_the_start_page(capsys):
    code, out, _ = run(capsys, "lab", "--dry-run", "--no-browser", "--port", "8899")
    assert code == 0
    assert "jupyterlab" in out and "00-start-here.ipynb" in out and "--port=8899" in out


def test_lab_without_notebooks_is_a_one_line_error(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("RCMLAB_NOTEBOOKS", str(tmp_path))
    code, _, err = run(capsys, "lab", "--dry-run")
    assert code == 2 and "start page not found" in err and err.count("\n") == 1


def test_python_dash_m_and_usage_errors():
    r = subprocess.run(
        [sys.executable, "-m", "rcmlab", "codes", "lookup", "NOPE!"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    r = subprocess.run(
        [sys.executable, "-m", "rcmlab", "--version"], capture_output=True, text=True
    )
    assert r.returncode == 0 and r.stdout.startswith("rcmlab ")
    r = subprocess.run([sys.executable, "-m", "rcmlab"], capture_output=True, text=True)
    assert r.returncode == 2


def test_lab_serves_the_learners_own_copy(capsys, monkeypatch, tmp_path):
    """`rcmlab lab` copies the notebooks into the data dir (the checkout is never written
    to); `--in-place` serves the checkout's own notebooks."""
    monkeypatch.setenv("RCMLAB_DATA_DIR", str(tmp_path / "data"))
    code, out, _ = run(capsys, "lab", "--dry-run", "--no-browser")
    mine = tmp_path / "data" / "notebooks"
    assert code == 0 and f"--ServerApp.root_dir={mine}" in out
    assert (mine / "00-start-here.ipynb").exists() and (mine / "11-capstone.ipynb").exists()
    code, out, _ = run(capsys, "lab", "--dry-run", "--in-place")
    assert code == 0 and str(mine) not in out and "root_dir=" in out


def test_learner_copy_keeps_the_learners_edits(tmp_path):
    from rcmlab.cli import learner_copy

    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "a.ipynb").write_text("v1")
    (src / "b.ipynb").write_text("v1")
    assert learner_copy(src, dst) == []
    (dst / "a.ipynb").write_text("my answers")  # the learner saved a
    (src / "a.ipynb").write_text("v2")  # and rcmlab updated both
    (src / "b.ipynb").write_text("v2")
    assert learner_copy(src, dst) == ["a.ipynb"]
    assert (dst / "a.ipynb").read_text() == "my answers"
    assert (dst / "b.ipynb").read_text() == "v2"  # untouched copies follow the source
    assert learner_copy(src, dst) == ["a.ipynb"]  # still kept, still said
