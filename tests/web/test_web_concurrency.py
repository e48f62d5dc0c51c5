"""Twenty users browse while the nightly job runs and then publishes: no errors, no lock
failures, and the audit chain written by all of them at once stays intact.

Writes the page latencies it saw to reports/web/concurrency.json in the test's data folder.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

USERS = 20


def test_twenty_users_browse_while_the_night_runs_and_publishes(
    web_app, users, published_ids, tmp_path, monkeypatch
):
    from django.db import connection
    from django.test import Client

    from orchestration.published import publish
    from orchestration.web.audit import verify

    # A private copy of the night's folder, so other tests keep the night they know.
    data_dir = tmp_path / "data"
    shutil.copytree(web_app["data_dir"], data_dir, ignore=shutil.ignore_patterns("web"))
    env = {
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    families = published_ids["eligible"]
    errors: list[str] = []
    latencies: dict[str, list[float]] = {"list": [], "family": []}
    stop = threading.Event()
    analyst = users["analyst"]

    def browse(number: int) -> None:
        from django.db import connection as thread_connection

        client = Client(REMOTE_ADDR=f"10.1.0.{number}")
        client.post("/sign-in/", {"username": analyst["username"], "password": analyst["password"]})
        family = families[number % len(families)]
        client.post(f"/families/{family}/", {"purpose": "eligibility_check"})
        while not stop.is_set():
            for kind, url in (("list", "/families/"), ("family", f"/families/{family}/")):
                started = time.perf_counter()
                try:
                    answer = client.get(url)
                except Exception as error:  # any exception at all is a failure to report
                    errors.append(f"{url}: {error!r}")
                    continue
                latencies[kind].append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors.append(f"{url}: HTTP {answer.status_code}")
        thread_connection.close()

    threads = [threading.Thread(target=browse, args=(n,)) for n in range(USERS)]
    for thread in threads:
        thread.start()
    night = subprocess.run(
        [str(Path(sys.executable).parent / "families"), "nightly"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=1500,
    )
    # The night's last step, on the writer's connection, while pages are still being read.
    with duckdb.connect(env["FAMILIES_DB"]) as con:
        publish(con, root=data_dir / "published")
    time.sleep(2)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    connection.close()
    assert night.returncode == 0, night.stdout[-2000:] + night.stderr[-2000:]
    assert not errors, errors[:5]
    assert min(len(v) for v in latencies.values()) >= USERS
    result = verify()
    assert result.ok, result.problems[:3]

    report = data_dir / "reports" / "web" / "concurrency.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        kind: {
            "requests": len(values),
            "median_ms": round(statistics.median(values) * 1000, 1),
            "p95_ms": round(statistics.quantiles(values, n=20)[-1] * 1000, 1),
        }
        for kind, values in latencies.items()
    }
    report.write_text(json.dumps({"users": USERS, "errors": len(errors), **summary}, indent=2))
