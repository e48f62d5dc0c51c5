"""The eligible families list written for people to work from: data/outputs/eligible_families.csv.

Identifiers only (family id, UPRN): names and other personal details never leave here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from orchestration import paths

if TYPE_CHECKING:
    import duckdb

FLAG_COUNT = 6  # FF2015 headline problems; the file keeps this layout whatever the rule set
ELIGIBLE_CSV_COLUMNS = (
    "family_id",
    "uprn",
    *(f"crit_{n}" for n in range(1, FLAG_COUNT + 1)),
    "criteria_count",
    "priority_rank",
)


def eligible_families_query() -> str:
    flags = ", ".join(
        f"coalesce(e.has_criterion_{n}, false) as crit_{n}" for n in range(1, FLAG_COUNT + 1)
    )
    return f"""
        select e.family_id, e.uprn, {flags}, e.criteria_count, p.priority_rank
        from marts.eligible_families as e
        inner join marts.family_priority as p on e.family_id = p.family_id
        order by p.priority_rank
    """


def write_eligible_families_csv(
    con: duckdb.DuckDBPyConnection, path: Path | None = None
) -> tuple[Path, int]:
    """Write the eligible families in priority order; return the path and row count."""
    path = Path(path) if path else paths.outputs_dir() / "eligible_families.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    relation = con.sql(eligible_families_query())
    assert tuple(relation.columns) == ELIGIBLE_CSV_COLUMNS, relation.columns
    tmp = path.with_suffix(".csv.tmp")
    relation.write_csv(str(tmp), header=True)
    tmp.replace(path)  # readers never see a half-written file
    rows = con.execute("select count(*) from marts.eligible_families").fetchone()[0]
    return path, int(rows)
