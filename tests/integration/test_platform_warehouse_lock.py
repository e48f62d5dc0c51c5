"""A command outside Dagster meets another process's lock on the warehouse: it waits, then
fails with a message naming the holder, never a DuckDB lock traceback."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.platform.warehouse_lock import WarehouseBusyError, connect_warehouse

HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
    "time.sleep(float(sys.argv[2]))"
)


def _hold(db: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_busy_warehouse_is_waited_for_then_refused_with_the_holder_named(tmp_path, capsys):
    db = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(db)).close()
    holder = _hold(db, 30)
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusyError, match=rf"still in use by PID {holder.pid} \("):
            connect_warehouse(db, wait_seconds=1.5, poll_seconds=0.2)
        assert time.monotonic() - started >= 1.5
        assert f"Waiting for the warehouse: PID {holder.pid}" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()


def test_the_wait_ends_as_soon_as_the_holder_lets_go(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(db)).close()
    holder = _hold(db, 1.0)
    try:
        con = connect_warehouse(db, wait_seconds=30, poll_seconds=0.2)
        con.execute("create table t as select 1 as x")
        con.close()
    finally:
        holder.wait()
