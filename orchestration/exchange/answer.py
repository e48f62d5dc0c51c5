"""Stage two, police side: answer a council request with the requested households alone.

For each requested pseudonym that is one of this instance's households: its members, each
with their records (as recorded: names, date of birth, sex, address, postcode, identifiers,
date; and the UPRN the address matched with confidence, so the council's person linkage
weighs them as the nightly weighs its own) and the indicator evidence (indicator,
criterion, dates, record ids, reason). Nothing of any other household.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.exchange import register
from orchestration.exchange.envelope import (
    Envelope,
    ExchangeRefused,
    new_header,
    read_envelope,
    require_same_rules,
    write_envelope,
)
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.rows import request_rows
from orchestration.exchange.warehouse import (
    HOUSEHOLD_MEMBERS,
    household_pseudonyms,
    require_tables,
    run_parameters,
)

KIND = "answer"
PERSON_RECORDS = "intermediate.int_person_records"
RECORD_PERSONS = "intermediate.int_record_persons"
INDICATOR_EVENTS = "intermediate.int_indicator_events"
RECORD_UPRNS = "linkage.record_uprns"
RECORD_FIELDS = ["record_id", "source_dataset", "first_name", "middle_names", "surname", "dob",
                 "sex", "address", "postcode", "nhs_number", "upn", "ni_number", "event_date",
                 "uprn"]  # fmt: skip
PERSON_FIELDS = ["first_name", "middle_names", "surname", "dob", "sex"]
EVIDENCE_FIELDS = ["indicator_code", "criterion_code", "first_event_on", "event_on",
                   "record_count", "evidence_record_ids", "reason"]  # fmt: skip


def read_request(con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path) -> Envelope:
    """Open a council request, or register its refusal and raise ExchangeRefused."""
    try:
        envelope = read_envelope(path, "request", key)
        parameters = run_parameters(con)
        require_same_rules(envelope, parameters.rule_set, parameters.as_at_date)
        request_rows(envelope)
        sent_lists = {
            row["exchange_id"]
            for row in register.registered(con)
            if row["direction"] == "sent" and row["kind"] == "household_list"
        }
        if envelope.header.get("in_reply_to") not in sent_lists:
            raise ExchangeRefused(
                Path(path), "unknown_list", "it follows no household list this party sent"
            )
    except ExchangeRefused as refused:
        register.record_refusal(con, path, "request", refused.reason, str(refused))
        raise
    register.record_envelope(con, envelope, "received", "accepted")
    return envelope


def _frame(con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
    return con.execute(sql).df()


def _iso(value: object) -> object:
    """A warehouse value as JSON: dates as ISO dates, arrays as lists, missing as null."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "tolist"):
        return value.tolist()
    return value.item() if hasattr(value, "item") else value


def answer_request(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, request_path: Path, out: Path
) -> Envelope:
    """Write the answer to a request and register both."""
    require_tables(
        con, HOUSEHOLD_MEMBERS, PERSON_RECORDS, RECORD_PERSONS, INDICATOR_EVENTS, RECORD_UPRNS
    )
    request = read_request(con, key, request_path)
    wanted = set(request_rows(request))
    ours = household_pseudonyms(con, key)
    found = ours[ours["pseudonym"].isin(wanted)]
    con.register("exchange_found", found)
    try:
        members = _frame(
            con,
            f"""
            select distinct found.pseudonym, members.person_id from exchange_found as found
            inner join {HOUSEHOLD_MEMBERS} as members on members.uprn = found.uprn""",
        )
        records = _frame(
            con,
            f"""
            select record_persons.person_id, records.*, uprns.uprn
            from {RECORD_PERSONS} as record_persons
            inner join {PERSON_RECORDS} as records using (record_id)
            left join {RECORD_UPRNS} as uprns
                on uprns.record_id = records.record_id and uprns.match_status = 'matched'
            where record_persons.person_id in (
                select person_id from {HOUSEHOLD_MEMBERS}
                where uprn in (select uprn from exchange_found))
            order by records.record_id""",
        )
        evidence = _frame(
            con,
            f"""
            select * from {INDICATOR_EVENTS}
            where person_id in (
                select person_id from {HOUSEHOLD_MEMBERS}
                where uprn in (select uprn from exchange_found))
            order by person_id, indicator_code""",
        )
    finally:
        con.unregister("exchange_found")
    body = [
        _household(pseudonym, group["person_id"].tolist(), records, evidence)
        for pseudonym, group in members.groupby("pseudonym", sort=True)
    ]
    parameters = run_parameters(con)
    header = new_header(KIND, key, parameters.rule_set, parameters.as_at_date, register.run_by())
    header["in_reply_to"] = request.exchange_id
    header["counts"] = {
        "households_requested": len(wanted),
        "households_answered": len(body),
        "households_not_known": len(wanted) - len(body),
        "persons": sum(len(row["persons"]) for row in body),
    }
    envelope = write_envelope(out, key, header, body)
    register.record_envelope(con, envelope, direction="sent", outcome="written")
    return envelope


def _household(
    pseudonym: str, person_ids: list[str], records: pd.DataFrame, evidence: pd.DataFrame
) -> dict:
    persons = []
    for person_id in sorted(person_ids):
        own = records[records["person_id"] == person_id]
        latest = own.sort_values("event_date", na_position="first").iloc[-1] if len(own) else None
        persons.append(
            {
                "person_ref": person_id,
                **{f: _iso(latest[f]) if latest is not None else None for f in PERSON_FIELDS},
                "records": [
                    {f: _iso(value) for f, value in zip(RECORD_FIELDS, row, strict=True)}
                    for row in own[RECORD_FIELDS].itertuples(index=False)
                ],
            }
        )
    hits = evidence[evidence["person_id"].isin(person_ids)]
    return {
        "household": pseudonym,
        "persons": persons,
        "evidence": [
            {
                "person_ref": row[0],
                **{f: _iso(v) for f, v in zip(EVIDENCE_FIELDS, row[1:], strict=True)},
            }
            for row in hits[["person_id", *EVIDENCE_FIELDS]].itertuples(index=False)
        ],
    }
