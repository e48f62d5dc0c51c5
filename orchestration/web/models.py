"""The application's own state: who is who, who may see which family, decisions, the audit."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    """What a login is for beyond its role: an IAO's agency (their quality pages only)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    agency = models.CharField(max_length=64, blank=True)

    class Meta:
        # Deny by default: every page names one of these; a role holds only what it needs.
        permissions = [
            ("view_eligible_list", "See the eligible list"),
            ("export_eligible_list", "Export the eligible list (CSV, XLSX)"),
            ("view_family", "Open a family's page"),
            ("view_all_families", "See every family, not only those allocated"),
            ("view_review_queue", "See the clerical review queue"),
            ("decide_review", "Record clerical review decisions"),
            ("view_quality", "See an agency's quality pages and load outcomes"),
            ("view_audit", "See the audit trail, alerts and spot checks"),
            ("manage_users", "Grant and remove access, allocate families"),
            ("subject_access", "Find everything held about one person (subject access)"),
        ]


class Allocation(models.Model):
    """A family allocated to a keyworker: the only families that keyworker may open."""

    keyworker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="allocations"
    )
    family_id = models.CharField(max_length=64)
    allocated_by = models.CharField(max_length=150)
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["keyworker", "family_id"], name="one_allocation")
        ]


class ReviewDecision(models.Model):
    """A reviewer's decision on a queued pair; applied to linkage.review_decisions by the
    next night (decisions.py). Undo is possible until it has been applied."""

    record_id_l = models.CharField(max_length=128)
    record_id_r = models.CharField(max_length=128)
    decision = models.CharField(
        max_length=16, choices=[("match", "Same person"), ("non_match", "Different people")]
    )
    reason = models.TextField()
    reviewer = models.CharField(max_length=150)
    decided_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]


class AuditEntry(models.Model):
    """One access: who, in which role, which family or person, which page, why, when, from
    where. Append-only; `entry_hash` covers the fields and the previous entry's hash."""

    at = models.DateTimeField()
    username = models.CharField(max_length=150)
    role = models.CharField(max_length=32)
    action = models.CharField(max_length=32)
    page = models.CharField(max_length=300)
    family_id = models.CharField(max_length=64, blank=True)
    person_id = models.CharField(max_length=64, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["family_id"])]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """One row: the latest entry's hash and the count. Locking it serialises appends (on
    PostgreSQL too), and comparing it with the table shows entries cut off the end."""

    last_hash = models.CharField(max_length=64)
    entry_count = models.BigIntegerField(default=0)
