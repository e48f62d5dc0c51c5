"""Reading person records: standard-schema CSV files, or the warehouse's int_person_records."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb

from orchestration.linkage.standardise import REQUIRED_COLUMNS, STANDARD_COLUMNS

WAREHOUSE_PERSON_RECORDS = "intermediate.int_person_records"

# Dates of birth as agencies write them; the first format that parses wins.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")


class PersonFileError(ValueError):
    """A person file that does not follow the standard person schema."""


def load_person_files(
    con: duckdb.DuckDBPyConnection, paths: Sequence[Path], target: str = "lk_input"
) -> int:
    """Load CSV files in the standard person schema into table `target`; return row count.

    Missing optional columns are NULL; `source_dataset` defaults to the file's stem and
    record ids are prefixed with it when two files share an id.
    """
    selects = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise PersonFileError(f"{path}: no such file")
        rel = con.read_csv(str(path), header=True, all_varchar=True)
        columns = {c.lower(): c for c in rel.columns}
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise PersonFileError(
                f"{path}: missing column(s) {', '.join(missing)}; the standard person schema "
                f"needs {', '.join(REQUIRED_COLUMNS)} (see orchestration/linkage/README.md)"
            )
        stem = path.stem.replace("'", "")
        parts = []
        for col in STANDARD_COLUMNS:
            if col == "source_dataset" and col not in columns:
                parts.append(f"'{stem}' AS source_dataset")
            elif col in columns:
                parts.append(f'"{columns[col]}" AS {col}')
            else:
                parts.append(f"NULL::VARCHAR AS {col}")
        path_sql = str(path).replace("'", "''")
        selects.append(
            f"SELECT {', '.join(parts)} FROM read_csv('{path_sql}', header=true, all_varchar=true)"
        )
    formats = ", ".join(f"try_strptime(dob, '{f}')" for f in DATE_FORMATS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH unioned AS ({" UNION ALL ".join(selects)})
        SELECT * REPLACE (
            coalesce({formats})::DATE AS dob,
            try_cast(event_date AS DATE) AS event_date,
            -- Two files may both number their rows 1, 2, 3...: keep ids unique.
            CASE WHEN count(*) OVER (PARTITION BY record_id) > 1
                 THEN source_dataset || ':' || record_id ELSE record_id END AS record_id
        )
        FROM unioned
        """
    )
    dupes = con.execute(f"SELECT count(*) - count(DISTINCT record_id) FROM {target}").fetchone()[0]
    if dupes:
        raise PersonFileError(
            f"{dupes} record_id values repeat within one file; ids must be unique"
        )
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
