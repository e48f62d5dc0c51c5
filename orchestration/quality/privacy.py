"""Scan report files for personal data taken from the loaded records.

Used by the tests (and runnable after a demo): every name, date of birth and identifier in
the raw tables is looked for in every file under `data/reports/quality/`. Short values
(under 4 characters: sex codes, initials) are skipped, as they occur in any text. Dates of
birth are looked for in the forms they take in extracts and reports; one equal to an extract
date is skipped, because reports show extract dates by design and such a date discloses
nobody's birthday. An address line that is only a town or locality held in the gazetteer
(say "Bristol") is skipped too: a place name identifies nobody and the organisation names
in reports contain it. So is a value on a contract's code list ("Male"), which the suites
print as the expected set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_LENGTH = 4
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%Y%m%d", "%d %b %Y", "%d %B %Y")


@dataclass(frozen=True)
class Leak:
    file: Path
    kind: str  # identifier kind of the column; never the value itself
    column: str


def personal_values(con: Any, contracts: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every personal value in the raw tables -> (identifier kind, table.column)."""
    from orchestration.quality.references import table_exists

    values: dict[str, tuple[str, str]] = {}
    extract_dates: set[dt.date] = set()
    places = public_place_names(con, contracts)
    codes = {
        str(v) for c in contracts.values() for col in c.columns for v in col.allowed_values or ()
    }
    for table, contract in contracts.items():
        if not table_exists(con, "raw", table):
            continue
        extract_dates |= {
            r[0]
            for r in con.execute(f'select distinct _extract_date from raw."{table}"').fetchall()
        }
        for column in contract.columns:
            if not column.personal_identifier:
                continue
            name = column.name
            rows = con.execute(
                f'select distinct "{name}" from raw."{table}" where "{name}" is not null'
            ).fetchall()
            where = f"{table}.{column.name}"
            for (value,) in rows:
                if isinstance(value, dt.datetime):
                    value = value.date()
                if isinstance(value, dt.date):
                    if value in extract_dates:
                        continue
                    for fmt in DATE_FORMATS:
                        values[value.strftime(fmt)] = (column.identifier_kind or "date", where)
                    continue
                text = str(value).strip()
                if column.identifier_kind == "address" and text.upper() in places:
                    continue
                if text in codes:
                    continue  # a code-list value ("Male") is public reference, not a person
                if len(text) >= MIN_LENGTH:
                    values[text] = (column.identifier_kind or "other", where)
    return values


def public_place_names(con: Any, contracts: dict[str, Any]) -> set[str]:
    """Towns and localities in the gazetteer, upper case."""
    from orchestration.quality.references import GAZETTEER, table_exists

    gazetteer = contracts.get(GAZETTEER)
    if gazetteer is None or not table_exists(con, "raw", GAZETTEER):
        return set()
    names: set[str] = set()
    for column in gazetteer.columns:
        if re.search(r"town|locality", column.name, re.IGNORECASE):
            rows = con.execute(f'select distinct upper("{column.name}") from raw."{GAZETTEER}"')
            names |= {r[0] for r in rows.fetchall() if r[0]}
    return names


# Files a browser or GX reads as text; fonts and images cannot carry a record's value.
TEXT_SUFFIXES = {".html", ".htm", ".json", ".yml", ".yaml", ".css", ".js", ".txt", ".md", ".csv"}
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['/.\-][A-Za-z0-9]+)*")
MAX_TOKENS = 6


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def public_vocabulary(contracts: dict[str, Any]) -> set[str]:
    """Words the reports print by design: template text, check wording, contract text.

    A one-word name equal to one of them ("Green" in "Green 99 or more", "North" in "North
    Somerset") is a coincidence of spelling, not a disclosure.
    """
    from orchestration.quality.suites import build_checks

    texts = [(Path(__file__).parent / "templates" / "iao_report.html.j2").read_text()]
    for contract in contracts.values():
        texts += [
            contract.dataset,
            contract.organisation,
            contract.description,
            contract.information_asset_owner.role,
        ]
        texts += [f"{c.name} {c.description}" for c in contract.columns]
        texts += [f"{c.description} {c.advice}" for c in build_checks(contract, contracts)]
    return {token for text in texts for token in _tokens(text)}


def find_leaks(
    root: Path, values: dict[str, tuple[str, str]], vocabulary: set[str] = frozenset()
) -> list[Leak]:
    """Text files under `root` holding any of `values` as whole words (one hit per file and
    column). Values and files are compared as token sequences, so "12 Acacia Road",
    "10/03/2005" and "BS1 4DJ" are found whatever the spacing or punctuation between tokens."""
    wanted: dict[tuple[str, ...], tuple[str, str]] = {}
    for value, where in values.items():
        tokens = tuple(_tokens(value))
        if len(tokens) == 1 and tokens[0] in vocabulary:
            continue
        if tokens and len(tokens) <= MAX_TOKENS:
            wanted[tokens] = where
    leaks: dict[tuple[Path, str], Leak] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        tokens = _tokens(path.read_text(encoding="utf-8", errors="replace"))
        for start in range(len(tokens)):
            for length in range(1, MAX_TOKENS + 1):
                hit = wanted.get(tuple(tokens[start : start + length]))
                if hit:
                    kind, column = hit
                    leaks.setdefault((path, column), Leak(path, kind, column))
    return list(leaks.values())
