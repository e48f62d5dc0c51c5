"""The audit trail is a hash chain: any edit, removal or insertion makes
`families audit verify` exit non-zero; export, alerts and spot checks read it."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _verify_copy(web_app, tmp_path, tamper=None) -> subprocess.CompletedProcess:
    """Run `families audit verify` on a copy of the application database, after `tamper`."""
    copy = tmp_path / "web_copy"
    copy.mkdir()
    # SQLite's backup, not a file copy: in WAL mode recent entries sit in the -wal file.
    source = sqlite3.connect(web_app["state"] / "web.sqlite3")
    target = sqlite3.connect(copy / "web.sqlite3")
    source.backup(target)
    source.close()
    if tamper:
        tamper(target)
        target.commit()
    target.close()
    env = {**os.environ, "FAMILIES_WEB_DIR": str(copy)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "families"), "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def some_activity(client_for, users):
    client = client_for("coordinator")
    client.get("/families/")
    client.get("/review/")  # refused: also an entry
    client.get("/audit/")


def test_untouched_chain_verifies(web_app, some_activity, tmp_path):
    result = _verify_copy(web_app, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout


def test_editing_one_entry_fails_verify(web_app, some_activity, tmp_path):
    def change_purpose(con):
        (entry,) = con.execute("select min(id) from web_auditentry").fetchone()
        con.execute("update web_auditentry set username = 'someone-else' where id = ?", [entry])

    result = _verify_copy(web_app, tmp_path, change_purpose)
    assert result.returncode == 1
    assert "changed after writing" in result.stderr


def test_removing_the_newest_entry_fails_verify(web_app, some_activity, tmp_path):
    def cut_the_end(con):
        con.execute("delete from web_auditentry where id = (select max(id) from web_auditentry)")

    result = _verify_copy(web_app, tmp_path, cut_the_end)
    assert result.returncode == 1
    assert "removed or added" in result.stderr


def test_removing_a_middle_entry_fails_verify(web_app, some_activity, tmp_path):
    def cut_the_middle(con):
        con.execute(
            "delete from web_auditentry where id = (select min(id) + 1 from web_auditentry)"
        )

    assert _verify_copy(web_app, tmp_path, cut_the_middle).returncode == 1


def test_entries_refuse_change_through_the_application(web_app, some_activity):
    from orchestration.web.models import AuditEntry

    entry = AuditEntry.objects.first()
    entry.purpose = "changed"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_export_writes_every_entry_with_its_hashes(web_app, some_activity):
    from orchestration.web.audit import export
    from orchestration.web.models import AuditEntry

    out = io.StringIO()
    count = export(out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(lines) == AuditEntry.objects.count()
    assert all(len(line["entry_hash"]) == 64 for line in lines)
    assert lines[1]["prev_hash"] == lines[0]["entry_hash"]


def test_a_user_opening_many_families_in_a_day_is_flagged(web_app):
    from django.utils import timezone

    from orchestration.web.audit import append, search_volume_alerts

    for number in range(6):
        append(
            username="test-browser-heavy",
            role="analyst",
            action="view_family",
            page=f"/families/FAM-{number}/",
            family_id=f"FAM-{number}",
            person_id="",
            purpose="Checking",
            remote_addr="10.0.0.9",
            detail="",
        )
    # Other tests' users open families today too: look at this user's line only.
    flagged = {a["username"]: a for a in search_volume_alerts(timezone.localdate(), limit=5)}
    assert flagged["test-browser-heavy"]["families"] == 6
    assert flagged["test-browser-heavy"]["role"] == "analyst"
    at_limit = search_volume_alerts(timezone.localdate(), limit=6)
    assert "test-browser-heavy" not in {a["username"] for a in at_limit}


def test_coordinator_sees_alerts_and_a_spot_check_sample(client_for, web_app):
    from orchestration.web.audit import spot_check_sample

    assert spot_check_sample(3, seed=1)
    page = client_for("coordinator").get("/audit/").content.decode()
    assert "Search-volume alerts" in page and "Spot checks" in page
    assert "intact" in page


def test_sign_ins_and_failed_sign_ins_are_audited(web_app, users):
    from django.test import Client

    from orchestration.web.models import AuditEntry

    client = Client(REMOTE_ADDR="10.0.0.8")
    client.post("/sign-in/", {"username": "test-analyst", "password": "not the password"})
    failed = AuditEntry.objects.filter(action="sign_in_failed").last()
    assert failed.username == "test-analyst" and failed.remote_addr == "10.0.0.8"
    assert "not the password" not in failed.detail + failed.page
    client.post("/sign-in/", {"username": "test-analyst", "password": users["analyst"]["password"]})
    signed_in = AuditEntry.objects.filter(action="sign_in").last()
    assert signed_in.username == "test-analyst" and signed_in.role == "analyst"
