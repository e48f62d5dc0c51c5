"""Clerical review: a queue of uncertain pairs with their evidence, and reviewers' decisions.

Decisions are append-only (who, when, what); the latest decision on a pair wins and every
later run honours it (predict.py: a match is a forced link, a non-match a cannot-link).
"""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

DECISIONS = ("match", "non_match")

_DDL = """
CREATE SCHEMA IF NOT EXISTS linkage;
CREATE TABLE IF NOT EXISTS linkage.review_decisions (
    record_id_l VARCHAR NOT NULL,
    record_id_r VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('match', 'non_match')),
    reviewer VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    note VARCHAR
);
CREATE TABLE IF NOT EXISTS linkage.review_queue (
    record_id_l VARCHAR NOT NULL,
    record_id_r VARCHAR NOT NULL,
    match_probability DOUBLE,
    match_weight DOUBLE,
    evidence JSON,
    queued_at TIMESTAMP,
    run_id VARCHAR
);
"""


def ensure_review_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create linkage.review_queue and linkage.review_decisions if absent."""
    con.execute(_DDL)


def refresh_review_queue(
    con: duckdb.DuckDBPyConnection, candidates_table: str, run_id: str, now: datetime
) -> int:
    """Replace the queue with this run's undecided uncertain pairs; keep first-queued times."""
    ensure_review_tables(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_new_queue AS
        SELECT c.record_id_l, c.record_id_r, c.match_probability, c.match_weight,
               c.evidence::JSON AS evidence,
               coalesce(q.queued_at, ?::TIMESTAMP) AS queued_at, ? AS run_id
        FROM {candidates_table} c
        LEFT JOIN linkage.review_queue q USING (record_id_l, record_id_r)
        """,
        [now.replace(tzinfo=None), run_id],
    )
    con.execute("DELETE FROM linkage.review_queue")
    con.execute("INSERT INTO linkage.review_queue SELECT * FROM lk_new_queue")
    con.execute("DROP TABLE lk_new_queue")
    return con.execute("SELECT count(*) FROM linkage.review_queue").fetchone()[0]


def record_decision(
    con: duckdb.DuckDBPyConnection,
    record_id_a: str,
    record_id_b: str,
    decision: str,
    reviewer: str,
    note: str | None = None,
    decided_at: datetime | None = None,
) -> None:
    """Record that two records are (`match`) or are not (`non_match`) the same person."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
    if not reviewer or not reviewer.strip():
        raise ValueError("a decision needs the reviewer's name")
    if record_id_a == record_id_b:
        raise ValueError("a decision needs two different records")
    ensure_review_tables(con)
    left, right = sorted((record_id_a, record_id_b))
    when = (decided_at or datetime.now(UTC)).replace(tzinfo=None)
    con.execute(
        "INSERT INTO linkage.review_decisions VALUES (?, ?, ?, ?, ?, ?)",
        [left, right, decision, reviewer.strip(), when, note],
    )
    # Decided pairs leave the queue at once rather than at the next run.
    con.execute(
        "DELETE FROM linkage.review_queue WHERE record_id_l = ? AND record_id_r = ?",
        [left, right],
    )


def pending_reviews(con: duckdb.DuckDBPyConnection, limit: int = 20) -> list[dict]:
    """The most uncertain queued pairs first (closest to probability 0.5 on the weight scale).

    Reads only (a published night is read-only): no queue yet means nothing pending."""
    queue_exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'linkage' AND table_name = 'review_queue'"
    ).fetchone()[0]
    if not queue_exists:
        return []
    rows = con.execute(
        """
        SELECT record_id_l, record_id_r, match_probability, match_weight, evidence, queued_at
        FROM linkage.review_queue ORDER BY abs(match_weight), record_id_l, record_id_r LIMIT ?
        """,
        [limit],
    ).fetchall()
    keys = (
        "record_id_l",
        "record_id_r",
        "match_probability",
        "match_weight",
        "evidence",
        "queued_at",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]
