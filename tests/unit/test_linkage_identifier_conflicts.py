"""Strong identifiers that disagree keep two profiles out of one person."""

from __future__ import annotations

import duckdb

from orchestration.linkage.clustering import constrained_clusters
from orchestration.linkage.identifier_conflicts import identifier_conflicts


def _tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE profiles AS SELECT * FROM (VALUES
            (1, '9434765919', NULL, NULL), (2, '9434765870', NULL, NULL),
            (3, NULL, NULL, NULL), (4, '9434765919', 'A123', NULL),
            (5, NULL, 'A999', NULL), (6, NULL, 'A999', NULL),
            (7, NULL, 'K80190031640U', NULL))
            t(unique_id, nhs_number, upn, ni_number)"""
    )
    # One component holding both twins (1, 2) through a record without identifiers (3),
    # and a component whose profiles share a UPN, one also holding a temporary UPN (one
    # pupil may hold both).
    con.execute(
        """CREATE TABLE roots AS SELECT * FROM (VALUES
            (1, 1), (2, 1), (3, 1), (4, 1), (5, 5), (6, 5), (7, 5)) t(unique_id, root)"""
    )


def test_profiles_with_different_nhs_numbers_or_upns_in_one_component_conflict():
    con = duckdb.connect()
    _tables(con)
    assert identifier_conflicts(con, "profiles", "roots") == [(1, 2), (2, 4)]


def test_twins_chained_through_a_record_without_identifiers_are_split_at_the_weakest_link():
    # Edges strongest first: each twin to her own records, the chain through 3 last.
    edges = [(1, 4), (2, 3), (1, 3)]
    roots = constrained_clusters(edges, cannot_link=[], soft_cannot_link=[(1, 2), (2, 4)])
    assert roots[1] == roots[4] and roots[2] == roots[3] and roots[1] != roots[2]
    # A reviewer's match joins them all the same.
    joined = constrained_clusters(edges, [], forced=[(1, 2)], soft_cannot_link=[(1, 2)])
    assert joined[1] == joined[2]
