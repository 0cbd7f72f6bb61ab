"""Reads of progress: snapshots, series, evidence, runs — scoped to what each role may see."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import User
from enterprises.selectors import scope_filter
from reporting.models import MetricValue, Submission
from targets.models import ItemKind, Target
from targets.periods import period_end, period_format

from . import engine
from .models import RollupRun, Snapshot

_SCOPE_RE = re.compile(r"^(city|all|district:[^:\s]+|park:[^:\s]+)$")


class ScopeError(ValueError):
    pass


def scope_parse(text: str | None, *, user: User) -> str:
    """The scope asked for, or the user's default (the city; a park manager's own park)."""
    default = user_park_scope(user) or engine.CITY
    scope = (text or default).strip()
    if not _SCOPE_RE.match(scope):
        raise ScopeError(_("Enter city, all, district:CODE or park:CODE."))
    return scope


def user_park_scope(user: User) -> str | None:
    if user.is_park_manager and not user.sees_everything and user.park_id is not None:
        return f"park:{user.park.code}"  # type: ignore[union-attr]
    return None


def scope_allowed(*, user: User, scope: str) -> bool:
    if user.sees_everything:
        return True
    own = user_park_scope(user)
    return own is not None and scope in (own, "all")


def snapshot_list(
    *, user: User, scope: str, period: int | None = None, target: str | None = None
) -> QuerySet[Snapshot]:
    """Figures of a scope ("all": every scope the user may see); the latest quarter of each
    target when no period is given."""
    queryset = Snapshot.objects.select_related("target__plan").order_by(
        "target__position", "target_id", "period", "scope"
    )
    own = user_park_scope(user)
    if scope == "all" and own:
        scope = own
    if scope != "all":
        queryset = queryset.filter(scope=scope)
    if target:
        queryset = queryset.filter(target__code=target)
    if period is not None:
        return queryset.filter(period=period)
    latest = queryset.order_by().values("target_id").annotate(last=Max("period"))
    match = Q(pk__in=[])
    for row in latest:
        match |= Q(target_id=row["target_id"], period=row["last"])
    return queryset.filter(match)


def snapshot_series(*, target: Target, scope: str) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(target=target, scope=scope).order_by("period")


def rollup_get(*, run_id: int) -> RollupRun | None:
    return RollupRun.objects.filter(pk=run_id).first()


# --- evidence: what each figure is made of -----------------------------------------------


def evidence(*, target: Target, period: int, scope: str) -> dict[str, Any]:
    kind = target.rule_kind
    builders = {
        Target.RuleKind.DESIGNATION_COUNT: _designation_evidence,
        Target.RuleKind.ITEM_DISTINCT: _item_evidence,
        Target.RuleKind.FLOW_SUM: _flow_evidence,
        Target.RuleKind.FLAG_EVER_COUNT: _flag_ever_evidence,
        Target.RuleKind.FLAG_LATEST_COUNT: _flag_latest_evidence,
        Target.RuleKind.FLAG_LATEST_SHARE: _flag_latest_evidence,
    }
    body = builders[Target.RuleKind(kind)](target, period, scope)
    return {
        "target": target.code,
        "period": period_format(period),
        "scope": scope,
        "rule": target.rule,
        **body,
    }


def _designation_evidence(target: Target, period: int, scope: str) -> dict[str, Any]:
    end = period_end(period)
    queryset = engine.counted_designations(target, end).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=end)
    )
    if scope.startswith("district:"):
        code = scope.split(":", 1)[1]
        queryset = queryset.filter(
            Q(enterprise__district__code=code)
            | Q(park__district__code=code)
            | Q(provider__district__code=code)
        )
    elif scope.startswith("park:"):
        code = scope.split(":", 1)[1]
        queryset = queryset.filter(Q(enterprise__park__code=code) | Q(park__code=code))
    rows = queryset.values(
        "id",
        "name",
        "reference",
        "granted_on",
        "revoked_on",
        enterprise_uscc=F("enterprise__uscc"),
        park_code=F("park__code"),
        provider_uscc=F("provider__uscc"),
    ).order_by("granted_on", "id")
    return {
        "designations": [
            {
                "id": r["id"],
                "name": r["name"],
                "reference": r["reference"],
                "enterprise": r["enterprise_uscc"],
                "park": r["park_code"],
                "provider": r["provider_uscc"],
                "granted_on": r["granted_on"],
                "revoked_on": r["revoked_on"],
            }
            for r in rows
        ]
    }


def _item_evidence(target: Target, period: int, scope: str) -> dict[str, Any]:
    rule = target.rule
    queryset = engine.counted_items(target, period_end(period)).filter(
        scope_filter(scope, "enterprise__")
    )
    per_enterprise = ItemKind.objects.filter(
        code=rule["item"], dedupe=ItemKind.Dedupe.ENTERPRISE_IDENTIFIER
    ).exists()
    rows = queryset.values(
        "identifier_key",
        "identifier",
        "date",
        "submission_id",
        "period",
        enterprise_uscc=F("enterprise__uscc"),
    ).order_by("date", "id")
    keys: dict[tuple[str, ...], dict[str, Any]] = {}
    for r in rows:
        key = (
            (r["enterprise_uscc"], r["identifier_key"])
            if per_enterprise
            else (r["identifier_key"],)
        )
        entry = keys.setdefault(
            key,
            {
                "key": r["identifier_key"],
                "enterprise": r["enterprise_uscc"] if per_enterprise else None,
                "first_date": r["date"],
                "claims": [],
            },
        )
        entry["claims"].append(
            {
                "submission": r["submission_id"],
                "enterprise": r["enterprise_uscc"],
                "period": period_format(r["period"]),
                "identifier": r["identifier"],
                "date": r["date"],
            }
        )
    return {"count": len(keys), "items": list(keys.values())}


def _flow_evidence(target: Target, period: int, scope: str) -> dict[str, Any]:
    rows = (
        engine.counted_values(target, period)
        .filter(scope_filter(scope, "enterprise__"))
        .values("submission_id", "period", "value", enterprise_uscc=F("enterprise__uscc"))
        .order_by("period", "enterprise__uscc")
    )
    reports = [
        {
            "submission": r["submission_id"],
            "enterprise": r["enterprise_uscc"],
            "period": period_format(r["period"]),
            "value": r["value"],
        }
        for r in rows
    ]
    return {"total": sum((r["value"] for r in reports), 0), "reports": reports}


def _flag_ever_evidence(target: Target, period: int, scope: str) -> dict[str, Any]:
    rows = (
        engine.counted_values(target, period)
        .filter(scope_filter(scope, "enterprise__"), value__gt=0)
        .values("submission_id", "period", enterprise_uscc=F("enterprise__uscc"))
        .order_by("enterprise__uscc", "period")
    )
    first: dict[str, dict[str, Any]] = {}
    for r in rows:
        first.setdefault(
            r["enterprise_uscc"],
            {
                "enterprise": r["enterprise_uscc"],
                "submission": r["submission_id"],
                "period": period_format(r["period"]),
            },
        )
    return {"count": len(first), "enterprises": list(first.values())}


def _flag_latest_evidence(target: Target, period: int, scope: str) -> dict[str, Any]:
    latest = (
        Submission.objects.filter(
            enterprise_id=OuterRef("enterprise_id"),
            status=Submission.Status.APPROVED,
            period__lte=period,
        )
        .order_by("-period")
        .values("pk")[:1]
    )
    flagged = MetricValue.objects.filter(
        submission_id=Subquery(latest),
        metric__code=target.rule["metric"],
        value__gt=0,
    ).filter(scope_filter(scope, "enterprise__"), engine.enterprise_filter(target, "enterprise__"))
    is_share = target.rule_kind == Target.RuleKind.FLAG_LATEST_SHARE
    if is_share:
        flagged = flagged.filter(
            enterprise__in=engine.enterprises_active(target=target, period=period)
        )
    rows = flagged.values(
        "submission_id", "period", enterprise_uscc=F("enterprise__uscc")
    ).order_by("enterprise__uscc")
    body: dict[str, Any] = {
        "enterprises": [
            {
                "enterprise": r["enterprise_uscc"],
                "submission": r["submission_id"],
                "period": period_format(r["period"]),
            }
            for r in rows
        ]
    }
    body["count"] = len(body["enterprises"])
    if is_share:
        body["active"] = (
            engine.enterprises_active(target=target, period=period)
            .filter(scope_filter(scope))
            .count()
        )
    return body


def targets_fed_by(
    *,
    metrics: set[str] | None = None,
    item_kinds: set[str] | None = None,
    designations: bool = False,
) -> list[str]:
    """Codes of the targets whose figures can change when these metrics, item kinds or
    designations change: what an incremental rollup has to recompute."""
    metrics, item_kinds = metrics or set(), item_kinds or set()
    codes = []
    for code, rule in Target.objects.values_list("code", "rule"):
        if (
            rule.get("metric") in metrics
            or rule.get("item") in item_kinds
            or (designations and rule["kind"] == Target.RuleKind.DESIGNATION_COUNT)
        ):
            codes.append(code)
    return codes


def snapshot_periods() -> list[int]:
    """The quarters that have figures, oldest first."""
    return list(Snapshot.objects.order_by("period").values_list("period", flat=True).distinct())
