from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from parks.models import Park

__all__ = ["Role", "User"]


class User(AbstractUser):
    """A user has exactly one role; park managers belong to a park, district officials to a
    district, reporters to an enterprise."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("enterprise"),
    )
    park = models.ForeignKey(
        "parks.Park",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("park"),
    )
    district = models.ForeignKey(
        "targets.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("district"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role="enterprise") | Q(enterprise__isnull=False),
                name="user_enterprise_role_has_enterprise",
            ),
            models.CheckConstraint(
                condition=~Q(role="park_manager") | Q(park__isnull=False),
                name="user_park_manager_has_park",
            ),
            models.CheckConstraint(
                condition=~Q(role="district_official") | Q(district__isnull=False),
                name="user_district_official_has_district",
                violation_error_message=_("A district official belongs to a district."),
            ),
        ]

    @cached_property
    def district_park_codes(self) -> frozenset[str]:
        """The codes of the parks in the user's district (none without a district), read
        once per user object, that is once per request: ``core.policies`` reads it to let a
        district official see the parks of their district."""
        if self.district_id is None:
            return frozenset()
        return frozenset(
            Park.objects.filter(district_id=self.district_id).values_list("code", flat=True)
        )


class ApiToken(models.Model):
    """A key for the API (``Authorization: Token <key>``). Only its SHA-256 is stored; the
    key is shown once, when issued. Tokens expire and can be revoked by their owner or an
    official (the admin)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("key begins with"), max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
