"""Medicare PFS: RVU and GPCI spot values, the allowed-amount formula and its
payment-policy modifiers, errors, and validation of malformed files."""

from __future__ import annotations

import csv
import gzip
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from codesets import DataFileError, ncci, pfs, pos
from codesets._tables import data_path

D = Decimal
CF = D("33.4009")


def cents(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), ROUND_HALF_UP)


# --- the data -------------------------------------------------------------------------


def test_conversion_factor() -> None:
    assert D("33.4009") == pfs.CONVERSION_FACTOR
    from codesets.pfs import CONVERSION_FACTOR

    assert CONVERSION_FACTOR == CF


def test_rvu_99213() -> None:
    r = pfs.rvu("99213")
    assert r is not None
    assert (r.code, r.modifier, r.status) == ("99213", None, "A")
    assert (r.work, r.nonfac_pe, r.fac_pe, r.mp) == (D("1.30"), D("1.46"), D("0.33"), D("0.09"))
    assert r.nonfac_total == D("2.85") and r.fac_total == D("1.72")
    assert r.global_days == "XXX" and r.pctc_ind == 0
    assert r.description is None  # CPT: no AMA descriptor shipped
    assert pfs.rvu(" 99213 ") is r


def test_rvu_20610_indicators() -> None:
    r = pfs.rvu("20610")
    assert r.status == "A" and r.global_days == "000"
    assert (r.mult_proc, r.bilat_surg, r.asst_surg, r.co_surg, r.team_surg) == (2, 1, 1, 0, 0)
    assert r.pctc_ind == 0
    assert (r.work, r.nonfac_pe, r.fac_pe, r.mp) == (D("0.77"), D("1.16"), D("0.29"), D("0.13"))


def test_rvu_71046_pc_tc_split() -> None:
    glob, pc, tc = pfs.rvu("71046"), pfs.rvu("71046", "26"), pfs.rvu("71046", "tc")
    assert glob.pctc_ind == pc.pctc_ind == tc.pctc_ind == 1
    assert (pc.modifier, tc.modifier) == ("26", "TC")
    assert (pc.work, pc.nonfac_pe, pc.mp) == (D("0.21"), D("0.08"), D("0.01"))
    assert (tc.work, tc.nonfac_pe, tc.mp) == (D("0.00"), D("0.68"), D("0.01"))
    assert pc.nonfac_total + tc.nonfac_total == glob.nonfac_total


def test_level2_description_and_is_known() -> None:
    assert pfs.rvu("G0439").description == "Ppps, subseq visit"
    assert pfs.is_known("99213") and pfs.is_known("g0439") and pfs.is_known("86153")
    assert not pfs.is_known("99999")
    assert pfs.rvu("99999") is None
    assert pfs.rvu("99213", "26") is None
    assert pfs.rvu("9921", "3") is None  # never a glued-together key


def test_gpcis() -> None:
    locs = pfs.localities()
    assert len(locs) == 109
    assert len({g.id for g in locs}) == 109
    assert len({g.state for g in locs}) == 53
    al = pfs.gpci("10112-00")
    assert (al.state, al.name, al.work, al.work_no_floor) == (
        "AL",
        "ALABAMA",
        D("1.000"),
        D("0.988"),
    )
    (ak,) = pfs.find_locality("ak")
    assert ak.id == "02102-01" and ak.work == D("1.5") and ak.pe == D("1.065")
    assert all(g.work >= 1 for g in locs)  # the 1.0 work floor
    sf = pfs.find_locality("CA", "san francisco")
    assert sf and all("SAN FRANCISCO" in g.name for g in sf)
    nat = pfs.gpci("national")
    assert nat.id == "national" and (nat.work, nat.pe, nat.mp) == (1, 1, 1)
    with pytest.raises(pfs.PFSError, match="unknown Medicare locality '99999-99'"):
        pfs.gpci("99999-99")


def test_mue_codes_are_pfs_known_or_level2_or_lab() -> None:
    """Every MUE code is in the RVU file, or a HCPCS Level II code, or a PLA/MAAA lab
    code (####U/####M) paid under the clinical lab fee schedule."""
    codes = list(ncci._default()._mue)
    known = [c for c in codes if pfs.is_known(c)]
    level2 = [c for c in codes if not pfs.is_known(c) and c[0].isalpha()]
    lab = [c for c in codes if not pfs.is_known(c) and re.fullmatch(r"\d{4}[UM]", c)]
    other = sorted(set(codes) - set(known) - set(level2) - set(lab))
    print(
        f"MUE codes: {len(codes)}; in the PFS {len(known)}, Level II not in the PFS "
        f"{len(level2)}, PLA/MAAA lab {len(lab)}, other {len(other)} {other[:10]}"
    )
    assert len(known) > 12_000
    assert len(other) < 20


# --- the allowed amount -------------------------------------------------------------------


def test_99213_national() -> None:
    assert pfs.allowed_amount("99213") == D("95.19") == cents(D("2.85") * CF)
    assert pfs.allowed_amount("99213", setting="facility") == cents(D("1.72") * CF) == D("57.45")
    assert pfs.allowed_amount("99213", units=2) == D("190.38")
    assert pfs.allowed_amount("99213", ["25"]) == D("95.19")  # not a payment modifier


def test_locality_by_hand() -> None:
    # Alaska (02102-01): work 1.500, PE 1.065, MP 0.551
    by_hand = (D("1.30") * D("1.500") + D("1.46") * D("1.065") + D("0.09") * D("0.551")) * CF
    # = (1.95 + 1.5549 + 0.04959) x 33.4009 = 3.55449 x 33.4009
    assert by_hand == D("118.723165041")
    assert pfs.allowed_amount("99213", locality="02102-01") == D("118.72")
    # the same with a GPCI object
    (ak,) = pfs.find_locality("AK")
    assert pfs.allowed_amount("99213", locality=ak) == D("118.72")


def test_price_explains_steps() -> None:
    p = pfs.price("99213", locality="02102-01")
    assert p.gpci_adjusted_rvus == D("3.55449")
    assert p.fee_schedule_amount == p.allowed == D("118.72")
    text = p.explain()
    assert "(1.30 x 1.500)" in text and "CF 33.4009" in text


def test_setting_from_pos() -> None:
    office = pfs.allowed_amount("20610", setting=pos.setting("11"))
    hospital = pfs.allowed_amount("20610", setting=pos.setting(22))
    assert office == cents((D("0.77") + D("1.16") + D("0.13")) * CF) == D("68.81")
    assert hospital == cents((D("0.77") + D("0.29") + D("0.13")) * CF) == D("39.75")
    with pytest.raises(pfs.PFSError, match="setting must be"):
        pfs.allowed_amount("20610", setting="office")


def test_nonfacility_na_uses_facility_pe() -> None:
    r = pfs.rvu("27447")
    assert r.nonfac_na
    p = pfs.price("27447")
    assert p.pe_setting == "facility"
    assert p.allowed == pfs.allowed_amount("27447", setting="facility")


def test_26_and_tc() -> None:
    assert pfs.allowed_amount("71046", ["26"]) == cents(D("0.30") * CF) == D("10.02")
    assert pfs.allowed_amount("71046", ["tc"]) == cents(D("0.69") * CF) == D("23.05")
    assert pfs.allowed_amount("71046") == cents(D("0.99") * CF) == D("33.07")
    with pytest.raises(pfs.PFSError, match=r"^99213: modifier 26 does not apply"):
        pfs.allowed_amount("99213", ["26"])
    with pytest.raises(pfs.PFSError, match="26 and TC"):
        pfs.allowed_amount("71046", ["26", "TC"])
    with pytest.raises(pfs.PFSError, match="only with modifier 26"):
        pfs.allowed_amount("86153")
    assert pfs.allowed_amount("86153", "26") > 0


# 27447: RVUs 19.11 + 11.58 (facility PE; non-facility is NA) + 4.02 = 34.71;
# bilateral 1, multiple procedure 2, assistant 2, co-surgery 1.
FEE_27447 = cents(D("34.71") * CF)


def test_27447_fee() -> None:
    assert D("1159.35") == FEE_27447
    assert pfs.allowed_amount("27447") == FEE_27447


@pytest.mark.parametrize(
    ("mods", "factor", "expected"),
    [
        (["50"], D("1.5"), D("1739.03")),  # 1739.025: ROUND_HALF_UP
        (["51"], D("0.5"), D("579.68")),  # 579.675
        (["62"], D("0.625"), D("724.59")),
        (["80"], D("0.16"), D("185.50")),
        (["81"], D("0.16"), D("185.50")),
        (["82"], D("0.16"), D("185.50")),
        (["as"], D("0.136"), D("157.67")),  # 85% of 16%
        (["50", "51"], D("0.75"), D("869.51")),
        (["54"], D("0.79"), D("915.89")),  # pre 0.10 + intra 0.69
        (["55"], D("0.21"), D("243.46")),
        (["RT", "59"], D("1"), D("1159.35")),
    ],
)
def test_payment_modifiers_27447(mods: list[str], factor: Decimal, expected: Decimal) -> None:
    assert cents(FEE_27447 * factor) == expected
    assert pfs.allowed_amount("27447", mods) == expected


def test_bilateral_indicator_3_and_co_surgery_2() -> None:
    assert pfs.rvu("73030").bilat_surg == 3
    assert pfs.allowed_amount("73030", ["50"]) == 2 * pfs.allowed_amount("73030")
    assert pfs.rvu("63047").co_surg == 2
    assert pfs.allowed_amount("63047", ["62"]) == cents(pfs.allowed_amount("63047") * D("0.625"))


def test_53_discontinued_row() -> None:
    r = pfs.rvu("45378", "53")
    assert (r.work, r.nonfac_pe, r.mp) == (D("1.59"), D("3.87"), D("0.21"))
    assert pfs.allowed_amount("45378", ["53"]) == cents(D("5.67") * CF) == D("189.38")
    with pytest.raises(pfs.PFSError, match=r"^99213: no discontinued-procedure \(-53\)"):
        pfs.allowed_amount("99213", ["53"])


def test_assistant_not_payable() -> None:
    assert pfs.rvu("20610").asst_surg == 1
    with pytest.raises(pfs.PFSError, match=r"^20610: assistant at surgery \(80\) not payable"):
        pfs.allowed_amount("20610", ["80"])
    with pytest.raises(pfs.PFSError, match=r"indicator 0"):
        pfs.allowed_amount("29881", ["AS"])


def test_co_surgery_not_permitted() -> None:
    with pytest.raises(pfs.PFSError, match=r"^20610: co-surgeons are not paid"):
        pfs.allowed_amount("20610", ["62"])


def test_status_not_paid() -> None:
    assert pfs.rvu("32850").status == "X"
    with pytest.raises(pfs.PFSError) as exc:
        pfs.allowed_amount("32850")
    msg = str(exc.value)
    assert msg.startswith("32850: status X — not paid under the Medicare PFS")
    assert "\n" not in msg
    for code, status in [("0001F", "I"), ("20930", "B"), ("0469T", "N"), ("90296", "E")]:
        assert pfs.rvu(code).status == status
        with pytest.raises(pfs.PFSError, match=rf"^{code}: status {status} — not paid"):
            pfs.allowed_amount(code)
    with pytest.raises(pfs.PFSError, match=r"^0054T: status C — contractor-priced"):
        pfs.allowed_amount("0054T")


def test_status_t_and_r_are_paid() -> None:
    assert pfs.rvu("G0117").status == "T" and pfs.allowed_amount("G0117") > 0
    assert pfs.rvu("11055").status == "R" and pfs.allowed_amount("11055") > 0


def test_unknown_code() -> None:
    with pytest.raises(pfs.PFSError, match=r"^99999: not in the Medicare PFS"):
        pfs.allowed_amount("99999")


def test_bad_units() -> None:
    assert pfs.allowed_amount("99213", units=0) == 0
    with pytest.raises(pfs.PFSError, match="units"):
        pfs.allowed_amount("99213", units=-1)


# --- malformed files ----------------------------------------------------------------------


def _rvu_file(tmp_path: Path, edit: dict[str, str]) -> Path:
    with gzip.open(data_path("pfs_rvu_2026.csv.gz"), "rt", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = list(reader.fieldnames or [])
        rows = [next(reader) for _ in range(3)]
    rows[1].update(edit)
    buf = io.StringIO()
    w = csv.DictWriter(buf, header, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path = tmp_path / "rvu.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        ({"work_rvu": "x"}, "work_rvu"),
        ({"work_rvu": "-1"}, "work_rvu"),
        ({"hcpcs": "9921"}, "hcpcs"),
        ({"modifier": "59"}, "modifier"),
        ({"global_days": "100"}, "global_days"),
        ({"bilat_surg": "12"}, "bilat_surg"),
        ({"status_code": ""}, "status_code"),
        ({"conversion_factor": "abc"}, "conversion_factor"),
    ],
)
def test_malformed_rvu_row(tmp_path: Path, edit: dict[str, str], field: str) -> None:
    path = _rvu_file(tmp_path, edit)
    with pytest.raises(DataFileError, match=rf"^rvu\.csv:3: field '{field}': "):
        pfs.load(path)


def test_small_rvu_file_loads(tmp_path: Path) -> None:
    fs = pfs.load(_rvu_file(tmp_path, {}))
    assert len(fs.localities()) == 109
    assert fs.conversion_factor == CF


def test_malformed_gpci_row(tmp_path: Path) -> None:
    lines = data_path("pfs_gpci_2026.csv").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "gpci.csv"
    bad.write_text("\n".join([*lines[:4], "99999,ZZ,01,NOWHERE,0.988,one,0.875,0.566,"]))
    with pytest.raises(DataFileError, match=r"^gpci\.csv:5: field 'pw_gpci_2026_with_1_0_floor'"):
        pfs.load(_rvu_file(tmp_path, {}), bad)
