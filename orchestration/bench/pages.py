"""Page latency: the web application served on the benchmark's published night, timed.

After the nights, `families web` (the real command: Django's threaded server) is started as
its own process on a free loopback port over the city's published night, with a fresh
application database and one analyst made by `families users add`. Signed in through the
real form, one client asks for the eligible list under several sorts, filters and pages,
and for 100 randomly chosen families' pages in turn (the purpose question answered first,
untimed), one request at a time; each time is the whole answer as the client saw it. Five requests
of each page warm the server up first and are not counted.
"""

from __future__ import annotations

import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

from orchestration.bench.web_session import WebSessionError, give_purpose, signed_in

REQUESTS_PER_PAGE = 200
FAMILIES_OPENED = 100  # distinct families, each opened in turn until the requests are done
WARM_UP = 5
USERNAME = "bench-analyst"
# The goal for the list and family pages at 200,000 households.
P95_GOAL_MS = 300.0


def summarise(seconds: list[float]) -> dict:
    """Requests, median, 95th percentile and slowest, in milliseconds."""
    if not seconds:
        return {"requests": 0, "median_ms": None, "p95_ms": None, "max_ms": None}
    return {
        "requests": len(seconds),
        "median_ms": round(statistics.median(seconds) * 1000, 1),
        "p95_ms": round(statistics.quantiles(seconds, n=20, method="inclusive")[-1] * 1000, 1)
        if len(seconds) > 1
        else round(seconds[0] * 1000, 1),
        "max_ms": round(max(seconds) * 1000, 1),
    }


def list_urls(eligible: int, page_size: int = 50) -> list[str]:
    """The list as people use it: each sort, each criterion, a minimum count, later pages."""
    last = max(1, -(-eligible // page_size))
    urls = ["/families/"]
    urls += [f"/families/?sort={sort}" for sort in ("criteria", "cost", "family")]
    urls += [f"/families/?criterion={code}" for code in range(1, 7)]
    urls += ["/families/?min_criteria=3", "/families/?sort=cost&criterion=1"]
    urls += [f"/families/?page={page}" for page in sorted({2, max(1, last // 2), last})]
    return urls


def _fail(message: str):
    from orchestration.bench.run import BenchError  # run.py calls this module

    return BenchError(f"page latency: {message}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], env: dict, log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise _fail(f"{' '.join(command[-6:])} failed (exit {done.returncode}); see {log}")


def _default_signals() -> None:
    # A server started from a non-interactive shell may inherit SIGTERM as ignored.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _serve(command: list[str], env: dict, log: Path, port: int) -> subprocess.Popen:
    out = log.open("a")
    server = subprocess.Popen(
        command, env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_default_signals
    )
    out.close()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in/", timeout=5).read()
            return server
        except OSError:
            if server.poll() is not None:
                raise _fail(f"families web exited ({server.returncode}); see {log}") from None
            time.sleep(1)
    _stop(server)
    raise _fail(f"families web did not answer within 180 s; see {log}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _timed(opener, url: str) -> float:
    started = time.perf_counter()
    with opener.open(url, timeout=120) as answer:
        answer.read()
        # A redirect (to sign in, or to the purpose question) would time another page.
        if answer.status != 200 or answer.geturl() != url:
            raise _fail(f"{url} answered {answer.status} from {answer.geturl()}")
    return time.perf_counter() - started


def _families(published_root: Path) -> list[str]:
    from orchestration.published import open_published

    con = open_published(published_root)
    try:
        rows = con.execute("select family_id from marts.eligible_families order by 1").fetchall()
    finally:
        con.close()
    return [family for (family,) in rows]


def measure_pages(
    data_dir: Path,
    workdir: Path,
    env: dict,
    families_command: list[str],
    requests_per_page: int = REQUESTS_PER_PAGE,
    seed: int = 20150901,
) -> dict:
    """Serve the web application on `data_dir`'s published night and time the list and
    family pages; their latency summaries and what was asked."""
    state = workdir / "web"
    shutil.rmtree(state, ignore_errors=True)
    log = workdir / "logs" / "web.log"
    password = secrets.token_urlsafe(18)
    env = {
        **env,
        "FAMILIES_WEB_DIR": str(state),
        "FAMILIES_WEB_SECRET_KEY": secrets.token_urlsafe(40),
        "FAMILIES_PASSWORD": password,
    }
    add = ["users", "add", "--username", USERNAME, "--role", "analyst"]
    _run([*families_command, *add], env, log)
    families = _families(data_dir / "published")
    if not families:
        raise _fail("the published night has no eligible families to open")
    chosen = random.Random(seed).sample(families, min(FAMILIES_OPENED, len(families)))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve([*families_command, "web", "--port", str(port)], env, log, port)
    try:
        opener = signed_in(base, USERNAME, password)
        urls = list_urls(len(families))
        for url in urls[:WARM_UP]:
            _timed(opener, base + url)
        lists = [_timed(opener, base + urls[n % len(urls)]) for n in range(requests_per_page)]
        for family in chosen:
            give_purpose(opener, base, family)  # asked once per family and session
        for family in chosen[:WARM_UP]:
            _timed(opener, f"{base}/families/{family}/")
        pages = [
            _timed(opener, f"{base}/families/{chosen[n % len(chosen)]}/")
            for n in range(requests_per_page)
        ]
    except (OSError, WebSessionError) as error:
        raise _fail(f"{error!r}; see {log}") from error
    finally:
        _stop(server)
    return {
        "server": "families web (Django's threaded server), one client, sequential requests",
        "eligible_families": len(families),
        "list_urls": urls,
        "families_opened": len(chosen),
        "list": summarise(lists),
        "family": summarise(pages),
        "load_average_at_end": round(os.getloadavg()[0], 2),
    }


def page_goals(result: dict) -> list[dict]:
    """The page-latency goals (the benchmark's goals table), when pages were measured."""
    pages = result.get("pages")
    if not pages:
        return []
    if "failed" in pages:
        return [
            {"goal": f"pages p95 at most {P95_GOAL_MS:.0f} ms", "measured": "failed", "met": False}
        ]
    return [
        {
            "goal": f"{name} page p95 at most {P95_GOAL_MS:.0f} ms",
            "measured": f"{pages[key]['p95_ms']} ms",
            "met": pages[key]["p95_ms"] is not None and pages[key]["p95_ms"] <= P95_GOAL_MS,
        }
        for key, name in (("list", "eligible list"), ("family", "family"))
    ]


def pages_markdown(pages: dict | None) -> list[str]:
    if not pages:
        return []
    if "failed" in pages:
        return ["## Page latency (after night 2)", "", f"Failed: {pages['failed']}", ""]
    return [
        "## Page latency (after night 2)",
        "",
        f"{pages['server']}; {pages['eligible_families']:,} eligible families; "
        f"{len(pages['list_urls'])} list views (sorts, filters, pages) in turn; "
        f"{pages['families_opened']} families chosen at random. Warm-up requests not counted.",
        "",
        "| page | requests | median ms | p95 ms | slowest ms |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {name} | {pages[key]['requests']} | {pages[key]['median_ms']} | "
            f"{pages[key]['p95_ms']} | {pages[key]['max_ms']} |"
            for key, name in (("list", "eligible list"), ("family", "family"))
        ),
        "",
    ]
