"""Stage one: the anonymised household list (police side) and its reading (council side).

The police send, per household where a member meets a police-side indicator, the keyed
pseudonym of its UPRN, the criteria and indicator codes met, and the pseudonyms of the
other UPRNs those members were recorded at within the rule set's windows (so the council
can find a family that has moved since the police last saw it), and nothing else: no
dates, names, references or UPRNs. The council's matching is in match.py and combine.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
from orchestration.exchange.rows import household_list_rows
from orchestration.exchange.warehouse import (
    HOUSEHOLD_MEMBERS,
    household_pseudonyms,
    require_tables,
    run_parameters,
)

KIND = "household_list"
INDICATOR_EVENTS = "intermediate.int_indicator_events"
INDICATOR_RULES = "intermediate.int_indicator_rules"
PERSON_STAYS = "intermediate.int_person_stays"
SCHEMA = register.SCHEMA


def police_household_criteria(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, int]:
    """Per household UPRN with a member meeting an indicator: the criteria and indicator
    codes met, and the other UPRNs those members were recorded at since the earliest
    window of the rule set opened; and how many persons meeting an indicator are placed at
    no UPRN (counted only)."""
    require_tables(con, HOUSEHOLD_MEMBERS, INDICATOR_EVENTS, INDICATOR_RULES, PERSON_STAYS)
    households = con.execute(
        f"""
        with members as (
            select distinct members.uprn, members.person_id
            from {HOUSEHOLD_MEMBERS} as members
            where members.person_id in (select person_id from {INDICATOR_EVENTS})
        ),
        -- A stay older than every window cannot have placed an indicator's evidence.
        recent_stays as (
            select stays.person_id, stays.uprn from {PERSON_STAYS} as stays
            where stays.last_seen_on >= (select min(window_started_on) from {INDICATOR_RULES})
        )
        select members.uprn,
               list(distinct events.criterion_code order by events.criterion_code) as criteria,
               list(distinct events.indicator_code order by events.indicator_code) as indicators,
               coalesce(list(distinct stays.uprn) filter (where stays.uprn <> members.uprn), [])
                   as other_uprns
        from members
        inner join {INDICATOR_EVENTS} as events on events.person_id = members.person_id
        left join recent_stays as stays on stays.person_id = members.person_id
        group by members.uprn
        """
    ).df()
    unplaced = con.execute(
        f"""
        select count(distinct person_id) from {INDICATOR_EVENTS}
        where person_id not in (select person_id from {HOUSEHOLD_MEMBERS})
        """
    ).fetchone()[0]
    return households, int(unplaced)


def export_household_list(con: duckdb.DuckDBPyConnection, key: ExchangeKey, out: Path) -> Envelope:
    """Write the anonymised household list to `out` and register it as sent."""
    parameters = run_parameters(con)
    households, unplaced = police_household_criteria(con)
    body = sorted(
        (
            {
                "household": key.pseudonym(row.uprn),
                "criteria": [int(code) for code in row.criteria],
                "indicators": [str(code) for code in row.indicators],
                # Sorted pseudonyms: their order says nothing of the UPRNs either.
                "addresses": sorted(key.pseudonym(uprn) for uprn in row.other_uprns),
            }
            for row in households.itertuples()
        ),
        key=lambda entry: entry["household"],  # pseudonym order: says nothing of the UPRNs
    )
    header = new_header(KIND, key, parameters.rule_set, parameters.as_at_date, register.run_by())
    header["counts"] = {"households": len(body), "persons_meeting_an_indicator_unplaced": unplaced}
    envelope = write_envelope(out, key, header, body)
    register.record_envelope(con, envelope, direction="sent", outcome="written")
    return envelope


@dataclass(frozen=True)
class ImportResult:
    exchange_id: str
    counts: dict[str, int]


def read_household_list(con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path) -> Envelope:
    """Open a household list, or register its refusal and raise ExchangeRefused."""
    try:
        envelope = read_envelope(path, KIND, key)
        parameters = run_parameters(con)
        require_same_rules(envelope, parameters.rule_set, parameters.as_at_date)
        household_list_rows(envelope)
    except ExchangeRefused as refused:
        if refused.reason == "wrong_key":
            refused = _with_match_count(con, key, path, refused)
        register.record_refusal(con, path, KIND, refused.reason, str(refused))
        raise refused from None
    return envelope


def _with_match_count(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path, refused: ExchangeRefused
) -> ExchangeRefused:
    """A file made under another secret: say how many of its pseudonyms match ours (none)."""
    body = json.loads(Path(path).read_bytes()).get("body") or []
    theirs = {entry.get("household") for entry in body if isinstance(entry, dict)}
    ours = set(household_pseudonyms(con, key)["pseudonym"])
    matched = len(theirs & ours)
    detail = f"{refused.detail} ({matched} of {len(theirs)} households match ours)"
    return ExchangeRefused(Path(path), refused.reason, detail)
