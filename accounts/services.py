"""Writes to users and roles."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import policies
from enterprises.models import Enterprise
from enterprises.uscc import uscc_normalise
from parks.models import Park
from targets.models import District

from .models import ApiToken, Role, User


@dataclass(frozen=True)
class Belonging:
    """What a user of a role belongs to: an enterprise (reporters), a park (park managers),
    a district (district officials), or nothing (officials, analysts)."""

    enterprise: Enterprise | None = None
    park: Park | None = None
    district: District | None = None


def user_role_check(
    *,
    role: str,
    enterprise_uscc: str | None = None,
    park_code: str | None = None,
    district_code: str | None = None,
) -> Belonging:
    """What a user of ``role`` belongs to, from the codes given; ValidationError with field
    messages when the role is unknown, when the role needs a code that is missing or
    unknown, or when a code is given that the role does not take."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = _("Unknown role %(role)s; choose one of %(roles)s.") % {
            "role": role,
            "roles": ", ".join(Role.values),
        }
    enterprise = _enterprise_of(role, enterprise_uscc, errors)
    park = _park_of(role, park_code, errors)
    district = _district_of(role, district_code, errors)
    if errors:
        raise ValidationError(errors)
    return Belonging(enterprise=enterprise, park=park, district=district)


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    enterprise_uscc: str | None = None,
    park_code: str | None = None,
    district_code: str | None = None,
    password: str | None = None,
) -> tuple[User, bool]:
    """Create or update a user with one role. Raises ValidationError with field messages."""
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = _("A username is required.")
    try:
        belongs = user_role_check(
            role=role,
            enterprise_uscc=enterprise_uscc,
            park_code=park_code,
            district_code=district_code,
        )
    except ValidationError as error:
        errors.update({field: " ".join(m) for field, m in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)

    user, created = User.objects.get_or_create(username=username.strip())
    user.role = role
    user.enterprise = belongs.enterprise
    user.park = belongs.park
    user.district = belongs.district
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


def _district_of(role: str, code: str | None, errors: dict[str, str]) -> District | None:
    """The district a district official belongs to; other roles belong to none."""
    if role != Role.DISTRICT_OFFICIAL:
        if code:
            errors["district"] = _("Only district officials belong to a district.")
        return None
    if not code:
        errors["district"] = _("A district official needs --district CODE.")
        return None
    district = District.objects.filter(code=code.strip()).first()
    if district is None:
        errors["district"] = _("No district has the code %(code)s.") % {"code": code}
    return district


# Officials edit reference data and the catalogue in the admin, revoke API tokens and unlock
# locked-out logins; they never edit users (a user's role is set with add_user).
OFFICIAL_ADMIN_APPS = ["targets", "parks", "enterprises"]
OFFICIAL_ADMIN_PERMISSIONS = [
    ("accounts", "view_apitoken"),
    ("accounts", "change_apitoken"),
    ("axes", "view_accessattempt"),
    ("axes", "delete_accessattempt"),
    ("axes", "view_accesslog"),
]


def _grant_official_admin(user: User) -> None:
    wanted = Q(content_type__app_label__in=OFFICIAL_ADMIN_APPS)
    for app, codename in OFFICIAL_ADMIN_PERMISSIONS:
        wanted |= Q(content_type__app_label=app, codename=codename)
    user.user_permissions.set(Permission.objects.filter(wanted))


# --- API tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once; only its hash is kept


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(
    *, user: User, name: str = "", at: dt.datetime | None = None, days: int | None = None
) -> IssuedToken:
    """A new API token for the user, valid ``DX_TOKEN_DAYS`` days (or ``days``)."""
    at = at or timezone.now()
    key = secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100],
        prefix=key[:8],
        key_hash=token_hash(key),
        created_at=at,
        expires_at=at + dt.timedelta(days=days or settings.DX_TOKEN_DAYS),
    )
    return IssuedToken(token=token, key=key)


def token_revoke(*, token: ApiToken, by: User, at: dt.datetime | None = None) -> ApiToken:
    """Revoke a token: its owner or an official may (core.policies.can_revoke_token)."""
    if not policies.can_revoke_token(by, owner_id=token.user_id):
        raise PermissionDenied(_("You may only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(*, key: str, at: dt.datetime | None = None) -> ApiToken | None:
    """The live token with this key (not expired, not revoked, active user), or None."""
    at = at or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(key), revoked_at__isnull=True, expires_at__gt=at)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or at - token.last_used_at > dt.timedelta(minutes=5):
        # Recorded at most every few minutes: a busy client must not write on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
    return token
