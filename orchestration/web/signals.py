"""Sign-ins, failed sign-ins and sign-outs go into the audit trail too."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed


def _signed_in(sender, request, user, **kwargs) -> None:
    from orchestration.web import audit

    audit.record(request, "sign_in")


def _signed_out(sender, request, user, **kwargs) -> None:
    from orchestration.web import audit

    if user is not None:
        audit.record(request, "sign_out")


def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    from orchestration.web import audit

    # The attempted username only (Django already strips the password from `credentials`).
    audit.append(
        username=str(credentials.get("username", ""))[:150],
        role="(none)",
        action="sign_in_failed",
        page=request.get_full_path()[:300] if request else "",
        family_id="",
        person_id="",
        purpose="",
        remote_addr=audit.client_address(request) if request else "",
        # Which step failed when it is not the password (a wrong one-time password).
        detail=str(credentials.get("stage", ""))[:300],
    )


def connect() -> None:
    user_logged_in.connect(_signed_in, dispatch_uid="web_audit_sign_in")
    user_logged_out.connect(_signed_out, dispatch_uid="web_audit_sign_out")
    user_login_failed.connect(_sign_in_failed, dispatch_uid="web_audit_sign_in_failed")
