"""The eligible list written for people to work from, from the published night:
data/outputs/eligible_families.csv, eligible_families_left.csv and eligible_families.xlsx.

Both formats carry the same rows (list_rows.py, which the web pages read too). The CSV is
for other systems: one header line of stable column names, the as-at date and rule set on
every row, and the families that left the list in their own file. The XLSX is for people:
a heading with the as-at date, rule set and what changed since the last list, readable
column titles, and a second sheet for the families that left. Identifiers only (family
id, UPRN): names and other personal details never leave here.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from orchestration import paths
from orchestration.families.list_rows import (
    ListHeader,
    ListQuery,
    count_rows,
    left_rows,
    list_header,
    list_rows,
)

if TYPE_CHECKING:
    import duckdb

# (row key, column title): the CSV's header is the keys, the XLSX's the titles.
LIST_COLUMNS = (
    ("family_id", "Family"),
    ("uprn", "UPRN"),
    ("priority_rank", "Priority"),
    ("since_last_list", "Since the last list"),
    ("what_changed", "What changed"),
    ("criteria_count", "Criteria met"),
    ("criteria", "Criteria"),
    ("estimated_annual_cost_gbp", "Estimated annual cost (GBP)"),
    ("cost_price_year", "Cost price year"),
    ("services_now", "Services involved now"),
    ("criteria_not_assessed", "Criteria not assessed"),
    ("unavailable_sources", "Sources missing or overdue"),
    ("as_at_date", "As at"),
    ("rule_set_version", "Rule set"),
)
LEFT_COLUMNS = (
    ("family_id", "Family"),
    ("uprn", "UPRN"),
    ("previous_criteria_count", "Criteria met on the last list"),
    ("previous_criteria_met", "Criteria met then"),
    ("left_reason", "Why it is not on this list"),
)
ELIGIBLE_CSV_COLUMNS = tuple(key for key, _ in LIST_COLUMNS)
LEFT_CSV_COLUMNS = tuple(key for key, _ in LEFT_COLUMNS)
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ListFiles:
    csv: Path
    left_csv: Path
    xlsx: Path
    rows: int
    left: int


def cell(value: object) -> object:
    """A value as a spreadsheet cell: lists joined, costs to the pound, None empty."""
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float):
        return round(value)
    return "" if value is None else value


def _table(columns: tuple, rows: Iterable[dict]) -> Iterator[list]:
    for row in rows:
        yield [cell(row.get(key)) for key, _ in columns]


def write_csv(handle: IO[str], columns: tuple, rows: Iterable[dict]) -> int:
    """Write a header of column keys and the rows; return the number of rows."""
    writer = csv.writer(handle)
    writer.writerow([key for key, _ in columns])
    count = 0
    for line in _table(columns, rows):
        writer.writerow([v.isoformat() if isinstance(v, dt.date) else v for v in line])
        count += 1
    return count


def heading_lines(header: ListHeader, rows: int) -> list[str]:
    """What the list speaks for, above it in the XLSX (and the page)."""
    needed = f"at least {header.min_criteria} of {header.criteria_total} criteria"
    return [
        f"Eligible families: {rows}",
        f"As at {header.as_at_date}; rule set {header.rule_set_version} "
        f"({header.rule_set_name}): {needed}.",
        header.comparison_text(),
        "Advisory only: a person decides. Identifiers only (family id, UPRN); no names.",
    ]


def write_xlsx(
    target: Path | IO[bytes],
    header: ListHeader,
    rows: Iterable[dict],
    total: int,
    left: list[dict],
) -> int:
    """Write the `total` rows of the list (sheet 'Eligible families', under a heading) and
    the families that left it (sheet 'Left the list'), streaming the rows (write-only mode,
    so 200,000 households never sit in memory as cells); return the rows written."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    listed = book.create_sheet("Eligible families")
    for line in heading_lines(header, total):
        listed.append([line])
    listed.append([])
    listed.append([title for _, title in LIST_COLUMNS])
    written = 0
    for line in _table(LIST_COLUMNS, rows):
        listed.append(line)
        written += 1
    gone = book.create_sheet("Left the list")
    gone.append([f"Families on the last published list and not on this one: {len(left)}"])
    gone.append([header.comparison_text()])
    gone.append([])
    gone.append([title for _, title in LEFT_COLUMNS])
    for line in _table(LEFT_COLUMNS, left):
        gone.append(line)
    book.save(target)
    return written


def write_eligible_list(con: duckdb.DuckDBPyConnection, out_dir: Path | None = None) -> ListFiles:
    """Write the whole list as CSV and XLSX (and the families that left it) from the
    published night open on `con`. Readers never see a half-written file."""
    out_dir = Path(out_dir) if out_dir else paths.outputs_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    query = ListQuery()
    header = list_header(con)
    left = left_rows(con)
    files = ListFiles(
        csv=out_dir / "eligible_families.csv",
        left_csv=out_dir / "eligible_families_left.csv",
        xlsx=out_dir / "eligible_families.xlsx",
        rows=count_rows(con, query),
        left=len(left),
    )
    for path, columns, rows in (
        (files.csv, LIST_COLUMNS, list_rows(con, query)),
        (files.left_csv, LEFT_COLUMNS, left),
    ):
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("w", newline="", encoding="utf-8") as handle:
            write_csv(handle, columns, rows)
        tmp.replace(path)
    tmp = files.xlsx.with_name(".tmp." + files.xlsx.name)
    write_xlsx(tmp, header, list_rows(con, query), files.rows, left)
    tmp.replace(files.xlsx)
    return files
