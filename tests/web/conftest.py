"""The web application over a real published night: the nightly job run on the small city
(with canary names planted in one police extract), then `published.publish`, then a fresh
application database with one user per role."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

# Planted in a police extract: names never reach the marts, so no page may ever show them.
CANARY_SURNAME = "CANARYQZXSURNAME"
CANARY_FORENAME = "Canaryqzxforename"
ROLES = ("coordinator", "analyst", "keyworker", "police_liaison", "iao", "linkage_reviewer")
IAO_AGENCY = "police"


def families_command() -> str:
    return str(Path(sys.executable).parent / "families")


def plant_canary_names(landing: Path) -> None:
    extract = sorted((landing / "police" / "offences").glob("*.csv"))[0]
    lines = extract.read_text(encoding="cp1252").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    surname, forename = header.index("SURNAME"), header.index("FORENAMES")
    for number in (1, 2):
        cells = lines[number].split(",")
        cells[surname], cells[forename] = CANARY_SURNAME, CANARY_FORENAME
        lines[number] = ",".join(cells)
    extract.write_text("".join(lines), encoding="cp1252")


def run_nightly(env: dict) -> None:
    result = subprocess.run(
        [families_command(), "nightly"], env=env, capture_output=True, text=True, timeout=1500
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="session")
def web_city(small_city_dir, tmp_path_factory) -> dict:
    """A data folder holding a nightly run's warehouse and its published night; the process
    environment points the platform at it for the session."""
    work = tmp_path_factory.mktemp("web_city")
    data_dir = work / "data"
    shutil.copytree(small_city_dir / "landing", data_dir / "landing")
    shutil.copytree(small_city_dir / "truth", data_dir / "truth")
    plant_canary_names(data_dir / "landing")
    env = {
        "FAMILIES_DATA_DIR": str(data_dir),
        "FAMILIES_DB": str(data_dir / "warehouse.duckdb"),
        "DAGSTER_HOME": str(work / "dagster_home"),
    }
    run_nightly({**os.environ, **env})
    from orchestration.published import publish

    with duckdb.connect(env["FAMILIES_DB"]) as con:
        publish(con, root=data_dir / "published")
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    yield {"data_dir": data_dir, "env": env, "work": work}
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def canary_names() -> tuple[str, str]:
    return CANARY_SURNAME, CANARY_FORENAME


@pytest.fixture(scope="session")
def django_app(tmp_path_factory) -> Path:
    """Django set up on a fresh SQLite database (migrated) in a private folder."""
    state = tmp_path_factory.mktemp("web_state")
    os.environ["FAMILIES_WEB_DIR"] = str(state)
    os.environ["FAMILIES_WEB_SECRET_KEY"] = secrets.token_urlsafe(40)
    from django.test.utils import setup_test_environment

    from orchestration.web.cli import migrate, setup_django

    setup_django()
    setup_test_environment()
    migrate()
    return state


@pytest.fixture(scope="session")
def web_app(django_app, web_city) -> dict:
    """The application over the small city's published night."""
    return {"state": django_app, **web_city}


@pytest.fixture(scope="session")
def published_ids(web_app) -> dict:
    """Identifiers in the published night, to allocate families and to use as canaries."""
    from orchestration.published import open_published

    con = open_published()
    try:
        eligible = [
            r[0]
            for r in con.execute(
                "select family_id from marts.eligible_families order by family_id"
            ).fetchall()
        ]
        people = dict(con.execute("select family_id, person_ids from marts.families").fetchall())
        queue = con.execute(
            "select record_id_l, record_id_r from linkage.review_queue order by 1, 2"
        ).fetchall()
    finally:
        con.close()
    assert len(eligible) >= 3, "the small city should have several eligible families"
    assert queue, "the small city's nightly run should leave pairs for review"
    return {"eligible": eligible, "people": people, "queue": queue}


@pytest.fixture(scope="session")
def users(web_app, published_ids) -> dict:
    """One user per role (random passwords, never a default); the keyworker holds one family."""
    from orchestration.web.accounts import add_user
    from orchestration.web.models import Allocation

    made = {}
    for role in ROLES:
        password = secrets.token_urlsafe(16)
        user = add_user(f"test-{role}", role, password, agency=IAO_AGENCY if role == "iao" else "")
        made[role] = {"user": user, "username": user.username, "password": password}
    Allocation.objects.create(
        keyworker=made["keyworker"]["user"],
        family_id=published_ids["eligible"][0],
        allocated_by="test-coordinator",
    )
    made["allocated_family"] = published_ids["eligible"][0]
    return made


@pytest.fixture
def client_for(users):
    """A signed-in Django test client for a role."""
    from django.test import Client

    def make(role: str) -> Client:
        client = Client(REMOTE_ADDR="10.0.0.7")
        # Through the real sign-in form (django-axes watches it), not a shortcut.
        answer = client.post(
            "/sign-in/", {"username": users[role]["username"], "password": users[role]["password"]}
        )
        assert answer.status_code == 302, f"{role} could not sign in"
        return client

    return make
