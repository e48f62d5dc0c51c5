"""Link the persons of a police answer to the council's persons, as the nightly links records.

The police records are standardised as the nightly standardises the council's own, added
to the council's kept standardised records, and scored and clustered with the same saved
Splink model, thresholds and reviewers' decisions (linkage/predict.py). A police person
is then the council person whose records share a cluster with theirs: one such person is
`linked`, none is `not linked` (the police know someone the council does not), several
are `ambiguous` (the police records join two council persons: left for review, and no
criterion of theirs is credited). Which family a linked person belongs to is the
council's residence evidence's to say (final.py), not the police household's.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.exchange.warehouse import require_tables
from orchestration.linkage.engine import profile_key_sql
from orchestration.linkage.predict import predict_and_cluster
from orchestration.linkage.settings import LinkageThresholds, model_path
from orchestration.linkage.standardise import standardise_person_records

SCHEMA = "exchange"
STANDARDISED_RECORDS = "linkage.standardised_records"
PERSON_INDEX = "linkage.person_index"
REVIEW_DECISIONS = "linkage.review_decisions"
# Working tables, dropped after linking (the standardiser writes a plain table).
POLICE_STANDARDISED = "exchange_police_std"
LINK_INPUT = "exchange_link_std"
LINK_COLUMNS = ["person_ref", "person_id", "link_status", "council_persons"]


def link_police_persons(
    con: duckdb.DuckDBPyConnection, police_records: pd.DataFrame
) -> pd.DataFrame:
    """Per police person: the council person id they are (or None), the link status, and how
    many council persons their records were clustered with."""
    require_tables(con, STANDARDISED_RECORDS, PERSON_INDEX)
    if police_records.empty:
        return pd.DataFrame(columns=LINK_COLUMNS)
    con.register("exchange_police_in", police_records)
    try:
        standardise_person_records(
            con,
            "exchange_police_in",
            POLICE_STANDARDISED,
            # The police sent only confident UPRNs (answer.py), as the nightly uses.
            uprns="(select record_id, uprn, 'matched' as match_status "
            "from exchange_police_in where uprn is not null)",
        )
        con.execute(
            f"""
            create or replace temp table {LINK_INPUT} as
            select * exclude (input_digest) from {STANDARDISED_RECORDS}
            union all by name
            select *, {profile_key_sql()} as profile_key from {POLICE_STANDARDISED}
            """
        )
        predict_and_cluster(
            con,
            LINK_INPUT,
            model_path(),
            LinkageThresholds.from_env(),
            decisions_table=REVIEW_DECISIONS,
        )
        links = con.execute(
            f"""
            with council_persons as (
                select police.person_ref,
                       -- a police-only cluster: an empty list, not null
                       coalesce(list(distinct persons.person_id) filter (
                           where persons.person_id is not null), []) as person_ids
                from exchange_police_in as police
                inner join lk_record_clusters as own on own.record_id = police.record_id
                inner join lk_record_clusters as clustered using (cluster_key)
                left join {PERSON_INDEX} as persons on persons.record_id = clustered.record_id
                group by police.person_ref
            )
            select person_ref,
                   case when len(person_ids) = 1 then person_ids[1] end as person_id,
                   case len(person_ids) when 0 then 'not linked' when 1 then 'linked'
                        else 'ambiguous' end as link_status,
                   len(person_ids) as council_persons
            from council_persons order by person_ref
            """
        ).df()
    finally:
        con.unregister("exchange_police_in")
        _drop_working_tables(con)
    return links


def _drop_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the prediction's working tables (lk_*, made in the warehouse's main schema or as
    temp tables, as the nightly's are) and ours."""
    for database, table in con.execute(
        "select database_name, table_name from duckdb_tables() "
        "where schema_name = 'main' and database_name in (current_database(), 'temp') "
        "and (table_name like 'lk\\_%' escape '\\' or list_contains(?, table_name))",
        [[POLICE_STANDARDISED, LINK_INPUT]],
    ).fetchall():
        con.execute(f'drop table if exists "{database}"."main"."{table}"')


def write_person_links(
    con: duckdb.DuckDBPyConnection, request_id: str, links: pd.DataFrame
) -> dict[str, int]:
    """Replace `exchange.police_person_links` for one request; counts by link status."""
    con.execute(
        f"""create table if not exists {SCHEMA}.police_person_links (
            request_id varchar, person_ref varchar, person_id varchar, link_status varchar,
            council_persons integer)"""
    )
    con.execute(
        f"alter table {SCHEMA}.police_person_links add column if not exists council_persons integer"
    )
    con.execute(f"delete from {SCHEMA}.police_person_links where request_id = ?", [request_id])
    con.register("exchange_links", links.astype(object))
    try:
        con.execute(
            f"insert into {SCHEMA}.police_person_links by name "
            "select ? as request_id, * from exchange_links",
            [request_id],
        )
    finally:
        con.unregister("exchange_links")
    statuses = links["link_status"].value_counts()
    return {
        f"persons_{status.replace(' ', '_')}": int(statuses.get(status, 0))
        for status in ("linked", "not linked", "ambiguous")
    }
