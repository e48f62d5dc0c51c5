"""Simulated users of the live web application: each signs in over HTTP, gives a purpose,
and loads the list and a family page in a loop until told to stop, recording every error
and every page's time."""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Load:
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=lambda: {"list": [], "family": []})

    def summary(self) -> dict:
        return {
            kind: {
                "requests": len(values),
                "median_ms": round(statistics.median(values) * 1000, 1) if values else None,
                "p95_ms": round(statistics.quantiles(values, n=20)[-1] * 1000, 1)
                if len(values) > 1
                else None,
            }
            for kind, values in self.seconds.items()
        } | {"errors": len(self.errors)}


def _post_form(opener, url: str, fields: dict) -> None:
    page = opener.open(url, timeout=60).read().decode()
    token = TOKEN.search(page).group(1)
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(url, data=body), timeout=60).read()


def _user(base: str, username: str, password: str, family: str, stop, load: Load) -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    try:
        _post_form(opener, f"{base}/sign-in/", {"username": username, "password": password})
        _post_form(opener, f"{base}/families/{family}/", {"purpose": "eligibility_check"})
    except Exception as error:  # a failed start is a failure like any other
        load.errors.append(f"start: {error!r}")
        return
    while not stop.is_set():
        for kind, url in (("list", "/families/"), ("family", f"/families/{family}/")):
            started = time.perf_counter()
            try:
                with opener.open(base + url, timeout=60) as answer:
                    answer.read()
                load.seconds[kind].append(time.perf_counter() - started)
            except (urllib.error.URLError, OSError) as error:
                load.errors.append(f"{kind}: {error!r}")


def start_users(
    base: str, count: int, username: str, password: str, families: list[str]
) -> tuple[threading.Event, list[threading.Thread], Load]:
    """Start `count` users; set the returned event and join the threads to stop them."""
    stop, load = threading.Event(), Load()
    threads = [
        threading.Thread(
            target=_user,
            args=(base, username, password, families[n % len(families)], stop, load),
            daemon=True,
        )
        for n in range(count)
    ]
    for thread in threads:
        thread.start()
    return stop, threads, load
