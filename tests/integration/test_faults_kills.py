"""SIGKILL at random moments of whole nightly runs (loads, checks, dbt, linkage, publishing,
reports): every kill leaves a warehouse that opens whole and a served night that is whole
(the last good one, or a newer one published completely before the kill), and the next
night recovers by itself. The counts go into a JSON report (FAULTS_KILL_REPORT, or the
test's temporary folder) and the test's output.

Long: a tiny city's night takes minutes on the 2-core machine, and FAULTS_KILLS (default 20)
nights are cut short. Marked `kill` (and `slow`); FAULTS_KILL_SEED picks the moments.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from faults_nightly import (
    failures_in,
    families_command,
    families_env,
    make_tiny_city,
    move_night_two,
    published_problems,
    step_running_at_kill,
    warehouse_problems,
)

pytestmark = [pytest.mark.slow, pytest.mark.kill]


def _night(data_dir: Path, log: Path, kill_after: float | None) -> tuple[bool, int | None]:
    """One `families nightly` in its own process group; (killed, return code)."""
    with log.open("w") as out:
        night = subprocess.Popen(
            families_command("nightly"),
            env=families_env(data_dir),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the kill takes dbt and every other child with it
        )
        try:
            return False, night.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(night.pid, signal.SIGKILL)
            night.wait()
            return True, None


def test_sigkills_at_random_moments_never_corrupt_or_half_serve(tmp_path: Path):
    kills_wanted = int(os.environ.get("FAULTS_KILLS", "20"))
    rng = random.Random(int(os.environ.get("FAULTS_KILL_SEED", "14")))
    data_dir = make_tiny_city(tmp_path, nights=2)
    db = data_dir / "warehouse.duckdb"
    # Night one first, whole; night two's extracts then arrive, so the killed nights have
    # files to load too (the loads are one of the stages cut short).
    assert move_night_two(data_dir, data_dir / "landing", tmp_path / "night_two") > 0

    started = time.monotonic()
    killed, code = _night(data_dir, tmp_path / "night-0.log", None)
    full_night = time.monotonic() - started
    assert code == 0, failures_in(tmp_path / "night-0.log")
    assert published_problems(data_dir) == [] and warehouse_problems(db) == []
    move_night_two(data_dir, tmp_path / "night_two", data_dir / "landing")

    kills: list[dict] = []
    attempts = 0
    # A moment anywhere in a night as long as the latest night that ran to its end: the later,
    # incremental nights are shorter than the first.
    night_length = full_night
    while len(kills) < kills_wanted and attempts < 3 * kills_wanted:
        attempts += 1
        at = rng.uniform(1.0, night_length)
        log = tmp_path / f"night-{attempts}.log"
        started = time.monotonic()
        killed, code = _night(data_dir, log, at)
        if not killed:
            assert code == 0, failures_in(log)
            night_length = time.monotonic() - started
            continue
        kills.append(
            {
                "kill": len(kills) + 1,
                "after_seconds": round(at, 1),
                "step": step_running_at_kill(data_dir.parent / "dagster_home"),
                "warehouse_problems": warehouse_problems(db),
                "served_problems": published_problems(data_dir),
            }
        )

    killed, code = _night(data_dir, tmp_path / "night-final.log", None)
    final_log = (tmp_path / "night-final.log").read_text()
    report = {
        "kills": len(kills),
        "corrupt_warehouses": sum(1 for k in kills if k["warehouse_problems"]),
        "half_built_served": sum(1 for k in kills if k["served_problems"]),
        "full_night_seconds": round(full_night, 1),
        "recovered_next_night": code == 0,
        "final_served_problems": published_problems(data_dir),
        "final_warehouse_problems": warehouse_problems(db),
        "moments": kills,
    }
    path = Path(os.environ.get("FAULTS_KILL_REPORT", tmp_path / "kill_report.json"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"\nkill report ({path}):")
    print(json.dumps({k: v for k, v in report.items() if k != "moments"}, indent=2))
    for k in kills:
        print(f"  kill {k['kill']:2d} at {k['after_seconds']:6.1f} s in {k['step']}")

    assert report["kills"] == kills_wanted
    assert report["corrupt_warehouses"] == 0, kills
    assert report["half_built_served"] == 0, kills
    assert report["recovered_next_night"], failures_in(tmp_path / "night-final.log")
    assert "Served to readers: this night" in final_log
    assert report["final_served_problems"] == [] and report["final_warehouse_problems"] == []
