"""Report links in Dagster metadata: a clickable URL where a server shows the page, a file
path where none does (a browser will not follow a file:// link from the UI's http page)."""

from __future__ import annotations

import os

import dagster as dg

# The web application (`families web`), which serves each agency's quality page to its owner.
DEFAULT_WEB_URL = "http://127.0.0.1:8000"


def web_url() -> str:
    """The web application's address as users reach it (`FAMILIES_WEB_URL`)."""
    return os.environ.get("FAMILIES_WEB_URL", DEFAULT_WEB_URL).rstrip("/")


def iao_report_link(agency: str) -> dg.MetadataValue:
    """The agency's one-page quality report in the web application (its owner signs in)."""
    return dg.MetadataValue.url(f"{web_url()}/quality/{agency}/")
