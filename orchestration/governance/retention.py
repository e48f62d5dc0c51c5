"""Retention and disposal: each dataset's rows removed from every layer once its contract's
retention has run out, and the stores rewritten so the bytes are gone.

A contract says how many years a dataset is kept and what they count from
(`retention.start`): the programme's end (`orchestration/contracts/programme.yml`) or the
extract date of the load a row arrived in. A load past retention loses its raw rows, its
quarantined lines (raw text), its landing file, and every row of every table keyed by a
record id that no unexpired load still holds (tables discovered with subject access's
`keyed_tables`: standardised records, pair stores, person index, review decisions, marts ...),
and rows keyed by persons left with no record. Its load register row stays, marked
`disposed`. A DELETE leaves the values in the database's free pages, so the warehouse and
each published night are then copied into a new file and swapped in atomically; the old
file's bytes go with it. What was disposed is recorded in `ops.disposal_register` as counts
by dataset and layer, never values.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from orchestration import paths
from orchestration.governance import subject_access as sar
from orchestration.ingest.contract import Contract, ContractError
from orchestration.ingest.loader import FileRefused, extract_date_of

PROGRAMME_FILE = "programme.yml"
DISPOSED = "disposed"
REGISTER_DDL = """
create schema if not exists ops;
create table if not exists ops.disposal_register (
    run_id varchar not null,
    disposed_at timestamp not null,
    as_of date not null,
    dataset varchar not null,
    layer varchar not null,
    rows_disposed bigint not null,
    files_disposed bigint not null,
    policy varchar not null
);
"""
# Caches and reports built from many datasets' rows without a record key: dropped whenever
# anything is disposed, and built again from what is left by the next night.
DERIVED = "(derived: rebuilt next night)"
PUBLISHED = "(published nights)"
REFERENCE_PREFIX = "ref_"  # quality.ref_*: rebuilt when missing (quality/references.py)
RESTRICTED_REPORTS = "restricted"  # reports/**/restricted/: linkage dashboards with values
REBUILT_NEXT_NIGHT = (
    "marts and reports are derived: the next `families nightly` rebuilds them from what is "
    "left (published nights were purged and rewritten here; GX Data Docs hold counts only)"
)


def _programme_setting(name: str, parse, expected: str, contracts_dir: Path | None = None):
    path = (contracts_dir or paths.contracts_dir()) / PROGRAMME_FILE
    try:
        return parse(yaml.safe_load(path.read_text())[name])
    except (OSError, TypeError, KeyError, ValueError) as error:
        raise ContractError(f"{path}: {name}: expected {expected} ({error})") from error


def programme_end(contracts_dir: Path | None = None) -> dt.date:
    """The programme's end date, the one dated setting retention counts from."""
    parse = lambda value: dt.date.fromisoformat(str(value))  # noqa: E731
    return _programme_setting("end_date", parse, "a date YYYY-MM-DD", contracts_dir)


def audit_detail_years(contracts_dir: Path | None = None) -> int:
    """How long the web application's audit keeps who was looked at, why and from where."""
    return _programme_setting("audit_detail_years", int, "a whole number", contracts_dir)


def plus_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Policy:
    dataset: str  # raw table name, as in the load register
    years: int
    start: str  # programme_end | extract_date
    programme_end: dt.date

    @classmethod
    def of(cls, contract: Contract, programme_end: dt.date) -> Policy:
        r = contract.retention
        return cls(contract.table_name, r.years, r.start, programme_end)

    def describe(self) -> str:
        if self.start == "programme_end":
            return f"{self.years} years from programme end {self.programme_end}"
        return f"{self.years} years from each load's extract date"

    def expired(self, extract_date: dt.date | None, today: dt.date) -> bool:
        start = self.programme_end if self.start == "programme_end" else extract_date
        return start is not None and plus_years(start, self.years) < today


@dataclass
class DatasetDisposal:
    """What one dataset loses (or would lose): rows by layer, landing files; never values."""

    dataset: str
    policy: str
    loads: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    # The ids disposed of (in memory only, for the stores outside the warehouse: the web
    # application's review decisions); never printed or recorded.
    record_ids: set[str] = field(default_factory=set, repr=False, compare=False)
    files_layer: str = "landing"  # what the files are, in the register


def _landing_files(contract: Contract, policy: Policy, today: dt.date, landing: Path) -> list[Path]:
    folder = contract.landing_dir(landing)
    if not folder.is_dir():
        return []
    expired = []
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        try:
            extract_date = extract_date_of(path, contract)
        except FileRefused:
            extract_date = None  # misnamed: only a programme-end policy can date it
        if policy.expired(extract_date, today):
            expired.append(path)
    return expired


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_catalog = "
            "current_database() and table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _stage(
    con: duckdb.DuckDBPyConnection,
    contract: Contract,
    loads: list[str],
    earlier_records: set[str],
    earlier_persons: set[str],
) -> None:
    """Temp tables ret_loads, and sar_records / sar_persons (read by sar's key tests): the
    record ids only expired loads hold, and persons left with no other record. Records and
    persons staged for datasets earlier in the run count as gone (a dry run deletes nothing,
    yet must see a person orphaned by two datasets), and persons already staged are not
    staged twice."""
    sar._register(con, "ret_loads", "load_id", set(loads))
    table = contract.table_name
    records: set[str] = set()
    if loads and _exists(con, "raw", table) and contract.primary_key:
        key = " || '|' || ".join(f'cast("{c}" as varchar)' for c in contract.primary_key)
        expired = "_load_id in (select load_id from ret_loads)"
        records = {
            r
            for (r,) in con.execute(
                f"""select '{table}:' || {key} from raw."{table}" where {expired}
                    except select '{table}:' || {key} from raw."{table}" where not {expired}"""
            ).fetchall()
        }
    sar._register(con, "sar_records", "record_id", records)
    persons: set[str] = set()
    if records and _exists(con, "linkage", "person_index"):
        sar._register(con, "ret_gone", "record_id", records | earlier_records)
        persons = {
            p
            for (p,) in con.execute(
                f"""select person_id from {sar.PERSON_INDEX} group by person_id
                    having bool_and(record_id in (select record_id from ret_gone))
                       and bool_or(record_id in (select record_id from sar_records))"""
            ).fetchall()
        } - earlier_persons
    sar._register(con, "sar_persons", "person_id", persons)
    sar._register(con, "ret_earlier_r", "record_id", earlier_records)
    sar._register(con, "ret_earlier_p", "person_id", earlier_persons)


def _keyed_condition(columns: list[str], earlier: bool = True) -> str:
    """Rows naming a staged record or person, and none staged for an earlier dataset of the
    run (a dry run deletes nothing: a pair of two expiring datasets' records counts once)."""
    now = " or ".join(sar._refers_to_subject(c) for c in columns)
    if not earlier:
        return now
    before = " or ".join(
        sar._refers_to_subject(c, "ret_earlier_r", "ret_earlier_p") for c in columns
    )
    return f"({now}) and not coalesce({before}, false)"


def _layers(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[str, str]]:
    """Each layer's table and the WHERE that selects what the staged disposal removes."""
    layers = {}
    if _exists(con, "raw", table):
        layers["raw"] = (f'raw."{table}"', "_load_id in (select load_id from ret_loads)")
    if _exists(con, "ops", "quarantine"):
        layers["ops.quarantine"] = (
            "ops.quarantine",
            "load_id in (select load_id from ret_loads)",
        )
    for keyed, columns in sar.keyed_tables(con).items():
        schema, name = keyed.split(".", 1)
        layers[keyed] = (f'"{schema}"."{name}"', _keyed_condition(columns))
    return layers


def _count_or_delete(con: duckdb.DuckDBPyConnection, table: str, delete: bool) -> dict[str, int]:
    rows = {}
    for layer, (target, where) in _layers(con, table).items():
        verb = "delete from" if delete else "select count(*) from"
        found = con.execute(f"{verb} {target} where {where}").fetchone()[0]
        if found:
            rows[layer] = found
    return rows


def _expired_loads(con: duckdb.DuckDBPyConnection, policy: Policy, today: dt.date) -> list[str]:
    if not _exists(con, "ops", "load_register"):
        return []
    registered = con.execute(
        "select load_id, extract_date from ops.load_register where dataset = ? and outcome <> ?",
        [policy.dataset, DISPOSED],
    ).fetchall()
    return sorted(load for load, extract_date in registered if policy.expired(extract_date, today))


def plan_or_dispose(
    con: duckdb.DuckDBPyConnection,
    contracts: dict[str, Contract],
    today: dt.date,
    landing: Path,
    programme_ends: dt.date,
    delete: bool,
) -> tuple[list[DatasetDisposal], set[str], set[str]]:
    """Per dataset past retention, what each warehouse layer loses (with `delete`, removed;
    files are only listed). Also returns every expired record id and orphaned person id."""
    result, all_records, all_persons = [], set(), set()
    for table, contract in contracts.items():
        policy = Policy.of(contract, programme_ends)
        loads = _expired_loads(con, policy, today)
        files = _landing_files(contract, policy, today, landing)
        if not loads and not files:
            continue
        disposal = DatasetDisposal(table, policy.describe(), loads, files=files)
        _stage(con, contract, loads, all_records, all_persons)
        disposal.record_ids = {
            r for (r,) in con.execute("select record_id from sar_records").fetchall()
        }
        all_records |= disposal.record_ids
        all_persons |= {p for (p,) in con.execute("select person_id from sar_persons").fetchall()}
        disposal.rows = _count_or_delete(con, table, delete)
        if loads:
            disposal.rows["ops.load_register (marked disposed)"] = len(loads)
        if delete and loads:
            con.execute(
                "update ops.load_register set outcome = ?, message = ? "
                "where load_id in (select load_id from ret_loads)",
                [DISPOSED, f"retention: disposed as of {today} ({policy.describe()})"],
            )
        result.append(disposal)
    return result, all_records, all_persons


def published_nights(
    con: duckdb.DuckDBPyConnection,
    nights: list[Path],
    records: set[str],
    persons: set[str],
    delete: bool,
) -> DatasetDisposal:
    """Rows of the published nights keyed by the expired records or orphaned persons; with
    `delete`, each night holding any is replaced by a copy without them."""
    sar._register(con, "sar_records", "record_id", records)
    sar._register(con, "sar_persons", "person_id", persons)
    found = DatasetDisposal(PUBLISHED, "rows of expired records")
    for night in nights:
        # Read only, always: a reader of the served night is never locked out (published.py).
        con.execute(f"attach '{night}' as night (read_only)")
        keyed = dict(
            con.execute(
                """select table_schema || '.' || table_name, list(column_name) from
                   information_schema.columns where table_catalog = 'night'
                   and (column_name in ('record_id', 'record_id_l', 'record_id_r', 'person_id')
                        or column_name like '%\\_ids' escape '\\') group by 1"""
            ).fetchall()
        )
        purge = {}
        for table, columns in keyed.items():
            schema, name = table.split(".", 1)
            where = _keyed_condition(columns, False)
            rows = con.execute(
                f'select count(*) from night."{schema}"."{name}" where {where}'
            ).fetchone()[0]
            if rows:
                found.rows[f"published {night.name} {table}"] = rows
                purge[table] = where
        if delete and purge:
            _replace_night_without(con, night, purge)
        con.execute("detach night")
    return found


def _replace_night_without(con: duckdb.DuckDBPyConnection, night: Path, purge: dict) -> None:
    """Copy the night attached read-only as `night` into a new file, leaving out the rows
    each `purge` table's condition selects, correct its manifest's counts, and swap the copy
    in (a reader that has the old file open keeps reading it)."""
    fresh = night.with_name(night.name + ".retention")
    fresh.unlink(missing_ok=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = 'night' and table_type = 'BASE TABLE'"
    ).fetchall()
    con.execute(f"attach '{fresh}' as fresh_night")
    try:
        for schema, name in tables:
            where = purge.get(f"{schema}.{name}")
            keep = f"where not coalesce({where}, false)" if where else ""
            con.execute(f'create schema if not exists fresh_night."{schema}"')
            con.execute(
                f'create table fresh_night."{schema}"."{name}" as '
                f'select * from night."{schema}"."{name}" {keep}'
            )
        if ("main", "published_manifest") in tables:
            for table in purge:
                schema, name = table.split(".", 1)
                con.execute(
                    "update fresh_night.main.published_manifest set row_count = "
                    f'(select count(*) from fresh_night."{schema}"."{name}") where table_name = ?',
                    [table],
                )
    finally:
        con.execute("detach fresh_night")
    with fresh.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(fresh, night)


def derived_stores(
    con: duckdb.DuckDBPyConnection, reports: Path | None, delete: bool
) -> DatasetDisposal:
    """The quality reference caches and restricted reports, dropped so the next night
    rebuilds them from what retention left."""
    derived = DatasetDisposal(DERIVED, "built from disposed rows", files_layer="restricted reports")
    if _exists(con, "quality", "reference_builds"):
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_catalog = "
            "current_database() and table_schema = 'quality' and starts_with(table_name, ?)",
            [REFERENCE_PREFIX],
        ).fetchall():
            table = f'quality."{name}"'
            derived.rows[f"quality.{name}"] = con.execute(
                f"select count(*) from {table}"
            ).fetchone()[0]
            if delete:
                con.execute(f"drop table {table}")
        if delete:
            con.execute("delete from quality.reference_builds")
    if reports is not None and reports.is_dir():
        derived.files = sorted(
            p for p in reports.rglob("*") if p.is_file() and RESTRICTED_REPORTS in p.parent.parts
        )
    return derived


def record(
    con: duckdb.DuckDBPyConnection,
    disposals: list[DatasetDisposal],
    today: dt.date,
    run_id: str | None = None,
) -> str:
    """Write the run (a new one unless `run_id`) to ops.disposal_register (counts only);
    returns the run id."""
    run_id = run_id or uuid.uuid4().hex[:12]
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute(REGISTER_DDL)
    for d in disposals:
        layers = [(layer, n, 0) for layer, n in d.rows.items()]
        layers += [(d.files_layer, 0, len(d.files))] if d.files else []
        for layer, rows, files in layers:
            con.execute(
                "insert into ops.disposal_register values (?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, now, today, d.dataset, layer, rows, files, d.policy],
            )
    return run_id


def rewrite_in_place(con: duckdb.DuckDBPyConnection, alias: str, path: Path) -> None:
    """Copy the live database `alias` (attached from `path`) into a new file and swap it in,
    so deleted rows' bytes leave the disk. The caller keeps `alias` attached (its lock held)
    until after the swap: no other writer can open the old file mid-copy."""
    fresh = path.with_name(path.name + ".rewrite")
    fresh.unlink(missing_ok=True)
    con.execute(f"checkpoint {alias}")
    con.execute(f"attach '{fresh}' as retention_fresh")
    try:
        con.execute(f"copy from database {alias} to retention_fresh")
    finally:
        con.execute("detach retention_fresh")
    with fresh.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(fresh, path)


def run(
    warehouse: Path,
    contracts: dict[str, Contract],
    today: dt.date,
    landing: Path,
    published: Iterable[Path] = (),
    dry_run: bool = False,
    programme_ends: dt.date | None = None,
    reports: Path | None = None,
) -> tuple[list[DatasetDisposal], str | None]:
    """The whole run: plan (dry run: read only, nothing changes) or dispose. The warehouse's
    deletions and the register are one transaction; only once it commits are files removed,
    the warehouse rewritten, then each published night purged and rewritten."""
    ends = programme_ends or programme_end()
    delete = not dry_run
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{warehouse}' as w {'(read_only)' if dry_run else ''}")
        con.execute("use w")
        con.execute("begin")
        disposals, records, persons = plan_or_dispose(con, contracts, today, landing, ends, delete)
        if not disposals:
            con.execute("rollback")
            return disposals, None
        disposals.append(derived_stores(con, reports, delete))
        if dry_run:
            con.execute("rollback")
            disposals.append(published_nights(con, list(published), records, persons, False))
            return disposals, None
        run_id = record(con, disposals, today)
        con.execute("commit")
        for path in (p for d in disposals for p in d.files):
            path.unlink(missing_ok=True)
        rewrite_in_place(con, "w", warehouse)
        con.execute("use memory")
        con.execute("detach w")
        nights = published_nights(con, list(published), records, persons, True)
        disposals.append(nights)
        if nights.rows:
            # A small write after the rewrite: counts only, so no value reaches a free page.
            with duckdb.connect(str(warehouse)) as after:
                record(after, [nights], today, run_id)
    return disposals, run_id
