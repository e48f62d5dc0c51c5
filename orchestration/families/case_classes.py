"""The hard cases of issue 13, as classes of truth households, so accuracy can be reported
per class: evaluation code only (it reads data/truth), nothing here decides a flag.

A UPRN (the unit evaluation matches on) belongs to every class that applies:

* `shared_uprn`: two or more truth households live at the UPRN on the as-at date;
* `house_in_multiple_occupation`: the gazetteer classes the UPRN RH02;
* `flat_in_a_block`: the UPRN has a parent property shell (records may match the shell);
* `separated_parents`: a dependent child here has a parent living in another household
  (shared care, and the family's absent parent);
* `absent_parent_problem`: truth counts a problem of that absent parent for the family;
* `ordinary`: none of the above.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

CASE_CLASSES = (
    "shared_uprn",
    "house_in_multiple_occupation",
    "flat_in_a_block",
    "separated_parents",
    "absent_parent_problem",
    "ordinary",
)


def create_case_classes(con: duckdb.DuckDBPyConnection, truth_dir: Path, as_at) -> bool:
    """Temp table case_classes(uprn varchar, case_class varchar) for the truth at `as_at`;
    False (and no table) when the truth has no residences or parents, or the warehouse
    (attached as `wh`) no gazetteer."""
    family_truth = truth_dir / "family_truth.parquet"
    residences = truth_dir / "residences.parquet"
    persons = truth_dir / "persons.parquet"
    if not (residences.exists() and persons.exists()):
        return False
    has_parents = con.execute(
        f"select count(*) from (describe select * from read_parquet('{persons}')) "
        "where column_name = 'mother_id'"
    ).fetchone()[0]
    has_gazetteer = con.execute(
        "select count(*) from duckdb_tables() where database_name = 'wh' "
        "and schema_name = 'raw' and table_name = 'council_gis__gazetteer'"
    ).fetchone()[0]
    if not (has_parents and has_gazetteer):
        return False
    con.execute(
        f"""
        create or replace temp table case_classes as
        with
        truth as (
            select cast(uprn as varchar) as uprn, household_id, absent_parent_criterion,
            from read_parquet('{family_truth}')
            where cast(as_at_date as date) = $as_at
        ),
        gazetteer as (
            -- The raw table: staging views name the warehouse's own catalog.
            select cast("UPRN" as varchar) as uprn,
                any_value("CLASSIFICATION_CODE") as classification_code,
                bool_or("PARENT_UPRN" is not null) as has_parent,
            from wh.raw.council_gis__gazetteer
            group by 1
        ),
        living as (
            select person_id, household_id,
            from read_parquet('{residences}')
            where cast(from_date as date) <= $as_at
                and (to_date is null or cast(to_date as date) >= $as_at)
        ),
        parents as (
            -- One row per parent: an equality join below. `in (mother_id, father_id)` as
            -- the join condition made DuckDB compare every child with every resident.
            select person_id, dob, unnest([mother_id, father_id]) as parent_id,
            from read_parquet('{persons}')
        ),
        separated as (
            select distinct child.household_id,
            from living as child
            inner join parents as person
                on child.person_id = person.person_id
            inner join living as parent
                on parent.person_id = person.parent_id
                and parent.household_id <> child.household_id
            where date_diff('year', person.dob, $as_at) < 19
        ),
        classes as (
            select uprn, 'shared_uprn' as case_class,
            from truth group by uprn having count(distinct household_id) > 1
            union all
            select truth.uprn, 'house_in_multiple_occupation',
            from truth inner join gazetteer using (uprn)
            where gazetteer.classification_code = 'RH02'
            union all
            select truth.uprn, 'flat_in_a_block',
            from truth inner join gazetteer using (uprn)
            where gazetteer.has_parent
            union all
            select truth.uprn, 'separated_parents',
            from truth inner join separated using (household_id)
            union all
            select uprn, 'absent_parent_problem',
            from truth where absent_parent_criterion is not null
        )
        select distinct uprn, case_class from classes
        union all
        select distinct uprn, 'ordinary' from truth
        where uprn not in (select uprn from classes)
        """,
        {"as_at": as_at},
    )
    return True
