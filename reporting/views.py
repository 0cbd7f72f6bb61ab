"""Browser pages of the quarterly report: reporters fill it in, officials review it, everyone
allowed reads it. Views validate the form's shape, call one service or selector, and redirect
with a message; the rules live in ``reporting.validation`` and ``reporting.services``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, FilteredRelation, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from core import policies
from core.pagination import PAGE_SIZE, page_of
from core.roles import Role
from core.sorting import Sort, sort_from
from core.views import require
from enterprises.models import Enterprise
from parks.models import Park
from parks.selectors import park_list, scopes_all
from targets.models import District, ItemKind, Metric
from targets.periods import (
    PROGRAMME_FIRST_PERIOD,
    PeriodError,
    last_ended_period,
    period_due_on,
    period_format,
    period_opens_on,
    period_parse,
    today,
)
from targets.scopes import Scope, ScopeKind

from . import evidence_views, selectors, services
from .audit import Action
from .filters import SubmissionFilter
from .forms import (
    ATTRIBUTE_PREFIX,
    ATTRIBUTE_VALUE_LABELS,
    ActionForm,
    BulkApproveForm,
    CommentForm,
    CompletenessFilterForm,
    ItemFormSet,
    ReportForm,
    item_initial,
    metric_field_name,
    metric_initial,
)
from .models import EvidenceEvent, Submission
from .obligations import obligated_enterprises, owes_report, reporting_periods
from .outliers import Flag, outlier_flags

Status = Submission.Status
EDITABLE = (Status.DRAFT, Status.RETURNED)
PREFILLED_SEMANTICS = (Metric.Semantics.STOCK, Metric.Semantics.FLAG)


def _user(request: HttpRequest) -> User:
    """The logged-in user (every view here requires a login)."""
    return cast(User, request.user)


# --- my reports -------------------------------------------------------------------------


@dataclass
class QuarterRow:
    period: int
    submission: Submission | None
    due_on: dt.date
    overdue: bool

    @property
    def period_label(self) -> str:
        return period_format(self.period)

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else "not_started"

    @property
    def status_label(self) -> str:
        return self.submission.get_status_display() if self.submission else _("Not started")

    @property
    def editable(self) -> bool:
        return self.submission is None or self.submission.status in EDITABLE

    @property
    def url(self) -> str:
        if self.submission is None:
            return reverse("reporting:report-new", args=[self.period_label])
        return reverse("reporting:report-detail", args=[self.submission.pk])


def _quarter_rows(enterprise: Enterprise, submissions: Iterable[Submission]) -> list[QuarterRow]:
    on = today()
    by_period = {s.period: s for s in submissions}
    rows = []
    for period in reporting_periods(enterprise, today=on):
        submission = by_period.get(period)
        due_on = period_due_on(period)
        handed_in = submission is not None and (
            submission.first_submitted_at is not None or submission.status != Status.DRAFT
        )
        rows.append(QuarterRow(period, submission, due_on, overdue=on > due_on and not handed_in))
    # Overdue quarters first, then the newest.
    return sorted(rows, key=lambda row: (not row.overdue, -row.period))


@require(policies.can_open_my_reports)
def my_reports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    enterprise = get_object_or_404(Enterprise, pk=user.enterprise_id)
    rows = _quarter_rows(enterprise, selectors.submission_list(user=user))
    return render(request, "reporting/my_reports.html", {"enterprise": enterprise, "rows": rows})


# --- the report form --------------------------------------------------------------------


def _catalogue() -> tuple[list[Metric], list[ItemKind]]:
    return list(Metric.objects.order_by("position", "id")), list(ItemKind.objects.all())


def _kinds_json(kinds: Iterable[ItemKind]) -> dict[str, Any]:
    return {
        kind.code: {
            "identifier_label": kind.identifier_label,
            "attributes": kind.attributes or {},
            "evidence_required": kind.evidence_required,
        }
        for kind in kinds
    }


def _prefill(
    enterprise: Enterprise, period: int, metrics: list[Metric]
) -> tuple[dict[str, Any], str]:
    """Stocks and flags of the previous quarter's report; flows start empty every quarter."""
    previous = Submission.objects.filter(enterprise=enterprise, period=period - 1).first()
    if previous is None:
        return {}, ""
    kept = [m for m in metrics if m.semantics in PREFILLED_SEMANTICS]
    return metric_initial(kept, previous.metrics_data), previous.period_label


def _bind_forms(
    request: HttpRequest,
    *,
    metrics: list[Metric],
    kinds: list[ItemKind],
    initial: dict[str, Any],
    items: list[dict[str, Any]],
) -> tuple[ReportForm, Any]:
    data = request.POST if request.method == "POST" else None
    form = ReportForm(data, metrics=metrics, initial=initial)
    formset = ItemFormSet(data, prefix="items", kinds=kinds, initial=item_initial(items))
    return form, formset


def _errors_to_forms(error: ValidationError, form: ReportForm, item_forms: list[Any]) -> None:
    """The validation's keys ("metrics.<code>", "items[<i>].<field>", "period") onto fields."""
    for key, messages_ in error.message_dict.items():
        target, field = _error_target(key, form, item_forms)
        for message in messages_:
            target.add_error(field, message)


def _error_target(key: str, form: ReportForm, item_forms: list[Any]) -> tuple[Any, str | None]:
    if key.startswith("metrics."):
        name = metric_field_name(key.removeprefix("metrics."))
        return form, name if name in form.fields else None
    if key.startswith("items[") and "]" in key:
        index_text, _sep, rest = key.removeprefix("items[").partition("]")
        if index_text.isdigit() and int(index_text) < len(item_forms):
            item_form = item_forms[int(index_text)]
            field = rest.removeprefix(".")
            if field == "files":  # the item's evidence files: the row's file_ids
                field = "file_ids"
            if field.startswith("attributes."):
                field = ATTRIBUTE_PREFIX + field.removeprefix("attributes.")
            return item_form, field if field in item_form.fields else None
    return form, None


def _report_form_page(
    request: HttpRequest,
    *,
    enterprise: Enterprise,
    period: int,
    submission: Submission | None,
) -> HttpResponse:
    user = _user(request)
    metrics, kinds = _catalogue()
    prefilled_from = ""
    if submission is not None:
        initial = metric_initial(metrics, submission.metrics_data)
        initial["version"] = submission.version
        items = list(submission.items_data)
    else:
        initial, prefilled_from = _prefill(enterprise, period, metrics)
        items = []
    form, formset = _bind_forms(request, metrics=metrics, kinds=kinds, initial=initial, items=items)
    has_errors = False
    if request.method == "POST":
        if form.is_valid() and formset.is_valid():
            filled = formset.filled_forms()
            submit = request.POST.get("action") == "submit"
            try:
                saved = services.submission_save(
                    submission=submission,
                    enterprise=enterprise,
                    period=period,
                    metrics=form.metrics_payload(),
                    items=[item_form.payload() for item_form in filled],
                    version=form.cleaned_data.get("version"),
                    by=user,
                    submit=submit,
                    files=evidence_views.form_files(request, filled),
                )
            except ValidationError as error:
                _errors_to_forms(error, form, filled)
            except services.SubmissionExists as exists:
                messages.error(request, str(exists))
                return redirect("reporting:report-detail", exists.existing_id)
            except (services.StaleVersion, services.TransitionNotAllowed) as conflict:
                messages.error(request, str(conflict))
                if submission is None:
                    return redirect("reporting:my-reports")
                return redirect("reporting:report-detail", submission.pk)
            else:
                messages.success(
                    request,
                    _("The report was submitted for review.") if submit else _("Draft saved."),
                )
                return redirect("reporting:report-detail", saved.pk)
        has_errors = True
    evidence_views.form_rows_evidence(request, formset, submission)
    status = submission.status if submission else "not_started"
    context = {
        "enterprise": enterprise,
        "submission": submission,
        "period_label": period_format(period),
        "status": status,
        "status_label": submission.get_status_display() if submission else _("Not started"),
        "opens_on": period_opens_on(period),
        "due_on": period_due_on(period),
        "form": form,
        "items": formset,
        "item_kinds": _kinds_json(kinds),
        "evidence_max_bytes": settings.DX_EVIDENCE_MAX_BYTES,
        "has_errors": has_errors,
        "prefilled_from": prefilled_from,
        "history": _history(submission) if submission else [],
    }
    return render(request, "reporting/report_form.html", context, status=400 if has_errors else 200)


@require(policies.can_open_my_reports)
def report_new(request: HttpRequest, period: str) -> HttpResponse:
    user = _user(request)
    enterprise = get_object_or_404(Enterprise, pk=user.enterprise_id)
    try:
        number = period_parse(period)
    except PeriodError as error:
        raise Http404(str(error)) from error
    if not owes_report(enterprise, number, today=today()):
        raise Http404(_("This quarter cannot be reported."))
    existing = selectors.submission_list(user=user).filter(period=number).first()
    if existing is not None:
        return redirect("reporting:report-detail", existing.pk)
    return _report_form_page(request, enterprise=enterprise, period=number, submission=None)


# --- reading and reviewing one report ---------------------------------------------------


def _readable(request: HttpRequest, pk: int) -> Submission:
    """The report if the user may read it; 404 otherwise (never reveal others' reports)."""
    return get_object_or_404(selectors.submission_list(user=_user(request)), pk=pk)


def _display(value: Any, metric: Metric) -> str:
    if value is None:
        return ""
    if metric.type == Metric.Type.BOOLEAN:
        return _("Yes") if value else _("No")
    if isinstance(value, Decimal):
        return f"{value:,f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:,f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _change(row: selectors.MetricComparison, metric: Metric) -> tuple[str, str]:
    delta = row.get("delta")
    if delta is None or delta == 0:
        return ("", "") if not row.get("changed") or row.get("previous") is None else ("≠", "")
    sign = "+" if delta > 0 else "−"
    return f"{sign}{_display(abs(delta), metric)}", "up" if delta > 0 else "down"


def _value_groups(
    submission: Submission, flags: list[Flag]
) -> tuple[list[tuple[str, list[dict[str, Any]]]], str | None]:
    diff = selectors.submission_diff_previous(submission=submission)
    metrics = {m.code: m for m in Metric.objects.all()}
    flags_by_metric: dict[str, list[str]] = {}
    for flag in flags:
        flags_by_metric.setdefault(str(flag.get("metric")), []).append(str(flag["message"]))
    labels = dict(Metric.Group.choices)
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in diff["metrics"]:
        metric = metrics[row["code"]]
        change, direction = _change(row, metric)
        grouped.setdefault(metric.group, []).append(
            {
                "code": metric.code,
                "name": metric.name,
                "unit": metric.unit,
                "value": _display(row["current"], metric),
                "previous": _display(row["previous"], metric),
                "change": change,
                "direction": direction,
                "flags": flags_by_metric.get(metric.code, []),
            }
        )
    groups = [(str(labels.get(group, group)), rows) for group, rows in grouped.items()]
    return groups, diff["previous_period"]


def _item_rows(submission: Submission) -> list[dict[str, Any]]:
    kinds = {kind.code: kind for kind in ItemKind.objects.all()}
    rows = []
    for item in submission.items_data:
        kind = kinds.get(item.get("kind", ""))
        attributes = item.get("attributes") or {}
        rows.append(
            {
                "kind": kind.name if kind else item.get("kind", ""),
                "identifier_label": kind.identifier_label if kind else "",
                "identifier": item.get("identifier", ""),
                "title": item.get("title", ""),
                "date": item.get("date", ""),
                "attributes": ", ".join(
                    str(ATTRIBUTE_VALUE_LABELS.get(v, v)) for v in attributes.values()
                ),
                "evidence_url": item.get("evidence_url", ""),
            }
        )
    return rows


# Lazy: these dicts are built at import time, before any request has chosen a language.
ACTION_LABELS = {
    Action.CREATE: gettext_lazy("Created"),
    Action.EDIT: gettext_lazy("Edited"),
    Action.SUBMIT: gettext_lazy("Submitted"),
    Action.PRE_APPROVE: gettext_lazy("Pre-approved by the park"),
    Action.APPROVE: gettext_lazy("Approved"),
    Action.APPROVE_SKIPPING_PREREVIEW: gettext_lazy("Approved, skipping the park's pre-review"),
    Action.RETURN: gettext_lazy("Returned"),
    Action.REOPEN: gettext_lazy("Reopened"),
    EvidenceEvent.Action.ATTACH: gettext_lazy("File attached"),
    EvidenceEvent.Action.REMOVE: gettext_lazy("File removed"),
    EvidenceEvent.Action.CHECK: gettext_lazy("File checked"),
    EvidenceEvent.Action.UNCHECK: gettext_lazy("File check withdrawn"),
    EvidenceEvent.Action.DOWNLOAD: gettext_lazy("File downloaded"),
}


FIELD_LABELS = {
    "status": gettext_lazy("Status"),
    "review_comment": gettext_lazy("Review comment"),
    "late": gettext_lazy("Late"),
    "items": gettext_lazy("Items"),
    "files": gettext_lazy("Evidence files"),
}
# The report's identity, set once at creation; the trail shows what changed after.
IDENTITY_FIELDS = {"enterprise_id", "period"}


def _history(submission: Submission) -> list[dict[str, Any]]:
    """The audit trail, newest first, with codes shown as names."""
    names = {m.code: m.name for m in Metric.objects.all()}
    statuses = {value: str(label) for value, label in Status.choices}
    entries = []
    for entry in reversed(selectors.submission_history(submission=submission)):
        entries.append(
            {
                "action_label": str(ACTION_LABELS.get(entry["action"], entry["action"])),
                "who": entry["by"],
                "when": entry["at"],
                "comment": entry["comment"],
                "changes": [
                    _change_display(change, names, statuses)
                    for change in entry["changes"]
                    if change["field"] not in IDENTITY_FIELDS
                ],
            }
        )
    return entries


def _change_display(
    change: selectors.Change, names: dict[str, str], statuses: dict[str, str]
) -> dict[str, Any]:
    field = str(change["field"])
    old, new = change["old"], change["new"]
    if field == "status":
        old, new = statuses.get(old, old), statuses.get(new, new)
    if field.startswith("metrics."):
        label = names.get(field.removeprefix("metrics."), field)
    elif field.startswith("items."):
        label = str(FIELD_LABELS["items"])
    else:
        label = str(FIELD_LABELS.get(field, field))
    return {"field": label, "old": _short(old), "new": _short(new)}


def _short(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return str(value.get("identifier") or value)
    return str(value)


def _report_page(
    request: HttpRequest,
    submission: Submission,
    *,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    # Reviewers' statistics (z-scores, medians) are for officials, not for the enterprise.
    flags = (
        outlier_flags(submissions=[submission]).get(submission.pk, [])
        if policies.can_see_outlier_scores(request.user)
        else []
    )
    value_groups, previous_label = _value_groups(submission, flags)
    park = submission.enterprise.park
    prereview = bool(park and park.prereview)
    context = {
        "submission": submission,
        "pre_reviewer": policies.can_pre_review(
            request.user, park_id=submission.enterprise.park_id, prereview=prereview
        ),
        "awaits_prereview": prereview and submission.status == Status.SUBMITTED,
        "value_groups": value_groups,
        "previous_label": previous_label,
        "flags": [flag["message"] for flag in flags],
        "item_rows": evidence_views.item_rows_with_files(
            _user(request), submission, _item_rows(submission)
        ),
        "history": _history(submission),
        "due_on": period_due_on(submission.period),
        "comment_form": comment_form or CommentForm(),
    }
    if comment_form is not None and comment_form.errors:
        status = 400
    return render(request, "reporting/report_detail.html", context, status=status)


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The reporter edits a draft or returned report here; everyone else reads it."""
    submission = _readable(request, pk)
    user = _user(request)
    in_form = policies.can_edit_report_in_form(user, enterprise_id=submission.enterprise_id)
    if in_form and submission.status in EDITABLE:
        return _report_form_page(
            request,
            enterprise=submission.enterprise,
            period=submission.period,
            submission=submission,
        )
    if request.method != "GET":
        raise PermissionDenied(_("This report cannot be changed here."))
    return _report_page(request, submission)


def _review_action(
    request: HttpRequest,
    pk: int,
    action: Callable[..., Submission],
    done: str,
    *,
    needs_comment: bool,
) -> HttpResponse:
    submission = _readable(request, pk)
    form: ActionForm | CommentForm
    if needs_comment:
        form = comment_form = CommentForm(request.POST)
        if not comment_form.is_valid():
            return _report_page(request, submission, comment_form=comment_form)
    else:
        form = ActionForm(request.POST)
        if not form.is_valid():
            # A tampered or stale form (the version is not a number): say so, change nothing.
            messages.error(request, _("The form was not valid; reload the report and try again."))
            return _report_page(request, submission, status=400)
    extra = (
        {
            "comment": evidence_views.comment_naming_item(
                submission, form.cleaned_data["comment"], form.cleaned_data.get("item")
            )
        }
        if needs_comment
        else {}
    )
    try:
        action(
            submission=submission,
            by=_user(request),
            version=form.cleaned_data.get("version"),
            **extra,
        )
    except (services.StaleVersion, services.TransitionNotAllowed) as conflict:
        messages.error(request, str(conflict))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("reporting:report-detail", submission.pk)


@require_POST
@require(policies.can_review)
def report_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(
        request, pk, services.submission_approve, _("Report approved."), needs_comment=False
    )


@require_POST
@require(policies.can_open_review_queue)
def report_pre_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(
        request,
        pk,
        services.submission_pre_approve,
        _("Report pre-approved: it goes on to the officials."),
        needs_comment=False,
    )


@require_POST
@require(policies.can_open_review_queue)
def report_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(
        request,
        pk,
        services.submission_return,
        _("Report returned to the enterprise."),
        needs_comment=True,
    )


@require_POST
@require(policies.can_review)
def report_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_action(
        request, pk, services.submission_reopen, _("Report reopened."), needs_comment=True
    )


# --- review queue and report list --------------------------------------------------------


def _filtered(
    request: HttpRequest,
    queryset: Any,
    *,
    defaults: dict[str, str] | None = None,
    parks: Any = None,
) -> SubmissionFilter:
    """The report lists' filters from the URL (defaults fill in what the URL leaves out)."""
    params = request.GET.copy()
    for name, value in (defaults or {}).items():
        params.setdefault(name, value)
    return SubmissionFilter(params, queryset=queryset, parks=parks)


def review_queue_filter(request: HttpRequest) -> SubmissionFilter:
    """The review queue's reports as the URL filters them (``selectors.review_queue``: what
    waits for this user, pre-approved first): the page and its download (exchange.tables)
    read the same."""
    user = _user(request)
    return _filtered(
        request, selectors.review_queue(user=user), parks=park_list().filter(policies.park_q(user))
    )


@require(policies.can_open_review_queue)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Reports waiting for the user's review, a page at a time: officials approve (several
    at once where nothing is flagged); a park manager pre-reviews their park's."""
    user = _user(request)
    filters = review_queue_filter(request)
    page = page_of(request, filters.qs)
    submissions = list(page.object_list)
    flags = outlier_flags(submissions=submissions)
    reviews = policies.can_review(user)
    rows = [
        {
            "submission": s,
            "flags": [flag["message"] for flag in flags.get(s.pk, [])],
            "bulk_ok": reviews and s.status in Submission.IN_REVIEW and not flags.get(s.pk),
        }
        for s in submissions
    ]
    own_park = None if reviews else getattr(user, "park", None)
    context = {
        "filter_form": filters.form,
        "rows": rows,
        "page": page,
        "bulk": reviews,
        "own_park": own_park,
    }
    return render(request, "reporting/review_queue.html", context)


@require_POST
@require(policies.can_review)
def bulk_approve(request: HttpRequest) -> HttpResponse:
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("submissions", [])))
    else:
        chosen = selectors.submission_list(user=_user(request)).filter(
            pk__in=form.cleaned_data["submissions"]
        )
        result = services.submission_bulk_approve(submissions=chosen, by=_user(request))
        messages.success(request, _("%(n)d report(s) approved.") % {"n": len(result.approved)})
        skipped = len(result.skipped_flagged) + len(result.skipped_state)
        if skipped:
            messages.warning(
                request,
                _("%(n)d report(s) left for individual review (flagged or no longer submitted).")
                % {"n": skipped},
            )
    return _redirect_back(request, reverse("reporting:review-queue"))


def _redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def report_list_filter(request: HttpRequest) -> SubmissionFilter:
    """The reports the user may read as the URL filters them, newest quarter first: the
    page and its download (exchange.tables) read the same."""
    user = _user(request)
    parks = park_list().filter(policies.park_q(user))
    reports = selectors.submission_list(user=user).order_by("-period", "enterprise__uscc")
    return _filtered(request, reports, parks=parks)


@require(policies.can_read_report_list)
def report_list(request: HttpRequest) -> HttpResponse:
    """Every report the user may read (park managers: their park's; district officials:
    their district's), read-only."""
    user = _user(request)
    filters = report_list_filter(request)
    page = page_of(request, filters.qs)
    own = policies.own_scope(user)
    kind = own.kind if own is not None else None
    context = {
        "filter_form": filters.form,
        "rows": list(page.object_list),
        "page": page,
        "own_park": (
            park_list().filter(code=own.code).first()
            if own is not None and kind is ScopeKind.PARK
            else None
        ),
        "own_district": own if kind is ScopeKind.DISTRICT else None,
    }
    return render(request, "reporting/report_list.html", context)


# --- completeness -----------------------------------------------------------------------

# The status table's columns (``core.sorting``; the rows are sorted in Python: a few dozen).
FIGURES = ("active", "submitted", "pre_approved", "approved", "returned", "overdue", "late")
STATUS_COLUMNS: dict[str, tuple[str, ...]] = {key: (key,) for key in ("name", *FIGURES, "percent")}


def completeness_periods(on: dt.date) -> list[int]:
    """The programme's quarters that have ended (whose reports are owed), newest first."""
    last = max(last_ended_period(on), PROGRAMME_FIRST_PERIOD)
    return list(range(last, PROGRAMME_FIRST_PERIOD - 1, -1))


def completeness_default_period(periods: list[int], on: dt.date) -> int:
    """The latest quarter whose reports are due (the due date has passed); the latest ended
    quarter when none is due yet."""
    due = [period for period in periods if period_due_on(period) < on]
    return max(due) if due else periods[0]


@dataclass
class StatusRow:
    """One district's or park's completeness (the figures of ``selectors.completeness``)."""

    name: str
    scope: Scope | None  # None: the scope's enterprises that are in no park
    active: int = 0
    submitted: int = 0
    pre_approved: int = 0
    approved: int = 0
    returned: int = 0
    overdue: int = 0
    late: int = 0
    url: str | None = None

    @property
    def percent(self) -> float | None:
        """Share of the active enterprises that handed their report in."""
        return 100 * self.submitted / self.active if self.active else None

    @property
    def bar(self) -> int:
        """The percentage as a whole number for the bar's width class (w-0 … w-100)."""
        return min(100, max(0, round(self.percent or 0)))


def _report_of(period: int) -> FilteredRelation:
    """Each enterprise's report of the quarter (at most one), as a LEFT JOIN."""
    return FilteredRelation("submissions", condition=Q(submissions__period=period))


def _status_counts(
    *, period: int, scope: Scope, group: str, on: dt.date
) -> dict[int | None, dict[str, int]]:
    """``selectors.completeness`` per district or park of the scope in one GROUP BY query:
    {district or park id (None: in no park): {active, submitted, approved, returned,
    overdue, late}}."""
    due_on = period_due_on(period)
    cutoff = timezone.make_aware(dt.datetime.combine(due_on + dt.timedelta(days=1), dt.time()))
    handed_in = Q(report__status__in=Submission.HANDED_IN)
    rows = (
        obligated_enterprises(period)
        .filter(scope.enterprise_q())
        .annotate(report=_report_of(period))
        .values(group)
        .annotate(
            active=Count("pk"),
            submitted=Count("report__pk", filter=handed_in),
            pre_approved=Count("report__pk", filter=Q(report__status=Status.PRE_APPROVED)),
            approved=Count("report__pk", filter=Q(report__status=Status.APPROVED)),
            returned=Count("report__pk", filter=Q(report__status=Status.RETURNED)),
            late=Count("report__pk", filter=handed_in & Q(report__late=True)),
            on_time=Count(
                "report__pk", filter=handed_in & Q(report__first_submitted_at__lt=cutoff)
            ),
        )
        .order_by()
    )
    counts: dict[int | None, dict[str, int]] = {}
    for row in rows:
        on_time = row.pop("on_time")
        key = row.pop(group)
        row["overdue"] = row["active"] - on_time if on > due_on else 0
        counts[key] = row
    return counts


def _status_rows(
    user: User, *, period: int, scope: Scope, by: str, on: dt.date
) -> tuple[str, list[StatusRow], dict[str, int]]:
    """The status table: for the city every district (or every park), for a district its
    parks; nothing for a park. Returns the table's kind ("district" or "park", "" for none),
    its rows (each with a link to its own completeness when the user may open it), and the
    scope's totals: the groups partition the scope's enterprises, so they add up to
    ``selectors.completeness`` of the scope (tests hold them equal)."""
    if scope.kind is ScopeKind.PARK:
        return "", [], {}
    if scope.is_city and by != CompletenessFilterForm.BY_PARK:
        kind = "district"
        places = [
            (pk, Scope.district(code, zh, en))
            for pk, code, zh, en in District.objects.order_by("code").values_list(
                "pk", "code", "name_zh", "name_en"
            )
        ]
    else:
        kind = "park"
        parks = Park.objects.order_by("code")
        if not scope.is_city:
            parks = parks.filter(district__code=scope.code)
        places = [
            (pk, Scope.park(code, zh, en))
            for pk, code, zh, en in parks.values_list("pk", "code", "name_zh", "name_en")
        ]
    group = "district_id" if kind == "district" else "park_id"
    counts = _status_counts(period=period, scope=scope, group=group, on=on)
    label = period_format(period)
    rows = []
    for pk, place in places:
        url = None
        if policies.scope_allowed(user, place):
            url = f"?{urlencode({'period': label, 'scope': str(place)})}"
        rows.append(_status_row(place.label, place, url, counts.get(pk, {})))
    if kind == "park" and None in counts:
        rows.append(_status_row(_("Not in a park"), None, None, counts[None]))
    totals = dict.fromkeys(FIGURES, 0)
    for group_counts in counts.values():
        for figure in FIGURES:
            totals[figure] += group_counts[figure]
    return kind, rows, totals


def _status_row(
    name: str, scope: Scope | None, url: str | None, counts: dict[str, int]
) -> StatusRow:
    row = StatusRow(name=name, scope=scope, url=url)
    for figure, value in counts.items():
        setattr(row, figure, value)
    return row


def _status_sorted(rows: list[StatusRow], sort: Sort) -> list[StatusRow]:
    """Sorted by the chosen column; rows without a value (no active enterprise) last."""
    if sort.key == "name":
        return sorted(rows, key=lambda row: row.name, reverse=sort.descending)
    valued = [row for row in rows if getattr(row, sort.key) is not None]
    empty = [row for row in rows if getattr(row, sort.key) is None]
    valued.sort(key=lambda row: (getattr(row, sort.key), row.name), reverse=sort.descending)
    return valued + empty


def _late_or_missing(*, period: int, scope: Scope, show: str) -> QuerySet[Enterprise]:
    """Enterprises that owe the quarter's report and have not handed it in ("missing") or
    handed it in after the due date ("late": decided by the first submission); missing
    first, then by district, park and USCC."""
    missing = Q(report__status__isnull=True) | Q(report__status=Status.DRAFT)
    late = Q(report__status__in=Submission.HANDED_IN, report__late=True)
    wanted = {
        CompletenessFilterForm.SHOW_MISSING: missing,
        CompletenessFilterForm.SHOW_LATE: late,
    }.get(show, missing | late)
    return (
        obligated_enterprises(period)
        .filter(scope.enterprise_q())
        .annotate(report=_report_of(period))
        .filter(wanted)
        .annotate(
            state=Case(
                When(late, then=Value(CompletenessFilterForm.SHOW_LATE)),
                default=Value(CompletenessFilterForm.SHOW_MISSING),
            ),
            report_id=F("report__pk"),
            first_submitted_at=F("report__first_submitted_at"),
        )
        .select_related("district", "park")
        .only(
            "uscc",
            "name",
            "contact_email",
            "district__code",
            "district__name_zh",
            "district__name_en",
            "park__code",
            "park__name_zh",
            "park__name_en",
        )
        # "missing" sorts after "late": descending puts the missing first.
        .order_by("-state", "district__code", "park__code", "uscc")
    )


class _Counted:
    """The list with its length already known (the figures counted it: missing = active −
    submitted, and late), so that the paginator does not count it again."""

    def __init__(self, queryset: QuerySet[Enterprise], count: int) -> None:
        self.queryset, self.length = queryset, count

    def count(self) -> int:
        return self.length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: Any) -> Any:
        return self.queryset[index]


def _contacts(enterprises: list[Enterprise]) -> dict[int, list[str]]:
    """Each enterprise's contact address first, then its reporters' (one query)."""
    contacts: dict[int, list[str]] = {
        e.pk: [e.contact_email] for e in enterprises if e.contact_email
    }
    reporters = (
        User.objects.filter(
            enterprise_id__in=[e.pk for e in enterprises], role=Role.ENTERPRISE, is_active=True
        )
        .exclude(email="")
        .order_by("email")
        .values_list("enterprise_id", "email")
    )
    for enterprise_id, email in reporters:
        known = contacts.setdefault(enterprise_id, [])
        if email.lower() not in (e.lower() for e in known):
            known.append(email)
    return contacts


def _enterprise_rows(user: User, enterprises: list[Enterprise]) -> list[dict[str, Any]]:
    """The list's rows: the enterprise, missing or late, links the user may follow (its
    profile; a late report), and whom to write to."""
    contacts = _contacts(enterprises)
    profiles = policies.can_read_enterprise_pages(user)
    reports = policies.can_read_report_list(user)
    rows = []
    for enterprise in enterprises:
        state = getattr(enterprise, "state", "")
        report_id = getattr(enterprise, "report_id", None)
        late = state == CompletenessFilterForm.SHOW_LATE
        rows.append(
            {
                "enterprise": enterprise,
                "state": state,
                "submitted_at": getattr(enterprise, "first_submitted_at", None),
                "profile_url": (
                    reverse("progress:enterprise", args=[enterprise.uscc]) if profiles else None
                ),
                "report_url": (
                    reverse("reporting:report-detail", args=[report_id])
                    if reports and late and report_id
                    else None
                ),
                "contacts": contacts.get(enterprise.pk, []),
            }
        )
    return rows


@dataclass
class CompletenessChoice:
    """What the completeness page shows, from the URL (unknown values fall back to the
    defaults): the page and its downloads (exchange.tables) read the same."""

    form: CompletenessFilterForm
    period: int
    scope: Scope
    default: int
    on: dt.date
    by: str
    show: str
    sort: Sort


def completeness_choice(request: HttpRequest) -> CompletenessChoice:
    user = _user(request)
    scopes = policies.visible_scopes(user, scopes_all())
    if not scopes:
        raise PermissionDenied(_("No scope to show."))
    on = today()
    periods = completeness_periods(on)
    default = completeness_default_period(periods, on)
    form = CompletenessFilterForm(
        request.GET,
        periods=[(period_format(p), period_format(p)) for p in periods],
        default_period=period_format(default),
        scopes=[(str(scope), scope.label) for scope in scopes],
    )
    form.is_valid()  # unknown values fell back to the defaults: always valid
    chosen = form.cleaned_data
    return CompletenessChoice(
        form=form,
        period=period_parse(chosen["period"]),
        scope=next(s for s in scopes if str(s) == chosen["scope"]),
        default=default,
        on=on,
        by=chosen["by"],
        show=chosen["show"],
        sort=sort_from(request, STATUS_COLUMNS, default="percent"),
    )


def completeness_status(
    user: User, choice: CompletenessChoice
) -> tuple[str, list[StatusRow], selectors.Completeness]:
    """The status table (its kind, its rows in the chosen order) and the scope's figures."""
    period, scope = choice.period, choice.scope
    table_kind, rows, totals = _status_rows(
        user, period=period, scope=scope, by=choice.by, on=choice.on
    )
    if table_kind:
        # The table's groups add up to the scope: no second pass over the reports.
        figures = selectors.Completeness(
            period=period_format(period), scope=str(scope), due_on=period_due_on(period), **totals
        )
    else:
        figures = selectors.completeness(period=period, scope=scope, today=choice.on)
    return table_kind, _status_sorted(rows, choice.sort), figures


def completeness_listed(
    choice: CompletenessChoice, figures: selectors.Completeness
) -> tuple[QuerySet[Enterprise], dict[str, int]]:
    """The enterprises missing or late (as ``show`` asks), and how many there are of each."""
    missing = figures.active - figures.submitted
    counts = {"missing": missing, "late": figures.late, "all": missing + figures.late}
    return _late_or_missing(period=choice.period, scope=choice.scope, show=choice.show), counts


def completeness_rows(user: User, enterprises: list[Enterprise]) -> list[dict[str, Any]]:
    """The list's rows (``_enterprise_rows``), for the page and its download."""
    return _enterprise_rows(user, enterprises)


@require(policies.can_read_completeness)
def completeness(request: HttpRequest) -> HttpResponse:
    """A quarter's reporting status in a scope: the figures, the status by district or
    park, and the enterprises still missing or late, with whom to contact."""
    user = _user(request)
    choice = completeness_choice(request)
    period, scope, default, on = choice.period, choice.scope, choice.default, choice.on
    table_kind, status_rows, figures = completeness_status(user, choice)
    enterprises, counts = completeness_listed(choice, figures)
    listed = _Counted(enterprises, counts[choice.show])
    # The paginator only counts and slices: _Counted does both.
    page = Paginator(cast("QuerySet[Enterprise]", listed), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "filter_form": choice.form,
        "figures": figures,
        "period_label": period_format(period),
        "scope_label": scope.label,
        "scope": scope,
        "due_on": figures.due_on.isoformat(),
        "is_due": on > figures.due_on,
        "is_default": period == default,
        "default_label": period_format(default),
        "submitted_percent": 100 * figures.submitted / figures.active if figures.active else None,
        "incomplete": figures.submitted < figures.active,
        "table_kind": table_kind,
        "status_rows": status_rows,
        "sort": choice.sort,
        "by": choice.by,
        "show": choice.show,
        "counts": counts,
        "rows": completeness_rows(user, list(page.object_list)),
        "page": page,
    }
    return render(request, "reporting/completeness.html", context)
