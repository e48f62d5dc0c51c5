"""Checks of an exchange file's rows: a bad row refuses the file, naming the row and field."""

from __future__ import annotations

import re
from typing import Any

from orchestration.exchange.envelope import Envelope, ExchangeRefused

PSEUDONYM = re.compile(r"^[0-9a-f]{64}$")


def _bad(envelope: Envelope, index: int, field: str, what: str) -> ExchangeRefused:
    return ExchangeRefused(envelope.path, "bad_row", f"row {index + 1}, field {field!r}: {what}")


def _rows(envelope: Envelope) -> list[dict[str, Any]]:
    if not isinstance(envelope.body, list):
        raise ExchangeRefused(envelope.path, "bad_row", "the body is not a list of rows")
    for index, row in enumerate(envelope.body):
        if not isinstance(row, dict):
            raise _bad(envelope, index, "-", "not an object")
        if not PSEUDONYM.match(str(row.get("household", ""))):
            raise _bad(envelope, index, "household", "not a pseudonym (64 hex digits)")
    households = [row["household"] for row in envelope.body]
    if len(set(households)) != len(households):
        duplicate = next(i for i, h in enumerate(households) if households.index(h) != i)
        raise _bad(envelope, duplicate, "household", "the same household twice")
    return envelope.body


def _list_of(envelope: Envelope, index: int, row: dict, field: str, kind: type) -> list[Any]:
    value = row.get(field)
    if not isinstance(value, list) or not all(isinstance(item, kind) for item in value):
        raise _bad(envelope, index, field, f"not a list of {kind.__name__}")
    return value


HOUSEHOLD_LIST_FIELDS = {"household", "criteria", "indicators", "addresses"}


def household_list_rows(envelope: Envelope) -> list[dict[str, Any]]:
    """Rows of a household list: household, criteria (ints), indicators (codes), addresses
    (pseudonyms of other UPRNs); no more."""
    rows = _rows(envelope)
    for index, row in enumerate(rows):
        extra = set(row) - HOUSEHOLD_LIST_FIELDS
        if extra:
            raise _bad(envelope, index, sorted(extra)[0], "a field a household list never holds")
        if not _list_of(envelope, index, row, "criteria", int):
            raise _bad(envelope, index, "criteria", "empty: a household is listed for a criterion")
        _list_of(envelope, index, row, "indicators", str)
        if not all(PSEUDONYM.match(a) for a in _list_of(envelope, index, row, "addresses", str)):
            raise _bad(envelope, index, "addresses", "not a list of pseudonyms (64 hex digits)")
    return rows


def request_rows(envelope: Envelope) -> list[str]:
    """The pseudonyms a request asks about."""
    rows = _rows(envelope)
    for index, row in enumerate(rows):
        if set(row) != {"household"}:
            raise _bad(envelope, index, "-", "a request row holds only a household pseudonym")
    return [row["household"] for row in rows]


def answer_rows(envelope: Envelope) -> list[dict[str, Any]]:
    """Rows of an answer: household, persons (each with person_ref and records), evidence."""
    rows = _rows(envelope)
    for index, row in enumerate(rows):
        persons = _list_of(envelope, index, row, "persons", dict)
        refs = set()
        for person in persons:
            if not isinstance(person.get("person_ref"), str):
                raise _bad(envelope, index, "persons.person_ref", "missing")
            _list_of(envelope, index, person, "records", dict)
            refs.add(person["person_ref"])
        for item in _list_of(envelope, index, row, "evidence", dict):
            if item.get("person_ref") not in refs:
                raise _bad(envelope, index, "evidence.person_ref", "not a person of this household")
    return rows
