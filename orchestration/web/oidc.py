"""Optional single sign-on through the council's OpenID Connect provider.

On when FAMILIES_WEB_OIDC_CLIENT_ID is set (config.oidc_settings). Signing in this way never
creates a user or grants a role: the provider's username claim must name an active user the
coordinator has already added (`families users add`), so the authorisation process stays the
coordinator's.
"""

from __future__ import annotations

import os

from mozilla_django_oidc.auth import OIDCAuthenticationBackend


def username_claim() -> str:
    return os.environ.get("FAMILIES_WEB_OIDC_USERNAME_CLAIM", "preferred_username")


class CouncilOIDCBackend(OIDCAuthenticationBackend):
    """Matches the provider's username claim to an existing, active user; never creates."""

    def verify_claims(self, claims: dict) -> bool:
        return bool(claims.get(username_claim()))

    def filter_users_by_claims(self, claims: dict):
        username = claims.get(username_claim())
        if not username:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(username__iexact=username, is_active=True)

    def describe_user_by_claims(self, claims: dict) -> str:
        return "the provider's account"  # no identifier in the log
