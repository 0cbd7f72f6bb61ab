"""The programme catalogue: plans, targets, metrics, item and designation kinds, districts
and segments. Loaded from fixtures/catalog.json by ``catalogue_sync`` after every migrate."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class BilingualNameMixin:
    """``name`` in the active language: Chinese first, English when the user chose it."""

    name_zh: str
    name_en: str

    def _name(self) -> str:
        language = (get_language() or "zh-hans").lower()
        if language.startswith("en") and self.name_en:
            return str(self.name_en)
        return str(self.name_zh or self.name_en)

    # The admin's column header for ``name`` (a property has no verbose name of its own).
    _name.short_description = _("name")  # type: ignore[attr-defined]
    name = property(_name)

    def __str__(self) -> str:
        return self._name()


class District(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=6, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=50)
    name_en = models.CharField(_("name (English)"), max_length=50)

    class Meta:
        ordering = ["code"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")


class Segment(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)

    class Meta:
        ordering = ["id"]
        verbose_name = _("industry segment")
        verbose_name_plural = _("industry segments")


class Plan(BilingualNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    issuer_zh = models.CharField(_("issuer"), max_length=200, blank=True)
    document_no = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    level = models.CharField(_("level"), max_length=20)
    source = models.CharField(_("source document"), max_length=100, blank=True)

    class Meta:
        ordering = ["period_start", "code"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")


class Metric(BilingualNameMixin, models.Model):
    class Type(models.TextChoices):
        INTEGER = "integer", _("integer")
        DECIMAL = "decimal", _("decimal")
        BOOLEAN = "boolean", _("yes/no")
        LEVEL = "level", _("level 0-5")

    class Semantics(models.TextChoices):
        FLOW = "flow", _("flow (this quarter)")
        STOCK = "stock", _("stock (at quarter end)")
        FLAG = "flag", _("flag (yes/no)")

    class Group(models.TextChoices):
        TALENT = "talent", _("Talent")
        INVESTMENT = "investment", _("Investment and revenue")
        TRANSFORMATION = "transformation", _("Transformation")
        SYSTEMS = "systems", _("Information systems")
        MATURITY = "maturity", _("Maturity")

    code = models.CharField(_("code"), max_length=50, unique=True)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices)
    semantics = models.CharField(_("semantics"), max_length=10, choices=Semantics.choices)
    group = models.CharField(_("group"), max_length=20, choices=Group.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=4, null=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=4, null=True)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=20, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=20, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")

    @property
    def unit(self) -> str:
        language = (get_language() or "zh-hans").lower()
        return self.unit_en if language.startswith("en") else self.unit_zh


class ItemKind(BilingualNameMixin, models.Model):
    class Dedupe(models.TextChoices):
        IDENTIFIER = "identifier", _("identifier (once across all enterprises)")
        ENTERPRISE_IDENTIFIER = "enterprise+identifier", _("enterprise and identifier")

    code = models.CharField(_("code"), max_length=50, unique=True)
    dedupe = models.CharField(_("de-duplication key"), max_length=30, choices=Dedupe.choices)
    identifier_label_zh = models.CharField(_("identifier label (Chinese)"), max_length=100)
    identifier_label_en = models.CharField(_("identifier label (English)"), max_length=100)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    attributes = models.JSONField(_("allowed attributes"), default=dict, blank=True)
    # An enterprise submits an item of this kind only with an evidence file attached (the
    # clinical-trial approval notice, the registration certificate, ...). Officials change
    # the rule in the admin (through targets.services.item_kind_save: kept in the history).
    evidence_required = models.BooleanField(
        _("evidence file required"),
        default=False,
        help_text=_("A report with an item of this kind is submitted only with a file attached."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("item kind")
        verbose_name_plural = _("item kinds")

    @property
    def identifier_label(self) -> str:
        language = (get_language() or "zh-hans").lower()
        return self.identifier_label_en if language.startswith("en") else self.identifier_label_zh


class DesignationKind(BilingualNameMixin, models.Model):
    class Subject(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        PARK = "park", _("park")
        PROVIDER = "provider", _("service provider")
        ENTERPRISE_OR_PROVIDER = "enterprise_or_provider", _("enterprise or service provider")
        PROGRAMME = "programme", _("the programme")

    code = models.CharField(_("code"), max_length=50, unique=True)
    subject = models.CharField(_("subject"), max_length=30, choices=Subject.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        ordering = ["id"]
        verbose_name = _("designation kind")
        verbose_name_plural = _("designation kinds")


class Target(BilingualNameMixin, models.Model):
    class Comparator(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        APPROXIMATELY = "approximately", _("approximately")

    class RuleKind(models.TextChoices):
        DESIGNATION_COUNT = "designation_count", _("designations counted")
        ITEM_DISTINCT = "item_distinct", _("distinct items")
        FLOW_SUM = "flow_sum", _("sum of a quarterly flow")
        FLAG_EVER_COUNT = "flag_ever_count", _("enterprises ever flagged")
        FLAG_LATEST_COUNT = "flag_latest_count", _("enterprises flagged in their latest report")
        FLAG_LATEST_SHARE = "flag_latest_share", _("share of enterprises flagged")

    CUMULATIVE_KINDS = frozenset(
        {"designation_count", "item_distinct", "flow_sum", "flag_ever_count"}
    )

    code = models.CharField(_("code"), max_length=50, unique=True)

    class Group(models.TextChoices):
        INDUSTRY = "industry", _("Industry results")
        SERVICES = "services", _("Service system")
        SUPPORT = "support", _("Support capacity")
        PILOT = "pilot", _("AI + Cloud pilot")

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="targets", verbose_name=_("plan")
    )
    group = models.CharField(_("group"), max_length=30, choices=Group.choices)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=20, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=20, blank=True)
    comparator = models.CharField(_("comparator"), max_length=20, choices=Comparator.choices)
    value = models.DecimalField(_("target value"), max_digits=20, decimal_places=4)
    counts_from = models.DateField(_("counts from"))
    deadline = models.DateField(_("deadline"))
    baseline_date = models.DateField(_("baseline date"))
    baseline_value = models.DecimalField(
        _("baseline value"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the city's actual value in the baseline quarter."),
    )
    rule = models.JSONField(_("rule"))
    history = HistoricalRecords(excluded_fields=["position"])

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    @property
    def rule_kind(self) -> str:
        return str(self.rule["kind"])

    @property
    def is_cumulative(self) -> bool:
        return self.rule_kind in self.CUMULATIVE_KINDS

    @property
    def baseline_is_actual(self) -> bool:
        return self.baseline_value is None

    @property
    def unit(self) -> str:
        language = (get_language() or "zh-hans").lower()
        return self.unit_en if language.startswith("en") else self.unit_zh

    @property
    def achievement_threshold(self) -> Decimal:
        if self.comparator == self.Comparator.APPROXIMATELY:
            return self.value * Decimal("0.9")
        return self.value

    def baseline_as_json(self) -> dict[str, Any]:
        value: Any = "actual" if self.baseline_value is None else _number(self.baseline_value)
        return {"date": self.baseline_date.isoformat(), "value": value}


class Milestone(models.Model):
    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("target")
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "date"]
        constraints = [
            models.UniqueConstraint(fields=["target", "date"], name="milestone_unique_date"),
        ]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return f"{self.date}: {_number(self.value)}"


def _number(value: Decimal) -> int | float:
    """A catalogue number as JSON shows it: 10, not 10.0000."""
    return int(value) if value == value.to_integral_value() else float(value)


class RecomputeRequest(models.Model):
    """A change to data that figures are computed from, recorded in the same transaction as
    the change itself (an outbox row). ``progress`` turns pending requests into rollup runs;
    a request is never lost when the broker is down (docs/decisions/0008-recorded-changes.md).
    """

    # Codes of the targets whose figures the change can move; null means every target.
    targets = models.JSONField(_("targets"), null=True, blank=True)
    # The earliest quarter the change touches; null means each target's first quarter.
    from_period = models.PositiveIntegerField(_("from quarter"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # The rollup run that took the request (progress.RollupRun's id; null while pending).
    run_id = models.PositiveIntegerField(_("rollup run"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("recompute request")
        verbose_name_plural = _("recompute requests")
        indexes = [
            models.Index(
                fields=["requested_at"],
                condition=models.Q(run_id__isnull=True),
                name="recompute_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.requested_at:%Y-%m-%d %H:%M})"


class Allocation(models.Model):
    """A city target allocated to a district or a park (分解, DOMAIN.md "Allocations"): the
    scope's own final value and, optionally, its own milestones. Without them the target's
    milestones and numeric baseline are scaled by value ÷ target value. The comparator,
    deadline, baseline date and ``counts_from`` are always the target's.

    ``milestones`` holds ``[{"date": "YYYY-MM-DD", "value": "12.5"}]`` in date order, values
    as exact decimal text (``targets.services`` validates and writes them); an empty list
    means "scaled from the city's". Every change is kept (who, when, old → new).
    """

    target = models.ForeignKey(
        Target, on_delete=models.CASCADE, related_name="allocations", verbose_name=_("target")
    )
    # "district:CODE" or "park:CODE", exactly as the API and the snapshots write a scope.
    scope = models.CharField(_("scope"), max_length=60)
    value = models.DecimalField(_("allocated value"), max_digits=20, decimal_places=4)
    milestones = models.JSONField(_("own milestones"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target", "scope"]
        constraints = [
            models.UniqueConstraint(fields=["target", "scope"], name="allocation_unique_scope"),
        ]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.target_id} {self.scope}: {_number(self.value)}"

    @property
    def has_own_milestones(self) -> bool:
        return bool(self.milestones)

    def own_milestones(self) -> list[tuple[dt.date, Decimal]]:
        """Its own milestones as (date, value), in date order."""
        return sorted(
            (dt.date.fromisoformat(str(m["date"])), Decimal(str(m["value"])))
            for m in self.milestones or []
        )

    @property
    def scale(self) -> Fraction | None:
        """value ÷ target value, exact (None when the target's value is 0)."""
        if not self.target.value:
            return None
        return Fraction(self.value) / Fraction(self.target.value)

    def planned_milestones(self, city: Iterable[Milestone]) -> list[tuple[dt.date, Fraction]]:
        """The milestones the scope's planned line runs through: its own, or each of the
        city's (``city``: the target's milestones) scaled by value ÷ target value, exact and
        unrounded."""
        if self.has_own_milestones:
            return [(day, Fraction(value)) for day, value in self.own_milestones()]
        scale = self.scale
        if scale is None:
            return []
        return [(m.date, Fraction(m.value) * scale) for m in city]

    def planned_baseline(self, scope_actual: Decimal | None) -> Fraction | None:
        """The baseline point's value: a baseline "actual" is the scope's own actual in the
        baseline quarter (``scope_actual``; None when unknown); a numeric baseline is used
        as it is with the allocation's own milestones, scaled without them."""
        target = self.target
        if target.baseline_value is None:
            return None if scope_actual is None else Fraction(scope_actual)
        if self.has_own_milestones:
            return Fraction(target.baseline_value)
        scale = self.scale
        return None if scale is None else Fraction(target.baseline_value) * scale

    @property
    def achievement_threshold(self) -> Decimal:
        """The value that counts as reached, by the target's comparator."""
        if self.target.comparator == Target.Comparator.APPROXIMATELY:
            return self.value * Decimal("0.9")
        return self.value
