"""Debian's Chromium under Playwright, launched one way for every browser test.

Playwright's own browser download cannot reach its host here, so the tests drive the
`chromium` package (apt). The flags keep it headless and offline: without the networking
ones Chromium keeps trying hosts it cannot reach.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def require_chromium() -> None:
    """Fail (not skip) when Chromium is missing: a skipped browser test proves nothing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is not installed: .ci/run installs it (apt-get install chromium)"
        )


@contextlib.contextmanager
def chromium_context(profile: Path, **options) -> Iterator:
    """A persistent browser context on a fresh profile folder (no state from another run);
    `options` go to Playwright's launch_persistent_context (viewport, accept_downloads...)."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, **options
        )
        try:
            yield context
        finally:
            context.close()
