"""Writes to enterprises, providers and designations. Each validates the whole object,
saves nothing when anything is invalid, and records in the same transaction which figures
the change moves (``targets.changes.recompute_request``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.types import UNSET, Unset
from parks.models import Park
from targets.changes import recompute_request
from targets.models import DesignationKind, District, Segment
from targets.periods import period_of
from targets.rules import targets_fed_by

from .models import Designation, Enterprise, Provider
from .uscc import uscc_normalise

# Designations are dated from the first quarter the product knows (targets.periods) to a
# year ahead of today: a title is announced before it takes effect, never decades ahead.
DESIGNATION_EARLIEST = dt.date(2000, 1, 1)
# What the rollup reads of an enterprise: a change to any of them moves figures.
FIGURE_FIELDS = frozenset(
    {"district", "park", "segment", "is_key", "above_scale", "active_from", "active_until"}
)


def _lookup(
    model: type[District] | type[Park] | type[Segment],
    field: str,
    code: str | None,
    errors: dict[str, str],
    *,
    required: bool = True,
) -> Any:
    if code in (None, ""):
        if required:
            errors[field] = _("This field is required.")
        return None
    obj = model.objects.filter(code=code).first()
    if obj is None:
        errors[field] = _("Unknown code %(code)s.") % {"code": code}
    return obj


def _history_user(obj: Any, by: Any) -> None:
    obj._history_user = by if getattr(by, "pk", None) else None


# --- enterprises ------------------------------------------------------------------------


def enterprise_create(
    *,
    uscc: str,
    name: str,
    district: str,
    segment: str,
    park: str | None = None,
    name_en: str = "",
    is_key: bool = False,
    above_scale: bool = False,
    active_from: dt.date | None = None,
    active_until: dt.date | None = None,
    contact_email: str = "",
    by: Any = None,
) -> Enterprise:
    enterprise = Enterprise(uscc=uscc_normalise(uscc))
    return _enterprise_save(
        enterprise=enterprise,
        by=by,
        changes={
            "name": name,
            "name_en": name_en,
            "district": district,
            "park": park,
            "segment": segment,
            "is_key": is_key,
            "above_scale": above_scale,
            "active_from": active_from,
            "active_until": active_until,
            "contact_email": contact_email,
        },
    )


def enterprise_update(
    *,
    enterprise: Enterprise,
    name: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
    district: str | Unset = UNSET,
    park: str | Unset | None = UNSET,
    segment: str | Unset = UNSET,
    is_key: bool | Unset = UNSET,
    above_scale: bool | Unset = UNSET,
    active_from: dt.date | Unset | None = UNSET,
    active_until: dt.date | Unset | None = UNSET,
    contact_email: str | Unset = UNSET,
    by: Any = None,
) -> Enterprise:
    given = {
        "name": name,
        "name_en": name_en,
        "district": district,
        "park": park,
        "segment": segment,
        "is_key": is_key,
        "above_scale": above_scale,
        "active_from": active_from,
        "active_until": active_until,
        "contact_email": contact_email,
    }
    changes = {field: value for field, value in given.items() if value is not UNSET}
    return _enterprise_save(enterprise=enterprise, by=by, changes=changes)


@transaction.atomic
def _enterprise_save(*, enterprise: Enterprise, by: Any, changes: dict[str, Any]) -> Enterprise:
    errors: dict[str, str] = {}
    creating = enterprise.pk is None
    before = {} if creating else _figure_state(enterprise)
    if "district" in changes:
        enterprise.district = _lookup(District, "district", changes["district"], errors)
    if "park" in changes:
        enterprise.park = _lookup(Park, "park", changes["park"], errors, required=False)
    if "segment" in changes:
        enterprise.segment = _lookup(Segment, "segment", changes["segment"], errors)
    for field in ("name", "name_en", "is_key", "above_scale", "active_from", "active_until"):
        if field in changes:
            setattr(enterprise, field, changes[field])
    if "contact_email" in changes:
        enterprise.contact_email = changes["contact_email"]
    if (
        enterprise.park is not None
        and enterprise.district_id is not None
        and enterprise.park.district_id != enterprise.district_id
    ):
        errors["park"] = _("The park is in another district.")
    _enterprise_check(enterprise, errors)
    _history_user(enterprise, by)
    try:
        with transaction.atomic():
            enterprise.save()
    except IntegrityError as error:
        raise ValidationError({"uscc": [_("An enterprise with this code exists.")]}) from error
    if creating or _figure_state(enterprise) != before:
        # An enterprise's district, park, flags and activity feed every scope and share.
        recompute_request(
            targets=None, from_period=None, reason=f"enterprise {enterprise.uscc}", by=by
        )
    return enterprise


def _enterprise_check(enterprise: Enterprise, errors: dict[str, str]) -> None:
    if (
        enterprise.active_from is not None
        and enterprise.active_until is not None
        and enterprise.active_until < enterprise.active_from
    ):
        # The field's own words, not the name of the database constraint behind it.
        errors["active_until"] = _("An enterprise cannot stop being active before it starts.")
    try:
        enterprise.full_clean(exclude=list(errors))
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(_constraint_field(field), " ".join(messages))
    if errors:
        raise ValidationError(errors)


def _constraint_field(field: str) -> str:
    """Model-wide messages (CheckConstraints) belong to the field they are about."""
    return "active_until" if field == "__all__" else field


def _figure_state(enterprise: Enterprise) -> tuple[Any, ...]:
    return tuple(
        getattr(enterprise, f"{name}_id" if name in ("district", "park", "segment") else name)
        for name in sorted(FIGURE_FIELDS)
    )


# --- providers --------------------------------------------------------------------------


def provider_create(
    *,
    uscc: str,
    name: str,
    district: str,
    services: list[str] | None = None,
    enterprises: Iterable[str] = (),
    by: Any = None,
) -> Provider:
    provider = Provider(uscc=uscc_normalise(uscc))
    return _provider_save(
        provider=provider,
        by=by,
        changes={
            "name": name,
            "district": district,
            "services": list(services or []),
            "enterprises": list(enterprises),
        },
    )


def provider_update(
    *,
    provider: Provider,
    name: str | Unset = UNSET,
    district: str | Unset = UNSET,
    services: list[str] | Unset = UNSET,
    enterprises: Iterable[str] | Unset = UNSET,
    by: Any = None,
) -> Provider:
    given = {"name": name, "district": district, "services": services, "enterprises": enterprises}
    changes = {field: value for field, value in given.items() if value is not UNSET}
    return _provider_save(provider=provider, by=by, changes=changes)


@transaction.atomic
def _provider_save(*, provider: Provider, by: Any, changes: dict[str, Any]) -> Provider:
    errors: dict[str, str] = {}
    moved = provider.pk is not None and "district" in changes
    old_district = provider.district_id if provider.pk is not None else None
    if "district" in changes:
        provider.district = _lookup(District, "district", changes["district"], errors)
    if "name" in changes:
        provider.name = changes["name"]
    if "services" in changes:
        provider.services = changes["services"]
    served: list[Enterprise] = []
    if "enterprises" in changes:
        codes = [uscc_normalise(code) for code in changes["enterprises"]]
        served = list(Enterprise.objects.filter(uscc__in=codes))
        missing = sorted(set(codes) - {e.uscc for e in served})
        if missing:
            errors["enterprises"] = _("Unknown enterprises: %(codes)s.") % {
                "codes": ", ".join(missing)
            }
    try:
        provider.full_clean(exclude=list(errors))
    except ValidationError as error:
        errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    _history_user(provider, by)
    provider.save()
    if "enterprises" in changes:
        provider.enterprises.set(served)
    if moved and provider.district_id != old_district:
        # Provider designations count for the provider's district.
        recompute_request(
            targets=targets_fed_by(designations=True),
            from_period=None,
            reason=f"provider {provider.uscc}",
            by=by,
        )
    return provider


# --- designations -----------------------------------------------------------------------


@transaction.atomic
def designation_create(
    *,
    kind: str,
    granted_on: dt.date,
    enterprise: str | None = None,
    park: str | None = None,
    provider: str | None = None,
    name: str = "",
    reference: str = "",
    revoked_on: dt.date | None = None,
    by: Any = None,
    at: dt.date | None = None,
) -> Designation:
    errors: dict[str, str] = {}
    kind_obj = DesignationKind.objects.filter(code=kind).first()
    if kind_obj is None:
        errors["kind"] = _("Unknown designation kind %(code)s.") % {"code": kind}
    subjects = {"enterprise": enterprise, "park": park, "provider": provider}
    resolved: dict[str, Any] = {}
    if kind_obj is not None:
        _subjects_check(kind_obj, subjects, errors)
        resolved = _resolve_subjects(subjects, errors)
    _dates_check(granted_on, revoked_on, errors, at=at)
    if errors or kind_obj is None:
        raise ValidationError(errors)
    designation = Designation(
        kind=kind_obj,
        name=name,
        reference=reference,
        granted_on=granted_on,
        revoked_on=revoked_on,
        **resolved,
    )
    _history_user(designation, by)
    designation.save()
    _designations_changed([granted_on, revoked_on], designation, by)
    return designation


@transaction.atomic
def designation_update(
    *,
    designation: Designation,
    name: str | Unset = UNSET,
    reference: str | Unset = UNSET,
    granted_on: dt.date | Unset = UNSET,
    revoked_on: dt.date | Unset | None = UNSET,
    by: Any = None,
    at: dt.date | None = None,
) -> Designation:
    """Officials correct a designation or revoke it (``revoked_on``)."""
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    touched = [designation.granted_on, designation.revoked_on]
    given = {
        "name": name,
        "reference": reference,
        "granted_on": granted_on,
        "revoked_on": revoked_on,
    }
    changed = [field for field, value in given.items() if value is not UNSET]
    for field in changed:
        setattr(designation, field, given[field])
    errors: dict[str, str] = {}
    _dates_check(
        designation.granted_on,
        designation.revoked_on,
        errors,
        at=at,
        changed=[field for field in ("granted_on", "revoked_on") if field in changed],
    )
    if errors:
        raise ValidationError(errors)
    if changed:
        _history_user(designation, by)
        designation.save(update_fields=changed)
    _designations_changed(
        [*touched, designation.granted_on, designation.revoked_on], designation, by
    )
    return designation


@transaction.atomic
def designation_delete(*, designation: Designation, by: Any = None) -> None:
    """Remove a designation recorded by mistake (a withdrawn title is revoked instead)."""
    touched = [designation.granted_on, designation.revoked_on]
    _history_user(designation, by)
    designation.delete()
    _designations_changed(touched, designation, by)


def _designations_changed(days: list[dt.date | None], designation: Designation, by: Any) -> None:
    first = min(day for day in days if day is not None)
    recompute_request(
        targets=targets_fed_by(designations=True),
        from_period=period_of(first),
        reason=f"designation {designation.pk or ''} {designation.kind_id}".strip(),
        by=by,
    )


def _dates_check(
    granted_on: dt.date,
    revoked_on: dt.date | None,
    errors: dict[str, str],
    *,
    at: dt.date | None,
    changed: list[str] | None = None,
) -> None:
    """Dates from 2000 to a year from today (``at``); a revocation not before the grant.
    On an update only the dates that change are held to the bounds (``changed``)."""
    latest = designation_latest_date(at)
    for field, day in (("granted_on", granted_on), ("revoked_on", revoked_on)):
        if day is None or (changed is not None and field not in changed):
            continue
        if day < DESIGNATION_EARLIEST:
            errors[field] = _("A designation cannot be dated before %(day)s.") % {
                "day": DESIGNATION_EARLIEST.isoformat()
            }
        elif day > latest:
            errors[field] = _(
                "A designation cannot be dated more than a year ahead (after %(day)s)."
            ) % {"day": latest.isoformat()}
    if revoked_on and revoked_on < granted_on and "revoked_on" not in errors:
        errors["revoked_on"] = _("A designation cannot be revoked before it was granted.")


def designation_latest_date(at: dt.date | None = None) -> dt.date:
    """The latest date a designation may carry: a year after ``at`` (today by default)."""
    day = at or timezone.localdate()
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _subjects_check(
    kind: DesignationKind, subjects: dict[str, str | None], errors: dict[str, str]
) -> None:
    allowed = _subjects_for(kind.subject)
    given = [field for field, value in subjects.items() if value]
    for field in given:
        if field not in allowed:
            errors[field] = _("A %(kind)s designation cannot name a %(field)s.") % {
                "kind": kind.name,
                "field": field,
            }
    if allowed and len(given) != 1 and not errors:
        field = allowed[0] if len(allowed) == 1 else "enterprise"
        errors[field] = _("Name exactly one subject: %(fields)s.") % {
            "fields": " or ".join(allowed)
        }


def _subjects_for(subject: str) -> list[str]:
    return {
        "enterprise": ["enterprise"],
        "park": ["park"],
        "provider": ["provider"],
        "enterprise_or_provider": ["enterprise", "provider"],
        "programme": [],
    }[subject]


def _resolve_subjects(subjects: dict[str, str | None], errors: dict[str, str]) -> dict[str, Any]:
    resolved: dict[str, Any] = {}
    for field, code in subjects.items():
        if not code:
            continue
        obj: Enterprise | Park | Provider | None
        if field == "enterprise":
            obj = Enterprise.objects.filter(uscc=uscc_normalise(code)).first()
        elif field == "provider":
            obj = Provider.objects.filter(uscc=uscc_normalise(code)).first()
        else:
            obj = Park.objects.filter(code=code).first()
        if obj is None:
            errors[field] = _("Unknown %(field)s %(code)s.") % {"field": field, "code": code}
        resolved[field] = obj
    return resolved
