"""Reads of exports: a user's own, the one they asked for, and what the form offers."""

from __future__ import annotations

from django.db.models import QuerySet

from core import policies
from parks.selectors import scopes_all
from progress.selectors import snapshot_periods
from targets.scopes import Scope

from .models import Export

RECENT = 10


def export_list(*, user: policies.Actor, limit: int = RECENT) -> QuerySet[Export]:
    """The user's own exports, newest first (officials, too, see only their own here)."""
    user_id = getattr(user, "pk", None)
    if user_id is None:
        return Export.objects.none()
    return Export.objects.filter(requested_by_id=user_id).order_by("-requested_at", "-pk")[:limit]


def export_get(*, user: policies.Actor, export_id: int) -> Export | None:
    """The export when the user may follow and download it (its requester; officials any);
    None otherwise, whether it exists or not."""
    export = Export.objects.select_related("requested_by").filter(pk=export_id).first()
    if export is None:
        return None
    if not policies.can_download_export(user, requested_by_id=export.requested_by_id):
        return None
    return export


def export_periods() -> list[int]:
    """The quarters that have figures, newest first: what an export may be asked for."""
    return list(reversed(snapshot_periods()))


def export_scopes(*, user: policies.Actor) -> list[Scope]:
    """The scopes the user may export: a park manager their park, others any."""
    return policies.visible_scopes(user, scopes_all())


def export_filename(export: Export) -> str:
    """``dx-tracker-2026Q3-city.xlsx``, ``dx-tracker-2026Q3-park-BP001.xlsx``; a table's
    own name (``review-queue-2026Q3.xlsx``)."""
    from targets.periods import period_format

    if export.filename:
        return export.filename

    quarter = period_format(export.period) if export.period is not None else "latest"
    scope = export.scope.replace(":", "-")
    return f"dx-tracker-{quarter}-{scope}.xlsx"
