"""Django settings: one environment variable each, safe defaults (no debug, loopback only).

FAMILIES_WEB_DB        a database URL (postgres://user:pass@host:5432/name) or a SQLite path;
                       DATABASE_URL is read too; default data/web/web.sqlite3
FAMILIES_WEB_SECRET_KEY  the signing key; default a random key kept in data/web/secret_key
FAMILIES_WEB_HOSTS     comma-separated host names the app answers to (default 127.0.0.1,localhost)
FAMILIES_WEB_PROXY     "1" when behind the council's TLS-terminating proxy (trust X-Forwarded-Proto)
FAMILIES_WEB_SESSION_MINUTES  idle minutes before a session ends (default 30)
FAMILIES_WEB_REQUIRE_OTP  "1": every user needs a one-time password after the password
"""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.web.config import database_settings, oidc_settings, secret_key, web_state_dir

BASE_DIR = Path(__file__).resolve().parent
STATE_DIR = web_state_dir()

SECRET_KEY = secret_key(STATE_DIR)
DEBUG = os.environ.get("FAMILIES_WEB_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("FAMILIES_WEB_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "orchestration.web.apps.WebConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the vendored GOV.UK Frontend files from the package under any WSGI server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks users who gave a valid one-time password; then every page but signing in waits
    # for one from users who must give it (second_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "orchestration.web.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Optional single sign-on (FAMILIES_WEB_OIDC_*; oidc.py): existing users only, roles unchanged.
_OIDC = oidc_settings()
OIDC_ENABLED = bool(_OIDC)
if OIDC_ENABLED:
    globals().update(_OIDC)
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("orchestration.web.oidc.CouncilOIDCBackend")

ROOT_URLCONF = "orchestration.web.urls"
WSGI_APPLICATION = "orchestration.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orchestration.web.roles.role_context",
            ]
        },
    }
]

DATABASES = {"default": database_settings(STATE_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# argon2 first: new and changed passwords are hashed with it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The optional second factor (second_factor.py): required of users with a device, or of
# every user when this is on.
FAMILIES_WEB_REQUIRE_OTP = os.environ.get("FAMILIES_WEB_REQUIRE_OTP") == "1"
OTP_TOTP_ISSUER = "Supporting Families"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: every request pushes the expiry on; closing the browser ends the session.
SESSION_COOKIE_AGE = int(os.environ.get("FAMILIES_WEB_SESSION_MINUTES", "30")) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_SAMESITE = "Strict"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if os.environ.get("FAMILIES_WEB_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = [f"https://{host}" for host in ALLOWED_HOSTS]
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("FAMILIES_WEB_HSTS_SECONDS", "31536000"))
    # Lockouts by address need the caller's address, not the proxy's.
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# django-axes: five failures lock the username (from any address), and five from one address
# lock that address (against trying one password on many usernames), for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("FAMILIES_WEB_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

STATIC_URL = "static/"
STATIC_ROOT = STATE_DIR / "static"
WHITENOISE_USE_FINDERS = True  # straight from orchestration/web/static: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    # No request paths in the log (a path can hold a family id); the audit trail records
    # every access in full, for the coordinator only.
    "loggers": {
        "orchestration.web": {"handlers": ["console"], "level": "INFO"},
        # Django logs every 4xx with its path, which can hold a family id: refusals are
        # logged by roles.refuse (page name only) and audited in full instead.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
