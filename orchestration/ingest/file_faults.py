"""What went wrong with whole files and their columns, from the load register: refused
files, undeclared columns dropped, declared columns missing. Read by the load asset's check,
the `families nightly|demo` summary and each agency's IAO page.

Only file names, column names and the register's reasons: never a value from a record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

    from orchestration.ingest.loader import LoadResult

REFUSED = "refused"
COLUMNS_DROPPED = "columns_dropped"
COLUMNS_MISSING = "columns_missing"


@dataclass(frozen=True)
class FileFault:
    dataset: str  # "<agency>__<dataset>"
    file: str  # landing/<agency>/<dataset>/<name>
    kind: str  # REFUSED | COLUMNS_DROPPED | COLUMNS_MISSING
    detail: str  # the refusal's reason, or the column names
    registered_at: dt.datetime | None = None

    def describe(self) -> str:
        """One line for a person: what happened to which file, and what to do."""
        if self.kind == REFUSED:
            return f"{self.file} was refused whole (nothing loaded from it): {self.detail}"
        if self.kind == COLUMNS_DROPPED:
            return (
                f"{self.file} carried column(s) the contract does not declare, dropped and not "
                f"loaded: {self.detail}; remove them from the extract or agree a contract change"
            )
        return (
            f"{self.file} lacked declared column(s), loaded as empty: {self.detail}; add them "
            "to the extract"
        )


def faults_of_results(results: list[LoadResult]) -> list[FileFault]:
    """The faults of one run's loads (what a load asset's check judges)."""
    faults = []
    for result in results:
        if result.outcome == REFUSED:
            faults.append(FileFault(result.dataset, result.file, REFUSED, result.message))
        if result.columns_dropped:
            detail = ", ".join(result.columns_dropped)
            faults.append(FileFault(result.dataset, result.file, COLUMNS_DROPPED, detail))
        if result.columns_missing:
            detail = ", ".join(result.columns_missing)
            faults.append(FileFault(result.dataset, result.file, COLUMNS_MISSING, detail))
    return faults


def recent_faults(
    con: duckdb.DuckDBPyConnection,
    datasets: list[str] | None = None,
    *,
    since: dt.datetime | None = None,
    latest_files: int = 12,
) -> list[FileFault]:
    """Faults among the latest `latest_files` register entries of each dataset (or those
    registered since `since`), newest first. Empty if nothing was ever loaded."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ops' and table_name = 'load_register'"
    ).fetchone()[0]
    if not exists:
        return []
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'ops' and table_name = 'load_register'"
        ).fetchall()
    }
    # A warehouse from before columns_missing was recorded is read as it is, not altered.
    missing = "columns_missing" if "columns_missing" in columns else "null"
    rows = con.execute(
        f"""
        select dataset, file, outcome, message, columns_dropped, {missing}, ended_at
        from (
            select *, row_number() over (partition by dataset order by started_at desc) as recency
            from ops.load_register
            where (? is null or list_contains(?, dataset))
        )
        where (recency <= ? or ? is null) and (? is null or started_at >= ?)
          and (outcome = 'refused' or columns_dropped is not null or {missing} is not null)
        order by ended_at desc, dataset, file
        """,
        [datasets, datasets, latest_files, since, since, since],
    ).fetchall()
    faults = []
    for dataset, file, outcome, message, dropped, absent, ended_at in rows:
        if outcome == REFUSED:
            faults.append(FileFault(dataset, file, REFUSED, message or "", ended_at))
        if dropped:
            faults.append(FileFault(dataset, file, COLUMNS_DROPPED, dropped, ended_at))
        if absent:
            faults.append(FileFault(dataset, file, COLUMNS_MISSING, absent, ended_at))
    return faults
