"""Stage one's matching on the council side (orchestration/exchange/match.py), on a small
hand-built council warehouse: a family found through the address a member has left, and
what is counted rather than listed."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.match import known_address_pseudonyms, write_police_households

KEY = ExchangeKey("2016-Q2", bytes(range(32)))
WAREHOUSE = """
create schema intermediate; create schema marts; create schema exchange;
create table intermediate.int_indicator_rules as
    select date '2015-07-01' as window_started_on union all select date '2014-06-30';
create table intermediate.int_household_members (person_id varchar, household_id varchar,
    uprn varchar);
insert into intermediate.int_household_members values
    ('P1', 'HH-100', '100'), ('P2', 'HH-200', '200'), ('P4', 'HH-400', '400');
create table intermediate.int_person_stays (person_id varchar, uprn varchar,
    last_seen_on date);
insert into intermediate.int_person_stays values
    ('P1', '100', date '2016-05-01'), ('P1', '200', date '2015-09-01'),
    ('P1', '500', date '2013-01-01'), ('P2', '200', date '2016-05-01'),
    ('P4', '400', date '2016-05-01');
create table marts.families as select * from (values
    ('F1', 'HH-100', '100'), ('F2', 'HH-200', '200')) as t(family_id, household_id, uprn);
create table intermediate.int_absent_parents (family_id varchar, person_id varchar);
"""


def _listed(*rows: tuple[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (KEY.pseudonym(uprn), [1], ["1A"], [KEY.pseudonym(a) for a in addresses])
            for uprn, addresses in rows
        ],  # fmt: skip
        columns=["pseudonym", "criteria", "indicators", "addresses"],
    )


@pytest.fixture
def council():
    con = duckdb.connect()
    con.execute(WAREHOUSE)
    con.register("exchange_ours", known_address_pseudonyms(con, KEY))
    yield con
    con.close()


def _matches(con, listed: pd.DataFrame) -> tuple[set, dict]:
    con.register("exchange_listed", listed)
    write_police_households(con, "L1")
    found = set(
        con.execute(
            "select pseudonym, family_id, matched_at from exchange.police_households"
        ).fetchall()
    )
    cursor = con.execute("select * from exchange_match_counts")
    counts = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
    return found, counts


def test_a_police_household_at_an_address_a_member_has_left_matches_both_families(council):
    found, counts = _matches(council, _listed(("200", [])))
    assert found == {
        (KEY.pseudonym("200"), "F2", "family address"),
        (KEY.pseudonym("200"), "F1", "former address of a member"),
    }
    assert counts["matched_to_several_families"] == 1


def test_an_address_the_police_recorded_finds_the_family_through_it(council):
    # The police place the person at 600, unknown to the council, but also saw them at 100.
    found, counts = _matches(council, _listed(("600", ["100"])))
    assert found == {(KEY.pseudonym("600"), "F1", "family address")}
    assert counts["not_matched"] == 0 and counts["matched_to_a_family"] == 1


def test_a_stay_older_than_every_window_matches_nothing(council):
    found, counts = _matches(council, _listed(("500", [])))
    assert found == set()
    assert counts["matched_household_without_baseline_child"] == 1


def test_households_the_council_cannot_place_on_a_family_are_counted(council):
    found, counts = _matches(council, _listed(("400", []), ("999", [])))
    assert found == set()
    assert counts["households_listed"] == 2
    assert counts["matched_household_without_baseline_child"] == 1
    assert counts["not_matched"] == 1
