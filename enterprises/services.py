"""Writes to enterprises, providers and designations. Each validates the whole object and
saves nothing when anything is invalid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from parks.models import Park
from targets.models import DesignationKind, District, Segment
from targets.periods import period_of

from .models import Designation, Enterprise, Provider
from .uscc import uscc_normalise


def _lookup(
    model: type, field: str, code: str | None, errors: dict[str, str], *, required: bool = True
) -> Any:
    if code in (None, ""):
        if required:
            errors[field] = _("This field is required.")
        return None
    obj = model.objects.filter(code=code).first()  # type: ignore[attr-defined]
    if obj is None:
        errors[field] = _("Unknown code %(code)s.") % {"code": code}
    return obj


def enterprise_create(*, data: dict[str, Any]) -> Enterprise:
    enterprise = Enterprise(uscc=uscc_normalise(data.get("uscc", "")))
    return _enterprise_save(enterprise=enterprise, data=data)


def enterprise_update(*, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    return _enterprise_save(enterprise=enterprise, data=data)


@transaction.atomic
def _enterprise_save(*, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    errors: dict[str, str] = {}
    if "district" in data or enterprise.pk is None:
        enterprise.district = _lookup(District, "district", data.get("district"), errors)
    if "park" in data:
        enterprise.park = _lookup(Park, "park", data.get("park"), errors, required=False)
    if "segment" in data or enterprise.pk is None:
        enterprise.segment = _lookup(Segment, "segment", data.get("segment"), errors)
    for field in (
        "name",
        "name_en",
        "is_key",
        "above_scale",
        "active_from",
        "active_until",
        "contact_email",
    ):
        if field in data:
            setattr(enterprise, field, data[field])
    if (
        enterprise.park
        and enterprise.district
        and enterprise.park.district_id != enterprise.district.pk
    ):
        errors["park"] = _("The park is in another district.")
    try:
        enterprise.full_clean(exclude=list(errors))
    except ValidationError as error:
        errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    enterprise.save()
    _rollup_all()
    return enterprise


@transaction.atomic
def provider_save(*, provider: Provider | None, data: dict[str, Any]) -> Provider:
    errors: dict[str, str] = {}
    provider = provider or Provider(uscc=uscc_normalise(data.get("uscc", "")))
    if "district" in data or provider.pk is None:
        provider.district = _lookup(District, "district", data.get("district"), errors)
    for field in ("name", "services"):
        if field in data:
            setattr(provider, field, data[field])
    try:
        provider.full_clean(exclude=list(errors))
    except ValidationError as error:
        errors.update({k: " ".join(v) for k, v in error.message_dict.items()})
    served = []
    if "enterprises" in data:
        codes = [uscc_normalise(code) for code in data["enterprises"] or []]
        served = list(Enterprise.objects.filter(uscc__in=codes))
        missing = sorted(set(codes) - {e.uscc for e in served})
        if missing:
            errors["enterprises"] = _("Unknown enterprises: %(codes)s.") % {
                "codes": ", ".join(missing)
            }
    if errors:
        raise ValidationError(errors)
    provider.save()
    if "enterprises" in data:
        provider.enterprises.set(served)
    return provider


SUBJECT_FIELDS = ("enterprise", "park", "provider")


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
) -> Designation:
    errors: dict[str, str] = {}
    kind_obj = DesignationKind.objects.filter(code=kind).first()
    if kind_obj is None:
        errors["kind"] = _("Unknown designation kind %(code)s.") % {"code": kind}
    subjects = {"enterprise": enterprise, "park": park, "provider": provider}
    resolved: dict[str, Any] = {}
    if kind_obj is not None:
        allowed = _subjects_for(kind_obj.subject)
        given = [field for field, value in subjects.items() if value]
        for field in given:
            if field not in allowed:
                errors[field] = _("A %(kind)s designation cannot name a %(field)s.") % {
                    "kind": kind_obj.name,
                    "field": field,
                }
        if allowed and len(given) != 1 and not errors:
            field = allowed[0] if len(allowed) == 1 else "enterprise"
            errors[field] = _("Name exactly one subject: %(fields)s.") % {
                "fields": " or ".join(allowed)
            }
        resolved = _resolve_subjects(subjects, errors)
    if revoked_on and revoked_on < granted_on:
        errors["revoked_on"] = _("A designation cannot be revoked before it was granted.")
    if errors or kind_obj is None:
        raise ValidationError(errors)
    designation = Designation.objects.create(
        kind=kind_obj,
        name=name,
        reference=reference,
        granted_on=granted_on,
        revoked_on=revoked_on,
        **resolved,
    )
    _rollup_from(min(granted_on, revoked_on or granted_on))
    return designation


@transaction.atomic
def designation_update(*, designation: Designation, data: dict[str, Any]) -> Designation:
    """Officials correct a designation or revoke it (``revoked_on``)."""
    designation = Designation.objects.select_for_update().get(pk=designation.pk)
    earliest = designation.granted_on
    changed = []
    for field in ("name", "reference", "granted_on", "revoked_on"):
        if field in data:
            setattr(designation, field, data[field])
            changed.append(field)
    if designation.revoked_on and designation.revoked_on < designation.granted_on:
        raise ValidationError(
            {"revoked_on": _("A designation cannot be revoked before it was granted.")}
        )
    if changed:
        designation.save(update_fields=changed)
    dates = [earliest, designation.granted_on] + (
        [designation.revoked_on] if designation.revoked_on else []
    )
    _rollup_from(min(dates))
    return designation


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
    lookups = {
        "enterprise": (Enterprise, "uscc"),
        "park": (Park, "code"),
        "provider": (Provider, "uscc"),
    }
    for field, code in subjects.items():
        if not code:
            continue
        model, key = lookups[field]
        value = uscc_normalise(code) if key == "uscc" else code
        obj = model.objects.filter(**{key: value}).first()  # type: ignore[attr-defined]
        if obj is None:
            errors[field] = _("Unknown %(field)s %(code)s.") % {"field": field, "code": code}
        resolved[field] = obj
    return resolved


def _rollup_from(day: dt.date) -> None:
    from progress.services import rollup_request_for_designations

    rollup_request_for_designations(from_period=period_of(day))


def _rollup_all() -> None:
    """An enterprise's district, park, flags or activity feed every scope and share."""
    from progress.services import rollup_request

    transaction.on_commit(lambda: rollup_request(from_period=None))
