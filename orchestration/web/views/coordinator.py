"""The coordinator's pages: the audit trail with alerts and spot checks, and user management
(grant and remove access, allocate families to keyworkers). Every change is audited."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from orchestration.web import accounts, audit
from orchestration.web.models import Allocation, AuditEntry
from orchestration.web.reference import agencies
from orchestration.web.roles import ROLE_LABELS, requires


@requires("view_audit")
def audit_home(request):
    entries = AuditEntry.objects.order_by("-id")
    for field in ("username", "family_id", "action"):
        value = request.GET.get(field, "").strip()
        if value:
            entries = entries.filter(**{field: value})
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    audit.record(request, "view_audit")
    return render(
        request,
        "web/audit.html",
        {
            "page": page,
            "alerts": audit.search_volume_alerts(timezone.localdate()),
            "alert_limit": audit.DEFAULT_DAILY_FAMILY_LIMIT,
            "sample": audit.spot_check_sample(10),
            "chain": audit.verify(),
            "filters": request.GET,
        },
    )


class AddUserForm(forms.Form):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=list(ROLE_LABELS.items()))
    agency = forms.ChoiceField(
        required=False, choices=[("", "(not an IAO)")], help_text="IAOs only"
    )
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", "(not an IAO)")] + [(a, a) for a in agencies()]


class AllocateForm(forms.Form):
    keyworker = forms.CharField(max_length=150)
    family_id = forms.CharField(max_length=64)


@requires("manage_users")
def users_page(request):
    add_form, allocate_form = AddUserForm(), AllocateForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = AddUserForm(request.POST)
            if add_form.is_valid():
                data = add_form.cleaned_data
                try:
                    accounts.add_user(
                        data["username"], data["role"], data["password"], data["agency"]
                    )
                except accounts.AccountError as error:
                    add_form.add_error(None, str(error))
                else:
                    who = f"{data['username']} as {data['role']}"
                    audit.record(request, "user_added", detail=who)
                    messages.success(request, f"{data['username']} can now sign in.")
                    return redirect("users")
        elif action in ("disable", "enable"):
            username = request.POST.get("username", "")
            try:
                accounts.set_active(username, action == "enable")
            except accounts.AccountError as error:
                messages.error(request, str(error))
            else:
                audit.record(request, f"user_{action}d", detail=username)
                return redirect("users")
        elif action == "allocate":
            allocate_form = AllocateForm(request.POST)
            if allocate_form.is_valid() and _allocate(request, allocate_form):
                return redirect("users")
    return render(
        request,
        "web/users.html",
        {
            "users": accounts.list_users(),
            "add_form": add_form,
            "allocate_form": allocate_form,
            "allocations": Allocation.objects.select_related("keyworker").order_by(
                "keyworker__username", "family_id"
            ),
        },
    )


def _allocate(request, form: AllocateForm) -> bool:
    from orchestration.web import night
    from orchestration.web.roles import role_of

    data = form.cleaned_data
    keyworker = get_user_model().objects.filter(username=data["keyworker"]).first()
    if keyworker is None or role_of(keyworker) != "keyworker":
        form.add_error("keyworker", "no keyworker with that username")
        return False
    with night.published() as con:
        if not night.family_exists(con, data["family_id"]):
            form.add_error("family_id", "no such family in the published night")
            return False
    Allocation.objects.get_or_create(
        keyworker=keyworker,
        family_id=data["family_id"],
        defaults={"allocated_by": request.user.get_username()},
    )
    audit.record(request, "family_allocated", family_id=data["family_id"], detail=data["keyworker"])
    messages.success(request, f"{data['family_id']} allocated to {data['keyworker']}.")
    return True
