"""Precision and recall estimated from reviewers' decisions: the measure a council has.

A council has no truth; its reviewers' decisions (clerical labels) are the only measure of
its linkage it will ever have. For every decided pair this asks what the model said before
the decision was applied (clustering obeys decisions, so judging clusters against them
would be circular): linked if the pair's score reaches the link threshold, or the two
records are one profile. Reviewed pairs come from the review band, so these figures
describe the hard cases, not the average pair: they are lower bounds in spirit, and
comparable between models and nights.
"""

from __future__ import annotations

import duckdb


def decisions_exist(con: duckdb.DuckDBPyConnection, decisions_table: str) -> bool:
    """Whether `decisions_table` (possibly catalog-qualified, e.g. wh.linkage.x) exists."""
    try:
        con.execute(f"SELECT 1 FROM {decisions_table} LIMIT 0")
    except duckdb.CatalogException:
        return False
    return True


def estimate_from_decisions(
    con: duckdb.DuckDBPyConnection,
    decisions_table: str,
    record_map: str,
    pairs_table: str,
    link_threshold: float,
) -> dict:
    """Counts and rates of the model's verdicts on decided pairs (latest decision wins)."""
    if not decisions_exist(con, decisions_table):
        return {"labelled_pairs": 0, "precision": None, "recall": None}
    tp, fp, fn, tn = con.execute(
        f"""
        WITH latest AS (
            SELECT least(record_id_l, record_id_r) AS a, greatest(record_id_l, record_id_r) AS b,
                   decision
            FROM {decisions_table}
            QUALIFY row_number() OVER (PARTITION BY a, b ORDER BY decided_at DESC) = 1
        ),
        verdicts AS (
            SELECT l.decision = 'match' AS is_match,
                   ma.unique_id = mb.unique_id
                   OR coalesce(p.match_probability, 0) >= ? AS model_links
            FROM latest l
            JOIN {record_map} ma ON ma.record_id = l.a
            JOIN {record_map} mb ON mb.record_id = l.b
            LEFT JOIN {pairs_table} p
              ON p.unique_id_l = least(ma.unique_id, mb.unique_id)
             AND p.unique_id_r = greatest(ma.unique_id, mb.unique_id)
        )
        SELECT count(*) FILTER (WHERE is_match AND model_links),
               count(*) FILTER (WHERE NOT is_match AND model_links),
               count(*) FILTER (WHERE is_match AND NOT model_links),
               count(*) FILTER (WHERE NOT is_match AND NOT model_links)
        FROM verdicts
        """,
        [link_threshold],
    ).fetchone()
    return {
        "labelled_pairs": tp + fp + fn + tn,
        "labelled_matches": tp + fn,
        "model_linked_true": tp,
        "model_linked_false": fp,
        "model_missed": fn,
        "model_kept_apart_correctly": tn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall": round(tp / (tp + fn), 4) if tp + fn else None,
    }
