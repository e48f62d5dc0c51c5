"""Review decisions: validated against the published queue, undoable until applied, and
applied to linkage.review_decisions by the step the night runs before person linkage."""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

import duckdb
import pytest

pytestmark = pytest.mark.slow


def _pair_url(left: str, right: str) -> str:
    return "/review/pair/?" + urlencode({"left": left, "right": right})


def test_a_decision_on_records_not_in_the_queue_is_refused(client_for, users):
    from orchestration.web.models import ReviewDecision

    client = client_for("linkage_reviewer")
    before = ReviewDecision.objects.count()
    answer = client.post(
        _pair_url("police__offences:NO-SUCH", "nhs__ae_attendances:NOPE"),
        {"decision": "match", "reason": "looks the same"},
    )
    assert answer.status_code == 404
    assert ReviewDecision.objects.count() == before


def test_a_decision_needs_a_reason_and_a_known_decision(client_for, published_ids):
    from orchestration.web.models import ReviewDecision

    client = client_for("linkage_reviewer")
    left, right = published_ids["queue"][0]
    before = ReviewDecision.objects.count()
    client.post(_pair_url(left, right), {"decision": "maybe", "reason": "not sure at all"})
    client.post(_pair_url(left, right), {"decision": "match", "reason": ""})
    assert ReviewDecision.objects.count() == before


def test_decide_undo_and_apply_to_linkage(client_for, published_ids, web_app, tmp_path):
    from orchestration.web.decisions import apply_web_decisions
    from orchestration.web.models import ReviewDecision

    client = client_for("linkage_reviewer")
    (left, right), (left2, right2) = published_ids["queue"][:2]
    page = client.get(_pair_url(left, right)).content.decode()
    assert left in page and right in page and "Bayes factor" in page
    client.post(_pair_url(left, right), {"decision": "non_match", "reason": "different DOB"})
    undone = ReviewDecision.objects.get(record_id_l=left, record_id_r=right, undone_at=None)
    queue = client.get("/review/").content.decode()
    assert f"left={left}" not in queue.replace("%3A", ":").replace("%7C", "|")
    client.post(f"/review/undo/{undone.pk}/")
    undone.refresh_from_db()
    assert undone.undone_at is not None

    client.post(_pair_url(left2, right2), {"decision": "match", "reason": "same NHS number"})
    # Applied to a copy of the night's warehouse, as the night's step does before linkage.
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(web_app["data_dir"] / "warehouse.duckdb", warehouse)
    with duckdb.connect(str(warehouse)) as con:
        outcome = apply_web_decisions(con)
        rows = con.execute(
            "select record_id_l, record_id_r, decision, reviewer from linkage.review_decisions"
        ).fetchall()
    assert outcome.applied >= 1 and not outcome.unknown_records
    assert (min(left2, right2), max(left2, right2), "match", "test-linkage_reviewer") in rows
    assert not [r for r in rows if {r[0], r[1]} == {left, right}], "an undone decision leaked"
    applied = ReviewDecision.objects.get(record_id_l=min(left2, right2), undone_at=None)
    assert applied.applied_at is not None
    # Applied decisions can no longer be undone (the night has them).
    client.post(f"/review/undo/{applied.pk}/")
    applied.refresh_from_db()
    assert applied.undone_at is None
