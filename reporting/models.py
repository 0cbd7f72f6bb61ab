"""Quarterly self-reports.

A ``Submission`` keeps the report as entered (``metrics_data``, ``items_data``) so that its
history (django-simple-history) shows every change old → new in one stream. ``MetricValue``
and ``Item`` are the same values in rows, written by the services in the same transaction,
with the enterprise, quarter and an ``approved`` flag copied in so the rollup can aggregate
them with plain indexed SQL.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enterprises.models import Enterprise
from targets.models import ItemKind, Metric
from targets.periods import period_format


class BulkWriteForbidden(RuntimeError):
    """Raised on queryset.update() of audited rows: they change only through services."""


class AuditedQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise BulkWriteForbidden(
            "Reports are audited row by row; change them through reporting.services."
        )

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise BulkWriteForbidden(
            "Reports are audited row by row; change them through reporting.services."
        )


class Submission(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        PRE_APPROVED = "pre_approved", _("Pre-approved")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    # Reports an enterprise has handed in (a returned one was handed in at least once).
    HANDED_IN = (Status.SUBMITTED, Status.PRE_APPROVED, Status.APPROVED, Status.RETURNED)
    # Reports an official may approve or return (DOMAIN.md, "Multi-level review").
    IN_REVIEW = (Status.PRE_APPROVED, Status.SUBMITTED)

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("enterprise"),
    )
    period = models.PositiveIntegerField(_("quarter"), help_text="year * 4 + quarter - 1")
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    metrics_data = models.JSONField(_("metric values"), default=dict)
    items_data = models.JSONField(_("items"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    # Set by the services from their ``at`` (default now), so imports can date history.
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # The park manager's pre-approval, where the park pre-reviews (cleared on resubmission).
    prereviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pre-approved by"),
    )
    prereviewed_at = models.DateTimeField(_("pre-approved at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    late = models.BooleanField(_("late"), default=False)
    # The first submission decides lateness and "overdue": a report returned and resubmitted
    # after the due date was still in on time (docs/decisions/0005-completeness.md).
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    history = HistoricalRecords(
        excluded_fields=["updated_at"], history_change_reason_field=models.TextField(null=True)
    )

    objects = AuditedQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "enterprise_id"]
        verbose_name = _("quarterly report")
        verbose_name_plural = _("quarterly reports")
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "period"], name="submission_one_per_enterprise_quarter"
            ),
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.period_label}"

    @property
    def period_label(self) -> str:
        return period_format(self.period)


class MetricValue(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="values")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    period = models.PositiveIntegerField()
    metric = models.ForeignKey(
        Metric, on_delete=models.PROTECT, related_name="+", verbose_name=_("metric")
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    approved = models.BooleanField(_("approved"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "metric"], name="metric_value_unique"),
        ]
        indexes = [
            models.Index(
                fields=["metric", "enterprise", "period"],
                include=["value"],
                condition=Q(approved=True),
                name="metric_value_approved_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id}={self.value}"


class Item(models.Model):
    """An itemised achievement: a scenario, a drug entering clinic, a device, a standard."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="items")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    period = models.PositiveIntegerField()
    kind = models.ForeignKey(
        ItemKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    identifier = models.CharField(_("identifier"), max_length=200)
    identifier_key = models.CharField(_("de-duplication key"), max_length=200, db_index=True)
    title = models.CharField(_("title"), max_length=300, blank=True)
    date = models.DateField(_("date"))
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to="evidence/%Y/", blank=True)
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    approved = models.BooleanField(_("approved"), default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["kind", "identifier_key", "date"],
                condition=Q(approved=True),
                name="item_approved_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.identifier


class PeerStat(models.Model):
    """The median and median absolute deviation of a metric's values in a quarter, over
    the submitted and approved reports: what the "peers" outlier flag compares a value
    with. Kept up to date by ``reporting.services.peer_stats_refresh`` so that the review
    pages read them in one query instead of recomputing them from every value."""

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+")
    period = models.PositiveIntegerField()
    median = models.FloatField()
    mad = models.FloatField()
    values = models.PositiveIntegerField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "period"], name="peer_stat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period}: {self.median} ± {self.mad}"


class ReminderDigest(models.Model):
    """One weekly reminder digest sent to one recipient, so a re-run sends nothing twice."""

    recipient = models.CharField(_("recipient"), max_length=200)
    week = models.CharField(_("ISO week"), max_length=8, help_text="e.g. 2024-W07")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder digest")
        verbose_name_plural = _("reminder digests")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "week"], name="reminder_digest_once_a_week"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} {self.week}"


# --- evidence files (docs/decisions/0017-evidence-files.md) -------------------------------


def evidence_storage() -> Storage:
    """Where evidence files live: ``STORAGES["evidence"]`` (the local file system under
    MEDIA_ROOT, or an S3-compatible object store)."""
    return storages["evidence"]


def evidence_upload_to(instance: EvidenceFile, filename: str) -> str:
    """A generated name (the original one is kept for display only): year/uuid.ext."""
    year = timezone.localdate(instance.uploaded_at).year
    return f"{year}/{instance.public_id.hex}{instance.extension}"


class EvidenceQuerySet(AuditedQuerySet):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise BulkWriteForbidden(
            "Evidence files are audited; remove them through reporting.evidence (a removed "
            "file keeps its row)."
        )


class EvidenceFile(models.Model):
    """A file behind one item of a report (a certificate, an approval notice), checked by
    its content. It belongs to the item at ``position`` in the report's items; the services
    keep ``position``, ``kind`` and ``identifier_key`` right when the report is edited. A
    removed file keeps its row (and its bytes) for the audit trail; downloads and lists
    skip it."""

    class ContentType(models.TextChoices):
        PDF = "application/pdf", "PDF"
        JPEG = "image/jpeg", "JPEG"
        PNG = "image/png", "PNG"
        OFD = "application/ofd", "OFD"

    EXTENSIONS: ClassVar[dict[str, str]] = {
        "application/pdf": ".pdf",
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "application/ofd": ".ofd",
    }
    # What a browser shows inline (OFD needs a reader of its own: downloaded).
    PREVIEWABLE: ClassVar[tuple[str, ...]] = ("application/pdf", "image/jpeg", "image/png")

    # The link's part: random, so that links cannot be guessed (the view checks the policy).
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="evidence_files"
    )
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("item"), help_text="the item's index in items_data")
    kind = models.ForeignKey(
        ItemKind, on_delete=models.PROTECT, related_name="+", verbose_name=_("kind")
    )
    identifier_key = models.CharField(_("de-duplication key"), max_length=200)
    name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=evidence_upload_to)
    content_type = models.CharField(_("type"), max_length=30, choices=ContentType.choices)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["position", "uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            models.Index(
                fields=["submission", "position"],
                condition=Q(removed_at__isnull=True),
                name="evidence_current_idx",
            ),
            models.Index(
                fields=["submission", "identifier_key"],
                condition=Q(removed_at__isnull=True),
                name="evidence_key_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def extension(self) -> str:
        return self.EXTENSIONS.get(self.content_type, "")

    @property
    def previewable(self) -> bool:
        return self.content_type in self.PREVIEWABLE


class EvidenceEvent(models.Model):
    """The audit trail of evidence files: every upload, removal, check and official's
    download, with who and when (the report's trail shows them among its own changes)."""

    class Action(models.TextChoices):
        ATTACH = "attach", _("File attached")
        REMOVE = "remove", _("File removed")
        CHECK = "check", _("File checked")
        UNCHECK = "uncheck", _("File check withdrawn")
        DOWNLOAD = "download", _("File downloaded")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="evidence_events"
    )
    file = models.ForeignKey(EvidenceFile, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    # The report's version when it happened, so the trail can place it among the versions.
    version = models.PositiveIntegerField(_("version"))

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("evidence file event")
        verbose_name_plural = _("evidence file events")
        indexes = [models.Index(fields=["submission", "at"])]

    def __str__(self) -> str:
        return f"{self.action} {self.file_id}"
