"""Reads of quarterly reports: scoped lists, the audit trail, review aids, completeness."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from enterprises.models import Enterprise, EnterpriseQuerySet
from enterprises.selectors import scope_filter
from parks.models import Park
from targets.models import District, Metric
from targets.periods import (
    last_ended_period,
    period_due_on,
    period_end,
    period_format,
    period_parse,
)

from .models import MetricValue, Submission
from .services import Action, change_reason_parse
from .validation import metric_from_json

Status = Submission.Status
EVER_SUBMITTED = (Status.SUBMITTED, Status.APPROVED, Status.RETURNED)

# Outlier rules (docs/decisions/0005-completeness.md explains the figures; these the flags).
HISTORY_FACTOR = Decimal(3)
MODIFIED_Z_LIMIT = 3.5
MODIFIED_Z_CONSTANT = 0.6745
FLAGGED_TYPES = (Metric.Type.INTEGER, Metric.Type.DECIMAL)


# --- lists ------------------------------------------------------------------------------


def submission_list(*, user: User) -> QuerySet[Submission]:
    """Reports the user may see: officials and analysts all, park managers their park's
    enterprises', reporters their own enterprise's."""
    queryset = Submission.objects.select_related(
        "enterprise", "enterprise__district", "enterprise__park", "submitted_by", "reviewed_by"
    )
    if user.sees_everything:
        return queryset
    if user.is_park_manager:
        return queryset.filter(enterprise__park_id=user.park_id)
    if user.is_enterprise:
        return queryset.filter(enterprise_id=user.enterprise_id)
    return queryset.none()


def submission_filter(
    queryset: QuerySet[Submission], *, filters: Mapping[str, Any]
) -> QuerySet[Submission]:
    """Filters shared by the API list and the review queue: period ("2024Q1" or its
    number; PeriodError when malformed), enterprise (USCC), status, district and park codes,
    late."""
    period = filters.get("period")
    if period not in (None, ""):
        text = str(period)
        queryset = queryset.filter(period=int(text) if text.isdigit() else period_parse(text))
    if filters.get("enterprise"):
        queryset = queryset.filter(enterprise__uscc=str(filters["enterprise"]).strip().upper())
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    if filters.get("district"):
        queryset = queryset.filter(enterprise__district__code=filters["district"])
    if filters.get("park"):
        queryset = queryset.filter(enterprise__park__code=filters["park"])
    if filters.get("late") not in (None, ""):
        queryset = queryset.filter(late=bool(filters["late"]))
    return queryset


def review_queue(*, filters: Mapping[str, Any] | None = None) -> QuerySet[Submission]:
    """Reports waiting for an official, oldest submission first."""
    filters = dict(filters or {})
    filters.setdefault("status", Status.SUBMITTED)
    queryset = Submission.objects.select_related(
        "enterprise", "enterprise__district", "enterprise__park", "submitted_by"
    )
    return submission_filter(queryset, filters=filters).order_by("submitted_at", "pk")


# --- audit trail ------------------------------------------------------------------------

_TRACKED_FIELDS = ("status", "review_comment", "late", "enterprise_id", "period")


def submission_history(*, submission: Submission) -> list[dict[str, Any]]:
    """Every change, oldest first: {at, by, action, comment, changes: [{field, old, new}]}.

    Metric values appear as "metrics.<code>", items as "items" (added or removed) or
    "items.<kind>:<identifier>" (changed).
    """
    records = list(
        submission.history.select_related("history_user").order_by("history_date", "history_id")
    )
    entries: list[dict[str, Any]] = []
    previous: Any = None
    for record in records:
        action, comment = change_reason_parse(record.history_change_reason)
        if not action:
            action = Action.CREATE if record.history_type == "+" else Action.EDIT
        user = record.history_user
        entries.append(
            {
                "at": record.history_date,
                "by": user.get_username() if user is not None else None,
                "action": action,
                "comment": comment,
                "version": record.version,
                "changes": _record_changes(previous, record),
            }
        )
        previous = record
    return entries


def _record_changes(previous: Any, record: Any) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for name in _TRACKED_FIELDS:
        old = getattr(previous, name) if previous is not None else None
        new = getattr(record, name)
        if old != new and not (previous is None and new in ("", None, False)):
            changes.append({"field": name, "old": old, "new": new})
    changes += metrics_diff(previous.metrics_data if previous else {}, record.metrics_data or {})
    changes += items_diff(previous.items_data if previous else [], record.items_data or [])
    return changes


def metrics_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": f"metrics.{code}", "old": old.get(code), "new": new.get(code)}
        for code in sorted(set(old) | set(new))
        if old.get(code) != new.get(code)
    ]


def _item_key(item: Mapping[str, Any]) -> str:
    from .normalise import identifier_normalise

    return f"{item.get('kind')}:{identifier_normalise(str(item.get('identifier', '')))}"


def items_diff(
    old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    before = {_item_key(item): dict(item) for item in old}
    after = {_item_key(item): dict(item) for item in new}
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            changes.append({"field": "items", "old": before[key], "new": None})
        elif key not in before:
            changes.append({"field": "items", "old": None, "new": after[key]})
        elif before[key] != after[key]:
            changes.append({"field": f"items.{key}", "old": before[key], "new": after[key]})
    return changes


# --- review aids ------------------------------------------------------------------------


def submission_diff_previous(*, submission: Submission) -> dict[str, Any]:
    """Each metric beside the enterprise's latest approved report of an earlier quarter."""
    previous = (
        Submission.objects.filter(
            enterprise_id=submission.enterprise_id,
            period__lt=submission.period,
            status=Status.APPROVED,
        )
        .order_by("-period")
        .first()
    )
    old_data = previous.metrics_data if previous is not None else {}
    rows = []
    for metric in Metric.objects.all():
        old = _typed(old_data.get(metric.code), metric.type)
        new = _typed(submission.metrics_data.get(metric.code), metric.type)
        delta = (
            Decimal(new) - Decimal(old)
            if metric.type != Metric.Type.BOOLEAN and old is not None and new is not None
            else None
        )
        rows.append(
            {
                "code": metric.code,
                "name": metric.name,
                "type": metric.type,
                "previous": old,
                "current": new,
                "delta": delta,
                "changed": old != new,
            }
        )
    return {
        "previous_id": previous.pk if previous is not None else None,
        "previous_period": period_format(previous.period) if previous is not None else None,
        "metrics": rows,
    }


def _typed(value: Any, metric_type: str) -> Any:
    return None if value is None else metric_from_json(value, metric_type)


def submission_flags(*, submissions: Iterable[Submission]) -> dict[int, list[dict[str, Any]]]:
    """Outlier flags per report id, set-based over bulk-fetched values.

    - "history": a value more than 3× the median of the enterprise's approved values of
      that metric in earlier quarters (needs at least one; skipped when that median ≤ 0);
    - "peers": a modified z-score 0.6745·(x − median)/MAD beyond ±3.5 among all submitted or
      approved reports' values of that metric and quarter (skipped when MAD is 0).
    Only integer and decimal metrics are judged, never flags or levels.
    """
    reports = list(submissions)
    flags: dict[int, list[dict[str, Any]]] = {s.pk: [] for s in reports}
    if not reports:
        return flags
    own = _values_frame(MetricValue.objects.filter(submission_id__in=list(flags)))
    if own.empty:
        return flags
    names = {metric.code: metric.name for metric in Metric.objects.all()}
    for row in _history_flags(own).to_dict("records"):
        flags[int(row["submission_id"])].append(
            {
                "metric": row["code"],
                "rule": "history",
                "value": row["value"],
                "median": row["median"],
                "message": _(
                    "%(metric)s is more than 3× this enterprise's median of earlier "
                    "quarters (%(median)s)."
                )
                % {"metric": names.get(row["code"], row["code"]), "median": _short(row["median"])},
            }
        )
    for row in _peer_flags(own).to_dict("records"):
        flags[int(row["submission_id"])].append(
            {
                "metric": row["code"],
                "rule": "peers",
                "value": row["value"],
                "score": row["score"],
                "message": _(
                    "%(metric)s is far from other enterprises' values this quarter "
                    "(modified z-score %(score)s)."
                )
                % {"metric": names.get(row["code"], row["code"]), "score": _short(row["score"])},
            }
        )
    return flags


def _short(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _values_frame(queryset: QuerySet[MetricValue]) -> pd.DataFrame:
    rows = queryset.filter(metric__type__in=FLAGGED_TYPES).values_list(
        "submission_id", "enterprise_id", "period", "metric_id", "metric__code", "value"
    )
    frame = pd.DataFrame(
        list(rows),
        columns=["submission_id", "enterprise_id", "period", "metric_id", "code", "value"],
    )
    frame["value"] = frame["value"].astype(float)
    return frame


def _history_flags(own: pd.DataFrame) -> pd.DataFrame:
    earlier = _values_frame(
        MetricValue.objects.filter(
            approved=True,
            enterprise_id__in=own["enterprise_id"].unique().tolist(),
            metric_id__in=own["metric_id"].unique().tolist(),
            period__lt=int(own["period"].max()),
        )
    )
    if earlier.empty:
        return own.iloc[0:0].assign(median=[])
    pairs = own.merge(
        earlier[["enterprise_id", "metric_id", "period", "value"]],
        on=["enterprise_id", "metric_id"],
        suffixes=("", "_earlier"),
    )
    pairs = pairs[pairs["period_earlier"] < pairs["period"]]
    medians = (
        pairs.groupby(["submission_id", "metric_id"])["value_earlier"].median().rename("median")
    )
    judged = own.join(medians, on=["submission_id", "metric_id"], how="inner")
    judged = judged[judged["median"] > 0]
    return judged[judged["value"] > float(HISTORY_FACTOR) * judged["median"]]


def _peer_flags(own: pd.DataFrame) -> pd.DataFrame:
    pairs = own[["metric_id", "period"]].drop_duplicates()
    condition = Q()
    for metric_id, period in pairs.itertuples(index=False):
        condition |= Q(metric_id=int(metric_id), period=int(period))
    peers = _values_frame(
        MetricValue.objects.filter(condition).filter(
            Q(submission__status__in=(Status.SUBMITTED, Status.APPROVED))
            | Q(submission_id__in=own["submission_id"].unique().tolist())
        )
    )
    grouped = peers.groupby(["metric_id", "period"])["value"]
    stats = pd.DataFrame({"median": grouped.median()})
    peers = peers.join(stats, on=["metric_id", "period"])
    peers["deviation"] = (peers["value"] - peers["median"]).abs()
    stats["mad"] = peers.groupby(["metric_id", "period"])["deviation"].median()
    judged = own.join(stats, on=["metric_id", "period"], how="inner")
    judged = judged[judged["mad"] > 0]
    judged = judged.assign(
        score=MODIFIED_Z_CONSTANT * (judged["value"] - judged["median"]) / judged["mad"]
    )
    return judged[judged["score"].abs() > MODIFIED_Z_LIMIT]


# --- completeness -----------------------------------------------------------------------


def scope_enterprises(scope: str) -> EnterpriseQuerySet:
    """Enterprises of "city", "district:CODE" or "park:CODE"; ValidationError otherwise."""
    kind, _sep, code = (scope or "city").partition(":")
    known = (
        (kind == "city" and not code)
        or (kind == "district" and District.objects.filter(code=code).exists())
        or (kind == "park" and Park.objects.filter(code=code).exists())
    )
    if known:
        return Enterprise.objects.filter(scope_filter(scope))  # type: ignore[return-value]
    raise ValidationError({"scope": [_("Use city, district:CODE or park:CODE with a known code.")]})


def completeness(
    *, period: int, scope: str = "city", today: dt.date | None = None
) -> dict[str, Any]:
    """Reporting completeness of one quarter in one scope (docs/decisions/0005-completeness.md)."""
    today = today or timezone.localdate()
    due_on = period_due_on(period)
    cutoff = timezone.make_aware(dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time()))
    active = scope_enterprises(scope).active_on(period_end(period))
    reports = Submission.objects.filter(period=period, enterprise__in=active)
    figures = reports.aggregate(
        submitted=Count("pk", filter=Q(status__in=EVER_SUBMITTED)),
        approved=Count("pk", filter=Q(status=Status.APPROVED)),
        returned=Count("pk", filter=Q(status=Status.RETURNED)),
        late=Count("pk", filter=Q(status__in=EVER_SUBMITTED, late=True)),
        on_time=Count("pk", filter=Q(status__in=EVER_SUBMITTED, first_submitted_at__lt=cutoff)),
    )
    active_count = active.count()
    overdue = active_count - figures["on_time"] if today > due_on else 0
    missing = active.exclude(
        pk__in=reports.filter(status__in=EVER_SUBMITTED).values("enterprise_id")
    ).order_by("uscc")
    return {
        "period": period_format(period),
        "scope": scope or "city",
        "active": active_count,
        "submitted": figures["submitted"],
        "approved": figures["approved"],
        "returned": figures["returned"],
        "overdue": overdue,
        "late": figures["late"],
        "due_on": due_on,
        "missing": [{"uscc": e.uscc, "name": e.name} for e in missing],
    }


def default_period(today: dt.date | None = None) -> int:
    return last_ended_period(today)
