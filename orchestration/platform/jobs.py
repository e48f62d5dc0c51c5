"""Platform-wide jobs: the nightly job (every asset) at 02:00 UK time, and the loads the
landing sensor starts."""

from __future__ import annotations

import dagster as dg

from orchestration.ingest.assets import INGEST_GROUP

NIGHTLY_JOB_NAME = "nightly"

# Every materialisable asset (and the checks on them): loads, quality, dbt, linkage. Not the
# rebuild of every quality report: each night's checks rewrite the reports of the agencies
# that sent data (quality/pipeline.py); the full rebuild (about 8 s at city scale) is run
# from the UI when an acceptance is added to expectations/accepted_failures.yml.
IAO_REPORTS_REBUILD = dg.AssetKey(["quality", "iao_reports"])
nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(IAO_REPORTS_REBUILD),
    description="Everything, once: loads new extracts, checks, models, links, lists families.",
)

load_landing_files_job = dg.define_asset_job(
    "load_landing_files",
    selection=dg.AssetSelection.groups(INGEST_GROUP),
    description="Loads of datasets with new landing files (started by landing_files_sensor).",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_0200",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    # Europe/London so the run stays at 02:00 local time across BST changes.
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
