"""The exchange register: every export, import, request and answer, on both sides.

One row per file written or read, accepted or refused: its checksum, counts, key id, rule
set, as-at date, format version and who ran it. Counts and ids only, never a pseudonym list
or a personal detail.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from typing import Any

import duckdb

from orchestration.exchange.envelope import Envelope

SCHEMA = "exchange"
OPERATOR_VARIABLE = "FAMILIES_OPERATOR"

REGISTER_DDL = f"""
create table if not exists {SCHEMA}.register (
    registered_at timestamp not null,
    direction varchar not null,          -- sent | received
    kind varchar not null,               -- household_list | request | answer
    exchange_id varchar,                 -- null when a file was too damaged to read one
    in_reply_to varchar,                 -- answer: its request; request: its list
    file_name varchar not null,
    checksum_sha256 varchar not null,
    format_version varchar,
    key_id varchar,
    rule_set varchar,
    as_at_date varchar,
    outcome varchar not null,            -- written | accepted | refused
    reason varchar,
    counts varchar,                      -- JSON object of counts
    run_by varchar not null
)
"""


def run_by() -> str:
    """Who ran the command: $FAMILIES_OPERATOR (a role or account name), else the OS user."""
    return os.environ.get(OPERATOR_VARIABLE) or getpass.getuser()


def ensure_register(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(REGISTER_DDL)


def record(
    con: duckdb.DuckDBPyConnection,
    *,
    direction: str,
    kind: str,
    file_name: str,
    checksum_sha256: str,
    outcome: str,
    header: dict[str, Any] | None = None,
    counts: dict[str, int] | None = None,
    reason: str | None = None,
) -> None:
    header = header or {}
    ensure_register(con)
    con.execute(
        f"insert into {SCHEMA}.register values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC).replace(tzinfo=None),
            direction,
            kind,
            header.get("exchange_id"),
            header.get("in_reply_to"),
            file_name,
            checksum_sha256,
            header.get("format_version"),
            header.get("key_id"),
            header.get("rule_set"),
            header.get("as_at_date"),
            outcome,
            reason,
            json.dumps(counts or header.get("counts") or {}, sort_keys=True),
            run_by(),
        ],
    )


def record_envelope(
    con: duckdb.DuckDBPyConnection, envelope: Envelope, direction: str, outcome: str, **extra
) -> None:
    record(
        con,
        direction=direction,
        kind=envelope.header["kind"],
        file_name=envelope.path.name,
        checksum_sha256=envelope.file_sha256,
        outcome=outcome,
        header=envelope.header,
        **extra,
    )


def record_refusal(
    con: duckdb.DuckDBPyConnection, path, kind: str, reason: str, message: str
) -> None:
    """Register a refused file with whatever of its header could be read."""
    import hashlib
    from pathlib import Path

    data = Path(path).read_bytes()
    try:
        header = json.loads(data).get("header") or {}
        header = header if isinstance(header, dict) else {}
    except (ValueError, AttributeError):
        header = {}
    record(
        con,
        direction="received",
        kind=kind,
        file_name=Path(path).name,
        checksum_sha256=hashlib.sha256(data).hexdigest(),
        outcome="refused",
        header={k: v for k, v in header.items() if isinstance(v, str)},
        reason=f"{reason}: {message}",
    )


def registered(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The register, oldest first (for `families exchange register` and tests)."""
    from orchestration.linkage.engine import table_exists

    if not table_exists(con, f"{SCHEMA}.register"):
        return []
    cursor = con.execute(f"select * from {SCHEMA}.register order by registered_at")
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
