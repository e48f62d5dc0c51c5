"""Stage two, council side: the request for the families the coordinator selected.

The selection is a file of family ids (one per line, an optional `family_id` header), each
of which must be on the combined list and able to enter the programme. The request carries
only pseudonyms: of each selected family's own address, and of the police households stage
one matched to it (which may be at an address the family has left); the council keeps
which family each one was asked for.
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
POLICE_HOUSEHOLDS = f"{SCHEMA}.police_households"
REQUESTED_DDL = f"""create table if not exists {SCHEMA}.requested_households (
    request_id varchar, pseudonym varchar, family_id varchar, uprn varchar, list_id varchar)"""


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
    list_id = families[0][2]
    requested = sorted(_requested_households(con, key, families))
    header = new_header(KIND, key, rule_set, as_at_date, register.run_by())
    header["in_reply_to"] = list_id
    pseudonyms = sorted({pseudonym for pseudonym, _, _ in requested})
    header["counts"] = {"households": len(pseudonyms), "families": len(families)}
    envelope = write_envelope(out, key, header, [{"household": p} for p in pseudonyms])
    con.execute(REQUESTED_DDL)
    # Warehouses that requested before the list id was kept.
    con.execute(
        f"alter table {SCHEMA}.requested_households add column if not exists list_id varchar"
    )
    con.executemany(
        f"insert into {SCHEMA}.requested_households by name "
        "select ? as request_id, ? as pseudonym, ? as family_id, ? as uprn, ? as list_id",
        [[envelope.exchange_id, *row, list_id] for row in requested],
    )
    register.record_envelope(con, envelope, direction="sent", outcome="written")
    return envelope


def _requested_households(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, families: list[tuple[str, str, str]]
) -> set[tuple[str, str, str | None]]:
    """(pseudonym, family_id, UPRN or None) for each household to ask about: the family's
    own address, and each police household matched to it (its UPRN, when we know it)."""
    wanted = {(key.pseudonym(uprn), family_id, uprn) for family_id, uprn, _ in families}
    ids = [family_id for family_id, _, _ in families]
    matched = con.execute(
        f"select distinct pseudonym, family_id from {POLICE_HOUSEHOLDS} "
        "where list_contains(?, family_id)",
        [ids],
    ).fetchall()
    known = {pseudonym: uprn for pseudonym, _, uprn in wanted}
    unknown = {pseudonym for pseudonym, _ in matched} - set(known)
    if unknown:
        known.update(_uprns_of(con, key, unknown))
    return wanted | {
        (pseudonym, family_id, known.get(pseudonym)) for pseudonym, family_id in matched
    }


def _uprns_of(con: duckdb.DuckDBPyConnection, key: ExchangeKey, pseudonyms: set[str]) -> dict:
    from orchestration.exchange.match import known_address_pseudonyms

    ours = known_address_pseudonyms(con, key)
    return dict(ours[ours["pseudonym"].isin(pseudonyms)][["pseudonym", "uprn"]].itertuples(False))
