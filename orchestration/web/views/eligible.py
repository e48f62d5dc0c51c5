"""The eligible list: filter, sort, page; CSV and XLSX exports. Every view is audited."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.shortcuts import render

from orchestration.published import NothingPublishedError, current_night
from orchestration.web import audit, night
from orchestration.web.roles import family_scope, requires

EXPORT_COLUMNS = (
    ("family_id", "Family"),
    ("uprn", "UPRN"),
    ("criteria_count", "Criteria met"),
    ("criteria_named", "Criteria"),
    ("priority_rank", "Priority rank"),
    ("estimated_annual_cost_gbp", "Estimated annual cost (GBP)"),
    ("cost_price_year", "Cost price year"),
    ("current_services", "Services involved now"),
    ("rule_set_version", "Rule set"),
    ("as_at_date", "As at"),
)


def _query(request) -> night.ListQuery:
    def number(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else default

    scope = family_scope(request.user)
    return night.ListQuery(
        criterion=request.GET.get("criterion", "")[:4],
        min_criteria=number("min_criteria", 0),
        sort=request.GET.get("sort", "priority"),
        page=max(1, number("page", 1)),
        scope=frozenset(scope) if scope is not None else None,
    )


def _nothing_published(request, error: NothingPublishedError):
    return render(request, "web/nothing_published.html", {"error": str(error)}, status=503)


@requires("view_eligible_list")
def eligible_list(request):
    query = _query(request)
    try:
        published_at = current_night().published_at
        with night.published() as con:
            total, rows = night.eligible_list(con, query)
            criteria = night.criterion_names(con)
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(request, "view_list", detail=f"{len(rows)} of {total} families shown")
    pages = max(1, -(-total // night.PAGE_SIZE))
    return render(
        request,
        "web/eligible_list.html",
        {
            "rows": rows,
            "total": total,
            "query": query,
            "criteria": criteria,
            "sorts": list(night.SORTS),
            "published_at": published_at,
            "pages": pages,
            "previous_page": query.page - 1 if query.page > 1 else None,
            "next_page": query.page + 1 if query.page < pages else None,
            "filters": request.GET.urlencode(),
            "can_export": request.user.has_perm("web.export_eligible_list"),
        },
    )


def _export_rows(request) -> list[list]:
    query = _query(request)
    with night.published() as con:
        _, rows = night.eligible_list(con, query, limit=None)
    table = []
    for row in rows:
        line = []
        for key, _label in EXPORT_COLUMNS:
            value = row.get(key)
            line.append("; ".join(value) if isinstance(value, list) else value)
        table.append(line)
    return table


@requires("export_eligible_list")
def export_csv(request):
    try:
        table = _export_rows(request)
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(request, "export", detail=f"csv, {len(table)} families")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label in EXPORT_COLUMNS])
    writer.writerows(table)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="eligible_families.csv"'
    return response


@requires("export_eligible_list")
def export_xlsx(request):
    from openpyxl import Workbook

    try:
        table = _export_rows(request)
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(request, "export", detail=f"xlsx, {len(table)} families")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Eligible families")
    sheet.append([label for _key, label in EXPORT_COLUMNS])
    for line in table:
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="eligible_families.xlsx"'
    return response
