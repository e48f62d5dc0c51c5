"""A run killed with SIGKILL leaves Dagster believing it still runs and still holds the
`duckdb` pool slot; the next night marks it failed and frees the slot instead of waiting
for ever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg

from orchestration.platform.dagster_home import ensure_dagster_home
from orchestration.platform.recovery import fail_abandoned_runs

# A night whose only step takes the duckdb pool and then waits to be killed.
RUN = textwrap.dedent(
    """
    import sys, time
    import dagster as dg
    from orchestration.platform.recovery import run_tags

    @dg.asset(pool="duckdb")
    def slow_step():
        print("claimed", flush=True)
        time.sleep(300)

    defs = dg.Definitions(assets=[slow_step], executor=dg.in_process_executor)
    job = defs.resolve_implicit_global_asset_job_def()
    with dg.DagsterInstance.get() as instance:
        job.execute_in_process(instance=instance, tags=run_tags())
    """
)


def test_a_killed_runs_pool_slot_is_freed_and_the_run_marked_failed(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    ensure_dagster_home()
    script = tmp_path / "night.py"
    script.write_text(RUN, encoding="utf-8")
    night = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        assert night.stdout.readline().strip() == "claimed"
    finally:
        os.kill(night.pid, signal.SIGKILL)
        night.wait()

    with dg.DagsterInstance.get() as instance:
        (run,) = instance.get_runs()
        assert run.status == dg.DagsterRunStatus.STARTED  # what Dagster believes after a kill
        assert instance.event_log_storage.get_concurrency_info("duckdb").active_run_ids == {
            run.run_id
        }
        assert fail_abandoned_runs(instance) == [run.run_id]
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
        assert instance.event_log_storage.get_concurrency_info("duckdb").active_slot_count == 0
        # A live run is never touched.
        assert fail_abandoned_runs(instance) == []

    started = time.monotonic()
    second = subprocess.run(
        [sys.executable, "-c", RUN.replace("time.sleep(300)", "pass")],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert time.monotonic() - started < 110
