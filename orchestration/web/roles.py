"""The agreement's roles as Django groups, what each may do, and the guard on every page."""

from __future__ import annotations

import functools
import logging

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

log = logging.getLogger("orchestration.web.access")

# Group name -> permissions (codenames on web.StaffProfile). Nothing else is granted.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "coordinator": (
        "view_eligible_list",
        "export_eligible_list",
        "view_family",
        "view_all_families",
        "view_audit",
        "manage_users",
        "subject_access",
    ),
    "analyst": ("view_eligible_list", "export_eligible_list", "view_family", "view_all_families"),
    "keyworker": ("view_eligible_list", "export_eligible_list", "view_family"),
    "police_liaison": ("view_eligible_list", "view_family", "view_all_families"),
    "iao": ("view_quality",),
    "linkage_reviewer": ("view_review_queue", "decide_review"),
}
ROLES = tuple(ROLE_PERMISSIONS)
ROLE_LABELS = {
    "coordinator": "Programme coordinator",
    "analyst": "Analyst",
    "keyworker": "Keyworker",
    "police_liaison": "Police liaison",
    "iao": "Information Asset Owner",
    "linkage_reviewer": "Linkage reviewer",
}


def role_of(user) -> str:
    """The user's one role (group); '' for anonymous users or users with none."""
    if isinstance(user, AnonymousUser) or not user.is_authenticated:
        return ""
    names = [g.name for g in user.groups.all() if g.name in ROLE_PERMISSIONS]
    return names[0] if len(names) == 1 else ""


def family_scope(user) -> set[str] | None:
    """Families the user may open: None for every family, else the allocated ones."""
    if user.has_perm("web.view_all_families"):
        return None
    return set(user.allocations.values_list("family_id", flat=True))


def requires(permission: str):
    """Deny by default: the view runs only for a signed-in user holding `permission`;
    anyone else gets 403 and the refusal is written to the audit trail and the log."""

    def decorate(view):
        @functools.wraps(view)
        def guarded(request, *args, **kwargs):
            from django.contrib.auth.views import redirect_to_login

            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.is_active or not request.user.has_perm(f"web.{permission}"):
                refuse(request, f"lacks {permission}")
            return view(request, *args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorate


def refuse(request, why: str, family_id: str = "") -> None:
    """Log and audit a refusal, then answer 403."""
    from orchestration.web import audit

    audit.record(request, "refused", family_id=family_id, detail=why)
    # The page's name, not its path: a path can hold a family id, and the log is not the
    # audit trail (the audit entry above keeps the path for the coordinator).
    match = getattr(request, "resolver_match", None)
    log.warning(
        "refused user=%s role=%s page=%s why=%s",
        request.user.get_username(),
        role_of(request.user),
        match.url_name if match else "?",
        why.split("(")[0].strip(),
    )
    raise PermissionDenied(why)


def role_context(request) -> dict:
    """Template context: the signed-in user's role, for the header and navigation."""
    from django.conf import settings

    role = role_of(getattr(request, "user", AnonymousUser()))
    return {
        "user_role": role,
        "user_role_label": ROLE_LABELS.get(role, ""),
        "oidc_enabled": settings.OIDC_ENABLED,
    }
