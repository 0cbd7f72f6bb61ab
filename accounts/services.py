"""Writes to users and roles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from enterprises.models import Enterprise
from enterprises.uscc import uscc_normalise
from parks.models import Park

from .models import Role, User


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    enterprise_uscc: str | None = None,
    park_code: str | None = None,
    password: str | None = None,
) -> tuple[User, bool]:
    """Create or update a user with one role. Raises ValidationError with field messages."""
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = _("A username is required.")
    if role not in Role.values:
        errors["role"] = _("Unknown role %(role)s; choose one of %(roles)s.") % {
            "role": role,
            "roles": ", ".join(Role.values),
        }
    enterprise = _enterprise_of(role, enterprise_uscc, errors)
    park = _park_of(role, park_code, errors)
    if errors:
        raise ValidationError(errors)

    user, created = User.objects.get_or_create(username=username.strip())
    user.role = role
    user.enterprise = enterprise
    user.park = park
    user.is_staff = role == Role.OFFICIAL
    if password:
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    if role == Role.OFFICIAL:
        _grant_official_admin(user)
    return user, created


def _enterprise_of(role: str, uscc: str | None, errors: dict[str, str]) -> Enterprise | None:
    """The enterprise an enterprise user belongs to; other roles belong to none."""
    if role != Role.ENTERPRISE:
        if uscc:
            errors["enterprise"] = _("Only enterprise users belong to an enterprise.")
        return None
    if not uscc:
        errors["enterprise"] = _("An enterprise user needs --enterprise USCC.")
        return None
    enterprise = Enterprise.objects.filter(uscc=uscc_normalise(uscc)).first()
    if enterprise is None:
        errors["enterprise"] = _("No enterprise has the code %(uscc)s.") % {"uscc": uscc}
    return enterprise


def _park_of(role: str, code: str | None, errors: dict[str, str]) -> Park | None:
    """The park a park manager belongs to; other roles belong to none."""
    if role != Role.PARK_MANAGER:
        if code:
            errors["park"] = _("Only park managers belong to a park.")
        return None
    if not code:
        errors["park"] = _("A park manager needs --park CODE.")
        return None
    park = Park.objects.filter(code=code).first()
    if park is None:
        errors["park"] = _("No park has the code %(code)s.") % {"code": code}
    return park


def _grant_official_admin(user: User) -> None:
    """Officials edit reference data and the catalogue in the admin."""
    from django.contrib.auth.models import Permission

    apps = ["targets", "parks", "enterprises"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))


def token_issue(*, user: User) -> str:
    token, _created = Token.objects.get_or_create(user=user)
    return str(token.key)
