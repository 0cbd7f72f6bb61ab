"""Quarterly self-reports.

A ``Submission`` keeps the report as entered (``metrics_data``, ``items_data``) so that its
history (django-simple-history) shows every change old → new in one stream. ``MetricValue``
and ``Item`` are the same values in rows, written by the services in the same transaction,
with the enterprise, quarter and an ``approved`` flag copied in so the rollup can aggregate
them with plain indexed SQL.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
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
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    # Reports an enterprise has handed in (a returned one was handed in at least once).
    HANDED_IN = (Status.SUBMITTED, Status.APPROVED, Status.RETURNED)

    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="submissions",
        verbose_name=_("enterprise"),
    )
    period = models.PositiveIntegerField(_("quarter"), help_text="year * 4 + quarter - 1")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
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
