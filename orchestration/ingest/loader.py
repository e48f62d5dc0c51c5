"""Load agency extracts into the DuckDB warehouse, one file per transaction, by contract.

Plain Python (no Dagster) so it is unit-testable. The steps for one file:

1. read bytes, checksum (sha256); a file already registered with the same checksum is
   left alone (loading the same file twice changes nothing);
2. file-level checks (file_checks.py for location, name, date and encoding): not a link nor
   outside landing, name exactly `<YYYY-MM-DD>.<ext>`, date not in the future, not empty,
   decodable in the contract's encoding, header present with the contract's delimiter, every
   required column present, no deny-listed category, not truncated. Any failure (and
   anything else a parser raises on the file) is a refusal: the only warehouse change is one
   `ops.load_register` row (outcome `refused`), written in its own small transaction, and no
   data table is touched;
3. parse with pyarrow (all text), type in vectorised DuckDB SQL; rows failing parsing or
   typing go to `ops.quarantine` (one row per failing field), as do rows repeating a primary
   key within the file; the rest load;
4. one transaction: insert into `raw.<agency>__<dataset>`, `ops.quarantine` and
   `ops.load_register`. A process killed before COMMIT leaves the warehouse unchanged.

Row numbers are counted as a person would count them in a spreadsheet: the header is row 1,
the first record row 2. This is the line number in a text editor unless a quoted value spans
lines (then the record number). Blank lines count as rows and are skipped.

Personal identifiers never reach logs or messages: messages name file, row, field and reason;
raw values are stored only in `ops.quarantine.raw_text`, inside the warehouse.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.ingest.contract import ColumnSpec, Contract, DenyList
from orchestration.ingest.file_checks import (
    FileRefused,
    check_location,
    decode,
    extract_date_of,
    relative_name,
    without_row_text,
)

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
OPS_SCHEMA = "ops"
LINEAGE_COLUMNS = (
    ("_load_id", "VARCHAR"),
    ("_source_file", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_extract_date", "DATE"),
)
# Dates outside these years are typing errors (e.g. a two-digit year read as year 3).
MIN_YEAR, MAX_YEAR = 1880, 2100
_OTHER_DELIMITERS = (",", ";", "|", "\t")
# Files still being written by a producer (write-then-rename) are not ours yet.
_IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".partial", ".crdownload")

OPS_DDL = f"""
create schema if not exists {RAW_SCHEMA};
create schema if not exists {OPS_SCHEMA};
create table if not exists {OPS_SCHEMA}.load_register (
    load_id varchar primary key,
    dataset varchar not null,
    file varchar not null,
    checksum_sha256 varchar,
    extract_date date,
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint,
    columns_dropped varchar,
    started_at timestamp,
    ended_at timestamp,
    outcome varchar not null,
    message varchar,
    columns_missing varchar
);
-- Warehouses made before the column existed gain it (it is added last there too).
alter table {OPS_SCHEMA}.load_register add column if not exists columns_missing varchar;
create table if not exists {OPS_SCHEMA}.quarantine (
    load_id varchar not null,
    dataset varchar not null,
    file varchar not null,
    row_number bigint,
    field varchar,
    reason varchar not null,
    raw_text varchar
);
create view if not exists {OPS_SCHEMA}.refused_files as
    select load_id, dataset, file, checksum_sha256, extract_date, ended_at as refused_at, message
    from {OPS_SCHEMA}.load_register where outcome = 'refused';
"""


@dataclass
class LoadResult:
    """What happened to one landing file (no personal identifiers in any field)."""

    dataset: str
    file: str
    outcome: str  # loaded | refused | skipped (duplicate content) | unchanged (seen before)
    load_id: str | None = None
    checksum_sha256: str | None = None
    extract_date: dt.date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    columns_dropped: list[str] = field(default_factory=list)
    # Declared optional columns the file did not carry (loaded as null).
    columns_missing: list[str] = field(default_factory=list)
    message: str = ""
    # (field, reason) -> number of quarantine entries; field None for whole-row faults.
    reject_reasons: dict[tuple[str | None, str], int] = field(default_factory=dict)


@dataclass
class ParsedFile:
    """A file that passed the file-level checks: declared columns as text, plus row numbers."""

    table: pa.Table  # declared columns present in the file (strings) + _row_number
    rows_read: int
    present_columns: list[str]
    missing_optional: list[str]
    columns_dropped: list[str]
    bad_rows: list[tuple[int, str, str]]  # (row_number, reason, raw line)


# --- file-level checks and parsing -------------------------------------------------------------


def _split_header(line: str, delimiter: str, quotechar: str, file: str = "") -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter, quotechar=quotechar), [])
    except csv.Error as error:
        # e.g. a NUL byte or a header longer than the field limit: the file, not our bug.
        raise FileRefused(file, f"header (line 1) is not delimited text: {error}") from error


def check_header(
    text: str, contract: Contract, deny_list: DenyList, file: str
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(header, present declared columns, missing optional, dropped) or FileRefused."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if not first_line.strip():
        raise FileRefused(file, "no header row: line 1 is blank")
    delimiter, quote = contract.file.delimiter, contract.file.quotechar
    header = [name.strip() for name in _split_header(first_line, delimiter, quote, file)]

    denied = deny_list.matches(header)
    if denied:
        # Checked before anything else: such a file must never be loaded in any part.
        parts = [
            f"column {column!r} carries excluded category {category.name!r}"
            + (f" ({category.reason})" if category.reason else "")
            for column, category in denied
        ]
        raise FileRefused(
            file, "deny list: " + "; ".join(parts) + "; the agreement excludes this data"
        )

    declared = {c.name.lower(): c.name for c in contract.columns}
    present = [declared[h.lower()] for h in header if h.lower() in declared]
    required = [c.name for c in contract.columns if c.required]
    missing_required = [name for name in required if name not in present]
    if missing_required or not present:
        # Either way the header does not fit: say whether another delimiter would fit it.
        wanted = {name.lower() for name in (missing_required or declared.values())}
        for other in _OTHER_DELIMITERS:
            if other == delimiter:
                continue
            alt = {h.strip().lower() for h in _split_header(first_line, other, quote, file)}
            if len(alt) > 1 and (wanted <= alt if missing_required else wanted & alt):
                raise FileRefused(
                    file,
                    f"wrong delimiter: line 1 splits into columns on {other!r}, but the contract "
                    f"declares {delimiter!r}",
                )
        if missing_required:
            raise FileRefused(
                file,
                f"missing required column(s) in header (line 1): {', '.join(missing_required)}",
            )
        raise FileRefused(file, "no declared column in the header (line 1): is it the right file?")
    lowered = [h.lower() for h in header]
    duplicates = sorted({h for h in header if lowered.count(h.lower()) > 1})
    if duplicates:
        raise FileRefused(file, f"duplicate column(s) in header (line 1): {', '.join(duplicates)}")
    missing_optional = [c.name for c in contract.columns if c.name not in present]
    dropped = [h for h in header if h.lower() not in declared]
    return header, present, missing_optional, dropped


def parse_text(text: str, contract: Contract, deny_list: DenyList, file: str) -> ParsedFile:
    """Parse decoded text by the contract; FileRefused for file-level faults."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not text.strip():
        raise FileRefused(file, "empty file: no header and no rows")
    header, present, missing_optional, dropped = check_header(text, contract, deny_list, file)

    bad_rows: list[tuple[int, str, str]] = []
    expected = len(header)

    def on_invalid_row(row) -> str:
        bad_rows.append(
            (
                row.number,
                f"row has {row.actual_columns} fields, the header has {expected}",
                row.text,
            )
        )
        return "skip"

    # Generated names keep pyarrow away from header quirks (duplicates, blanks); we map back.
    positions = {h.lower(): i for i, h in enumerate(header)}
    internal = [f"c{i}" for i in range(expected)]
    keep = {f"c{positions[name.lower()]}": name for name in present}
    try:
        table = pacsv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            # One thread: row numbers of invalid rows are only known single-threaded, and
            # the 2-core machine runs other work alongside.
            read_options=pacsv.ReadOptions(
                use_threads=False, column_names=internal, skip_rows=1, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=contract.file.delimiter,
                quote_char=contract.file.quotechar,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in internal},
                include_columns=list(keep),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as error:
        raise FileRefused(
            file, f"not parseable as delimited text: {without_row_text(str(error))}"
        ) from error

    total = table.num_rows + len(bad_rows)
    truncated = _truncation(text, bad_rows, total, contract)
    if truncated:
        raise FileRefused(file, truncated)

    # Record numbers 2..total+1 minus those pyarrow reported invalid, in file order.
    numbers = np.arange(2, total + 2, dtype=np.int64)
    if bad_rows:
        numbers = numbers[~np.isin(numbers, [n for n, _, _ in bad_rows])]
    table = table.rename_columns([keep[name] for name in table.column_names])
    table = table.append_column("_row_number", pa.array(numbers, pa.int64()))
    # A blank line is not a record: pyarrow gives it as one empty field (valid for one column).
    bad_rows = [(n, reason, raw) for n, reason, raw in bad_rows if raw.strip() != ""]
    return ParsedFile(
        table=table,
        rows_read=total,
        present_columns=present,
        missing_optional=missing_optional,
        columns_dropped=dropped,
        bad_rows=bad_rows,
    )


def _truncation(
    text: str, bad_rows: list[tuple[int, str, str]], total: int, contract: Contract
) -> str | None:
    """Why the file looks cut short, or None. Only the last record is evidence of truncation."""
    if not bad_rows or bad_rows[-1][0] != total + 1:
        return None
    number, _, raw = bad_rows[-1]
    unterminated_quote = raw.count(contract.file.quotechar) % 2 == 1
    no_final_newline = not text.endswith(("\n", "\r"))
    if unterminated_quote or no_final_newline:
        return (
            f"truncated file: the last row (row {number}) is incomplete"
            + (" (a quoted value is never closed)" if unterminated_quote else "")
            + (" and the file does not end with a line break" if no_final_newline else "")
            + "; ask the sender to re-send the whole extract"
        )
    return None


# --- typing in SQL ------------------------------------------------------------------------------


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _blank_to_null(raw: str) -> str:
    """SQL: the raw text, or NULL if it is empty or only whitespace.

    trim() on every value costs more than all the typing; only values that start with
    whitespace can be whitespace-only, so only those are trimmed (CASE short-circuits).
    """
    return (
        f"case when {raw} = '' then null when (starts_with({raw}, ' ') or "
        f"starts_with({raw}, chr(9))) and trim({raw}) = '' then null else {raw} end"
    )


def _typed_and_error(column: ColumnSpec, present: bool, text: str | None = None) -> tuple[str, str]:
    """SQL (typed value, error reason or NULL) for one column.

    `text` is an expression for the column's text with blanks as NULL (`_blank_to_null`);
    by default it is computed from the column of the same name.
    """
    if not present:
        return f"cast(null as {column.sql_type})", "cast(null as varchar)"
    text = text or _blank_to_null(_ident(column.name))
    value = f"trim({text})"
    formats = "[" + ", ".join(_literal(f) for f in column.format) + "]"
    if column.type == "string":
        # Kept exactly as sent (no trimming) in the raw layer.
        typed, problem = text, None
    elif column.type == "integer":
        # TRY_CAST alone would round '12.7' to 13: only whole numbers pass ('16.00' is one;
        # spreadsheet exports write them so).
        typed = (
            f"case when regexp_full_match({value}, '[+-]?[0-9]+(\\.0*)?') "
            f"then try_cast({value} as bigint) end"
        )
        problem = "not a whole number"
    elif column.type == "decimal":
        # TRY_CAST alone would accept 'nan' and 'inf'.
        number = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
        typed = (
            f"case when regexp_full_match({value}, '{number}') then try_cast({value} as double) end"
        )
        problem = "not a number"
    elif column.type in ("date", "datetime"):
        parsed = (
            f"try_strptime({value}, {formats})"
            if column.format
            else f"try_cast({value} as timestamp)"
        )
        # %Y also reads '03' as the year 3: a two-digit year is not the declared format.
        typed = f"case when year({parsed}) between {MIN_YEAR} and {MAX_YEAR} then {parsed} end"
        if column.type == "date":
            typed = f"({typed})::date"
            problem = "not a date in format " + (" or ".join(column.format) or "YYYY-MM-DD")
        else:
            problem = "not a date-time in format " + (
                " or ".join(column.format) or "YYYY-MM-DD HH:MM:SS"
            )
    elif column.type == "boolean":
        typed = (
            f"case when lower({value}) in ('true', 't', 'yes', 'y', '1') then true "
            f"when lower({value}) in ('false', 'f', 'no', 'n', '0') then false end"
        )
        problem = "not a boolean (true/false, yes/no, y/n, 1/0)"
    else:  # pragma: no cover - contract validation rejects other types
        raise ValueError(column.type)
    checks = []
    if column.required:
        checks.append(f"when {text} is null then 'required value is missing'")
    if problem:
        checks.append(f"when {text} is not null and ({typed}) is null then {_literal(problem)}")
    error = f"case {' '.join(checks)} end" if checks else "cast(null as varchar)"
    return typed, error


# --- the warehouse --------------------------------------------------------------------------


def ensure_ops_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Schemas raw and ops, the load register, quarantine and refused-files view (idempotent)."""
    con.execute(OPS_DDL)


def ensure_raw_table(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    """The raw table with the contract's typed columns and lineage; new columns are added."""
    table = f"{RAW_SCHEMA}.{_ident(contract.table_name)}"
    columns = [(c.name, c.sql_type) for c in contract.columns] + list(LINEAGE_COLUMNS)
    ddl = ", ".join(f"{_ident(name)} {sql_type}" for name, sql_type in columns)
    con.execute(f"create table if not exists {table} ({ddl})")
    existing = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [RAW_SCHEMA, contract.table_name],
        ).fetchall()
    }
    # A contract that gains an optional column keeps its history: older rows read NULL.
    for name, sql_type in columns:
        if name not in existing:
            con.execute(f"alter table {table} add column {_ident(name)} {sql_type}")


def _register(con: duckdb.DuckDBPyConnection, result: LoadResult, started, ended) -> None:
    con.execute(
        f"insert into {OPS_SCHEMA}.load_register (load_id, dataset, file, checksum_sha256, "
        "extract_date, rows_read, rows_loaded, rows_rejected, columns_dropped, started_at, "
        "ended_at, outcome, message, columns_missing) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.load_id,
            result.dataset,
            result.file,
            result.checksum_sha256,
            result.extract_date,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            ", ".join(result.columns_dropped) or None,
            started,
            ended,
            result.outcome,
            result.message,
            ", ".join(result.columns_missing) or None,
        ],
    )


def _new_load_id(started: dt.datetime, checksum: str, file: str) -> str:
    # Readable and unique: time, content and name (the same content may arrive twice).
    name_hash = hashlib.sha256(file.encode()).hexdigest()[:6]
    return f"{started:%Y%m%dT%H%M%S%f}-{checksum[:10]}-{name_hash}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def load_file(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    path: Path,
    deny_list: DenyList,
    *,
    landing_root: Path | None = None,
    tables_ready: bool = False,
) -> LoadResult:
    """Load one landing file (see module docstring). Returns what happened; never half-loads,
    and never raises for anything the file itself is or holds (that is a refusal)."""
    import duckdb

    started = _now()
    path = Path(path)
    file = relative_name(path, landing_root)
    result = LoadResult(dataset=contract.table_name, file=file, outcome="")
    if not tables_ready:  # load_dataset has made them once for all its files
        ensure_ops_tables(con)
    previous = con.execute(
        f"select checksum_sha256, outcome, load_id, message from {OPS_SCHEMA}.load_register "
        "where dataset = ? and file = ? order by started_at",
        [contract.table_name, file],
    ).fetchall()

    try:
        # Before reading a byte: a link may point at any file on the machine.
        check_location(path, landing_root, file)
        data = path.read_bytes()
    except FileNotFoundError:
        raise  # withdrawn from landing meanwhile: load_dataset skips it, nothing to register
    except (FileRefused, OSError) as error:
        problem = error.problem if isinstance(error, FileRefused) else _unreadable(error)
        # No content to checksum: the same refusal is registered once, not every night.
        if any(row[0] is None and row[1] == "refused" and row[3] == problem for row in previous):
            return _unchanged(result)
        return _refuse(con, result, problem, started)

    result.checksum_sha256 = checksum = hashlib.sha256(data).hexdigest()
    if any(row[0] == checksum for row in previous):
        return _unchanged(result)

    result.load_id = _new_load_id(started, checksum, file)
    try:
        result.extract_date = extract_date_of(path, contract)
        loaded_before = [row for row in previous if row[1] == "loaded"]
        if loaded_before:
            raise FileRefused(
                file,
                f"this extract was already loaded (load {loaded_before[-1][2]}) with different "
                "content; a corrected extract must arrive under a new extract date",
            )
        if not data:
            raise FileRefused(file, "empty file: 0 bytes")
        text = decode(data, contract.file.encoding, file)
        parsed = parse_text(text, contract, deny_list, file)
        # A delta with the same rows as one already loaded is a re-send (loading it would
        # double every event). An unchanged snapshot on a new date is news, and a header-only
        # delta just says "nothing new": both load.
        duplicate = (
            contract.extract.kind == "delta"
            and parsed.rows_read > 0
            and con.execute(
                f"select file from {OPS_SCHEMA}.load_register "
                "where dataset = ? and checksum_sha256 = ? and outcome = 'loaded' limit 1",
                [contract.table_name, checksum],
            ).fetchone()
        )
        if duplicate:
            result.outcome = "skipped"
            result.rows_read = parsed.rows_read
            result.message = f"identical content was already loaded from {duplicate[0]}"
            with _transaction(con):
                _register(con, result, started, _now())
            log.warning("%s: skipped: %s", file, result.message)
            return result
    except FileRefused as refused:
        return _refuse(con, result, refused.problem, started)
    except duckdb.Error:
        raise  # the warehouse's fault, not the file's: the run must fail and say so
    except Exception as error:  # noqa: BLE001 - whatever a file makes a parser raise
        return _refuse(con, result, _unparseable(error, contract), started)

    _load_parsed(con, contract, parsed, result, started, tables_ready)
    log.info(
        "%s: loaded %d of %d rows, %d rejected%s",
        file,
        result.rows_loaded,
        result.rows_read,
        result.rows_rejected,
        f"; dropped undeclared columns: {', '.join(result.columns_dropped)}"
        if result.columns_dropped
        else "",
    )
    return result


def _unchanged(result: LoadResult) -> LoadResult:
    result.outcome = "unchanged"
    result.message = "already in the load register with this content; nothing to do"
    return result


def _refuse(
    con: duckdb.DuckDBPyConnection, result: LoadResult, problem: str, started: dt.datetime
) -> LoadResult:
    """Register the file `refused`: the only write for it, in its own small transaction."""
    result.outcome = "refused"
    result.message = problem
    result.load_id = result.load_id or _new_load_id(
        started, result.checksum_sha256 or "unread", result.file
    )
    with _transaction(con):
        _register(con, result, started, _now())
    log.warning("%s: refused: %s", result.file, problem)
    return result


def _unreadable(error: OSError) -> str:
    reason = error.strerror or type(error).__name__
    return f"cannot be read ({reason}); landing must hold readable regular files"


def _unparseable(error: Exception, contract: Contract) -> str:
    # The parser's own words, without any row text it quotes (identifiers stay out).
    detail = without_row_text(str(error))
    return (
        f"not readable as {contract.file.encoding} delimited text "
        f"({type(error).__name__}{': ' + detail if detail else ''}); re-export the extract"
    )


class ConcurrentLoadError(RuntimeError):
    """Another process loaded the same file meanwhile (the warehouse has one writer)."""


class _transaction:
    """BEGIN/COMMIT, ROLLBACK on any error (a killed process never reaches COMMIT)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def __enter__(self):
        self.con.execute("begin transaction")
        return self.con

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.con.execute("commit")
        else:
            self.con.execute("rollback")
        return False


def _load_parsed(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    parsed: ParsedFile,
    result: LoadResult,
    started: dt.datetime,
    tables_ready: bool = False,
) -> None:
    columns = contract.columns
    present = set(parsed.present_columns)
    # Two steps: blanks become NULL once per value (inner), typing reads that (outer).
    texts, select_parts, error_names = [], [], []
    for i, column in enumerate(columns):
        if column.name in present:
            texts.append(f"{_blank_to_null(_ident(column.name))} as _t{i}")
        typed, error = _typed_and_error(column, column.name in present, f"_t{i}")
        select_parts += [f"{typed} as _v{i}", f"{error} as _e{i}"]
        error_names.append(f"_e{i}")
    any_error = " or ".join(f"{e} is not null" for e in error_names)
    # A blank line (every field empty) is not a record.
    text_names = [f"_t{i}" for i, c in enumerate(columns) if c.name in present]
    not_blank = f"coalesce({', '.join(text_names)}) is not null" if text_names else "true"

    src_name = f"_src_{result.load_id.replace('-', '_')}"
    typed_name = f"_typed_{result.load_id.replace('-', '_')}"
    con.register(src_name, parsed.table)
    try:
        # Typing happens outside the load transaction (temp table only) to keep it short.
        con.execute(
            f"create or replace temp table {typed_name} as select _row_number, "
            f"{', '.join(select_parts)}, ({any_error}) as _has_error "
            f"from (select _row_number, {', '.join(texts) or 'null as _none'} "
            f"from {src_name}) where {not_blank}"
        )
        duplicates = _quarantine_duplicate_keys(con, contract, typed_name)
        typed_rows, rows_with_errors = con.execute(
            f"select count(*), count(*) filter (where _has_error) from {typed_name}"
        ).fetchone()
        blank_rows = parsed.table.num_rows - typed_rows
        reasons = Counter()
        # One statement for all columns: per-statement overhead dominates on small files.
        per_column = " union all ".join(
            f"select {i} as i, _e{i} as reason, count(*) as n from {typed_name} "
            f"where _e{i} is not null group by 2"
            for i in range(len(columns))
        )
        for i, reason, count in con.execute(per_column).fetchall():
            reasons[(columns[i].name, reason)] = count
        for _, reason, _ in parsed.bad_rows:
            reasons[(None, reason)] += 1
        for reason, count in duplicates.items():
            reasons[(", ".join(contract.primary_key), reason)] = count
        rejected_rows = rows_with_errors + len(parsed.bad_rows)

        result.rows_read = parsed.rows_read - blank_rows
        result.rows_rejected = rejected_rows
        result.rows_loaded = result.rows_read - rejected_rows
        result.columns_dropped = parsed.columns_dropped
        result.columns_missing = parsed.missing_optional
        result.reject_reasons = dict(reasons)
        notes = []
        if parsed.columns_dropped:
            notes.append(f"dropped undeclared columns: {', '.join(parsed.columns_dropped)}")
        if parsed.missing_optional:
            notes.append(
                f"optional columns absent (loaded as null): {', '.join(parsed.missing_optional)}"
            )
        if blank_rows:
            notes.append(f"{blank_rows} blank line(s) skipped")
        if reasons:
            summary = "; ".join(
                f"{field or 'row'}: {reason} x{count}"
                for (field, reason), count in sorted(reasons.items(), key=lambda kv: -kv[1])
            )
            notes.append(f"{rejected_rows} row(s) quarantined ({summary})")
        result.message = "; ".join(notes)
        result.outcome = "loaded"

        lineage = [
            _literal(result.load_id),
            _literal(result.file),
            "_row_number",
            f"date {_literal(result.extract_date.isoformat())}",
        ]
        value_columns = ", ".join(f"_v{i}" for i in range(len(columns)))
        target_columns = ", ".join(
            [_ident(c.name) for c in columns] + [name for name, _ in LINEAGE_COLUMNS]
        )
        # Raw text is fetched back from the parsed file for failing fields only (copying every
        # raw value into the typed table would double the memory of a load).
        quarantine_selects = [
            f"select {_literal(result.load_id)}, {_literal(contract.table_name)}, "
            f"{_literal(result.file)}, t._row_number, {_literal(column.name)}, t._e{i}, "
            + (f"s.{_ident(column.name)} " if column.name in present else "null ")
            + f"from {typed_name} t join {src_name} s using (_row_number) "
            f"where t._e{i} is not null"
            for i, column in enumerate(columns)
            if any(field == column.name for field, _ in reasons)
        ]
        with _transaction(con):
            # Checked again inside the transaction: a concurrent writer cannot double-load.
            if con.execute(
                f"select count(*) from {OPS_SCHEMA}.load_register "
                "where dataset = ? and file = ? and outcome = 'loaded'",
                [contract.table_name, result.file],
            ).fetchone()[0]:
                raise ConcurrentLoadError(f"{result.file} was loaded by another process meanwhile")
            if not tables_ready:
                ensure_raw_table(con, contract)
            con.execute(
                f"insert into {RAW_SCHEMA}.{_ident(contract.table_name)} ({target_columns}) "
                f"select {value_columns}, {', '.join(lineage)} from {typed_name} "
                "where not _has_error order by _row_number"
            )
            _insert_quarantine(con, quarantine_selects, parsed, result)
            if duplicates:
                con.execute(
                    f"insert into {OPS_SCHEMA}.quarantine select {_literal(result.load_id)}, "
                    f"{_literal(contract.table_name)}, {_literal(result.file)}, _row_number, "
                    f"{_literal(', '.join(contract.primary_key))}, _duplicate_key, null "
                    f"from {typed_name} where _duplicate_key is not null order by _row_number"
                )
            _register(con, result, started, _now())
    finally:
        con.unregister(src_name)
        con.execute(f"drop table if exists {typed_name}")


DUPLICATE_COPY = "duplicate primary key: repeats an earlier row of this file exactly"
DUPLICATE_CONFLICT = (
    "duplicate primary key: rows of this file share the key with different values "
    "(all of them quarantined: which one is right cannot be told)"
)


def _quarantine_duplicate_keys(
    con: duckdb.DuckDBPyConnection, contract: Contract, typed_name: str
) -> Counter:
    """Mark rows whose primary key repeats within the file; return reason -> row count.

    An exact copy of an earlier row keeps the first and quarantines the copies (a repeated
    row is a harmless extract-query fault). Rows sharing a key with different values are all
    quarantined: loading either would pick a version by accident, and a snapshot source
    would then hold two states of one record. Only rows that are otherwise valid count.
    """
    con.execute(f"alter table {typed_name} add column _duplicate_key varchar")
    if not contract.primary_key:
        return Counter()
    index = {c.name: i for i, c in enumerate(contract.columns)}
    key = ", ".join(f"_v{index[name]}" for name in contract.primary_key)
    values = ", ".join(f"_v{i}" for i in range(len(contract.columns)))
    key_present = " and ".join(f"_v{index[name]} is not null" for name in contract.primary_key)
    con.execute(
        f"""
        update {typed_name} t set _duplicate_key = d.reason
        from (
            select _row_number,
                   case when min(h) over w = max(h) over w then {_literal(DUPLICATE_COPY)}
                        else {_literal(DUPLICATE_CONFLICT)} end as reason,
                   count(*) over w as n,
                   min(h) over w = max(h) over w as identical,
                   min(_row_number) over w as first_row
            from (select _row_number, {key}, hash({values}) as h
                  from {typed_name} where not _has_error and {key_present})
            window w as (partition by {key})
        ) d
        where t._row_number = d._row_number and d.n > 1
          and not (d.identical and d._row_number = d.first_row)
        """
    )
    con.execute(f"update {typed_name} set _has_error = true where _duplicate_key is not null")
    return Counter(
        dict(
            con.execute(
                f"select _duplicate_key, count(*) from {typed_name} "
                "where _duplicate_key is not null group by 1"
            ).fetchall()
        )
    )


def _insert_quarantine(con, quarantine_selects, parsed: ParsedFile, result: LoadResult) -> None:
    if quarantine_selects:
        con.execute(
            f"insert into {OPS_SCHEMA}.quarantine "
            + " union all ".join(quarantine_selects)
            + " order by 4, 5"
        )
    if parsed.bad_rows:
        con.executemany(
            f"insert into {OPS_SCHEMA}.quarantine values (?, ?, ?, ?, null, ?, ?)",
            [
                [result.load_id, result.dataset, result.file, number, reason, raw]
                for number, reason, raw in parsed.bad_rows
            ],
        )


# --- a whole dataset --------------------------------------------------------------------------


def landing_files(contract: Contract, landing_root: Path) -> list[Path]:
    """Files waiting in `<landing>/<agency>/<dataset>/`, oldest extract first."""
    folder = contract.landing_dir(landing_root)
    if not folder.is_dir():
        return []
    return sorted(
        path
        for path in folder.iterdir()
        # Links are listed so that they are refused and said so, not silently skipped.
        if (path.is_file() or path.is_symlink())
        and not path.name.startswith(".")
        and not path.name.lower().endswith(_IN_PROGRESS_SUFFIXES)
    )


def load_dataset(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    deny_list: DenyList,
    landing_root: Path,
) -> list[LoadResult]:
    """Load every new file of one dataset, each in its own transaction, oldest first."""
    with _transaction(con):
        ensure_ops_tables(con)
        # The raw table exists even before the first good file, so downstream models can run.
        ensure_raw_table(con, contract)
    results = []
    for path in landing_files(contract, landing_root):
        try:
            results.append(
                load_file(
                    con, contract, path, deny_list, landing_root=landing_root, tables_ready=True
                )
            )
        except FileNotFoundError:
            # Withdrawn between listing and reading: nothing to load, nothing to register.
            log.warning("%s: removed from landing before it could be read", path.name)
    return results
