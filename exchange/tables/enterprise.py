"""The enterprise profile's tables: the report history, the figures over time, the items
claimed and the designations, each with whether the targets count it. Built by the page's
own functions (``progress.pages.enterprise``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from core import policies
from enterprises.models import Enterprise
from progress.pages.enterprise import (
    DIMENSIONS,
    Verdict,
    designation_rows,
    enterprise_items,
    enterprise_or_404,
    enterprise_targets,
    history,
    metric_lines,
    metrics_by_dimension,
    quarter_range,
    rules_by_source,
    series_of,
    value_display,
)
from targets.models import Metric
from targets.periods import last_ended_period, period_end, period_format
from targets.rules import RuleKind

from ..workbook.writer import Column, Kind, Typed
from .base import Table, file_stem, page_url, table_source, yes, yes_no


def _enterprise(user: Any, params: QueryDict) -> Enterprise:
    return enterprise_or_404(user, params.get("uscc") or "")


def _page(enterprise: Enterprise, params: QueryDict) -> str:
    path = reverse("progress:enterprise", args=[enterprise.uscc])
    return page_url(path, params, drop=["uscc"])


def _filters(enterprise: Enterprise) -> list[tuple[str, str]]:
    return [(_("Enterprise"), f"{enterprise.name} ({enterprise.uscc})")]


def _verdicts(verdicts: list[Verdict]) -> str:
    """ "SH23-SF-01 counts: the first claim of this identifier.; SH25-…: …"."""
    words = {
        "counts": _("Counts"),
        "pending": _("Not yet"),
        "not": _("Does not count"),
    }
    return "; ".join(
        f"{verdict.target_code} {words.get(verdict.state, verdict.state)}: {verdict.reason}"
        for verdict in verdicts
    )


@table_source("enterprise-history", allowed=policies.can_read_enterprise_pages)
def enterprise_history_table(user: Any, params: QueryDict, language: str) -> Table:
    enterprise = _enterprise(user, params)
    lines = history(enterprise, user)

    def rows() -> Iterator[Sequence[Any]]:
        for line in lines:
            report = line.submission or {}
            yield [
                line.period_label,
                line.status_label,
                yes(line.overdue),
                yes(report.get("late")),
                yes_no(line.owed),
                line.due_on,
                report.get("submitted_at"),
                report.get("reviewed_at"),
                report.get("pk"),
            ]

    return Table(
        name="enterprise-history",
        title=_("Report history"),
        heading=_("Every quarter %(name)s owes and every quarter it reported.")
        % {"name": enterprise.name},
        columns=[
            Column(_("Quarter"), Kind.TEXT, 10),
            Column(_("Status"), Kind.TEXT, 14),
            Column(_("Overdue"), Kind.TEXT, 9),
            Column(_("Late"), Kind.TEXT, 9),
            Column(_("Owed"), Kind.TEXT, 8),
            Column(_("Due on"), Kind.DATE, 12),
            Column(_("Submitted at"), Kind.DATETIME, 17),
            Column(_("Reviewed at"), Kind.DATETIME, 17),
            Column(_("Report"), Kind.ID, 10),
        ],
        rows=rows(),
        count=len(lines),
        filename=file_stem("reports", enterprise.uscc),
        page=_page(enterprise, params),
        filters=_filters(enterprise),
    )


def _metric_value(metric: Metric | None, value: Any) -> Any:
    """Numbers stay numbers; yes/no and levels are words, as on the page."""
    if value is None:
        return None
    if metric is None:
        return Typed(value, Kind.COUNT)
    if metric.type in (Metric.Type.BOOLEAN, Metric.Type.LEVEL):
        return Typed(value_display(metric, value), Kind.TEXT)
    if metric.type == Metric.Type.INTEGER:
        return Typed(value, Kind.COUNT)
    return value


@table_source("enterprise-figures", allowed=policies.can_read_enterprise_pages)
def enterprise_figures_table(user: Any, params: QueryDict, language: str) -> Table:
    """Every metric's approved value per quarter, by dimension (the tables under the
    charts of "Figures over time")."""
    enterprise = _enterprise(user, params)
    metrics = list(Metric.objects.order_by("position", "pk"))
    series = series_of(enterprise)
    quarters = quarter_range(series)
    lines = [
        (str(DIMENSIONS[key][0]), line)
        for key, chosen in metrics_by_dimension(metrics).items()
        for line in metric_lines(chosen, series, quarters)
    ]

    def rows() -> Iterator[Sequence[Any]]:
        for dimension, line in lines:
            yield [
                dimension,
                line.label,
                *(_metric_value(line.metric, value) for value in line.values),
            ]

    return Table(
        name="enterprise-figures",
        title=_("Figures over time"),
        heading=_("The approved values of %(name)s per quarter, by dimension.")
        % {"name": enterprise.name},
        columns=[
            Column(_("Dimension"), Kind.TEXT, 14),
            Column(_("Metric"), Kind.TEXT, 40),
            *[Column(period_format(period), Kind.DECIMAL, 11) for period in quarters],
        ],
        rows=rows(),
        count=len(lines),
        filename=file_stem("figures", enterprise.uscc),
        page=_page(enterprise, params),
        filters=_filters(enterprise),
    )


@table_source("enterprise-items", allowed=policies.can_read_enterprise_pages)
def enterprise_items_table(user: Any, params: QueryDict, language: str) -> Table:
    enterprise = _enterprise(user, params)
    last = last_ended_period()
    items = enterprise_items(enterprise, user, enterprise_targets(), period_end(last))

    def rows() -> Iterator[Sequence[Any]]:
        for item in items:
            yield [
                item.kind_name,
                item.identifier,
                item.title or None,
                item.attributes_display or None,
                item.date,
                item.period_label,
                item.status_label,
                yes_no(item.counts),
                _verdicts(item.verdicts) or None,
            ]

    return Table(
        name="enterprise-items",
        title=_("Items claimed"),
        heading=_(
            "The items %(name)s claimed in its reports, and whether each target counts them "
            "as of %(quarter)s."
        )
        % {"name": enterprise.name, "quarter": period_format(last)},
        columns=[
            Column(_("Kind"), Kind.TEXT, 20),
            Column(_("Identifier"), Kind.TEXT, 24),
            Column(_("Title"), Kind.TEXT, 36),
            Column(_("Attributes"), Kind.TEXT, 20),
            Column(_("Date"), Kind.DATE, 12),
            Column(_("Quarter"), Kind.TEXT, 10),
            Column(_("Report status"), Kind.TEXT, 12),
            Column(_("Counts?"), Kind.TEXT, 9),
            Column(_("Why"), Kind.TEXT, 70, wrap=True),
        ],
        rows=rows(),
        count=len(items),
        filename=file_stem("items", enterprise.uscc),
        page=_page(enterprise, params),
        filters=[*_filters(enterprise), (_("As of"), period_format(last))],
        period=last,
    )


@table_source("enterprise-designations", allowed=policies.can_read_enterprise_pages)
def enterprise_designations_table(user: Any, params: QueryDict, language: str) -> Table:
    enterprise = _enterprise(user, params)
    last = last_ended_period()
    targets = enterprise_targets()
    found = designation_rows(
        enterprise, rules_by_source(targets, RuleKind.DESIGNATION_COUNT), period_end(last)
    )

    def rows() -> Iterator[Sequence[Any]]:
        for row in found:
            designation = row.designation
            yield [
                designation.kind.name,
                designation.name or None,
                designation.reference or None,
                designation.granted_on,
                designation.revoked_on,
                yes_no(row.counts),
                _verdicts(row.verdicts) or None,
            ]

    return Table(
        name="enterprise-designations",
        title=_("Designations"),
        heading=_(
            "The designations of %(name)s, and whether each target counts them in %(quarter)s."
        )
        % {"name": enterprise.name, "quarter": period_format(last)},
        columns=[
            Column(_("Kind"), Kind.TEXT, 24),
            Column(_("Name"), Kind.TEXT, 36),
            Column(_("Document"), Kind.TEXT, 30),
            Column(_("Granted on"), Kind.DATE, 12),
            Column(_("Revoked on"), Kind.DATE, 12),
            Column(_("Counts?"), Kind.TEXT, 9),
            Column(_("Why"), Kind.TEXT, 70, wrap=True),
        ],
        rows=rows(),
        count=len(found),
        filename=file_stem("designations", enterprise.uscc),
        page=_page(enterprise, params),
        filters=[*_filters(enterprise), (_("As of"), period_format(last))],
        period=last,
    )
