"""No source missing in silence: a Dagster check, on every night, that each source the
contracts expect has arrived and is not overdue past its `max_days_between_extracts`.

The rule itself lives in dbt (`int_source_coverage`: every raw source, rendered from the
contracts, against the load register), so the check, the criteria marked "not assessed"
and the eligible list's `criteria_not_assessed` all read the same verdict.
"""

from __future__ import annotations

from typing import Any

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

SOURCE_COVERAGE_KEY = dg.AssetKey(["int_source_coverage"])


def unavailable_sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The expected sources that are missing or overdue tonight, by dataset name."""
    cursor = con.execute(
        """
        select source_dataset, coverage_status, latest_extract_on, newest_extract_on,
            max_days_between_extracts
        from intermediate.int_source_coverage
        where is_unavailable
        order by coverage_status, source_dataset
        """
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def coverage_result(unavailable: list[dict[str, Any]]) -> dg.AssetCheckResult:
    """Fails naming every missing source and every overdue one with its latest extract."""
    missing = [row["source_dataset"] for row in unavailable if row["coverage_status"] == "missing"]
    overdue = [
        f"{row['source_dataset']} (latest extract {row['latest_extract_on']}, "
        f"{row['max_days_between_extracts']} days allowed before {row['newest_extract_on']})"
        for row in unavailable
        if row["coverage_status"] == "overdue"
    ]
    parts = []
    if missing:
        parts.append(f"never arrived: {', '.join(missing)}")
    if overdue:
        parts.append(f"overdue: {'; '.join(overdue)}")
    return dg.AssetCheckResult(
        passed=not unavailable,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            "; ".join(parts) + ". Their criteria are marked not assessed "
            "(eligible_families.criteria_not_assessed)."
            if unavailable
            else "every expected source has arrived and is within its extract interval"
        ),
        metadata={
            "missing_sources": ", ".join(missing) or "none",
            "overdue_sources": "; ".join(overdue) or "none",
            "unavailable_count": len(unavailable),
        },
    )


@dg.asset_check(
    asset=SOURCE_COVERAGE_KEY,
    name="every_expected_source_arrived_on_time",
    pool="duckdb",
    description="Every source a contract expects has been loaded, and its latest extract is "
    "within the contract's max_days_between_extracts of the newest extract.",
)
def every_expected_source_arrived_on_time(duckdb: DuckDBResource) -> dg.AssetCheckResult:
    with duckdb.get_connection() as con:
        return coverage_result(unavailable_sources(con))


CHECKS = [every_expected_source_arrived_on_time]
