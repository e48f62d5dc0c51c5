"""How dbt's models and seeds appear in Dagster: keys, groups, owners, tags, descriptions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator

from orchestration.platform.ownership import BI_TEAM, stage_tags

BUILT_BY_DBT = ("model", "seed", "snapshot")


class FamiliesDbtTranslator(DagsterDbtTranslator):
    """Model and seed keys are their bare names (["int_person_records"], ["eligible_families"]),
    which linkage and the outputs depend on; sources keep ["raw", ...] and ["linkage", ...]
    so they join the ingest and linkage assets. Groups follow the layer folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in BUILT_BY_DBT:
            return dg.AssetKey([dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        if dbt_resource_props["resource_type"] == "model":
            return f"families_{dbt_resource_props['fqn'][1]}"
        return super().get_group_name(dbt_resource_props)

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        # The yml description, written for readers; dagster-dbt's default appends the raw
        # SQL, which buried it. The SQL is one click away in the file named here.
        described = dbt_resource_props.get("description", "").strip()
        name = dbt_resource_props["name"]
        text = described or f"dbt {dbt_resource_props['resource_type']} {name}"
        source_file = dbt_resource_props.get("original_file_path")
        return f"{text}\n\nDefined in `dbt_project/{source_file}`." if source_file else text

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> list[str] | None:
        if dbt_resource_props["resource_type"] in BUILT_BY_DBT:
            return [BI_TEAM]
        return super().get_owners(dbt_resource_props)

    def get_tags(self, dbt_resource_props: Mapping[str, Any]) -> Mapping[str, str]:
        tags = dict(super().get_tags(dbt_resource_props))  # dbt's own tags (before_linkage)
        if dbt_resource_props["resource_type"] in BUILT_BY_DBT:
            tags.update(stage_tags("families", staged_agency(dbt_resource_props["name"])))
        return tags


def staged_agency(model_name: str) -> str | None:
    """`police` for `stg_police__offences`: the agency a staging model reads."""
    if model_name.startswith("stg_") and "__" in model_name:
        return model_name.removeprefix("stg_").split("__", 1)[0]
    return None
