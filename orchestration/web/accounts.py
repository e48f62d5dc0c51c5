"""Creating, listing and disabling named users: one role each, no default passwords.

Used by the coordinator's pages and by `families users`; both validate passwords with
Django's validators and hash them with argon2.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from orchestration.web.models import StaffProfile
from orchestration.web.reference import agencies
from orchestration.web.roles import ROLES, role_of


class AccountError(ValueError):
    """A user could not be added or changed (the message says why)."""


def add_user(username: str, role: str, password: str, agency: str = "", email: str = ""):
    """A new active user holding exactly one role; an IAO must name their agency."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise AccountError("a username is required")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if role == "iao" and agency not in agencies():
        raise AccountError(
            f"an Information Asset Owner needs --agency, one of {', '.join(agencies())}"
        )
    if User.objects.filter(username=username).exists():
        raise AccountError(f"user {username!r} already exists")
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        raise AccountError("password refused: " + " ".join(error.messages)) from error
    with transaction.atomic():
        candidate.set_password(password)
        candidate.save()
        candidate.groups.add(Group.objects.get(name=role))
        StaffProfile.objects.create(user=candidate, agency=agency if role == "iao" else "")
    return candidate


def set_active(username: str, active: bool) -> None:
    User = get_user_model()
    updated = User.objects.filter(username=username).update(is_active=active)
    if not updated:
        raise AccountError(f"no user {username!r}")


def list_users() -> list[dict]:
    User = get_user_model()
    users = User.objects.order_by("username").prefetch_related("groups")
    return [
        {
            "username": user.username,
            "role": role_of(user) or "(none)",
            "agency": getattr(getattr(user, "staff_profile", None), "agency", ""),
            "active": user.is_active,
            "last_login": user.last_login,
        }
        for user in users
    ]
