"""Row counts for the tables a dbt step built, counted after dbt has exited.

dagster-dbt's `fetch_row_counts()` counts through dbt's adapter in this process and leaves a
read-only DuckDB handle open, after which every read-write connection in the process fails
(stack notes). DuckDB allows one writer process per file, and dbt holds the file while it
runs, so the step keeps dbt's events until dbt exits, then counts on its own connection and
passes the events on with `dagster/row_count` added. Views are not counted (as dagster-dbt
does): a count would run the view's whole query.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg
import duckdb

COUNTED = ("table", "incremental")


def counted_relation(node: Mapping[str, Any]) -> str | None:
    """`"marts"."families"` for a table or incremental model or a seed; None for a view."""
    materialized = node.get("config", {}).get("materialized")
    if node.get("resource_type") != "seed" and materialized not in COUNTED:
        return None
    return f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'


def with_row_counts(
    events: Iterable[Any], manifest: Mapping[str, Any], con: duckdb.DuckDBPyConnection
) -> Iterator[Any]:
    """Each event as dbt produced it; materialisations of tables get `dagster/row_count`."""
    for event in events:
        if isinstance(event, dg.Output | dg.AssetMaterialization) and "unique_id" in (
            event.metadata or {}
        ):
            node = manifest["nodes"].get(event.metadata["unique_id"].value, {})
            relation = counted_relation(node)
            if relation is not None:
                (rows,) = con.execute(f"select count(*) from {relation}").fetchone()
                event = event.with_metadata({**event.metadata, "dagster/row_count": rows})
        yield event
