"""The sensor that starts the evaluation job after each successful night."""

import dagster as dg

from orchestration import paths
from orchestration.platform.jobs import (
    TRIGGER_TAG,
    backdated_rerun_job,
    evaluation_job,
    nightly_job,
)

# What a run of the evaluation job tags with the run it evaluates.
EVALUATED_RUN_TAG = "families/evaluated_run"


@dg.run_status_sensor(
    name="evaluation_after_night",
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[nightly_job, backdated_rerun_job],
    request_job=evaluation_job,
    # Only a night's success starts it, and it does nothing without a synthetic truth.
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a night (or back-dated rerun) succeeds, measures it against the "
    "synthetic city's truth in a run of its own, so the night's list never waits for it.",
)
def evaluation_after_night(context: dg.RunStatusSensorContext):
    night = context.dagster_run
    if night.tags.get(TRIGGER_TAG) == "command_line":
        return dg.SkipReason(f"run {night.run_id}: `families nightly` runs the evaluation itself")
    if not paths.has_truth():
        return dg.SkipReason("no synthetic truth in data/truth: nothing to evaluate against")
    return dg.RunRequest(
        run_key=night.run_id,
        tags={TRIGGER_TAG: "evaluation_after_night", EVALUATED_RUN_TAG: night.run_id},
    )
