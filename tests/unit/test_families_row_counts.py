"""Row counts added to dbt's events after dbt exits: tables and seeds counted, views not."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.families.row_counts import counted_relation, with_row_counts

MANIFEST = {
    "nodes": {
        "model.f.families": {
            "resource_type": "model",
            "schema": "marts",
            "name": "families",
            "alias": "families",
            "config": {"materialized": "table"},
        },
        "model.f.stg_police__offences": {
            "resource_type": "model",
            "schema": "staging",
            "name": "stg_police__offences",
            "config": {"materialized": "view"},
        },
    }
}


def _output(unique_id: str, name: str) -> dg.Output:
    return dg.Output(None, output_name=name, metadata={"unique_id": unique_id})


def test_a_table_built_by_dbt_gets_its_row_count_and_a_view_is_left_alone():
    con = duckdb.connect()
    con.execute("create schema marts; create table marts.families as select range from range(3)")
    con.execute("create schema staging; create view staging.stg_police__offences as select 1")
    check = dg.AssetCheckResult(passed=True, asset_key="families", check_name="not_null")
    events = [
        _output("model.f.families", "families"),
        check,
        _output("model.f.stg_police__offences", "stg"),
    ]
    out = list(with_row_counts(events, MANIFEST, con))
    assert out[0].metadata["dagster/row_count"].value == 3
    assert out[1] is check
    assert "dagster/row_count" not in out[2].metadata
    assert counted_relation({"resource_type": "seed", "schema": "ref", "name": "costs"}) == (
        '"ref"."costs"'
    )
