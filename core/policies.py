"""The access policy: who may do what, and which rows and scopes each role sees.

Every rule lives here, once. Services enforce them (they raise PermissionDenied);
views, the API, templates (through ``core.context_processors.policy``) and selectors ask
the same functions, so a page never offers what the service would refuse.
docs/decisions/0003-roles-and-visibility.md has the table.

The functions take any object with a user's attributes (``Actor``), so this module needs
no model of a higher app; row visibility comes back as ``Q`` filters the selectors apply.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Q

from targets.scopes import CITY, Scope

from .roles import Role


class _Park(Protocol):
    @property
    def code(self) -> str: ...


class Actor(Protocol):
    """What the policy reads of a user (accounts.models.User, or AnonymousUser)."""

    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_superuser(self) -> bool: ...


def _role(user: Actor) -> str:
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return Role.OFFICIAL
    return str(getattr(user, "role", "") or "")


def _enterprise_id(user: Actor) -> int | None:
    return getattr(user, "enterprise_id", None)


def _park_id(user: Actor) -> int | None:
    return getattr(user, "park_id", None)


# --- roles ------------------------------------------------------------------------------


def is_official(user: Actor) -> bool:
    return _role(user) == Role.OFFICIAL


def sees_everything(user: Actor) -> bool:
    """Officials and analysts read the whole programme."""
    return _role(user) in (Role.OFFICIAL, Role.ANALYST)


def is_park_manager(user: Actor) -> bool:
    return _role(user) == Role.PARK_MANAGER and _park_id(user) is not None


def is_reporter(user: Actor) -> bool:
    """An enterprise's reporter (who belongs to an enterprise)."""
    return _role(user) == Role.ENTERPRISE and _enterprise_id(user) is not None


# --- what a user may do -----------------------------------------------------------------


def can_write_reference(user: Actor) -> bool:
    """Parks, enterprises, providers, designations, targets and milestones."""
    return is_official(user)


def can_review(user: Actor) -> bool:
    """Approve, return and reopen reports."""
    return is_official(user)


def can_create_reports(user: Actor) -> bool:
    """Reporters for their own enterprise; officials on an enterprise's behalf."""
    return is_official(user) or is_reporter(user)


def can_write_report(user: Actor, *, enterprise_id: int) -> bool:
    """Create, edit and submit this enterprise's reports."""
    return is_official(user) or (is_reporter(user) and _enterprise_id(user) == enterprise_id)


def can_edit_report_in_form(user: Actor, *, enterprise_id: int) -> bool:
    """The report form is the reporter's; officials read and review instead."""
    return is_reporter(user) and _enterprise_id(user) == enterprise_id


def can_open_my_reports(user: Actor) -> bool:
    return is_reporter(user)


def can_read_report_list(user: Actor) -> bool:
    """Lists of many enterprises' reports."""
    return sees_everything(user) or is_park_manager(user)


def can_read_completeness(user: Actor) -> bool:
    return sees_everything(user) or is_park_manager(user)


def can_read_progress(user: Actor) -> bool:
    """Figures by district and park, their evidence and the progress API."""
    return sees_everything(user) or is_park_manager(user)


def can_read_city_progress(user: Actor) -> bool:
    """The city's figures per target (the overview and the target charts): every role,
    reporters read-only."""
    return can_read_progress(user) or is_reporter(user)


def can_read_enterprise_pages(user: Actor) -> bool:
    """Enterprise profiles (which ones: ``enterprise_q``)."""
    return sees_everything(user) or is_park_manager(user) or is_reporter(user)


def can_see_outlier_scores(user: Actor) -> bool:
    """Reviewers' statistics (modified z-scores, medians) are for officials, not for the
    enterprise that reported."""
    return is_official(user)


def can_manage_programme(user: Actor) -> bool:
    """Designations, milestones and rebuilds through the programme pages."""
    return is_official(user)


def can_publish(user: Actor) -> bool:
    """Publishing a quarter's city figures for the public page."""
    return is_official(user)


def can_export(user: Actor) -> bool:
    """The programme workbook and table downloads: officials, analysts, and park managers
    (whose exports hold only their park: ``own_scope``)."""
    return sees_everything(user) or is_park_manager(user)


def can_download_export(user: Actor, *, requested_by_id: int | None) -> bool:
    """A workbook is the requester's; officials may download any."""
    if is_official(user):
        return True
    return requested_by_id is not None and getattr(user, "pk", None) == requested_by_id


def can_import(user: Actor) -> bool:
    """Bulk imports of enterprises, parks, providers and historical reports."""
    return is_official(user)


def can_revoke_token(user: Actor, *, owner_id: int) -> bool:
    """API tokens: their owner, or an official."""
    return is_official(user) or (user.is_authenticated and getattr(user, "pk", None) == owner_id)


def can_read_rollups(user: Actor) -> bool:
    return sees_everything(user)


def can_request_rollup(user: Actor) -> bool:
    return is_official(user)


def can_use_admin(user: Actor) -> bool:
    return is_official(user)


# --- which rows -------------------------------------------------------------------------

NOTHING = Q(pk__in=[])


def enterprise_q(user: Actor, prefix: str = "") -> Q:
    """The enterprises (or, with ``prefix`` "enterprise__", rows of enterprises) the user
    may see: all for officials and analysts, their park's for park managers, their own for
    reporters, none otherwise."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(**{f"{prefix}park_id": _park_id(user)})
    if is_reporter(user):
        return Q(**{f"{prefix}pk": _enterprise_id(user)})
    return NOTHING


def provider_q(user: Actor) -> Q:
    """Providers: park managers see those serving their park's enterprises, reporters those
    serving their enterprise."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(enterprises__park_id=_park_id(user))
    if is_reporter(user):
        return Q(enterprises=_enterprise_id(user))
    return NOTHING


def designation_q(user: Actor) -> Q:
    """Designations of the enterprises (and, for park managers, the park) the user sees."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(enterprise__park_id=_park_id(user)) | Q(park_id=_park_id(user))
    if is_reporter(user):
        return Q(enterprise_id=_enterprise_id(user))
    return NOTHING


def park_q(user: Actor) -> Q:
    """Parks the user may pick in filters: a park manager their own, others every park."""
    if sees_everything(user) or not is_park_manager(user):
        return Q()
    return Q(pk=_park_id(user))


# --- which scopes -----------------------------------------------------------------------


def own_scope(user: Actor) -> Scope | None:
    """The one scope a park manager is confined to; None for every other role."""
    if sees_everything(user) or not is_park_manager(user):
        return None
    park: _Park | None = getattr(user, "park", None)
    return Scope.park(park.code) if park is not None else None


def scope_allowed(user: Actor, scope: Scope) -> bool:
    """Officials and analysts any scope, park managers their park's."""
    if sees_everything(user):
        return True
    own = own_scope(user)
    return own is not None and scope == own


def default_scope(user: Actor) -> Scope:
    return own_scope(user) or CITY


def visible_scopes(user: Actor, everything: list[Scope]) -> list[Scope]:
    """Of ``everything`` (``parks.selectors.scopes_all()``), those the user may pick."""
    return [scope for scope in everything if scope_allowed(user, scope)]
