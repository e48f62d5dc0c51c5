"""Trusted reference data for accuracy and consistency checks, as tables in `quality`.

The agreement asks for "validation of source records against other trusted and/or definitive
sources": the council gazetteer (LLPG) is the definitive list of addresses and postcodes, and
child health registrations are the definitive list of resident children. Each reference is
built from its source's raw table and kept in the warehouse (`quality.ref_*`) with a
fingerprint of the loads it was built from (`quality.reference_builds`): every Dagster check
opens its own connection, and rebuilding the references per dataset cost more than
validating most datasets. A new load of the source (load ids come from the file's checksum,
so a load id names one set of rows) or a change to the SQL rebuilds it; otherwise it is
reused. The tables hold match keys (normalised postcodes, address and name keys, birth
dates) derived from raw tables in the same warehouse, under the same access controls.
Reference columns are named `ref_*`: DuckDB resolves names without regard to case, so a
reference column `dob` would capture a record's `DOB` inside a correlated subquery.
"""

from __future__ import annotations

from typing import Any

from orchestration.quality import columns as cols
from orchestration.quality.identifiers import sql_normalise_postcode

GAZETTEER = "council_gis__gazetteer"
CHILD_HEALTH = "nhs__child_health"

GAZETTEER_POSTCODES = "quality.ref_gazetteer_postcodes"
GAZETTEER_ADDRESSES = "quality.ref_gazetteer_addresses"
# Sub-building designations ("First Floor Flat", "Flat 3") at each postcode: an address held
# as only its first line can be no more than this, and cannot show its house and street.
GAZETTEER_SUB_BUILDINGS = "quality.ref_gazetteer_sub_buildings"
CHILD_HEALTH_CHILDREN = "quality.ref_child_health_children"
# Each registration with the span of extract dates its snapshot speaks for: from the
# previous snapshot's date to the next one's (open-ended at both ends). An extract between two
# snapshots is compared with both: a family that moved after the earlier snapshot shows its
# new address in the later one, while an address a source never updated is in neither.
CHILD_HEALTH_AS_AT = "quality.ref_child_health_as_at"
SCHOOL_CENSUS = "council_education__school_census"
CENSUS_UPNS = "quality.ref_census_upns"
BUILDS = "quality.reference_builds"


def sql_address_key(column_sql: str) -> str:
    """Upper-case letters and digits only: '12, Acacia Rd.' and '12 ACACIA RD' agree."""
    return f"upper(regexp_replace(cast({column_sql} as varchar), '[^A-Za-z0-9]', '', 'g'))"


def sql_name_key(column_sql: str) -> str:
    """Letters only, upper case: hyphens, apostrophes and spaces do not decide a match."""
    return f"nullif(upper(regexp_replace(cast({column_sql} as varchar), '[^A-Za-z]', '', 'g')), '')"


def sql_full_name_key(column_sql: str) -> str:
    """A whole name in one field, its words sorted: 'SMITH, John' and 'John Smith' agree."""
    words = (
        f"string_split(regexp_replace(upper(cast({column_sql} as varchar)), '[^A-Z]+', ' ', 'g'), "
        "' ')"
    )
    return f"nullif(array_to_string(list_sort(list_filter({words}, w -> w <> '')), ' '), '')"


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


def _source_state(con: Any, table: str) -> str:
    """The loads a reference is built from: one scan of the load id column."""
    row = con.execute(
        f"select count(*), string_agg(distinct cast(_load_id as varchar), ',' "
        f"order by cast(_load_id as varchar)) from raw.{cols.quote(table)}"
    ).fetchone()
    return f"{row[0]}:{row[1]}"


def _materialise(con: Any, name: str, sql: str, state: str) -> None:
    """`create table name as sql`, unless the same SQL was already run on the same loads."""
    import hashlib

    fingerprint = hashlib.sha256(f"{state}\n{sql}".encode()).hexdigest()
    con.execute(
        f"create schema if not exists quality; create table if not exists {BUILDS} "
        "(name varchar, fingerprint varchar, built_at timestamp)"
    )
    schema, table = name.split(".")
    row = con.execute(f"select fingerprint from {BUILDS} where name = ?", [name]).fetchone()
    if row and row[0] == fingerprint and table_exists(con, schema, table):
        return
    con.execute(f"create or replace table {name} as {sql}")
    con.execute(f"delete from {BUILDS} where name = ?", [name])
    con.execute(f"insert into {BUILDS} values (?, ?, current_timestamp)", [name, fingerprint])


def build_references(con: Any, contracts: dict[str, Any], wanted: set[str]) -> set[str]:
    """Create (or reuse) the wanted reference tables their sources allow; returns those ready."""
    created: set[str] = set()
    gazetteer = contracts.get(GAZETTEER)
    wants_gazetteer = bool(
        wanted & {GAZETTEER_POSTCODES, GAZETTEER_ADDRESSES, GAZETTEER_SUB_BUILDINGS}
    )
    if wants_gazetteer and gazetteer is not None and table_exists(con, "raw", GAZETTEER):
        postcode = cols.postcode_column(gazetteer)
        line_sql = cols.gazetteer_address_sql(gazetteer)
        where = _latest_load_filter(GAZETTEER)
        state = _source_state(con, GAZETTEER)
        if postcode:
            pc = sql_normalise_postcode(cols.quote(postcode))
            _materialise(
                con,
                GAZETTEER_POSTCODES,
                f"select distinct {pc} as ref_postcode from raw.{GAZETTEER} where {where}",
                state,
            )
            created.add(GAZETTEER_POSTCODES)
            sub_building = cols.by_name(gazetteer, r"^SAO_TEXT$")
            if sub_building:
                sao = sql_address_key(cols.quote(sub_building))
                _materialise(
                    con,
                    GAZETTEER_SUB_BUILDINGS,
                    f"select distinct {pc} as ref_postcode, {sao} as ref_sub_building_key "
                    f"from raw.{GAZETTEER} where {where} and nullif({sao}, '') is not null",
                    state,
                )
                created.add(GAZETTEER_SUB_BUILDINGS)
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
                _materialise(
                    con,
                    GAZETTEER_ADDRESSES,
                    f"select * from (select {pc} as ref_postcode, {key} as ref_line_key "
                    f"from raw.{GAZETTEER} where {where}{name_keys}) where ref_line_key <> ''",
                    state,
                )
                created.add(GAZETTEER_ADDRESSES)
    child_health = contracts.get(CHILD_HEALTH)
    keys = _child_health_keys_sql(child_health) if child_health is not None else None
    if keys and table_exists(con, "raw", CHILD_HEALTH):
        if CHILD_HEALTH_CHILDREN in wanted:
            # Every child-health snapshot counts: a pupil registered at any extract is known.
            _materialise(
                con,
                CHILD_HEALTH_CHILDREN,
                f"select distinct {keys} from raw.{CHILD_HEALTH}",
                _source_state(con, CHILD_HEALTH),
            )
            created.add(CHILD_HEALTH_CHILDREN)
        if CHILD_HEALTH_AS_AT in wanted:
            _materialise(
                con,
                CHILD_HEALTH_AS_AT,
                f"with snapshots as (select d, coalesce(lag(d) over (order by d), "
                f"date '1900-01-01') as ref_from, coalesce(lead(d) over (order by d), "
                f"date '9999-12-31') as ref_to from (select distinct cast(_extract_date as date) "
                f"as d from raw.{CHILD_HEALTH})) "
                f"select distinct {keys}, s.ref_from, s.ref_to from raw.{CHILD_HEALTH} r "
                "join snapshots s on cast(r._extract_date as date) = s.d",
                _source_state(con, CHILD_HEALTH),
            )
            created.add(CHILD_HEALTH_AS_AT)
    census = contracts.get(SCHOOL_CENSUS)
    if CENSUS_UPNS in wanted and census is not None:
        upn = cols.first_of_kind(census, "upn")
        if table_exists(con, "raw", SCHOOL_CENSUS) and upn:
            # Any census counts: a pupil on roll in any term is known to the council.
            _materialise(
                con,
                CENSUS_UPNS,
                f"select distinct upper(trim(cast({cols.quote(upn)} as varchar))) as ref_upn "
                f"from raw.{SCHOOL_CENSUS}",
                _source_state(con, SCHOOL_CENSUS),
            )
            created.add(CENSUS_UPNS)
    return created


def _child_health_keys_sql(child_health) -> str | None:
    """The select list of child-health match keys (DOB, name keys, postcode); None without a DOB."""
    dob = cols.first_of_kind(child_health, "date_of_birth")
    if not dob:
        return None
    surname = cols.surname_column(child_health)
    forename = cols.first_name_column(child_health)
    postcode = cols.postcode_column(child_health)
    surname_sql = sql_name_key(cols.quote(surname)) if surname else "null"
    forename_sql = sql_name_key(cols.quote(forename)) if forename else "null"
    postcode_sql = sql_normalise_postcode(cols.quote(postcode)) if postcode else "null"
    return (
        f"try_cast({cols.quote(dob)} as date) as ref_dob, {surname_sql} as ref_surname_key, "
        f"{forename_sql} as ref_forename_key, {postcode_sql} as ref_postcode"
    )
