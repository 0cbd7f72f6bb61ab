from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from targets.models import District
from targets.scopes import CODE_PATTERN

code_validator = RegexValidator(
    rf"^{CODE_PATTERN}$",
    _("Use 1-30 letters, digits, “-” or “_” (codes appear in addresses)."),
)


class Park(models.Model):
    code = models.CharField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="parks", verbose_name=_("district")
    )
    # DOMAIN.md, "Multi-level review": the park manager pre-approves or returns its
    # enterprises' reports before an official reviews them.
    prereview = models.BooleanField(
        _("pre-review"),
        default=False,
        help_text=_(
            "The park manager pre-reviews the reports of the park's enterprises before "
            "officials review them."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("park")
        verbose_name_plural = _("parks")

    def __str__(self) -> str:
        return self._name()

    def _name(self) -> str:
        language = (get_language() or "zh-hans").lower()
        if language.startswith("en") and self.name_en:
            return str(self.name_en)
        return str(self.name_zh)

    _name.short_description = _("name")  # type: ignore[attr-defined]
    name = property(_name)
