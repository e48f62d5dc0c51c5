"""What changed on the eligible list since the last published one, worked out once when a
night is published and stored in it (`changes.since_last_list`, `changes.compared_with`), so
the CSV, the XLSX, the web pages and `families explain` all say the same.

Compared by family id with the night that was being served when this one was published:
`new` (not on that list), `changed` (on both, criteria met differ), `unchanged`, `left` (on
that list, not on this one, with the reason when this night can tell it). The first night
has no list to compare with: its families are marked `first list`, never `new`, and
`compared_with` says there was none.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

CHANGES = ("new", "changed", "unchanged", "left", "first list")
NO_PREVIOUS = "first list"


def _has_table(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [catalog, schema, table],
        ).fetchone()[0]
    )


def record_list_changes(
    con: duckdb.DuckDBPyConnection,
    night: str,
    previous: Path | None,
    previous_published_at: str | None,
) -> dict[str, int] | None:
    """Write `changes.since_last_list` and `changes.compared_with` into the attached night
    `night`, comparing it with the published file `previous` (None: none). Returns counts
    per change, or None when the night has no eligible list (nothing to compare)."""
    if not _has_table(con, night, "marts", "eligible_families"):
        return None
    comparable = previous is not None and previous.exists()
    if comparable:
        quoted = str(previous).replace("'", "''")
        con.execute(f"ATTACH '{quoted}' AS previous_night (READ_ONLY)")
    try:
        if comparable and not _has_table(con, "previous_night", "marts", "eligible_families"):
            con.execute("DETACH previous_night")
            comparable = False
        con.execute(f'CREATE SCHEMA IF NOT EXISTS "{night}".changes')
        before = (
            "select family_id, household_id, uprn, criteria_met, criteria_count "
            "from previous_night.marts.eligible_families"
            if comparable
            else "select null::varchar as family_id, null::varchar as household_id, "
            "null::varchar as uprn, null::integer[] as criteria_met, "
            "null::bigint as criteria_count where false"
        )
        con.execute(_changes_sql(night, before, comparable))
        con.execute(_compared_with_sql(night, comparable), [previous_published_at])
        counts = dict(
            con.execute(
                f'select change, count(*) from "{night}".changes.since_last_list group by 1'
            ).fetchall()
        )
    finally:
        if comparable:
            con.execute("DETACH previous_night")
    return {change: int(counts.get(change, 0)) for change in CHANGES}


def _changes_sql(night: str, before: str, comparable: bool) -> str:
    first = "" if comparable else f"when true then '{NO_PREVIOUS}'"
    return f"""
        create or replace table "{night}".changes.since_last_list as
        with
        now as (
            select family_id, uprn, criteria_met, criteria_count
            from "{night}".marts.eligible_families
        ),
        before as ({before}),
        families as (select * from "{night}".marts.families),
        met_now as (
            select family_id, list(criterion_code order by criterion_code) as criteria_met
            from "{night}".marts.family_criteria where is_met group by 1
        ),
        merged_into as (
            select predecessor as family_id, min(family_id) as merged_into
            from families, unnest(predecessor_family_ids) as t(predecessor)
            where predecessor <> family_id group by 1
        ),
        households as (select household_id from "{night}".marts.households)
        select
            coalesce(now.family_id, before.family_id) as family_id,
            coalesce(now.uprn, before.uprn) as uprn,
            case
                {first}
                when before.family_id is null then 'new'
                when now.family_id is null then 'left'
                when now.criteria_met is distinct from before.criteria_met then 'changed'
                else 'unchanged'
            end as change,
            now.criteria_met,
            before.criteria_met as previous_criteria_met,
            now.criteria_count,
            before.criteria_count as previous_criteria_count,
            case
                when now.family_id is not null then null
                when families.family_id is not null
                    then 'no longer meets the criteria (' || len(coalesce(met_now.criteria_met, []))
                        || ' met now)'
                when merged_into.family_id is not null
                    then 'now part of family ' || merged_into.merged_into
                when households.household_id is not null
                    then 'no longer a family (no dependent child on the baseline)'
                else 'no household found at this address now'
            end as left_reason,
        from now
        full outer join before on now.family_id = before.family_id
        left join families on before.family_id = families.family_id and now.family_id is null
        left join met_now on before.family_id = met_now.family_id and now.family_id is null
        left join merged_into on before.family_id = merged_into.family_id
        left join households on before.household_id = households.household_id
        order by family_id
    """


def _compared_with_sql(night: str, comparable: bool) -> str:
    if not comparable:
        return (
            f'create or replace table "{night}".changes.compared_with as '
            "select null::varchar as published_at, null::date as as_at_date, "
            "null::varchar as rule_set_version, ?::varchar as note where false"
        )
    return f"""
        create or replace table "{night}".changes.compared_with as
        select ?::varchar as published_at, max(as_at_date) as as_at_date,
               max(rule_set_version) as rule_set_version, null::varchar as note
        from previous_night.marts.eligible_families
    """
