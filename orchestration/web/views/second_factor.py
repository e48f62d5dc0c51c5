"""The token page: the second step of signing in, after the password.

A wrong token counts as a failed sign-in for django-axes (the same lockout as wrong
passwords) and is audited; at the lockout the half-open session is ended.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from orchestration.web import audit
from orchestration.web.second_factor import token_required

WRONG_CODE = "That code is not right, or it has expired. Try the next one."


class TokenForm(forms.Form):
    token = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6-digit code from your authenticator app"},
    )


def _next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def _locked_out(request) -> bool:
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_locked(request, {"username": request.user.get_username()})


def _verified_device(user, token: str):
    """The user's device if `token` is valid for it now (django-otp throttles each device:
    after a wrong token the next try waits longer)."""
    from django_otp import devices_for_user, verify_token

    for device in devices_for_user(user):
        verified = verify_token(user, device.persistent_id, token.strip())
        if verified is not None:
            return verified
    return None


@login_required
def token_page(request):
    from django_otp import login as otp_login
    from django_otp import user_has_device

    user = request.user
    if user.is_verified() or not token_required(user):
        return redirect(_next_page(request))
    context = {"next": _next_page(request), "enrolled": user_has_device(user)}
    form = TokenForm(request.POST or None)
    if request.method == "POST" and context["enrolled"]:
        if _locked_out(request):
            logout(request)
            return render(request, "web/sign_in_token.html", {"locked": True}, status=429)
        if form.is_valid():
            device = _verified_device(user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                audit.record(request, "sign_in_second_factor")
                return redirect(context["next"])
        form, context["error"] = TokenForm(), WRONG_CODE
        # Counted by django-axes like a wrong password; audited by signals.py.
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username(), "stage": "one-time password"},
            request=request,
        )
        if _locked_out(request):
            logout(request)
            return render(request, "web/sign_in_token.html", {"locked": True}, status=429)
    return render(request, "web/sign_in_token.html", {**context, "form": form})
