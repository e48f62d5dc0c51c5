"""The web application in a real browser: each role signs in and reaches only its pages, the
coordinator allocates a family, an analyst exports the list, a reviewer records a decision
that the next night honours (run while 20 simulated users browse: no errors), and every view
of personal data left an audit entry.

Runs `families web` (the real command) on a free loopback port over a copy of a published
night, with users made by `families users add`; drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest
from simulated_users import start_users

from tests.chromium import chromium_context, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAMILIES = str(Path(sys.executable).parent / "families")
ROLES = ("coordinator", "analyst", "keyworker", "police_liaison", "iao", "linkage_reviewer")
SIMULATED_USERS = 20
# Navigation each role must show, and a page each must be refused.
NAVIGATION = {
    "coordinator": ({"Eligible families", "Audit", "Users"}, "/review/"),
    "analyst": ({"Eligible families"}, "/audit/"),
    "keyworker": ({"Eligible families"}, "/users/"),
    "police_liaison": ({"Eligible families"}, "/families/export.csv"),
    "iao": ({"Data quality"}, "/families/"),
    "linkage_reviewer": ({"Review queue"}, "/families/"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(args: list[str], env: dict, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([FAMILIES, *args], env=env, capture_output=True, text=True, **extra)


@pytest.fixture(scope="module")
def site(web_city, tmp_path_factory):
    """`families web` over a private copy of the published night, with one user per role."""
    require_chromium()
    work = tmp_path_factory.mktemp("web_browser")
    data_dir = work / "data"
    shutil.copytree(web_city["data_dir"], data_dir, ignore=shutil.ignore_patterns("web"))
    env = {
        **os.environ,
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
        "FAMILIES_WEB_DIR": str(work / "web"),
        "FAMILIES_WEB_SECRET_KEY": secrets.token_urlsafe(40),
    }
    passwords = {}
    # One user per role, and an analyst for the simulated users ("load").
    for name, role in [(role, role) for role in ROLES] + [("load", "analyst")]:
        passwords[name] = secrets.token_urlsafe(18)
        agency = ["--agency", "police"] if role == "iao" else []
        made = _run(
            ["users", "add", "--username", f"b-{name}", "--role", role, *agency],
            {**env, "FAMILIES_PASSWORD": passwords[name]},
        )
        assert made.returncode == 0, made.stderr
    port = _free_port()
    log = open(work / "web.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [FAMILIES, "web", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/", timeout=2)
            break
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"families web exited: {(work / 'web.log').read_text()[-2000:]}")
            time.sleep(1)
    else:
        pytest.fail("the web application did not answer within 120 s")
    yield {
        "url": f"http://127.0.0.1:{port}",
        "env": env,
        "data_dir": data_dir,
        "passwords": passwords,
        "screens": data_dir / "reports" / "web",
    }
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
    log.close()


@pytest.fixture(scope="module")
def browser(site, tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-web-profile")
    with chromium_context(
        profile, viewport={"width": 1400, "height": 1000}, accept_downloads=True
    ) as context:
        yield context


def _sign_in(context, site, role: str):
    context.clear_cookies()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(site["url"] + "/sign-in/")
    page.get_by_label("Username").fill(f"b-{role}")
    page.get_by_label("Password").fill(site["passwords"][role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    return page


def _screenshot(page, site, name: str) -> None:
    site["screens"].mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(site["screens"] / f"{name}.png"), full_page=True)


def _published_families(site) -> list[str]:
    from orchestration.published import open_published

    con = open_published(site["data_dir"] / "published")
    try:
        rows = con.execute("select family_id from marts.eligible_families order by 1").fetchall()
    finally:
        con.close()
    return [family for (family,) in rows]


def _open_family(page, site, family: str) -> None:
    page.goto(f"{site['url']}/families/{family}/")
    page.get_by_label("Multi-agency meeting about this family").check()
    page.get_by_role("button", name="Open the family").click()
    page.get_by_role("heading", name=f"Family {family}").wait_for()


FAMILY_VIEWS: list[tuple[str, str]] = []  # (username, family) opened in this module


def test_each_role_reaches_its_pages_and_is_refused_elsewhere(browser, site):
    families = _published_families(site)
    coordinator = _sign_in(browser, site, "coordinator")
    coordinator.goto(site["url"] + "/users/")
    coordinator.get_by_label("Keyworker").fill("b-keyworker")
    coordinator.get_by_label("Family id").fill(families[0])
    coordinator.get_by_role("button", name="Allocate").click()
    coordinator.get_by_text(f"{families[0]} allocated to b-keyworker").wait_for()
    coordinator.close()

    for role in ROLES:
        page = _sign_in(browser, site, role)
        navigation = page.locator("#navigation").inner_text()
        expected, forbidden = NAVIGATION[role]
        for item in expected:
            assert item in navigation, f"{role}: no {item} in the navigation"
        _screenshot(page, site, f"home_{role}")
        if "Eligible families" in expected:
            _open_family(page, site, families[0])
            FAMILY_VIEWS.append((f"b-{role}", families[0]))
            _screenshot(page, site, f"family_{role}")
        if role == "keyworker":
            page.goto(f"{site['url']}/families/{families[1]}/")
            assert "You cannot see this page" in page.inner_text("body")
        answer = page.goto(site["url"] + forbidden)
        assert answer.status == 403, f"{role} reached {forbidden}"
        assert "You cannot see this page" in page.inner_text("body")
        page.close()


def test_analyst_exports_the_list_as_csv_and_xlsx(browser, site, tmp_path):
    from openpyxl import load_workbook

    families = _published_families(site)
    page = _sign_in(browser, site, "analyst")
    page.goto(site["url"] + "/families/")
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="CSV").click()
    csv_file = tmp_path / "list.csv"
    csv_download.value.save_as(csv_file)
    lines = csv_file.read_text().strip().splitlines()
    assert len(lines) == len(families) + 1 and lines[0].startswith("family_id,uprn,priority")
    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    xlsx_file = tmp_path / "list.xlsx"
    xlsx_download.value.save_as(xlsx_file)
    listed = list(load_workbook(xlsx_file)["Eligible families"].iter_rows(values_only=True))
    titles = listed.index(next(row for row in listed if row[0] == "Family"))
    assert sorted(row[0] for row in listed[titles + 1 :]) == families
    page.close()


def _same_person(site, left: str, right: str) -> bool:
    with duckdb.connect(str(site["data_dir"] / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select record_id, person_id from linkage.person_index where record_id in (?, ?)",
            [left, right],
        ).fetchall()
    people = dict(rows)
    assert set(people) == {left, right}, "both records should be in the person index"
    return people[left] == people[right]


APPLY_DECISIONS = """
import dagster as dg
from orchestration.resources import duckdb_resource
from orchestration.web.assets import web_review_decisions
result = dg.materialize([web_review_decisions], resources={"duckdb": duckdb_resource()})
assert result.success
events = result.asset_materializations_for_node("linkage__web_review_decisions")
print(events[0].metadata["applied"].value)
"""


def test_decision_is_honoured_by_a_night_run_while_20_users_browse(browser, site):
    from orchestration.published import publish

    families = _published_families(site)
    page = _sign_in(browser, site, "linkage_reviewer")
    page.goto(site["url"] + "/review/")
    link = page.locator("a[href*='/review/pair/']").first
    href = link.get_attribute("href")
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(href).query)
    left, right = query["left"][0], query["right"][0]
    # Decide the opposite of what the model did, so the next night must change.
    decision = "non_match" if _same_person(site, left, right) else "match"
    link.click()
    label = "Different people" if decision == "non_match" else "Same person"
    page.get_by_label(label).check()
    page.get_by_label("Reason").fill("Checked both agencies' records by hand")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("Decision recorded").wait_for()
    _screenshot(page, site, "review_decision")
    page.close()

    applied = subprocess.run(
        [sys.executable, "-c", APPLY_DECISIONS],
        env=site["env"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert applied.returncode == 0, applied.stderr[-3000:]
    assert applied.stdout.strip().splitlines()[-1] == "1"
    # The next night runs while 20 users browse the live application, then publishes.
    stop, threads, load = start_users(
        site["url"], SIMULATED_USERS, "b-load", site["passwords"]["load"], families
    )
    night = _run(["nightly"], site["env"], timeout=1500)
    with duckdb.connect(str(site["data_dir"] / "warehouse.duckdb")) as con:
        publish(con, root=site["data_dir"] / "published")
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    (site["screens"] / "browsing_during_the_night.json").write_text(
        json.dumps({"users": SIMULATED_USERS, **load.summary()}, indent=2)
    )
    assert night.returncode == 0, night.stdout[-3000:] + night.stderr[-3000:]
    assert _same_person(site, left, right) == (decision == "match")
    assert not load.errors, load.errors[:5]
    assert min(len(v) for v in load.seconds.values()) >= SIMULATED_USERS


def test_every_personal_data_view_left_an_audit_entry(site):
    exported = _run(["audit", "export"], site["env"])
    assert exported.returncode == 0, exported.stderr
    entries = [json.loads(line) for line in exported.stdout.splitlines()]
    assert FAMILY_VIEWS, "the role test opened no family"
    for username, family in FAMILY_VIEWS:
        views = [
            e
            for e in entries
            if e["username"] == username
            and e["action"] == "view_family"
            and e["family_id"] == family
        ]
        assert views, f"no audit entry for {username} opening {family}"
        assert views[0]["purpose"] == "Multi-agency meeting about this family"
        assert views[0]["remote_addr"] == "127.0.0.1"
    analyst_exports = {
        e["detail"].split(",")[0]
        for e in entries
        if e["username"] == "b-analyst" and e["action"] == "export"
    }
    assert analyst_exports == {"csv", "xlsx"}
    assert any(e["action"] == "review_decision" for e in entries)
    refused = {e["username"] for e in entries if e["action"] == "refused"}
    assert refused == {f"b-{role}" for role in ROLES}
    lists = {e["username"] for e in entries if e["action"] == "view_list"}
    assert "b-analyst" in lists
    verified = _run(["audit", "verify"], site["env"])
    assert verified.returncode == 0, verified.stderr
