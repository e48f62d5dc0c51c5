"""File-level checks and parsing, on text in memory (no warehouse)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.contract import load_contracts, load_deny_list
from orchestration.ingest.loader import FileRefused, decode, extract_date_of, parse_text

HEADER = "offence_ref,person_ref,surname,DOB,offence_date,offence_count,cost,proven,outcome_code"
ROW = "O{n},P{n},Smith,01/02/2003,05/01/2015,1,2.5,Y,CHARGED"


@pytest.fixture
def offences(sample_contracts_dir: Path):
    return load_contracts(sample_contracts_dir)["police__offences"]


@pytest.fixture
def deny(sample_contracts_dir: Path):
    return load_deny_list(sample_contracts_dir / "deny_list.yml")


def _rows(n: int) -> str:
    return "".join(ROW.format(n=i) + "\n" for i in range(n))


def test_row_numbers_count_the_header_as_row_one_and_skip_over_bad_rows(offences, deny):
    text = HEADER + "\n" + _rows(2) + "only,three,fields\n" + _rows(1) + "\n" + _rows(1)
    parsed = parse_text(text, offences, deny, "f.csv")
    # Lines: 1 header, 2-3 good, 4 ragged, 5 good, 6 blank, 7 good.
    assert parsed.table.column("_row_number").to_pylist() == [2, 3, 5, 6, 7]
    assert parsed.bad_rows == [(4, "row has 3 fields, the header has 9", "only,three,fields")]
    assert parsed.rows_read == 6


def test_quoted_delimiters_and_newlines_stay_inside_one_value(offences, deny):
    text = HEADER + '\n"O1","P1","Smith, Jr","01/02/2003","05/01/2015",1,2,Y,"multi\nline"\n'
    parsed = parse_text(text, offences, deny, "f.csv")
    assert parsed.table.column("surname").to_pylist() == ["Smith, Jr"]
    assert parsed.table.column("outcome_code").to_pylist() == ["multi\nline"]
    assert parsed.bad_rows == []


def test_undeclared_columns_are_dropped_and_reported(offences, deny):
    text = HEADER + ",gang_affiliation\n" + ROW.format(n=1) + ",x\n"
    parsed = parse_text(text, offences, deny, "f.csv")
    assert parsed.columns_dropped == ["gang_affiliation"]
    assert "gang_affiliation" not in parsed.table.column_names


def test_missing_optional_column_is_allowed_and_reported(offences, deny):
    header = HEADER.replace(",cost", "")
    row = ROW.replace(",2.5", "")
    parsed = parse_text(header + "\n" + row.format(n=1) + "\n", offences, deny, "f.csv")
    assert parsed.missing_optional == ["cost"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty file"),
        ("   \n\n", "empty file"),
        (
            HEADER.replace("offence_date,", "") + "\n",
            "missing required column(s) in header (line 1): offence_date",
        ),
        (
            HEADER.replace(",", ";") + "\n" + _rows(1).replace(",", ";"),
            "wrong delimiter: line 1 splits into columns on ';'",
        ),
        (
            HEADER + ",Adoption_Order\n" + _rows(1),
            "deny list: column 'Adoption_Order' carries excluded category 'adoption'",
        ),
        (HEADER + ",offence_ref\n", "duplicate column(s)"),
        (HEADER + "\n" + _rows(3) + "O9,P9,Smi", "truncated file: the last row (row 5)"),
        (HEADER + "\n" + _rows(3) + 'O9,P9,"Smith\n', "a quoted value is never closed"),
    ],
    ids=[
        "empty",
        "blank",
        "missing-required",
        "wrong-delimiter",
        "denied",
        "duplicate",
        "truncated",
        "unclosed-quote",
    ],
)
def test_file_level_faults_refuse_the_file_with_a_message_naming_the_problem(
    offences, deny, text, problem
):
    with pytest.raises(FileRefused) as refused:
        parse_text(text, offences, deny, "police/offences/2015-01-31.csv")
    assert problem in str(refused.value)
    assert str(refused.value).startswith("police/offences/2015-01-31.csv: refused: ")


def test_complete_last_row_without_a_final_line_break_is_not_truncation(offences, deny):
    parsed = parse_text(HEADER + "\n" + _rows(2).rstrip("\n"), offences, deny, "f.csv")
    assert parsed.table.num_rows == 2


def test_undecodable_bytes_name_the_line(offences):
    data = (HEADER + "\n" + _rows(2)).encode("cp1252") + b"O3,P3,Sm\x81th\n"
    with pytest.raises(FileRefused, match=r"byte 0x81 at line 4 .* not valid cp1252"):
        decode(data, "cp1252", "f.csv")
    with pytest.raises(FileRefused, match=r"at line 2 .* not valid utf-8"):
        decode(b"a,b\nO\x92Brien,1\n", "utf-8", "f.csv")


def test_cp1252_and_bom_decode(offences):
    assert decode("O’Brien".encode("cp1252"), "cp1252", "f") == "O’Brien"
    assert decode("\ufeffupn|x".encode(), "utf-8-sig", "f") == "upn|x"
    assert decode("\ufeffupn|x".encode(), "utf-8", "f") == "upn|x"


@pytest.mark.parametrize("name", ["2015-1-31.csv", "2015-02-30.csv", "2015-01-31.txt", "x.csv"])
def test_file_names_must_be_an_extract_date(offences, name):
    with pytest.raises(FileRefused, match="file name must be|not a valid date"):
        extract_date_of(Path(name), offences)


def test_header_without_any_declared_column_is_refused_even_with_no_required_columns(
    sample_contracts_dir, deny
):
    census = load_contracts(sample_contracts_dir)["council_education__school_census"]
    optional_only = census.__class__(
        **{**census.__dict__, "columns": tuple(c for c in census.columns if not c.required)}
    )
    with pytest.raises(FileRefused, match=r"wrong delimiter: .* on ','"):
        parse_text("forename,year_group\nAnn,7\n", optional_only, deny, "f.csv")
    with pytest.raises(FileRefused, match="no declared column in the header"):
        parse_text("colour|size\nred|7\n", optional_only, deny, "f.csv")


def test_utf8_file_under_a_cp1252_contract_is_refused_not_garbled():
    with pytest.raises(FileRefused, match="wrong encoding: the file is UTF-8"):
        decode("surname\nO’Brien\n".encode(), "cp1252", "f.csv")
    assert decode(b"surname\nSmith\n", "cp1252", "f.csv") == "surname\nSmith\n"
