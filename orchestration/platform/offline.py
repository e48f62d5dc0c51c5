"""Nothing leaves the machine at run time: the switches that stop the stack phoning home.

Measured (stack notes): dagster-dbt runs `dbt --version` to learn dbt's version, and dbt-core
answers that by asking the package index for its latest release, an outbound connection on
every night that no telemetry setting stops. The dbt run here is always the dbt-core of this
environment (project.dbt_executable), so its version is read from the installed package.
"""

from __future__ import annotations

import importlib.metadata
import os
from functools import cached_property

from dagster_dbt import DbtCliResource
from packaging import version

# Telemetry and version checks of Dagster, dbt and Great Expectations, for this process and
# everything it starts. setdefault: an operator's explicit choice is kept.
OFFLINE_ENVIRONMENT = {
    "DO_NOT_TRACK": "1",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "GX_ANALYTICS_ENABLED": "false",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DBT_VERSION_CHECK": "false",
}


def apply_offline_environment() -> None:
    for name, value in OFFLINE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


class OfflineDbtCliResource(DbtCliResource):
    """DbtCliResource without its `dbt --version` subprocess (see the module docstring)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))
