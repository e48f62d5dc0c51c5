"""Splink plumbing shared by training, nightly prediction and `families link`.

Splink gets its own in-memory DuckDB connection: its `__splink__*` tables never reach the
warehouse, and closing the connection is the clean-up. Records with identical standardised
fields are collapsed to one "profile" first, because agencies repeat the same person many
times (one row per term, offence, attendance): Splink scores far fewer pairs, then every
record inherits its profile's cluster.
"""

from __future__ import annotations

import logging
import os
import tempfile

import duckdb

from orchestration.linkage.settings import MODEL_COLUMNS, OPTIONAL_MODEL_COLUMNS

logger = logging.getLogger(__name__)

# Splink logs every SQL step at INFO; the run's own log says what matters.
logging.getLogger("splink").setLevel(logging.WARNING)


# The stage's memory budget is split between the warehouse connection and Splink's private
# one, which are both alive while Splink scores: each gets this cap (DuckDB spills to disk
# beyond it), leaving room under 8 GB for Python, Arrow buffers and DuckDB's own overheads,
# which memory_limit does not cover.
DEFAULT_CONNECTION_MEMORY = "3GB"


def connection_memory_limit() -> str:
    """Memory cap of each linkage DuckDB connection (FAMILIES_LINKAGE_MEMORY, default 3GB)."""
    return os.environ.get("FAMILIES_LINKAGE_MEMORY", DEFAULT_CONNECTION_MEMORY)


def table_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether a table or view `[schema.]name` exists on `con`."""
    schema, _, name = qualified.rpartition(".")
    return (
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
            "AND (? = '' OR table_schema = ?)",
            [name, schema, schema],
        ).fetchone()[0]
        > 0
    )


def splink_connection(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for Splink, memory-capped and spilling to a temp folder."""
    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit or connection_memory_limit()}'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/families_splink_spill'")
    con.execute("SET preserve_insertion_order = false")
    return con


def profile_key_sql(extra: str | None = None, optional: tuple[str, ...] = ()) -> str:
    """SQL digest of a standardised record's model columns: records with the same key are
    one profile. `extra` (an SQL expression) is folded in when not null.

    Every model column is in the key, the name-token lists too: "Smith Jones" and
    "Smithjones" compact to one surname but compare differently, and a profile must hold
    records identical in everything the model compares (else which record speaks for it
    would be arbitrary, and a stored score could go stale while its key stayed).
    `optional` names OPTIONAL_MODEL_COLUMNS the table has; without them the key is the
    nightly one, unchanged.
    """
    columns = (*MODEL_COLUMNS, *optional)
    key = ", ".join(f"coalesce({c}::VARCHAR, '\x1f')" for c in columns)
    return f"md5(concat_ws('\x1e', {key}{', ' + extra if extra else ''}))"


def build_profiles(
    con: duckdb.DuckDBPyConnection,
    std_table: str,
    profiles_table: str,
    map_table: str,
    isolated_records: str | None = None,
) -> int:
    """Collapse identical standardised records into profiles; write record -> profile map.

    `isolated_records` names a table of record_ids that must keep their own profile (a
    reviewer said they are not the same person as a record identical to them). A
    `profile_key` column in `std_table` (the kept standardised records) is used as it is;
    otherwise the key is computed here (profile_key_sql).
    Returns the number of profiles.
    """
    columns = {c.lower() for c in con.sql(f"SELECT * FROM {std_table} LIMIT 0").columns}
    optional = tuple(c for c in OPTIONAL_MODEL_COLUMNS if c in columns)
    key = "profile_key" if "profile_key" in columns else profile_key_sql(optional=optional)
    if isolated_records:
        key = (
            f"CASE WHEN record_id IN (SELECT record_id FROM {isolated_records}) "
            f"THEN {profile_key_sql('record_id', optional)} ELSE {key} END"
        )
    # The profile key is what the pair store (pairstore.py) keys scores by across runs;
    # unique_id is only this run's number for it, in key order, so it orders pairs the same
    # way in a full and an incremental run.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE lk_record_keys AS
        SELECT record_id, {key} AS profile_key FROM {std_table}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE lk_profile_keys AS
        SELECT profile_key, row_number() OVER (ORDER BY profile_key) AS unique_id
        FROM (SELECT DISTINCT profile_key FROM lk_record_keys)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {map_table} AS
        SELECT k.record_id, p.unique_id
        FROM lk_record_keys k JOIN lk_profile_keys p USING (profile_key)
        """
    )
    con.execute("DROP TABLE lk_record_keys")
    return write_profiles(con, std_table, map_table, profiles_table, optional)


def write_profiles(
    con: duckdb.DuckDBPyConnection,
    std_table: str,
    map_table: str,
    profiles_table: str,
    optional: tuple[str, ...] | None = None,
    temporary: bool = False,
) -> int:
    """`profiles_table` (unique_id, model columns, record_count) from a record -> profile
    map (record_id, unique_id); returns the number of profiles. `optional`: the
    OPTIONAL_MODEL_COLUMNS to carry (default: those `std_table` has)."""
    if optional is None:
        columns = {c.lower() for c in con.sql(f"SELECT * FROM {std_table} LIMIT 0").columns}
        optional = tuple(c for c in OPTIONAL_MODEL_COLUMNS if c in columns)
    # Records of a profile agree on every model column, so one record speaks for it: the
    # smallest record id, whose columns are read for the profiles alone.
    cols = ", ".join(f"s.{c}" for c in (*MODEL_COLUMNS, *optional))
    con.execute(
        f"""
        CREATE OR REPLACE {"TEMP " if temporary else ""}TABLE {profiles_table} AS
        WITH representatives AS (
            SELECT unique_id, min(record_id) AS record_id, count(*) AS record_count
            FROM {map_table} GROUP BY unique_id
        )
        SELECT r.unique_id, {cols}, r.record_count
        FROM representatives r JOIN {std_table} s USING (record_id)
        """
    )
    return con.execute(f"SELECT count(*) FROM {profiles_table}").fetchone()[0]


def load_profiles_into(
    splink_con: duckdb.DuckDBPyConnection,
    con: duckdb.DuckDBPyConnection,
    profiles_table: str,
    name: str = "profiles",
) -> None:
    """Copy the profiles table from the working connection into Splink's connection."""
    arrow = con.execute(f"SELECT * EXCLUDE (record_count) FROM {profiles_table}").to_arrow_table()
    splink_con.register("lk_profiles_arrow", arrow)
    splink_con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM lk_profiles_arrow")
    splink_con.unregister("lk_profiles_arrow")


def make_linker(splink_con: duckdb.DuckDBPyConnection, settings, table: str = "profiles"):
    """A Splink Linker over `table` on Splink's own connection."""
    from splink import DuckDBAPI, Linker

    return Linker(
        table, settings, db_api=DuckDBAPI(connection=splink_con), set_up_basic_logging=False
    )
