"""The linkage Dagster assets and checks materialise on a small warehouse."""

from __future__ import annotations

import dagster as dg
import duckdb
import pandas as pd
import pytest
from dagster_duckdb import DuckDBResource

from orchestration.linkage.assets import ASSETS, CHECKS, PERSON_INDEX_KEY, RECORD_UPRNS_KEY
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
    monkeypatch.setenv("FAMILIES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FAMILIES_LINKAGE_MODEL", str(model))
    return db


def test_assets_have_the_agreed_keys_deps_and_checks():
    specs = {key: asset for asset in ASSETS for key in asset.keys}
    assert set(specs) == {RECORD_UPRNS_KEY, PERSON_INDEX_KEY}
    deps = {k.to_user_string() for k in specs[RECORD_UPRNS_KEY].asset_deps[RECORD_UPRNS_KEY]}
    assert deps == {"int_person_records", "raw/council_gis__gazetteer"}
    assert RECORD_UPRNS_KEY in specs[PERSON_INDEX_KEY].asset_deps[PERSON_INDEX_KEY]
    assert {c.asset_key for check in CHECKS for c in check.check_specs} == {
        RECORD_UPRNS_KEY,
        PERSON_INDEX_KEY,
    }
    assert all(a.group_names_by_key[k] == "linkage" for a in ASSETS for k in a.keys)


def test_assets_and_checks_materialise_twice(warehouse, tmp_path):
    resources = {"duckdb": DuckDBResource(database=str(warehouse))}
    for _ in range(2):
        result = dg.materialize(
            [*ASSETS, *CHECKS], resources=resources, selection=[RECORD_UPRNS_KEY, PERSON_INDEX_KEY]
        )
        assert result.success
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
