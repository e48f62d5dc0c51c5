"""An Information Asset Owner's pages: their own agency's quality report and load outcomes.

The reports are the quality stage's one-page HTML files (data/reports/quality/iao/); they
hold counts and field names, no identifiers. Another agency's page answers 403 and is logged.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render

from orchestration.web import audit
from orchestration.web.roles import refuse, requires


def _own_agency(request) -> str:
    profile = getattr(request.user, "staff_profile", None)
    return profile.agency if profile else ""


def _report_path(agency: str):
    from orchestration.quality.gx_suite import quality_reports_dir

    return quality_reports_dir() / "iao" / f"{agency}.html"


@requires("view_quality")
def quality_home(request):
    agency = _own_agency(request)
    report = _report_path(agency) if agency else None
    audit.record(request, "view_quality", detail=agency or "no agency")
    return render(
        request,
        "web/quality_home.html",
        {"agency": agency, "has_report": bool(report and report.exists())},
    )


@requires("view_quality")
def quality_report(request, agency: str):
    if agency != _own_agency(request):
        refuse(request, f"quality report of another agency ({agency})")
    path = _report_path(agency)
    if not path.exists():
        raise Http404("no quality report for this agency yet: it is written by the night")
    audit.record(request, "view_quality_report", detail=agency)
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="text/html")
    # The report is shown as it was written: no scripts, nothing loaded from elsewhere.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response
