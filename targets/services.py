"""Writes to the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from .changes import recompute_request
from .models import (
    Allocation,
    DesignationKind,
    District,
    ItemKind,
    Metric,
    Milestone,
    Plan,
    Segment,
    Target,
)
from .rules import rule_parse
from .scopes import Scope, ScopeError, ScopeKind

# How the report form groups the metrics (the plan's own headings).
METRIC_GROUPS = {
    "talent_high_end_new": Metric.Group.TALENT,
    "talent_backbone_new": Metric.Group.TALENT,
    "digital_staff": Metric.Group.TALENT,
    "digital_investment": Metric.Group.INVESTMENT,
    "rd_investment": Metric.Group.INVESTMENT,
    "revenue": Metric.Group.INVESTMENT,
    "cloud_adopted": Metric.Group.TRANSFORMATION,
    "self_upgrade": Metric.Group.TRANSFORMATION,
    "dx_transformed": Metric.Group.TRANSFORMATION,
    "dcmm_level": Metric.Group.MATURITY,
    "smart_mfg_level": Metric.Group.MATURITY,
}


def catalogue_read(path: Path | None = None) -> dict[str, Any]:
    with open(path or settings.DX_CATALOG_PATH, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@transaction.atomic
def catalogue_sync(*, path: Path | None = None) -> dict[str, int]:
    """Create every catalogue row that is missing; never change or duplicate existing ones.

    Officials edit targets and milestones in the admin afterwards, so a later migrate must
    not overwrite their edits (docs/decisions/0002-catalogue-loading.md).
    Returns how many rows of each kind were created.
    """
    data = catalogue_read(path)
    created: dict[str, int] = {}

    def upsert(model: Any, key: dict[str, Any], defaults: dict[str, Any], label: str) -> Any:
        obj, was_created = model.objects.get_or_create(**key, defaults=defaults)
        created[label] = created.get(label, 0) + int(was_created)
        return obj

    for row in data["districts"]:
        upsert(District, {"code": row["code"]}, _names(row), "districts")
    for row in data["segments"]:
        upsert(Segment, {"code": row["code"]}, _names(row), "segments")
    plans = {}
    for row in data["plans"]:
        plans[row["code"]] = upsert(
            Plan,
            {"code": row["code"]},
            {
                **_names(row),
                "issuer_zh": row.get("issuer_zh", ""),
                "document_no": row.get("document_no", ""),
                "issued_on": _date(row.get("issued_on")),
                "period_start": _date(row["period_start"]),
                "period_end": _date(row["period_end"]),
                "level": row["level"],
                "source": row.get("source", ""),
            },
            "plans",
        )
    for position, row in enumerate(data["metrics"]):
        upsert(
            Metric,
            {"code": row["code"]},
            {
                **_names(row),
                "type": row["type"],
                "semantics": row["semantics"],
                "group": METRIC_GROUPS.get(row["code"], Metric.Group.SYSTEMS),
                "position": position,
                "min_value": _decimal(row.get("min")),
                "max_value": _decimal(row.get("max")),
                "unit_zh": row.get("unit_zh", ""),
                "unit_en": row.get("unit_en", ""),
            },
            "metrics",
        )
    for row in data["item_kinds"]:
        upsert(
            ItemKind,
            {"code": row["code"]},
            {
                **_names(row),
                "dedupe": row["dedupe"],
                "identifier_label_zh": row["identifier_label_zh"],
                "identifier_label_en": row["identifier_label_en"],
                "attributes": row.get("attributes", {}),
                "evidence_required": bool(row.get("evidence_required", False)),
            },
            "item_kinds",
        )
    for row in data["designation_kinds"]:
        upsert(
            DesignationKind,
            {"code": row["code"]},
            {**_names(row), "subject": row["subject"]},
            "designation_kinds",
        )
    for position, row in enumerate(data["targets"]):
        baseline = row["baseline"]
        target = upsert(
            Target,
            {"code": row["code"]},
            {
                **_names(row),
                "plan": plans[row["plan"]],
                "group": row["group"],
                "position": position,
                "unit_zh": row.get("unit_zh", ""),
                "unit_en": row.get("unit_en", ""),
                "comparator": row["comparator"],
                "value": _decimal(row["value"]),
                "counts_from": _date(row["counts_from"]),
                "deadline": _date(row["deadline"]),
                "baseline_date": _date(baseline["date"]),
                "baseline_value": None
                if baseline["value"] == "actual"
                else _decimal(baseline["value"]),
                "rule": row["rule"],
            },
            "targets",
        )
        if not target.milestones.exists():
            Milestone.objects.bulk_create(
                Milestone(
                    target=target,
                    date=dt.date.fromisoformat(m["date"]),
                    value=Decimal(str(m["value"])),
                )
                for m in row["milestones"]
            )
    return created


def _names(row: dict[str, Any]) -> dict[str, str]:
    return {"name_zh": row["name_zh"], "name_en": row["name_en"]}


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --- officials' edits of targets and milestones (the admin calls these) -----------------


@transaction.atomic
def target_save(*, target: Target, by: Any, fields: Iterable[str] | None = None) -> Target:
    """Save an official's edit of a target (attributes already set on ``target``): the rule
    must be readable and name codes that exist; the target's figures are recomputed."""
    rule_parse(target.rule)
    target.full_clean(exclude=["plan"])
    _history_user(target, by)
    if fields is None:
        target.save()
    else:
        target.save(update_fields=list(fields))
    recompute_request(
        targets=[target.code], from_period=None, reason=f"target {target.code}", by=by
    )
    return target


@transaction.atomic
def milestone_save(*, milestone: Milestone, by: Any) -> Milestone:
    milestone.full_clean(validate_unique=True)
    _history_user(milestone, by)
    milestone.save()
    _milestones_changed(milestone.target, by)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: Any) -> None:
    target = milestone.target
    _history_user(milestone, by)
    milestone.delete()
    _milestones_changed(target, by)


def _milestones_changed(target: Target, by: Any) -> None:
    # Planned values, status and projections of every quarter read the milestones.
    recompute_request(
        targets=[target.code], from_period=None, reason=f"milestones {target.code}", by=by
    )


@transaction.atomic
def item_kind_save(*, kind: ItemKind, by: Any) -> ItemKind:
    """Save an official's edit of an item kind (attributes already set on ``kind``), such
    as whether its items need an evidence file; the history keeps who and old → new."""
    kind.full_clean()
    _history_user(kind, by)
    kind.save()
    return kind


def _history_user(obj: Any, by: Any, at: dt.datetime | None = None) -> None:
    """django-simple-history records who made the change (and when, if not now)."""
    if getattr(by, "pk", None):
        obj._history_user = by
    if at is not None:
        obj._history_date = at


# --- allocations of city targets to districts and parks (DOMAIN.md, "Allocations") -------

# The rule kinds whose figures count things: their allocations are whole numbers.
COUNT_KINDS = frozenset(
    {
        Target.RuleKind.DESIGNATION_COUNT,
        Target.RuleKind.ITEM_DISTINCT,
        Target.RuleKind.FLAG_EVER_COUNT,
        Target.RuleKind.FLAG_LATEST_COUNT,
    }
)
# Allocated values and milestones are stored with four decimals in 20 digits.
_LARGEST = Decimal(10) ** 15

AllocationMilestones = Sequence[tuple[dt.date, Decimal | int | str]]


class AllocationExists(Exception):
    """The target is allocated to that scope already (the API answers 409 with its id)."""

    def __init__(self, existing_id: int) -> None:
        self.existing_id = existing_id
        super().__init__(
            _("This target is already allocated to that scope (allocation %(id)d).")
            % {"id": existing_id}
        )


def allocation_scope_check(text: str) -> Scope:
    """``district:CODE`` or ``park:CODE`` naming a district or park that exists; a
    ValidationError on ``scope`` otherwise (the city is the target itself).

    Parks belong to a higher app; a park's code exists when a district has a park with it
    (``parks.Park.district``, related name ``parks``), read without importing that app."""
    try:
        scope = Scope.parse(text)
    except ScopeError as error:
        raise ValidationError({"scope": _("Use district:CODE or park:CODE.")}) from error
    if scope.kind is ScopeKind.CITY:
        raise ValidationError(
            {"scope": _("The target is the city's: allocate it to a district or a park.")}
        )
    if scope.kind is ScopeKind.DISTRICT:
        known = District.objects.filter(code=scope.code).exists()
    else:
        known = District.objects.filter(parks__code=scope.code).exists()
    if not known:
        raise ValidationError(
            {
                "scope": _("No %(kind)s has the code %(code)s.")
                % {
                    "kind": _("district") if scope.kind is ScopeKind.DISTRICT else _("park"),
                    "code": scope.code,
                }
            }
        )
    return scope


def allocation_validate(
    *, target: Target, value: Any, milestones: AllocationMilestones
) -> tuple[Decimal, list[dict[str, str]]]:
    """The allocated value and its own milestones checked against the target (DOMAIN.md):
    the value positive, a whole number for the count rule kinds, up to two decimals
    otherwise, at most 100 for a share; milestones dated inside the target's window
    (``counts_from`` to the deadline, both included), one per date, non-negative, in the
    same units (up to two decimals; a share at most 100). Returns the value and the
    milestones as stored; a ValidationError with ``value`` and ``milestones`` keys."""
    errors: dict[str, list[str]] = {}
    kind = target.rule_kind
    value = _as_decimal(value)
    value_errors = _number_errors(value, kind=kind, whole=kind in COUNT_KINDS)
    if not value_errors and value <= 0:
        value_errors.append(_("The allocated value must be greater than 0."))
    if value_errors:
        errors["value"] = value_errors
    stored: list[dict[str, str]] = []
    seen: set[dt.date] = set()
    messages: list[str] = []
    for day, given in sorted(milestones, key=lambda m: m[0]):
        label = day.isoformat()
        number = _as_decimal(given)
        if not target.counts_from <= day <= target.deadline:
            messages.append(
                _("Milestone %(date)s is outside the target's window (%(start)s to %(end)s).")
                % {
                    "date": label,
                    "start": target.counts_from.isoformat(),
                    "end": target.deadline.isoformat(),
                }
            )
        if day in seen:
            messages.append(_("There are two milestones on %(date)s.") % {"date": label})
        seen.add(day)
        problems = _number_errors(number, kind=kind, whole=False)
        if not problems and number < 0:
            problems.append(_("A milestone cannot be negative."))
        messages += [f"{label}: {problem}" for problem in problems]
        if not problems:
            stored.append({"date": label, "value": _decimal_text(number)})
    if messages:
        errors["milestones"] = messages
    if errors:
        raise ValidationError(errors)
    return value, stored


def _as_decimal(number: Any) -> Any:
    """Integers and text as exact decimals (a boolean is not a number); anything else as it
    is, for ``_number_errors`` to refuse."""
    if isinstance(number, bool) or not isinstance(number, int | str | Decimal):
        return number
    try:
        return Decimal(str(number).strip())
    except InvalidOperation:
        return number


def _number_errors(number: Any, *, kind: str, whole: bool) -> list[str]:
    if not isinstance(number, Decimal) or not number.is_finite():
        return [_("Enter a number.")]
    if abs(number) >= _LARGEST:
        return [_("The number is too large.")]
    if whole and number != number.to_integral_value():
        return [_("This target counts things: use a whole number.")]
    if number != number.quantize(Decimal("0.01")):
        return [_("Use at most two decimals.")]
    if kind == Target.RuleKind.FLAG_LATEST_SHARE and number > 100:
        return [_("A share is at most 100.")]
    return []


def _decimal_text(number: Decimal) -> str:
    """12.50 → "12.5", 10.00 → "10": the number as typed, exact."""
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "") else text


@transaction.atomic
def allocation_create(
    *,
    target: Target,
    scope: str,
    value: Decimal | int | str,
    milestones: AllocationMilestones = (),
    by: Any = None,
    at: dt.datetime | None = None,
) -> Allocation:
    """Allocate ``target`` to a district or park; AllocationExists when it is allocated
    there already. The target's figures are recomputed."""
    errors: dict[str, list[str]] = {}
    checked: Scope | None = None
    try:
        checked = allocation_scope_check(scope)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        value, stored = allocation_validate(target=target, value=value, milestones=milestones)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors or checked is None:
        raise ValidationError(errors)
    existing = Allocation.objects.filter(target=target, scope=str(checked)).first()
    if existing is not None:
        raise AllocationExists(existing.pk)
    allocation = Allocation(target=target, scope=str(checked), value=value, milestones=stored)
    _history_user(allocation, by, at)
    try:
        with transaction.atomic():
            allocation.save()
    except IntegrityError as error:  # created by a concurrent request in the meantime
        found = Allocation.objects.filter(target=target, scope=str(checked)).first()
        if found is None:
            raise
        raise AllocationExists(found.pk) from error
    _allocations_changed(allocation, by, at)
    return allocation


@transaction.atomic
def allocation_update(
    *,
    allocation: Allocation,
    value: Decimal | int | str | None = None,
    milestones: AllocationMilestones | None = None,
    by: Any = None,
    at: dt.datetime | None = None,
) -> Allocation:
    """Change an allocation's value or its own milestones (None: unchanged; an empty list
    of milestones goes back to the city's, scaled). The target and the scope stay."""
    allocation = (
        Allocation.objects.select_for_update().select_related("target").get(pk=allocation.pk)
    )
    new_value, stored = allocation_validate(
        target=allocation.target,
        value=allocation.value if value is None else value,
        milestones=() if milestones is None else milestones,
    )
    if milestones is None:  # kept as they are, even if the target's window moved since
        stored = list(allocation.milestones)
    changed = []
    if new_value != allocation.value:
        allocation.value = new_value
        changed.append("value")
    if stored != allocation.milestones:
        allocation.milestones = stored
        changed.append("milestones")
    if changed:
        _history_user(allocation, by, at)
        allocation.save(update_fields=changed)
        _allocations_changed(allocation, by, at)
    return allocation


@transaction.atomic
def allocation_delete(
    *, allocation: Allocation, by: Any = None, at: dt.datetime | None = None
) -> None:
    """Withdraw an allocation: the scope's planned values, status and projections become
    null again once the target is recomputed."""
    _history_user(allocation, by, at)
    allocation.delete()
    _allocations_changed(allocation, by, at)


def _allocations_changed(allocation: Allocation, by: Any, at: dt.datetime | None) -> None:
    # An allocation moves every quarter's planned value, status and projection of its scope.
    code = allocation.target.code
    recompute_request(
        targets=[code],
        from_period=None,
        reason=f"allocation {code} {allocation.scope}",
        by=by,
        at=at,
    )
