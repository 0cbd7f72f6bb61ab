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

from targets.scopes import CITY, Scope, ScopeKind

from .roles import Role


class _Park(Protocol):
    @property
    def code(self) -> str: ...


class _District(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name_zh(self) -> str: ...
    @property
    def name_en(self) -> str: ...


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


def _district_id(user: Actor) -> int | None:
    return getattr(user, "district_id", None)


def _district_park_codes(user: Actor) -> frozenset[str]:
    """The codes of the parks in a district official's district (``User.district_park_codes``,
    read once per request)."""
    return frozenset(getattr(user, "district_park_codes", frozenset()))


# --- roles ------------------------------------------------------------------------------


def is_official(user: Actor) -> bool:
    return _role(user) == Role.OFFICIAL


def sees_everything(user: Actor) -> bool:
    """Officials and analysts read the whole programme."""
    return _role(user) in (Role.OFFICIAL, Role.ANALYST)


def is_park_manager(user: Actor) -> bool:
    return _role(user) == Role.PARK_MANAGER and _park_id(user) is not None


def is_district_official(user: Actor) -> bool:
    """Reads, never writes, what a park manager reads, for every park and enterprise of
    their district (docs/decisions/0016)."""
    return _role(user) == Role.DISTRICT_OFFICIAL and _district_id(user) is not None


def _confined(user: Actor) -> bool:
    """Park managers and district officials: read-only readers kept to their own place
    (``own_scope``)."""
    return is_park_manager(user) or is_district_official(user)


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


def can_pre_review(user: Actor, *, park_id: int | None, prereview: bool) -> bool:
    """Pre-approve or return a submitted report: the park manager of the report's park,
    when that park pre-reviews (DOMAIN.md, "Multi-level review")."""
    return prereview and park_id is not None and is_park_manager(user) and _park_id(user) == park_id


def can_open_review_queue(user: Actor) -> bool:
    """Officials review; park managers pre-review their park's reports (if it pre-reviews)."""
    return can_review(user) or is_park_manager(user)


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
    return sees_everything(user) or _confined(user)


def can_read_completeness(user: Actor) -> bool:
    return sees_everything(user) or _confined(user)


def can_read_progress(user: Actor) -> bool:
    """Figures by district and park, their evidence and the progress API."""
    return sees_everything(user) or _confined(user)


def can_read_city_progress(user: Actor) -> bool:
    """The city's figures per target (the overview and the target charts): every role,
    reporters read-only."""
    return can_read_progress(user) or is_reporter(user)


def can_read_enterprise_pages(user: Actor) -> bool:
    """Enterprise profiles (which ones: ``enterprise_q``)."""
    return sees_everything(user) or _confined(user) or is_reporter(user)


def can_see_outlier_scores(user: Actor) -> bool:
    """Reviewers' statistics (modified z-scores, medians) are for those who review:
    officials, and park managers who pre-review; not for the enterprise that reported."""
    return is_official(user) or is_park_manager(user)


def can_manage_programme(user: Actor) -> bool:
    """Designations, milestones and rebuilds through the programme pages."""
    return is_official(user)


def can_publish(user: Actor) -> bool:
    """Publishing a quarter's city figures for the public page."""
    return is_official(user)


def can_export(user: Actor) -> bool:
    """The programme workbook and table downloads: officials, analysts, park managers and
    district officials (whose exports hold only their park, or their district and its parks:
    ``scope_allowed``)."""
    return sees_everything(user) or _confined(user)


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
    may see: all for officials and analysts, their park's for park managers, their
    district's for district officials (an enterprise's park is in its district), their own
    for reporters, none otherwise."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(**{f"{prefix}park_id": _park_id(user)})
    if is_district_official(user):
        return Q(**{f"{prefix}district_id": _district_id(user)})
    if is_reporter(user):
        return Q(**{f"{prefix}pk": _enterprise_id(user)})
    return NOTHING


def provider_q(user: Actor) -> Q:
    """Providers: park managers see those serving their park's enterprises, district
    officials those serving their district's enterprises and those of their district (whose
    designations count for it), reporters those serving their enterprise."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(enterprises__park_id=_park_id(user))
    if is_district_official(user):
        district = _district_id(user)
        return Q(enterprises__district_id=district) | Q(district_id=district)
    if is_reporter(user):
        return Q(enterprises=_enterprise_id(user))
    return NOTHING


def designation_q(user: Actor) -> Q:
    """Designations of the enterprises the user sees, and for park managers of their park,
    for district officials of their district's parks and providers (those the district's
    figures count)."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(enterprise__park_id=_park_id(user)) | Q(park_id=_park_id(user))
    if is_district_official(user):
        district = _district_id(user)
        return (
            Q(enterprise__district_id=district)
            | Q(park__district_id=district)
            | Q(provider__district_id=district)
        )
    if is_reporter(user):
        return Q(enterprise_id=_enterprise_id(user))
    return NOTHING


def park_q(user: Actor) -> Q:
    """Parks the user may pick in filters: a park manager their own, a district official
    their district's, others every park."""
    if sees_everything(user):
        return Q()
    if is_park_manager(user):
        return Q(pk=_park_id(user))
    if is_district_official(user):
        return Q(district_id=_district_id(user))
    return Q()


# --- which scopes -----------------------------------------------------------------------


def own_scope(user: Actor) -> Scope | None:
    """The scope a park manager (their park) or a district official (their district, with
    its names) is confined to; None for every other role."""
    if sees_everything(user):
        return None
    if is_park_manager(user):
        park: _Park | None = getattr(user, "park", None)
        return Scope.park(park.code) if park is not None else None
    if is_district_official(user):
        district: _District | None = getattr(user, "district", None)
        if district is None:
            return None
        return Scope.district(district.code, district.name_zh, district.name_en)
    return None


def scope_allowed(user: Actor, scope: Scope) -> bool:
    """Officials and analysts any scope, park managers their park's, district officials
    their district's and its parks'."""
    if sees_everything(user):
        return True
    own = own_scope(user)
    if own is None:
        return False
    if scope == own:
        return True
    return (
        own.kind is ScopeKind.DISTRICT
        and scope.kind is ScopeKind.PARK
        and scope.code in _district_park_codes(user)
    )


def default_scope(user: Actor) -> Scope:
    return own_scope(user) or CITY


def visible_scopes(user: Actor, everything: list[Scope]) -> list[Scope]:
    """Of ``everything`` (``parks.selectors.scopes_all()``), those the user may pick."""
    return [scope for scope in everything if scope_allowed(user, scope)]


def visible_scope_labels(user: Actor) -> list[str] | None:
    """The scope strings ("park:CODE", …) of every scope the user may see, to filter stored
    figures with (``scope__in``); None when the user sees every scope. A park manager: their
    park; a district official: their district and its parks; anyone else: none."""
    if sees_everything(user):
        return None
    own = own_scope(user)
    if own is None:
        return []
    labels = [str(own)]
    if own.kind is ScopeKind.DISTRICT:
        labels += [str(Scope.park(code)) for code in sorted(_district_park_codes(user))]
    return labels


# --- evidence files (docs/decisions/0017-evidence-files.md) -------------------------------


def is_analyst(user: Actor) -> bool:
    return _role(user) == Role.ANALYST


def evidence_q(user: Actor, prefix: str = "") -> Q:
    """The enterprises (or, with ``prefix``, rows of enterprises) whose evidence files the
    user may open: those of ``enterprise_q`` — officials all, a park manager their park's,
    a district official their district's, a reporter their own — except for analysts, who
    read figures and tables but not the certificates behind them."""
    if is_analyst(user):
        return NOTHING
    return enterprise_q(user, prefix)


def can_read_evidence(user: Actor) -> bool:
    """Whether the role opens evidence files at all (which ones: ``evidence_q``)."""
    return user.is_authenticated and not is_analyst(user) and enterprise_q(user) != NOTHING


def can_attach_evidence(user: Actor, *, enterprise_id: int) -> bool:
    """Attach files to, and remove them from, this enterprise's reports (while editable):
    whoever may write its reports."""
    return can_write_report(user, enterprise_id=enterprise_id)


def can_check_evidence(user: Actor) -> bool:
    """Mark a file as checked during review."""
    return can_review(user)


def evidence_required_of(user: Actor) -> bool:
    """Whether the user submits a report only with the required evidence attached. Officials
    handing in a report on an enterprise's behalf (historical and paper reports imported
    from a workbook, which carries no files) are not held to it; the review page shows
    the items that lack a file."""
    return not is_official(user)


def evidence_download_audited(user: Actor) -> bool:
    """Officials' downloads of evidence files are kept in the audit trail."""
    return is_official(user)


def can_read_removed_evidence(user: Actor) -> bool:
    """A removed file stays in the audit trail; officials open it from there."""
    return is_official(user)
