"""Workbooks built for download, and uploaded files being imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Export(models.Model):
    """A workbook built by a Celery job, kept until it expires: the programme workbook, or
    one page's table too long to download at once (``kind`` "table": ``table`` names it in
    ``exchange.tables``, ``params`` holds the page's query). Only the requester and officials
    may download it (core.policies.can_download_export)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being built")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        PROGRAMME = "programme", _("Programme workbook")
        TABLE = "table", _("Table")

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel (.xlsx)"
        CSV = "csv", "CSV"

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PROGRAMME)
    # A table's name, the page's query ({name: [values]}), its title in the export's language
    # and the file's name, as the download answered them.
    table = models.CharField(_("table"), max_length=40, blank=True)
    params = models.JSONField(_("query"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    file_format = models.CharField(
        _("format"), max_length=4, choices=Format.choices, default=Format.XLSX
    )
    period = models.PositiveIntegerField(_("quarter"), null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=60, default="city")
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    sheet = models.CharField(_("sheet being written"), max_length=60, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # Rows written per sheet (by the sheet's internal key), as the job finished each one.
    sheets = models.JSONField(_("rows per sheet"), default=dict, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    # Stored under a generated name; served only through the download view.
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Written with every progress step: a running export whose heartbeat stopped lost its
    # worker, and the sweep builds it again.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("workbook export")
        verbose_name_plural = _("workbook exports")
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="export_by_user_idx"),
            models.Index(fields=["status", "requested_at"], name="export_status_idx"),
            models.Index(fields=["expires_at"], name="export_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"
