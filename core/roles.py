"""The roles a user can have. Each user has exactly one (docs/decisions/0003)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICIAL = "official", _("Official")
    ANALYST = "analyst", _("Analyst")
    PARK_MANAGER = "park_manager", _("Park manager")
    DISTRICT_OFFICIAL = "district_official", _("District official")
    ENTERPRISE = "enterprise", _("Enterprise reporter")
