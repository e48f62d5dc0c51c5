"""Optional single sign-on: configured from FAMILIES_WEB_OIDC_*, it admits only users the
coordinator already added (active), and never creates one."""

from __future__ import annotations

import pytest

ENV = {
    "FAMILIES_WEB_OIDC_CLIENT_ID": "families-web",
    "FAMILIES_WEB_OIDC_CLIENT_SECRET": "from-the-secret-store",
    "FAMILIES_WEB_OIDC_AUTHORIZATION_ENDPOINT": "https://idp.council.example/authorize",
    "FAMILIES_WEB_OIDC_TOKEN_ENDPOINT": "https://idp.council.example/token",
    "FAMILIES_WEB_OIDC_USER_ENDPOINT": "https://idp.council.example/userinfo",
    "FAMILIES_WEB_OIDC_JWKS_ENDPOINT": "https://idp.council.example/jwks",
}


def test_off_unless_configured_and_refuses_half_a_configuration(monkeypatch):
    from orchestration.web.config import oidc_settings

    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    assert oidc_settings() == {}
    monkeypatch.setenv("FAMILIES_WEB_OIDC_CLIENT_ID", "families-web")
    with pytest.raises(RuntimeError, match="FAMILIES_WEB_OIDC_TOKEN_ENDPOINT"):
        oidc_settings()


def test_backend_admits_only_existing_active_users(django_app, monkeypatch):
    from django.test import override_settings

    from orchestration.web.accounts import add_user, set_active
    from orchestration.web.config import oidc_settings
    from orchestration.web.oidc import CouncilOIDCBackend

    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    add_user("oidc-keyworker", "keyworker", "a long enough passphrase 7")
    add_user("oidc-leaver", "analyst", "a long enough passphrase 8")
    set_active("oidc-leaver", False)
    settings = oidc_settings()
    assert settings["OIDC_CREATE_USER"] is False
    with override_settings(**settings):
        backend = CouncilOIDCBackend()
        claims = {"preferred_username": "OIDC-Keyworker", "email": "k@council.example"}
        assert backend.verify_claims(claims)
        assert [u.username for u in backend.filter_users_by_claims(claims)] == ["oidc-keyworker"]
        assert not backend.filter_users_by_claims({"preferred_username": "oidc-leaver"})
        assert not backend.filter_users_by_claims({"preferred_username": "stranger"})
        assert not backend.verify_claims({"email": "no-username@council.example"})
