"""The dashboard's tables: the overview, a target's quarters, breakdown, evidence and who
is not delivering, a district's or park's targets, enterprises, designations and maturity,
the comparison and the maturity page. Each is built by the page's own functions
(``progress.pages``) from the page's query."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from core import policies
from progress.pages.common import quarter_choice, scope_or_404, targets
from progress.pages.maturity import LEVELS, THRESHOLD, YEAR, Row, maturity_view
from progress.pages.overview import overview_cards, overview_plans
from progress.pages.scopes import (
    comparison,
    enterprise_rows,
    maturity_counts,
    scope_designations,
    scope_enterprise_query,
    scope_figures,
    target_plans,
)
from progress.pages.target import (
    Point,
    TargetView,
    breakdown_places,
    detail_scope,
    evidence_complete,
    evidence_files_add,
    evidence_query,
    known_totals,
    not_delivering_complete,
    not_delivering_query,
    park_scopes,
    target_view,
)
from progress.rules import ItemDistinct, Rule
from reporting.evidence_selectors import evidence_links_text
from targets.periods import period_end, period_format
from targets.rules import RuleKind
from targets.scopes import Scope, ScopeError, ScopeKind

from ..workbook.sheets import actual_kind, status_label
from ..workbook.writer import Column, Kind, Typed
from .base import (
    Table,
    batched,
    file_stem,
    page_request,
    page_url,
    quarter_words,
    sort_words,
    table_source,
    yes,
    yes_no,
)


def _quarter(period: int | None) -> str | None:
    return period_format(period) if period is not None else None


def _quarter_filter(period: int | None) -> list[tuple[str, str]]:
    return [(_("Quarter"), quarter_words(period))] if period is not None else []


# --- the overview -------------------------------------------------------------------------


@table_source("overview", allowed=policies.can_read_city_progress)
def overview_table(user: Any, params: QueryDict, language: str) -> Table:
    request = page_request(user, params, language)
    choice = quarter_choice(request)
    plans = overview_plans(overview_cards(choice.period))

    def rows() -> Iterator[Sequence[Any]]:
        for plan in plans:
            for group in plan.groups:
                for card in group.cards:
                    target, figure = card.target, card.figure
                    kind = actual_kind(target.rule_kind)
                    yield [
                        plan.name,
                        group.label,
                        target.code,
                        target.name,
                        target.unit,
                        Typed(target.value, kind if kind is Kind.SHARE else Kind.DECIMAL),
                        target.deadline,
                        Typed(figure.actual, kind) if figure is not None else None,
                        figure.planned if figure is not None else None,
                        figure.percent_of_target if figure is not None else None,
                        status_label(figure.status) if figure is not None else None,
                        figure.projected_at_deadline if figure is not None else None,
                        _quarter(figure.projected_attainment) if figure is not None else None,
                        card.projection_words,
                    ]

    count = sum(len(group.cards) for plan in plans for group in plan.groups)
    return Table(
        name="overview",
        title=_("Overview"),
        heading=_("Every target's city figure for the quarter, by plan and group."),
        columns=[
            Column(_("Plan"), Kind.TEXT, 30),
            Column(_("Group"), Kind.TEXT, 16),
            Column(_("Code"), Kind.TEXT, 18),
            Column(_("Target"), Kind.TEXT, 40),
            Column(_("Unit"), Kind.TEXT, 10),
            Column(_("Target value"), Kind.DECIMAL, 12),
            Column(_("Deadline"), Kind.DATE, 12),
            Column(_("Actual"), Kind.DECIMAL, 12),
            Column(_("Planned"), Kind.DECIMAL, 12),
            Column(_("Percent of target"), Kind.SHARE, 11),
            Column(_("Status"), Kind.TEXT, 12),
            Column(_("Projected at deadline"), Kind.DECIMAL, 14),
            Column(_("Projected attainment"), Kind.TEXT, 14),
            Column(_("Projection"), Kind.TEXT, 60, wrap=True),
        ],
        rows=rows(),
        count=count,
        filename=file_stem("overview", quarter_words(choice.period)),
        page=page_url(reverse("progress:overview"), params),
        filters=_quarter_filter(choice.period),
        period=choice.period,
        scope="city",
    )


# --- a target -----------------------------------------------------------------------------


def _target(user: Any, params: QueryDict, language: str) -> tuple[HttpRequest, TargetView]:
    request = page_request(user, params, language)
    code = params.get("target") or ""
    if not code:
        raise Http404
    return request, target_view(request, code)


def _target_filters(view: TargetView, scope: Scope, period: int | None) -> list[tuple[str, str]]:
    return [
        (_("Target"), f"{view.target.code} {view.target.name}"),
        (_("Scope"), scope.label),
        *_quarter_filter(period),
    ]


def _target_page(view: TargetView, params: QueryDict) -> str:
    return page_url(reverse("progress:target", args=[view.target.code]), params, drop=["target"])


@table_source("target-series", allowed=policies.can_read_city_progress)
def target_series_table(user: Any, params: QueryDict, language: str) -> Table:
    """The target page's quarter-by-quarter table."""
    _request, view = _target(user, params, language)
    target, scope = view.target, view.scope
    kind = actual_kind(target.rule_kind)

    def rows() -> Iterator[Sequence[Any]]:
        for point in view.points:
            snapshot = point.snapshot
            yield [
                period_format(snapshot.period),
                Typed(snapshot.actual, kind),
                snapshot.planned,
                snapshot.target_value,
                snapshot.percent_of_target,
                status_label(snapshot.status),
                snapshot.projected_at_deadline,
                _quarter(snapshot.projected_attainment),
                snapshot.share_of_city,
            ]

    return Table(
        name="target-series",
        title=_("Quarter by quarter"),
        heading=_("%(target)s (%(code)s) for %(scope)s, quarter by quarter.")
        % {"target": target.name, "code": target.code, "scope": scope.label},
        columns=[
            Column(_("Quarter"), Kind.TEXT, 10),
            Column(_("Actual"), kind, 12),
            Column(_("Planned"), Kind.DECIMAL, 12),
            Column(_("Target value"), Kind.DECIMAL, 12),
            Column(_("Percent of target"), Kind.SHARE, 11),
            Column(_("Status"), Kind.TEXT, 12),
            Column(_("Projected at deadline"), Kind.DECIMAL, 14),
            Column(_("Projected attainment"), Kind.TEXT, 14),
            Column(_("Share of city"), Kind.SHARE, 11),
        ],
        rows=rows(),
        count=len(view.points),
        filename=file_stem(target.code, "quarterly", str(scope)),
        page=_target_page(view, params),
        filters=_target_filters(view, scope, None),
        scope=str(scope),
    )


def _detail(user: Any, view: TargetView) -> tuple[int, Scope, Point]:
    """The quarter, scope and figure of the breakdown, evidence and who is not delivering,
    as the page shows them (404 where the page shows none)."""
    if not policies.can_read_progress(user) or view.point is None:
        raise Http404
    scope = detail_scope(user, view.scope, view.everything)
    if scope is None:
        raise Http404
    return view.point.period, scope, view.point


@table_source("target-breakdown", allowed=policies.can_read_progress)
def target_breakdown_table(user: Any, params: QueryDict, language: str) -> Table:
    """The districts' and the parks' figures of the quarter (a park manager: their park)."""
    request, view = _target(user, params, language)
    period, _scope, _point = _detail(user, view)
    target = view.target
    places, sort = breakdown_places(request, target, period, view.everything)
    ordered = [p for p in places if p.scope.kind is ScopeKind.DISTRICT] + [
        p for p in places if p.scope.kind is ScopeKind.PARK
    ]
    kind = actual_kind(target.rule_kind)
    levels = {ScopeKind.DISTRICT: _("District"), ScopeKind.PARK: _("Park")}

    def rows() -> Iterator[Sequence[Any]]:
        for place in ordered:
            yield [
                levels[place.scope.kind],
                place.label,
                place.scope.code,
                Typed(place.actual, kind),
                place.share,
            ]

    labels = {"name": _("Name"), "actual": _("Actual"), "share": _("Share of city")}
    return Table(
        name="target-breakdown",
        title=_("By district and park"),
        heading=_("%(target)s (%(code)s) by district and park, %(quarter)s.")
        % {"target": target.name, "code": target.code, "quarter": period_format(period)},
        columns=[
            Column(_("Level"), Kind.TEXT, 10),
            Column(_("Name"), Kind.TEXT, 30),
            Column(_("Code"), Kind.TEXT, 12),
            Column(_("Actual") + (f" ({target.unit})" if target.unit else ""), kind, 14),
            Column(_("Share of city"), Kind.SHARE, 12),
        ],
        rows=rows(),
        count=len(ordered),
        filename=file_stem(target.code, "breakdown", period_format(period)),
        page=_target_page(view, params),
        filters=[
            *_target_filters(view, view.scope, period),
            (_("Sort"), sort_words(sort, labels)),
        ],
        period=period,
        scope=str(view.scope),
    )


def _claims_words(row: dict[str, Any], per_enterprise: bool) -> str:
    parts = []
    for claim in row.get("claims", []):
        words = [period_format(claim["period"])]
        if not per_enterprise:
            words.append(str(claim.get("enterprise_name") or ""))
        words.append(f"{claim['identifier']}, {claim['date'].isoformat()}")
        parts.append(" · ".join(words))
    more = row.get("claims_more") or 0
    if more:
        parts.append(_("and %(n)s more") % {"n": more})
    return "; ".join(parts)


def _designation_subject(row: dict[str, Any]) -> tuple[str, str]:
    """Who a designation was granted to, and what they are."""
    if row.get("enterprise_uscc"):
        return str(row.get("enterprise_name") or ""), _("Enterprise")
    if row.get("park") is not None:
        return row["park"].label, _("Park")
    if row.get("provider_name"):
        return str(row["provider_name"]), _("Service provider")
    return _("the programme"), ""


def _evidence_columns(shaped: str, rule: Rule, *, per_enterprise: bool) -> list[Column]:
    """The evidence's columns, as the page's (with the USCC and the report's number)."""
    if shaped == "designations":
        return [
            Column(_("Designation"), Kind.TEXT, 36),
            Column(_("Granted to"), Kind.TEXT, 36),
            Column(_("Subject"), Kind.TEXT, 14),
            Column(_("USCC"), Kind.TEXT, 20),
            Column(_("Document"), Kind.TEXT, 30),
            Column(_("Granted on"), Kind.DATE, 12),
            Column(_("Revoked on"), Kind.DATE, 12),
        ]
    if shaped == "items":
        columns = [Column(_("De-duplication key"), Kind.TEXT, 24)]
        if per_enterprise:
            columns += [Column(_("Enterprise"), Kind.TEXT, 36), Column(_("USCC"), Kind.TEXT, 20)]
        columns.append(Column(_("First dated"), Kind.DATE, 12))
        if not per_enterprise:
            columns.append(Column(_("Enterprises claiming it"), Kind.COUNT, 12))
        return [
            *columns,
            Column(_("Items claiming it"), Kind.COUNT, 12),
            Column(_("Reports"), Kind.TEXT, 70, wrap=True),
            Column(_("Evidence files"), Kind.TEXT, 70, wrap=True),
        ]
    if shaped == "reports":
        return [
            Column(_("Enterprise"), Kind.TEXT, 36),
            Column(_("USCC"), Kind.TEXT, 20),
            Column(_("Quarter"), Kind.TEXT, 10),
            Column(_("Value"), Kind.DECIMAL, 14),
            Column(_("Report"), Kind.ID, 10),
        ]
    return [
        Column(_("Enterprise"), Kind.TEXT, 36),
        Column(_("USCC"), Kind.TEXT, 20),
        Column(_("Park"), Kind.TEXT, 24),
        Column(
            _("First answered yes")
            if rule.kind is RuleKind.FLAG_EVER_COUNT
            else _("Latest approved report"),
            Kind.TEXT,
            14,
        ),
        Column(_("Report"), Kind.ID, 10),
    ]


def _evidence_row(shaped: str, row: dict[str, Any], *, per_enterprise: bool) -> list[Any]:
    if shaped == "designations":
        name, subject = _designation_subject(row)
        return [
            row.get("name") or None,
            name,
            subject or None,
            row.get("enterprise_uscc") or None,
            row.get("reference") or None,
            row.get("granted_on"),
            row.get("revoked_on"),
        ]
    if shaped == "items":
        values: list[Any] = [row["identifier_key"]]
        if per_enterprise:
            values += [row.get("enterprise_name"), row.get("enterprise_uscc")]
        values.append(row.get("first_date"))
        if not per_enterprise:
            values.append(row.get("enterprises"))
        files = [f for claim in row.get("claims", []) for f in claim.get("files", [])]
        return [
            *values,
            row.get("claim_count"),
            _claims_words(row, per_enterprise),
            evidence_links_text(files),
        ]
    if shaped == "reports":
        return [
            row.get("enterprise_name"),
            row.get("enterprise_uscc"),
            _quarter(row.get("period")),
            row.get("value"),
            row.get("submission_id"),
        ]
    park = row.get("park")
    return [
        row.get("enterprise_name"),
        row.get("enterprise_uscc"),
        park.label if park is not None else None,
        _quarter(row.get("report_period")),
        row.get("submission_id"),
    ]


@table_source("target-evidence", allowed=policies.can_read_progress)
def target_evidence_table(user: Any, params: QueryDict, language: str) -> Table:
    """What the figure counts: designations, item keys, reports or enterprises."""
    request, view = _target(user, params, language)
    period, scope, point = _detail(user, view)
    target, rule = view.target, view.rule
    parks = park_scopes(view.everything)
    stored = point.snapshot.actual if scope == view.scope else None
    counted, _missing = known_totals(rule, period, scope, stored, point)
    shape, sort, query = evidence_query(request, rule, period, scope)
    count = counted if counted is not None else query.order_by().count()
    per_enterprise = isinstance(rule, ItemDistinct) and rule.per_enterprise
    shaped = shape.shape

    columns = _evidence_columns(shaped, rule, per_enterprise=per_enterprise)

    def rows() -> Iterator[Sequence[Any]]:
        ordered: QuerySet[Any] = query.order_by(*sort.ordering)
        for chunk in batched(ordered.iterator(chunk_size=2000)):
            found = [dict(row) for row in chunk]
            evidence_complete(rule, period, scope, parks, found)
            if shaped == "items":
                evidence_files_add(user, found, absolute=True)
            for row in found:
                yield _evidence_row(shaped, row, per_enterprise=per_enterprise)

    labels = {key: label for key, label, _numeric in shape.headers if key is not None}
    return Table(
        name="target-evidence",
        title=_("Evidence"),
        heading=_("What the figure of %(target)s (%(code)s) counts in %(scope)s, %(quarter)s.")
        % {
            "target": target.name,
            "code": target.code,
            "scope": scope.label,
            "quarter": period_format(period),
        },
        columns=columns,
        rows=rows(),
        count=count,
        filename=file_stem(target.code, "evidence", period_format(period), str(scope)),
        page=_target_page(view, params),
        filters=[
            *_target_filters(view, scope, period),
            (_("Rule"), rule.describe()),
            (_("Sort"), sort_words(sort, labels)),
        ],
        period=period,
        scope=str(scope),
    )


@table_source("target-missing", allowed=policies.can_read_progress)
def target_missing_table(user: Any, params: QueryDict, language: str) -> Table:
    """Who is not delivering (the rules that count enterprises)."""
    request, view = _target(user, params, language)
    period, scope, point = _detail(user, view)
    target, rule = view.target, view.rule
    found = not_delivering_query(request, rule, period, scope)
    if found is None:
        raise Http404
    sort, query = found
    _counted, missing = known_totals(rule, period, scope, None, point)
    count = missing if missing is not None else query.order_by().count()
    parks = park_scopes(view.everything)

    def rows() -> Iterator[Sequence[Any]]:
        ordered: QuerySet[Any] = query.order_by(*sort.ordering)
        for chunk in batched(ordered.iterator(chunk_size=2000)):
            rows_ = [dict(row) for row in chunk]
            not_delivering_complete(period, parks, rows_)
            for row in rows_:
                latest, approved, park = row["latest"], row["approved"], row["park"]
                yield [
                    park.label if park is not None else None,
                    row["enterprise_name"],
                    row["enterprise_uscc"],
                    _quarter(latest["period"]) if latest else None,
                    str(latest["status_label"]) if latest else _("never reported"),
                    _quarter(approved["period"]) if approved else None,
                ]

    labels = {"park": _("Park"), "enterprise": _("Enterprise"), "uscc": _("USCC")}
    return Table(
        name="target-missing",
        title=_("Not delivering"),
        heading=_("Who is not delivering on %(target)s (%(code)s) in %(scope)s, %(quarter)s.")
        % {
            "target": target.name,
            "code": target.code,
            "scope": scope.label,
            "quarter": period_format(period),
        },
        columns=[
            Column(_("Park"), Kind.TEXT, 24),
            Column(_("Enterprise"), Kind.TEXT, 36),
            Column(_("USCC"), Kind.TEXT, 20),
            Column(_("Latest report"), Kind.TEXT, 12),
            Column(_("Its status"), Kind.TEXT, 12),
            Column(_("Latest approved report"), Kind.TEXT, 14),
        ],
        rows=rows(),
        count=count,
        filename=file_stem(target.code, "not-delivering", period_format(period), str(scope)),
        page=_target_page(view, params),
        filters=[
            *_target_filters(view, scope, period),
            (_("Rule"), rule.describe()),
            (_("Sort"), sort_words(sort, labels)),
        ],
        period=period,
        scope=str(scope),
    )


# --- a district's or park's page ----------------------------------------------------------


def _scope_page(user: Any, params: QueryDict, language: str) -> tuple[HttpRequest, Scope, int]:
    """The district or park (404 when unknown or not the user's, as on the page) and the
    quarter (404 when there are no figures yet: the page shows no table)."""
    request = page_request(user, params, language)
    try:
        asked = Scope.parse(params.get("scope"))
    except ScopeError as error:
        raise Http404(str(error)) from error
    if asked.kind is ScopeKind.CITY:
        raise Http404
    scope = scope_or_404(user, asked.kind, asked.code)
    period = quarter_choice(request).period
    if period is None:
        raise Http404
    return request, scope, period


def _scope_url(scope: Scope, params: QueryDict) -> str:
    name = "progress:district" if scope.kind is ScopeKind.DISTRICT else "progress:park"
    return page_url(reverse(name, args=[scope.code]), params, drop=["scope"])


def _scope_filters(scope: Scope, period: int) -> list[tuple[str, str]]:
    return [(_("Scope"), scope.label), (_("Quarter"), period_format(period))]


def _of_scope(stem: str, scope: Scope, period: int, params: QueryDict) -> dict[str, Any]:
    """What every table of a district's or park's page says of itself: its file name, the
    page it comes from, its filters, quarter and scope."""
    return {
        "filename": file_stem(stem, period_format(period), str(scope)),
        "page": _scope_url(scope, params),
        "filters": _scope_filters(scope, period),
        "period": period,
        "scope": str(scope),
    }


@table_source("scope-targets", allowed=policies.can_read_progress)
def scope_targets_table(user: Any, params: QueryDict, language: str) -> Table:
    _request, scope, period = _scope_page(user, params, language)
    chosen, mine, city = scope_figures(scope, period)
    plans = target_plans(chosen, mine, city, scope, period_format(period))

    def rows() -> Iterator[Sequence[Any]]:
        for plan in plans:
            for group in plan.groups:
                for row in group.rows:
                    target, figure, whole = row.target, row.figure, row.city
                    kind = actual_kind(target.rule_kind)
                    yield [
                        plan.name,
                        group.label,
                        target.code,
                        target.name,
                        target.unit,
                        Typed(figure.actual, kind) if figure is not None else None,
                        Typed(whole.actual, kind) if whole is not None else None,
                        figure.share_of_city if figure is not None else None,
                        figure.planned if figure is not None else None,
                        status_label(figure.status) if figure is not None else None,
                    ]

    return Table(
        name="scope-targets",
        title=_("Targets"),
        heading=_("The figure of %(scope)s for every target in %(quarter)s, beside the city's.")
        % {"scope": scope.label, "quarter": period_format(period)},
        columns=[
            Column(_("Plan"), Kind.TEXT, 30),
            Column(_("Group"), Kind.TEXT, 16),
            Column(_("Code"), Kind.TEXT, 18),
            Column(_("Target"), Kind.TEXT, 40),
            Column(_("Unit"), Kind.TEXT, 10),
            Column(scope.label, Kind.DECIMAL, 14),
            Column(_("City"), Kind.DECIMAL, 14),
            Column(_("Share of city"), Kind.SHARE, 12),
            Column(_("Planned"), Kind.DECIMAL, 12),
            Column(_("Status"), Kind.TEXT, 12),
        ],
        rows=rows(),
        count=len(chosen),
        **_of_scope("targets", scope, period, params),
    )


@table_source("scope-enterprises", allowed=policies.can_read_progress)
def scope_enterprises_table(user: Any, params: QueryDict, language: str) -> Table:
    request, scope, period = _scope_page(user, params, language)
    sort, query = scope_enterprise_query(request, scope, period, list(targets()))
    count = query.count()
    district = scope.kind is ScopeKind.DISTRICT

    def rows() -> Iterator[Sequence[Any]]:
        for chunk in batched(query.iterator(chunk_size=2000)):
            for row in enterprise_rows(chunk, period, user=user):
                enterprise: Any = row.enterprise
                values: list[Any] = [enterprise.name, enterprise.uscc]
                if district:
                    values.append(enterprise.park.name if enterprise.park is not None else None)
                yield [
                    *values,
                    enterprise.segment.name,
                    yes_no(enterprise.is_key),
                    yes_no(enterprise.above_scale),
                    row.status_label,
                    yes(row.overdue),
                    yes(row.late),
                    _quarter(enterprise.latest_approved),
                    enterprise.n_designations,
                    enterprise.n_items,
                    enterprise.n_flags,
                    enterprise.contribution,
                ]

    columns = [Column(_("Enterprise"), Kind.TEXT, 36), Column(_("USCC"), Kind.TEXT, 20)]
    if district:
        columns.append(Column(_("Park"), Kind.TEXT, 24))
    columns += [
        Column(_("Segment"), Kind.TEXT, 16),
        Column(_("Key enterprise"), Kind.TEXT, 10),
        Column(_("Above designated size"), Kind.TEXT, 10),
        Column(_("Report"), Kind.TEXT, 12),
        Column(_("Overdue"), Kind.TEXT, 9),
        Column(_("Late"), Kind.TEXT, 9),
        Column(_("Latest approved"), Kind.TEXT, 12),
        Column(_("Designations"), Kind.COUNT, 12),
        Column(_("Items"), Kind.COUNT, 10),
        Column(_("Flags"), Kind.COUNT, 10),
        Column(_("Contribution"), Kind.COUNT, 12),
    ]
    labels = {
        "name": _("Enterprise"),
        "uscc": _("USCC"),
        "park": _("Park"),
        "segment": _("Segment"),
        "key": _("Key / above scale"),
        "status": _("Report"),
        "latest": _("Latest approved"),
        "contribution": _("Contribution"),
    }
    return Table(
        name="scope-enterprises",
        title=_("Enterprises"),
        heading=_(
            "The enterprises of %(scope)s active at the end of %(quarter)s, with their "
            "report of the quarter and their contribution."
        )
        % {"scope": scope.label, "quarter": period_format(period)},
        columns=columns,
        rows=rows(),
        count=count,
        **{
            **_of_scope("enterprises", scope, period, params),
            "filters": [*_scope_filters(scope, period), (_("Sort"), sort_words(sort, labels))],
        },
    )


@table_source("scope-designations", allowed=policies.can_read_progress)
def scope_designations_table(user: Any, params: QueryDict, language: str) -> Table:
    _request, scope, period = _scope_page(user, params, language)
    query = scope_designations(scope, period, user=user)
    count = query.count()
    end = period_end(period)

    def rows() -> Iterator[Sequence[Any]]:
        for designation in query.iterator(chunk_size=2000):
            revoked = designation.revoked_on
            yield [
                designation.kind.name,
                designation.name or None,
                designation.reference or None,
                str(designation.subject),
                designation.granted_on,
                revoked,
                yes(revoked is not None and revoked <= end),
            ]

    return Table(
        name="scope-designations",
        title=_("Designations"),
        heading=_("Designations granted up to the end of %(quarter)s in %(scope)s.")
        % {"scope": scope.label, "quarter": period_format(period)},
        columns=[
            Column(_("Kind"), Kind.TEXT, 24),
            Column(_("Name"), Kind.TEXT, 36),
            Column(_("Document"), Kind.TEXT, 30),
            Column(_("Subject"), Kind.TEXT, 36),
            Column(_("Granted on"), Kind.DATE, 12),
            Column(_("Revoked on"), Kind.DATE, 12),
            Column(_("Revoked"), Kind.TEXT, 9),
        ],
        rows=rows(),
        count=count,
        **_of_scope("designations", scope, period, params),
    )


@table_source("scope-maturity", allowed=policies.can_read_progress)
def scope_maturity_table(user: Any, params: QueryDict, language: str) -> Table:
    _request, scope, period = _scope_page(user, params, language)
    maturity = maturity_counts(scope, period)
    lines = maturity.rows

    def rows() -> Iterator[Sequence[Any]]:
        for line in lines:
            level = line["level"]
            yield [
                level if level is not None else _("No approved report or no value"),
                str(line["dcmm_label"]) or None,
                str(line["smart_label"]) or None,
                line["dcmm"],
                line["smart"],
            ]

    return Table(
        name="scope-maturity",
        title=_("Maturity"),
        heading=_(
            "The enterprises of %(scope)s active at the end of %(quarter)s by the level in "
            "their latest approved report up to the quarter."
        )
        % {"scope": scope.label, "quarter": period_format(period)},
        columns=[
            Column(_("Level"), Kind.TEXT, 16),
            Column(_("DCMM level"), Kind.TEXT, 24),
            Column(_("Smart manufacturing level"), Kind.TEXT, 24),
            Column(_("DCMM"), Kind.COUNT, 12),
            Column(_("Smart manufacturing"), Kind.COUNT, 14),
        ],
        rows=rows(),
        count=len(lines),
        **_of_scope("maturity", scope, period, params),
    )


# --- the comparison -----------------------------------------------------------------------


@table_source("compare", allowed=policies.sees_everything)
def compare_table(user: Any, params: QueryDict, language: str) -> Table:
    request = page_request(user, params, language)
    found = comparison(request)
    period = found.choice.period
    if period is None:
        raise Http404
    parks = found.level is ScopeKind.PARK
    actual = found.measure == "actual"
    kinds = [actual_kind(target.rule_kind) for target in found.targets]

    def rows() -> Iterator[Sequence[Any]]:
        for row in found.rows:
            values: list[Any] = [row.label, row.scope.code]
            if parks:
                values.append(row.district or None)
            values += [row.enterprises, row.enterprise_share, row.behind]
            for cell, kind in zip(row.cells, kinds, strict=True):
                values.append(Typed(cell.actual, kind) if actual else cell.share)
            yield values

    columns = [
        Column(_("Park") if parks else _("District"), Kind.TEXT, 28),
        Column(_("Code"), Kind.TEXT, 12),
    ]
    if parks:
        columns.append(Column(_("District"), Kind.TEXT, 14))
    columns += [
        Column(_("Active enterprises"), Kind.COUNT, 12),
        Column(_("Share of the city's enterprises"), Kind.SHARE, 14),
        Column(_("Behind"), Kind.COUNT, 9),
    ]
    columns += [
        Column(target.code, Kind.DECIMAL if actual else Kind.SHARE, 12) for target in found.targets
    ]
    labels = {"name": _("Name"), "enterprises": _("Enterprises (share)"), "behind": _("Behind")}
    labels.update({target.code: target.code for target in found.targets})
    measure = _("Actual") if actual else _("Share of city")
    return Table(
        name="compare",
        title=_("Parks compared") if parks else _("Districts compared"),
        heading=_(
            "Every %(level)s's figure for every target in %(quarter)s (%(measure)s); "
            "Behind: the targets whose share of the city's figure is below the scope's "
            "share of the city's active enterprises."
        )
        % {
            "level": _("park") if parks else _("district"),
            "quarter": period_format(period),
            "measure": measure,
        },
        columns=columns,
        rows=rows(),
        count=len(found.rows),
        filename=file_stem("compare", found.level.value, period_format(period), found.measure),
        page=page_url(reverse("progress:compare"), params),
        filters=[
            (_("Quarter"), period_format(period)),
            (_("Compare"), _("Parks") if parks else _("Districts")),
            (_("Values"), measure),
            (_("Sort"), sort_words(found.sort, labels)),
            *[(target.code, f"{target.name} ({target.unit})") for target in found.targets],
        ],
        period=period,
    )


# --- the maturity page --------------------------------------------------------------------


def _maturity_columns(first: str, before: str, now: str) -> list[Column]:
    columns = [Column(_("Maturity model"), Kind.TEXT, 30), Column(first, Kind.TEXT, 28)]
    columns += [Column(_("Level %(level)s") % {"level": level}, Kind.COUNT, 10) for level in LEVELS]
    return [
        *columns,
        Column(_("With a level"), Kind.COUNT, 11),
        Column(_("No level reported"), Kind.COUNT, 11),
        Column(
            _("Level %(level)s+ in %(period)s") % {"level": THRESHOLD, "period": before},
            Kind.SHARE,
            12,
        ),
        Column(
            _("Level %(level)s+ in %(period)s") % {"level": THRESHOLD, "period": now},
            Kind.SHARE,
            12,
        ),
        Column(_("Change (points)"), Kind.DECIMAL, 11),
    ]


def _maturity_row(title: str, row: Row) -> list[Any]:
    return [
        title,
        row.label,
        *row.counts,
        row.with_level,
        row.no_level,
        row.before_share,
        row.share,
        row.change,
    ]


def _maturity(user: Any, params: QueryDict, language: str, *, by_park: bool) -> Table:
    request = page_request(user, params, language)
    found = maturity_view(request)
    period, scope = found.choice.period, found.scope
    if period is None or (by_park and scope.kind is ScopeKind.PARK):
        raise Http404
    lines: list[list[Any]] = []
    for view in found.views:
        title = str(view.scale.title)
        if by_park:
            lines += [_maturity_row(title, row) for row in view.by_park]
        else:
            lines += [_maturity_row(title, row) for row in view.by_segment]
            lines.append(_maturity_row(title, view.total))
    name = "maturity-parks" if by_park else "maturity-segments"
    return Table(
        name=name,
        title=_("By park") if by_park else _("By segment"),
        heading=_(
            "Enterprises at each maturity level %(by)s in %(scope)s, %(quarter)s, and the "
            "share at level %(level)s or above then and a year before (%(before)s)."
        )
        % {
            "by": _("by park") if by_park else _("by segment"),
            "scope": scope.label,
            "quarter": period_format(period),
            "level": THRESHOLD,
            "before": period_format(period - YEAR),
        },
        columns=_maturity_columns(
            _("Park") if by_park else _("Segment"),
            period_format(period - YEAR),
            period_format(period),
        ),
        rows=iter(lines),
        count=len(lines),
        filename=file_stem(name, period_format(period), str(scope)),
        page=page_url(reverse("progress:maturity"), params),
        filters=[
            (_("Quarter"), period_format(period)),
            (_("Scope"), scope.label),
            *[(str(view.scale.title), ", ".join(view.level_labels)) for view in found.views],
        ],
        period=period,
        scope=str(scope),
    )


@table_source("maturity-segments", allowed=policies.can_read_progress)
def maturity_segments_table(user: Any, params: QueryDict, language: str) -> Table:
    return _maturity(user, params, language, by_park=False)


@table_source("maturity-parks", allowed=policies.can_read_progress)
def maturity_parks_table(user: Any, params: QueryDict, language: str) -> Table:
    return _maturity(user, params, language, by_park=True)
