"""Retention in the web application's own database: review decisions about disposed records,
and the audit trail's personal detail past the audit's own retention.

A review decision names a pair of records and gives a reviewer's reason; once either record
is disposed of, the decision goes too. An audit entry keeps for good when it was written, who
acted, in which role and what kind of action it was; after `audit_detail_years`
(orchestration/contracts/programme.yml) it loses who or which family was looked at, on which
page, why and from which address (audit.PERSONAL_FIELDS). The chain stays verifiable: the
disposal appends its own entry naming the range and a hash of what the range still holds
(orchestration/web/audit.py). Then SQLite is VACUUMed so the dropped values leave the file.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from orchestration.governance.retention import DatasetDisposal, plus_years

WEB_APP = "(web application)"
RETENTION_ACTOR = "(retention)"


def dispose_web_records(
    today: dt.date, audit_years: int, records: set[str], dry_run: bool
) -> DatasetDisposal:
    """Count (dry run) or dispose of the decisions naming `records` and the audit detail of
    entries written more than `audit_years` before `today`."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from orchestration.web.cli import migrate, setup_django

    found = DatasetDisposal(
        WEB_APP, f"review decisions of disposed records; audit detail after {audit_years} years"
    )
    if not web_database_exists():
        return found  # the application was never used here: nothing to dispose of
    setup_django()
    migrate()
    from orchestration.web import audit
    from orchestration.web.models import AuditEntry, ReviewDecision

    # Decisions are few (a reviewer's work): test each against the set, not an IN list.
    decisions = [
        d.pk
        for d in ReviewDecision.objects.only("record_id_l", "record_id_r")
        if d.record_id_l in records or d.record_id_r in records
    ]
    cutoff = timezone.make_aware(dt.datetime.combine(plus_years(today, -audit_years), dt.time.min))
    # Ranges follow on from each other (ids grow with time), so no entry is in two ranges.
    after = max((last for _, last, _ in audit.disposed_ranges()), default=0)
    last = AuditEntry.objects.filter(at__lt=cutoff, id__gt=after).aggregate(Max("id"))["id__max"]
    expired = AuditEntry.objects.filter(id__gt=after, id__lte=last or after).exclude(
        action=audit.DISPOSED_DETAIL
    )
    detail = expired.exclude(**{name: "" for name in audit.PERSONAL_FIELDS}).count()
    if decisions:
        found.rows["web.review_decisions"] = len(decisions)
    if detail:
        found.rows["web.audit entries (detail)"] = detail
    if dry_run or not (decisions or detail):
        return found
    with transaction.atomic():
        ReviewDecision.objects.filter(pk__in=decisions).delete()
        if detail:
            _dispose_audit_detail(expired, after + 1, last)
    if connection.vendor == "sqlite":  # PostgreSQL: its administrator's VACUUM FULL
        with connection.cursor() as cursor:
            cursor.execute("vacuum")
            # WAL mode: the old pages also sit in the -wal file until it is checkpointed.
            cursor.execute("pragma wal_checkpoint(truncate)")
    return found


def web_database_exists() -> bool:
    """Whether the web application has a database (PostgreSQL is assumed to exist); found
    without creating anything, so a dry run leaves the data folder untouched."""
    from orchestration import paths
    from orchestration.web.config import database_settings

    state = Path(os.environ.get("FAMILIES_WEB_DIR", paths.data_dir() / "web")).resolve()
    settings = database_settings(state)
    return "sqlite" not in settings["ENGINE"] or Path(settings["NAME"]).is_file()


def _dispose_audit_detail(expired, first: int, last: int) -> None:
    """Blank the personal fields of the expired entries and chain a record of the range."""
    from orchestration.web import audit
    from orchestration.web.models import AuditEntry

    # Bypasses the model's append-only save(): this is the one sanctioned change.
    expired.update(**{name: "" for name in audit.PERSONAL_FIELDS})
    # Every entry in the range, disposed or not, as it now stands.
    ranged = AuditEntry.objects.filter(id__gte=first, id__lte=last).order_by("id")
    digest = audit.range_hash(ranged.values(*audit.HASHED_FIELDS, "entry_hash"))
    audit.append(
        username=RETENTION_ACTOR,
        role="(system)",
        action=audit.DISPOSED_DETAIL,
        page="",
        family_id="",
        person_id="",
        purpose="",
        remote_addr="",
        detail=f"{first}-{last}:{digest}",
    )
