"""Council side of stage one: which of its families each listed police household may concern.

A listed household matches a family when its own pseudonym, or the pseudonym of an address
its members were recorded at within the rule set's windows, is the pseudonym of the
family's address or of an address where a member of the family (or an absent parent of
it) was recorded within those windows. So a family that moved after the police last saw
one of its members is still found, through the address it left. A match is a candidate
only: a former resident's record matches whoever lives there now, and a UPRN shared by
several households cannot say whose record it is. Stage two decides, person by person.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.warehouse import HOUSEHOLD_MEMBERS, require_tables

SCHEMA = "exchange"
FAMILIES = "marts.families"
PERSON_STAYS = "intermediate.int_person_stays"
ABSENT_PARENTS = "intermediate.int_absent_parents"
INDICATOR_RULES = "intermediate.int_indicator_rules"
# Households, not families: a lodger's household has no child, so no family, but shares the
# address and may be whom the police list speaks of.
HOUSEHOLDS_AT_UPRN = (
    f"select uprn, count(distinct household_id) as households_at_uprn "
    f"from {HOUSEHOLD_MEMBERS} group by uprn"
)


def known_address_pseudonyms(con: duckdb.DuckDBPyConnection, key: ExchangeKey) -> pd.DataFrame:
    """Every UPRN this warehouse places anyone at, now or before (columns uprn, pseudonym).

    Computed in Python, so the secret never enters SQL text or a query log.
    """
    require_tables(con, HOUSEHOLD_MEMBERS, PERSON_STAYS)
    uprns = [
        uprn
        for (uprn,) in con.execute(
            f"""select uprn from {HOUSEHOLD_MEMBERS} where uprn is not null
                union select uprn from {PERSON_STAYS} where uprn is not null order by 1"""
        ).fetchall()
    ]
    return pd.DataFrame(
        {"uprn": uprns, "pseudonym": [key.pseudonym(uprn) for uprn in uprns]},
        columns=["uprn", "pseudonym"],
    ).astype({"uprn": "str", "pseudonym": "str"})


def _family_addresses_sql() -> str:
    """family_id, uprn, is_family_address: the family's address and its members' and absent
    parents' addresses within the earliest window of the rule set."""
    return f"""
        with opened as (select min(window_started_on) as opened_on from {INDICATOR_RULES}),
        people as (
            select families.family_id, members.person_id
            from {FAMILIES} as families
            inner join {HOUSEHOLD_MEMBERS} as members
                on members.household_id = families.household_id
            union
            select family_id, person_id from {ABSENT_PARENTS}
        ),
        addresses as (
            select family_id, uprn, true as is_family_address from {FAMILIES}
            union all
            select people.family_id, stays.uprn, false
            from people
            inner join {PERSON_STAYS} as stays on stays.person_id = people.person_id
            cross join opened
            where stays.last_seen_on >= opened.opened_on
        )
        select family_id, uprn, bool_or(is_family_address) as is_family_address
        from addresses group by family_id, uprn
    """


def write_police_households(con: duckdb.DuckDBPyConnection, exchange_id: str) -> None:
    """`exchange.police_households`: each (listed household, family) candidate match, with
    the police criteria; and the temp table `exchange_match_counts`.

    Reads the registered frames `exchange_listed` (pseudonym, criteria, indicators,
    addresses) and `exchange_ours` (known_address_pseudonyms).
    """
    require_tables(con, FAMILIES, ABSENT_PARENTS, INDICATOR_RULES)
    con.execute(
        """
        create or replace temp table exchange_listed_addresses as
        select pseudonym, unnest(list_prepend(pseudonym, addresses)) as address_pseudonym
        from exchange_listed
        """
    )
    con.execute(
        f"""
        create or replace table {SCHEMA}.police_households as
        with family_addresses as ({_family_addresses_sql()}),
        matches as (
            select listed.pseudonym, family_addresses.family_id,
                   bool_or(family_addresses.is_family_address) as at_family_address
            from exchange_listed_addresses as listed
            inner join exchange_ours as ours on ours.pseudonym = listed.address_pseudonym
            inner join family_addresses on family_addresses.uprn = ours.uprn
            group by listed.pseudonym, family_addresses.family_id
        )
        select ?::varchar as exchange_id, matches.pseudonym, families.family_id,
               families.household_id, families.uprn,
               listed.criteria::integer[] as police_criteria,
               listed.indicators::varchar[] as police_indicator_codes,
               case when matches.at_family_address then 'family address'
                    else 'former address of a member' end as matched_at,
               households.households_at_uprn > 1 as is_shared_address
        from matches
        inner join exchange_listed as listed on listed.pseudonym = matches.pseudonym
        inner join {FAMILIES} as families on families.family_id = matches.family_id
        inner join ({HOUSEHOLDS_AT_UPRN}) as households on households.uprn = families.uprn
        """,
        [exchange_id],
    )
    con.execute(
        f"""
        create or replace temp table exchange_match_counts as
        with per_household as (
            select listed.pseudonym,
                   ours.uprn is not null as is_known_address,
                   count(police.family_id) as families,
                   count(police.family_id) filter (where police.matched_at = 'family address')
                       as at_family_address,
                   count(police.family_id) filter (where police.is_shared_address)
                       as at_shared_address
            from exchange_listed as listed
            left join exchange_ours as ours on ours.pseudonym = listed.pseudonym
            left join {SCHEMA}.police_households as police on police.pseudonym = listed.pseudonym
            group by listed.pseudonym, ours.uprn
        )
        select
            count(*) as households_listed,
            count(*) filter (where families > 0) as matched_to_a_family,
            count(*) filter (where families > 1) as matched_to_several_families,
            count(*) filter (where families > 0 and at_family_address = 0)
                as matched_only_at_a_former_address,
            count(*) filter (where at_shared_address > 0) as matched_to_a_shared_address,
            count(*) filter (where families = 0 and is_known_address)
                as matched_household_without_baseline_child,
            count(*) filter (where families = 0 and not is_known_address) as not_matched
        from per_household
        """
    )
    con.execute("drop table exchange_listed_addresses")
