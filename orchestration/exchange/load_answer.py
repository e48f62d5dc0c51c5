"""Stage two, council side: check the police answer against its request and load it.

An answer is refused whole when it answers no request this council sent, or holds any
household that request did not ask for. Accepted, its persons, records and evidence go to
`exchange.police_persons`, `exchange.police_records` and `exchange.police_evidence` (one
load per request: reloading replaces it), and each police person is linked to a member of
the council family at the same UPRN (`exchange.police_person_links`, see `link.py`).
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
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.link import link_police_persons
from orchestration.exchange.rows import answer_rows
from orchestration.exchange.warehouse import run_parameters

SCHEMA = register.SCHEMA
REQUESTED = f"{SCHEMA}.requested_households"
TABLES_DDL = {
    "police_persons": """request_id varchar, family_id varchar, uprn varchar,
        person_ref varchar, first_name varchar, middle_names varchar, surname varchar,
        dob date, sex varchar""",
    "police_records": """request_id varchar, person_ref varchar, record_id varchar,
        source_dataset varchar, address varchar, postcode varchar, event_date date""",
    "police_evidence": """request_id varchar, family_id varchar, person_ref varchar,
        indicator_code varchar, criterion_code integer, first_event_on date, event_on date,
        record_count integer, evidence_record_ids varchar[], reason varchar""",
}


def _requested(con: duckdb.DuckDBPyConnection, request_id: str) -> dict[str, tuple[str, str]]:
    if not con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = ? and table_name = 'requested_households'",
        [SCHEMA],
    ).fetchone()[0]:
        return {}
    return {
        pseudonym: (family_id, uprn)
        for pseudonym, family_id, uprn in con.execute(
            f"select pseudonym, family_id, uprn from {REQUESTED} where request_id = ?",
            [request_id],
        ).fetchall()
    }


def read_answer(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path
) -> tuple[Envelope, dict[str, tuple[str, str]]]:
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


def load_answer(con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path) -> dict[str, int]:
    """Load an accepted answer and link its persons; returns the counts registered."""
    envelope, requested = read_answer(con, key, path)
    request_id = envelope.header["in_reply_to"]
    persons, records, evidence = [], [], []
    for row in envelope.body:
        family_id, uprn = requested[row["household"]]
        for person in row["persons"]:
            persons.append([request_id, family_id, uprn, person["person_ref"],
                            *(person.get(f) for f in PERSON_FIELDS)])  # fmt: skip
            records.extend(
                [request_id, person["person_ref"], *(r.get(f) for f in RECORD_FIELDS)]
                for r in person["records"]
            )
        evidence.extend(
            [request_id, family_id, item["person_ref"], *(item.get(f) for f in EVIDENCE_FIELDS)]
            for item in row["evidence"]
        )
    frames = {
        "police_persons": pd.DataFrame(
            persons, columns=["request_id", "family_id", "uprn", "person_ref", *PERSON_FIELDS]
        ),
        "police_records": pd.DataFrame(
            records, columns=["request_id", "person_ref", *RECORD_FIELDS]
        ),
        "police_evidence": pd.DataFrame(
            evidence, columns=["request_id", "family_id", "person_ref", *EVIDENCE_FIELDS]
        ),
    }
    con.execute("begin")
    try:
        for table, frame in frames.items():
            _replace_request_rows(con, table, request_id, frame.astype(object))
        linked = link_police_persons(con, request_id)
        counts = {
            "households": len(envelope.body),
            "persons": len(persons),
            "records": len(records),
            "evidence": len(evidence),
            "persons_linked": linked,
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
    con.register("exchange_incoming", frame)
    try:
        con.execute(f"create table if not exists {SCHEMA}.{table} ({TABLES_DDL[table]})")
        con.execute(f"delete from {SCHEMA}.{table} where request_id = ?", [request_id])
        con.execute(f"insert into {SCHEMA}.{table} by name select * from exchange_incoming")
    finally:
        con.unregister("exchange_incoming")
