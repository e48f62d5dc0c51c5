"""The benchmark's page-latency stage on the small city's published night: `families web`
really served, a user made and signed in, every request answered with its page (a redirect
to sign-in or to the purpose question fails the stage), and the server stopped afterwards."""

from __future__ import annotations

import os
import shutil
import sqlite3

import pytest

from orchestration.bench.pages import USERNAME, measure_pages
from orchestration.bench.run import families_command

pytestmark = pytest.mark.slow


def test_list_and_family_pages_are_timed_on_a_served_published_night(web_city, tmp_path):
    data_dir = tmp_path / "city"
    shutil.copytree(web_city["data_dir"] / "published", data_dir / "published")
    (tmp_path / "logs").mkdir()
    env = {**os.environ, **web_city["env"], "FAMILIES_DATA_DIR": str(data_dir)}
    pages = measure_pages(data_dir, tmp_path, env, families_command(), requests_per_page=12)
    for page in ("list", "family"):
        figures = pages[page]
        assert figures["requests"] == 12
        assert 0 < figures["median_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert pages["families_opened"] == min(100, pages["eligible_families"])
    log = (tmp_path / "logs" / "web.log").read_text()
    assert "bench-analyst added as analyst" in log
    # Every list and family view was audited in the stage's own application database.
    audit = tmp_path / "web" / "web.sqlite3"
    with sqlite3.connect(audit) as con:
        views = dict(
            con.execute(
                "select action, count(*) from web_auditentry where username = ? group by 1",
                [USERNAME],
            ).fetchall()
        )
    assert views["view_list"] >= 12 and views["view_family"] >= 12
