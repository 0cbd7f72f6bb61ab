from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from parks.models import Park
from targets.models import DesignationKind, District, Segment

from .uscc import validate_uscc


def active_q(day: dt.date, prefix: str = "") -> Q:
    """Active on a day: started on or before it and not ended before it. The same rule as
    ``Enterprise.is_active_on`` in SQL (tests/enterprises/test_activity.py holds them equal)."""
    return (
        Q(**{f"{prefix}active_from__isnull": True}) | Q(**{f"{prefix}active_from__lte": day})
    ) & (Q(**{f"{prefix}active_until__isnull": True}) | Q(**{f"{prefix}active_until__gte": day}))


class EnterpriseQuerySet(models.QuerySet["Enterprise"]):
    def active_on(self, day: dt.date) -> EnterpriseQuerySet:
        return self.filter(active_q(day))


class Enterprise(models.Model):
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("district")
    )
    park = models.ForeignKey(
        Park,
        on_delete=models.PROTECT,
        related_name="enterprises",
        null=True,
        blank=True,
        verbose_name=_("park"),
    )
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("segment")
    )
    is_key = models.BooleanField(_("key enterprise"), default=False)
    above_scale = models.BooleanField(_("above designated size"), default=False)
    active_from = models.DateField(_("active from"), null=True, blank=True)
    active_until = models.DateField(_("active until"), null=True, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    history = HistoricalRecords()

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        constraints = [
            models.CheckConstraint(
                condition=Q(active_until__isnull=True)
                | Q(active_from__isnull=True)
                | Q(active_until__gte=models.F("active_from")),
                name="enterprise_active_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, day: dt.date) -> bool:
        """``active_q`` for one enterprise already in memory."""
        started = self.active_from is None or self.active_from <= day
        return started and (self.active_until is None or self.active_until >= day)


class Provider(models.Model):
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField(_("name"), max_length=200)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="providers", verbose_name=_("district")
    )
    services = models.JSONField(_("services offered"), default=list, blank=True)
    enterprises = models.ManyToManyField(
        Enterprise, related_name="providers", blank=True, verbose_name=_("enterprises served")
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")

    def __str__(self) -> str:
        return self.name


class Designation(models.Model):
    kind = models.ForeignKey(
        DesignationKind,
        on_delete=models.PROTECT,
        related_name="designations",
        verbose_name=_("kind"),
    )
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designations",
        verbose_name=_("enterprise"),
    )
    park = models.ForeignKey(
        Park,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designations",
        verbose_name=_("park"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designations",
        verbose_name=_("service provider"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    reference = models.CharField(_("document reference"), max_length=200, blank=True)
    granted_on = models.DateField(_("granted on"))
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["granted_on", "id"]
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_on__isnull=True) | Q(revoked_on__gte=models.F("granted_on")),
                name="designation_revoked_after_granted",
            ),
            models.CheckConstraint(
                condition=(
                    Q(enterprise__isnull=True, park__isnull=True, provider__isnull=True)
                    | Q(enterprise__isnull=False, park__isnull=True, provider__isnull=True)
                    | Q(enterprise__isnull=True, park__isnull=False, provider__isnull=True)
                    | Q(enterprise__isnull=True, park__isnull=True, provider__isnull=False)
                ),
                name="designation_at_most_one_subject",
            ),
        ]
        indexes = [models.Index(fields=["kind", "granted_on"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name or self.subject}"

    @property
    def subject(self) -> object:
        return self.enterprise or self.park or self.provider or _("the programme")
