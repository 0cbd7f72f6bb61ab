"""The reporting pages' tables: the review queue (with the outlier flags), the report list
and completeness (the status by district or park, the enterprises missing or late). Built
by the pages' own functions (``reporting.views``) from their query: the same filters, the
same order, the same rows (a park manager's: their park's)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.http import Http404, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from core import policies
from reporting.filters import SubmissionFilter
from reporting.forms import CompletenessFilterForm
from reporting.models import Submission
from reporting.outliers import outlier_flags
from reporting.views import (
    CompletenessChoice,
    completeness_choice,
    completeness_listed,
    completeness_rows,
    completeness_status,
    report_list_filter,
    review_queue_filter,
)
from targets.periods import period_format

from ..workbook.sheets import bilingual
from ..workbook.writer import Column, Kind
from .base import (
    Table,
    batched,
    file_stem,
    page_request,
    page_url,
    sort_words,
    table_source,
    yes,
    yes_no,
)

STATUS_LABELS = dict(Submission.Status.choices)
REPORT_FIELDS = (
    "pk",
    "enterprise__name",
    "enterprise__uscc",
    "enterprise__district__name_zh",
    "enterprise__district__name_en",
    "enterprise__park__name_zh",
    "enterprise__park__name_en",
    "period",
    "status",
    "late",
    "submitted_at",
    "reviewed_at",
)


def _filter_words(filters: SubmissionFilter) -> list[tuple[str, str]]:
    """The filters applied, as the form shows them: (label, value) of those with a value
    (invalid values are ignored by the filter, and left out here)."""
    form = filters.form
    form.is_valid()
    found = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, ""):
            continue
        if name == "period" and isinstance(value, int):
            text = period_format(value)
        elif isinstance(value, bool):
            text = yes_no(value)
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
            choices = cast(list[tuple[Any, Any]], field.choices)
            text = str(dict(choices).get(value, value))
        else:
            text = str(value)
        found.append((str(field.label or name), text))
    return found


def _quarter_of(filters: SubmissionFilter) -> int | None:
    filters.form.is_valid()
    value = filters.form.cleaned_data.get("period")
    return value if isinstance(value, int) else None


def _report_columns(*, flags: bool) -> list[Column]:
    columns = [
        Column(_("Report"), Kind.ID, 9),
        Column(_("Enterprise"), Kind.TEXT, 36),
        Column(_("USCC"), Kind.TEXT, 20),
        Column(_("District"), Kind.TEXT, 12),
        Column(_("Park"), Kind.TEXT, 24),
        Column(_("Quarter"), Kind.TEXT, 10),
        Column(_("Status"), Kind.TEXT, 12),
        Column(_("Late"), Kind.TEXT, 8),
        Column(_("Submitted at"), Kind.DATETIME, 17),
    ]
    if flags:
        return [
            *columns,
            Column(_("Flags"), Kind.COUNT, 8),
            Column(_("Why flagged"), Kind.TEXT, 70, wrap=True),
        ]
    return [*columns, Column(_("Reviewed at"), Kind.DATETIME, 17)]


def _report_row(row: tuple[Any, ...]) -> list[Any]:
    (
        pk,
        name,
        uscc,
        district_zh,
        district_en,
        park_zh,
        park_en,
        period,
        status,
        late,
        submitted_at,
        _reviewed_at,
    ) = row
    return [
        pk,
        name,
        uscc,
        bilingual(district_zh, district_en) or None,
        bilingual(park_zh, park_en) or None,
        period_format(period),
        str(STATUS_LABELS.get(status, status)),
        yes(late),
        submitted_at,
    ]


@table_source("review-queue", allowed=policies.can_review, weight=5)
def review_queue_table(user: Any, params: QueryDict, language: str) -> Table:
    """The review queue with each report's outlier flags (computed a chunk at a time, a
    fixed number of queries per chunk)."""
    request = page_request(user, params, language)
    filters = review_queue_filter(request)
    query: QuerySet[Submission] = filters.qs
    count = query.count()

    def rows() -> Iterator[Sequence[Any]]:
        values = query.values_list(*REPORT_FIELDS).iterator(chunk_size=2000)
        for chunk in batched(values):
            flags = outlier_flags(submissions=[Submission(pk=row[0]) for row in chunk])
            for row in chunk:
                found = [str(flag["message"]) for flag in flags.get(row[0], [])]
                yield [*_report_row(row), len(found) or None, "; ".join(found) or None]

    period = _quarter_of(filters)
    return Table(
        name="review-queue",
        title=_("Review queue"),
        heading=_(
            "Reports handed in by enterprises, oldest submission first, with the flags "
            "that need a look."
        ),
        columns=_report_columns(flags=True),
        rows=rows(),
        count=count,
        filename=file_stem("review-queue", period_format(period) if period else ""),
        page=page_url(reverse("reporting:review-queue"), params),
        filters=_filter_words(filters),
        period=period,
    )


@table_source("reports", allowed=policies.can_read_report_list)
def report_list_table(user: Any, params: QueryDict, language: str) -> Table:
    request = page_request(user, params, language)
    filters = report_list_filter(request)
    query: QuerySet[Submission] = filters.qs
    count = query.count()

    def rows() -> Iterator[Sequence[Any]]:
        for row in query.values_list(*REPORT_FIELDS).iterator(chunk_size=2000):
            yield [*_report_row(row), row[-1]]

    period = _quarter_of(filters)
    own = policies.own_scope(user)
    return Table(
        name="reports",
        title=_("Quarterly reports"),
        heading=_("Every report you may read, newest quarter first."),
        columns=_report_columns(flags=False),
        rows=rows(),
        count=count,
        filename=file_stem(
            "reports",
            period_format(period) if period else "",
            str(own) if own is not None else "",
        ),
        page=page_url(reverse("reporting:report-list"), params),
        filters=[
            *([(_("Scope"), own.label)] if own is not None else []),
            *_filter_words(filters),
        ],
        period=period,
        scope=str(own) if own is not None else "",
    )


def _completeness(user: Any, params: QueryDict, language: str) -> CompletenessChoice:
    return completeness_choice(page_request(user, params, language))


def _completeness_filters(choice: CompletenessChoice) -> list[tuple[str, str]]:
    return [
        (_("Quarter"), period_format(choice.period)),
        (_("Scope"), choice.scope.label),
    ]


@table_source("completeness-status", allowed=policies.can_read_completeness)
def completeness_status_table(user: Any, params: QueryDict, language: str) -> Table:
    """The status by district (or park) of the completeness page."""
    choice = _completeness(user, params, language)
    kind, lines, _figures = completeness_status(user, choice)
    if not kind:
        raise Http404
    name = _("District") if kind == "district" else _("Park")

    def rows() -> Iterator[Sequence[Any]]:
        for line in lines:
            yield [
                line.name,
                line.scope.code if line.scope is not None else None,
                line.active,
                line.submitted,
                line.pre_approved,
                line.approved,
                line.returned,
                line.overdue,
                line.late,
                line.percent,
            ]

    labels = {
        "name": name,
        "active": _("Active"),
        "submitted": _("Submitted"),
        "pre_approved": _("Pre-approved"),
        "approved": _("Approved"),
        "returned": _("Returned"),
        "overdue": _("Overdue"),
        "late": _("Late"),
        "percent": _("Completion"),
    }
    return Table(
        name="completeness-status",
        title=_("Status by district") if kind == "district" else _("Status by park"),
        heading=_(
            "Reporting status of %(quarter)s in %(scope)s by %(level)s. Overdue: no report by "
            "the due date (including those that reported late afterwards). Completion: the "
            "share of active enterprises that submitted."
        )
        % {
            "quarter": period_format(choice.period),
            "scope": choice.scope.label,
            "level": _("district") if kind == "district" else _("park"),
        },
        columns=[
            Column(name, Kind.TEXT, 28),
            Column(_("Code"), Kind.TEXT, 12),
            Column(_("Active"), Kind.COUNT, 10),
            Column(_("Submitted"), Kind.COUNT, 10),
            Column(_("Pre-approved"), Kind.COUNT, 10),
            Column(_("Approved"), Kind.COUNT, 10),
            Column(_("Returned"), Kind.COUNT, 10),
            Column(_("Overdue"), Kind.COUNT, 10),
            Column(_("Late"), Kind.COUNT, 10),
            Column(_("Completion"), Kind.SHARE, 11),
        ],
        rows=rows(),
        count=len(lines),
        filename=file_stem("completeness", kind, period_format(choice.period), str(choice.scope)),
        page=page_url(reverse("reporting:completeness"), params),
        filters=[
            *_completeness_filters(choice),
            (_("Sort"), sort_words(choice.sort, labels)),
        ],
        period=choice.period,
        scope=str(choice.scope),
    )


@table_source("completeness-missing", allowed=policies.can_read_completeness)
def completeness_missing_table(user: Any, params: QueryDict, language: str) -> Table:
    """The enterprises missing or late (as ``show`` asks), with whom to write to."""
    choice = _completeness(user, params, language)
    _kind, _lines, figures = completeness_status(user, choice)
    enterprises, counts = completeness_listed(choice, figures)
    is_due = choice.on > figures.due_on

    def rows() -> Iterator[Sequence[Any]]:
        for chunk in batched(enterprises.iterator(chunk_size=2000)):
            for row in completeness_rows(user, chunk):
                enterprise: Any = row["enterprise"]
                if row["state"] == CompletenessFilterForm.SHOW_LATE:
                    state = _("Late")
                elif is_due:
                    state = _("Missing")
                else:
                    state = _("Not submitted yet")
                yield [
                    enterprise.name,
                    enterprise.uscc,
                    enterprise.district.name,
                    enterprise.park.name if enterprise.park is not None else None,
                    state,
                    row["submitted_at"],
                    "; ".join(row["contacts"]) or None,
                ]

    shown = {
        CompletenessFilterForm.SHOW_ALL: _("Missing and late"),
        CompletenessFilterForm.SHOW_MISSING: _("Missing"),
        CompletenessFilterForm.SHOW_LATE: _("Late"),
    }
    return Table(
        name="completeness-missing",
        title=_("Missing or late"),
        heading=_(
            "The enterprises that owe the report of %(quarter)s in %(scope)s and have not "
            "handed it in, or handed it in after the due date (%(due)s)."
        )
        % {
            "quarter": period_format(choice.period),
            "scope": choice.scope.label,
            "due": figures.due_on.isoformat(),
        },
        columns=[
            Column(_("Enterprise"), Kind.TEXT, 36),
            Column(_("USCC"), Kind.TEXT, 20),
            Column(_("District"), Kind.TEXT, 12),
            Column(_("Park"), Kind.TEXT, 24),
            Column(_("Report"), Kind.TEXT, 14),
            Column(_("First submitted at"), Kind.DATETIME, 17),
            Column(_("Contact"), Kind.TEXT, 40),
        ],
        rows=rows(),
        count=counts[choice.show],
        filename=file_stem(
            "missing-or-late", choice.show, period_format(choice.period), str(choice.scope)
        ),
        page=page_url(reverse("reporting:completeness"), params),
        filters=[
            *_completeness_filters(choice),
            (_("Which enterprises"), str(shown.get(choice.show, choice.show))),
        ],
        period=choice.period,
        scope=str(choice.scope),
    )
