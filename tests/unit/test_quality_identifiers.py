"""Identifier validity rules: published examples, and the SQL forms agree with Python."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.quality import identifiers as ids


@pytest.mark.parametrize(
    "number",
    ["9434765919", "4010232137", "943 476 5919", "943-476-5919", "0000000000"],
)
def test_nhs_numbers_with_a_correct_modulus_11_check_digit_are_valid(number):
    assert ids.nhs_number_is_valid(number)


@pytest.mark.parametrize(
    "number",
    [
        "9434765918",  # last digit changed
        "9434765910",
        "4010232138",
        "1234567890",  # check digit would be 10: never issued
        "943476591",  # nine digits
        "94347659190",
        "94347A5919",
        "",
        None,
    ],
)
def test_nhs_numbers_failing_the_check_digit_or_length_are_invalid(number):
    assert not ids.nhs_number_is_valid(number)


def test_upn_check_letter_follows_the_dfe_weights_and_modulus_23():
    # Worked by hand: 8*2 + 1*4 + 2*5 + 1*8 + 1*13 = 51; 51 mod 23 = 5 -> 'F'.
    assert ids.upn_check_letter("801200100001") == "F"
    assert ids.upn_is_valid("F801200100001")
    assert ids.upn_is_valid("f801200100001")  # case is a display matter


@pytest.mark.parametrize(
    "upn",
    [
        "G801200100001",  # wrong check letter
        "F801200100002",  # a digit changed
        "F80120010000",  # 12 characters
        "I801200100001",  # I is never a check letter
        "F80120010000I",
        None,
    ],
)
def test_upns_with_a_wrong_check_letter_or_shape_are_invalid(upn):
    assert not ids.upn_is_valid(upn)


def test_temporary_upns_ending_in_a_letter_count_it_in_the_check():
    body = "80120010000A"
    letter = ids.upn_check_letter(body)
    # A = 0 in the table, so the check letter equals that of the body ending in 0.
    assert letter == ids.upn_check_letter("801200100000")
    assert ids.upn_is_valid(letter + body)


@pytest.mark.parametrize("nino", ["AB123456C", "ab 12 34 56 c", "JK123456D", "CE123456A"])
def test_ni_numbers_in_an_allocatable_format_are_valid(nino):
    assert ids.ni_number_is_valid(nino)


@pytest.mark.parametrize(
    "nino",
    [
        "DA123456A",  # D never a first letter
        "AO123456A",  # O never a second letter
        "BG123456A",  # unallocated prefix
        "TN123456A",  # temporary number
        "AB123456E",  # suffix beyond D
        "AB12345C",  # five digits
        "AB123456",  # no suffix
        None,
    ],
)
def test_ni_numbers_outside_the_hmrc_format_are_invalid(nino):
    assert not ids.ni_number_is_valid(nino)


@pytest.mark.parametrize(
    "postcode", ["BS1 4DJ", "bs14dj", "EC1A 1BB", "W1A 0AX", "M1 1AE", "GIR 0AA"]
)
def test_uk_postcodes_in_royal_mail_format_are_valid(postcode):
    assert ids.postcode_is_valid(postcode)


@pytest.mark.parametrize("postcode", ["BS1 4CJ", "QS1 4DJ", "BS1", "12345", "BS1 4D", "", None])
def test_malformed_postcodes_are_invalid(postcode):
    assert not ids.postcode_is_valid(postcode)


def test_postcodes_normalise_to_the_gazetteer_form():
    assert ids.normalise_postcode(" bs14dj ") == "BS1 4DJ"
    assert ids.normalise_postcode("EC1A1BB") == "EC1A 1BB"


SAMPLES = {
    "nhs": ["9434765919", "9434765918", "1234567890", "943 476 5919", "94347A5919", "12", ""],
    "upn": ["F801200100001", "G801200100001", "f801200100001", "F80120010000", "X", ""],
    "ni": ["AB123456C", "BG123456A", "ab 12 34 56 c", "AO123456A", "AB123456E", ""],
    "postcode": ["BS1 4DJ", "bs14dj", "BS1 4CJ", "QS1 4DJ", "GIR 0AA", "12345", ""],
}


@pytest.mark.parametrize(
    "kind,python_rule,sql_rule",
    [
        ("nhs", ids.nhs_number_is_valid, ids.sql_nhs_number_is_valid),
        ("upn", ids.upn_is_valid, ids.sql_upn_is_valid),
        ("ni", ids.ni_number_is_valid, ids.sql_ni_number_is_valid),
        ("postcode", ids.postcode_is_valid, ids.sql_postcode_is_valid),
    ],
)
def test_sql_rules_agree_with_the_python_reference(kind, python_rule, sql_rule):
    con = duckdb.connect()
    values = [*SAMPLES[kind], None]
    con.execute("create table t (i integer, v varchar)")
    con.executemany("insert into t values (?, ?)", list(enumerate(values)))
    got = dict(con.execute(f"select i, {sql_rule('v')} from t").fetchall())
    for i, value in enumerate(values):
        if value is None or value.strip() == "":
            assert got[i] is None, f"{kind} {value!r}: a missing value is not judged"
        else:
            assert got[i] is python_rule(value), f"{kind} {value!r}"


def test_sql_postcode_normalisation_matches_python():
    con = duckdb.connect()
    for raw in ["bs14dj", " BS1 4DJ ", "EC1A1BB"]:
        sql = ids.sql_normalise_postcode("?")
        assert con.execute(f"select {sql}", [raw] * sql.count("?")).fetchone()[0] == (
            ids.normalise_postcode(raw)
        )
