"""Damaged X12 never gives a traceback.

A seeded corpus of mutations of the public 837P samples (tests/data/x12) and of simulated
files — a segment dropped, duplicated or swapped, the file cut at a random byte, garbage
bytes inserted, delimiters swapped, counts changed, an element replaced — must either read
into claims or raise :class:`X12Error` with one line naming the segment position; pyx12
validation must return a report, and a 999 built from that report must have a sound
envelope (or refuse with X12Error).
"""

from __future__ import annotations

import random
import re
from datetime import datetime
from functools import cache

import pytest

from sim.claims import Claim
from sim.x12 import X12Error, read_837p
from sim.x12.ack999 import make_999
from sim.x12.errors import check_envelopes, segments
from sim.x12.validate import ValidationReport, validate
from tests.sim.test_x12_837 import DATA, sim_claims, write

SEED = 20260202
MUTATIONS_PER_FILE = 30
ONE_LINE = re.compile(r"^(segment \d+( \([A-Z0-9]{2,3}\))?: \S|the input is empty)")


SAMPLES = sorted(p for p in DATA.glob("*/*.edi"))
NAMES = [p.name for p in SAMPLES] + ["sim-family", "sim-ortho"]


@cache
def corpus_text(name: str) -> str:
    """A public sample by file name, or a simulated 25-claim file."""
    if name == "sim-family":
        return write(sim_claims(1)[:25], control=7)
    if name == "sim-ortho":
        return write(sim_claims(2, 300, "orthopedic-group")[:25], control=8)
    return next(p for p in SAMPLES if p.name == name).read_text(encoding="latin-1")


def corpus() -> list[tuple[str, str]]:
    return [(name, corpus_text(name)) for name in NAMES]


def _parts(text: str) -> tuple[str, list[str]]:
    d, _ = segments(text)
    body = [s for s in text.split(d.segment)]
    return d.segment, body


def mutate(rng: random.Random, text: str) -> tuple[str, str]:
    """One random mutation of ``text``: (kind, mutated text)."""
    term, pieces = _parts(text)
    kind = rng.choice(
        [
            "drop",
            "duplicate",
            "swap",
            "cut",
            "garbage",
            "delims-body",
            "delims-isa",
            "count",
            "element",
            "empty",
        ]
    )
    n = len(pieces) - 1  # the last piece is what follows the final terminator
    if kind == "drop":
        i = rng.randrange(n)
        pieces = pieces[:i] + pieces[i + 1 :]
    elif kind == "duplicate":
        i = rng.randrange(n)
        pieces = [*pieces[: i + 1], pieces[i], *pieces[i + 1 :]]
    elif kind == "swap":
        i = rng.randrange(n - 1)
        pieces[i], pieces[i + 1] = pieces[i + 1], pieces[i]
    elif kind == "cut":
        return kind, text[: rng.randrange(len(text))]
    elif kind == "garbage":
        at = rng.randrange(len(text))
        junk = "".join(chr(rng.randrange(256)) for _ in range(rng.randint(1, 8)))
        return kind, text[:at] + junk + text[at:]
    elif kind == "delims-body":
        i = rng.randrange(1, n)
        a, b = rng.sample(["*", ":", "^", "|", "~", ">"], 2)
        pieces[i] = pieces[i].replace(a, b)
    elif kind == "delims-isa":
        head = text.lstrip()
        c = rng.choice(["|", "+", "!", ":", "A", " "])
        pos = rng.choice([3, 103, 104, 105])
        return kind, head[:pos] + c + head[pos + 1 :]
    elif kind == "count":
        trailers = [i for i, p in enumerate(pieces) if p.strip().startswith(("SE*", "GE*", "IEA*"))]
        i = rng.choice(trailers)
        el = pieces[i].split("*")
        el[rng.choice([1, 2])] = str(rng.randint(0, 99))
        pieces[i] = "*".join(el)
    elif kind == "element":
        i = rng.randrange(1, n)
        el = pieces[i].split("*")
        if len(el) > 1:
            j = rng.randrange(1, len(el))
            el[j] = rng.choice(["", "X", "99999999", "20261340", "1.2.3", "-5", "ABC:DEF", "\x01"])
        pieces[i] = "*".join(el)
    elif kind == "empty":
        i = rng.randrange(1, n)
        pieces[i] = ""
    return kind, term.join(pieces)


def check_read(text: str) -> list[Claim] | None:
    try:
        claims = read_837p(text)
    except X12Error as exc:
        msg = str(exc)
        assert "\n" not in msg
        assert ONE_LINE.match(msg), msg
        return None
    assert all(isinstance(c, Claim) for c in claims)
    return claims


def check_validate(text: str) -> ValidationReport:
    report = validate(text)
    assert isinstance(report, ValidationReport)
    for f in report.findings:
        assert f.position is None or f.position >= 1
        assert "\n" not in str(f)
    assert report.text()
    if report.readable and report.groups:
        ack = make_999(text, report, created=datetime(2026, 2, 2), control=1)
        check_envelopes(segments(ack)[1])  # the 999's own counts and control numbers
    return report


def test_the_corpus_is_readable_to_start_with():
    items = corpus()
    assert len(items) >= 19
    for name, text in items:
        claims = read_837p(text)
        assert claims, name


@pytest.mark.parametrize("name", NAMES)
def test_mutations_read_or_raise_x12error(name):
    text = corpus_text(name)
    rng = random.Random(f"{SEED}:{name}")
    kinds: dict[str, int] = {}
    for k in range(MUTATIONS_PER_FILE):
        kind, mutant = mutate(rng, text)
        kinds[kind] = kinds.get(kind, 0) + 1
        try:
            check_read(mutant)
            if k % 3 == 0 or not name.startswith("sim-"):
                check_validate(mutant)
        except AssertionError:
            raise
        except Exception as exc:  # any other exception is the bug this test looks for
            pytest.fail(f"{name} mutation {k} ({kind}) raised {type(exc).__name__}: {exc}")
    assert len(kinds) >= 5


@pytest.mark.parametrize("trailer", ["SE", "GE", "IEA"])
def test_wrong_trailer_counts_name_the_trailer(trailer):
    text = write(sim_claims(1)[:3])
    pos = next(s.position for s in segments(text)[1] if s.id == trailer)
    bad = re.sub(rf"(^|~\n){trailer}\*\d+\*", rf"\g<1>{trailer}*77*", text)
    with pytest.raises(X12Error, match=rf"^segment {pos} \({trailer}\): {trailer}01 says 77"):
        read_837p(bad)
    report = validate(bad)
    assert any(f.position == pos and f.segment == trailer for f in report.findings)


def test_consistent_delimiter_swaps_read_the_same_claims():
    for name, text in corpus():
        d, _ = segments(text)
        table = str.maketrans({d.element: "|", d.component: "}", d.segment: "!"})
        swapped = text.translate(table)
        assert read_837p(swapped) == read_837p(text), name


def test_wrong_delimiters_are_reported_at_the_first_bad_segment():
    text = write(sim_claims(1)[:2])
    body_pipes = text[:106] + text[106:].replace("*", "|")
    with pytest.raises(X12Error, match=r"^segment 2: 'GS\|HC"):
        read_837p(body_pipes)
    assert not validate(body_pipes).ok


def test_non_x12_inputs():
    for junk in ["", "   \n", "<xml/>", "ISA", "\x00" * 200, "ISA*00*" + "x" * 50]:
        with pytest.raises(X12Error) as err:
            read_837p(junk)
        assert ONE_LINE.match(str(err.value)), str(err.value)
        report = validate(junk)
        assert not report.ok and not report.readable
