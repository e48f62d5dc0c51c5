"""Every source record's address matched to a UPRN in the council gazetteer.

uk-address-matcher (MoJ, Splink-based, ships its own model, offline) does the matching on a
private DuckDB connection; distinct address/postcode pairs are matched once and mapped back
to records. Writes linkage.record_uprns (record_id, uprn, match_weight, match_status).
"""

from __future__ import annotations

import logging
import time

import duckdb

from orchestration.linkage.engine import splink_connection

logger = logging.getLogger(__name__)

# Deterministic stages (exact, peeled) are confident by construction. A probabilistic match is
# confident only if strong and clearly ahead of the runner-up (distinguishability: the weight
# gap to the next candidate; NULL when there was no runner-up). Tuned on the demo city
# (accuracy.json, "addresses").
CONFIDENT_MATCH_WEIGHT = 8.0
CONFIDENT_DISTINGUISHABILITY = 2.0
# Weight recorded for deterministic matches, which carry none of their own.
DETERMINISTIC_WEIGHT = 99.0

_ADDRESS_COLUMNS = ("address", "full_address", "address_concat", "single_line_address")
_ADDRESS_PARTS = (
    "sao_text",
    "saon",
    "sub_building_name",
    "flat",
    "pao_text",
    "paon",
    "building_name",
    "building_number",
    "house_number",
    "street",
    "street_description",
    "street_name",
    "locality",
    "dependent_locality",
    "town",
    "post_town",
)


def gazetteer_canonical_sql(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SQL giving (unique_id = uprn, address_concat, postcode) from a gazetteer table.

    Uses a single-line address column when the extract has one, else joins the address
    parts it has in BS 7666 order.
    """
    schema, _, name = table.rpartition(".")
    cols = [
        c.lower()
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND (? = '' OR table_schema = ?) ORDER BY ordinal_position",
            [name, schema, schema],
        ).fetchall()
    ]
    postcode = next((c for c in ("postcode", "postcode_locator") if c in cols), None)
    if "uprn" not in cols or postcode is None:
        raise ValueError(f"{table}: a gazetteer needs uprn and postcode columns, has {cols}")
    single = next((c for c in _ADDRESS_COLUMNS if c in cols), None)
    if single:
        address = f"{single}::VARCHAR"
    elif "street_description" in cols:
        # LLPG (BS 7666) export: "Flat 2, Rose House, 14A High Street, Locality, Town".
        def part(c: str) -> str:
            return f"nullif(trim({c}::VARCHAR), '')" if c in cols else "NULL"

        number = (
            f"concat({part('pao_start_number')}, {part('pao_start_suffix')})"
            if "pao_start_number" in cols
            else "NULL"
        )
        address = (
            f"concat_ws(', ', {part('sao_text')}, {part('pao_text')}, "
            f"nullif(trim(concat_ws(' ', nullif({number}, ''), {part('street_description')})), "
            f"''), {part('locality')}, {part('town_name')})"
        )
    else:
        parts = [c for c in _ADDRESS_PARTS if c in cols]
        if not parts:
            raise ValueError(f"{table}: no address columns found among {cols}")
        address = (
            "concat_ws(', ', " + ", ".join(f"nullif(trim({c}::VARCHAR), '')" for c in parts) + ")"
        )
    # A snapshot source accumulates one copy per extract: match against the latest only.
    latest = (
        f" AND _extract_date = (SELECT max(_extract_date) FROM {table})"
        if "_extract_date" in cols
        else ""
    )
    return (
        f"SELECT DISTINCT uprn::VARCHAR AS unique_id, {address} AS address_concat, "
        f"{postcode}::VARCHAR AS postcode FROM {table} WHERE uprn IS NOT NULL{latest}"
    )


def match_record_addresses(
    con: duckdb.DuckDBPyConnection,
    records: str,
    canonical_sql: str,
    target: str = "linkage.record_uprns",
) -> dict:
    """Match each record's (address, postcode) in `records` to the canonical addresses.

    `records` has record_id, address, postcode; `canonical_sql` yields unique_id (the UPRN),
    address_concat, postcode. Replaces `target`; returns counts by match_status.
    """
    from uk_address_matcher import AddressMatcher

    started = time.monotonic()
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_record_address AS
        SELECT record_id::VARCHAR AS record_id,
               CASE WHEN nullif(trim(address::VARCHAR), '') IS NOT NULL
                    THEN md5(upper(trim(address::VARCHAR)) || '|' ||
                             coalesce(upper(replace(postcode::VARCHAR, ' ', '')), ''))
               END AS address_key,
               trim(address::VARCHAR) AS address, postcode::VARCHAR AS postcode
        FROM {records}
        """
    )
    distinct = con.execute(
        """SELECT address_key AS unique_id, any_value(address) AS address_concat,
                  any_value(postcode) AS postcode
           FROM lk_record_address WHERE address_key IS NOT NULL GROUP BY 1"""
    ).to_arrow_table()
    canonical = con.execute(canonical_sql).to_arrow_table()
    matcher_con = splink_connection()
    try:
        matcher_con.register("canonical_arrow", canonical)
        matcher_con.register("messy_arrow", distinct)
        matcher_con.execute("CREATE TABLE canonical AS SELECT * FROM canonical_arrow")
        matcher_con.execute("CREATE TABLE messy AS SELECT * FROM messy_arrow")
        if distinct.num_rows and canonical.num_rows:
            result = AddressMatcher(
                canonical_addresses=matcher_con.table("canonical"),
                addresses_to_match=matcher_con.table("messy"),
                con=matcher_con,
                show_progress="off",
            ).match()
            matches = matcher_con.sql(
                f"""
                SELECT unique_id AS address_key, resolved_canonical_id AS uprn,
                       CASE WHEN match_reason LIKE 'splink%' THEN match_weight
                            WHEN resolved_canonical_id IS NOT NULL THEN {DETERMINISTIC_WEIGHT}
                       END AS match_weight,
                       CASE
                           WHEN resolved_canonical_id IS NULL THEN 'unmatched'
                           WHEN match_reason NOT LIKE 'splink%' THEN 'matched'
                           WHEN match_weight >= {CONFIDENT_MATCH_WEIGHT}
                                AND coalesce(distinguishability, 99)
                                    >= {CONFIDENT_DISTINGUISHABILITY} THEN 'matched'
                           ELSE 'low_confidence'
                       END AS match_status
                FROM ({result.matches().sql_query()})
                """
            ).to_arrow_table()
            result.close()
        else:
            matches = matcher_con.sql(
                "SELECT NULL::VARCHAR AS address_key, NULL::VARCHAR AS uprn, "
                "NULL::DOUBLE AS match_weight, NULL::VARCHAR AS match_status LIMIT 0"
            ).to_arrow_table()
    finally:
        matcher_con.close()
    con.register("lk_address_matches", matches)
    schema = target.rpartition(".")[0]
    if schema:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT r.record_id, m.uprn::VARCHAR AS uprn, m.match_weight::DOUBLE AS match_weight,
               coalesce(m.match_status, 'unmatched') AS match_status
        FROM lk_record_address r
        LEFT JOIN (SELECT * FROM lk_address_matches QUALIFY row_number() OVER (
                       PARTITION BY address_key ORDER BY match_weight DESC NULLS LAST) = 1) m
               USING (address_key)
        """
    )
    con.unregister("lk_address_matches")
    counts = dict(con.execute(f"SELECT match_status, count(*) FROM {target} GROUP BY 1").fetchall())
    without_address = con.execute(
        "SELECT count(*) FROM lk_record_address WHERE address_key IS NULL"
    ).fetchone()[0]
    con.execute("DROP TABLE lk_record_address")
    summary = {
        "records": sum(counts.values()),
        "distinct_addresses": distinct.num_rows,
        "matched": counts.get("matched", 0),
        "low_confidence": counts.get("low_confidence", 0),
        "unmatched": counts.get("unmatched", 0),
        "unmatched_with_address": counts.get("unmatched", 0) - without_address,
        "records_without_address": without_address,
        "seconds": round(time.monotonic() - started, 1),
    }
    logger.info("address matching: %s", summary)
    return summary


def address_report_by_source(
    con: duckdb.DuckDBPyConnection, records: str, record_uprns: str = "linkage.record_uprns"
) -> dict:
    """Per source dataset: records matched, low-confidence and unmatched (counts only)."""
    rows = con.execute(
        f"""
        SELECT r.source_dataset, u.match_status, count(*)
        FROM {record_uprns} u JOIN {records} r USING (record_id)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    report: dict[str, dict[str, int]] = {}
    for source, status, n in rows:
        report.setdefault(source, {"matched": 0, "low_confidence": 0, "unmatched": 0})
        report[source][status] = n
    return report
