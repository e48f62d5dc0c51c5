"""Person files with other column names: aliases mapped, ambiguity refused, extras named."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.linkage.input_columns import (
    PersonFileError,
    parse_column_options,
    resolve_columns,
)
from orchestration.linkage.inputs import load_person_files
from orchestration.linkage.standardise import REQUIRED_COLUMNS, STANDARD_COLUMNS

FILE = Path("people.csv")


def _resolve(columns, explicit=None):
    return resolve_columns(FILE, columns, STANDARD_COLUMNS, REQUIRED_COLUMNS, explicit)


def test_known_aliases_are_mapped_with_a_message():
    mapping, messages = _resolve(["id", "Given Name", "family_name", "date_of_birth"])
    assert mapping["record_id"] == "id" and mapping["first_name"] == "Given Name"
    assert mapping["surname"] == "family_name" and mapping["dob"] == "date_of_birth"
    assert any("'date_of_birth' read as dob" in m for m in messages)


def test_two_candidates_for_one_field_are_refused_with_how_to_choose():
    with pytest.raises(PersonFileError) as error:
        _resolve(["record_id", "first_name", "surname", "date_of_birth", "birth_date"])
    assert "--column dob=date_of_birth" in str(error.value)
    assert "people.csv" in str(error.value)


def test_explicit_mapping_wins_and_unknown_columns_are_named():
    mapping, messages = _resolve(
        ["record_id", "first_name", "surname", "dob", "dob_verified", "shoe_size"],
        {"dob": "dob_verified"},
    )
    assert mapping["dob"] == "dob_verified"
    assert any("'dob'" in m and "'shoe_size'" in m and "ignored" in m for m in messages)


def test_missing_required_field_says_how_to_map_it():
    with pytest.raises(PersonFileError) as error:
        _resolve(["record_id", "name", "surname"])
    assert "first_name" in str(error.value) and "--column first_name=" in str(error.value)


def test_column_options_must_be_field_equals_column():
    assert parse_column_options(["dob=date_of_birth"]) == {"dob": "date_of_birth"}
    with pytest.raises(PersonFileError):
        parse_column_options(["dob"])


def test_unreadable_dates_are_refused_naming_file_line_and_field(tmp_path):
    path = tmp_path / "us.csv"
    path.write_text(
        "record_id,first_name,surname,dob\n"
        "1,Ann,Lee,12/31/1990\n2,Bob,Lee,11/30/1991\n3,Cat,Lee,10/29/1992\n",
        encoding="utf-8",
    )
    with pytest.raises(PersonFileError) as error:
        load_person_files(duckdb.connect(), [path])
    message = str(error.value)
    assert "us.csv" in message and "line 2" in message and "field dob" in message
