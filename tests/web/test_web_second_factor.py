"""The optional second factor: a user enrolled with `families users otp` reaches no page
until a valid one-time password follows the password; wrong codes are refused, audited and
counted by the lockout; FAMILIES_WEB_REQUIRE_OTP=1 asks it of every user.

Needs only the application's own database (no published night): the pages used are the
coordinator's users and audit pages.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

FAMILIES = str(Path(sys.executable).parent / "families")
PAGES = ("/users/", "/audit/", "/")


def _coordinator(name: str) -> tuple[str, str]:
    from orchestration.web.accounts import add_user

    password = secrets.token_urlsafe(16)
    add_user(name, "coordinator", password)
    return name, password


def _enrol(username: str) -> str:
    """Enrol through the real command; returns the secret it printed."""
    result = subprocess.run(
        [FAMILIES, "users", "otp", "--username", username],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "otpauth://totp/Supporting%20Families%3A" in result.stdout
    return re.search(r"secret \(to type in by hand\): ([A-Z2-7=]+)", result.stdout).group(1)


def _code(secret: str) -> str:
    from base64 import b32decode

    from django_otp.oath import totp

    return f"{totp(b32decode(secret)):06d}"


def _signed_in(username: str, password: str, address: str):
    from django.test import Client

    client = Client(REMOTE_ADDR=address)
    answer = client.post("/sign-in/", {"username": username, "password": password})
    assert answer.status_code == 302, "the password step should pass"
    return client


def _asks_for_a_code(client, page: str) -> bool:
    answer = client.get(page)
    return answer.status_code == 302 and answer["Location"].startswith("/sign-in/code/")


def test_an_enrolled_user_reaches_no_page_without_a_valid_code(django_app):
    from axes.models import AccessAttempt

    from orchestration.web.models import AuditEntry

    username, password = _coordinator("otp-coordinator")
    secret = _enrol(username)
    client = _signed_in(username, password, "10.0.0.31")
    for page in PAGES:
        assert _asks_for_a_code(client, page), f"{page} was reachable with the password alone"

    wrong = "000000" if _code(secret) != "000000" else "111111"
    answer = client.post("/sign-in/code/?next=/audit/", {"token": wrong, "next": "/audit/"})
    assert answer.status_code == 200 and "That code is not right" in answer.content.decode()
    assert _asks_for_a_code(client, "/audit/")
    failure = AuditEntry.objects.filter(username=username, action="sign_in_failed").last()
    assert failure is not None and failure.detail == "one-time password"
    assert AccessAttempt.objects.get(username=username).failures_since_start == 1

    time.sleep(1.2)  # django-otp throttles the device for 1 s after one wrong code
    answer = client.post("/sign-in/code/", {"token": _code(secret), "next": "/audit/"})
    assert answer.status_code == 302 and answer["Location"] == "/audit/"
    for page in ("/users/", "/audit/"):
        assert client.get(page).status_code == 200
    assert AuditEntry.objects.filter(username=username, action="sign_in_second_factor").exists()


def test_wrong_codes_lock_the_account_like_wrong_passwords(django_app, settings):
    username, password = _coordinator("otp-guesser")
    _enrol(username)
    client = _signed_in(username, password, "10.0.0.32")
    answers = [
        client.post("/sign-in/code/", {"token": f"{n:06d}"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    # django-axes answers a lockout with 429, as it does for wrong passwords.
    assert answers[-1] == 429, "the last wrong code should lock the account"
    # The half-open session is over, and the password alone no longer signs in.
    assert client.get("/users/").status_code == 302
    from django.test import Client

    again = Client(REMOTE_ADDR="10.0.0.33").post(
        "/sign-in/", {"username": username, "password": password}
    )
    assert again.status_code == 429


def test_required_of_every_user_when_the_setting_is_on(django_app, settings):
    username, password = _coordinator("otp-not-enrolled")
    client = _signed_in(username, password, "10.0.0.34")
    assert client.get("/users/").status_code == 200, "no device, setting off: no code asked"
    settings.FAMILIES_WEB_REQUIRE_OTP = True
    for page in PAGES:
        assert _asks_for_a_code(client, page)
    page = client.get("/sign-in/code/").content.decode()
    assert "ask the programme coordinator to enrol you" in page
    client.post("/sign-in/code/", {"token": "123456"})
    assert _asks_for_a_code(client, "/users/")


def test_enrolling_an_unknown_user_is_refused(django_app):
    result = subprocess.run(
        [FAMILIES, "users", "otp", "--username", "nobody-here"],
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "no user 'nobody-here'" in result.stderr


@pytest.fixture
def settings():
    """Django's settings, restored after the test (pytest-django is not used here)."""
    from django.conf import settings as django_settings
    from django.test.utils import override_settings

    with override_settings():
        yield django_settings
