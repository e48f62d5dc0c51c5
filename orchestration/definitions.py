"""Every Dagster object of the platform, wired in one place (loaded through workspace.yaml)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.families import assets as families_assets
from orchestration.governance import assets as governance_assets
from orchestration.ingest.assets import build_ingest_assets
from orchestration.ingest.contract import Contract, load_contracts
from orchestration.ingest.sensors import build_landing_sensor
from orchestration.linkage import assets as linkage_assets
from orchestration.platform.jobs import (
    backdated_rerun_job,
    evaluation_job,
    load_landing_files_job,
    nightly_job,
    nightly_schedule,
)
from orchestration.platform.sensors import evaluation_after_night
from orchestration.quality import assets as quality_assets
from orchestration.quality.checks import build_quality_checks
from orchestration.quality.freshness import CHECKS as FRESHNESS_CHECKS
from orchestration.resources import duckdb_resource
from orchestration.web import assets as web_assets


def build_definitions(
    contracts: dict[str, Contract], deny_list_path: Path | None = None
) -> dg.Definitions:
    """The platform's Definitions for a set of contracts (tests pass their own)."""
    landing_specs, load_assets = build_ingest_assets(contracts, deny_list_path)
    return dg.Definitions(
        assets=[
            *landing_specs,
            *load_assets,
            *quality_assets.ASSETS,
            *families_assets.ASSETS,
            *linkage_assets.ASSETS,
            *web_assets.ASSETS,
            *governance_assets.ASSETS,
        ],
        asset_checks=[
            *build_quality_checks(contracts),
            *linkage_assets.CHECKS,
            *FRESHNESS_CHECKS,
        ],
        jobs=[nightly_job, evaluation_job, load_landing_files_job, backdated_rerun_job],
        schedules=[nightly_schedule],
        sensors=[build_landing_sensor(contracts, load_landing_files_job), evaluation_after_night],
        resources={"duckdb": duckdb_resource(), "dbt": families_assets.dbt_resource()},
        # One process: no per-step re-import (much faster) and one DuckDB writer at a time.
        executor=dg.in_process_executor,
    )


defs = build_definitions(load_contracts())
