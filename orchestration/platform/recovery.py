"""A night killed part way (power cut, OOM killer, `kill -9`) must not block the next one.

The warehouse needs nothing: DuckDB replays or discards its write-ahead log, every load is one
transaction, and what readers are served is the last published night. Dagster's own records
do: a killed run stays "started" for ever, and the `duckdb` pool slot its step had claimed
stays claimed, so the next run's first DuckDB step would wait for a slot that is never freed.
(Dagster's daemon frees them for runs it launched; `families nightly` runs without a daemon.)

Each run started here is tagged with its process id and host; before the next night, runs of
this host still "in progress" whose process is gone are marked failed and their slots freed.
"""

from __future__ import annotations

import os
import socket

import dagster as dg

PID_TAG = "families/pid"
HOST_TAG = "families/host"


def run_tags() -> dict[str, str]:
    """Tags that let a later process tell whether this run's process is still alive."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark runs left in progress by a dead process of this host failed, free their pool
    slots, and return their run ids."""
    in_progress = instance.get_runs(
        filters=dg.RunsFilter(
            # QUEUED too: `families nightly` queues its run before executing it (run_queue.py);
            # left queued, a later daemon (the UI) would start a night nobody asked for.
            statuses=[
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.STARTING,
                dg.DagsterRunStatus.STARTED,
            ]
        )
    )
    abandoned = []
    for run in in_progress:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if pid is None or host != socket.gethostname() or _alive(int(pid)):
            continue
        instance.report_run_failed(
            run, f"process {pid} ended before the run finished (killed?); marked failed"
        )
        if instance.event_log_storage.supports_global_concurrency_limits:
            instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        abandoned.append(run.run_id)
    return abandoned
