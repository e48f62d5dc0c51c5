"""Where the platform keeps its files: one environment variable each, with a demo default."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The data folder (landing files, truth, warehouse, reports, outputs)."""
    return Path(os.environ.get("FAMILIES_DATA_DIR", REPO_ROOT / "data")).resolve()


def warehouse_path() -> Path:
    """The DuckDB warehouse file; dbt's profiles.yml reads the same variable."""
    default = data_dir() / "warehouse.duckdb"
    return Path(os.environ.get("FAMILIES_DB", default)).resolve()


def landing_dir() -> Path:
    return data_dir() / "landing"


def truth_dir() -> Path:
    """Ground truth of the synthetic city: read only by evaluation, never by decisions."""
    return data_dir() / "truth"


def has_truth() -> bool:
    """Whether this is a synthetic city with a truth to evaluate against (a council's is not)."""
    truth = truth_dir()
    names = ("record_truth.parquet", "family_truth.parquet")
    return any((truth / name).is_file() for name in names)


def reports_dir() -> Path:
    return data_dir() / "reports"


def outputs_dir() -> Path:
    return data_dir() / "outputs"


def contracts_dir() -> Path:
    return REPO_ROOT / "orchestration" / "contracts"


def dbt_project_dir() -> Path:
    return REPO_ROOT / "dbt_project"
