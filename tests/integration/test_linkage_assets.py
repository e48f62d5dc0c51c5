"""The linkage Dagster assets and checks materialise on a small warehouse."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.linkage.assets import (
    ASSETS,
    CHECKS,
    LINKAGE_ACCURACY_KEY,
    PERSON_INDEX_KEY,
    RECORD_UPRNS_KEY,
)
from orchestration.linkage.sample_data import make_sample_person_data
from orchestration.linkage.train import train_model


@pytest.fixture()
def warehouse(tmp_path, monkeypatch):
    sample = make_sample_person_data(persons=200, seed=5)
    frame = pd.concat(sample.files.values(), ignore_index=True)
    db = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(db))
    con.register("frame", frame)
    con.execute("CREATE SCHEMA intermediate; CREATE SCHEMA raw")
    con.execute(
        "CREATE TABLE intermediate.int_person_records AS "
        "SELECT * REPLACE (dob::DATE AS dob) FROM frame"
    )
    # A gazetteer holding every address the sample uses.
    con.execute(
        """CREATE TABLE raw.council_gis__gazetteer AS
           SELECT row_number() OVER (ORDER BY address, postcode) + 1000 AS uprn,
                  address, postcode
           FROM (SELECT DISTINCT address, postcode FROM frame WHERE postcode IS NOT NULL)"""
    )
    model = tmp_path / "model.json"
    train_model(con, "intermediate.int_person_records", model)
    con.close()
    # The sample's truth, laid out as the synthetic city's (evaluation reads only this).
    truth = tmp_path / "data" / "truth"
    truth.mkdir(parents=True)
    sample.truth[["record_id", "person_id"]].assign(uprn=None).to_parquet(
        truth / "record_truth.parquet"
    )
    sample.truth[["person_id", "name_origin"]].drop_duplicates().to_parquet(
        truth / "persons.parquet"
    )
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FAMILIES_LINKAGE_MODEL", str(model))
    return db


def test_assets_have_the_agreed_keys_deps_and_checks():
    specs = {key: asset for asset in ASSETS for key in asset.keys}
    assert set(specs) == {RECORD_UPRNS_KEY, PERSON_INDEX_KEY, LINKAGE_ACCURACY_KEY}
    deps = {k.to_user_string() for k in specs[RECORD_UPRNS_KEY].asset_deps[RECORD_UPRNS_KEY]}
    assert deps == {"int_person_records", "raw/council_gis__gazetteer"}
    assert RECORD_UPRNS_KEY in specs[PERSON_INDEX_KEY].asset_deps[PERSON_INDEX_KEY]
    assert {c.asset_key for check in CHECKS for c in check.check_specs} == {
        RECORD_UPRNS_KEY,
        PERSON_INDEX_KEY,
    }
    groups = {k: a.group_names_by_key[k] for a in ASSETS for k in a.keys}
    # The accuracy against the truth is no part of the night: the evaluation job runs it.
    assert groups == {
        RECORD_UPRNS_KEY: "linkage",
        PERSON_INDEX_KEY: "linkage",
        LINKAGE_ACCURACY_KEY: "evaluation",
    }
    assert specs[LINKAGE_ACCURACY_KEY].asset_deps[LINKAGE_ACCURACY_KEY] == {
        PERSON_INDEX_KEY,
        RECORD_UPRNS_KEY,
    }


def test_assets_and_checks_materialise_twice_then_the_accuracy_after_them(warehouse, tmp_path):
    resources = {"duckdb": DuckDBResource(database=str(warehouse))}
    for _ in range(2):
        result = dg.materialize(
            [*ASSETS, *CHECKS], resources=resources, selection=[RECORD_UPRNS_KEY, PERSON_INDEX_KEY]
        )
        assert result.success
    assert not (tmp_path / "data/reports/linkage/accuracy.json").exists()  # not in the night
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == {
        "person_link_rate_shift",
        "person_cluster_size_sanity",
        "address_match_rate",
    }
    assert all(e.passed for e in evaluations)
    con = duckdb.connect(str(warehouse), read_only=True)
    statuses = dict(
        con.execute("SELECT match_status, count(*) FROM linkage.record_uprns GROUP BY 1").fetchall()
    )
    assert statuses.get("matched", 0) > 0.8 * sum(statuses.values())
    persons = con.execute("SELECT count(DISTINCT person_id) FROM linkage.person_index").fetchone()
    assert 150 <= persons[0] <= 260
    con.close()
    assert (tmp_path / "data/reports/linkage/diagnostics.html").is_file()
    assert (tmp_path / "data/reports/linkage/addresses.json").is_file()

    # Afterwards, from the tables the night kept, as the evaluation job runs it.
    evaluated = dg.materialize(ASSETS, resources=resources, selection=[LINKAGE_ACCURACY_KEY])
    assert evaluated.success
    (event,) = evaluated.get_asset_materialization_events()
    metadata = {k: v.value for k, v in event.materialization.metadata.items()}
    assert metadata["measured"] is True
    assert metadata["splink_f1"] >= 0.95 and metadata["blocking_recall"] >= 0.98
    assert metadata["splink_f1"] > metadata["baseline_exact_name_dob_f1"]
    assert (tmp_path / "data/reports/linkage/accuracy.json").is_file()
