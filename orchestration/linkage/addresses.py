"""Every source record's address matched to a UPRN in the council gazetteer.

uk-address-matcher (MoJ, Splink-based, ships its own model, offline) does the matching on a
private DuckDB connection; distinct address/postcode pairs are matched once and mapped back
to records. Writes linkage.record_uprns (record_id, uprn, match_weight, match_status).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from pathlib import Path

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


CACHE_TABLE = "linkage.address_match_cache"
# Addresses sent to uk-address-matcher per call; None sends them all at once. Smaller calls
# give identical matches and a lower peak but take longer (at 120,000 households, calls of
# 50,000: peak 2.93 GB instead of 4.13 GB, about 28% more matching time): one call by default.
MATCHER_CHUNK_SIZE: int | None = None


def gazetteer_fingerprint(con: duckdb.DuckDBPyConnection, canonical_sql: str) -> str:
    """A digest of the gazetteer's content and of how a match becomes a status.

    Order-independent (an XOR of row hashes plus the row count), so a re-export of the same
    gazetteer keeps the cache; any added, removed or changed address, a different matcher
    version or different confidence rules give a new fingerprint and a cold cache.
    """
    from importlib.metadata import version

    digest, rows = con.execute(
        f"""SELECT coalesce(bit_xor(hash(unique_id, address_concat, postcode)), 0), count(*)
            FROM ({canonical_sql})"""
    ).fetchone()
    parts = (
        digest,
        rows,
        version("uk-address-matcher"),
        CONFIDENT_MATCH_WEIGHT,
        CONFIDENT_DISTINGUISHABILITY,
        DETERMINISTIC_WEIGHT,
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _ensure_cache(con: duckdb.DuckDBPyConnection, cache: str) -> None:
    schema = cache.rpartition(".")[0]
    if schema:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(
        f"""CREATE TABLE IF NOT EXISTS {cache} (
                address_key VARCHAR NOT NULL, gazetteer_fingerprint VARCHAR NOT NULL,
                uprn VARCHAR, match_weight DOUBLE, match_status VARCHAR NOT NULL,
                matched_at TIMESTAMP NOT NULL)"""
    )


def _prepared_gazetteer(canonical, folder: Path | None, fingerprint: str):
    """The folder of uk-address-matcher's prepared gazetteer for this fingerprint, or None.

    Preparing (cleaning, term frequencies, inverted index) is most of the cost of matching a
    night's few new addresses against a large gazetteer (33 s of 38 s at 200,000
    households); prepared once per gazetteer, a night's matching takes seconds. Folders of
    other fingerprints are removed.
    """
    if folder is None:
        return None
    from uk_address_matcher.prepare_canonical import prepare_canonical_folder

    target = Path(folder) / fingerprint[:20]
    if (target / "ukam_manifest.json").is_file():
        return target
    if Path(folder).is_dir():
        for stale in Path(folder).iterdir():
            if stale.is_dir() and stale.name != target.name:
                shutil.rmtree(stale, ignore_errors=True)
    con = splink_connection()
    try:
        con.register("canonical_arrow", canonical)
        con.execute("CREATE TABLE canonical AS SELECT * FROM canonical_arrow")
        prepare_canonical_folder(
            con.table("canonical"), target, con=con, overwrite=True, show_progress="off"
        )
    finally:
        con.close()
    return target


def _matches_as_statuses(matcher_con: duckdb.DuckDBPyConnection, result):
    """(address_key, uprn, match_weight, match_status) as Arrow from a matcher's result."""
    matches = result.matches()
    # Without a probabilistic match among them (every address matched exactly, or none
    # reached Splink) the result has no weight columns.
    weight, distinguishability = (
        f"m.{c}" if c in matches.columns else "NULL::DOUBLE"
        for c in ("match_weight", "distinguishability")
    )
    return matcher_con.sql(
        f"""
        SELECT m.unique_id AS address_key, m.resolved_canonical_id AS uprn,
               CASE WHEN m.match_reason LIKE 'splink%' THEN {weight}
                    WHEN m.resolved_canonical_id IS NOT NULL THEN {DETERMINISTIC_WEIGHT}
               END AS match_weight,
               CASE
                   WHEN m.resolved_canonical_id IS NULL THEN 'unmatched'
                   WHEN m.match_reason NOT LIKE 'splink%' THEN 'matched'
                   WHEN {weight} >= {CONFIDENT_MATCH_WEIGHT}
                        AND coalesce({distinguishability}, 99)
                            >= {CONFIDENT_DISTINGUISHABILITY} THEN 'matched'
                   ELSE 'low_confidence'
               END AS match_status
        FROM ({matches.sql_query()}) m
        """
    ).to_arrow_table()


def _match_with_uk_address_matcher(
    canonical, messy, prepared: Path | None = None, chunk_size: int | None = None
):
    """(address_key, uprn, match_weight, match_status) as Arrow for the `messy` addresses.

    With `chunk_size`, the addresses go to the matcher `chunk_size` at a time against the
    same prepared gazetteer (prepared into a temporary folder when `prepared` is None).
    """
    import pyarrow as pa
    from uk_address_matcher import AddressMatcher

    matcher_con = splink_connection()
    temporary = None
    try:
        if not (messy.num_rows and canonical.num_rows):
            return matcher_con.sql(
                "SELECT NULL::VARCHAR AS address_key, NULL::VARCHAR AS uprn, "
                "NULL::DOUBLE AS match_weight, NULL::VARCHAR AS match_status LIMIT 0"
            ).to_arrow_table()
        chunk_size = chunk_size or messy.num_rows
        if prepared is None and chunk_size < messy.num_rows:
            # Each chunk would otherwise clean the whole gazetteer again.
            temporary = tempfile.TemporaryDirectory(prefix="gazetteer_prepared_")
            prepared = _prepared_gazetteer(canonical, Path(temporary.name), "chunked")
        if prepared is None:
            matcher_con.register("canonical_arrow", canonical)
            matcher_con.execute("CREATE TABLE canonical AS SELECT * FROM canonical_arrow")
            matcher_con.unregister("canonical_arrow")
        parts = []
        for offset in range(0, messy.num_rows, chunk_size):
            matcher_con.register("messy_arrow", messy.slice(offset, chunk_size))
            matcher_con.execute("CREATE OR REPLACE TABLE messy AS SELECT * FROM messy_arrow")
            matcher_con.unregister("messy_arrow")
            result = AddressMatcher(
                canonical_addresses=str(prepared)
                if prepared is not None
                else matcher_con.table("canonical"),
                addresses_to_match=matcher_con.table("messy"),
                con=matcher_con,
                show_progress="off",
            ).match()
            parts.append(_matches_as_statuses(matcher_con, result))
            result.close()
        return pa.concat_tables(parts)
    finally:
        matcher_con.close()
        if temporary is not None:
            temporary.cleanup()


def match_record_addresses(
    con: duckdb.DuckDBPyConnection,
    records: str,
    canonical_sql: str,
    target: str = "linkage.record_uprns",
    cache: str | None = CACHE_TABLE,
    prepared_dir: Path | None = None,
    chunk_size: int | None = MATCHER_CHUNK_SIZE,
) -> dict:
    """Match each record's (address, postcode) in `records` to the canonical addresses.

    `records` has record_id, address, postcode; `canonical_sql` yields unique_id (the UPRN),
    address_concat, postcode. Replaces `target`; returns counts by match_status.

    Results are kept in `cache` (linkage.address_match_cache), keyed by the normalised
    address and postcode and by the gazetteer's fingerprint: a night sends only addresses
    it has not matched against this gazetteer before to uk-address-matcher. A changed
    gazetteer empties the cache. `cache=None` matches everything and keeps nothing.
    `prepared_dir` (the nightly run: data/linkage/gazetteer_prepared) keeps the gazetteer as
    uk-address-matcher prepares it, per fingerprint, for the next night.
    `chunk_size` sends the addresses to the matcher that many at a time: the same results,
    less memory, more time (README, "The address stage alone").
    """
    started = time.monotonic()
    prepare_seconds = match_seconds = 0.0
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
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_distinct_address AS
           SELECT address_key AS unique_id, any_value(address) AS address_concat,
                  any_value(postcode) AS postcode
           FROM lk_record_address WHERE address_key IS NOT NULL GROUP BY 1"""
    )
    distinct = con.execute("SELECT count(*) FROM lk_distinct_address").fetchone()[0]
    fingerprint = gazetteer_fingerprint(con, canonical_sql)
    if cache is None:
        cache = "lk_address_cache"
        con.execute(f"DROP TABLE IF EXISTS {cache}")
        con.execute(
            f"""CREATE TEMP TABLE {cache} (address_key VARCHAR, gazetteer_fingerprint VARCHAR,
                uprn VARCHAR, match_weight DOUBLE, match_status VARCHAR, matched_at TIMESTAMP)"""
        )
    else:
        _ensure_cache(con, cache)
    # Matches made against another gazetteer (or other rules) are no longer valid.
    con.execute(f"DELETE FROM {cache} WHERE gazetteer_fingerprint <> ?", [fingerprint])
    to_match = con.execute(
        f"""SELECT d.* FROM lk_distinct_address d
            ANTI JOIN {cache} c ON c.address_key = d.unique_id"""
    ).to_arrow_table()
    if to_match.num_rows:
        canonical = con.execute(canonical_sql).to_arrow_table()
        phase_started = time.monotonic()
        prepared = _prepared_gazetteer(canonical, prepared_dir, fingerprint)
        prepare_seconds = time.monotonic() - phase_started
        matches = _match_with_uk_address_matcher(canonical, to_match, prepared, chunk_size)
        match_seconds = time.monotonic() - phase_started - prepare_seconds
        del canonical
        con.register("lk_address_matches", matches)
        con.register("lk_to_match", to_match)
        # One row per address (the matcher can return ties); unmatched ones are cached too,
        # so they are not re-sent every night.
        con.execute(
            f"""
            INSERT INTO {cache}
            SELECT t.unique_id, ?, m.uprn::VARCHAR, m.match_weight::DOUBLE,
                   coalesce(m.match_status, 'unmatched'), now()::TIMESTAMP
            FROM (SELECT unique_id FROM lk_distinct_address
                  SEMI JOIN lk_to_match USING (unique_id)) t
            LEFT JOIN (SELECT * FROM lk_address_matches QUALIFY row_number() OVER (
                           PARTITION BY address_key ORDER BY match_weight DESC NULLS LAST,
                           uprn) = 1) m
                   ON m.address_key = t.unique_id
            """,
            [fingerprint],
        )
        con.unregister("lk_address_matches")
        con.unregister("lk_to_match")
    schema = target.rpartition(".")[0]
    if schema:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {target} AS
        SELECT r.record_id, c.uprn, c.match_weight,
               coalesce(c.match_status, 'unmatched') AS match_status
        FROM lk_record_address r LEFT JOIN {cache} c ON c.address_key = r.address_key
        """
    )
    counts = dict(con.execute(f"SELECT match_status, count(*) FROM {target} GROUP BY 1").fetchall())
    without_address = con.execute(
        "SELECT count(*) FROM lk_record_address WHERE address_key IS NULL"
    ).fetchone()[0]
    con.execute("DROP TABLE lk_record_address")
    con.execute("DROP TABLE lk_distinct_address")
    summary = {
        "records": sum(counts.values()),
        "distinct_addresses": distinct,
        "addresses_matched_this_run": to_match.num_rows,
        "addresses_from_cache": distinct - to_match.num_rows,
        "matched": counts.get("matched", 0),
        "low_confidence": counts.get("low_confidence", 0),
        "unmatched": counts.get("unmatched", 0),
        "unmatched_with_address": counts.get("unmatched", 0) - without_address,
        "records_without_address": without_address,
        "seconds": round(time.monotonic() - started, 1),
        "gazetteer_preparation_seconds": round(prepare_seconds, 1),
        "matcher_seconds": round(match_seconds, 1),
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
