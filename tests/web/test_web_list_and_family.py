"""What a reader sees of the list and of one family, over a real published night (the
nightly job on the small city, then published again: the second night is compared with the
first). The rows and the explanation are the nightly outputs' own."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def night(web_app) -> dict:
    from orchestration.families import list_rows
    from orchestration.published import open_published

    with open_published() as con:
        header = list_rows.list_header(con)
        rows = list(list_rows.list_rows(con, list_rows.ListQuery()))
        evidence = con.execute(
            "select family_id, source_dataset, legal_gateways from marts.indicator_events "
            "where family_id in (select family_id from marts.eligible_families) "
            "order by family_id limit 1"
        ).fetchone()
    return {"header": header, "rows": rows, "evidence": evidence}


def test_list_page_shows_criteria_by_name_as_at_rule_set_and_the_comparison(client_for, night):
    page = client_for("analyst").get("/families/").content.decode()
    header, first = night["header"], night["rows"][0]
    assert header.compared_with, "the second publish is compared with the first"
    assert header.rule_set_name in page and f"{len(night['rows'])} families" in page
    assert "Compared with the list published" in page
    assert first["criteria"][0] in page  # '1 Parents and children involved in crime ...'
    assert all(r["since_last_list"] == "unchanged" for r in night["rows"])
    assert (
        "No family matches." in client_for("analyst").get("/families/?change=new").content.decode()
    )


def test_exports_carry_the_nightly_columns_are_scoped_and_audited(client_for, users, night):
    from openpyxl import load_workbook

    from orchestration.families.outputs import ELIGIBLE_CSV_COLUMNS
    from orchestration.web.models import AuditEntry

    answer = client_for("analyst").get("/families/export.csv")
    table = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert tuple(table[0]) == ELIGIBLE_CSV_COLUMNS
    assert [r["family_id"] for r in table] == [r["family_id"] for r in night["rows"]]
    entry = AuditEntry.objects.filter(username=users["analyst"]["username"], action="export")
    assert entry.last().detail == f"csv, {len(table)} families"

    book = load_workbook(io.BytesIO(client_for("analyst").get("/families/export.xlsx").content))
    assert book.sheetnames == ["Eligible families", "Left the list"]
    assert book["Eligible families"]["A1"].value == f"Eligible families: {len(table)}"

    mine = client_for("keyworker").get("/families/export.csv").content.decode()
    assert [r["family_id"] for r in csv.DictReader(io.StringIO(mine))] == [
        users["allocated_family"]
    ]


def test_family_page_names_sources_and_gateways_and_gives_ages(client_for, night):
    from orchestration.families.readable_names import gateway_names, source_names

    family, sources, gateways = night["evidence"]
    client = client_for("analyst")
    client.post(f"/families/{family}/", {"purpose": "eligibility_check"})
    page = client.get(f"/families/{family}/").content.decode()
    for name in [*source_names(sources), *gateway_names(gateways)]:
        assert name.replace("'", "&#x27;") in page
    assert (
        '<th scope="col" class="govuk-table__header govuk-table__header--numeric">Age</th>' in page
    )
