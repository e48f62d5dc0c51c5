"""Dagster resources, each configured from one environment variable with a demo default."""

from __future__ import annotations

from dagster_duckdb import DuckDBResource

from orchestration import paths


def duckdb_resource() -> DuckDBResource:
    """The warehouse (`$FAMILIES_DB`); the same path dbt's profiles.yml reads."""
    return DuckDBResource(database=str(paths.warehouse_path()))
