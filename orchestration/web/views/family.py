"""A family's page: asks why it is being opened, then shows members, criteria and evidence
(`families explain` for the web: the same explanation, family_explanation.py).

The purpose given is kept for the session and written with every view of that family.
"""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render

from orchestration.families.family_explanation import family_explanation
from orchestration.published import NothingPublishedError
from orchestration.web import audit, night
from orchestration.web.roles import family_scope, refuse, requires

PURPOSES = (
    ("allocation", "Allocating a keyworker"),
    ("family_plan", "Preparing or reviewing a family plan"),
    ("multi_agency_meeting", "Multi-agency meeting about this family"),
    ("eligibility_check", "Checking why the family is or is not eligible"),
    ("results_claim", "Payment-by-results claim"),
    ("other", "Other (say why)"),
)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(choices=PURPOSES, widget=forms.RadioSelect)
    detail = forms.CharField(required=False, max_length=200, label="Say why")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("purpose") == "other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", "Say why you are opening this family")
        return cleaned

    def purpose_text(self) -> str:
        label = dict(PURPOSES)[self.cleaned_data["purpose"]]
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}: {detail}" if detail else label


def _check_scope(request, family_id: str) -> None:
    scope = family_scope(request.user)
    if scope is not None and family_id not in scope:
        refuse(request, "family not allocated to this user", family_id=family_id)


@requires("view_family")
def family_page(request, family_id: str):
    _check_scope(request, family_id)
    purposes = request.session.get("purposes", {})
    if request.method == "POST":
        form = PurposeForm(request.POST)
        if form.is_valid():
            purposes[family_id] = form.purpose_text()
            request.session["purposes"] = purposes
            return redirect("family", family_id=family_id)
    elif family_id not in purposes:
        form = PurposeForm()
    else:
        form = None
    if form is not None:
        # No personal data before a purpose is given.
        return render(request, "web/purpose.html", {"form": form, "family_id": family_id})
    try:
        with night.published() as con:
            explained = family_explanation(con, family_id)
    except NothingPublishedError as error:
        return render(request, "web/nothing_published.html", {"error": str(error)}, status=503)
    if explained is None:
        raise Http404("no such family in the published night")
    audit.record(request, "view_family", family_id=family_id, purpose=purposes[family_id])
    return render(request, "web/family.html", {"family_id": family_id, "e": explained})
