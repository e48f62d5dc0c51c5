"""Stage two's result: the final list, with each police criterion confirmed person by person.

A police indicator hit counts for a council family only when the person it belongs to is,
on the council's own evidence, a member of that family's household (or an absent parent of
the family), as the single warehouse decides it: where the council's records place a
linked person, that decides; where they place them nowhere, or the police person links to
no council person, the police household's address does, if one council household lives
there. Hits of ambiguous links are not credited. Only families selected in a request that
follows the current household list are credited; a person placed elsewhere is counted.
A family not selected keeps stage one's household-level police criteria: the agreement sends
no person-level details for it, and its final row says what the council was told.
The absent-parent rule is the criteria model's (int_family_criteria): an absent parent
counts for one problem only, the lowest criterion only their hits would meet.

Writes `exchange.confirmed_police_criteria`, `exchange.final_family_criteria` and
`exchange.final_families` (replaced on each import and each answer loaded).
"""

from __future__ import annotations

import duckdb

from orchestration.exchange.warehouse import HOUSEHOLD_MEMBERS, run_parameters
from orchestration.linkage.engine import table_exists

SCHEMA = "exchange"
FAMILIES = "marts.families"
FAMILY_CRITERIA = "marts.family_criteria"
FAMILY_EVENTS = "intermediate.int_family_indicator_events"
ABSENT_PARENTS = "intermediate.int_absent_parents"
ANSWER_TABLES = ("police_evidence", "police_persons", "police_person_links",
                 "requested_households")  # fmt: skip

# Where each answered person lives, on the council's evidence first (see the docstring).
PLACED_SQL = f"""
with current_requests as (
    select distinct request_id, family_id from {SCHEMA}.requested_households
    where list_id = (select any_value(exchange_id) from {SCHEMA}.combined_families)
),
households_at as (
    select uprn, any_value(household_id) as household_id,
           count(distinct household_id) as households
    from {HOUSEHOLD_MEMBERS} group by uprn
),
persons as (
    select persons.request_id, persons.person_ref, links.link_status,
           coalesce(council.household_id, case
               when links.link_status <> 'ambiguous' and police_address.households = 1
               then police_address.household_id end) as household_id,
           links.person_id
    from {SCHEMA}.police_persons as persons
    inner join {SCHEMA}.police_person_links as links using (request_id, person_ref)
    left join {HOUSEHOLD_MEMBERS} as council on council.person_id = links.person_id
    left join households_at as police_address on police_address.uprn = persons.uprn
    where persons.request_id in (select request_id from current_requests)
),
families_of as (
    select persons.request_id, persons.person_ref, families.family_id, false as is_absent_parent
    from persons inner join {FAMILIES} as families using (household_id)
    union all
    select persons.request_id, persons.person_ref, absent.family_id, true
    from persons inner join {ABSENT_PARENTS} as absent using (person_id)
)
select families_of.*,
       families_of.family_id in (
           select family_id from current_requests
           where current_requests.request_id = families_of.request_id
       ) as is_selected
from families_of
"""


def _confirmed(con: duckdb.DuckDBPyConnection) -> None:
    answered = all(table_exists(con, f"{SCHEMA}.{table}") for table in ANSWER_TABLES)
    if not answered:
        con.execute(
            f"""create or replace table {SCHEMA}.confirmed_police_criteria (
                family_id varchar, criterion_code integer, indicator_code varchar,
                is_absent_parent boolean, request_id varchar, person_ref varchar)"""
        )
        con.execute(
            "create or replace temp table exchange_placed "
            "(request_id varchar, person_ref varchar, is_selected boolean)"
        )
        return
    # Requests written before the list id was kept follow no current list.
    con.execute(
        f"alter table {SCHEMA}.requested_households add column if not exists list_id varchar"
    )
    con.execute(f"create or replace temp table exchange_placed as {PLACED_SQL}")
    con.execute(
        f"""
        create or replace table {SCHEMA}.confirmed_police_criteria as
        select distinct placed.family_id, evidence.criterion_code, evidence.indicator_code,
               placed.is_absent_parent, placed.request_id, placed.person_ref
        from exchange_placed as placed
        inner join {SCHEMA}.police_evidence as evidence using (request_id, person_ref)
        where placed.is_selected
        """
    )


def write_final_list(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rebuild the final tables from the current list and every answer to it; counts."""
    _confirmed(con)
    con.execute(
        f"""
        create or replace table {SCHEMA}.final_family_criteria as
        with events as (
            select family_id, criterion_code, indicator_code, is_absent_parent, false as police
            from {FAMILY_EVENTS}
            union all
            select family_id, criterion_code, indicator_code, is_absent_parent, true
            from {SCHEMA}.confirmed_police_criteria
        ),
        by_criterion as (
            select family_id, criterion_code,
                   bool_or(not is_absent_parent) as has_member_evidence,
                   bool_or(is_absent_parent) as has_absent_parent_evidence,
                   list(distinct indicator_code order by indicator_code)
                       filter (where police) as police_indicator_codes
            from events group by family_id, criterion_code
        ),
        absent_parent_pick as (
            select family_id, criterion_code,
                   row_number() over (partition by family_id order by criterion_code) = 1
                       as is_counted
            from by_criterion
            where has_absent_parent_evidence and not has_member_evidence
        ),
        selected as ({_selected_families_sql(con)}),
        stage_one as (
            select family_id, criterion_code, is_met_by_police
            from {SCHEMA}.combined_family_criteria
            where family_id not in (select family_id from selected)
        )
        select criteria.family_id, criteria.uprn, criteria.criterion_code,
               criteria.is_met as is_met_by_council,
               coalesce(by_criterion.has_member_evidence, false)
                   or coalesce(absent_parent_pick.is_counted, false)
                   or coalesce(stage_one.is_met_by_police, false) as is_met,
               coalesce(by_criterion.police_indicator_codes, []) as police_indicator_codes,
               criteria.rule_set_version, criteria.as_at_date
        from {FAMILY_CRITERIA} as criteria
        left join by_criterion using (family_id, criterion_code)
        left join absent_parent_pick using (family_id, criterion_code)
        left join stage_one using (family_id, criterion_code)
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.final_families as
        select criteria.family_id, criteria.uprn,
               list(criterion_code order by criterion_code) filter (where is_met) as criteria_met,
               count(*) filter (where is_met) as criteria_count,
               ?::integer as min_criteria,
               count(*) filter (where is_met) >= ?::integer as is_eligible,
               bool_or(is_met and not is_met_by_council) as needed_police_criteria,
               any_value(combined.could_enter) as was_candidate,
               any_value(criteria.rule_set_version) as rule_set_version,
               any_value(criteria.as_at_date) as as_at_date
        from {SCHEMA}.final_family_criteria as criteria
        left join {SCHEMA}.combined_families as combined using (family_id)
        group by criteria.family_id, criteria.uprn
        """,
        [run_parameters(con).min_criteria] * 2,
    )
    return _counts(con)


def _selected_families_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The families selected in a request that follows the current household list."""
    if not table_exists(con, f"{SCHEMA}.requested_households"):
        return "select null::varchar as family_id where false"
    return (
        f"select distinct family_id from {SCHEMA}.requested_households "
        f"where list_id = (select any_value(exchange_id) from {SCHEMA}.combined_families)"
    )


def _counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    eligible, with_police = con.execute(
        f"select count(*) filter (where is_eligible), "
        f"count(*) filter (where is_eligible and needed_police_criteria) "
        f"from {SCHEMA}.final_families"
    ).fetchone()
    (outside,) = con.execute(
        "select count(distinct (request_id, person_ref)) from exchange_placed where not is_selected"
    ).fetchone()
    con.execute("drop table exchange_placed")
    return {
        "final_families_eligible": int(eligible),
        "final_eligible_only_with_police_criteria": int(with_police),
        "persons_placed_in_a_family_not_selected": int(outside or 0),
    }
