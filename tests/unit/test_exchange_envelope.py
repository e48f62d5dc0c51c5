"""Sealed exchange files: what a receiver refuses, and why (orchestration/exchange/envelope.py)."""

from __future__ import annotations

import json

import pytest

from orchestration.exchange.envelope import (
    ExchangeRefused,
    new_header,
    read_envelope,
    require_same_rules,
    write_envelope,
)
from orchestration.exchange.keys import ExchangeKey
from orchestration.exchange.rows import answer_rows, household_list_rows

KEY = ExchangeKey("2016-Q2", bytes(range(32)))
BODY = [
    {
        "household": KEY.pseudonym("100"),
        "criteria": [1, 5],
        "indicators": ["1A", "5C"],
        "addresses": [KEY.pseudonym("300")],
    },
    {"household": KEY.pseudonym("200"), "criteria": [1], "indicators": ["1B"], "addresses": []},
]


@pytest.fixture
def sealed(tmp_path):
    header = new_header("household_list", KEY, "FF2015", "2016-06-30", "tester")
    return write_envelope(tmp_path / "list.json", KEY, header, BODY).path


def _edit(path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_sealed_file_reads_back_whole(sealed):
    envelope = read_envelope(sealed, "household_list", KEY)
    assert envelope.body == BODY and household_list_rows(envelope) == BODY
    require_same_rules(envelope, "FF2015", "2016-06-30")


def _refusal(path, key=KEY, kind="household_list") -> str:
    with pytest.raises(ExchangeRefused) as error:
        read_envelope(path, kind, key)
    return error.value.reason


def test_an_edited_body_fails_its_checksum(sealed):
    _edit(sealed, lambda d: d["body"][0]["criteria"].append(2))
    assert _refusal(sealed) == "checksum"


def test_an_edited_header_fails_the_mac(sealed):
    _edit(sealed, lambda d: d["header"].update(rule_set="SFOF2022"))
    assert _refusal(sealed) == "mac"


def test_a_body_rehashed_by_someone_without_the_key_fails_the_mac(sealed):
    import hashlib

    from orchestration.exchange.envelope import canonical

    def forge(document):
        document["body"].pop()
        document["body_sha256"] = hashlib.sha256(canonical(document["body"])).hexdigest()

    _edit(sealed, forge)
    assert _refusal(sealed) == "mac"


def test_another_key_id_another_secret_format_or_kind_is_refused(sealed):
    assert _refusal(sealed, key=ExchangeKey("2016-Q3", KEY.secret)) == "key_id"
    assert _refusal(sealed, key=ExchangeKey("2016-Q2", bytes(32))) == "wrong_key"
    assert _refusal(sealed, kind="answer") == "kind"
    _edit(sealed, lambda d: d["header"].update(format_version="tf-exchange/0"))
    assert _refusal(sealed) == "format_version"


def test_another_rule_set_or_as_at_date_is_refused(sealed):
    envelope = read_envelope(sealed, "household_list", KEY)
    with pytest.raises(ExchangeRefused, match="rule set 'FF2015'"):
        require_same_rules(envelope, "SFOF2022", "2016-06-30")
    with pytest.raises(ExchangeRefused, match="as at 2016-06-30"):
        require_same_rules(envelope, "FF2015", "2016-03-31")


def test_a_household_list_row_with_any_other_field_is_refused_naming_row_and_field(tmp_path):
    body = [BODY[0], {**BODY[1], "uprn": "200"}]
    header = new_header("household_list", KEY, "FF2015", "2016-06-30", "tester")
    envelope = write_envelope(tmp_path / "list.json", KEY, header, body)
    with pytest.raises(ExchangeRefused, match="row 2, field 'uprn'"):
        household_list_rows(read_envelope(envelope.path, "household_list", KEY))


def test_a_household_list_address_that_is_not_a_pseudonym_is_refused(tmp_path):
    body = [BODY[0], {**BODY[1], "addresses": ["200"]}]
    header = new_header("household_list", KEY, "FF2015", "2016-06-30", "tester")
    envelope = write_envelope(tmp_path / "list.json", KEY, header, body)
    with pytest.raises(ExchangeRefused, match="row 2, field 'addresses': not a list of pseudo"):
        household_list_rows(read_envelope(envelope.path, "household_list", KEY))


def test_an_answer_row_with_evidence_of_a_person_not_listed_is_refused(tmp_path):
    body = [
        {
            "household": KEY.pseudonym("100"),
            "persons": [{"person_ref": "P1", "records": []}],
            "evidence": [{"person_ref": "P2", "indicator_code": "1A"}],
        }
    ]
    header = new_header("answer", KEY, "FF2015", "2016-06-30", "tester")
    envelope = write_envelope(tmp_path / "answer.json", KEY, header, body)
    with pytest.raises(ExchangeRefused, match="row 1, field 'evidence.person_ref'"):
        answer_rows(read_envelope(envelope.path, "answer", KEY))
