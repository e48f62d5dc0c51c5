"""Subject access: every record the platform holds about one person, layer by layer.

A person may ask what the programme holds about them. The coordinator names them by a strong
identifier (NHS number, UPN, NI number), by name and date of birth, or by a person id; this
finds their records in the standard person schema, widens to every record linkage joined to
the same person, and then reads every layer that holds anything derived from those records:
the raw rows of every load (with the file each came from), quarantined lines that carry their
identifiers, and every table in the warehouse and in the published nights that is keyed by a
record id or a person id. Tables are discovered, not listed, so a layer added later is
searched without a change here. The result is for the coordinator to review before
disclosure; each request is logged (who, when, why, how many records; never the identifiers).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb

PERSON_RECORDS = "intermediate.int_person_records"
PERSON_INDEX = "linkage.person_index"
# Columns by which a table refers to a record or a person.
RECORD_KEYS = ("record_id", "record_id_l", "record_id_r")
PERSON_KEYS = ("person_id",)
REDACTED = "[another person: withheld]"
# Working tables of other stages (Splink's, temporary ones) are not holdings.
_SKIPPED_PREFIXES = ("__splink__", "lk_", "sar_")

LOG_DDL = """
create schema if not exists ops;
create table if not exists ops.subject_access_log (
    request_id varchar primary key,
    requested_at timestamp not null,
    requested_by varchar not null,
    reason varchar not null,
    searched_by varchar not null,
    persons_found integer not null,
    records_found integer not null,
    rows_found integer not null
);
"""


class SubjectNotFound(LookupError):
    """No record matches the identifiers given."""


@dataclass(frozen=True)
class SubjectQuery:
    nhs_number: str | None = None
    upn: str | None = None
    ni_number: str | None = None
    surname: str | None = None
    first_name: str | None = None
    dob: dt.date | None = None
    person_id: str | None = None

    def searched_by(self) -> str:
        """Which kinds of identifier were used (for the log: never their values)."""
        return ", ".join(name for name, value in asdict(self).items() if value) or "nothing"

    def is_enough(self) -> bool:
        """A strong identifier or a person id alone, or a surname with a date of birth."""
        strong = self.nhs_number or self.upn or self.ni_number or self.person_id
        return bool(strong or (self.surname and self.dob))


@dataclass
class Holding:
    layer: str  # schema, or "published <file>", or "landing"
    table: str
    rows: list[dict[str, Any]]


@dataclass
class SubjectAccessReport:
    request_id: str
    searched_by: str
    person_ids: list[str]
    record_ids: list[str]
    holdings: list[Holding] = field(default_factory=list)

    @property
    def rows_found(self) -> int:
        return sum(len(h.rows) for h in self.holdings)


def _normalised(value: str | None) -> str | None:
    return value.replace(" ", "").upper() if value else None


def seed_records(con: duckdb.DuckDBPyConnection, query: SubjectQuery) -> set[str]:
    """Record ids that carry the identifiers given (each identifier alone suffices; a name
    needs the date of birth with it)."""
    clauses, params = [], []
    for column in ("nhs_number", "upn", "ni_number"):
        value = _normalised(getattr(query, column))
        if value:
            clauses.append(f"upper(replace({column}, ' ', '')) = ?")
            params.append(value)
    if query.surname and query.dob:
        name = "upper(surname) = ? and dob = ?"
        params += [query.surname.upper(), query.dob]
        if query.first_name:
            name += " and upper(first_name) = ?"
            params.append(query.first_name.upper())
        clauses.append(f"({name})")
    found: set[str] = set()
    if clauses:
        sql = f"select record_id from {PERSON_RECORDS} where " + " or ".join(clauses)
        found |= {r for (r,) in con.execute(sql, params).fetchall()}
    if query.person_id:
        found |= {
            r
            for (r,) in con.execute(
                f"select record_id from {PERSON_INDEX} where person_id = ?", [query.person_id]
            ).fetchall()
        }
    return found


def widen_to_persons(con: duckdb.DuckDBPyConnection, seeds: set[str]) -> tuple[set[str], set[str]]:
    """The persons the seed records belong to, and every record of those persons."""
    _register(con, "sar_seeds", "record_id", seeds)
    persons = {
        p
        for (p,) in con.execute(
            f"select distinct person_id from {PERSON_INDEX} join sar_seeds using (record_id)"
        ).fetchall()
    }
    _register(con, "sar_persons", "person_id", persons)
    records = seeds | {
        r
        for (r,) in con.execute(
            f"select record_id from {PERSON_INDEX} join sar_persons using (person_id)"
        ).fetchall()
    }
    return records, persons


def _register(con: duckdb.DuckDBPyConnection, name: str, column: str, values: set[str]) -> None:
    con.execute(
        f"create or replace temp table {name} as select unnest(?::varchar[]) as {column}",
        [sorted(values)],
    )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def keyed_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Every table (schema.name) with a record-id or person-id column, and those columns."""
    rows = con.execute(
        """
        select c.table_schema || '.' || c.table_name, list(c.column_name order by c.column_name)
        from information_schema.columns c
        join information_schema.tables t
          on t.table_schema = c.table_schema and t.table_name = c.table_name
         and t.table_catalog = c.table_catalog
        where c.table_catalog = current_database() and t.table_type = 'BASE TABLE'
          and c.table_schema not in ('temp', 'raw')
          and (c.column_name in (select unnest(?::varchar[]))
               or c.column_name like '%person\\_ids' escape '\\'
               or c.column_name like '%record\\_ids' escape '\\')
        group by 1 order by 1
        """,
        [list(RECORD_KEYS + PERSON_KEYS)],
    ).fetchall()
    return {
        table: columns
        for table, columns in rows
        if not table.split(".", 1)[1].startswith(_SKIPPED_PREFIXES)
    }


def _refers_to_subject(
    column: str, records: str = "sar_records", persons: str = "sar_persons"
) -> str:
    """SQL: the column (an id, or a list of ids) names one of the subject's records/persons
    (held in the temp tables named)."""
    ids = (
        f"(select record_id from {records})"
        if "record" in column
        else f"(select person_id from {persons})"
    )
    if column.endswith("_ids"):
        return f'list_has_any("{column}", (select list(x) from {ids} t(x)))'
    return f'"{column}" in {ids}'


def _withhold_others(value: Any, mine: set[str]) -> Any:
    if isinstance(value, list):
        return [v if v is None or v in mine else REDACTED for v in value]
    return value if value is None or value in mine else REDACTED


def keyed_holdings(
    con: duckdb.DuckDBPyConnection, records: set[str], persons: set[str], layer_prefix: str = ""
) -> list[Holding]:
    """Rows of every record- or person-keyed table that refer to the subject."""
    _register(con, "sar_records", "record_id", records)
    _register(con, "sar_persons", "person_id", persons)
    holdings = []
    for table, columns in keyed_tables(con).items():
        schema, name = table.split(".", 1)
        tests = [_refers_to_subject(c) for c in columns]
        found = _rows(con, f'select * from "{schema}"."{name}" where ' + " or ".join(tests))
        for row in found:  # a pair, or a family, names others too: not theirs to see
            for column in columns:
                mine = records if "record" in column else persons
                row[column] = _withhold_others(row[column], mine)
        if found:
            holdings.append(Holding(layer=f"{layer_prefix}{schema}", table=name, rows=found))
    return holdings


def raw_holdings(
    con: duckdb.DuckDBPyConnection, records: set[str], primary_keys: dict[str, list[str]]
) -> list[Holding]:
    """Every loaded version of each record (raw keeps each load's rows), with the extract
    file and date each came from."""
    by_table: dict[str, list[str]] = {}
    for record in records:
        table, _, key = record.partition(":")
        by_table.setdefault(table, []).append(key)
    holdings = []
    for table, keys in sorted(by_table.items()):
        columns = primary_keys.get(table)
        if not columns:
            continue
        key_sql = " || '|' || ".join(f'cast(r."{c}" as varchar)' for c in columns)
        found = _rows(
            con,
            f"""
            select r.*, l.file as source_file, l.extract_date as source_extract_date
            from raw."{table}" r left join ops.load_register l on l.load_id = r._load_id
            where {key_sql} in (select unnest(?::varchar[]))
            order by l.extract_date
            """,
            [keys],
        )
        if found:
            holdings.append(Holding(layer="raw", table=table, rows=found))
    return holdings


def quarantine_holdings(con: duckdb.DuckDBPyConnection, records: set[str]) -> list[Holding]:
    """Lines refused at load that carry one of the subject's strong identifiers (such lines
    have no record id: they never became records)."""
    _register(con, "sar_records", "record_id", records)
    # As recorded and without spaces: extracts write NHS numbers both ways.
    identifiers = {
        form
        for row in con.execute(
            f"select nhs_number, upn, ni_number from {PERSON_RECORDS} "
            "join sar_records using (record_id)"
        ).fetchall()
        for value in row
        if value and len(value.replace(" ", "")) >= 8
        for form in (value, value.replace(" ", ""))
    }
    if not identifiers:
        return []
    found = _rows(
        con,
        "select * from ops.quarantine where "
        + " or ".join("contains(raw_text, ?)" for _ in identifiers),
        sorted(identifiers),
    )
    return [Holding(layer="ops", table="quarantine", rows=found)] if found else []


def published_holdings(
    published: list[Path], records: set[str], persons: set[str]
) -> list[Holding]:
    holdings = []
    for night in published:
        with duckdb.connect(str(night), read_only=True) as con:
            holdings += keyed_holdings(
                con, records, persons, layer_prefix=f"published {night.name} "
            )
    return holdings


def subject_access(
    con: duckdb.DuckDBPyConnection,
    query: SubjectQuery,
    primary_keys: dict[str, list[str]],
    published: list[Path] = (),
) -> SubjectAccessReport:
    """Everything held about the person `query` names; SubjectNotFound if nothing matches."""
    seeds = seed_records(con, query)
    if not seeds:
        raise SubjectNotFound(f"no record matches the {query.searched_by()} given")
    records, persons = widen_to_persons(con, seeds)
    report = SubjectAccessReport(
        request_id=uuid.uuid4().hex[:12],
        searched_by=query.searched_by(),
        person_ids=sorted(persons),
        record_ids=sorted(records),
    )
    report.holdings += raw_holdings(con, records, primary_keys)
    report.holdings += quarantine_holdings(con, records)
    report.holdings += keyed_holdings(con, records, persons)
    report.holdings += published_holdings(list(published), records, persons)
    return report


def log_request(
    con: duckdb.DuckDBPyConnection, report: SubjectAccessReport, requested_by: str, reason: str
) -> None:
    con.execute(LOG_DDL)
    con.execute(
        "insert into ops.subject_access_log values (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            report.request_id,
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            requested_by,
            reason,
            report.searched_by,
            len(report.person_ids),
            len(report.record_ids),
            report.rows_found,
        ],
    )


def request_subject_access(
    query: SubjectQuery,
    requested_by: str,
    reason: str,
    warehouse: Path,
    published: list[Path] = (),
) -> SubjectAccessReport:
    """Find everything held about the person and log the request: what `families
    subject-access` and the coordinator's web page both run. Raises ValueError for a query
    that names nobody, SubjectNotFound when nothing matches, and duckdb.IOException while
    another process (a night) holds the warehouse."""
    from orchestration.ingest.contract import load_contracts

    if not query.is_enough():
        raise ValueError("give an identifier or a person id, or a surname with a date of birth")
    keys = {table: list(c.primary_key) for table, c in load_contracts().items()}
    with duckdb.connect(str(warehouse)) as con:
        report = subject_access(con, query, keys, list(published))
        log_request(con, report, requested_by, reason)
    return report


def report_json(report: SubjectAccessReport) -> str:
    return json.dumps(asdict(report), default=str, indent=1)


def write_report(report: SubjectAccessReport, out_dir: Path) -> Path:
    """The report as JSON, readable by its owner only (it holds the person's data)."""
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = out_dir / f"subject-access-{report.request_id}.json"
    path.touch(mode=0o600)
    path.write_text(report_json(report), encoding="utf-8")
    return path
