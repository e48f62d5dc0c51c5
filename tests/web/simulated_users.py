"""Simulated users of the live web application: each signs in over HTTP, gives a purpose,
and loads the list and a family page in a loop until told to stop, recording every error
and every page's time."""

from __future__ import annotations

import threading
import time
import urllib.error
from dataclasses import dataclass, field

from orchestration.bench.pages import summarise
from orchestration.bench.web_session import give_purpose, signed_in


@dataclass
class Load:
    errors: list[str] = field(default_factory=list)
    seconds: dict[str, list[float]] = field(default_factory=lambda: {"list": [], "family": []})

    def summary(self) -> dict:
        by_page = {kind: summarise(values) for kind, values in self.seconds.items()}
        return by_page | {"errors": len(self.errors)}


def _user(base: str, username: str, password: str, family: str, stop, load: Load) -> None:
    try:
        opener = signed_in(base, username, password)
        give_purpose(opener, base, family)
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
