"""Stable person ids across reruns, and the merges and splits recorded when clusters change."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.linkage.person_index import assign_stable_ids


@pytest.fixture()
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _run(con, clusters: dict[str, list[str]], run_id: str) -> dict[str, str]:
    """Assign ids for clusters {cluster_key: [record ids]}; return record -> person id."""
    con.execute("CREATE OR REPLACE TABLE clusters (record_id VARCHAR, cluster_key VARCHAR)")
    con.executemany(
        "INSERT INTO clusters VALUES (?, ?)",
        [(r, key) for key, records in clusters.items() for r in records],
    )
    assign_stable_ids(con, "clusters", run_id, datetime(2016, 1, 1, tzinfo=UTC))
    return dict(con.execute("SELECT record_id, person_id FROM linkage.person_index").fetchall())


def _history(con, run_id):
    return sorted(
        con.execute(
            "SELECT event, person_id, other_person_id FROM linkage.person_id_history "
            "WHERE run_id = ?",
            [run_id],
        ).fetchall()
    )


def test_rerun_with_same_clusters_keeps_every_id(con):
    first = _run(con, {"a": ["a", "b"], "c": ["c"]}, "run1")
    second = _run(con, {"a": ["a", "b"], "c": ["c"]}, "run2")
    assert first == second
    assert first["a"] == first["b"] != first["c"]
    assert _history(con, "run2") == []


def test_cluster_key_changes_do_not_change_ids(con):
    # The cluster key is the smallest record id: a new record "0" changes it, not the id.
    first = _run(con, {"a": ["a", "b"]}, "run1")
    second = _run(con, {"0": ["0", "a", "b"]}, "run2")
    assert second["a"] == second["0"] == first["a"]
    assert _history(con, "run2") == []


def test_new_records_get_new_ids_and_old_ones_keep_theirs(con):
    first = _run(con, {"a": ["a"], "b": ["b"]}, "run1")
    second = _run(con, {"a": ["a"], "b": ["b"], "z": ["z"]}, "run2")
    assert second["a"] == first["a"] and second["b"] == first["b"]
    assert second["z"] not in set(first.values())
    assert _history(con, "run2") == [("created", second["z"], None)]


def test_merge_keeps_the_larger_id_and_records_the_merge(con):
    first = _run(con, {"a": ["a", "b"], "c": ["c"]}, "run1")
    second = _run(con, {"a": ["a", "b", "c"]}, "run2")
    assert set(second.values()) == {first["a"]}
    assert _history(con, "run2") == [("merged", first["c"], first["a"])]


def test_split_keeps_the_id_for_the_larger_part_and_records_the_split(con):
    first = _run(con, {"a": ["a", "b", "c"]}, "run1")
    second = _run(con, {"a": ["a", "b"], "c": ["c"]}, "run2")
    assert second["a"] == second["b"] == first["a"]
    assert second["c"] != first["a"]
    assert _history(con, "run2") == [("split", second["c"], first["a"])]


def test_retired_ids_are_never_reissued(con):
    first = _run(con, {"a": ["a"], "b": ["b"]}, "run1")
    _run(con, {"a": ["a"]}, "run2")
    third = _run(con, {"a": ["a"], "x": ["x"]}, "run3")
    assert ("retired", first["b"], None) in _history(con, "run2")
    assert third["x"] not in set(first.values())


def test_cluster_size_counts_records_of_the_person(con):
    _run(con, {"a": ["a", "b", "c"], "d": ["d"]}, "run1")
    sizes = dict(con.execute("SELECT record_id, cluster_size FROM linkage.person_index").fetchall())
    assert sizes == {"a": 3, "b": 3, "c": 3, "d": 1}
