"""dbt docs as one offline HTML file: `families docs` (`make docs`).

Runs `dbt docs generate --static` with dbt's telemetry and version check off, into
`dbt_project/target/docs/`, then checks the page: nothing loaded from another host
(`external_loads`), and dbt's own usage tracking off. dbt's page carries a Snowplow loader
(a script from a CloudFront host, events to sinter-collect.com) that it starts only when the
embedded manifest says `send_anonymous_usage_stats: true`; our flags make that false, and the
check fails if a dbt release or a changed flag turns it on.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

from orchestration import paths
from orchestration.quality.offline_docs import external_loads

OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
    "DO_NOT_TRACK": "1",
}
_TRACKING_FLAG = re.compile(r'"send_anonymous_usage_stats":\s*(true|false)')


def docs_dir() -> Path:
    """Where dbt writes the docs (kept apart from target/manifest.json, which Dagster reads)."""
    return paths.dbt_project_dir() / "target" / "docs"


def offline_problems(html: str) -> list[str]:
    """What in a dbt docs page would reach another host; empty when the page is offline."""
    problems = [f"loads {url}" for url in external_loads(html)]
    flags = set(_TRACKING_FLAG.findall(html))
    if flags != {"false"}:
        problems.append(
            "the embedded manifest does not set send_anonymous_usage_stats to false "
            f"(found {sorted(flags) or 'nothing'}): dbt's page would load Snowplow"
        )
    return problems


def generate_docs() -> Path:
    """Run `dbt docs generate --static`; returns the single-file page."""
    project = paths.dbt_project_dir()
    warehouse = paths.warehouse_path()
    command = [
        str(Path(sys.executable).with_name("dbt")),
        "docs",
        "generate",
        "--static",
        "--profiles-dir",
        str(project),
        "--target-path",
        str(docs_dir()),
    ]
    if not warehouse.exists():
        command.append("--empty-catalog")  # don't create an empty warehouse to read
    env = {**os.environ, **OFFLINE_ENV, "FAMILIES_DB": str(warehouse)}
    subprocess.run(command, cwd=project, env=env, check=True)
    return docs_dir() / "static_index.html"


def _docs(_args: argparse.Namespace) -> int:
    page = generate_docs()
    problems = offline_problems(page.read_text(encoding="utf-8"))
    for problem in problems:
        print(f"{page}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"dbt docs (one file, works offline): {page}")
    return 0


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "docs",
        help="dbt docs as one offline HTML file (dbt_project/target/docs/static_index.html)",
        description="Run dbt docs generate --static with telemetry and version check off, "
        "check the page loads nothing from another host, and print where it is.",
    )
    command.set_defaults(func=_docs)
