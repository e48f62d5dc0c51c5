"""Each role reaches exactly its pages; everything else answers 403 and is audited.

Runs against a real published night (the nightly job on the small city) and the application's
real sign-in, guards and database.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

pytestmark = pytest.mark.slow

ALLOWED = {
    "coordinator": {"list", "family", "csv", "xlsx", "audit", "users", "subject_access"},
    "analyst": {"list", "family", "csv", "xlsx"},
    "keyworker": {"list", "family", "csv", "xlsx"},
    "police_liaison": {"list", "family"},
    "iao": {"quality", "quality_report"},
    "linkage_reviewer": {"review", "pair"},
}


def pages(users, published_ids) -> dict[str, str]:
    left, right = published_ids["queue"][0]
    return {
        "list": "/families/",
        "family": f"/families/{users['allocated_family']}/",
        "csv": "/families/export.csv",
        "xlsx": "/families/export.xlsx",
        "review": "/review/",
        "pair": "/review/pair/?" + urlencode({"left": left, "right": right}),
        "quality": "/quality/",
        "quality_report": "/quality/police/",
        "audit": "/audit/",
        "users": "/users/",
        "subject_access": "/subject-access/",
    }


def test_every_page_but_sign_in_is_guarded_by_a_permission(web_app):
    from django.urls import get_resolver

    open_pages = {"home", "login", "logout", "sign_in_token"}
    for pattern in get_resolver().url_patterns:
        name = getattr(pattern, "name", None)
        if name is None or name in open_pages:
            continue  # the admin (superusers only) and the sign-in pages
        assert getattr(pattern.callback, "required_permission", None), f"{name} is unguarded"


@pytest.mark.parametrize("role", sorted(ALLOWED))
def test_role_reaches_its_pages_and_is_refused_and_audited_elsewhere(
    role, client_for, users, published_ids
):
    from orchestration.web.models import AuditEntry

    client = client_for(role)
    for page, url in pages(users, published_ids).items():
        before = AuditEntry.objects.filter(username=users[role]["username"]).count()
        answer = client.get(url)
        if page in ALLOWED[role]:
            assert answer.status_code == 200, f"{role} should reach {page}"
        else:
            assert answer.status_code == 403, f"{role} must not reach {page}"
            refusal = AuditEntry.objects.filter(username=users[role]["username"]).last()
            assert refusal.action == "refused" and refusal.page == url
            assert refusal.role == role and refusal.remote_addr == "10.0.0.7"
            assert AuditEntry.objects.filter(username=users[role]["username"]).count() == (
                before + 1
            )


def test_signed_out_visitor_is_sent_to_sign_in(web_app, users):
    from django.test import Client

    answer = Client().get("/families/")
    assert answer.status_code == 302 and answer["Location"].startswith("/sign-in/")


def test_keyworker_sees_only_allocated_families(client_for, users, published_ids):
    from orchestration.web.models import AuditEntry

    client = client_for("keyworker")
    listing = client.get("/families/").content.decode()
    allocated = users["allocated_family"]
    others = [f for f in published_ids["eligible"] if f != allocated]
    assert allocated in listing
    assert not [f for f in others if f in listing]
    answer = client.get(f"/families/{others[0]}/")
    assert answer.status_code == 403
    refusal = AuditEntry.objects.filter(username=users["keyworker"]["username"]).last()
    assert refusal.action == "refused" and refusal.family_id == others[0]


def test_iao_sees_only_their_own_agency(client_for, users):
    client = client_for("iao")
    assert client.get("/quality/police/").status_code == 200
    assert client.get("/quality/nhs/").status_code == 403


def test_family_view_asks_a_purpose_first_and_audits_it(users):
    from django.test import Client

    from orchestration.web.accounts import add_user
    from orchestration.web.models import AuditEntry

    # A user of its own: other tests' analysts open families too.
    add_user("test-purpose", "analyst", "a long enough passphrase 3")
    client = Client(REMOTE_ADDR="10.0.0.7")
    client.post("/sign-in/", {"username": "test-purpose", "password": "a long enough passphrase 3"})
    family = users["allocated_family"]
    first = client.get(f"/families/{family}/")
    assert b"Why are you opening" in first.content
    assert not AuditEntry.objects.filter(action="view_family", username="test-purpose").exists()
    refused = client.post(f"/families/{family}/", {"purpose": "other", "detail": ""})
    assert b"Say why" in refused.content
    client.post(f"/families/{family}/", {"purpose": "family_plan"})
    page = client.get(f"/families/{family}/")
    assert page.status_code == 200 and b"Criteria and evidence" in page.content
    entry = AuditEntry.objects.filter(action="view_family", username="test-purpose").last()
    assert entry.family_id == family and entry.role == "analyst"
    assert entry.purpose.startswith("Preparing or reviewing a family plan")
    assert entry.remote_addr == "10.0.0.7" and entry.page == f"/families/{family}/"


def test_exports_are_audited_and_hold_the_list(client_for, published_ids):
    import io

    from openpyxl import load_workbook

    from orchestration.web.models import AuditEntry

    client = client_for("analyst")
    csv_text = client.get("/families/export.csv").content.decode()
    assert len(csv_text.strip().splitlines()) == len(published_ids["eligible"]) + 1
    book = load_workbook(io.BytesIO(client.get("/families/export.xlsx").content))
    listed = list(book["Eligible families"].iter_rows(values_only=True))
    titles = listed.index(next(row for row in listed if row[0] == "Family"))
    assert sorted(row[0] for row in listed[titles + 1 :]) == published_ids["eligible"]
    exports = AuditEntry.objects.filter(username="test-analyst", action="export")
    assert {e.detail.split(",")[0] for e in exports} >= {"csv", "xlsx"}


def test_repeated_failed_sign_ins_lock_the_account(web_app):
    from django.test import Client

    from orchestration.web.accounts import add_user

    add_user("test-lockout", "analyst", "a long enough passphrase 1")
    client = Client(REMOTE_ADDR="10.9.9.9")  # its own address: other tests' stay unlocked
    for _ in range(5):
        client.post("/sign-in/", {"username": "test-lockout", "password": "wrong"})
    answer = client.post(
        "/sign-in/", {"username": "test-lockout", "password": "a long enough passphrase 1"}
    )
    assert answer.status_code == 429  # django-axes: locked out, even with the right password


def test_sessions_end_after_idle_time_and_passwords_use_argon2(users):
    from django.conf import settings

    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_COOKIE_AGE <= 60 * 60
    assert users["analyst"]["user"].password.startswith("argon2")
