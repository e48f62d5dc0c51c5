"""Find the columns a check needs in a contract: by identifier kind first, then by name.

Contracts say what a personal column holds (`identifier_kind`); reference data such as the
gazetteer holds no personal data, so its columns are found by name.
"""

from __future__ import annotations

import re
from typing import Any

_SURNAME = re.compile(r"surname|last_?name|family_?name", re.IGNORECASE)
_FIRST = re.compile(r"fore_?name|first_?name|given_?name", re.IGNORECASE)


def quote(name: str) -> str:
    """A column name as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def of_kind(contract: Any, kind: str) -> list[str]:
    return [c.name for c in contract.columns if c.identifier_kind == kind]


def first_of_kind(contract: Any, kind: str) -> str | None:
    found = of_kind(contract, kind)
    return found[0] if found else None


def by_name(contract: Any, pattern: str) -> str | None:
    """The first column whose name matches `pattern` (a regular expression, any case)."""
    regex = re.compile(pattern, re.IGNORECASE)
    return next((c.name for c in contract.columns if regex.search(c.name)), None)


def surname_column(contract: Any) -> str | None:
    names = of_kind(contract, "name")
    return next((n for n in names if _SURNAME.search(n)), None)


def first_name_column(contract: Any) -> str | None:
    names = of_kind(contract, "name")
    return next((n for n in names if _FIRST.search(n)), None)


def postcode_column(contract: Any) -> str | None:
    return first_of_kind(contract, "postcode") or by_name(contract, r"post_?code")


def gazetteer_address_sql(contract: Any) -> str | None:
    """SQL for a gazetteer property's house and street, from LLPG (BS 7666) columns.

    A numbered building gives "<number><suffix> <street>", a named one "<name> <street>":
    the part of an address a person's record should contain whatever else it adds (flat,
    locality, town).
    """
    number = by_name(contract, r"^PAO_START_NUMBER$")
    suffix = by_name(contract, r"^PAO_START_SUFFIX$")
    name = by_name(contract, r"^PAO_TEXT$")
    street = by_name(contract, r"^STREET_DESCRIPTION$")
    if not (street and (number or name)):
        return None
    parts = []
    if number:
        numbered = [f"cast({quote(number)} as varchar)"]
        if suffix:
            numbered.append(f"coalesce({quote(suffix)}, '')")
        parts.append(f"case when {quote(number)} is not null then {' || '.join(numbered)} end")
    if name:
        parts.append(quote(name))
    return f"concat_ws(' ', coalesce({', '.join(parts)}), {quote(street)})"
