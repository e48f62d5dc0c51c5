"""Trusted reference data for accuracy and consistency checks, as DuckDB temporary tables.

The agreement asks for "validation of source records against other trusted and/or definitive
sources": the council gazetteer (LLPG) is the definitive list of addresses and postcodes, and
child health registrations are the definitive list of resident children. Each reference is
built from the latest load of its source, once per validation run, on the run's connection.
Reference columns are named `ref_*`: DuckDB resolves names without regard to case, so a
reference column `dob` would capture a record's `DOB` inside a correlated subquery.
"""

from __future__ import annotations

from typing import Any

from orchestration.quality import columns as cols
from orchestration.quality.identifiers import sql_normalise_postcode

GAZETTEER = "council_gis__gazetteer"
CHILD_HEALTH = "nhs__child_health"

GAZETTEER_POSTCODES = "q_ref_gazetteer_postcodes"
GAZETTEER_ADDRESSES = "q_ref_gazetteer_addresses"
CHILD_HEALTH_CHILDREN = "q_ref_child_health_children"
SCHOOL_CENSUS = "council_education__school_census"
CENSUS_UPNS = "q_ref_census_upns"


def sql_address_key(column_sql: str) -> str:
    """Upper-case letters and digits only: '12, Acacia Rd.' and '12 ACACIA RD' agree."""
    return f"upper(regexp_replace(cast({column_sql} as varchar), '[^A-Za-z0-9]', '', 'g'))"


def sql_name_key(column_sql: str) -> str:
    """Letters only, upper case: hyphens, apostrophes and spaces do not decide a match."""
    return f"nullif(upper(regexp_replace(cast({column_sql} as varchar), '[^A-Za-z]', '', 'g')), '')"


def table_exists(con: Any, schema: str, table: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()
    return bool(row and row[0])


def _latest_load_filter(table: str) -> str:
    """Rows of the newest load: the highest extract date, then the highest load id."""
    return (
        f"(_extract_date, _load_id) = (select (_extract_date, _load_id) "
        f"from raw.{cols.quote(table)} order by _extract_date desc, _load_id desc limit 1)"
    )


def build_references(con: Any, contracts: dict[str, Any], wanted: set[str]) -> set[str]:
    """Create the wanted reference tables that their sources allow; returns those created."""
    created: set[str] = set()
    gazetteer = contracts.get(GAZETTEER)
    wants_gazetteer = bool(wanted & {GAZETTEER_POSTCODES, GAZETTEER_ADDRESSES})
    if wants_gazetteer and gazetteer is not None and table_exists(con, "raw", GAZETTEER):
        postcode = cols.postcode_column(gazetteer)
        line_sql = cols.gazetteer_address_sql(gazetteer)
        where = _latest_load_filter(GAZETTEER)
        if postcode:
            pc = sql_normalise_postcode(cols.quote(postcode))
            con.execute(
                f"create or replace temp table {GAZETTEER_POSTCODES} as "
                f"select distinct {pc} as ref_postcode from raw.{GAZETTEER} where {where}"
            )
            created.add(GAZETTEER_POSTCODES)
            if line_sql:
                key = sql_address_key(line_sql)
                name = cols.by_name(gazetteer, r"^PAO_TEXT$")
                # A named building may be written without its street ("Flat 4 Parsons Lodge").
                name_keys = (
                    f" union select {pc}, {sql_address_key(cols.quote(name))} "
                    f"from raw.{GAZETTEER} where {where} and {cols.quote(name)} is not null"
                    if name
                    else ""
                )
                con.execute(
                    f"create or replace temp table {GAZETTEER_ADDRESSES} as "
                    f"select * from (select {pc} as ref_postcode, {key} as ref_line_key "
                    f"from raw.{GAZETTEER} where {where}{name_keys}) where ref_line_key <> ''"
                )
                created.add(GAZETTEER_ADDRESSES)
    child_health = contracts.get(CHILD_HEALTH)
    if CHILD_HEALTH_CHILDREN in wanted and child_health is not None:
        dob = cols.first_of_kind(child_health, "date_of_birth")
        if table_exists(con, "raw", CHILD_HEALTH) and dob:
            surname = cols.surname_column(child_health)
            forename = cols.first_name_column(child_health)
            postcode = cols.postcode_column(child_health)
            surname_sql = sql_name_key(cols.quote(surname)) if surname else "null"
            forename_sql = sql_name_key(cols.quote(forename)) if forename else "null"
            postcode_sql = sql_normalise_postcode(cols.quote(postcode)) if postcode else "null"
            # Every child-health snapshot counts: a pupil registered at any extract is known.
            con.execute(
                f"create or replace temp table {CHILD_HEALTH_CHILDREN} as "
                f"select distinct try_cast({cols.quote(dob)} as date) as ref_dob, "
                f"{surname_sql} as ref_surname_key, {forename_sql} as ref_forename_key, "
                f"{postcode_sql} as ref_postcode "
                f"from raw.{CHILD_HEALTH}"
            )
            created.add(CHILD_HEALTH_CHILDREN)
    census = contracts.get(SCHOOL_CENSUS)
    if CENSUS_UPNS in wanted and census is not None:
        upn = cols.first_of_kind(census, "upn")
        if table_exists(con, "raw", SCHOOL_CENSUS) and upn:
            # Any census counts: a pupil on roll in any term is known to the council.
            con.execute(
                f"create or replace temp table {CENSUS_UPNS} as select distinct "
                f"upper(trim(cast({cols.quote(upn)} as varchar))) as ref_upn "
                f"from raw.{SCHOOL_CENSUS}"
            )
            created.add(CENSUS_UPNS)
    return created
