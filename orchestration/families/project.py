"""The dbt project of the families stage: where it lives, how dbt is invoked, its manifest.

dbt reads the warehouse path from FAMILIES_DB (profiles.yml); every invocation from here sets
it to `paths.warehouse_path()` so Dagster, the CLI and dbt always open the same file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from orchestration import paths

PROJECT_DIR = paths.dbt_project_dir()
MANIFEST_PATH = PROJECT_DIR / "target" / "manifest.json"
# Models that run before linkage: agency staging and the person records linkage reads.
BEFORE_LINKAGE_SELECT = "tag:before_linkage"


def step_target_path(step: str) -> Path:
    """Where a Dagster step's dbt run writes its artefacts: one folder per step, reused every
    night. (dagster-dbt's default, a new folder per run, grows by megabytes every night.)"""
    return PROJECT_DIR / "target" / "steps" / step


def dbt_executable() -> str:
    """The dbt of this environment (not whatever `dbt` is first on PATH)."""
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else "dbt"


def dbt_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a dbt subprocess: the warehouse path and telemetry off."""
    env = dict(os.environ)
    env["FAMILIES_DB"] = str(paths.warehouse_path())
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["DO_NOT_TRACK"] = "1"
    if extra:
        env.update(extra)
    return env


def export_dbt_env() -> None:
    """Set FAMILIES_DB (absolute) in this process so dagster-dbt's subprocesses inherit it."""
    os.environ["FAMILIES_DB"] = str(paths.warehouse_path())
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"


def dbt_vars(as_at_date: str | None = None, rule_set: str | None = None) -> list[str]:
    """`--vars` arguments for an as-at date and/or a rule set (nothing when both are unset)."""
    values: dict[str, Any] = {}
    if as_at_date:
        values["as_at_date"] = as_at_date
    if rule_set:
        values["rule_set"] = rule_set
    return ["--vars", json.dumps(values)] if values else []


def run_dbt(
    args: Sequence[str], check: bool = True, target_path: Path | None = None
) -> subprocess.CompletedProcess:
    """Run one dbt command in the project against the warehouse; output is captured.

    `target_path` keeps a run's artefacts (and logs) apart, e.g. tests beside a live project.
    """
    command = [
        dbt_executable(),
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
    ]
    if target_path is not None:
        command += ["--target-path", str(target_path), "--log-path", str(target_path / "logs")]
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=dbt_env(), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed (exit {result.returncode}):\n{result.stdout[-4000:]}"
            f"\n{result.stderr[-2000:]}"
        )
    return result


def _newest_source_mtime() -> float:
    newest = (PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    for folder in ("models", "macros", "seeds", "tests"):
        for path in (PROJECT_DIR / folder).rglob("*"):
            if path.suffix in (".sql", ".yml", ".yaml", ".csv") and path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """target/manifest.json, running `dbt parse` (about 8 s) when missing or older than the
    project's files. @dbt_assets reads the manifest when orchestration is imported."""
    if not MANIFEST_PATH.exists() or MANIFEST_PATH.stat().st_mtime < _newest_source_mtime():
        run_dbt(["parse", "--quiet"])
    return MANIFEST_PATH
