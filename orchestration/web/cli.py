"""`families web`, `families users add|list|disable|enable|otp`, `families audit verify|export`."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path


def setup_django() -> None:
    """Load the web application's settings and apps (imports Django only when asked)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orchestration.web.settings")
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    web = subparsers.add_parser(
        "web",
        help="serve the web application for named users (127.0.0.1:8000)",
        description="Apply the application's migrations and serve it on this machine only. "
        "For production run orchestration.web.wsgi:application under a WSGI server behind "
        "the council's proxy (README).",
    )
    web.add_argument("--host", default="127.0.0.1")
    web.add_argument("--port", type=int, default=8000)
    web.set_defaults(func=_web)

    users = subparsers.add_parser("users", help="named users of the web application")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser(
        "add", help="add a user with one role (password prompted, or $FAMILIES_PASSWORD)"
    )
    add.add_argument("--username", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--agency", default="", help="the agency of an Information Asset Owner")
    add.set_defaults(func=_users_add)
    users_sub.add_parser("list", help="users, roles, last sign-in").set_defaults(func=_users_list)
    for action in ("disable", "enable"):
        parser = users_sub.add_parser(action, help=f"{action} a user's access")
        parser.add_argument("username")
        parser.set_defaults(func=_users_set_active, active=action == "enable")
    otp = users_sub.add_parser(
        "otp",
        help="enrol a user's authenticator app (prints its provisioning URI and secret once)",
        description="Makes a one-time-password (TOTP) device for the user, replacing any "
        "earlier one, and prints the otpauth:// URI (for a QR code) and the secret once: give "
        "them to the user in person. From then on the user gives a code after the password. "
        "--remove takes the device away (a lost phone); with FAMILIES_WEB_REQUIRE_OTP=1 the "
        "user then cannot sign in until enrolled again.",
    )
    otp.add_argument("--username", required=True)
    otp.add_argument("--remove", action="store_true", help="remove the user's device instead")
    otp.set_defaults(func=_users_otp)

    audit = subparsers.add_parser("audit", help="the web application's audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser(
        "verify", help="check the hash chain; exits 1 if any entry was changed or removed"
    ).set_defaults(func=_audit_verify)
    export = audit_sub.add_parser("export", help="every entry with its hashes")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument("--out", type=Path, help="file to write (default: standard output)")
    export.set_defaults(func=_audit_export)


def _audit_command_line(action: str, detail: str, page: str) -> None:
    """Changes made from the command line go into the audit trail too (OS user, no role)."""
    from orchestration.web.audit import append

    append(
        username=f"cli:{getpass.getuser()}"[:150],
        role="(command line)",
        action=action,
        page=page,
        family_id="",
        person_id="",
        purpose="",
        remote_addr="local",
        detail=detail[:300],
    )


def _web(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from django.core.management import call_command

    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
    return 0


def _users_add(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from orchestration.web.accounts import AccountError, add_user

    password = os.environ.get("FAMILIES_PASSWORD")
    if password is None:
        password = getpass.getpass(f"Password for {args.username}: ")
        if getpass.getpass("Again: ") != password:
            print("families users add: the passwords differ", file=sys.stderr)
            return 2
    try:
        add_user(args.username, args.role, password, agency=args.agency)
    except AccountError as error:
        print(f"families users add: {error}", file=sys.stderr)
        return 2
    _audit_command_line("user_added", f"{args.username} as {args.role}", "families users add")
    print(f"{args.username} added as {args.role}")
    return 0


def _users_list(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from orchestration.web.accounts import list_users

    for user in list_users():
        state = "active" if user["active"] else "disabled"
        agency = f" ({user['agency']})" if user["agency"] else ""
        print(f"{user['username']}\t{user['role']}{agency}\t{state}\t{user['last_login'] or '-'}")
    return 0


def _users_set_active(args: argparse.Namespace) -> int:
    setup_django()
    from orchestration.web.accounts import AccountError, set_active

    try:
        set_active(args.username, args.active)
    except AccountError as error:
        print(f"families users: {error}", file=sys.stderr)
        return 2
    action = "user_enabled" if args.active else "user_disabled"
    verb = "enable" if args.active else "disable"
    _audit_command_line(action, args.username, f"families users {verb}")
    print(f"{args.username} {'enabled' if args.active else 'disabled'}")
    return 0


def _users_otp(args: argparse.Namespace) -> int:
    setup_django()
    migrate()
    from orchestration.web.second_factor import EnrolmentError, enrol, remove

    try:
        if args.remove:
            removed = remove(args.username)
            _audit_command_line("otp_removed", args.username, "families users otp --remove")
            print(f"{args.username}: {removed} device(s) removed")
            return 0
        enrolment = enrol(args.username)
    except EnrolmentError as error:
        print(f"families users otp: {error}", file=sys.stderr)
        return 2
    # The secret itself is never audited or logged: only that a device was made.
    _audit_command_line("otp_enrolled", args.username, "families users otp")
    print(f"{args.username} enrolled. Shown once; give it to the user in person:")
    print(f"  provisioning URI (as a QR code for the app): {enrolment.provisioning_uri}")
    print(f"  secret (to type in by hand): {enrolment.secret}")
    return 0


def _audit_verify(args: argparse.Namespace) -> int:
    setup_django()
    from orchestration.web.audit import verify

    result = verify()
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(f"{result.entries} entries: {'intact' if result.ok else 'CHANGED'}")
    return 0 if result.ok else 1


def _audit_export(args: argparse.Namespace) -> int:
    setup_django()
    from orchestration.web.audit import export

    if args.out:
        with args.out.open("w", encoding="utf-8", newline="") as out:
            count = export(out, args.format)
        print(f"{count} entries written to {args.out}", file=sys.stderr)
    else:
        export(sys.stdout, args.format)
    return 0
