"""The eligible list as its readers get it, over two real published nights: rows with
criteria by name, cost, services and what changed; families that left, with why; the CSV
and the XLSX (read back with openpyxl)."""

from __future__ import annotations

import csv

import duckdb
import pytest
from openpyxl import load_workbook

from orchestration import published
from orchestration.families import list_rows, outputs
from tests.unit.published_marts import Family, build_night

NIGHT_ONE = [
    Family("FAM-100", [1, 2], cost=900.0),
    Family("FAM-200", [1, 3, 5], cost=5000.0),
    Family("FAM-300", [2, 4]),
    Family("FAM-400", [6]),  # a family, never eligible
    Family("FAM-600", [3, 6]),
    Family("FAM-700", [1, 2]),
    Family("FAM-800", [1, 4]),
]
NIGHT_TWO = [
    Family("FAM-100", [1, 2], cost=900.0, predecessors=["FAM-700"]),  # took in FAM-700
    Family("FAM-200", [1, 3], cost=5000.0),  # criterion 5 no longer met
    Family("FAM-300", [4]),  # still a family, one criterion only
    Family("FAM-400", [6]),
    Family("FAM-500", [2, 5], cost=500.0),  # new
]


def _publish(tmp_path, name: str, families: list[Family], households=()) -> None:
    warehouse = build_night(tmp_path / f"{name}.duckdb", families, households)
    with duckdb.connect(str(warehouse)) as con:
        published.publish(con, tmp_path / "published")


@pytest.fixture
def first_night(tmp_path):
    _publish(tmp_path, "one", NIGHT_ONE)
    return tmp_path / "published"


@pytest.fixture
def second_night(tmp_path, first_night):
    # FAM-600's household is still there, with no dependent child now.
    _publish(tmp_path, "two", NIGHT_TWO, households=["HH-600"])
    return first_night


def _changes(root) -> dict[str, tuple]:
    with published.open_published(root) as con:
        rows = con.execute(
            "select family_id, change, left_reason from changes.since_last_list"
        ).fetchall()
    return {family: (change, reason) for family, change, reason in rows}


def test_the_first_list_calls_no_family_new_and_says_there_was_nothing_to_compare(
    first_night,
):
    assert {change for change, _ in _changes(first_night).values()} == {"first list"}
    with published.open_published(first_night) as con:
        header = list_rows.list_header(con)
    assert header.compared_with is None
    assert "first one, so no family is marked new" in header.comparison_text()


def test_second_list_says_new_changed_unchanged_and_why_families_left(second_night):
    changes = _changes(second_night)
    assert changes["FAM-100"] == ("unchanged", None)
    assert changes["FAM-200"] == ("changed", None)
    assert changes["FAM-500"] == ("new", None)
    assert changes["FAM-300"] == ("left", "no longer meets the criteria (1 met now)")
    assert changes["FAM-600"] == ("left", "no longer a family (no dependent child on the baseline)")
    assert changes["FAM-700"] == ("left", "now part of family FAM-100")
    assert changes["FAM-800"] == ("left", "no household found at this address now")
    assert "FAM-400" not in changes  # never on either list
    with published.open_published(second_night) as con:
        header = list_rows.list_header(con)
    assert header.compared_with["as_at_date"].isoformat() == "2016-06-30"
    assert "1 new, 1 changed, 1 unchanged, 4 left" in header.comparison_text()


def test_rows_name_criteria_services_cost_and_what_changed_in_priority_order(second_night):
    with published.open_published(second_night) as con:
        rows = list(list_rows.list_rows(con, list_rows.ListQuery()))
    assert [r["family_id"] for r in rows] == ["FAM-200", "FAM-100", "FAM-500"]
    top = rows[0]
    assert top["criteria"] == [
        "1 Parents and children involved in crime or anti-social behaviour",
        "3 Children who need help",
    ]
    assert top["services_now"] == [
        "Avon and Somerset Constabulary",
        "Bristol City Council (social care)",
    ]
    assert (top["since_last_list"], top["what_changed"]) == ("changed", "no longer meets 5")
    assert (top["estimated_annual_cost_gbp"], top["cost_price_year"]) == (5000.0, "2015/16")
    assert (str(top["as_at_date"]), top["rule_set_version"]) == ("2016-06-30", "FF2015")


def test_rows_filter_by_change_criterion_and_the_families_a_user_may_see(second_night):
    with published.open_published(second_night) as con:

        def ids(**query) -> list[str]:
            q = list_rows.ListQuery(**query)
            rows = [r["family_id"] for r in list_rows.list_rows(con, q)]
            assert list_rows.count_rows(con, q) == len(rows)
            return rows

        assert ids(change="new") == ["FAM-500"]
        assert ids(criterion="5") == ["FAM-500"]
        assert ids(sort="change") == ["FAM-500", "FAM-200", "FAM-100"]
        assert ids(scope=frozenset({"FAM-100", "FAM-300"})) == ["FAM-100"]
        left = list_rows.left_rows(con, scope=frozenset({"FAM-100", "FAM-300"}))
    assert [r["family_id"] for r in left] == ["FAM-300"]


def test_csv_and_xlsx_carry_the_same_rows_with_a_heading_and_a_sheet_for_left(
    second_night, tmp_path
):
    with published.open_published(second_night) as con:
        files = outputs.write_eligible_list(con, tmp_path / "out")
    assert (files.rows, files.left) == (3, 4)
    table = list(csv.DictReader(files.csv.open(newline="")))
    assert tuple(table[0]) == outputs.ELIGIBLE_CSV_COLUMNS
    assert [r["family_id"] for r in table] == ["FAM-200", "FAM-100", "FAM-500"]
    assert table[0]["criteria"].startswith("1 Parents and children involved in crime")
    assert table[0]["estimated_annual_cost_gbp"] == "5000"
    left = list(csv.DictReader(files.left_csv.open(newline="")))
    assert {r["family_id"]: r["left_reason"] for r in left}["FAM-700"] == (
        "now part of family FAM-100"
    )

    book = load_workbook(files.xlsx, read_only=True)
    assert book.sheetnames == ["Eligible families", "Left the list"]
    listed = [row for row in book["Eligible families"].iter_rows(values_only=True)]
    heading = " ".join(str(row[0]) for row in listed[:4])
    assert "Eligible families: 3" in heading
    assert "As at 2016-06-30; rule set FF2015 (Expanded Troubled Families" in heading
    assert "1 new, 1 changed, 1 unchanged, 4 left" in heading
    titles = [title for _, title in outputs.LIST_COLUMNS]
    start = listed.index(tuple(titles)) + 1
    assert [row[0] for row in listed[start:]] == ["FAM-200", "FAM-100", "FAM-500"]
    assert listed[start][titles.index("What changed")] == "no longer meets 5"
    gone = [row for row in book["Left the list"].iter_rows(values_only=True)]
    assert sorted(row[0] for row in gone[4:]) == ["FAM-300", "FAM-600", "FAM-700", "FAM-800"]
