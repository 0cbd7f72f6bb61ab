"""Progress snapshots written by the rollup engine, and the rollup runs themselves."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from targets.models import Target


class ProgressStatus(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    MISSED = "missed", _("Missed")


# A figure's values: what publishing freezes and what "revised" compares (computed_at, when
# the figure was last computed, changes with every rollup and is kept beside them).
FIGURE_VALUES = (
    "actual",
    "planned",
    "target_value",
    "percent_of_target",
    "status",
    "projected_at_deadline",
    "projected_attainment",
    "share_of_city",
)


class FigureFields(models.Model):
    """A figure's values (FIGURE_VALUES) and when it was computed: what a snapshot holds and
    what publishing freezes, declared once."""

    actual = models.DecimalField(max_digits=20, decimal_places=4)
    planned = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    target_value = models.DecimalField(max_digits=20, decimal_places=4, null=True)
    percent_of_target = models.DecimalField(max_digits=12, decimal_places=1, null=True)
    status = models.CharField(max_length=10, choices=ProgressStatus.choices, null=True)
    projected_at_deadline = models.DecimalField(max_digits=20, decimal_places=2, null=True)
    projected_attainment = models.PositiveIntegerField(null=True)
    share_of_city = models.DecimalField(max_digits=12, decimal_places=1, null=True)
    computed_at = models.DateTimeField()

    class Meta:
        abstract = True


class Snapshot(FigureFields):
    """One figure: a target's progress in a quarter for a scope.

    ``scope`` is ``city``, ``district:<code>`` or ``park:<code>`` exactly as the API shows it.
    """

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="snapshots")
    period = models.PositiveIntegerField()
    scope = models.CharField(max_length=60)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period", "scope"], name="snapshot_unique_figure"
            ),
        ]
        indexes = [models.Index(fields=["period", "scope"])]

    def __str__(self) -> str:
        return f"{self.target_id} {self.period} {self.scope}: {self.actual}"

    @property
    def projected_attainment_label(self) -> str:
        from targets.periods import period_format

        return period_format(self.projected_attainment) if self.projected_attainment else ""


class RollupRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        FULL = "full", _("Full rebuild")
        INCREMENTAL = "incremental", _("Incremental")

    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    from_period = models.PositiveIntegerField(null=True, blank=True)
    # Codes of the targets to recompute; null means every target.
    targets = models.JSONField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    snapshots_written = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.kind} rollup {self.pk} ({self.status})"


class Publication(models.Model):
    """A quarter's city figures as published, with who and when (DOMAIN.md, "Published
    figures"). Publishing a quarter again makes a new version; every version is kept."""

    period = models.PositiveIntegerField(_("quarter"))
    version = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-period", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "version"], name="publication_unique_version"
            ),
        ]

    def __str__(self) -> str:
        from targets.periods import period_format

        return f"{period_format(self.period)} v{self.version}"


class PublishedFigure(FigureFields):
    """One target's city figure frozen as it stood when its quarter was published. A later
    rollup never changes it; the current figure is compared with it instead."""

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="figures")
    # A published figure outlives nothing it was computed from: the target stays.
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "target"], name="published_figure_unique_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.publication} {self.target_id}: {self.actual}"
