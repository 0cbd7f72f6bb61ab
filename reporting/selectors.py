"""Reads of quarterly reports: scoped lists, the audit trail, review aids, completeness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.db.models import Case, Count, Q, QuerySet, When
from django.utils import timezone

from core import policies
from targets.models import Metric
from targets.periods import last_ended_period, period_due_on, period_format
from targets.scopes import CITY, Scope

from .audit import Action, change_reason_parse
from .evidence_selectors import evidence_history
from .models import Submission
from .obligations import obligated_enterprises
from .validation import metric_from_json

Status = Submission.Status
HANDED_IN = Submission.HANDED_IN


# --- lists ------------------------------------------------------------------------------


def submission_list(*, user: policies.Actor) -> QuerySet[Submission]:
    """Reports the user may see (core.policies.enterprise_q): officials and analysts all,
    park managers their park's enterprises', reporters their own enterprise's."""
    return Submission.objects.select_related(
        "enterprise", "enterprise__district", "enterprise__park", "submitted_by", "reviewed_by"
    ).filter(policies.enterprise_q(user, "enterprise__"))


def review_queue(*, user: policies.Actor) -> QuerySet[Submission]:
    """Reports waiting for the user (filters narrow it): for officials every report in
    review, pre-approved ones first, then by submission, oldest first; for a park manager
    the submitted reports of their park, if it pre-reviews."""
    reports = submission_list(user=user)
    if policies.can_review(user):
        first = Case(When(status=Status.PRE_APPROVED, then=0), default=1)
        return reports.filter(status__in=Submission.IN_REVIEW).order_by(first, "submitted_at", "pk")
    if policies.can_open_review_queue(user):
        return reports.filter(status=Status.SUBMITTED, enterprise__park__prereview=True).order_by(
            "submitted_at", "pk"
        )
    return reports.none()


# --- audit trail ------------------------------------------------------------------------

_TRACKED_FIELDS = ("status", "review_comment", "late", "enterprise_id", "period")


class Change(TypedDict):
    field: str
    old: Any
    new: Any


class HistoryEntry(TypedDict):
    at: dt.datetime
    by: str | None
    action: str
    comment: str
    version: int
    changes: list[Change]


def submission_history(*, submission: Submission) -> list[HistoryEntry]:
    """Every change, oldest first, with who, when, the action and each field old → new.

    Metric values appear as "metrics.<code>", items as "items" (added or removed) or
    "items.<kind>:<identifier>" (changed).
    """
    records = list(
        submission.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries: list[HistoryEntry] = []
    previous: Any = None
    for record in records:
        action, comment = change_reason_parse(record.history_change_reason)
        if not action:
            action = Action.CREATE if record.history_type == "+" else Action.EDIT
        user = record.history_user
        entries.append(
            HistoryEntry(
                at=record.history_date,
                by=user.get_username() if user is not None else None,
                action=action,
                comment=comment,
                version=record.version,
                changes=_record_changes(previous, record),
            )
        )
        previous = record
    # Evidence files attached, removed, checked and downloaded by officials, in time order.
    entries += [HistoryEntry(**entry) for entry in evidence_history(submission=submission)]  # type: ignore[typeddict-item]
    entries.sort(key=lambda entry: entry["at"])
    return entries


def _record_changes(previous: Any, record: Any) -> list[Change]:
    changes: list[Change] = []
    for name in _TRACKED_FIELDS:
        old = getattr(previous, name) if previous is not None else None
        new = getattr(record, name)
        if old != new and not (previous is None and new in ("", None, False)):
            changes.append(Change(field=name, old=old, new=new))
    changes += metrics_diff(previous.metrics_data if previous else {}, record.metrics_data or {})
    changes += items_diff(previous.items_data if previous else [], record.items_data or [])
    return changes


def metrics_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    return [
        Change(field=f"metrics.{code}", old=old.get(code), new=new.get(code))
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    ]


def _item_key(item: Mapping[str, Any]) -> str:
    from .normalise import identifier_normalise

    return f"{item.get('kind')}:{identifier_normalise(str(item.get('identifier', '')))}"


def items_diff(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[Change]:
    before = {_item_key(item): dict(item) for item in old}
    after = {_item_key(item): dict(item) for item in new}
    changes: list[Change] = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append(Change(field="items", old=before[key], new=None))
        elif key not in before:
            changes.append(Change(field="items", old=None, new=after[key]))
        elif before[key] != after[key]:
            changes.append(Change(field=f"items.{key}", old=before[key], new=after[key]))
    return changes


# --- review aids ------------------------------------------------------------------------


class MetricComparison(TypedDict):
    code: str
    name: str
    type: str
    previous: Any
    current: Any
    delta: Decimal | None
    changed: bool


class PreviousComparison(TypedDict):
    previous_id: int | None
    previous_period: str | None
    metrics: list[MetricComparison]


def submission_diff_previous(*, submission: Submission) -> PreviousComparison:
    """Each metric beside the enterprise's latest approved report of an earlier quarter."""
    previous = (
        Submission.objects.filter(
            enterprise_id=submission.enterprise_id,
            period__lt=submission.period,
            status=Status.APPROVED,
        )
        .order_by("-period")
        .only("pk", "period", "metrics_data")
        .first()
    )
    old_data = previous.metrics_data if previous is not None else {}
    rows: list[MetricComparison] = []
    for metric in Metric.objects.all():
        old = _typed(old_data.get(metric.code), metric.type)
        new = _typed(submission.metrics_data.get(metric.code), metric.type)
        delta = (
            Decimal(new) - Decimal(old)
            if metric.type != Metric.Type.BOOLEAN and old is not None and new is not None
            else None
        )
        rows.append(
            MetricComparison(
                code=metric.code,
                name=metric.name,
                type=metric.type,
                previous=old,
                current=new,
                delta=delta,
                changed=old != new,
            )
        )
    return PreviousComparison(
        previous_id=previous.pk if previous is not None else None,
        previous_period=period_format(previous.period) if previous is not None else None,
        metrics=rows,
    )


def _typed(value: Any, metric_type: str) -> Any:
    return None if value is None else metric_from_json(value, metric_type)


# --- completeness -----------------------------------------------------------------------


@dataclass(frozen=True)
class Completeness:
    """Reporting completeness of one quarter in one scope (docs/decisions/0005)."""

    period: str
    scope: str
    active: int
    submitted: int
    pre_approved: int
    approved: int
    returned: int
    overdue: int
    late: int
    due_on: dt.date


def completeness(*, period: int, scope: Scope = CITY, today: dt.date | None = None) -> Completeness:
    today = today or timezone.localdate()
    due_on = period_due_on(period)
    cutoff = timezone.make_aware(dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time()))
    active = obligated_enterprises(period).filter(scope.enterprise_q())
    reports = Submission.objects.filter(period=period, enterprise__in=active)
    figures = reports.aggregate(
        submitted=Count("pk", filter=Q(status__in=HANDED_IN)),
        pre_approved=Count("pk", filter=Q(status=Status.PRE_APPROVED)),
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        returned=Count("pk", filter=Q(status=Status.RETURNED)),
        late=Count("pk", filter=Q(status__in=HANDED_IN, late=True)),
        on_time=Count("pk", filter=Q(status__in=HANDED_IN, first_submitted_at__lt=cutoff)),
    )
    active_count = active.count()
    return Completeness(
        period=period_format(period),
        scope=str(scope),
        active=active_count,
        submitted=figures["submitted"],
        pre_approved=figures["pre_approved"],
        approved=figures["approved"],
        returned=figures["returned"],
        overdue=active_count - figures["on_time"] if today > due_on else 0,
        late=figures["late"],
        due_on=due_on,
    )


def missing_enterprises(*, period: int, scope: Scope = CITY) -> QuerySet[Any]:
    """Enterprises that owe the quarter's report and have not handed it in (by USCC)."""
    handed_in = Submission.objects.filter(period=period, status__in=HANDED_IN).values(
        "enterprise_id"
    )
    return (
        obligated_enterprises(period)
        .filter(scope.enterprise_q())
        .exclude(pk__in=handed_in)
        .select_related("district", "park")
        .order_by("uscc")
    )


def default_period(today: dt.date | None = None) -> int:
    return last_ended_period(today)
