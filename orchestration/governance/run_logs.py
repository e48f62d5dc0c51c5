"""Retention of Dagster's run history: old runs' events and captured output deleted through
the instance, then the SQLite stores rewritten so the deleted rows' bytes are gone.

A night's logs describe every dataset it loaded (counts, field names, error messages and
whatever a step printed), so a run is kept no longer than the shortest retention of any
dataset it could have loaded: a run started on day D goes once a load extracted on D would be
past some contract's retention (nothing a run loads is dated after the run). Runs still
queued or running are never touched, nor the run doing the disposal.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

import dagster as dg

from orchestration.governance.retention import DatasetDisposal, Policy

RUN_LOGS = "(Dagster run history)"
RUN_SHARD = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
FINISHED = (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED)


def _run_day(record) -> dt.date:
    started = record.start_time or record.create_timestamp.timestamp()
    return dt.datetime.fromtimestamp(started, dt.UTC).date()


def expired_run_ids(
    instance: dg.DagsterInstance, policies: Iterable[Policy], today: dt.date, keep: str | None
) -> list[str]:
    """Finished runs, other than `keep`, that some policy puts past retention."""
    policies = list(policies)
    expired = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=list(FINISHED))):
        run_id = record.dagster_run.run_id
        day = _run_day(record)
        if run_id != keep and any(p.expired(day, today) for p in policies):
            expired.append(run_id)
    return expired


def dispose_run_logs(
    instance: dg.DagsterInstance,
    policies: Iterable[Policy],
    today: dt.date,
    dry_run: bool,
    keep: str | None = None,
) -> DatasetDisposal:
    """Count (dry run) or delete the expired runs: their rows in the run and event stores,
    their own event shard, their captured stdout and stderr; then VACUUM the SQLite stores."""
    found = DatasetDisposal(RUN_LOGS, "the shortest retention of any dataset, from the run's day")
    run_ids = expired_run_ids(instance, policies, today, keep)
    if run_ids:
        found.rows["dagster runs"] = len(run_ids)
    if dry_run or not run_ids:
        return found
    storage = instance.event_log_storage
    for run_id in run_ids:
        instance.delete_run(run_id)
        instance.compute_log_manager.delete_logs(prefix=[run_id])
        shard = getattr(storage, "path_for_shard", None)  # SQLite: one file per run
        if shard:
            for suffix in ("", "-wal", "-shm"):
                Path(shard(run_id) + suffix).unlink(missing_ok=True)
    vacuum_sqlite_stores(Path(instance.root_directory))
    return found


def vacuum_sqlite_stores(home: Path) -> list[Path]:
    """VACUUM the Dagster home's shared SQLite files (runs, the event index, schedules):
    deleted rows leave free pages that still hold their bytes until the file is rewritten.
    Kept runs' own shards had nothing deleted. Returns the files rewritten. (PostgreSQL
    storage, if configured, needs its administrator's VACUUM FULL.)"""
    done = []
    for path in sorted(home.rglob("*.db")):
        if RUN_SHARD.fullmatch(path.stem):
            continue
        with closing(sqlite3.connect(path, timeout=30)) as con:
            con.execute("vacuum")
        done.append(path)
    return done
