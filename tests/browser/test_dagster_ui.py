"""The Dagster UI in a real browser: lineage, a nightly run launched by a click, the reports.

Starts `families ui` on a free loopback port against a small generated city, drives Debian's
Chromium with Playwright, and saves screenshots under the test's data folder
(`reports/ui/`) so a person can see what the test saw.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.chromium import chromium_context, require_chromium

pytestmark = pytest.mark.browser

LOCATION = "troubled_families"
# One lineage path a keyworker's list depends on: a police extract, through linkage, to the list.
LINEAGE_NODES = ("police__offences", "int_person_records", "person_index", "eligible_families")
RUN_TIMEOUT_SECONDS = 900


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


RUNS_QUERY = """
query { runsOrError(limit: 20) { ... on Runs { results { runId jobName status } } } }
"""


def _runs(port: int) -> list[dict]:
    return _graphql(port, RUNS_QUERY)["data"]["runsOrError"]["results"]


@pytest.fixture(scope="module")
def dagster_ui(tmp_path_factory, small_city_dir):
    """`families ui` on a free port over a copy of the small city, stopped cleanly afterwards."""
    require_chromium()
    work = tmp_path_factory.mktemp("ui")
    data_dir = work / "data"
    shutil.copytree(small_city_dir / "landing", data_dir / "landing")
    shutil.copytree(small_city_dir / "truth", data_dir / "truth")
    port = _free_port()
    env = {
        **os.environ,
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    log = open(work / "ui.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "families"), "ui", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"families ui exited: {(work / 'ui.log').read_text()[-2000:]}")
            time.sleep(1)
    else:
        pytest.fail("the Dagster UI did not answer within 180 s")
    yield {"port": port, "data_dir": data_dir, "screens": data_dir / "reports" / "ui"}
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def page(dagster_ui, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with chromium_context(profile, viewport={"width": 1600, "height": 1000}) as context:
        browser_page = context.new_page()
        browser_page.set_default_timeout(60_000)
        yield browser_page


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    skip = page.get_by_role("button", name="Skip")  # the first-visit community dialog
    if skip.count():
        skip.first.click()


def _screenshot(page, dagster_ui, name: str) -> Path:
    dagster_ui["screens"].mkdir(parents=True, exist_ok=True)
    path = dagster_ui["screens"] / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{name}: screenshot is blank"
    return path


def test_lineage_runs_from_landing_through_linkage_to_eligible_families(page, dagster_ui):
    port = dagster_ui["port"]
    _open(
        page,
        f"http://127.0.0.1:{port}/assets/eligible_families"
        "?view=lineage&lineageScope=upstream&lineageDepth=20",
    )
    for node in LINEAGE_NODES:
        page.get_by_text(node, exact=True).first.wait_for(state="visible")
    _screenshot(page, dagster_ui, "lineage_eligible_families")


def test_nightly_job_launched_from_the_ui_succeeds(page, dagster_ui):
    port = dagster_ui["port"]
    _open(page, f"http://127.0.0.1:{port}/locations/{LOCATION}/jobs/nightly")
    # The landing sensor may already have started a load run for the files it found: the
    # run this test follows is the nightly run its click starts.
    before = {run["runId"] for run in _runs(port)}
    page.get_by_role("button", name="Materialize all").click()

    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    run = None
    while time.monotonic() < deadline:
        launched = [
            r for r in _runs(port) if r["runId"] not in before and r["jobName"] == "nightly"
        ]
        run = launched[0] if launched else None
        if run and run["status"] in {"SUCCESS", "FAILURE", "CANCELED"}:
            break
        time.sleep(5)
    assert run, "no nightly run was launched by the click"
    _open(page, f"http://127.0.0.1:{port}/runs/{run['runId']}")
    _screenshot(page, dagster_ui, "nightly_run")
    assert run["status"] == "SUCCESS", f"nightly run ended {run['status']}: see the screenshot"

    outputs = dagster_ui["data_dir"] / "outputs" / "eligible_families.csv"
    assert outputs.exists() and outputs.stat().st_size > 0


def test_data_docs_and_an_information_asset_owner_report_open(page, dagster_ui):
    quality = dagster_ui["data_dir"] / "reports" / "quality"
    data_docs = sorted(quality.rglob("index.html"))
    assert data_docs, "the nightly run wrote no Data Docs"
    _open(page, data_docs[0].as_uri())
    assert "Expectation" in page.inner_text("body") or "Validation" in page.inner_text("body")
    _screenshot(page, dagster_ui, "data_docs")

    owner_reports = sorted((quality / "iao").glob("*.html"))
    assert owner_reports, "the nightly run wrote no Information Asset Owner report"
    _open(page, owner_reports[0].as_uri())
    body = page.inner_text("body")
    for dimension in ("Completeness", "Validity", "Uniqueness", "Timeliness", "Consistency"):
        assert dimension.lower() in body.lower()
    _screenshot(page, dagster_ui, "iao_report")
