"""Dagster asset: rebuild every Information Asset Owner report and the Data Docs.

The checks already refresh their agency's report after each validation (see pipeline.py),
so the nightly job leaves this asset out; it rebuilds them all when run from the UI, e.g.
after an acceptance is added to `expectations/accepted_failures.yml`. It has no upstream
dependency on purpose: a blocking check failure would otherwise skip it in the very run
whose problems it should report.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from orchestration.platform.ownership import COORDINATOR, stage_tags
from orchestration.quality.gx_suite import quality_reports_dir


@dg.asset(
    key=["quality", "iao_reports"],
    group_name="quality",
    pool="duckdb",
    kinds={"great_expectations", "html"},
    owners=[COORDINATOR],
    tags=stage_tags("quality"),
    description="One-page data-quality report per Information Asset Owner, and GX Data Docs.",
)
def iao_reports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    from orchestration.quality.reports import write_quality_reports

    with duckdb.get_connection() as con:
        written = write_quality_reports(con)
    return dg.MaterializeResult(
        metadata={
            "reports": len(written),
            "folder": dg.MetadataValue.path(str(quality_reports_dir())),
        }
    )


ASSETS = [iao_reports]
