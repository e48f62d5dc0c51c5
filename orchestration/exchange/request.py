"""Stage two, council side: the request for the families the coordinator selected.

The selection is a file of family ids (one per line, an optional `family_id` header), each
of which must be on the combined list and able to enter the programme. The request carries
only those households' pseudonyms; the council keeps which family each one stands for.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from orchestration.exchange import register
from orchestration.exchange.envelope import Envelope, new_header, write_envelope
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.warehouse import require_tables

KIND = "request"
SCHEMA = register.SCHEMA
COMBINED = f"{SCHEMA}.combined_families"


class SelectionError(ValueError):
    """A selection file names a family that cannot be requested (file, row and field)."""


def read_selection(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str, str]]:
    """(family_id, uprn, household list id) of each selected family, checked one by one."""
    require_tables(con, COMBINED)
    eligible = {
        family_id: (uprn, could_enter, exchange_id)
        for family_id, uprn, could_enter, exchange_id in con.execute(
            f"select family_id, uprn, could_enter, exchange_id from {COMBINED}"
        ).fetchall()
    }
    selected: dict[str, tuple[str, str, str]] = {}
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            value = row[0].strip() if row else ""
            if not value or (number == 1 and value == "family_id"):
                continue
            if value not in eligible:
                raise SelectionError(
                    f"{path}: row {number}, field family_id: not a family on the combined list "
                    "(import the police household list first: families exchange import)"
                )
            uprn, could_enter, exchange_id = eligible[value]
            if not could_enter:
                raise SelectionError(
                    f"{path}: row {number}, field family_id: {value} does not meet enough "
                    "criteria to enter the programme; personal details are exchanged only "
                    "for eligible families"
                )
            selected[value] = (value, uprn, exchange_id)
    if not selected:
        raise SelectionError(f"{path}: no family selected")
    return list(selected.values())


def write_request(
    con: duckdb.DuckDBPyConnection,
    key: ExchangeKey,
    selection: Path,
    out: Path,
    rule_set: str,
    as_at_date: str,
) -> Envelope:
    """Write the request for the selected families and register it as sent."""
    families = read_selection(con, selection)
    requested = sorted((key.pseudonym(uprn), family_id, uprn) for family_id, uprn, _ in families)
    header = new_header(KIND, key, rule_set, as_at_date, register.run_by())
    header["in_reply_to"] = families[0][2]
    header["counts"] = {"households": len(requested)}
    envelope = write_envelope(out, key, header, [{"household": p} for p, _, _ in requested])
    con.execute(
        f"""create table if not exists {SCHEMA}.requested_households (
            request_id varchar, pseudonym varchar, family_id varchar, uprn varchar)"""
    )
    con.executemany(
        f"insert into {SCHEMA}.requested_households values (?, ?, ?, ?)",
        [[envelope.exchange_id, *row] for row in requested],
    )
    register.record_envelope(con, envelope, direction="sent", outcome="written")
    return envelope
