"""Stage two, council side: check the police answer against its request and load it.

An answer is refused whole when it answers no request this council sent, or holds any
household that request did not ask for. Accepted, its persons, records and evidence go to
`exchange.police_persons`, `exchange.police_records` and `exchange.police_evidence` (one
load per request: reloading replaces it); the police persons are linked to the council's
persons with the nightly's Splink model (link.py), and the final list is rebuilt from
every answer to the current household list (final.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from orchestration.exchange import register
from orchestration.exchange.answer import EVIDENCE_FIELDS, PERSON_FIELDS, RECORD_FIELDS
from orchestration.exchange.envelope import (
    Envelope,
    ExchangeRefused,
    read_envelope,
    require_same_rules,
)
from orchestration.exchange.final import write_final_list
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.link import link_police_persons, write_person_links
from orchestration.exchange.rows import answer_rows
from orchestration.exchange.warehouse import run_parameters

SCHEMA = register.SCHEMA
REQUESTED = f"{SCHEMA}.requested_households"
COLUMNS = {
    "police_persons": {
        "request_id": "varchar", "household": "varchar", "uprn": "varchar",
        "person_ref": "varchar", "first_name": "varchar", "middle_names": "varchar",
        "surname": "varchar", "dob": "date", "sex": "varchar",
    },
    "police_records": {
        "request_id": "varchar", "person_ref": "varchar", "record_id": "varchar",
        "source_dataset": "varchar", "first_name": "varchar", "middle_names": "varchar",
        "surname": "varchar", "dob": "date", "sex": "varchar", "address": "varchar",
        "postcode": "varchar", "nhs_number": "varchar", "upn": "varchar",
        "ni_number": "varchar", "event_date": "date", "uprn": "varchar",
    },
    "police_evidence": {
        "request_id": "varchar", "person_ref": "varchar", "indicator_code": "varchar",
        "criterion_code": "integer", "first_event_on": "date", "event_on": "date",
        "record_count": "integer", "evidence_record_ids": "varchar[]", "reason": "varchar",
    },
}  # fmt: skip


def _requested(con: duckdb.DuckDBPyConnection, request_id: str) -> dict[str, str | None]:
    """Pseudonym -> the UPRN it stands for (None when the council does not know it)."""
    if not con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'requested_households'",
        [SCHEMA],
    ).fetchone()[0]:
        return {}
    return dict(
        con.execute(
            f"select pseudonym, any_value(uprn) from {REQUESTED} where request_id = ? "
            "group by pseudonym",
            [request_id],
        ).fetchall()
    )


def read_answer(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path
) -> tuple[Envelope, dict[str, str | None]]:
    """Open an answer and the request it answers, or register its refusal and raise."""
    try:
        envelope = read_envelope(path, "answer", key)
        parameters = run_parameters(con)
        require_same_rules(envelope, parameters.rule_set, parameters.as_at_date)
        rows = answer_rows(envelope)
        requested = _requested(con, envelope.header.get("in_reply_to", ""))
        if not requested:
            raise ExchangeRefused(Path(path), "unknown_request", "it answers no request sent")
        extra = [row["household"] for row in rows if row["household"] not in requested]
        if extra:
            raise ExchangeRefused(
                Path(path),
                "not_requested",
                f"{len(extra)} of its {len(rows)} households were not requested; the whole "
                "answer is refused and nothing of it is loaded",
            )
    except ExchangeRefused as refused:
        register.record_refusal(con, path, "answer", refused.reason, str(refused))
        raise
    return envelope, requested


def _frames(envelope: Envelope, requested: dict[str, str | None]) -> dict[str, pd.DataFrame]:
    request_id = envelope.header["in_reply_to"]
    persons, records, evidence = [], [], []
    for row in envelope.body:
        for person in row["persons"]:
            persons.append(
                [request_id, row["household"], requested[row["household"]], person["person_ref"]]
                + [person.get(f) for f in PERSON_FIELDS]
            )
            records.extend(
                [request_id, person["person_ref"], *(r.get(f) for f in RECORD_FIELDS)]
                for r in person["records"]
            )
        evidence.extend(
            [request_id, item["person_ref"], *(item.get(f) for f in EVIDENCE_FIELDS)]
            for item in row["evidence"]
        )
    rows = {"police_persons": persons, "police_records": records, "police_evidence": evidence}
    return {
        table: pd.DataFrame(rows[table], columns=list(COLUMNS[table])).astype(object)
        for table in COLUMNS
    }


def load_answer(con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path) -> dict[str, int]:
    """Load an accepted answer, link its persons and rebuild the final list; returns the
    counts registered."""
    envelope, requested = read_answer(con, key, path)
    request_id = envelope.header["in_reply_to"]
    frames = _frames(envelope, requested)
    # Splink runs before the transaction: it only reads the warehouse.
    links = link_police_persons(con, frames["police_records"])
    con.execute("begin")
    try:
        for table, frame in frames.items():
            _replace_request_rows(con, table, request_id, frame)
        link_counts = write_person_links(con, request_id, links)
        final_counts = write_final_list(con)
        counts = {
            "households": len(envelope.body),
            "persons": len(frames["police_persons"]),
            "records": len(frames["police_records"]),
            "evidence": len(frames["police_evidence"]),
            **link_counts,
            **final_counts,
        }
        register.record_envelope(con, envelope, "received", "accepted", counts=counts)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return counts


def _replace_request_rows(
    con: duckdb.DuckDBPyConnection, table: str, request_id: str, frame: pd.DataFrame
) -> None:
    columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS[table].items())
    con.execute(f"create table if not exists {SCHEMA}.{table} ({columns})")
    for name, kind in COLUMNS[table].items():  # tables made by an earlier format version
        con.execute(f"alter table {SCHEMA}.{table} add column if not exists {name} {kind}")
    con.execute(f"delete from {SCHEMA}.{table} where request_id = ?", [request_id])
    con.register("exchange_incoming", frame)
    try:
        con.execute(f"insert into {SCHEMA}.{table} by name select * from exchange_incoming")
    finally:
        con.unregister("exchange_incoming")
