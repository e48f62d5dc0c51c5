"""Standardisation of names, dates, postcodes and identifiers for person linkage."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.linkage.standardise import (
    canonical_first_name,
    refresh_standardised_records,
    register_macros,
    standardise_name,
    standardise_person_records,
)


@pytest.fixture()
def con():
    connection = duckdb.connect()
    register_macros(connection)
    yield connection
    connection.close()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("SMITH", "smith"),
        ("  o'Brien ", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("Łukasz", "lukasz"),
        ("Wiśniewski", "wisniewski"),
        ("José", "jose"),
        ("Søren", "soren"),
        ("Mrs. Jane", "jane"),
        ("J.", "j"),
        ("", None),
        ("--", None),
        (None, None),
    ],
)
def test_names_lose_case_punctuation_diacritics_and_titles(con, raw, expected):
    assert standardise_name(con, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Bill", "william"),
        ("BOBBY", "robert"),
        ("Mohammed", "muhammad"),
        ("Mohamed", "muhammad"),
        ("Muhammad", "muhammad"),
        ("Maxamed", "muhammad"),
        ("Katie", "catherine"),
        ("Oliver", "oliver"),
        ("Mary-Ann", "mary"),
    ],
)
def test_first_names_resolve_nicknames_and_variants(con, raw, expected):
    assert canonical_first_name(con, raw) == expected


def test_postcodes_dates_sex_and_identifiers_standardise(con):
    row = con.execute(
        """SELECT lk_postcode('bs1 4dj'), lk_postcode('BS14DJ'), lk_postcode('not one'),
                  lk_ni('ab 12 34 56 c'), lk_ni('TN123456A'), lk_nhs('943 476 5919'),
                  lk_nhs('0000000000'), lk_sex('female'), lk_sex('U'),
                  lk_dob(DATE '1900-01-01'), lk_dob(DATE '2004-02-29')"""
    ).fetchone()
    assert row == (
        "BS1 4DJ",
        "BS1 4DJ",
        None,
        "AB123456",
        None,
        "9434765919",
        None,
        "F",
        None,
        None,
        __import__("datetime").date(2004, 2, 29),
    )


def test_person_records_get_linkage_fields(con):
    con.execute(
        """CREATE TABLE src AS SELECT * FROM (VALUES
            ('r1', 'police__offences', 'Mary Ann', NULL, 'Kowalska', DATE '2001-03-04', 'F',
             'bs5 6xx', NULL, NULL, 'ab123456c'),
            ('r2', 'nhs__child_health', 'Bill', 'James', 'Smith-Jones', NULL, 'M', NULL,
             '9434765919', NULL, NULL)
           ) t(record_id, source_dataset, first_name, middle_names, surname, dob, sex,
               postcode, nhs_number, upn, ni_number)"""
    )
    standardise_person_records(con, "src", "std")
    rows = {
        r[0]: r
        for r in con.execute(
            """SELECT record_id, first_name, first_name_canonical, middle_names, surname,
                  surname_root, surname_tokens, dob_str, postcode_sector, postcode_district,
                  ni_number, nhs_number FROM std"""
        ).fetchall()
    }
    assert rows["r1"][1:4] == ("mary", "mary", "ann")
    assert rows["r1"][4:6] == ("kowalska", "kowalski")
    assert rows["r1"][7:11] == ("20010304", "BS5 6", "BS5", "AB123456")
    assert rows["r2"][1:5] == ("bill", "william", "james", "smithjones")
    assert rows["r2"][6] == ["smith", "jones"]
    assert rows["r2"][11] == "9434765919"


_SOURCE_COLUMNS = (
    "record_id, source_dataset, first_name, middle_names, surname, dob, sex, postcode, "
    "nhs_number, upn, ni_number"
)


def _kept_equals_full(con, source: str, kept: str, uprns: str) -> None:
    standardise_person_records(con, source, "expected", uprns=uprns)
    for left, right in (
        (f"SELECT * EXCLUDE (input_digest, profile_key) FROM {kept}", "SELECT * FROM expected"),
        ("SELECT * FROM expected", f"SELECT * EXCLUDE (input_digest, profile_key) FROM {kept}"),
    ):
        assert con.execute(f"SELECT count(*) FROM ({left} EXCEPT ALL {right})").fetchone()[0] == 0


def test_kept_standardisation_redoes_only_new_and_changed_records_and_matches_a_full_run(con):
    con.execute(
        f"""CREATE TABLE src AS SELECT * FROM (VALUES
            ('r1', 'police__offences', 'Jon', NULL, 'Smith', DATE '1990-01-02', 'M',
             'BS1 1AA', NULL, NULL, NULL),
            ('r2', 'nhs__child_health', 'Mary Ann', NULL, 'O''Brien', DATE '2012-05-06', 'F',
             'BS1 1AB', NULL, NULL, NULL),
            ('r3', 'dwp__benefits', 'Bill', NULL, 'Jones', DATE '1980-07-08', 'M',
             'BS2 2BB', NULL, NULL, 'AB123456C')
           ) t({_SOURCE_COLUMNS})"""
    )
    con.execute(
        """CREATE TABLE uprns AS SELECT * FROM (VALUES
            ('r1', '100', 'matched'), ('r2', '200', 'low_confidence')
           ) t(record_id, uprn, match_status)"""
    )
    first = refresh_standardised_records(con, "src", "linkage.kept", "uprns")
    assert (first["mode"], first["standardised"]) == ("full", 3)
    unchanged = refresh_standardised_records(con, "src", "linkage.kept", "uprns")
    assert (unchanged["mode"], unchanged["standardised"], unchanged["removed"]) == (
        "incremental",
        0,
        0,
    )
    # A restated record, a record gone, a new one, and a UPRN matched since the last run.
    con.execute("UPDATE src SET surname = 'Smyth' WHERE record_id = 'r1'")
    con.execute("DELETE FROM src WHERE record_id = 'r3'")
    con.execute(
        """INSERT INTO src VALUES ('r4', 'police__offences', 'Ann', NULL, 'Lee',
           DATE '1975-01-01', 'F', 'BS3 3CC', NULL, NULL, NULL)"""
    )
    con.execute("UPDATE uprns SET match_status = 'matched' WHERE record_id = 'r2'")
    night_two = refresh_standardised_records(con, "src", "linkage.kept", "uprns")
    assert (night_two["mode"], night_two["records"]) == ("incremental", 3)
    assert (night_two["standardised"], night_two["removed"]) == (3, 1)
    _kept_equals_full(con, "src", "linkage.kept", "uprns")


def test_kept_standardisation_rebuilds_when_standardisation_changes(con):
    con.execute(
        f"""CREATE TABLE src AS SELECT * FROM (VALUES
            ('r1', 'police__offences', 'Jon', NULL, 'Smith', DATE '1990-01-02', 'M',
             'BS1 1AA', NULL, NULL, NULL)) t({_SOURCE_COLUMNS})"""
    )
    con.execute("CREATE TABLE uprns (record_id VARCHAR, uprn VARCHAR, match_status VARCHAR)")
    refresh_standardised_records(con, "src", "linkage.kept", "uprns")
    # As if this module or the nickname list had changed since the table was built.
    con.execute("UPDATE linkage.standardised_state SET fingerprint = 'older code'")
    again = refresh_standardised_records(con, "src", "linkage.kept", "uprns")
    assert (again["mode"], again["standardised"]) == ("full", 1)
    _kept_equals_full(con, "src", "linkage.kept", "uprns")
