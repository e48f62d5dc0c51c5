"""Twenty users browse while new nights are published: no errors, no lock failures, and the
audit chain written by all of them at once stays intact."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

pytestmark = pytest.mark.slow

USERS = 20
PUBLISHES = 4


def test_twenty_users_browse_while_nights_are_published(web_app, users, published_ids):
    from django.db import connection
    from django.test import Client

    from orchestration.published import publish
    from orchestration.web.audit import verify

    families = published_ids["eligible"]
    errors: list[str] = []
    latencies: list[float] = []
    stop = threading.Event()
    analyst = users["analyst"]

    def browse(number: int) -> None:
        client = Client(REMOTE_ADDR=f"10.1.0.{number}")
        client.post("/sign-in/", {"username": analyst["username"], "password": analyst["password"]})
        family = families[number % len(families)]
        client.post(f"/families/{family}/", {"purpose": "eligibility_check"})
        while not stop.is_set():
            for url in ("/families/", f"/families/{family}/"):
                started = time.perf_counter()
                try:
                    answer = client.get(url)
                except Exception as error:  # any exception is a failure to report
                    errors.append(f"{url}: {error!r}")
                    continue
                latencies.append(time.perf_counter() - started)
                if answer.status_code != 200:
                    errors.append(f"{url}: HTTP {answer.status_code}")
        from django.db import connection as thread_connection

        thread_connection.close()

    threads = [threading.Thread(target=browse, args=(n,)) for n in range(USERS)]
    for thread in threads:
        thread.start()
    # The night's last step, repeatedly, on the writer's connection while pages are read.
    with duckdb.connect(str(web_app["data_dir"] / "warehouse.duckdb")) as con:
        for _ in range(PUBLISHES):
            publish(con, root=web_app["data_dir"] / "published")
            time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    connection.close()
    assert not errors, errors[:5]
    assert len(latencies) >= USERS * 2
    result = verify()
    assert result.ok, result.problems[:3]
