"""The address as written, as evidence, for files linked without a gazetteer.

The nightly run turns an address into a UPRN (addresses.py) and compares UPRNs. `families
link` has no gazetteer for files from elsewhere, so without this their address column was
read and then ignored, and two records of one person who differ in name and date of birth
had nothing else to agree on (FEBRL4: recall 0.861 on names and dates alone). Here the
address is lower-cased, folded to letters and digits and compared as text; the learnt
model's EM decides what agreeing is worth, as for every other field. A postcode the UK
format cannot read (FEBRL's are Australian) is kept as written, as `postcode_text`, rather
than dropped; a record whose postcode reads as UK has none, so nothing counts twice.
"""

from __future__ import annotations

import duckdb

COLUMN = "address_text"
POSTCODE_COLUMN = "postcode_text"

# Letters and digits only, single spaces: "12, Pinkerton Cct." and "12 pinkerton cct" agree.
_TEXT_SQL = "nullif(trim(regexp_replace(strip_accents(lower({col})), '[^a-z0-9]+', ' ', 'g')), '')"


def add_address_text(con: duckdb.DuckDBPyConnection, source: str, std_table: str) -> bool:
    """Add `address_text` and `postcode_text` to `std_table` from `source`'s address and
    postcode (joined on record_id). Returns False, adding nothing, without an address."""
    columns = {c.lower() for c in con.sql(f"SELECT * FROM {source} LIMIT 0").columns}
    if "address" not in columns:
        return False
    text = _TEXT_SQL.format(col="s.address::VARCHAR")
    postcode = (
        "nullif(regexp_replace(upper(s.postcode::VARCHAR), '[^A-Z0-9]', '', 'g'), '')"
        if "postcode" in columns
        else "NULL::VARCHAR"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {std_table} AS
        SELECT t.*, a.{COLUMN},
               CASE WHEN t.postcode IS NULL THEN a.raw_postcode END AS {POSTCODE_COLUMN}
        FROM {std_table} t
        LEFT JOIN (SELECT s.record_id::VARCHAR AS record_id, {text} AS {COLUMN},
                          {postcode} AS raw_postcode
                   FROM {source} s) a USING (record_id)
        """
    )
    return True
