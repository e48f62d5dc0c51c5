"""`families synth --nights 2`: night two only adds files, is about 1% of night one's rows, its
records are in the truth where their person lived, and the same seed gives the same bytes.

One 400-household city is generated with one night and twice with two nights (same seed).
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pandas as pd
import pytest

from orchestration.synth import config
from orchestration.synth.generate import generate
from orchestration.synth.layouts import LAYOUTS

HOUSEHOLDS = 400
SEED = 20150901
NIGHT = config.NIGHT_TWO_EXTRACT.isoformat()
# Night two is topped up to NIGHT_TWO_SHARE (1%) of night one's rows with corrections; the
# tolerance covers rounding and a correction pool that could run short in a small city.
SHARE_LOW, SHARE_HIGH = 0.008, 0.012


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted((root / "landing").rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def cities(tmp_path_factory) -> dict:
    one = tmp_path_factory.mktemp("night_one")
    two = tmp_path_factory.mktemp("night_two")
    again = tmp_path_factory.mktemp("night_two_again")
    quiet = {"log": lambda *a: None}
    summary = generate(HOUSEHOLDS, SEED, one, **quiet)
    summary_two = generate(HOUSEHOLDS, SEED, two, nights=2, **quiet)
    generate(HOUSEHOLDS, SEED, again, nights=2, **quiet)
    return {"one": one, "two": two, "again": again, "summary": summary, "summary_two": summary_two}


def _rows(path: Path, layout) -> list[list[str]]:
    text = path.read_bytes().decode(layout.encoding)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))


def test_night_two_only_adds_one_file_per_delta_dataset(cities):
    one, two = _digest(cities["one"]), _digest(cities["two"])
    assert cities["summary"] == cities["summary_two"]
    # Every night-one file is still there with the same bytes.
    assert {k: two.get(k) for k in one} == one
    added = sorted(set(two) - set(one))
    expected = sorted(
        f"landing/{lay.agency}/{lay.dataset}/{NIGHT}.{lay.extension}"
        for lay in LAYOUTS
        if lay.kind == "delta"
    )
    assert added == expected


def test_night_two_is_about_one_percent_of_night_one(cities):
    night = pd.read_csv(cities["two"] / "truth" / "night_two.csv")
    on_disk = 0
    for lay in LAYOUTS:
        if lay.kind != "delta":
            continue
        path = cities["two"] / "landing" / lay.agency / lay.dataset / f"{NIGHT}.{lay.extension}"
        n = len(path.read_bytes().decode(lay.encoding).splitlines()) - 1  # no value holds a break
        on_disk += n
        assert n == int(
            night.loc[night["dataset"] == f"{lay.agency}__{lay.dataset}", "rows"].iloc[0]
        )
    night_one = sum(cities["summary"].values())
    share = on_disk / night_one
    assert SHARE_LOW <= share <= SHARE_HIGH, f"night two is {share:.2%} of {night_one} rows"
    # All three kinds occur: records never sent, records re-sent with an outcome or end, and
    # records re-sent with an error put right.
    assert night["new_records"].sum() > 0
    assert night["changed_records"].sum() > 0
    assert night["corrected_records"].sum() > 0
    assert (night["new_records"] + night["changed_records"] + night["corrected_records"]).sum() == (
        on_disk
    )


def test_night_two_records_are_in_the_truth_where_their_person_lived(cities):
    root = cities["two"]
    rt = pd.read_parquet(root / "truth" / "record_truth.parquet")
    assert rt["record_id"].is_unique
    rt1 = pd.read_parquet(cities["one"] / "truth" / "record_truth.parquet").set_index("record_id")
    faults = pd.read_parquet(root / "truth" / "planted_faults.parquet")
    faulty = set(zip(faults["file"], faults["row_number"], strict=True))
    ids = []
    for lay in LAYOUTS:
        if lay.kind != "delta":
            continue
        rel = f"landing/{lay.agency}/{lay.dataset}/{NIGHT}.{lay.extension}"
        rows = _rows(root / rel, lay)
        pk = [rows[0].index(c) for c in lay.primary_key]
        for line, row in enumerate(rows[1:], start=2):
            if (rel, line) in faulty:
                continue
            ids.append(f"{lay.agency}__{lay.dataset}:" + "|".join(row[i] for i in pk))
    assert len(ids) > 50
    sent = rt.set_index("record_id").loc[ids]
    assert (sent["uprn"] > 0).all()
    # Records also sent on night one keep their night-one truth (same person, place and day).
    old = [i for i in ids if i in rt1.index]
    new = [i for i in ids if i not in rt1.index]
    assert old and new
    cols = ["person_id", "uprn", "event_date"]
    pd.testing.assert_frame_equal(sent.loc[old, cols], rt1.loc[old, cols])
    # New records: the person lived at the record's UPRN on the record's day.
    res = pd.read_parquet(root / "truth" / "residences.parquet")
    hit = sent.loc[new, cols].reset_index().merge(res, on=["person_id", "uprn"])
    ev = pd.to_datetime(hit["event_date"])
    hit = hit[
        (pd.to_datetime(hit["from_date"]) <= ev)
        & (hit["to_date"].isna() | (pd.to_datetime(hit["to_date"]) >= ev))
    ]
    assert set(hit["record_id"]) == set(new)
    # Night-one truth is kept: every night-one record is still there.
    assert set(rt1.index) <= set(rt["record_id"])
    ft = pd.read_parquet(root / "truth" / "family_truth.parquet")
    dates = {str(d) for d in ft["as_at_date"].unique()}
    assert dates == {str(d) for d in (*config.TRUTH_AS_AT, config.NIGHT_TWO_EXTRACT)}


def test_same_seed_gives_byte_identical_night_two(cities):
    two, again = _digest(cities["two"]), _digest(cities["again"])
    night = [k for k in two if k.endswith(NIGHT + k[k.rindex(".") :])]
    assert len(night) == sum(lay.kind == "delta" for lay in LAYOUTS)
    assert two == again
    for name in ("record_truth", "family_truth", "planted_faults"):
        path = f"truth/{name}.parquet"
        assert (cities["two"] / path).read_bytes() == (cities["again"] / path).read_bytes()
