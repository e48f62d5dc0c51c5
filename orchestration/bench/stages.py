"""Which stage each step of the nightly job belongs to, and each stage's time from the run log.

The nightly job runs its steps one after another (in-process executor), so a stage's wall time
is the sum of its steps' durations, taken from Dagster's own event log of the run, and its peak
memory is the highest tree sample taken while one of its steps was running.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# In the order a night runs them; `generate` is measured outside the job.
STAGES = ("generate", "load", "validate", "addresses", "persons", "dbt", "reports", "retention")
# Wall time outside every step: process start, imports, Dagster's planning and event writes.
OVERHEAD = "orchestration"
# The accuracy against the synthetic truth: the evaluation job, after the night, not part of it.
EVALUATION = "evaluation"


def stage_of(step_key: str) -> str:
    """The bench stage of a step key of the nightly or evaluation job (asset keys joined by
    `__`, checks suffixed)."""
    if step_key.startswith("raw__"):
        return "validate" if step_key.endswith("_data_quality") else "load"
    if step_key.startswith("linkage__record_uprns"):
        return "addresses"
    if step_key.startswith("linkage__"):
        return "persons"
    if step_key.startswith("dbt_"):
        return "dbt"
    if step_key.startswith("int_source_coverage"):
        return "validate"  # the check that every expected source arrived on time
    if step_key.startswith(("quality__", "outputs__")):
        return "reports"
    if step_key.startswith("evaluation__"):
        return EVALUATION
    if step_key.startswith("governance__"):
        return "retention"
    raise ValueError(f"step {step_key!r} has no bench stage: add it to stage_of()")


@dataclass(frozen=True)
class StepSpan:
    step_key: str
    stage: str
    start: float  # epoch seconds
    end: float
    succeeded: bool

    @property
    def seconds(self) -> float:
        return self.end - self.start


def latest_run_steps(dagster_home: Path, job_name: str = "nightly") -> tuple[str, list[StepSpan]]:
    """The newest run of `job_name` in this Dagster home, with the span of each of its steps."""
    import dagster as dg
    from dagster._core.instance.ref import InstanceRef

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name=job_name), limit=1)
        if not runs:
            raise RuntimeError(f"no {job_name} run in {dagster_home}")
        run_id = runs[0].run_id
        records = instance.all_logs(
            run_id,
            of_type={
                dg.DagsterEventType.STEP_START,
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            },
        )
    starts: dict[str, float] = {}
    spans: list[StepSpan] = []
    for record in records:
        event = record.dagster_event
        if event.event_type == dg.DagsterEventType.STEP_START:
            starts[record.step_key] = record.timestamp
        elif record.step_key in starts:
            spans.append(
                StepSpan(
                    record.step_key,
                    stage_of(record.step_key),
                    starts.pop(record.step_key),
                    record.timestamp,
                    event.event_type == dg.DagsterEventType.STEP_SUCCESS,
                )
            )
    return run_id, sorted(spans, key=lambda s: s.start)
