"""Contract and deny-list parsing: what loads, and errors that name the file and the key."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from orchestration.ingest.contract import (
    ContractError,
    load_contract,
    load_contracts,
    load_deny_list,
    parse_contract,
)


def test_contracts_load_keyed_by_table_name(sample_contracts_dir: Path):
    contracts = load_contracts(sample_contracts_dir)
    assert set(contracts) == {"police__offences", "council_education__school_census"}
    offences = contracts["police__offences"]
    assert offences.table_name == "police__offences"
    assert offences.name == "offences"
    assert offences.extract.kind == "delta"
    assert offences.file.encoding == "cp1252"
    assert offences.information_asset_owner.role == "Head of Information"
    assert offences.legal_gateways == (1, 5, 9, 10, 11, 12)
    assert offences.column("DOB").format == ("%d/%m/%Y", "%Y-%m-%d")
    assert offences.column("offence_date").format == ("%d/%m/%Y",)
    assert offences.identifier_columns == ("person_ref", "surname", "DOB")
    assert offences.column("outcome_code").allowed_values == ("CHARGED", "CAUTION", "NFA")
    census = contracts["council_education__school_census"]
    assert census.file.delimiter == "|"
    assert census.extract.kind == "snapshot"


def _contract_data(sample_contracts_dir: Path) -> dict:
    return yaml.safe_load((sample_contracts_dir / "police" / "offences.yml").read_text())


@pytest.mark.parametrize(
    ("mutate", "key", "problem"),
    [
        (lambda d: d.pop("retention"), "retention", "is required"),
        (lambda d: d["extract"].update(kind="weekly"), "extract.kind", "not one of"),
        (lambda d: d["file"].update(encoding="latin-9"), "file.encoding", "not one of"),
        (lambda d: d["file"].update(delimiter=",,"), "file.delimiter", "one character"),
        (lambda d: d["columns"][0].update(type="text"), "columns[0] (offence_ref).type", "text"),
        (lambda d: d.update(primary_key=["nope"]), "primary_key", "nope"),
        (lambda d: d.update(legal_gateways=[]), "legal_gateways", "gateway numbers"),
        (lambda d: d["columns"].append({"name": "DOB", "type": "string"}), "columns", "duplicate"),
    ],
)
def test_malformed_contract_error_names_file_and_key(sample_contracts_dir, mutate, key, problem):
    data = _contract_data(sample_contracts_dir)
    mutate(data)
    with pytest.raises(ContractError) as error:
        parse_contract(data, "contracts/police/offences.yml")
    message = str(error.value)
    assert message.startswith("contracts/police/offences.yml: ")
    assert key in message
    assert problem in message


def test_contract_whose_dataset_does_not_match_its_path_is_rejected(sample_contracts_dir):
    path = sample_contracts_dir / "police" / "arrests.yml"
    path.write_text((sample_contracts_dir / "police" / "offences.yml").read_text())
    with pytest.raises(ContractError, match="arrests.yml: dataset: 'police/offences'"):
        load_contract(path)


def test_deny_list_matches_header_names_whatever_their_separators(sample_contracts_dir):
    deny = load_deny_list(sample_contracts_dir / "deny_list.yml")
    found = deny.matches(["person_ref", "Adoption Order Date", "GP Case-Notes", "outcome"])
    assert [(column, category.name) for column, category in found] == [
        ("Adoption Order Date", "adoption"),
        ("GP Case-Notes", "health professionals' case notes"),
    ]
    assert deny.matches(["person_ref", "offence_date"]) == []


def test_missing_deny_list_is_an_error_not_an_empty_list(tmp_path):
    with pytest.raises(ContractError, match="deny list is missing"):
        load_deny_list(tmp_path / "deny_list.yml")


def test_deny_list_with_a_bad_pattern_names_the_category(tmp_path):
    path = tmp_path / "deny_list.yml"
    path.write_text(textwrap.dedent("categories:\n  - {name: x, patterns: ['(']}\n"))
    with pytest.raises(ContractError, match=r"categories\[0\]\.patterns"):
        load_deny_list(path)
