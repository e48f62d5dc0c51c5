"""Council side of stage one: read the police household list and list the candidates.

Writes, in the council's warehouse (schema `exchange`, replaced by each import):
`police_households` (each listed household matched to a council family it may concern,
match.py), `combined_family_criteria` (every family x criterion: met by the council's own
records, or possibly by the police list) and `combined_families` (criteria, count, and
whether the family could enter the programme if stage two confirms the police criteria).
Stage one's list is of candidates: stage two (final.py) confirms or removes each police
criterion person by person, and its final list is the one the programme uses.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from orchestration.exchange import register
from orchestration.exchange.final import write_final_list
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.match import known_address_pseudonyms, write_police_households
from orchestration.exchange.stage_one import ImportResult, read_household_list
from orchestration.exchange.warehouse import require_tables, run_parameters

SCHEMA = register.SCHEMA
FAMILIES = "marts.families"
FAMILY_CRITERIA = "marts.family_criteria"


def import_household_list(
    con: duckdb.DuckDBPyConnection, key: ExchangeKey, path: Path
) -> ImportResult:
    """Match a police household list to this warehouse's families and list the candidates."""
    require_tables(con, FAMILIES, FAMILY_CRITERIA)
    envelope = read_household_list(con, key, path)
    parameters = run_parameters(con)
    listed = pd.DataFrame(
        [
            (row["household"], row["criteria"], row["indicators"], row["addresses"])
            for row in envelope.body
        ],
        columns=["pseudonym", "criteria", "indicators", "addresses"],
    )
    ours = known_address_pseudonyms(con, key)
    con.register("exchange_listed", listed)
    con.register("exchange_ours", ours)
    try:
        con.execute("begin")
        con.execute(f"create schema if not exists {SCHEMA}")
        write_police_households(con, envelope.exchange_id)
        _write_combined(con, envelope.exchange_id, parameters.min_criteria)
        counts = _counts(con)
        # A new list: no answer to it yet, so the final list is the council's own for now.
        write_final_list(con)
        register.record_envelope(con, envelope, "received", "accepted", counts=counts)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    finally:
        con.unregister("exchange_listed")
        con.unregister("exchange_ours")
    return ImportResult(exchange_id=envelope.exchange_id, counts=counts)


def _write_combined(con: duckdb.DuckDBPyConnection, exchange_id: str, min_criteria: int) -> None:
    con.execute(
        f"""
        create or replace table {SCHEMA}.combined_family_criteria as
        select
            criteria.family_id, criteria.uprn, criteria.criterion_code,
            criteria.is_met as is_met_by_council,
            coalesce(list_contains(police.police_criteria, criteria.criterion_code), false)
                as is_met_by_police,
            is_met_by_council or is_met_by_police as is_met,
            criteria.indicator_codes as council_indicator_codes,
            coalesce(list_filter(
                police.police_indicator_codes,
                code -> regexp_extract(code, '^[0-9]+') = criteria.criterion_code::varchar
            ), []) as police_indicator_codes,
            criteria.rule_set_version, criteria.as_at_date, ?::varchar as exchange_id
        from {FAMILY_CRITERIA} as criteria
        left join (
            select family_id,
                   list_distinct(flatten(list(police_criteria))) as police_criteria,
                   list_distinct(flatten(list(police_indicator_codes)))
                       as police_indicator_codes
            from {SCHEMA}.police_households group by family_id
        ) as police on police.family_id = criteria.family_id
        """,
        [exchange_id],
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.combined_families as
        select
            family_id, uprn,
            list(criterion_code order by criterion_code) filter (where is_met) as criteria_met,
            count(*) filter (where is_met) as criteria_count,
            ?::integer as min_criteria,
            criteria_count >= min_criteria as could_enter,
            count(*) filter (where is_met_by_council) >= min_criteria
                as could_enter_on_council_records,
            any_value(rule_set_version) as rule_set_version,
            any_value(as_at_date) as as_at_date,
            ?::varchar as exchange_id
        from {SCHEMA}.combined_family_criteria
        group by family_id, uprn
        """,
        [min_criteria, exchange_id],
    )


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    cursor = con.execute("select * from exchange_match_counts")
    counts = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    counts.update(
        zip(
            ["families", "families_could_enter", "could_enter_only_with_police_criteria"],
            con.execute(
                f"select count(*), count(*) filter (where could_enter), "
                f"count(*) filter (where could_enter and not could_enter_on_council_records) "
                f"from {SCHEMA}.combined_families"
            ).fetchone(),
            strict=True,
        )
    )
    return {name: int(value or 0) for name, value in counts.items()}


def write_could_enter_csv(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The coordinator's list to select from: families that could enter the programme, with
    the criteria met and which needed the police list. Identifiers only (family id, UPRN)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    relation = con.sql(
        f"""
        select family_id, uprn, array_to_string(criteria_met, ' ') as criteria_met,
               criteria_count, not could_enter_on_council_records as needs_police_criteria
        from {SCHEMA}.combined_families
        where could_enter
        order by criteria_count desc, family_id
        """
    )
    partial = path.with_name(path.name + ".partial")
    relation.write_csv(str(partial), header=True)
    partial.replace(path)
    return int(con.execute(f"select count(*) from {SCHEMA}.combined_families where could_enter")
               .fetchone()[0])  # fmt: skip
