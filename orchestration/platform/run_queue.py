"""A run started from the command line goes through the instance's run queue, as a scheduled
or UI run does, and is recorded as a run of the code location's job.

`execute_in_process` made a run with no code location: the UI's timeline (which groups runs
by location and job) left it out, and it bypassed the queue's one-run-at-a-time limit. Here
the run is created from the `troubled_families` location's job, with the job's tags,
enqueued, and then
- if the queue's daemon is running (`families ui` / `dg dev` is up), the daemon dequeues and
  launches it like any other run, and this process follows it;
- if not, this process dequeues it when no other run is in progress (max_concurrent_runs
  is 1) and executes it here, in process: no code server or run worker to start, and a
  SIGKILL of the command takes the run with it (recovery.py then marks it failed).

Dagster has no public API for "create a run of a location's job"; what the `dagster job
launch` command does is repeated here with the same internal calls, kept to this module.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import dagster as dg

from orchestration import paths

LOCATION_NAME = "troubled_families"
DEFINITIONS_MODULE = "orchestration.definitions"
QUEUE_DAEMON = "QUEUED_RUN_COORDINATOR"
IN_PROGRESS = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
FINISHED = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}


def enqueue_job_run(
    instance: dg.DagsterInstance,
    job_name: str,
    run_config: Mapping[str, Any] | None = None,
    tags: Mapping[str, str] | None = None,
) -> dg.DagsterRun:
    """Create a run of the location's job (the job's tags plus `tags`) and put it in the queue."""
    from dagster._core.events import DagsterEvent
    from dagster._core.remote_origin import InProcessCodeLocationOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    origin = InProcessCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(
            executable_path=sys.executable,
            module_name=DEFINITIONS_MODULE,
            working_directory=str(paths.REPO_ROOT),
        ),
        location_name=LOCATION_NAME,
    )
    run_config = dict(run_config or {})
    with origin.create_location(instance) as location:
        (repository,) = location.get_repositories().values()
        remote_job = repository.get_full_job(job_name)
        plan = location.get_execution_plan(
            remote_job, run_config, step_keys_to_execute=None, known_state=None, instance=instance
        ).execution_plan_snapshot
        run = instance.create_run(
            job_name=job_name,
            run_id=None,
            run_config=run_config,
            resolved_op_selection=None,
            step_keys_to_execute=plan.step_keys_to_execute,
            op_selection=None,
            status=None,
            root_run_id=None,
            parent_run_id=None,
            tags={**remote_job.tags, **(tags or {})},
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=None,
            asset_check_selection=None,
            asset_graph=repository.asset_graph,
        )
    # What QueuedRunCoordinator.submit_run records (it needs a UI workspace to be called).
    instance.report_dagster_event(DagsterEvent.job_enqueue(run), run_id=run.run_id)
    return instance.get_run_by_id(run.run_id)


def queue_daemon_running(instance: dg.DagsterInstance) -> bool:
    """Whether a daemon (started by `families ui` / `dg dev`) is dequeuing runs."""
    status = instance.get_daemon_statuses([QUEUE_DAEMON]).get(QUEUE_DAEMON)
    return bool(status and status.healthy)


def run_queued_job(
    instance: dg.DagsterInstance,
    run: dg.DagsterRun,
    execute_here: bool,
    on_wait: Callable[[str], None] = lambda message: None,
    poll_seconds: float = 2.0,
) -> dg.DagsterRun:
    """See the run through the queue to its end and return its final record: executed here
    when `execute_here` (no daemon running), else left to the daemon and followed."""
    if not execute_here:
        on_wait("  the UI's daemon is running: it launches this run from the queue")
        return _wait_until_finished(instance, run.run_id, poll_seconds)
    _wait_for_turn(instance, run.run_id, on_wait, poll_seconds)
    if instance.get_run_by_id(run.run_id).status != dg.DagsterRunStatus.QUEUED:
        # A daemon started meanwhile (the UI opened) and dequeued it: follow it instead.
        return _wait_until_finished(instance, run.run_id, poll_seconds)
    _execute_here(instance, run.run_id)
    return instance.get_run_by_id(run.run_id)


def _wait_for_turn(
    instance: dg.DagsterInstance, run_id: str, on_wait: Callable[[str], None], poll: float
) -> None:
    # The queue's limit (dagster.yaml: one run at a time), kept without its daemon.
    told = False
    while others := [
        r.run_id
        for r in instance.get_runs(filters=dg.RunsFilter(statuses=IN_PROGRESS))
        if r.run_id != run_id
    ]:
        if not told:
            on_wait(f"  queued behind run {others[0]}, in progress")
            told = True
        time.sleep(poll)


def _execute_here(instance: dg.DagsterInstance, run_id: str) -> None:
    from dagster._core.events import DagsterEvent, DagsterEventType
    from dagster._core.execution.api import execute_run
    from dagster._utils.hosted_user_process import recon_job_from_origin

    run = instance.get_run_by_id(run_id)
    # Dequeued: the same event the daemon records before it launches a run.
    starting = DagsterEvent(
        event_type_value=DagsterEventType.PIPELINE_STARTING.value, job_name=run.job_name
    )
    instance.report_dagster_event(starting, run_id=run_id)
    run = instance.get_run_by_id(run_id)
    execute_run(recon_job_from_origin(run.job_code_origin), run, instance)


def _wait_until_finished(instance: dg.DagsterInstance, run_id: str, poll: float) -> dg.DagsterRun:
    while (run := instance.get_run_by_id(run_id)).status not in FINISHED:
        time.sleep(poll)
    return run
