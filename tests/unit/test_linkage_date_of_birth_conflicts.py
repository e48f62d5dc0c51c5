"""Dates of birth a generation apart keep two profiles out of one person; a slipped digit
does not."""

from __future__ import annotations

import duckdb

from orchestration.linkage.clustering import constrained_clusters
from orchestration.linkage.date_of_birth_conflicts import (
    date_of_birth_conflicts,
    generation_gap_means_two_people,
)
from orchestration.linkage.settings import UNTRAINED_M_PROBABILITY


def _tables(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, str | None, int]]) -> None:
    """rows: (unique_id, date of birth, component root)."""
    con.execute("CREATE TABLE profiles (unique_id BIGINT, dob DATE, dob_str VARCHAR)")
    con.execute("CREATE TABLE roots (unique_id BIGINT, root BIGINT)")
    for unique_id, dob, root in rows:
        con.execute("INSERT INTO profiles VALUES (?, ?::DATE, ?)", [unique_id, dob, dob])
        con.execute("INSERT INTO roots VALUES (?, ?)", [unique_id, root])


def test_a_mother_and_daughter_of_one_name_in_one_component_conflict():
    con = duckdb.connect()
    _tables(con, [(1, "1971-04-02", 1), (2, "1997-08-19", 1), (3, "1997-08-19", 1)])
    assert date_of_birth_conflicts(con, "profiles", "roots") == [(1, 2), (1, 3)]


def test_transcription_slips_are_left_to_the_model():
    con = duckdb.connect()
    _tables(
        con,
        [
            # A wrong last digit of the year (within 9 years): the model weighs it.
            (1, "1985-03-12", 1),
            (2, "1988-03-12", 1),
            # A wrong decade digit alone is one character: a slip, however many years.
            (3, "1985-03-12", 3),
            (4, "1965-03-12", 3),
            # A wrong century (a two-digit year read in the wrong century): same day,
            # month and year within the century.
            (5, "2001-06-30", 5),
            (6, "1901-06-30", 5),
            # A missing date of birth conflicts with nothing.
            (7, "1950-01-01", 7),
            (8, None, 7),
            # Far apart, but in different components: nothing to keep apart.
            (9, "1950-02-02", 9),
            (10, "1990-02-02", 10),
        ],
    )
    assert date_of_birth_conflicts(con, "profiles", "roots") == []


def test_the_parent_is_split_at_the_weakest_link_unless_a_reviewer_joined_them():
    # Edges strongest first: the daughter's two records, then the weak bridge to the mother.
    edges = [(2, 3), (1, 2)]
    roots = constrained_clusters(edges, cannot_link=[], soft_cannot_link=[(1, 2), (1, 3)])
    assert roots[2] == roots[3] and roots[1] != roots[2]
    joined = constrained_clusters(edges, [], forced=[(1, 2)], soft_cannot_link=[(1, 2), (1, 3)])
    assert joined[1] == joined[2]


def _model(far_apart_m: float) -> dict:
    return {
        "comparisons": [
            {
                "output_column_name": "dob",
                "comparison_levels": [
                    {"is_null_level": True},
                    {"m_probability": 0.97},
                    {"m_probability": 0.03 - far_apart_m},
                    {"m_probability": far_apart_m},
                ],
            }
        ]
    }


def test_the_rule_holds_only_where_training_found_such_dates_among_true_matches_rarely():
    # Never observed among the training's true matches (the nightly model on the city).
    assert generation_gap_means_two_people(_model(UNTRAINED_M_PROBABILITY))
    assert generation_gap_means_two_people(_model(0.0004))
    # Files where dates are replaced outright (FEBRL: 3.5% of true pairs): the model weighs it.
    assert not generation_gap_means_two_people(_model(0.035))
    assert not generation_gap_means_two_people({"comparisons": []})
