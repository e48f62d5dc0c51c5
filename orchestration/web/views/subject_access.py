"""Subject access for the coordinator: everything held about one person, by layer and source.

Runs what `families subject-access` runs (governance/subject_access.py), so the request is
logged in the warehouse's ops.subject_access_log as well as in the audit trail with the
purpose given. Unlike every other page it reads the warehouse, not the published night: the
raw loads and quarantine a person may ask about are only there. While a night holds the
warehouse the page says so at once rather than waiting.
"""

from __future__ import annotations

import duckdb
from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from orchestration.web import audit
from orchestration.web.roles import requires


class SubjectAccessForm(forms.Form):
    person_id = forms.CharField(required=False, max_length=64, label="Person id")
    surname = forms.CharField(required=False, max_length=100)
    first_name = forms.CharField(required=False, max_length=100, label="First name (optional)")
    dob = forms.DateField(required=False, label="Date of birth (YYYY-MM-DD)")
    purpose = forms.CharField(
        max_length=200,
        min_length=5,
        label="Purpose: the request's reference and who asked",
        help_text="For example: SAR-2026-014, a written request from the person",
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("person_id") and not (cleaned.get("surname") and cleaned.get("dob")):
            raise forms.ValidationError("Give a person id, or a surname with a date of birth")
        return cleaned

    def query(self):
        from orchestration.governance.subject_access import SubjectQuery

        data = self.cleaned_data
        return SubjectQuery(
            person_id=data["person_id"].strip() or None,
            surname=data["surname"].strip() or None,
            first_name=data["first_name"].strip() or None,
            dob=data["dob"],
        )


def _find(request, form: SubjectAccessForm):
    """(report, None) or (None, the message to show instead)."""
    from orchestration import paths, published
    from orchestration.governance import subject_access as sar

    nights = sorted(published.published_dir().glob("night-*.duckdb"))
    try:
        report = sar.request_subject_access(
            form.query(),
            request.user.get_username(),
            form.cleaned_data["purpose"],
            paths.warehouse_path(),
            nights,
        )
    except sar.SubjectNotFound as error:
        return None, f"Nothing found: {error}."
    except duckdb.IOException:
        return None, "The nightly job is using the warehouse: try again when it has finished."
    return report, None


@requires("subject_access")
def subject_access_page(request):
    form = SubjectAccessForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "web/subject_access.html", {"form": form})
    report, problem = _find(request, form)
    downloading = "download" in request.POST
    action = "subject_access_download" if downloading else "subject_access"
    audit.record(
        request,
        action,
        person_id=",".join(report.person_ids)[:64] if report else "",
        purpose=form.cleaned_data["purpose"],
        detail=f"request {report.request_id}: {len(report.person_ids)} person(s), "
        f"{len(report.record_ids)} record(s), {report.rows_found} row(s); "
        f"searched by {report.searched_by}"
        if report
        else f"nothing disclosed: {problem}",
    )
    if report is None:
        return render(request, "web/subject_access.html", {"form": form, "problem": problem})
    if downloading:
        from orchestration.governance.subject_access import report_json

        answer = HttpResponse(report_json(report), content_type="application/json")
        answer["Content-Disposition"] = (
            f'attachment; filename="subject-access-{report.request_id}.json"'
        )
        return answer
    holdings = [
        {
            "layer": h.layer,
            "table": h.table,
            "columns": list(h.rows[0]),
            "rows": [list(row.values()) for row in h.rows],
        }
        for h in report.holdings
    ]
    return render(
        request,
        "web/subject_access.html",
        {"form": form, "report": report, "holdings": holdings},
    )
