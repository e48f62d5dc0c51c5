"""The nightly job (every asset) at 02:00 UK time, and the job the landing sensor runs."""

from __future__ import annotations

import dagster as dg

from orchestration.ingest.assets import INGEST_GROUP

NIGHTLY_JOB_NAME = "nightly"

# Every materialisable asset (and the checks on them): loads, quality, dbt, linkage.
nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
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
