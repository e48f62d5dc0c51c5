"""What the pages show, read from the published night (never the warehouse).

Every function takes a read-only connection from `orchestration.published.open_published()`
and returns plain dicts. The eligible list and a family's explanation are read by
orchestration/families/list_rows.py and family_explanation.py, which the exports and
`families explain` share.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import duckdb

from orchestration.families.readable_names import source_name


@contextlib.contextmanager
def published() -> Iterator[duckdb.DuckDBPyConnection]:
    from orchestration.published import open_published

    con = open_published()
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def family_exists(con: duckdb.DuckDBPyConnection, family_id: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from marts.families where family_id = ?", [family_id]
        ).fetchone()[0]
    )


def review_queue(con: duckdb.DuckDBPyConnection, exclude: set[tuple[str, str]]) -> list[dict]:
    """Queued pairs minus pairs decided here since the night, those whose decision can
    change a family's eligibility first (review_impact.py says how), then the most
    uncertain."""
    from orchestration.web.review_impact import scored_queue

    rows = scored_queue(con)
    return [r for r in rows if (r["record_id_l"], r["record_id_r"]) not in exclude]


def queued_pair(con: duckdb.DuckDBPyConnection, left: str, right: str) -> dict | None:
    """One queued pair side by side: per compared field both records' values (when the
    night carries them), the level reached and its Bayes factor; or None if the pair is not
    in the published queue (a decision on it is refused)."""
    from orchestration.web.review_records import review_records

    left, right = sorted((left, right))
    rows = _rows(
        con,
        "select * from linkage.review_queue where record_id_l = ? and record_id_r = ?",
        [left, right],
    )
    if not rows:
        return None
    pair = rows[0]
    evidence = pair.get("evidence")
    evidence = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
    records = review_records(con, [left, right])
    record_l, record_r = records.get(left, {}), records.get(right, {})
    pair["has_values"] = bool(records)
    pair["fields"] = [
        {
            "field": name,
            "value_l": record_l.get(name),
            "value_r": record_r.get(name),
            "level": part.get("level"),
            "bayes_factor": part.get("bayes_factor"),
        }
        for name, part in evidence.items()
    ]
    pair["person_l"], pair["person_r"] = record_l.get("person_id"), record_r.get("person_id")
    pair["source_l"] = source_name(left.split(":")[0])
    pair["source_r"] = source_name(right.split(":")[0])
    return pair
