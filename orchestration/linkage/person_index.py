"""The master person index: a stable person id per cluster, carried across runs.

A new cluster takes the previous id it shares most records with (largest overlap first, each
id used once); clusters with no claimable id get a new one. Merges (an old id absorbed into
another), splits (a cluster whose records came from an id another cluster kept), new ids and
retired ids are written to linkage.person_id_history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import duckdb
import pyarrow as pa

ID_PREFIX = "P"
ID_DIGITS = 9

_DDL = """
CREATE SCHEMA IF NOT EXISTS linkage;
CREATE TABLE IF NOT EXISTS linkage.person_index (
    record_id VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL,
    cluster_size INTEGER NOT NULL,
    linked_at TIMESTAMP NOT NULL     -- when the record was last given this person and size
);
CREATE TABLE IF NOT EXISTS linkage.person_id_history (
    run_id VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    event VARCHAR NOT NULL,          -- created | merged | split | retired
    person_id VARCHAR NOT NULL,
    other_person_id VARCHAR,         -- merged: the id it merged into; split: the id it left
    records INTEGER
);
"""


def ensure_person_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create linkage.person_index and linkage.person_id_history if absent."""
    con.execute(_DDL)


def _format_id(number: int) -> str:
    return f"{ID_PREFIX}{number:0{ID_DIGITS}d}"


def _highest_issued(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        f"""
        SELECT max(try_cast(substr(person_id, {len(ID_PREFIX) + 1}) AS BIGINT)) FROM (
            SELECT person_id FROM linkage.person_index
            UNION ALL SELECT person_id FROM linkage.person_id_history)
        """
    ).fetchone()
    return row[0] or 0


def assign_stable_ids(
    con: duckdb.DuckDBPyConnection,
    clusters_table: str,
    run_id: str,
    linked_at: datetime,
) -> dict[str, int]:
    """Replace linkage.person_index from `clusters_table` (record_id, cluster_key).

    Returns counts of events: created, merged, split, retired, carried.
    """
    ensure_person_tables(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_overlaps AS
        SELECT c.cluster_key, p.person_id, count(*) AS shared
        FROM {clusters_table} c JOIN linkage.person_index p USING (record_id)
        GROUP BY ALL
        """
    )
    # Most clusters share records with exactly one previous id that shares records with no
    # other cluster: that id is carried, whatever the order below, so SQL settles them and
    # only the rest (merges, splits, new and retired ids) are worked through one by one.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE lk_carried AS
        SELECT cluster_key, person_id FROM lk_overlaps
        QUALIFY count(*) OVER (PARTITION BY cluster_key) = 1
            AND count(*) OVER (PARTITION BY person_id) = 1
        """
    )
    overlaps = con.execute(
        """
        SELECT cluster_key, person_id, shared FROM lk_overlaps
        ANTI JOIN lk_carried USING (cluster_key)
        ORDER BY shared DESC, cluster_key, person_id
        """
    ).fetchall()
    sizes = dict(
        con.execute(
            f"""SELECT cluster_key, count(*) FROM {clusters_table}
                ANTI JOIN lk_carried USING (cluster_key) GROUP BY 1"""
        ).fetchall()
    )
    previous_sizes = dict(
        con.execute(
            """SELECT person_id, count(*) FROM linkage.person_index
               ANTI JOIN lk_carried USING (person_id) GROUP BY 1"""
        ).fetchall()
    )
    carried = con.execute("SELECT count(*) FROM lk_carried").fetchone()[0]
    assigned: dict[str, str] = {}
    used: set[str] = set()
    sources: dict[str, list[str]] = defaultdict(list)  # cluster -> previous ids it overlaps
    for cluster_key, person_id, _shared in overlaps:
        sources[cluster_key].append(person_id)
        if cluster_key not in assigned and person_id not in used:
            assigned[cluster_key] = person_id
            used.add(person_id)
    carried += len(assigned)

    events: list[tuple[str, str, str | None, int]] = []
    next_number = _highest_issued(con) + 1
    for cluster_key in sorted(sizes):
        if cluster_key in assigned:
            continue
        person_id = _format_id(next_number)
        next_number += 1
        assigned[cluster_key] = person_id
        # Records that had an id another cluster kept: this person was split off from it.
        origin = sources.get(cluster_key)
        if origin:
            events.append(("split", person_id, origin[0], sizes[cluster_key]))
        else:
            events.append(("created", person_id, None, sizes[cluster_key]))
    for cluster_key, previous_ids in sources.items():
        for previous_id in previous_ids:
            if previous_id not in used:
                events.append(("merged", previous_id, assigned[cluster_key], sizes[cluster_key]))
                used.add(previous_id)
    for previous_id, count in previous_sizes.items():
        if previous_id not in used:
            events.append(("retired", previous_id, None, count))

    # Bulk load through Arrow: row-by-row inserts take minutes at city scale.
    assigned_arrow = pa.table(
        {"cluster_key": list(assigned.keys()), "person_id": list(assigned.values())},
        schema=pa.schema([("cluster_key", pa.string()), ("person_id", pa.string())]),
    )
    con.register("lk_assigned_arrow", assigned_arrow)
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_assigned AS
           SELECT * FROM lk_assigned_arrow UNION ALL SELECT * FROM lk_carried"""
    )
    con.unregister("lk_assigned_arrow")
    con.execute("DROP TABLE lk_carried")
    con.execute("DROP TABLE lk_overlaps")
    stamp = linked_at.replace(tzinfo=None)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_new_index AS
        SELECT c.record_id, a.person_id,
               count(*) OVER (PARTITION BY a.person_id) AS cluster_size
        FROM {clusters_table} c JOIN lk_assigned a USING (cluster_key)
        """
    )
    # Changed in place rather than emptied and refilled: deleting and re-inserting millions
    # of rows through the primary-key index took over a minute at city scale. One join finds
    # the records gone, new, or given another person or cluster size; only those rows are
    # written (linked_at is when a record was last given its person and cluster size), so a
    # night with few changes writes few rows.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE lk_index_changes AS
        SELECT coalesce(n.record_id, p.record_id) AS record_id, n.person_id, n.cluster_size,
               CASE WHEN n.record_id IS NULL THEN 'gone'
                    WHEN p.record_id IS NULL THEN 'new'
                    ELSE 'changed' END AS change
        FROM lk_new_index n FULL OUTER JOIN linkage.person_index p USING (record_id)
        WHERE n.record_id IS NULL OR p.record_id IS NULL
           OR n.person_id <> p.person_id OR n.cluster_size <> p.cluster_size
        """
    )
    con.execute(
        """DELETE FROM linkage.person_index WHERE record_id IN (
               SELECT record_id FROM lk_index_changes WHERE change = 'gone')"""
    )
    con.execute(
        """UPDATE linkage.person_index p
           SET person_id = c.person_id, cluster_size = c.cluster_size, linked_at = ?::TIMESTAMP
           FROM lk_index_changes c WHERE p.record_id = c.record_id AND c.change = 'changed'""",
        [stamp],
    )
    con.execute(
        """INSERT INTO linkage.person_index
           SELECT record_id, person_id, cluster_size, ?::TIMESTAMP
           FROM lk_index_changes WHERE change = 'new'""",
        [stamp],
    )
    con.execute("DROP TABLE lk_index_changes")
    con.execute("DROP TABLE lk_new_index")
    if events:
        # Through Arrow: a first night creates one event per person (418k at 200,000
        # households), and executemany inserts about 2,000 rows a second.
        history = pa.table(
            {
                "run_id": [run_id] * len(events),
                "recorded_at": [stamp] * len(events),
                "event": [e for e, _, _, _ in events],
                "person_id": [pid for _, pid, _, _ in events],
                "other_person_id": [other for _, _, other, _ in events],
                "records": [n for _, _, _, n in events],
            },
            schema=pa.schema(
                [
                    ("run_id", pa.string()),
                    ("recorded_at", pa.timestamp("us")),
                    ("event", pa.string()),
                    ("person_id", pa.string()),
                    ("other_person_id", pa.string()),
                    ("records", pa.int32()),
                ]
            ),
        )
        con.register("lk_history_arrow", history)
        con.execute("INSERT INTO linkage.person_id_history SELECT * FROM lk_history_arrow")
        con.unregister("lk_history_arrow")
    con.execute("DROP TABLE lk_assigned")
    counts = {k: 0 for k in ("created", "merged", "split", "retired")}
    for event, *_ in events:
        counts[event] += 1
    counts["carried"] = carried
    return counts
