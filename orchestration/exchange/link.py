"""Link the persons of a police answer to members of the council family they belong to.

The household is already known (the pseudonym stood for the family's UPRN), so a person
is linked within it only: to the one council member with the same date of birth and the
same first name or surname on any of their records. None or several such members leave
the police person unlinked or ambiguous, for the coordinator to review; nothing is merged.
"""

from __future__ import annotations

import duckdb

from orchestration.exchange.warehouse import HOUSEHOLD_MEMBERS

SCHEMA = "exchange"
PERSON_RECORDS = "intermediate.int_person_records"
RECORD_PERSONS = "intermediate.int_record_persons"


def link_police_persons(con: duckdb.DuckDBPyConnection, request_id: str) -> int:
    """Write `exchange.police_person_links` for one request; returns how many were linked."""
    con.execute(
        f"""create table if not exists {SCHEMA}.police_person_links (
            request_id varchar, family_id varchar, person_ref varchar,
            person_id varchar, link_status varchar)"""
    )
    con.execute(f"delete from {SCHEMA}.police_person_links where request_id = ?", [request_id])
    con.execute(
        f"""
        insert into {SCHEMA}.police_person_links
        with council_names as (
            select distinct members.uprn, members.person_id, records.dob,
                   upper(trim(records.first_name)) as first_name,
                   upper(trim(records.surname)) as surname
            from {HOUSEHOLD_MEMBERS} as members
            inner join {RECORD_PERSONS} as record_persons using (person_id)
            inner join {PERSON_RECORDS} as records using (record_id)
        ),
        candidates as (
            select police.family_id, police.person_ref,
                   list(distinct council.person_id) filter (where council.person_id is not null)
                       as person_ids
            from {SCHEMA}.police_persons as police
            left join council_names as council
                on council.uprn = police.uprn
                and council.dob = police.dob
                and (council.first_name = upper(trim(police.first_name))
                     or council.surname = upper(trim(police.surname)))
            where police.request_id = ?
            group by police.family_id, police.person_ref
        )
        select ?, family_id, person_ref,
               case when len(person_ids) = 1 then person_ids[1] end,
               case len(person_ids) when 0 then 'not linked' when 1 then 'linked'
                    else 'ambiguous' end
        from candidates
        """,
        [request_id, request_id],
    )
    return con.execute(
        f"select count(*) from {SCHEMA}.police_person_links "
        "where request_id = ? and link_status = 'linked'",
        [request_id],
    ).fetchone()[0]
