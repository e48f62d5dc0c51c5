"""A small warehouse for tests and development: the raw tables every contract declares
(typed as ingest types them) and the linkage tables, empty or with a few given rows.

Linkage here is whatever the caller supplies: this module never invents person ids or UPRNs
for the shipped models; the real ones come from orchestration/linkage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orchestration.ingest.contract import Contract, load_contracts

LINKAGE_DDL = """
create schema if not exists linkage;
create table if not exists linkage.record_uprns (
    record_id varchar, uprn varchar, match_weight double, match_status varchar
);
create table if not exists linkage.person_index (
    record_id varchar, person_id varchar, cluster_size bigint, linked_at timestamp
);
"""
LINEAGE = ("_load_id", "_source_file", "_row_number", "_extract_date")


def create_empty_warehouse(path: Path, contracts: Mapping[str, Contract] | None = None) -> Path:
    """Create (or complete) a DuckDB file holding empty raw and linkage tables."""
    import duckdb

    contracts = contracts if contracts is not None else load_contracts()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists raw")
        for contract in contracts.values():
            columns = [f'"{c.name}" {c.sql_type}' for c in contract.columns]
            columns += [
                '"_load_id" varchar',
                '"_source_file" varchar',
                '"_row_number" bigint',
                '"_extract_date" date',
            ]
            con.execute(
                f'create table if not exists raw."{contract.table_name}" ({", ".join(columns)})'
            )
        con.execute(LINKAGE_DDL)
    return path


def insert_raw_rows(
    path: Path,
    table_name: str,
    rows: Iterable[Mapping[str, Any]],
    extract_date: dt.date,
) -> int:
    """Append rows (contract column name -> value) to raw.<table_name> as one extract."""
    import duckdb

    rows = list(rows)
    if not rows:
        return 0
    with duckdb.connect(str(path)) as con:
        columns = [
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table_name],
            ).fetchall()
        ]
        load_id = f"sample-{table_name}-{extract_date.isoformat()}"
        values = []
        for number, row in enumerate(rows, start=2):
            unknown = set(row) - set(columns)
            if unknown:
                raise KeyError(f"raw.{table_name} has no column(s) {sorted(unknown)}")
            lineage = {
                "_load_id": load_id,
                "_source_file": f"{extract_date.isoformat()}.csv",
                "_row_number": number,
                "_extract_date": extract_date,
            }
            values.append([row.get(c, lineage.get(c)) for c in columns])
        marks = ", ".join("?" for _ in columns)
        con.executemany(f'insert into raw."{table_name}" values ({marks})', values)
    return len(rows)


def insert_linkage(
    path: Path,
    person_index: Iterable[tuple[str, str]] = (),
    record_uprns: Iterable[tuple[str, str | None]] = (),
) -> None:
    """Append (record_id, person_id) and (record_id, uprn) pairs to the linkage tables."""
    import duckdb

    people = list(person_index)
    uprns = list(record_uprns)
    with duckdb.connect(str(path)) as con:
        con.execute(LINKAGE_DDL)
        if people:
            sizes: dict[str, int] = {}
            for _, person_id in people:
                sizes[person_id] = sizes.get(person_id, 0) + 1
            con.executemany(
                "insert into linkage.person_index values (?, ?, ?, current_timestamp)",
                [(r, p, sizes[p]) for r, p in people],
            )
        if uprns:
            con.executemany(
                "insert into linkage.record_uprns values (?, ?, ?, ?)",
                [(r, u, 20.0 if u else None, "matched" if u else "unmatched") for r, u in uprns],
            )
