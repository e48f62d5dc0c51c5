"""`$DAGSTER_HOME/dagster.yaml`: telemetry off and one writer at a time on the DuckDB file."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from orchestration import paths
from orchestration.platform.offline import apply_offline_environment

# DuckDB allows one read-write process per file: one run at a time, and one step per pool
# ("duckdb") at a time inside it, so a run never fails on a lock with the UI open.
REQUIRED_SETTINGS = {
    "telemetry": {"enabled": False},
    "concurrency": {"runs": {"max_concurrent_runs": 1}, "pools": {"default_limit": 1}},
}


def _merge(current: dict, required: dict) -> dict:
    merged = dict(current)
    for key, value in required.items():
        if isinstance(value, dict):
            merged[key] = _merge(merged.get(key) or {}, value)
        else:
            merged[key] = value
    return merged


def ensure_dagster_home() -> Path:
    """Set DAGSTER_HOME (default `.dagster_home/`) and make its dagster.yaml hold our settings.

    Settings a user added are kept; ours are enforced. Returns the folder.
    """
    home = Path(os.environ.get("DAGSTER_HOME") or paths.REPO_ROOT / ".dagster_home").resolve()
    os.environ["DAGSTER_HOME"] = str(home)
    # Telemetry and version checks off, for anything started from here.
    apply_offline_environment()
    home.mkdir(parents=True, exist_ok=True)
    config_path = home / "dagster.yaml"
    current = {}
    if config_path.exists():
        current = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    merged = _merge(current, REQUIRED_SETTINGS)
    if merged != current:
        config_path.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return home
