"""Incremental nightly linkage: a night with new and changed records scores only what is new,
yet clusters exactly as a full re-score would, and still honours every review decision."""

from __future__ import annotations

import random

import duckdb
import pandas as pd
import pytest

from orchestration.linkage.pipeline import run_person_linkage
from orchestration.linkage.review import record_decision
from orchestration.linkage.sample_data import make_sample_person_data
from orchestration.linkage.settings import LinkageThresholds
from orchestration.linkage.train import train_model


@pytest.fixture(scope="module")
def sample():
    return make_sample_person_data(persons=400, seed=11)


@pytest.fixture(scope="module")
def model(tmp_path_factory, sample):
    con = duckdb.connect()
    _load(con, _all_records(sample))
    out = tmp_path_factory.mktemp("model") / "person_linkage_v1.json"
    train_model(con, "person_records", out)
    con.close()
    return out


def _all_records(sample) -> pd.DataFrame:
    return pd.concat(sample.files.values(), ignore_index=True)


def _load(con, frame: pd.DataFrame) -> None:
    con.register("frame", frame)
    con.execute(
        "CREATE OR REPLACE TABLE person_records AS SELECT * REPLACE (dob::DATE AS dob) FROM frame"
    )
    con.unregister("frame")


def _nights(sample) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Night one: 90% of the records. Night two: all of them, with a few records changed
    (a mistyped surname, a new postcode) and a few of night one's records gone."""
    rng = random.Random(5)
    frame = _all_records(sample).sort_values("record_id").reset_index(drop=True)
    ids = list(frame["record_id"])
    later = set(rng.sample(ids, len(ids) // 10))
    night_one = frame[~frame["record_id"].isin(later)].reset_index(drop=True)
    night_two = frame.copy()
    changed = rng.sample(sorted(set(ids) - later), 15)
    for i, record_id in enumerate(changed):
        row = night_two.index[night_two["record_id"] == record_id][0]
        if i % 2 == 0:
            surname = str(night_two.at[row, "surname"])
            night_two.at[row, "surname"] = surname[:-1] + ("x" if surname[-1:] != "x" else "y")
        else:
            night_two.at[row, "postcode"] = "BS1 1AA"
    gone = rng.sample(sorted(set(ids) - later - set(changed)), 10)
    night_two = night_two[~night_two["record_id"].isin(gone)].reset_index(drop=True)
    return night_one, night_two


def _run(con, model, full=None):
    return run_person_linkage(
        con,
        source="person_records",
        uprns=None,
        model_file=model,
        thresholds=LinkageThresholds(),
        full_rescore=full,
    )


def _partition(con) -> set[frozenset[str]]:
    rows = con.execute("SELECT person_id, record_id FROM linkage.person_index").fetchall()
    clusters: dict[str, set[str]] = {}
    for person_id, record_id in rows:
        clusters.setdefault(person_id, set()).add(record_id)
    return {frozenset(c) for c in clusters.values()}


def test_incremental_night_matches_a_full_rescore(tmp_path, sample, model):
    night_one, night_two = _nights(sample)
    incremental = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    _load(incremental, night_one)
    first = _run(incremental, model)
    assert first["seconds"]["scoring"]["mode"] == "full"
    _load(incremental, night_two)
    second = _run(incremental, model)
    scoring = second["seconds"]["scoring"]
    assert scoring["mode"] == "incremental"
    # Only the new and changed records' profiles were compared, not the whole city.
    assert 0 < scoring["new_profiles"] < second["counts"]["distinct_profiles"] * 0.3

    full = duckdb.connect(str(tmp_path / "full.duckdb"))
    _load(full, night_two)
    rescored = _run(full, model, full=True)
    assert rescored["seconds"]["scoring"]["mode"] == "full"

    assert _partition(incremental) == _partition(full)
    for key in ("scored_pairs", "linked_pairs", "conflicts", "persons", "review_queue"):
        assert second["counts"][key] == rescored["counts"][key], key
    # The store holds no pair of a profile that no longer exists.
    orphans = incremental.execute(
        """SELECT count(*) FROM linkage.scored_pairs s
           WHERE profile_key_l NOT IN (SELECT profile_key FROM linkage.scored_profiles)
              OR profile_key_r NOT IN (SELECT profile_key FROM linkage.scored_profiles)"""
    ).fetchone()[0]
    assert orphans == 0


def test_review_decisions_hold_in_incremental_runs(tmp_path, sample, model):
    night_one, night_two = _nights(sample)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, night_one)
    _run(con, model)
    linked = con.execute(
        """SELECT a.record_id, b.record_id FROM linkage.person_index a
           JOIN linkage.person_index b ON a.person_id = b.person_id AND a.record_id < b.record_id
           JOIN person_records ra ON ra.record_id = a.record_id
           JOIN person_records rb ON rb.record_id = b.record_id
           WHERE ra.first_name <> rb.first_name ORDER BY 1, 2 LIMIT 1"""
    ).fetchone()
    apart = con.execute(
        """SELECT a.record_id, b.record_id FROM linkage.person_index a
           JOIN linkage.person_index b ON a.person_id < b.person_id
           ORDER BY 1, 2 LIMIT 1"""
    ).fetchone()
    record_decision(con, *linked, "non_match", "Reviewer One")
    record_decision(con, *apart, "match", "Reviewer Two")
    _load(con, night_two)
    for _ in range(2):
        summary = _run(con, model)
        assert summary["seconds"]["scoring"]["mode"] == "incremental"
        index = dict(
            con.execute("SELECT record_id, person_id FROM linkage.person_index").fetchall()
        )
        assert index[linked[0]] != index[linked[1]]
        assert index[apart[0]] == index[apart[1]]
    # And the same clusters as a full re-score with the same decisions.
    incremental = _partition(con)
    _run(con, model, full=True)
    assert _partition(con) == incremental


def test_changed_model_or_thresholds_force_a_full_rescore(tmp_path, sample, model):
    night_one, _ = _nights(sample)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, night_one)
    _run(con, model)
    unchanged = _run(con, model)["seconds"]["scoring"]
    assert (unchanged["mode"], unchanged["new_profiles"]) == ("incremental", 0)
    lower_floor = run_person_linkage(
        con,
        source="person_records",
        uprns=None,
        model_file=model,
        thresholds=LinkageThresholds(review_low=0.3),
    )
    assert lower_floor["seconds"]["scoring"]["mode"] == "full"
    retrained = tmp_path / "person_linkage_v2.json"
    retrained.write_text(model.read_text().replace('"max_iterations": 20', '"max_iterations": 21'))
    assert (
        run_person_linkage(
            con,
            source="person_records",
            uprns=None,
            model_file=retrained,
            thresholds=LinkageThresholds(review_low=0.3),
        )["seconds"]["scoring"]["mode"]
        == "full"
    )
