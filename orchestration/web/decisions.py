"""Reviewers' decisions from the web application into linkage, before the night links people.

The web application keeps decisions in its own database (so a reviewer never waits on the
night's lock); this step copies those not undone and not yet applied into
`linkage.review_decisions` through linkage's own `record_decision`, where person linkage reads
them as binding (a match forces a link, a non-match forbids one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb


@dataclass
class AppliedDecisions:
    applied: int = 0
    unknown_records: list[int] = field(default_factory=list)  # decision ids left unapplied


def _known_records(con: duckdb.DuckDBPyConnection, record_ids: set[str]) -> set[str]:
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'linkage' and table_name = 'person_index'"
    ).fetchone()[0]
    if not exists or not record_ids:
        return set()
    rows = con.execute(
        "select record_id from linkage.person_index where list_contains(?::varchar[], record_id)",
        [sorted(record_ids)],
    ).fetchall()
    return {record_id for (record_id,) in rows}


def apply_web_decisions(con: duckdb.DuckDBPyConnection) -> AppliedDecisions:
    """Write pending web decisions to linkage.review_decisions on the warehouse open on `con`;
    mark them applied. Decisions naming a record the warehouse does not hold are left
    unapplied and reported (the web application only accepts queued pairs, so this means the
    records were withdrawn since)."""
    from django.utils import timezone

    from orchestration.linkage.review import record_decision
    from orchestration.web.cli import migrate, setup_django

    setup_django()
    migrate()
    from orchestration.web.models import ReviewDecision

    pending = list(
        ReviewDecision.objects.filter(undone_at__isnull=True, applied_at__isnull=True).order_by(
            "decided_at", "id"
        )
    )
    known = _known_records(con, {r for d in pending for r in (d.record_id_l, d.record_id_r)})
    outcome = AppliedDecisions()
    for decision in pending:
        if decision.record_id_l not in known or decision.record_id_r not in known:
            outcome.unknown_records.append(decision.pk)
            continue
        record_decision(
            con,
            decision.record_id_l,
            decision.record_id_r,
            decision.decision,
            reviewer=decision.reviewer,
            note=decision.reason,
            decided_at=decision.decided_at,
        )
        # Marked after the warehouse write: a crash between the two re-applies the same
        # decision next night, which is harmless (the latest decision on a pair wins).
        ReviewDecision.objects.filter(pk=decision.pk).update(applied_at=timezone.now())
        outcome.applied += 1
    return outcome
