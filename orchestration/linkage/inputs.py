"""Reading person records: standard-schema CSV files, or the warehouse's int_person_records."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import duckdb

from orchestration.linkage.input_columns import PersonFileError, resolve_columns
from orchestration.linkage.standardise import REQUIRED_COLUMNS, STANDARD_COLUMNS

__all__ = ["DATE_FORMATS", "PersonFileError", "WAREHOUSE_PERSON_RECORDS", "load_person_files"]

logger = logging.getLogger(__name__)

WAREHOUSE_PERSON_RECORDS = "intermediate.int_person_records"

# Dates of birth as agencies write them; the first format that parses wins.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y", "%Y%m%d")
# More unreadable dates of birth than this share means the column is in a format we do not
# read (e.g. US month-first): linking without them would be silently worse, so refuse.
MAX_UNREADABLE_DOB_SHARE = 0.05


def _parsed_dob(column: str) -> str:
    formats = ", ".join(f"try_strptime(trim({column}), '{f}')" for f in DATE_FORMATS)
    return f"coalesce({formats})::DATE"


def _check_dates(con: duckdb.DuckDBPyConnection, path: Path, select: str) -> None:
    filled, unreadable, first_row, first_id = con.execute(
        f"""
        WITH rows AS (SELECT row_number() OVER () + 1 AS line, * FROM ({select}))
        SELECT count(*) FILTER (WHERE nullif(trim(dob), '') IS NOT NULL),
               count(*) FILTER (WHERE nullif(trim(dob), '') IS NOT NULL
                                  AND {_parsed_dob("dob")} IS NULL),
               min(line) FILTER (WHERE nullif(trim(dob), '') IS NOT NULL
                                   AND {_parsed_dob("dob")} IS NULL),
               arg_min(record_id, line) FILTER (WHERE nullif(trim(dob), '') IS NOT NULL
                                   AND {_parsed_dob("dob")} IS NULL)
        FROM rows
        """
    ).fetchone()
    if filled and unreadable / filled > MAX_UNREADABLE_DOB_SHARE:
        raise PersonFileError(
            f"{path}: line {first_row} (record_id {first_id}), field dob: {unreadable} of "
            f"{filled} dates of birth are not in a format read here "
            f"({', '.join(DATE_FORMATS)}); convert them, or map another column with "
            "--column dob=<column>"
        )
    if unreadable:
        logger.warning("%s: %d dates of birth unreadable, treated as missing", path, unreadable)


def load_person_files(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    target: str = "lk_input",
    column_map: Mapping[str, str] | None = None,
    messages: list[str] | None = None,
) -> int:
    """Load CSV files in the standard person schema into table `target`; return row count.

    Columns are found by name, known alias or `column_map` (input_columns.resolve_columns);
    what was mapped or ignored is appended to `messages` and logged. Missing optional
    columns are NULL; `source_dataset` defaults to the file's stem and record ids are
    prefixed with it when two files share an id.
    """
    selects = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise PersonFileError(f"{path}: no such file")
        rel = con.read_csv(str(path), header=True, all_varchar=True)
        columns, notes = resolve_columns(
            path, rel.columns, STANDARD_COLUMNS, REQUIRED_COLUMNS, column_map
        )
        for note in notes:
            logger.warning(note)
        if messages is not None:
            messages.extend(notes)
        stem = path.stem.replace("'", "")
        parts = []
        for col in STANDARD_COLUMNS:
            if col == "source_dataset" and col not in columns:
                parts.append(f"'{stem}' AS source_dataset")
            elif col in columns:
                quoted = columns[col].replace('"', '""')
                parts.append(f'"{quoted}" AS {col}')
            else:
                parts.append(f"NULL::VARCHAR AS {col}")
        path_sql = str(path).replace("'", "''")
        select = (
            f"SELECT {', '.join(parts)} FROM read_csv('{path_sql}', header=true, all_varchar=true)"
        )
        _check_dates(con, path, select)
        selects.append(select)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        WITH unioned AS ({" UNION ALL ".join(selects)})
        SELECT * REPLACE (
            {_parsed_dob("dob")} AS dob,
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
