"""The table reader: every malformed row is reported as FILE:LINE: field 'X': problem."""

from __future__ import annotations

import gzip

import pytest

from codesets import _cache
from codesets._tables import DataFileError, boolean, integer, iso_date, number, read_table, text

COLS = {"code": text, "n": integer, "x": number, "flag": boolean, "day": iso_date}


def _write(tmp_path, body: str, name: str = "t.csv"):
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    return p


def test_good_rows_are_parsed(tmp_path):
    p = _write(tmp_path, "code,n,x,flag,day,extra\nA,1,2.5,true,20260101,keep\n")
    rows = list(read_table(p, COLS))
    assert rows == [
        (2, {"code": "A", "n": 1, "x": 2.5, "flag": True, "day": "2026-01-01", "extra": "keep"})
    ]


def test_gzip_tables_are_read(tmp_path):
    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress(b"code,n,x,flag,day\nA,1,2,no,2026-01-01\n"))
    assert next(iter(read_table(p, COLS)))[1]["flag"] is False


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "code,n,x,flag,day\nA,one,2,true,2026-01-01\n",
            "t.csv:2: field 'n': not a whole number: 'one'",
        ),
        (
            "code,n,x,flag,day\nA,1,2,true,2026-01-01\nB,1,x,true,2026-01-01\n",
            "t.csv:3: field 'x': not a number",
        ),
        ("code,n,x,flag,day\nA,1,2,maybe,2026-01-01\n", "t.csv:2: field 'flag': not true/false"),
        ("code,n,x,flag,day\nA,1,2,true,1/2/2026\n", "t.csv:2: field 'day': not a date"),
        ("code,n,x,flag,day\n,1,2,true,2026-01-01\n", "t.csv:2: field 'code': is empty"),
        ("code,n,x,flag,day\nA,1,2\n", "t.csv:2: expected 5 fields, found 3"),
        ("code,n,x,flag\nA,1,2,true\n", "t.csv:1: missing column(s) day"),
        ("", "t.csv:1: empty file"),
    ],
)
def test_malformed_rows(tmp_path, body, message):
    p = _write(tmp_path, body)
    with pytest.raises(DataFileError) as err:
        list(read_table(p, COLS))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataFileError, match="cannot open"):
        list(read_table(tmp_path / "nope.csv", COLS))


def test_cache_round_trip_rebuilds_stale_and_corrupt(tmp_cache):
    calls = []

    def build():
        calls.append(1)
        return {"a": [1, 2, 3], "b": b"xyz"}

    assert _cache.load_or_build("demo", "k1", build) == ({"a": [1, 2, 3], "b": b"xyz"}, True)
    assert _cache.load_or_build("demo", "k1", build)[1] is False
    assert len(calls) == 1
    # A new key (new package version) rebuilds and removes the stale file.
    assert _cache.load_or_build("demo", "k2", build)[1] is True
    assert len(list(tmp_cache.glob("demo-*"))) == 1
    # A corrupt file is rebuilt.
    f = next(tmp_cache.glob("demo-*"))
    f.write_bytes(f.read_bytes()[:-3] + b"bad")
    assert _cache.load_or_build("demo", "k2", build)[1] is True
