"""The families assets as the lead wires them: keys, the split around linkage, deps, pools."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.families.assets import (
    ASSETS,
    dbt_after_linkage,
    dbt_before_linkage,
    dbt_resource,
    eligible_families_csv,
    published_night,
)


def _keys(asset) -> set[str]:
    return {k.to_user_string() for k in asset.keys}


def _upstream(asset) -> set[str]:
    own = set(asset.keys)
    deps = set()
    for upstream in asset.asset_deps.values():
        deps |= {k for k in upstream if k not in own}
    return {k.to_user_string() for k in deps}


def test_before_linkage_is_staging_and_person_records_fed_by_raw_loads():
    keys = _keys(dbt_before_linkage)
    assert "int_person_records" in keys
    assert "stg_police__offences" in keys
    assert not any(k.startswith("stg_linkage") for k in keys)
    assert "raw/police__offences" in _upstream(dbt_before_linkage)
    assert not any(k.startswith("linkage/") for k in _upstream(dbt_before_linkage))


def test_after_linkage_reads_linkage_tables_and_builds_every_mart():
    keys = _keys(dbt_after_linkage)
    marts = {
        "households",
        "families",
        "indicator_events",
        "family_criteria",
        "eligible_families",
        "family_priority",
        "services_involved",
    }
    assert marts <= keys
    upstream = _upstream(dbt_after_linkage)
    assert {"linkage/record_uprns", "linkage/person_index", "stg_police__offences"} <= upstream
    assert not keys & _keys(dbt_before_linkage)


def test_csv_follows_the_published_night_which_follows_every_model_and_the_review_queue():
    assert _keys(eligible_families_csv) == {"outputs/eligible_families_csv"}
    assert _upstream(eligible_families_csv) == {"outputs/published_night"}
    published = _upstream(published_night)
    assert _keys(dbt_after_linkage) <= published and _keys(dbt_before_linkage) <= published
    assert "linkage/person_index" in published
    # Every asset that opens the warehouse takes the duckdb pool; the CSV reads the published copy.
    for asset in ASSETS:
        if asset is not eligible_families_csv:
            assert asset.op.pool == "duckdb"


def test_assets_load_into_definitions_with_stand_in_linkage():
    linkage = [
        dg.AssetSpec(["linkage", "record_uprns"], deps=["int_person_records"]),
        dg.AssetSpec(["linkage", "person_index"], deps=["int_person_records"]),
    ]
    defs = dg.Definitions(
        assets=[*ASSETS, *linkage],
        resources={"dbt": dbt_resource(), "duckdb": DuckDBResource(database=":memory:")},
    )
    graph = defs.resolve_asset_graph()
    assert graph.has(dg.AssetKey(["eligible_families"]))
    # No cycle: linkage sits between the two dbt parts.
    upstream_of_marts = graph.get(dg.AssetKey(["families"])).parent_keys
    assert upstream_of_marts


def test_no_feedback_loop_nothing_reads_a_mart_back():
    """Flags the platform outputs never feed the criteria: no model depends on a mart."""
    import json

    from orchestration.families import project

    manifest = json.loads(project.ensure_manifest().read_text())
    nodes = manifest["nodes"]
    marts = {
        key
        for key, node in nodes.items()
        if node["resource_type"] == "model" and node["fqn"][1] == "marts"
    }
    assert len(marts) == 7
    for key, node in nodes.items():
        if node["resource_type"] != "model":
            continue
        assert not set(node["depends_on"]["nodes"]) & marts, f"{key} reads a mart"
