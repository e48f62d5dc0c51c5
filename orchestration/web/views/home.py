"""The landing page after sign-in: whatever the user's role may see first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

# The first page of each permission, in the order a role's home is chosen.
FIRST_PAGES = (
    ("view_eligible_list", "eligible_list"),
    ("view_review_queue", "review_queue"),
    ("view_quality", "quality_home"),
    ("view_audit", "audit_home"),
)


@login_required
def home(request):
    for permission, page in FIRST_PAGES:
        if request.user.has_perm(f"web.{permission}"):
            return redirect(page)
    # A user with no role sees nothing but this (deny by default).
    return render(request, "web/no_role.html", status=403)
