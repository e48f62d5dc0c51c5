"""Platform-wide jobs: the nightly job (every asset but the evaluation) at 02:00 UK time, the
evaluation against the synthetic truth that follows a night, the loads the landing sensor
starts, and the back-dated rerun (as-at date and rule set as named launchpad fields)."""

# No `from __future__ import annotations`: config_mapping reads the Config class from the
# function's annotation at definition time.
import dagster as dg
from pydantic import Field

from orchestration.families import assets as families_assets
from orchestration.ingest.assets import INGEST_GROUP

NIGHTLY_JOB_NAME = "nightly"
# Who started a run: schedule, command_line (`families nightly`), landing_files_sensor, or
# (absent) the UI. Every nightly run also carries the job's own tags, however it started.
TRIGGER_TAG = "families/trigger"
NIGHTLY_TAGS = {"families/run": "nightly"}

EVALUATION_JOB_NAME = "evaluation"
# Accuracy against the synthetic city's truth (linkage, eligibility). A real council has no
# truth, and the night's list must not wait for a report on it: its own job, after a night.
EVALUATION_GROUP = "evaluation"

# Every materialisable asset (and the checks on them): loads, quality, dbt, linkage. Not the
# rebuild of every quality report: each night's checks rewrite the reports of the agencies
# that sent data (quality/pipeline.py); the full rebuild (about 8 s at city scale) is run
# from the UI when an acceptance is added to expectations/accepted_failures.yml. Not the
# evaluation (evaluation_job).
IAO_REPORTS_REBUILD = dg.AssetKey(["quality", "iao_reports"])
nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all()
    - dg.AssetSelection.assets(IAO_REPORTS_REBUILD)
    - dg.AssetSelection.groups(EVALUATION_GROUP),
    description="Everything, once: loads new extracts, checks, models, links, lists families.",
    tags=NIGHTLY_TAGS,
)

evaluation_job = dg.define_asset_job(
    EVALUATION_JOB_NAME,
    selection=dg.AssetSelection.groups(EVALUATION_GROUP),
    description="Linkage and eligibility accuracy against the synthetic city's truth, from "
    "the night's tables (started after a night by evaluation_after_night; `families "
    "nightly` runs it itself). Nothing in a night reads it.",
    tags={"families/run": "evaluation"},
)

load_landing_files_job = dg.define_asset_job(
    "load_landing_files",
    selection=dg.AssetSelection.groups(INGEST_GROUP),
    description="Loads of datasets with new landing files (started by landing_files_sensor).",
)


class BackdatedRunConfig(dg.Config):
    """A back-dated rerun: the criteria and the eligible list as at a past date, under a
    rule set. Named fields in the launchpad, not a hand-written `ops:` block."""

    as_at_date: str = Field(description="Judge the criteria as at this date (YYYY-MM-DD).")
    rule_set: str = Field(
        default="FF2015",
        description="FF2015 (the agreement's) or SFOF2022 (dbt_project/seeds/rule_sets.csv).",
    )


@dg.config_mapping
def backdated_run_config(config: BackdatedRunConfig) -> dict:
    """The two fields, handed to the dbt step (which checks them before dbt runs)."""
    parameters = {"as_at_date": config.as_at_date, "rule_set": config.rule_set}
    return {"ops": {"dbt_after_linkage": {"config": parameters}}}


# Households, families, criteria and the list again, from the loads and links already in the
# warehouse; published like a night (the last good night stays served if a test fails).
backdated_rerun_job = dg.define_asset_job(
    "backdated_rerun",
    selection=(
        dg.AssetSelection.assets(*families_assets.dbt_after_linkage.keys)
        | dg.AssetSelection.assets(
            families_assets.PUBLISHED_NIGHT_KEY,
            dg.AssetKey(["outputs", "eligible_families_csv"]),
        )
    ),
    config=backdated_run_config,
    description="The criteria and the eligible list as at a past date, under a rule set "
    "(launchpad fields: as_at_date, rule_set). Loads and linkage are not rerun.",
    tags={"families/run": "backdated"},
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_0200",
    job=nightly_job,
    cron_schedule="0 2 * * *",
    # Europe/London so the run stays at 02:00 local time across BST changes.
    execution_timezone="Europe/London",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    tags={TRIGGER_TAG: "schedule"},
)
