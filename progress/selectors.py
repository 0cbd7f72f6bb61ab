"""Reads of progress: snapshots, series, evidence and runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet

from core import policies
from targets.models import Target
from targets.periods import period_format
from targets.scopes import Scope

from .frames import CITY
from .models import FIGURE_VALUES, Publication, PublishedFigure, RollupRun, Snapshot
from .rules import Evidence, rule_for


def snapshot_list(
    *,
    user: policies.Actor,
    scope: Scope | None,
    period: int | None = None,
    target: str | None = None,
) -> QuerySet[Snapshot]:
    """Figures of one scope (None: every scope the user may see); the latest quarter of
    each target when no period is given."""
    queryset = Snapshot.objects.select_related("target").order_by(
        "target__position", "target_id", "period", "scope"
    )
    if scope is not None:
        queryset = queryset.filter(scope=str(scope))
    else:
        visible = policies.visible_scope_labels(user)
        if visible is not None:
            queryset = queryset.filter(scope__in=visible)
    if target:
        queryset = queryset.filter(target__code=target)
    if period is not None:
        return queryset.filter(period=period)
    latest = queryset.order_by().values("target_id").annotate(last=Max("period"))
    match = Q(pk__in=[])
    for row in latest:
        match |= Q(target_id=row["target_id"], period=row["last"])
    return queryset.filter(match)


def snapshot_series(*, target: Target, scope: Scope) -> QuerySet[Snapshot]:
    return (
        Snapshot.objects.filter(target=target, scope=str(scope))
        .select_related("target")
        .order_by("period")
    )


def rollup_get(*, run_id: int) -> RollupRun | None:
    return RollupRun.objects.filter(pk=run_id).first()


def evidence(*, target: Target, period: int, scope: Scope) -> Evidence:
    """What one figure is made of, from the same rule object that computed it."""
    found = rule_for(target).evidence(period=period, scope=scope)
    return Evidence(
        target=target.code,
        period=period_format(period),
        scope=str(scope),
        rule=target.rule,
        **found,
    )


def snapshot_periods() -> list[int]:
    """The quarters that have figures, oldest first."""
    return list(Snapshot.objects.order_by("period").values_list("period", flat=True).distinct())


# --- published figures ------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedRow:
    """A target's published city figure of one quarter (as an unsaved ``Snapshot``, so that
    it is shown exactly as the current one) and, when the current figure differs, that."""

    publication: Publication
    published: Snapshot
    revision: Snapshot | None

    @property
    def target(self) -> Target:
        return self.published.target


def publication_list() -> list[Publication]:
    """Every version of every published quarter, newest first, with its number of figures."""
    return list(
        Publication.objects.select_related("published_by")
        .annotate(figure_count=Count("figures"))
        .order_by("-period", "-version")
    )


def published_periods() -> list[int]:
    """The quarters published at least once, oldest first."""
    return list(Publication.objects.order_by("period").values_list("period", flat=True).distinct())


def publication_current(*, period: int | None = None) -> Publication | None:
    """The latest version of a quarter (of the latest published quarter when None)."""
    queryset = Publication.objects.select_related("published_by")
    if period is not None:
        queryset = queryset.filter(period=period)
    return queryset.order_by("-period", "-version").first()


def published_rows(*, publications: list[Publication]) -> list[PublishedRow]:
    """The figures of these publications, each beside its current figure where that differs;
    ordered as the targets are, then by quarter."""
    by_id = {p.pk: p for p in publications}
    frozen = list(
        PublishedFigure.objects.filter(publication_id__in=by_id)
        .select_related("target")
        .order_by("target__position", "target_id", "publication__period")
    )
    current = {
        (s.target_id, s.period): s
        for s in Snapshot.objects.filter(
            scope=CITY,
            period__in={p.period for p in publications},
            target_id__in={f.target_id for f in frozen},
        )
    }
    rows = []
    for figure in frozen:
        publication = by_id[figure.publication_id]
        published = _as_snapshot(figure, publication.period)
        now = current.get((figure.target_id, publication.period))
        revised = now is not None and any(
            getattr(now, name) != getattr(published, name) for name in FIGURE_VALUES
        )
        if now is not None:
            now.target = figure.target
        rows.append(PublishedRow(publication, published, now if revised else None))
    return rows


def public_stamp(*, publication: Publication) -> str:
    """What the public page of a publication depends on besides it: the newest publication
    (the list of quarters) and when the current city figures were last computed (the
    revisions). Its cache key changes with either."""
    newest = Publication.objects.aggregate(last=Max("pk"))["last"]
    computed = Snapshot.objects.filter(scope=CITY, period__lte=publication.period).aggregate(
        at=Max("computed_at")
    )["at"]
    return f"{newest}:{computed.timestamp() if computed else 0}"


def published_series(*, until: int) -> list[PublishedRow]:
    """The latest version of every quarter published up to ``until``: the public charts."""
    latest: dict[int, Publication] = {}
    for publication in Publication.objects.filter(period__lte=until).order_by("period", "version"):
        latest[publication.period] = publication
    return published_rows(publications=list(latest.values()))


def _as_snapshot(figure: PublishedFigure, period: int) -> Snapshot:
    return Snapshot(
        target=figure.target,
        period=period,
        scope=CITY,
        **{name: getattr(figure, name) for name in (*FIGURE_VALUES, "computed_at")},
    )
