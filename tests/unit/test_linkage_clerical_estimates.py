"""Precision and recall from reviewers' decisions judge the model's verdict, not clusters."""

from __future__ import annotations

from datetime import datetime

import duckdb

from orchestration.linkage.clerical_estimates import estimate_from_decisions


def test_model_verdicts_on_decided_pairs_give_precision_and_recall():
    con = duckdb.connect()
    con.execute(
        """CREATE TABLE record_map AS SELECT * FROM (VALUES
            ('a', 1), ('b', 2), ('c', 3), ('d', 4), ('e', 5), ('f', 5))
            t(record_id, unique_id)"""
    )
    con.execute(
        """CREATE TABLE pairs AS SELECT * FROM (VALUES
            (1, 2, 0.95), (3, 4, 0.95), (1, 3, 0.6))
            t(unique_id_l, unique_id_r, match_probability)"""
    )
    con.execute(
        "CREATE TABLE decisions (record_id_l VARCHAR, record_id_r VARCHAR, decision VARCHAR, "
        "decided_at TIMESTAMP)"
    )
    early, late = datetime(2026, 1, 1), datetime(2026, 2, 1)
    con.executemany(
        "INSERT INTO decisions VALUES (?, ?, ?, ?)",
        [
            ("a", "b", "match", early),  # linked, right
            ("d", "c", "non_match", early),  # linked, wrong (order of ids does not matter)
            ("a", "c", "non_match", early),  # later overturned: a match the model missed
            ("a", "c", "match", late),
            ("e", "f", "match", early),  # one profile: linked by construction
            ("b", "d", "non_match", early),  # never scored: kept apart, right
        ],
    )
    result = estimate_from_decisions(con, "decisions", "record_map", "pairs", 0.9)
    assert result["labelled_pairs"] == 5 and result["labelled_matches"] == 3
    assert (result["model_linked_true"], result["model_linked_false"]) == (2, 1)
    assert result["model_missed"] == 1 and result["model_kept_apart_correctly"] == 1
    assert result["precision"] == round(2 / 3, 4) and result["recall"] == round(2 / 3, 4)


def test_no_decisions_table_means_no_estimate():
    con = duckdb.connect()
    assert (
        estimate_from_decisions(con, "linkage.review_decisions", "m", "p", 0.9)["precision"] is None
    )
