"""No page or export shows an identifier to a role that may not see it.

Canaries: names planted in a police extract (names never reach the marts, so no role may
see them anywhere); the family, person and UPRN identifiers of families not allocated to
the keyworker; the record ids of the review queue (linkage reviewers only); and, for the
Information Asset Owner, every family and person id of the night.
"""

from __future__ import annotations

import io
import zipfile
from urllib.parse import urlencode

import pytest

from orchestration.published import open_published

pytestmark = pytest.mark.slow


def _text(answer) -> str:
    body = answer.content
    if body[:2] == b"PK":  # XLSX: read every part of the workbook
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return body.decode("utf-8", "replace")


def _everything_a_role_can_open(client, role: str, users, published_ids) -> str:
    """Every page the role may reach, each family it may open (purpose given), exports."""
    left, right = published_ids["queue"][0]
    urls = [
        "/families/",
        "/families/export.csv",
        "/families/export.xlsx",
        "/review/",
        "/review/pair/?" + urlencode({"left": left, "right": right}),
        "/quality/",
        "/quality/police/",
        "/audit/",
        "/users/",
    ]
    texts = []
    for url in urls:
        answer = client.get(url)
        if answer.status_code == 200:
            texts.append(_text(answer))
    for family in published_ids["eligible"]:
        client.post(f"/families/{family}/", {"purpose": "eligibility_check"})
        answer = client.get(f"/families/{family}/")
        if answer.status_code == 200:
            texts.append(_text(answer))
    return "\n".join(texts)


@pytest.fixture(scope="module")
def family_identifiers(web_app) -> dict[str, set[str]]:
    con = open_published()
    try:
        rows = con.execute(
            """
            with records as (
                select family_id, list(distinct record_id) as record_ids
                from marts.indicator_events, unnest(evidence_record_ids) as t(record_id)
                group by family_id
            )
            select f.family_id, f.uprn, f.person_ids, r.record_ids
            from marts.families f left join records r using (family_id)
            """
        ).fetchall()
    finally:
        con.close()
    return {
        family: {family, f"UPRN {uprn}", *persons, *(records or [])}
        for family, uprn, persons, records in rows
    }


ROLES = ["coordinator", "analyst", "keyworker", "police_liaison", "iao", "linkage_reviewer"]


@pytest.mark.parametrize("role", ROLES)
def test_no_role_sees_what_it_may_not(
    role, client_for, users, published_ids, family_identifiers, canary_names
):
    seen = _everything_a_role_can_open(client_for(role), role, users, published_ids)
    assert seen, f"{role} reached nothing"
    for name in canary_names:
        assert name.lower() not in seen.lower(), f"planted name shown to {role}"

    # A queued record may also be a family's evidence (shown on that family's page), and the
    # coordinator's audit page names the pairs reviewers decided: canaries are the rest.
    every_family = set().union(*family_identifiers.values())
    queue_only = {r for pair in published_ids["queue"] for r in pair} - every_family
    if role not in ("linkage_reviewer", "coordinator"):
        leaked = sorted(r for r in queue_only if r in seen)
        assert not leaked, f"{role} saw review-queue record ids {leaked[:3]}"
    if role == "keyworker":
        allocated = users["allocated_family"]
        assert allocated in seen
        others = set().union(*(ids for f, ids in family_identifiers.items() if f != allocated))
        leaked = sorted(i for i in others - family_identifiers[allocated] if i in seen)
        assert not leaked, f"keyworker saw identifiers of unallocated families {leaked[:3]}"
    if role in ("iao", "linkage_reviewer"):
        queued = {r for pair in published_ids["queue"] for r in pair}
        leaked = sorted(i for i in every_family - queued if i in seen)
        assert not leaked, f"{role} saw family identifiers {leaked[:3]}"


def test_canaries_were_planted_and_the_check_can_fail(
    web_app, canary_names, family_identifiers, published_ids
):
    """The planted names are in the landing data, and the identifiers used as canaries do
    show on a family page that may show them (so their absence elsewhere means something)."""
    landing = web_app["data_dir"] / "landing" / "police" / "offences"
    first = sorted(landing.glob("*.csv"))[0].read_text(encoding="cp1252")
    assert all(name in first for name in canary_names)
    assert any(len(ids) > 2 for ids in family_identifiers.values())
    queued = {r for pair in published_ids["queue"] for r in pair}
    assert queued - set().union(*family_identifiers.values()), "no queue-only canary record"
