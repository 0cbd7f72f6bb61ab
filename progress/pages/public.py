"""The public page (no login): the city figures of a published quarter, each target's
published series against its goal, and "revised" where today's figure differs (DOMAIN.md,
"Published figures").

The page holds nothing but published city figures, so it is the same for every visitor: the
language comes from ``?lang=`` (Simplified Chinese by default), never from a cookie or a
session, and the rendered page is kept in the cache under the publication and the time the
current figures were computed, so a new publication or a rollup shows at once. Browsers and
proxies may keep it for ``DX_PUBLIC_MAX_AGE`` seconds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.templatetags.dx import num
from targets.models import Target
from targets.periods import PeriodError, period_end, period_format, period_parse

from .. import charts, selectors
from ..models import ProgressStatus, Publication, Snapshot
from ..selectors import PublishedRow
from .common import targets
from .overview import GROUP_LABELS, projection_words

CACHE_SECONDS = 3600


@dataclass
class PublicCard:
    target: Target
    row: PublishedRow
    chart: dict[str, Any]

    @property
    def figure(self) -> Snapshot:
        return self.row.published

    @property
    def revision(self) -> Snapshot | None:
        return self.row.revision

    @property
    def projection_words(self) -> str:
        return projection_words(self.target, self.figure)


@dataclass
class PublicGroup:
    label: str
    cards: list[PublicCard] = field(default_factory=list)


@dataclass
class PublicPlan:
    name: str
    groups: dict[str, PublicGroup] = field(default_factory=dict)


@require_safe
def public_page(request: HttpRequest) -> HttpResponse:
    """The published figures of a quarter (the latest published one by default)."""
    language = _language(request)
    period = _period(request)
    publication = selectors.publication_current(period=period)
    with translation.override(language):
        if publication is None:
            html = render_to_string(
                "progress/public.html", _nothing_context(language, period), request=None
            )
            response = HttpResponse(html, status=404 if period is not None else 200)
        else:
            stamp = selectors.public_stamp(publication=publication)
            key = f"public-page:{language}:{publication.pk}:{stamp}"
            html = cache.get(key)
            if html is None:
                html = render_to_string(
                    "progress/public.html", _context(publication, language), request=None
                )
                cache.set(key, html, CACHE_SECONDS)
            response = HttpResponse(html)
    response["Content-Language"] = language
    patch_cache_control(response, public=True, max_age=settings.DX_PUBLIC_MAX_AGE)
    return response


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    known = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in known else settings.LANGUAGE_CODE


def _period(request: HttpRequest) -> int | None:
    try:
        return period_parse(request.GET.get("period", "")) if request.GET.get("period") else None
    except PeriodError:
        return None


def _base_context(language: str, period: int | None) -> dict[str, Any]:
    return {
        "language": language,
        "languages": settings.LANGUAGES,
        "periods": [period_format(p) for p in reversed(selectors.published_periods())],
        "period_label": period_format(period) if period is not None else "",
    }


def _nothing_context(language: str, period: int | None) -> dict[str, Any]:
    return {**_base_context(language, period), "publication": None}


def _context(publication: Publication, language: str) -> dict[str, Any]:
    rows = selectors.published_series(until=publication.period)
    by_target: dict[int, list[PublishedRow]] = {}
    for row in rows:
        by_target.setdefault(row.target.pk, []).append(row)
    plans: dict[int, PublicPlan] = {}
    statuses: Counter[str] = Counter()
    revised = 0
    for target in targets():
        series = by_target.get(target.pk, [])
        shown = [r for r in series if r.publication.pk == publication.pk]
        if not shown:
            continue
        card = PublicCard(target=target, row=shown[0], chart=_chart(target, series))
        statuses[card.figure.status or ""] += 1
        revised += card.revision is not None
        plan = plans.setdefault(target.plan_id, PublicPlan(name=target.plan.name))
        label = str(GROUP_LABELS.get(target.group, target.group))
        plan.groups.setdefault(target.group, PublicGroup(label=label)).cards.append(card)
    return {
        **_base_context(language, publication.period),
        "publication": publication,
        "plans": plans.values(),
        "headline": [(s.value, statuses[s.value]) for s in ProgressStatus],
        "revised_count": revised,
    }


def _chart(target: Target, series: list[PublishedRow]) -> dict[str, Any]:
    """The published actual by quarter against the planned line, the milestones and the
    final target; current figures that differ are marked "revised"."""
    xs = [period_end(r.published.period).isoformat() for r in series]
    data: list[dict[str, Any]] = [
        _trace(
            x=xs,
            y=[float(r.published.actual) for r in series],
            name=_("Published"),
            meta="published",
            mode="lines+markers",
            line={"color": charts.BRAND, "width": 3},
            marker={"size": 7},
        )
    ]
    planned = [r for r in series if r.published.planned is not None]
    if planned:
        data.append(
            _trace(
                x=[period_end(r.published.period).isoformat() for r in planned],
                y=[float(r.published.planned or 0) for r in planned],
                name=_("Planned"),
                meta="planned",
                mode="lines",
                line={"color": charts.MUTED, "width": 2, "dash": "dot"},
            )
        )
    milestones = list(target.milestones.all())
    if milestones:
        data.append(
            _trace(
                x=[m.date.isoformat() for m in milestones],
                y=[float(m.value) for m in milestones],
                text=[f"{m.date.year}: {num(m.value)}" for m in milestones],
                name=_("Milestones"),
                meta="milestones",
                mode="markers+text",
                textposition="top center",
                cliponaxis=False,
                marker={"size": 12, "symbol": "diamond", "color": charts.SEQUENCE[1]},
            )
        )
    revisions = [r for r in series if r.revision is not None]
    if revisions:
        data.append(
            _trace(
                x=[period_end(r.published.period).isoformat() for r in revisions],
                y=[float(r.revision.actual) for r in revisions if r.revision is not None],
                name=_("Revised"),
                meta="revised",
                mode="markers",
                marker={"size": 11, "symbol": "x", "color": charts.AMBER},
            )
        )
    ends = [*xs, *(m.date.isoformat() for m in milestones), target.deadline.isoformat()]
    data.append(
        _trace(
            x=[min(ends), max(ends)],
            y=[float(target.value), float(target.value)],
            name=_("Target: %(value)s") % {"value": num(target.value)},
            meta="target",
            mode="lines",
            line={"color": charts.GREEN, "width": 2},
        )
    )
    layout = charts.base_layout(y_title=str(target.unit), height=300)
    layout["margin"]["t"] = 36  # room for the milestones' labels
    layout["xaxis"]["type"] = "date"
    return charts.figure(data=data, layout=layout)


def _trace(**trace: Any) -> dict[str, Any]:
    return {"type": "scatter", "hovertemplate": "%{y}<extra>%{fullData.name}</extra>", **trace}
