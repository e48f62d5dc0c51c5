"""The coordinator's subject-access page: the same search as `families subject-access`, by
person id or by name and date of birth, every layer shown, a download, and each request
audited with its purpose and logged in the warehouse. (Other roles' 403s: test_web_roles.py.)
"""

from __future__ import annotations

import json

import duckdb
import pytest

pytestmark = pytest.mark.slow

PURPOSE = "SAR-2026-014, written request from the person"


def _warehouse(web_app) -> str:
    return web_app["env"]["FAMILIES_DB"]


def _a_family_member(web_app) -> tuple[str, str, str]:
    """(person id, surname, date of birth) of one person with records, from the warehouse."""
    with duckdb.connect(_warehouse(web_app), read_only=True) as con:
        return con.execute(
            """
            select p.person_id, r.surname, strftime(r.dob, '%Y-%m-%d')
            from linkage.person_index p
            join intermediate.int_person_records r using (record_id)
            join (select unnest(person_ids) as person_id from marts.families) f using (person_id)
            where r.surname is not null and r.dob is not null
            order by p.person_id limit 1
            """
        ).fetchone()


def _logged_reasons(web_app) -> list[str]:
    with duckdb.connect(_warehouse(web_app), read_only=True) as con:
        return [r for (r,) in con.execute("select reason from ops.subject_access_log").fetchall()]


def test_a_person_id_finds_every_layer_and_the_request_is_audited(client_for, web_app, users):
    from orchestration.web.models import AuditEntry

    person, _, _ = _a_family_member(web_app)
    client = client_for("coordinator")
    assert client.get("/subject-access/").status_code == 200
    page = client.post("/subject-access/", {"person_id": person, "purpose": PURPOSE})
    text = page.content.decode()
    assert page.status_code == 200 and f"({person})" in text
    for layer in ("raw ·", "linkage ·", "marts ·", "published night-"):
        assert layer in text, f"no {layer} holding shown"
    entry = AuditEntry.objects.filter(action="subject_access").last()
    assert entry.username == users["coordinator"]["username"] and entry.purpose == PURPOSE
    assert entry.person_id == person and "record(s)" in entry.detail
    assert PURPOSE in _logged_reasons(web_app)

    download = client.post(
        "/subject-access/", {"person_id": person, "purpose": PURPOSE, "download": "json"}
    )
    assert download["Content-Disposition"].startswith('attachment; filename="subject-access-')
    report = json.loads(download.content)
    assert report["person_ids"] == [person]
    assert {h["layer"] for h in report["holdings"]} >= {"raw", "linkage", "marts"}
    assert AuditEntry.objects.filter(action="subject_access_download").last().person_id == person


def test_name_and_date_of_birth_find_the_same_person(client_for, web_app):
    person, surname, dob = _a_family_member(web_app)
    client = client_for("coordinator")
    page = client.post("/subject-access/", {"surname": surname, "dob": dob, "purpose": PURPOSE})
    assert page.status_code == 200 and person in page.content.decode()


def test_no_search_without_a_purpose_or_enough_to_name_someone(client_for, web_app):
    from orchestration.web.models import AuditEntry

    person, surname, _ = _a_family_member(web_app)
    client = client_for("coordinator")
    before = (AuditEntry.objects.filter(action="subject_access").count(), _logged_reasons(web_app))
    no_purpose = client.post("/subject-access/", {"person_id": person, "purpose": ""})
    surname_only = client.post("/subject-access/", {"surname": surname, "purpose": PURPOSE})
    assert no_purpose.status_code == surname_only.status_code == 200
    assert "Give a person id, or a surname with a date of birth" in surname_only.content.decode()
    after = (AuditEntry.objects.filter(action="subject_access").count(), _logged_reasons(web_app))
    assert after == before, "an incomplete request must search and log nothing"


def test_nobody_found_is_said_and_audited_without_disclosing(client_for, web_app):
    from orchestration.web.models import AuditEntry

    client = client_for("coordinator")
    page = client.post("/subject-access/", {"person_id": "P-NO-SUCH", "purpose": PURPOSE})
    assert "Nothing found" in page.content.decode() and "Request " not in page.content.decode()
    assert (
        AuditEntry.objects.filter(action="subject_access")
        .last()
        .detail.startswith("nothing disclosed")
    )
