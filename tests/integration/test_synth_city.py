"""The generated city on disk: determinism, contracts, identifiers, planted errors and truth.

One small city (400 households) is generated once per session, plus a second run with the same
seed (byte-identical) and one with another seed (different).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from orchestration.synth.config import error_rates
from orchestration.synth.generate import generate
from orchestration.synth.identifiers import is_valid_nhs_number, is_valid_ni_number, is_valid_upn
from orchestration.synth.layouts import LAYOUTS

HOUSEHOLDS = 400
SEED = 20150901
# Rare enough that a 400-household city may hold no record at all.
SPARSE = {
    "council_revenues/benefit_cap",
    "police/exploitation_risk",
    "council_housing/asb_cases",
    "council_education/alternative_provision",
    "police/custody_releases",
    "police/missing_episodes",
}
CONTRACTS = Path(__file__).resolve().parents[2] / "orchestration" / "contracts"


@pytest.fixture(scope="session")
def city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    generate(HOUSEHOLDS, SEED, out, log=lambda *a: None)
    return out


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_byte_identical_output_and_another_seed_differs(city, tmp_path_factory):
    again = tmp_path_factory.mktemp("again")
    # A re-run over an older city must overwrite it cleanly: no stale extract survives.
    stale = again / "landing" / "police" / "offences" / "1999-01-01.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")
    generate(HOUSEHOLDS, SEED, again, log=lambda *a: None)
    assert not stale.exists()
    assert _digest(city) == _digest(again)
    other = tmp_path_factory.mktemp("other")
    generate(HOUSEHOLDS, SEED + 1, other, log=lambda *a: None)
    first, second = _digest(city), _digest(other)
    assert first["truth/persons.parquet"] != second["truth/persons.parquet"]
    # Files with rows differ (header-only extracts of rare datasets are alike whatever the seed).
    shared = [k for k in set(first) & set(second) if (city / k).stat().st_size > 400]
    assert shared and sum(first[k] != second[k] for k in shared) > 0.95 * len(shared)


def _read(path: Path, contract: dict) -> list[list[str]]:
    enc = contract["file"]["encoding"]
    raw = path.read_bytes()
    if enc == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf"), f"{path} should start with a byte-order mark"
    text = raw.decode(enc)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=contract["file"]["delimiter"]))


def _contract(layout) -> dict:
    return yaml.safe_load((CONTRACTS / layout.agency / f"{layout.dataset}.yml").read_text())


def _parses(value: str, fmt) -> bool:
    for f in fmt if isinstance(fmt, list) else [fmt]:
        try:
            dt.datetime.strptime(value, f)
            return True
        except ValueError:
            continue
    return False


def test_every_dataset_is_written_in_its_contract_layout(city):
    faults = pd.read_parquet(city / "truth" / "planted_faults.parquet")
    faulty = set(zip(faults["file"], faults["row_number"], strict=True))
    for layout in LAYOUTS:
        contract = _contract(layout)
        files = sorted(
            (city / "landing" / layout.agency / layout.dataset).glob(f"*.{layout.extension}")
        )
        assert files, f"no extracts for {layout.key}"
        cols = contract["columns"]
        names = [c["name"] for c in cols]
        checked = 0
        for path in files:
            rel = str(path.relative_to(city))
            dt.date.fromisoformat(path.stem)
            rows = _read(path, contract)
            assert rows[0] == names, f"{rel}: header differs from the contract"
            for i, row in enumerate(rows[1:], start=2):
                if (rel, i) in faulty:
                    continue
                assert len(row) == len(names), f"{rel} row {i}: {len(row)} fields"
                for c, value in zip(cols, row, strict=True):
                    if c.get("required"):
                        assert value != "", f"{rel} row {i}: {c['name']} is required"
                    if value == "":
                        continue
                    if c["type"] in ("date", "datetime"):
                        assert _parses(value, c["format"]), f"{rel} row {i}: {c['name']}={value!r}"
                    elif c["type"] == "integer":
                        int(value)
                    if c.get("allowed_values"):
                        assert value in c["allowed_values"], f"{rel} row {i}: {c['name']}={value!r}"
                checked += 1
        assert checked > 0 or layout.key in SPARSE, layout.key


def test_planted_malformed_rows_are_malformed(city):
    faults = pd.read_parquet(city / "truth" / "planted_faults.parquet")
    assert len(faults) > 0
    by_key = {f"{lay.agency}__{lay.dataset}": lay for lay in LAYOUTS}
    rt = pd.read_parquet(city / "truth" / "record_truth.parquet").set_index("record_id")
    for f in faults.itertuples():
        layout = by_key[f.dataset]
        contract = _contract(layout)
        rows = _read(city / f.file, contract)
        row = rows[f.row_number - 1]  # line numbers: the header is line 1
        assert f.fault in rt.loc[f.record_id, "errors"]
        if f.fault in ("wrong_column_count", "stray_delimiter"):
            assert len(row) != len(contract["columns"]), f
        else:
            bad = [
                v
                for v, c in zip(row, contract["columns"], strict=True)
                if c["type"] in ("date", "datetime") and v and not _parses(v, c["format"])
            ]
            assert bad, f


def test_identifiers_in_extracts_carry_valid_check_digits(city):
    kinds = {"nhs_number": is_valid_nhs_number, "ni_number": is_valid_ni_number}
    seen = {"nhs_number": 0, "upn": 0, "ni_number": 0}
    for layout in LAYOUTS:
        contract = _contract(layout)
        for path in sorted((city / "landing" / layout.agency / layout.dataset).glob("*")):
            rows = _read(path, contract)
            for c_index, c in enumerate(contract["columns"]):
                kind = c.get("identifier_kind")
                if kind not in seen:
                    continue
                for row in rows[1:]:
                    if len(row) != len(contract["columns"]) or not row[c_index]:
                        continue
                    value = row[c_index]
                    if kind == "upn":
                        assert is_valid_upn(value), (path, value)
                    elif kind == "ni_number" and value.startswith("TN"):
                        continue  # DWP temporary reference, planted as a duplicate
                    else:
                        assert kinds[kind](value), (path, value)
                    seen[kind] += 1
    assert all(v > 100 for v in seen.values()), seen


def test_truth_persons_carry_valid_identifiers_and_origin_tags(city):
    persons = pd.read_parquet(city / "truth" / "persons.parquet")
    assert persons["nhs_number"].map(is_valid_nhs_number).all()
    upn = persons["upn"].dropna()
    assert len(upn) > 0 and upn.map(is_valid_upn).all()
    ni = persons["ni_number"].dropna()
    assert ni.map(is_valid_ni_number).all()
    age16 = (pd.Timestamp("2016-07-20") - pd.to_datetime(persons["dob"])).dt.days >= 16 * 365.25
    assert persons.loc[age16, "ni_number"].notna().all()
    assert persons["name_origin"].nunique() >= 8


def test_every_record_belongs_to_a_person_living_at_that_address_that_day(city):
    rt = pd.read_parquet(city / "truth" / "record_truth.parquet")
    res = pd.read_parquet(city / "truth" / "residences.parquet")
    assert rt["record_id"].is_unique
    m = rt.merge(res, on=["person_id", "uprn"], how="left")
    ev = pd.to_datetime(m["event_date"])
    ok = (pd.to_datetime(m["from_date"]) <= ev) & (
        (pd.to_datetime(m["to_date"]) >= ev) | m["to_date"].isna()
    )
    ok_per_record = ok.groupby(m["record_id"]).any()
    assert ok_per_record.all(), ok_per_record[~ok_per_record].index[:5].tolist()
    expected = {
        f"{lay.agency}__{lay.dataset}"
        for lay in LAYOUTS
        if lay.dataset != "gazetteer" and lay.key not in SPARSE
    }
    assert expected <= set(rt["dataset"])


def test_truth_record_ids_are_the_primary_keys_in_the_files(city):
    rt = pd.read_parquet(city / "truth" / "record_truth.parquet")
    ids = set(rt["record_id"])
    for layout in LAYOUTS:
        if layout.dataset == "gazetteer":
            continue
        contract = _contract(layout)
        names = [c["name"] for c in contract["columns"]]
        pk = [names.index(k) for k in contract["primary_key"]]
        path = sorted((city / "landing" / layout.agency / layout.dataset).glob("*"))[-1]
        for row in _read(path, contract)[1:]:
            if len(row) == len(names):
                rid = f"{layout.agency}__{layout.dataset}:" + "|".join(row[i] for i in pk)
                assert rid in ids, rid


def test_households_and_members_over_time_are_consistent(city):
    res = pd.read_parquet(city / "truth" / "residences.parquet")
    hh = pd.read_parquet(city / "truth" / "households.parquet")
    assert set(res["household_id"]) <= set(hh["household_id"])
    merged = res.merge(hh[["household_id", "uprn"]], on="household_id", suffixes=("", "_hh"))
    assert (merged["uprn"] == merged["uprn_hh"]).all()
    # Nobody lives in two places at once.
    r = res.sort_values(["person_id", "from_date"])
    prev_to = r.groupby("person_id")["to_date"].shift()
    assert ((pd.to_datetime(prev_to) < pd.to_datetime(r["from_date"])) | prev_to.isna()).all()
    gaz = next((city / "landing" / "council_gis" / "gazetteer").glob("*.csv"))
    uprns = set(pd.read_csv(gaz, dtype=str)["UPRN"].astype(np.int64))
    assert set(res["uprn"]) <= uprns
    assert {
        "couple_with_children",
        "lone_parent",
        "blended_family",
        "multi_generational",
        "shared_house",
        "single_pensioner",
    } <= set(hh["composition"])


def test_life_over_time_has_moves_births_partners_and_surname_changes(city):
    res = pd.read_parquet(city / "truth" / "residences.parquet")
    persons = pd.read_parquet(city / "truth" / "persons.parquet")
    changes = pd.read_parquet(city / "truth" / "name_changes.parquet")
    start = pd.Timestamp("2013-09-01")
    moved = res[pd.to_datetime(res["from_date"]) > start]["person_id"].nunique()
    assert moved > 0.1 * len(persons)
    born = (pd.to_datetime(persons["dob"]) > start).sum()
    assert born > 0
    assert len(changes) > 0
    assert (res["relationship_to_head"] == "stepchild").any()


def test_family_truth_has_the_six_criteria_and_eligibility(city):
    ft = pd.read_parquet(city / "truth" / "family_truth.parquet")
    latest = ft[ft["as_at_date"] == dt.date(2016, 7, 20)]
    assert len(latest) > HOUSEHOLDS * 0.9
    assert (latest["is_eligible"] <= latest["is_family"]).all()
    crits = latest[[f"crit_{i}" for i in range(1, 7)]]
    assert (crits.sum(axis=1) == latest["criteria_count"]).all()
    assert (latest["is_eligible"] == (latest["is_family"] & (latest["criteria_count"] >= 2))).all()
    # Criterion 1 from the members' codes, or from an absent parent (one problem only).
    for codes, c1, absent in zip(
        latest["indicator_codes"],
        latest["crit_1"],
        latest["absent_parent_criterion"],
        strict=True,
    ):
        assert c1 == (any(code.startswith("1") for code in codes) or absent == "crit_1")
    assert 0.15 < latest["is_family"].mean() < 0.40
    assert latest.loc[latest["is_family"], "is_eligible"].mean() > 0.03


def test_each_error_type_lands_at_its_configured_rate(city):
    rt = pd.read_parquet(city / "truth" / "record_truth.parquet")
    for layout in LAYOUTS:
        if layout.dataset == "gazetteer":
            continue
        sub = rt[rt["dataset"] == f"{layout.agency}__{layout.dataset}"]
        n = len(sub)
        if n == 0:
            assert layout.key in SPARSE
            continue
        rates = error_rates(layout.key)
        fields = {c.field for c in layout.columns}
        counts = sub["errors"].explode().value_counts()
        expected = {
            "dob_missing": rates.dob_missing if "dob" in fields else 0.0,
            "name_swap": rates.name_swap
            if fields & {"first_name", "full_name_sf", "forenames"}
            else 0.0,
            "typo": rates.typo if fields & {"first_name", "full_name_sf", "forenames"} else 0.0,
            "postcode_missing": rates.postcode_missing if "postcode" in fields else 0.0,
            "address_variant": rates.address_variant
            if fields & {"address_line_1", "address_single", "postcode"}
            else 0.0,
        }
        for error, rate in expected.items():
            observed = counts.get(error, 0) / n
            # Within 4 binomial standard errors (plus a floor for tiny datasets).
            tolerance = 4 * np.sqrt(rate * (1 - rate) / n) + 2 / n
            assert abs(observed - rate) <= tolerance, (layout.key, error, observed, rate, n)


def test_conditional_error_types_land_at_their_rates_among_eligible_records(city):
    """Nicknames, day/month swaps and duplicate references, pooled over default-rate sources."""
    from orchestration.synth.config import DEFAULT_ERRORS, ERRORS_BY_DATASET
    from orchestration.synth.names import NICKNAMES

    rt = pd.read_parquet(city / "truth" / "record_truth.parquet")
    persons = pd.read_parquet(city / "truth" / "persons.parquet").set_index("person_id")
    default = {
        f"{lay.agency}__{lay.dataset}"
        for lay in LAYOUTS
        if lay.key not in ERRORS_BY_DATASET and lay.dataset != "gazetteer"
    }
    sub = rt[rt["dataset"].isin(default)]
    errs = sub["errors"].map(set)
    first = persons["first_name"].reindex(sub["person_id"]).to_numpy()
    has_nick = np.array([f in NICKNAMES for f in first])
    # A typo or swap can hide the nickname's source; count among records the nickname could reach.
    nick = errs.map(lambda e: "nickname" in e).to_numpy()
    n = has_nick.sum()
    rate = DEFAULT_ERRORS.nickname
    assert abs(nick[has_nick].mean() - rate) <= 4 * np.sqrt(rate * (1 - rate) / n) + 2 / n
    assert not nick[~has_nick].any()
    dob = pd.to_datetime(persons["dob"].reindex(sub["person_id"]))
    swappable = ((dob.dt.day <= 12) & (dob.dt.day != dob.dt.month)).to_numpy()
    swapped = errs.map(lambda e: "dob_day_month_swap" in e).to_numpy()
    assert not swapped[~swappable].any()
    n = swappable.sum()
    rate = DEFAULT_ERRORS.dob_day_month_swap
    assert abs(swapped[swappable].mean() - rate) <= 4 * np.sqrt(rate * (1 - rate) / n) + 2 / n
    # Duplicate references: share of persons (with 2+ records) held under a second reference.
    dup_people, eligible = 0, 0
    for _ds, g in sub.groupby("dataset"):
        counts = g.groupby("person_id").size()
        multi = counts[counts >= 2].index
        tagged = g[g["errors"].map(lambda e: "duplicate_reference" in e)]["person_id"].unique()
        eligible += len(multi)
        dup_people += len(set(tagged) & set(multi))
    rate = DEFAULT_ERRORS.duplicate_reference
    assert eligible > 0
    assert (
        abs(dup_people / eligible - rate)
        <= 4 * np.sqrt(rate * (1 - rate) / eligible) + 3 / eligible
    )


def test_planted_errors_are_visible_in_the_files(city):
    """dob_missing records have no DOB in the file; untouched ones show the true name and DOB."""
    rt = pd.read_parquet(city / "truth" / "record_truth.parquet").set_index("record_id")
    persons = pd.read_parquet(city / "truth" / "persons.parquet").set_index("person_id")
    layout = next(lay for lay in LAYOUTS if lay.key == "nhs/ae_attendances")
    contract = _contract(layout)
    names = [c["name"] for c in contract["columns"]]
    checked_missing = checked_clean = 0
    for path in sorted((city / "landing" / layout.agency / layout.dataset).glob("*.csv")):
        for row in _read(path, contract)[1:]:
            if len(row) != len(names):
                continue
            rec = dict(zip(names, row, strict=True))
            truth = rt.loc[f"nhs__ae_attendances:{rec['attendance_id']}"]
            errors = set(truth["errors"])
            person = persons.loc[truth["person_id"]]
            if "dob_missing" in errors:
                assert rec["date_of_birth"] == ""
                checked_missing += 1
            if not errors:
                assert rec["date_of_birth"] == str(person["dob"])
                assert rec["person_given_name"] == person["first_name"]
                assert rec["nhs_number"] in ("", person["nhs_number"])
                checked_clean += 1
    assert checked_missing > 0 and checked_clean > 100


def test_stale_addresses_land_at_their_rate_among_records_after_a_recent_move(city):
    from orchestration.synth.config import DEFAULT_ERRORS, ERRORS_BY_DATASET

    rt = pd.read_parquet(city / "truth" / "record_truth.parquet")
    res = pd.read_parquet(city / "truth" / "residences.parquet")
    address_fields = {"address_line_1", "address_single", "postcode"}
    address_sets = {
        f"{lay.agency}__{lay.dataset}"
        for lay in LAYOUTS
        if lay.key not in ERRORS_BY_DATASET
        and lay.dataset != "gazetteer"
        and {c.field for c in lay.columns} & address_fields
    }
    sub = rt[rt["dataset"].isin(address_sets)].copy()
    sub["event_date"] = pd.to_datetime(sub["event_date"])
    res = res.assign(from_date=pd.to_datetime(res["from_date"]))
    res = res.sort_values(["person_id", "from_date"])
    res["prev_uprn"] = res.groupby("person_id")["uprn"].shift()
    m = pd.merge_asof(
        sub.sort_values("event_date"),
        res.sort_values("from_date"),
        left_on="event_date",
        right_on="from_date",
        by="person_id",
        suffixes=("", "_stay"),
    )
    recent = (m["event_date"] - m["from_date"]).dt.days <= 730
    eligible = (recent & m["prev_uprn"].notna() & (m["prev_uprn"] != m["uprn"])).to_numpy()
    stale = m["errors"].map(lambda e: "stale_address" in e).to_numpy()
    assert not stale[~eligible].any()
    n = eligible.sum()
    rate = DEFAULT_ERRORS.stale_address
    assert n > 50
    assert abs(stale[eligible].mean() - rate) <= 4 * np.sqrt(rate * (1 - rate) / n) + 2 / n


def test_some_hmos_hold_a_lodger_household_beside_another(city):
    """Issue 13: two unrelated households at one UPRN (a lodger in an HMO), in the truth."""
    ft = pd.read_parquet(city / "truth" / "family_truth.parquet")
    at = ft[ft["as_at_date"].astype(str) == "2016-06-30"]
    per_uprn = at.groupby("uprn")["household_id"].nunique()
    shared = at[at["uprn"].isin(per_uprn[per_uprn > 1].index)]
    assert shared["uprn"].nunique() >= 1
    hh = pd.read_parquet(city / "truth" / "households.parquet")
    kinds = hh.set_index("household_id")["composition"]
    # Each shared UPRN has a single-adult lodger household among its households.
    for _, group in shared.groupby("uprn"):
        assert (kinds.reindex(group["household_id"]) == "single_adult").any()
