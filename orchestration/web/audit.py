"""The audit trail: append an entry per access, verify the hash chain, export, alerts, samples.

Each entry's hash covers its own fields and the hash of the entry before it, and the head row
holds the newest hash and the count: changing, removing or inserting any entry breaks the chain
at that point, and cutting entries off the end no longer matches the head.

Retention drops the personal fields (PERSONAL_FIELDS) of entries past the audit's own
retention (orchestration/governance/audit_detail.py). Their hashes then no longer recompute
from their fields, so the disposal appends an entry of its own (action DISPOSED_DETAIL) whose
detail names the range and a hash of what the range still holds ("<first>-<last>:<sha256>").
That entry is chained and never disposed of itself: verify checks each such range against its
hash instead of recomputing the ranged entries one by one, and every link as before.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "at",
    "username",
    "role",
    "action",
    "page",
    "family_id",
    "person_id",
    "purpose",
    "remote_addr",
    "detail",
    "prev_hash",
)
# What retention drops from an entry past the audit's own retention: who was looked at, from
# where, why and on which page. Kept: when, who looked (username, role), what kind of action.
PERSONAL_FIELDS = ("page", "family_id", "person_id", "purpose", "remote_addr", "detail")
DISPOSED_DETAIL = "disposed_detail"
# A user opening more distinct families than this in a day is flagged to the coordinator.
DEFAULT_DAILY_FAMILY_LIMIT = int(os.environ.get("FAMILIES_WEB_ALERT_FAMILIES_PER_DAY", "25"))


def entry_hash(fields: dict) -> str:
    """SHA-256 over the hashed fields in a fixed order, as canonical JSON."""
    payload = []
    for name in HASHED_FIELDS:
        value = fields[name]
        payload.append(value.isoformat() if isinstance(value, datetime) else value)
    return hashlib.sha256(json.dumps(payload, separators=(",", ":")).encode()).hexdigest()


def range_hash(entries: Iterable[dict]) -> str:
    """SHA-256 over a range of entries as they are after disposal (hashed fields and hash)."""
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(entry_hash(entry).encode())
        digest.update(entry["entry_hash"].encode())
    return digest.hexdigest()


def disposed_ranges() -> list[tuple[int, int, str]]:
    """(first id, last id, range hash) of every disposal of detail the chain records."""
    from orchestration.web.models import AuditEntry

    ranges = []
    disposals = AuditEntry.objects.filter(action=DISPOSED_DETAIL)
    for detail in disposals.values_list("detail", flat=True):
        span, _, digest = detail.partition(":")
        first, _, last = span.partition("-")
        if first.isdigit() and last.isdigit():  # else the entry's own hash fails verify
            ranges.append((int(first), int(last), digest))
    return ranges


def client_address(request) -> str:
    """The caller's address; behind the council's proxy, the one it forwarded."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and os.environ.get("FAMILIES_WEB_PROXY") == "1":
        return forwarded.split(",")[0].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def append(**fields) -> int:
    """Append one entry to the chain; returns its id."""
    from orchestration.web.models import AuditEntry, AuditHead

    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1, last_hash=GENESIS, entry_count=0)
            head = AuditHead.objects.select_for_update().get(pk=1)
        at = timezone.now().replace(microsecond=0)
        entry = AuditEntry(at=at, prev_hash=head.last_hash, entry_hash="pending", **fields)
        entry.save()  # the id is part of what is hashed
        values = {name: getattr(entry, name) for name in HASHED_FIELDS}
        digest = entry_hash(values)
        AuditEntry.objects.filter(pk=entry.pk).update(entry_hash=digest)
        AuditHead.objects.filter(pk=1).update(last_hash=digest, entry_count=head.entry_count + 1)
    return entry.pk


def record(
    request,
    action: str,
    family_id: str = "",
    person_id: str = "",
    purpose: str = "",
    detail: str = "",
) -> int:
    """Audit one request by the signed-in user (page, role and address from the request)."""
    from orchestration.web.roles import role_of

    return append(
        username=request.user.get_username() or "(anonymous)",
        role=role_of(request.user) or "(none)",
        action=action,
        page=request.get_full_path()[:300],
        family_id=family_id,
        person_id=person_id,
        purpose=purpose[:300],
        remote_addr=client_address(request),
        detail=detail[:300],
    )


@dataclass(frozen=True)
class VerifyResult:
    entries: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify() -> VerifyResult:
    """Recompute the chain; every entry whose hash or link is wrong is a problem."""
    from orchestration.web.models import AuditEntry, AuditHead

    problems: list[str] = []
    previous = GENESIS
    count = 0
    disposed = disposed_ranges()
    in_range: dict[int, list[dict]] = {first: [] for first, _, _ in disposed}
    for entry in AuditEntry.objects.order_by("id").values(*HASHED_FIELDS, "entry_hash"):
        count += 1
        if entry["prev_hash"] != previous:
            problems.append(f"entry {entry['id']}: does not follow the entry before it")
        ranged = [first for first, last, _ in disposed if first <= entry["id"] <= last]
        for first in ranged:
            in_range[first].append(entry)
        if not ranged and entry_hash(entry) != entry["entry_hash"]:
            problems.append(f"entry {entry['id']}: its contents were changed after writing")
        previous = entry["entry_hash"]
    for first, last, digest in disposed:
        if range_hash(in_range[first]) != digest:
            problems.append(f"entries {first}-{last}: changed after their detail was disposed of")
    head = AuditHead.objects.filter(pk=1).first()
    head_hash, head_count = (head.last_hash, head.entry_count) if head else (GENESIS, 0)
    if head_hash != previous or head_count != count:
        problems.append(
            f"the chain holds {count} entries ending {previous[:12]}, but {head_count} were "
            f"written ending {head_hash[:12]}: entries were removed or added outside the app"
        )
    return VerifyResult(entries=count, problems=problems)


def export(out: IO[str], fmt: str = "jsonl") -> int:
    """Write every entry (with its hashes) as JSON lines or CSV; returns the count."""
    from orchestration.web.models import AuditEntry

    columns = [*HASHED_FIELDS, "entry_hash"]
    rows: Iterable[dict] = AuditEntry.objects.order_by("id").values(*columns).iterator()
    writer = csv.DictWriter(out, fieldnames=columns) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    count = 0
    for row in rows:
        row["at"] = row["at"].isoformat()
        if writer:
            writer.writerow(row)
        else:
            out.write(json.dumps(row) + "\n")
        count += 1
    return count


def search_volume_alerts(day: date, limit: int = DEFAULT_DAILY_FAMILY_LIMIT) -> list[dict]:
    """Users who opened more than `limit` distinct families on `day` (local time)."""
    from orchestration.web.models import AuditEntry

    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    rows = (
        AuditEntry.objects.filter(
            action="view_family", at__gte=start, at__lt=start + timedelta(days=1)
        )
        .values("username", "role")
        .annotate(families=Count("family_id", distinct=True))
        .filter(families__gt=limit)
        .order_by("-families")
    )
    return list(rows)


def spot_check_sample(size: int = 10, seed: int | None = None) -> list:
    """A random sample of family views for the coordinator to ask about."""
    from orchestration.web.models import AuditEntry

    ids = list(
        AuditEntry.objects.filter(action__in=("view_family", "export")).values_list("id", flat=True)
    )
    chosen = random.Random(seed).sample(ids, min(size, len(ids)))
    return list(AuditEntry.objects.filter(id__in=chosen).order_by("-at"))
