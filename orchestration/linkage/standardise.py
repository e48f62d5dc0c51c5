"""Standardised person fields for linkage: names, dates of birth, sex, postcodes, identifiers.

Everything is DuckDB SQL (macros and one SELECT) so millions of records standardise in
seconds and the same code serves the nightly run (refresh_standardised_records, which keeps
the result between nights) and `families link` (standardise_person_records).
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import duckdb

from orchestration.linkage.engine import profile_key_sql, table_exists

NICKNAMES_CSV = Path(__file__).with_name("nicknames.csv")

# Columns of the standard person schema (docs/architecture.md). Optional ones may be absent
# from a `families link` input file; they are then treated as NULL.
STANDARD_COLUMNS = (
    "record_id",
    "source_dataset",
    "source_person_ref",
    "first_name",
    "middle_names",
    "surname",
    "dob",
    "sex",
    "address",
    "postcode",
    "nhs_number",
    "upn",
    "ni_number",
    "event_date",
)
REQUIRED_COLUMNS = ("record_id", "first_name", "surname")

# The macros are the single definition of "standardised". Order matters in clean_name:
# letters that strip_accents leaves alone (ł, ø, ß...) are mapped first, and so are the
# digits a scanner reads for letters in a name (0/o, 1/l, 5/s: "M0rag" is Morag);
# apostrophes and full stops vanish (O'Brien -> obrien) while hyphens and other separators
# become spaces (Smith-Jones -> smith jones) so double-barrelled names match on either part.
_MACROS = r"""
CREATE OR REPLACE TEMP MACRO lk_clean_name(x) AS nullif(trim(regexp_replace(
    regexp_replace(
        regexp_replace(
            regexp_replace(
                strip_accents(translate(replace(lower(x), 'ß', 'ss'), 'łøđæœı015', 'lodaeiols')),
                '[''`’.]', '', 'g'),
            '[^a-z]+', ' ', 'g'),
        '^\s*(mr|mrs|miss|ms|mx|dr|master) ', ''),
    '\s+', ' ', 'g')), '');
CREATE OR REPLACE TEMP MACRO lk_compact(x) AS nullif(replace(x, ' ', ''), '');
-- Polish surnames change ending with sex (Kowalski/Kowalska): compare on a shared root.
CREATE OR REPLACE TEMP MACRO lk_surname_root(x) AS
    regexp_replace(lk_compact(x), '(sk|ck|dzk)(a|i)$', '\1i');
CREATE OR REPLACE TEMP MACRO lk_postcode(x) AS CASE
    WHEN regexp_full_match(regexp_replace(upper(x), '[^A-Z0-9]', '', 'g'),
                           '[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}')
    THEN (SELECT left(p, length(p) - 3) || ' ' || right(p, 3)
          FROM (SELECT regexp_replace(upper(x), '[^A-Z0-9]', '', 'g') AS p))
    END;
CREATE OR REPLACE TEMP MACRO lk_sex(x) AS CASE
    WHEN upper(trim(x)) IN ('M', 'MALE') THEN 'M'
    WHEN upper(trim(x)) IN ('F', 'FEMALE') THEN 'F'
    END;
-- 1900-01-01 and future dates are placeholders for "unknown" in several agency systems.
CREATE OR REPLACE TEMP MACRO lk_dob(x) AS CASE
    WHEN x > DATE '1900-01-01' AND x <= current_date THEN x END;
CREATE OR REPLACE TEMP MACRO lk_nhs(x) AS CASE
    WHEN length(regexp_replace(x, '[^0-9]', '', 'g')) = 10
         AND regexp_replace(x, '[^0-9]', '', 'g') NOT IN ('0000000000', '9999999999')
    THEN regexp_replace(x, '[^0-9]', '', 'g') END;
CREATE OR REPLACE TEMP MACRO lk_upn(x) AS
    nullif(regexp_replace(upper(x), '[^A-Z0-9]', '', 'g'), '');
-- Temporary NI numbers (TN...) are shared by many people: treat them as missing.
CREATE OR REPLACE TEMP MACRO lk_ni(x) AS CASE
    WHEN regexp_full_match(regexp_replace(upper(x), '[^A-Z0-9]', '', 'g'),
                           '[A-Z]{2}[0-9]{6}[A-D]?')
         AND NOT starts_with(upper(trim(x)), 'TN')
    THEN left(regexp_replace(upper(x), '[^A-Z0-9]', '', 'g'), 8) END;
"""


def register_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Define the standardisation macros and the nickname table on this connection."""
    con.execute(_MACROS)
    load_nicknames(con)


def load_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Load the nickname/variant -> canonical given-name table as temp table lk_nicknames."""
    with NICKNAMES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = [(r["variant"].strip(), r["canonical"].strip()) for r in csv.DictReader(handle)]
    con.execute("CREATE OR REPLACE TEMP TABLE lk_nicknames (variant VARCHAR, canonical VARCHAR)")
    con.executemany("INSERT INTO lk_nicknames VALUES (?, ?)", rows)


def standardise_name(con: duckdb.DuckDBPyConnection, value: str | None) -> str | None:
    """The standardised form of one name (for tests and explanations)."""
    register_macros(con)
    return con.execute("SELECT lk_clean_name(?::VARCHAR)", [value]).fetchone()[0]


def canonical_first_name(con: duckdb.DuckDBPyConnection, value: str | None) -> str | None:
    """The first given name, standardised and with nicknames/variants resolved."""
    register_macros(con)
    return con.execute(
        """
        SELECT coalesce(n.canonical, t.first_token)
        FROM (SELECT split_part(lk_clean_name(?::VARCHAR), ' ', 1) AS first_token) t
        LEFT JOIN lk_nicknames n ON n.variant = t.first_token
        """,
        [value],
    ).fetchone()[0]


def _present_columns(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    present = {c.lower() for c in con.sql(f"SELECT * FROM {source} LIMIT 0").columns}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise ValueError(f"{source}: missing person column(s) {', '.join(missing)}")
    return present


def _uprn_join(uprns: str | None) -> str:
    # Only confident (`matched`) UPRNs: a wrong UPRN would be strong false evidence.
    if uprns:
        return (
            f"LEFT JOIN (SELECT record_id, uprn FROM {uprns} WHERE match_status = 'matched') u "
            "USING (record_id)"
        )
    return (
        "LEFT JOIN (SELECT NULL::VARCHAR AS record_id, NULL::VARCHAR AS uprn) u USING (record_id)"
    )


def _input_digest(present: set[str]) -> str:
    """SQL digest of everything a record's standardised fields are made from (over `s`, `u`).

    DuckDB's 64-bit hash of the columns (not md5 of their text: three times faster over
    5 million records). It is compared only with the same record's digest of the night
    before, so a collision would need a changed record to hash to its own old value."""
    columns = [f"s.{c}" for c in STANDARD_COLUMNS if c in present]
    # lk_dob drops dates after today: the day such a date passes, the record changes.
    future_dob = "s.dob::DATE > current_date" if "dob" in present else "NULL"
    return f"hash({', '.join(columns)}, u.uprn, {future_dob})"


def _standardised_select(
    source: str, present: set[str], uprns: str | None, kept: bool = False
) -> str:
    """The SELECT of standardised person fields over `source` (see standardise_person_records)."""

    def col(name: str, cast: str = "VARCHAR") -> str:
        # Optional columns of the standard schema may be absent: treat them as NULL.
        return f"s.{name}::{cast}" if name in present else f"NULL::{cast}"

    digest = f", {_input_digest(present)} AS input_digest" if kept else ""
    select = f"""
        WITH cleaned AS (
            SELECT
                s.record_id::VARCHAR AS record_id,
                {col("source_dataset")} AS source_dataset,
                lk_clean_name({col("first_name")}) AS given_clean,
                lk_clean_name({col("middle_names")}) AS middle_clean,
                lk_clean_name({col("surname")}) AS surname_clean,
                lk_dob({col("dob", "DATE")}) AS dob,
                lk_sex({col("sex")}) AS sex,
                lk_postcode({col("postcode")}) AS postcode,
                lk_nhs({col("nhs_number")}) AS nhs_number,
                lk_upn({col("upn")}) AS upn,
                lk_ni({col("ni_number")}) AS ni_number,
                u.uprn::VARCHAR AS uprn
                {digest}
            FROM {source} s
            {_uprn_join(uprns)}
        ),
        split AS (
            SELECT *,
                nullif(split_part(given_clean, ' ', 1), '') AS first_name,
                -- "Mary Ann" as a first name: the later given names join the middle names.
                nullif(trim(concat_ws(' ',
                    nullif(substr(given_clean, length(split_part(given_clean, ' ', 1)) + 2), ''),
                    middle_clean)), '') AS middle_names
            FROM cleaned
        )
        SELECT
            record_id,
            source_dataset,
            first_name,
            coalesce(n.canonical, first_name) AS first_name_canonical,
            middle_names,
            lk_compact(surname_clean) AS surname,
            lk_surname_root(surname_clean) AS surname_root,
            string_split(surname_clean, ' ') AS surname_tokens,
            list_filter(
                string_split(concat_ws(' ', given_clean, middle_clean, surname_clean), ' '),
                t -> t <> '') AS name_tokens,
            dob,
            strftime(dob, '%Y%m%d') AS dob_str,
            sex,
            postcode,
            CASE WHEN postcode IS NOT NULL THEN left(postcode, length(postcode) - 2) END
                AS postcode_sector,
            split_part(postcode, ' ', 1) AS postcode_district,
            uprn,
            nhs_number,
            upn,
            ni_number
            {", input_digest" if kept else ""}
        FROM split
        LEFT JOIN lk_nicknames n ON n.variant = split.first_name
        """
    if not kept:
        return select
    # The kept table also holds each record's profile key (engine.build_profiles), so a
    # night digests only the records it standardises.
    return f"SELECT *, {profile_key_sql()} AS profile_key FROM ({select})"


def standardise_person_records(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    uprns: str | None = None,
) -> int:
    """Create table `target` of standardised person fields from standard-schema `source`.

    `source` is a table, view or parenthesised query in the standard person schema;
    `uprns` optionally names a table (record_id, uprn, match_status): only confident
    (`matched`) UPRNs are used, because a wrong UPRN would be strong false evidence.
    Returns the number of rows.
    """
    register_macros(con)
    present = _present_columns(con, source)
    con.execute(
        f"CREATE OR REPLACE TABLE {target} AS {_standardised_select(source, present, uprns)}"
    )
    return con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]


# Bump when what the kept table holds changes shape; code changes are caught by the digest.
KEPT_VERSION = "3"


def standardisation_fingerprint() -> str:
    """Digest of the code, nickname list and profile key that define a kept record."""
    # The profile key's SQL names the model columns and how they are digested.
    # DuckDB's hash (the input digest) may change with its version: rebuild then.
    digest = hashlib.sha256(
        f"kept={KEPT_VERSION};key={profile_key_sql()};duckdb={duckdb.__version__}".encode()
    )
    for path in (Path(__file__), NICKNAMES_CSV):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_standardised_records(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    uprns: str | None = None,
) -> dict:
    """Bring the kept table `target` to the standardised form of `source`, as
    standardise_person_records would build it, standardising only records that are new or
    whose input changed (a restated record, a UPRN matched since).

    Each kept row carries a digest of its input (the standard columns and the confident
    UPRN); a record whose digest is unchanged keeps its row. A change to this module or the
    nickname list (standardisation_fingerprint), or a missing table, rebuilds it whole.
    `target` is schema-qualified (its state lives beside it, in <schema>.standardised_state).
    Returns counts: records, standardised, removed, and mode ("full" or "incremental").
    """
    register_macros(con)
    present = _present_columns(con, source)
    schema = target.rpartition(".")[0]
    state = f"{schema}.standardised_state"
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {state} (target VARCHAR, fingerprint VARCHAR)")
    fingerprint = standardisation_fingerprint()
    kept = con.execute(f"SELECT fingerprint FROM {state} WHERE target = ?", [target]).fetchone()
    exists = table_exists(con, target)
    if not exists or kept is None or kept[0] != fingerprint:
        con.execute(
            f"CREATE OR REPLACE TABLE {target} AS "
            f"{_standardised_select(source, present, uprns, kept=True)}"
        )
        con.execute(f"DELETE FROM {state} WHERE target = ?", [target])
        con.execute(f"INSERT INTO {state} VALUES (?, ?)", [target, fingerprint])
        records = con.execute(f"SELECT count(*) FROM {target}").fetchone()[0]
        return {"mode": "full", "records": records, "standardised": records, "removed": 0}
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_std_input AS
            SELECT s.record_id::VARCHAR AS record_id, {_input_digest(present)} AS input_digest
            FROM {source} s {_uprn_join(uprns)}"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_std_changed AS
            SELECT record_id FROM lk_std_input i
            ANTI JOIN {target} t USING (record_id, input_digest)"""
    )
    # Rows to drop: records gone from the source, and the old rows of changed records.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_std_drop AS
            SELECT record_id, true AS gone FROM {target} ANTI JOIN lk_std_input USING (record_id)
            UNION ALL
            SELECT record_id, false FROM lk_std_changed SEMI JOIN {target} USING (record_id)"""
    )
    dropped, gone = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE gone) FROM lk_std_drop"
    ).fetchone()
    if dropped:
        con.execute(f"DELETE FROM {target} WHERE record_id IN (SELECT record_id FROM lk_std_drop)")
    changed_source = (
        f"(SELECT s.* FROM {source} s SEMI JOIN lk_std_changed c "
        "ON c.record_id = s.record_id::VARCHAR)"
    )
    con.execute(
        f"INSERT INTO {target} {_standardised_select(changed_source, present, uprns, kept=True)}"
    )
    standardised = con.execute("SELECT count(*) FROM lk_std_changed").fetchone()[0]
    records = con.execute("SELECT count(*) FROM lk_std_input").fetchone()[0]
    for table in ("lk_std_input", "lk_std_changed", "lk_std_drop"):
        con.execute(f"DROP TABLE {table}")
    return {
        "mode": "incremental",
        "records": records,
        "standardised": standardised,
        "removed": gone,
    }
