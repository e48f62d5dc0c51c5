"""The published night: a read-only copy of the outputs that readers are served.

Readers (`families explain`, `families review list`, the web application, anything later
served to users) never open the warehouse. The nightly job, once its whole build and its
tests have passed, copies the serving tables into a new DuckDB file under
`data/published/` and then swaps one pointer file (`current.json`) with an atomic rename.
A reader opens whatever `current.json` names, read-only: the writer never touches a
published file again, so a reader never waits on the night's lock and never sees a
half-built night, and a failed night leaves the last good one in place.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration import paths
from orchestration.families.list_changes import record_list_changes

POINTER_FILE = "current.json"
# Whole schemas a published night carries, and single tables from others. `reference` (the
# seeds: rule sets, criteria, indicator catalogue) is what `families explain` reads beside
# the marts to say why a family is or is not eligible.
PUBLISHED_SCHEMAS = ("marts", "reference")
PUBLISHED_TABLES = ("linkage.review_queue",)
# Published files kept besides the current one: a reader that opened the previous night
# keeps reading it (an unlinked file stays readable on POSIX while it is open).
KEEP_PREVIOUS = 2


class NothingPublishedError(RuntimeError):
    """No night has been published yet (the message says what to run)."""


@dataclass(frozen=True)
class PublishedNight:
    path: Path
    published_at: str
    tables: dict[str, int]  # qualified table name -> row count


def published_dir() -> Path:
    return paths.data_dir() / "published"


def _tables_to_publish(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        """
        select table_schema || '.' || table_name
        from information_schema.tables
        where table_catalog = current_database()
          and (table_schema in (select unnest(?)) or table_schema || '.' || table_name in
               (select unnest(?)))
        order by 1
        """,
        [list(PUBLISHED_SCHEMAS), list(PUBLISHED_TABLES)],
    ).fetchall()
    return [name for (name,) in rows]


def publish(con: duckdb.DuckDBPyConnection, root: Path | None = None) -> PublishedNight:
    """Copy the serving tables of the warehouse open on `con` into a new published file and
    make it current. Call only after the night's build and tests have passed.

    Uses the writer's own connection (a second connection to the warehouse file from the
    same process would fight its lock).
    """
    root = root or published_dir()
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    target = root / f"night-{stamp}-{uuid.uuid4().hex[:8]}.duckdb"
    partial = target.with_name(target.name + ".partial")
    tables = _tables_to_publish(con)
    if not tables:
        raise NothingPublishedError(
            "the warehouse has no marts to publish: run the nightly job (families nightly)"
        )
    counts: dict[str, int] = {}
    # The night served until this one is swapped in: the list this one is compared with.
    previous_file, previous_at = _pointed_at(root) or (None, None)
    quoted = str(partial).replace("'", "''")
    con.execute(f"ATTACH '{quoted}' AS published_night")
    try:
        # The queued records' compared fields, for the reviewer's side-by-side page.
        from orchestration.web.review_records import publish_review_records

        counts.update(publish_review_records(con, "published_night"))
        for qualified in tables:
            schema, table = qualified.split(".", 1)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS published_night."{schema}"')
            con.execute(
                f'CREATE TABLE published_night."{schema}"."{table}" AS '
                f'SELECT * FROM "{schema}"."{table}"'
            )
            counts[qualified] = con.execute(
                f'SELECT count(*) FROM published_night."{schema}"."{table}"'
            ).fetchone()[0]
        # What changed on the eligible list since the night being served, stored once here so
        # every reader of this night agrees (orchestration/families/list_changes.py).
        if record_list_changes(con, "published_night", previous_file, previous_at):
            for table in ("changes.since_last_list", "changes.compared_with"):
                counts[table] = con.execute(
                    f"SELECT count(*) FROM published_night.{table}"
                ).fetchone()[0]
        published_at = datetime.now(UTC).isoformat(timespec="seconds")
        con.execute(
            "CREATE TABLE published_night.main.published_manifest AS "
            "SELECT ?::varchar AS published_at, unnest(?::varchar[]) AS table_name, "
            "unnest(?::bigint[]) AS row_count",
            [published_at, list(counts), list(counts.values())],
        )
    finally:
        con.execute("DETACH published_night")
    os.replace(partial, target)
    _point_at(root, target, published_at)
    _prune(root, keep={target.name})
    return PublishedNight(path=target, published_at=published_at, tables=counts)


def _pointed_at(root: Path) -> tuple[Path, str] | None:
    """The published file `current.json` names and when it was published, if any."""
    pointer = root / POINTER_FILE
    if not pointer.exists():
        return None
    meta = json.loads(pointer.read_text())
    return root / meta["file"], meta["published_at"]


def _point_at(root: Path, target: Path, published_at: str) -> None:
    pointer = root / POINTER_FILE
    tmp = pointer.with_name(f".{POINTER_FILE}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"file": target.name, "published_at": published_at}))
    os.replace(tmp, pointer)  # atomic: a reader sees the old night or the new, never neither


def _prune(root: Path, keep: set[str]) -> None:
    nights = sorted(root.glob("night-*.duckdb"), key=lambda p: p.stat().st_mtime)
    old = [p for p in nights if p.name not in keep]
    for stale in old[: max(0, len(old) - KEEP_PREVIOUS)]:
        stale.unlink(missing_ok=True)
    # Left by a night killed while publishing: a partial copy (and its write-ahead log), or a
    # pointer written but not yet swapped in.
    for partial in [*root.glob("night-*.duckdb.partial*"), *root.glob(f".{POINTER_FILE}.*.tmp")]:
        partial.unlink(missing_ok=True)


def current_night(root: Path | None = None) -> PublishedNight:
    """The night readers are served now; NothingPublishedError if there is none."""
    root = root or published_dir()
    pointed = _pointed_at(root)
    if pointed is None:
        raise NothingPublishedError(
            f"no published night in {root}: run the nightly job (families nightly) first"
        )
    path, published_at = pointed
    with duckdb.connect(str(path), read_only=True) as con:
        tables = dict(
            con.execute("select table_name, row_count from published_manifest").fetchall()
        )
    return PublishedNight(path=path, published_at=published_at, tables=tables)


def open_published(root: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current published night (tables as in the warehouse:
    `marts.*`, `linkage.review_queue`). Never blocks on, or blocks, a running night."""
    night = current_night(root)
    return duckdb.connect(str(night.path), read_only=True)
