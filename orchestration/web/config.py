"""Where the web application keeps its state, and how it reaches its database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from orchestration import paths


def web_state_dir() -> Path:
    """data/web (users, audit, review decisions in SQLite; the signing key)."""
    folder = Path(os.environ.get("FAMILIES_WEB_DIR", paths.data_dir() / "web")).resolve()
    # static/ is where `collectstatic` puts files for a proxy to serve; WhiteNoise wants it.
    (folder / "static").mkdir(parents=True, exist_ok=True)
    return folder


def secret_key(state_dir: Path) -> str:
    """FAMILIES_WEB_SECRET_KEY, else a random key made once and kept readable only by us."""
    configured = os.environ.get("FAMILIES_WEB_SECRET_KEY")
    if configured:
        return configured
    key_file = state_dir / "secret_key"
    if not key_file.exists():
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def database_settings(state_dir: Path) -> dict:
    """SQLite by default; PostgreSQL when FAMILIES_WEB_DB (or DATABASE_URL) is a postgres URL."""
    url = os.environ.get("FAMILIES_WEB_DB") or os.environ.get("DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql://")):
        parts = urlparse(url)
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": parts.path.lstrip("/"),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
    path = Path(url.removeprefix("sqlite:///")) if url else state_dir / "web.sqlite3"
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            # IMMEDIATE takes the write lock at BEGIN: two requests appending to the audit
            # chain cannot both read the same previous hash.
            "transaction_mode": "IMMEDIATE",
            # WAL: readers never block the writer nor it them. Without it, 20 users browsing
            # while the night ran got "database is locked" (tests/web/test_web_concurrency.py).
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 30,
        },
    }


# Single sign-on settings live here, not in oidc.py: settings.py may not import
# mozilla-django-oidc (it reads Django's settings while they are being defined).
ENDPOINTS = ("AUTHORIZATION", "TOKEN", "USER", "JWKS")


def oidc_settings() -> dict:
    """mozilla-django-oidc's settings from FAMILIES_WEB_OIDC_* variables ({} when off)."""
    client_id = os.environ.get("FAMILIES_WEB_OIDC_CLIENT_ID")
    if not client_id:
        return {}
    missing = [
        f"FAMILIES_WEB_OIDC_{name}_ENDPOINT"
        for name in ENDPOINTS
        if not os.environ.get(f"FAMILIES_WEB_OIDC_{name}_ENDPOINT")
    ]
    if missing or not os.environ.get("FAMILIES_WEB_OIDC_CLIENT_SECRET"):
        raise RuntimeError(
            "single sign-on is half configured: set FAMILIES_WEB_OIDC_CLIENT_SECRET and "
            + ", ".join(missing or ["the endpoints"])
        )
    return {
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": os.environ["FAMILIES_WEB_OIDC_CLIENT_SECRET"],
        "OIDC_OP_AUTHORIZATION_ENDPOINT": os.environ["FAMILIES_WEB_OIDC_AUTHORIZATION_ENDPOINT"],
        "OIDC_OP_TOKEN_ENDPOINT": os.environ["FAMILIES_WEB_OIDC_TOKEN_ENDPOINT"],
        "OIDC_OP_USER_ENDPOINT": os.environ["FAMILIES_WEB_OIDC_USER_ENDPOINT"],
        "OIDC_OP_JWKS_ENDPOINT": os.environ["FAMILIES_WEB_OIDC_JWKS_ENDPOINT"],
        "OIDC_RP_SIGN_ALGO": os.environ.get("FAMILIES_WEB_OIDC_SIGN_ALGO", "RS256"),
        "OIDC_RP_SCOPES": "openid profile email",
        "OIDC_CREATE_USER": False,
        "LOGIN_REDIRECT_URL_FAILURE": "/sign-in/",
    }
