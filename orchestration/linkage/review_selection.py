"""Which uncertain pairs go to clerical review, with their evidence per field."""

from __future__ import annotations

from orchestration.linkage.model import level_label_sql
from orchestration.linkage.run_state import LinkageRun


def review_candidates(run: LinkageRun, decisions_table: str | None) -> int:
    """Representative record pairs in the uncertainty band whose decision would change a
    person, minus pairs already decided. Writes lk_review_candidates; returns the number of
    band pairs before that selection (for the run summary)."""
    con, thresholds, t = run.con, run.thresholds, run.tables
    evidence_parts = [
        f"'{name}', json_object('level', {case}, 'bayes_factor', round(p.bf_{name}, 3))"
        for name, case in level_label_sql(con, t.pairs, run.model).items()
    ]
    evidence = f"json_object({', '.join(evidence_parts)})" if evidence_parts else "NULL"
    excluded = (
        f"""ANTI JOIN {decisions_table} d
            ON least(d.record_id_l, d.record_id_r) = least(c.record_id_l, c.record_id_r)
           AND greatest(d.record_id_l, d.record_id_r) = greatest(c.record_id_l, c.record_id_r)"""
        if decisions_table
        else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {t.review_candidates} AS
        WITH reps AS (
            SELECT unique_id, min(record_id) AS record_id FROM {t.record_map} GROUP BY unique_id
        ),
        cluster AS (
            SELECT m.unique_id, any_value(c.cluster_key) AS cluster_key
            FROM {t.record_map} m JOIN {t.record_clusters} c USING (record_id) GROUP BY 1
        ),
        candidates AS (
            SELECT least(rl.record_id, rr.record_id) AS record_id_l,
                   greatest(rl.record_id, rr.record_id) AS record_id_r,
                   p.match_probability, p.match_weight, {evidence} AS evidence,
                   cl.cluster_key = cr.cluster_key AS same_person, cl.cluster_key
            FROM {t.pairs} p
            JOIN reps rl ON rl.unique_id = p.unique_id_l
            JOIN reps rr ON rr.unique_id = p.unique_id_r
            JOIN cluster cl ON cl.unique_id = p.unique_id_l
            JOIN cluster cr ON cr.unique_id = p.unique_id_r
            WHERE p.match_probability >= {thresholds.review_low}
              AND p.match_probability < {thresholds.review_high}
              AND ({thresholds.review_scope == "all"} OR cl.cluster_key = cr.cluster_key)
        ),
        undecided AS (SELECT c.* FROM candidates c {excluded}),
        -- Where a decision is likely to change a person (settings.REVIEW_SCOPES): in each
        -- person holding band pairs, the weakest of them, the likeliest false merge (a
        -- "not a match" splits the person, and the run after offers the next pair if one
        -- is still in doubt); with scope "all", also every band pair left in different
        -- persons (a "match" merges them).
        chosen AS (
            SELECT * EXCLUDE (same_person, cluster_key) FROM undecided
            QUALIFY NOT same_person OR row_number() OVER (
                PARTITION BY cluster_key, same_person
                ORDER BY match_probability, record_id_l, record_id_r) = 1
        )
        SELECT * FROM chosen
        """
    )
    return con.execute(
        f"SELECT count(*) FROM {t.pairs} WHERE match_probability >= ? AND match_probability < ?",
        [thresholds.review_low, thresholds.review_high],
    ).fetchone()[0]
