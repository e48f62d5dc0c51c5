"""The address and a non-UK postcode as written, for `families link` files without UPRNs."""

from __future__ import annotations

import duckdb

from orchestration.linkage.address_text import add_address_text
from orchestration.linkage.engine import build_profiles
from orchestration.linkage.standardise import standardise_person_records


def _standardised(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src (record_id VARCHAR, first_name VARCHAR, surname VARCHAR, "
        "address VARCHAR, postcode VARCHAR)"
    )
    con.executemany("INSERT INTO src VALUES (?, ?, ?, ?, ?)", rows)
    standardise_person_records(con, "src", "std")
    return con


def test_address_is_folded_to_letters_and_digits_and_only_non_uk_postcodes_kept_as_written():
    con = _standardised(
        [
            ("1", "Ann", "Lee", "12, Pinkerton Cct.", "4560"),
            ("2", "Ann", "Lee", "12 pinkerton  CCT", "LS7 2AB"),
            ("3", "Ann", "Lee", None, None),
        ]
    )
    assert add_address_text(con, "src", "std")
    rows = con.execute(
        "SELECT record_id, address_text, postcode, postcode_text FROM std ORDER BY record_id"
    ).fetchall()
    assert rows == [
        ("1", "12 pinkerton cct", None, "4560"),
        # A UK postcode is the standard postcode field; keeping it again would count twice.
        ("2", "12 pinkerton cct", "LS7 2AB", None),
        ("3", None, None, None),
    ]


def test_records_differing_only_in_address_text_are_two_profiles():
    con = _standardised(
        [("1", "Ann", "Lee", "12 Pinkerton Cct", None), ("2", "Ann", "Lee", "9 Howie Ct", None)]
    )
    assert build_profiles(con, "std", "prof", "map") == 1  # nightly columns: one profile
    add_address_text(con, "src", "std")
    assert build_profiles(con, "std", "prof", "map") == 2
    assert "address_text" in con.sql("SELECT * FROM prof").columns


def test_without_an_address_column_nothing_is_added():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE src AS SELECT '1' AS record_id, 'Ann' AS first_name, 'Lee' AS surname"
    )
    standardise_person_records(con, "src", "std")
    assert not add_address_text(con, "src", "std")
    assert "address_text" not in con.sql("SELECT * FROM std").columns
