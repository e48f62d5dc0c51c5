"""The queued records' compared fields, for the clerical reviewer's side-by-side page.

The published night carries no names, so the review page could show only which level each
field reached. At publish time this copies, for the records named by a queued pair only,
the standardised fields the model compared (linkage.standardised_records) and the person
each record belongs to now (linkage.person_index) into `linkage.review_records` of the
published night. Only the linkage reviewer's pages read it, and every view is audited.
"""

from __future__ import annotations

import duckdb

TABLE = "linkage.review_records"
# The model's comparisons are named after these columns (linkage/models/*.json); a field the
# standardised table lacks is left out rather than shown empty.
COMPARED_FIELDS = (
    "first_name",
    "middle_names",
    "surname",
    "dob",
    "sex",
    "postcode",
    "uprn",
    "nhs_number",
    "upn",
    "ni_number",
)
_SOURCES = ("linkage.review_queue", "linkage.standardised_records", "linkage.person_index")


def _columns(con: duckdb.DuckDBPyConnection, qualified: str) -> list[str]:
    schema, table = qualified.split(".")
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return [name for (name,) in rows]


def publish_review_records(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    """Write `<catalog>.linkage.review_records` from the warehouse open on `con`; returns
    {table: rows}, or {} when the warehouse has no review queue or person index yet."""
    if not all(_columns(con, table) for table in _SOURCES):
        return {}
    present = set(_columns(con, "linkage.standardised_records"))
    fields = ", ".join(f"s.{name}" for name in COMPARED_FIELDS if name in present)
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {catalog}.linkage")
    con.execute(
        f"""
        CREATE TABLE {catalog}.{TABLE} AS
        WITH queued AS (
            SELECT record_id_l AS record_id FROM linkage.review_queue
            UNION SELECT record_id_r FROM linkage.review_queue
        )
        SELECT s.record_id, s.source_dataset, p.person_id, {fields}
        FROM queued
        JOIN linkage.standardised_records s USING (record_id)
        LEFT JOIN linkage.person_index p USING (record_id)
        ORDER BY s.record_id
        """
    )
    return {TABLE: con.execute(f"SELECT count(*) FROM {catalog}.{TABLE}").fetchone()[0]}


def review_records(con: duckdb.DuckDBPyConnection, record_ids: list[str]) -> dict[str, dict]:
    """record id -> its published fields (empty when the night predates this table)."""
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'linkage' and table_name = 'review_records'"
    ).fetchone()[0]
    if not exists:
        return {}
    cursor = con.execute(
        f"SELECT * FROM {TABLE} WHERE list_contains(?::varchar[], record_id)", [record_ids]
    )
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
