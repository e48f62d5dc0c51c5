"""The state of a source as at a past extract date, from the accumulated raw loads.

Raw tables keep every load (each row carries `_extract_date`), so:
- a snapshot source as at D is its latest extract on or before D;
- a delta source as at D is every row extracted on or before D, keeping the latest version of
  each primary key (a later delta may restate a record).
"""

from __future__ import annotations

import datetime as dt

from orchestration.ingest.contract import Contract


def as_at_sql(contract: Contract, as_at: dt.date) -> str:
    """A SELECT over `raw.<agency>__<dataset>` giving the source as it stood at `as_at`."""
    table = f'raw."{contract.table_name}"'
    day = f"date '{as_at.isoformat()}'"
    if contract.extract.kind == "snapshot":
        return (
            f"select * from {table} where _extract_date = "
            f"(select max(_extract_date) from {table} where _extract_date <= {day})"
        )
    if not contract.primary_key:
        return f"select * from {table} where _extract_date <= {day}"
    key = ", ".join(f'"{name}"' for name in contract.primary_key)
    return (
        f"select * from {table} where _extract_date <= {day} "
        f"qualify row_number() over (partition by {key} "
        "order by _extract_date desc, _row_number desc) = 1"
    )
