"""Stage two's final list: which family a police person's criteria count for
(orchestration/exchange/final.py), on a small hand-built council warehouse.

Family F1 lives at UPRN 100; its member P1 lived at 200 before, where the police last saw
him. Family F2 lives at 200 now; stage one's household list gave it police criterion 6.
The police answer for their household at 200 holds P1
(linked to the council's P1), a resident the council does not know (R2), and a person whose
records join two council persons (R3). P3 is F1's absent parent, with police hits on two
criteria.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.exchange.final import write_final_list

WAREHOUSE = """
create schema intermediate; create schema marts; create schema exchange;
create table intermediate.int_run_parameters as
    select 'FF2015' as rule_set_version, date '2016-06-30' as as_at_date, 2 as min_criteria;
create table intermediate.int_household_members (person_id varchar, household_id varchar,
    uprn varchar);
insert into intermediate.int_household_members values
    ('P1', 'HH-100', '100'), ('C1', 'HH-100', '100'), ('P2', 'HH-200', '200'),
    ('C2', 'HH-200', '200'), ('P3', 'HH-300', '300');
create table marts.families as select * from (values
    ('F1', 'HH-100', '100'), ('F2', 'HH-200', '200')) as t(family_id, household_id, uprn);
create table intermediate.int_absent_parents as select 'F1' as family_id, 'P3' as person_id;
create table intermediate.int_family_indicator_events as
    select 'F1' as family_id, 2 as criterion_code, '2A' as indicator_code,
           false as is_absent_parent;
create table marts.family_criteria as
    select family_id, uprn, criterion_code, family_id = 'F1' and criterion_code = 2 as is_met,
           'FF2015' as rule_set_version, date '2016-06-30' as as_at_date
    from marts.families, range(1, 7) as r(criterion_code);
create table exchange.combined_families as select family_id, 'L2' as exchange_id,
    true as could_enter from marts.families;
create table exchange.combined_family_criteria as
    select family_id, criterion_code, family_id = 'F2' and criterion_code = 6 as is_met_by_police
    from marts.families, range(1, 7) as r(criterion_code);
create table exchange.requested_households as select * from (values
    ('Q2', 'pseudo-200', 'F1', '200', 'L2'), ('Q2', 'pseudo-200', 'F2', '200', 'L2'),
    ('Q1', 'pseudo-200', 'F2', '200', 'L1'))
    as t(request_id, pseudonym, family_id, uprn, list_id);
create table exchange.police_persons as select * from (values
    ('Q2', 'pseudo-200', '200', 'R1'), ('Q2', 'pseudo-200', '200', 'R2'),
    ('Q2', 'pseudo-200', '200', 'R3'), ('Q2', 'pseudo-200', '200', 'R4'),
    ('Q1', 'pseudo-200', '200', 'R1')) as t(request_id, household, uprn, person_ref);
create table exchange.police_person_links as select * from (values
    ('Q2', 'R1', 'P1', 'linked'), ('Q2', 'R2', null, 'not linked'),
    ('Q2', 'R3', null, 'ambiguous'), ('Q2', 'R4', 'P3', 'linked'),
    ('Q1', 'R1', null, 'not linked')) as t(request_id, person_ref, person_id, link_status);
create table exchange.police_evidence as select * from (values
    ('Q2', 'R1', 1, '1A'), ('Q2', 'R2', 5, '5A'), ('Q2', 'R3', 6, '6A'),
    ('Q2', 'R4', 3, '3A'), ('Q2', 'R4', 4, '4A'), ('Q1', 'R1', 6, '6B'))
    as t(request_id, person_ref, criterion_code, indicator_code);
"""


@pytest.fixture
def council():
    con = duckdb.connect()
    con.execute(WAREHOUSE)
    yield con
    con.close()


def _met(con) -> set[tuple[str, int]]:
    return set(
        con.execute(
            "select family_id, criterion_code from exchange.final_family_criteria where is_met"
        ).fetchall()
    )


def test_a_movers_police_criterion_counts_for_the_family_he_lives_with_now(council):
    write_final_list(council)
    met = _met(council)
    assert ("F1", 1) in met  # P1 lives at 100 on the council's evidence
    assert ("F2", 1) not in met  # not for the family now living where the police saw him


def test_a_person_the_council_does_not_know_counts_where_the_police_place_them(council):
    write_final_list(council)
    assert ("F2", 5) in _met(council)


def test_an_ambiguous_link_credits_nothing(council):
    write_final_list(council)
    assert not {criterion for _, criterion in _met(council)} & {6}


def test_an_absent_parent_counts_for_one_problem_only(council):
    write_final_list(council)
    met = _met(council)
    assert ("F1", 3) in met and ("F1", 4) not in met


def test_only_answers_to_the_current_list_count_and_eligibility_follows(council):
    counts = write_final_list(council)
    assert _met(council) == {("F1", 1), ("F1", 2), ("F1", 3), ("F2", 5)}
    eligible = council.execute(
        "select family_id from exchange.final_families where is_eligible"
    ).fetchall()
    assert eligible == [("F1",)]
    assert counts["final_families_eligible"] == 1
    assert counts["final_eligible_only_with_police_criteria"] == 1


def test_a_person_placed_in_a_family_not_selected_is_counted_not_credited(council):
    council.execute("delete from exchange.requested_households where family_id = 'F1'")
    counts = write_final_list(council)
    assert ("F1", 1) not in _met(council)
    assert counts["persons_placed_in_a_family_not_selected"] == 2  # R1 (member), R4 (absent)


def test_before_any_answer_the_final_list_is_the_councils_own(council):
    for table in ("police_evidence", "police_persons", "police_person_links"):
        council.execute(f"drop table exchange.{table}")
    write_final_list(council)
    assert _met(council) == {("F1", 2)}


def test_a_family_not_selected_keeps_stage_ones_household_criteria(council):
    """No person-level details come for it, so what stage one said stands, and no more."""
    council.execute("delete from exchange.requested_households where family_id = 'F2'")
    write_final_list(council)
    met = _met(council)
    assert ("F2", 6) in met  # stage one's household-level police criterion
    assert ("F2", 5) not in met  # R2's person-level evidence is not credited to it
    assert ("F1", 1) in met and ("F1", 6) not in met  # F1, selected, is confirmed by persons
