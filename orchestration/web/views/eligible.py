"""The eligible list: filter, sort, page; CSV and XLSX exports. Every view is audited.

The rows, the heading and the files are the nightly outputs' own (list_rows.py,
outputs.py), filtered to what the user asked for and may see.
"""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.shortcuts import render

from orchestration.families import list_rows, outputs
from orchestration.published import NothingPublishedError, current_night
from orchestration.web import audit, night
from orchestration.web.roles import family_scope, requires

LEFT_SHOWN = 50  # families that left, shown on the page; the exports hold them all


def _query(request) -> list_rows.ListQuery:
    def number(name: str, default: int) -> int:
        value = request.GET.get(name, "")
        return int(value) if value.isdigit() else default

    scope = family_scope(request.user)
    change = request.GET.get("change", "")
    return list_rows.ListQuery(
        criterion=request.GET.get("criterion", "")[:4],
        min_criteria=number("min_criteria", 0),
        change=change if change in ("new", "changed", "unchanged") else "",
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
            header = list_rows.list_header(con)
            total = list_rows.count_rows(con, query)
            rows = list(list_rows.list_rows(con, query, limit=list_rows.PAGE_SIZE))
            left = list_rows.left_rows(con, query.scope)
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(
        request, "view_list", detail=f"{len(rows)} of {total} families shown, {len(left)} left"
    )
    pages = max(1, -(-total // list_rows.PAGE_SIZE))
    return render(
        request,
        "web/eligible_list.html",
        {
            "rows": rows,
            "total": total,
            "header": header,
            "comparison": header.comparison_text(),
            "left": left[:LEFT_SHOWN],
            "left_total": len(left),
            "query": query,
            "criteria": header.criteria,
            "sorts": list(list_rows.SORTS),
            "published_at": published_at,
            "pages": pages,
            "previous_page": query.page - 1 if query.page > 1 else None,
            "next_page": query.page + 1 if query.page < pages else None,
            "filters": request.GET.urlencode(),
            "can_export": request.user.has_perm("web.export_eligible_list"),
        },
    )


def _download(content: bytes, media_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@requires("export_eligible_list")
def export_csv(request):
    """The list as filtered (or, with ?list=left, the families that left it) as CSV."""
    query = _query(request)
    buffer = io.StringIO()
    try:
        with night.published() as con:
            if request.GET.get("list") == "left":
                what, filename = "families that left", "eligible_families_left.csv"
                count = outputs.write_csv(
                    buffer, outputs.LEFT_COLUMNS, list_rows.left_rows(con, query.scope)
                )
            else:
                what, filename = "families", "eligible_families.csv"
                count = outputs.write_csv(
                    buffer, outputs.LIST_COLUMNS, list_rows.list_rows(con, query)
                )
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(request, "export", detail=f"csv, {count} {what}")
    return _download(buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8", filename)


@requires("export_eligible_list")
def export_xlsx(request):
    """The list as filtered, with its heading and a sheet of the families that left it."""
    query = _query(request)
    buffer = io.BytesIO()
    try:
        with night.published() as con:
            header = list_rows.list_header(con)
            left = list_rows.left_rows(con, query.scope)
            total = list_rows.count_rows(con, query)
            count = outputs.write_xlsx(buffer, header, list_rows.list_rows(con, query), total, left)
    except NothingPublishedError as error:
        return _nothing_published(request, error)
    audit.record(request, "export", detail=f"xlsx, {count} families, {len(left)} left")
    return _download(buffer.getvalue(), outputs.XLSX_MEDIA_TYPE, "eligible_families.xlsx")
