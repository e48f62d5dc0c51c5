"""The optional second factor: a time-based one-time password (TOTP, django-otp).

A user with an enrolled device, or every user when FAMILIES_WEB_REQUIRE_OTP=1, is signed in
only halfway by the password: until a valid token is given on the token page, every page
sends them there. Enrolment is the coordinator's act on the command line
(`families users otp --username U`), which prints the provisioning URI and secret once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

# Pages a half-signed-in user may still reach: signing in, the token page, signing out, and
# the single sign-on round trip (its callback is what signs the user in).
OPEN_PAGES = {"login", "logout", "sign_in_token"}
DEVICE_NAME = "authenticator app"


class EnrolmentError(ValueError):
    """A device could not be enrolled or removed (the message says why)."""


@dataclass(frozen=True)
class Enrolment:
    username: str
    provisioning_uri: str  # otpauth://totp/... for an authenticator app's QR code
    secret: str  # the same key in base32, for typing in by hand


def token_required(user) -> bool:
    """True when `user` must give a one-time password before seeing any page."""
    from django_otp import user_has_device

    return bool(settings.FAMILIES_WEB_REQUIRE_OTP) or user_has_device(user)


class SecondFactorMiddleware:
    """Sends a user who signed in with a password but not yet with a token to the token
    page (after django-otp's OTPMiddleware, which marks verified users)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        name = getattr(request.resolver_match, "url_name", "") or ""
        if name in OPEN_PAGES or name.startswith("oidc_"):
            return None
        if not token_required(user):
            return None
        return redirect_to_login(request.get_full_path(), login_url=reverse("sign_in_token"))


def enrol(username: str) -> Enrolment:
    """A new TOTP device for `username`, replacing any earlier one (a lost phone)."""
    from base64 import b32encode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise EnrolmentError(f"no user {username!r}")
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
    return Enrolment(
        username=username,
        provisioning_uri=device.config_url,
        secret=b32encode(device.bin_key).decode(),
    )


def remove(username: str) -> int:
    """Remove `username`'s devices; returns how many. With FAMILIES_WEB_REQUIRE_OTP=1 the
    user then cannot sign in until enrolled again."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise EnrolmentError(f"no user {username!r}")
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    return removed
