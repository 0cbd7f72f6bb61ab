"""Writes of quarterly reports: the whole workflow in one module.

draft → submitted → approved; submitted → returned (comment) → edited → submitted again;
approved → returned by reopening (comment). Every function checks the role, the current
state and (when given) the version last read, locks the row, bumps ``version`` and leaves a
simple_history record with who, the action and the comment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from enterprises.models import Enterprise
from targets.models import ItemKind, Metric
from targets.periods import period_due_on, period_format

from .models import Item, MetricValue, Submission
from .validation import CleanReport, report_validate

Status = Submission.Status


# --- errors the API and pages map to responses ------------------------------------------


class SubmissionExists(Exception):
    """A report for this enterprise and quarter exists already (409 with its id)."""

    def __init__(self, existing_id: int) -> None:
        self.existing_id = existing_id
        super().__init__(
            _("A report for this enterprise and quarter already exists (id %(id)d).")
            % {"id": existing_id}
        )


class StaleVersion(Exception):
    """The report changed since the client read it (409)."""

    def __init__(self, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            _(
                "The report was changed by someone else (now version %(version)d); reload it "
                "and try again."
            )
            % {"version": current_version}
        )


class TransitionNotAllowed(Exception):
    """The action does not apply to the report's current state (409)."""


# --- actions, as recorded in the audit trail --------------------------------------------


class Action:
    CREATE = "create"
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REOPEN = "reopen"


def change_reason(action: str, comment: str = "") -> str:
    """The history row's reason: the action, then the comment ("return: Fix revenue")."""
    return f"{action}: {comment}" if comment else action


def change_reason_parse(reason: str | None) -> tuple[str, str]:
    action, _sep, comment = (reason or "").partition(": ")
    return action, comment


# --- role checks ------------------------------------------------------------------------


def _may_write(user: User, enterprise_id: int) -> bool:
    """Reporters write their own enterprise's reports; officials anyone's, on their behalf."""
    return bool(user.is_official or (user.is_enterprise and user.enterprise_id == enterprise_id))


def _require_writer(user: User, enterprise_id: int) -> None:
    if not _may_write(user, enterprise_id):
        raise PermissionDenied(_("You may only report for your own enterprise."))


def _require_official(user: User) -> None:
    if not user.is_official:
        raise PermissionDenied(_("Only officials may review reports."))


# --- create and edit --------------------------------------------------------------------


def submission_create(
    *,
    enterprise: Enterprise,
    period: int,
    metrics: dict[str, Any],
    items: list[dict[str, Any]],
    by: User,
    today: dt.date | None = None,
) -> Submission:
    _require_writer(by, enterprise.pk)
    existing = (
        Submission.objects.filter(enterprise=enterprise, period=period)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise SubmissionExists(existing)
    clean = report_validate(
        enterprise=enterprise, period=period, metrics=metrics, items=items, today=today
    )
    submission = Submission(
        enterprise=enterprise,
        period=period,
        status=Status.DRAFT,
        version=1,
        metrics_data=clean.metrics_json(),
        items_data=clean.items_json(),
        created_by=by,
    )
    _audit(submission, by=by, action=Action.CREATE)
    try:
        with transaction.atomic():
            submission.save()
            _rows_write(submission, clean)
    except IntegrityError as error:
        # Lost a race with another create for the same quarter.
        existing = (
            Submission.objects.filter(enterprise=enterprise, period=period)
            .values_list("pk", flat=True)
            .first()
        )
        if existing is None:
            raise
        raise SubmissionExists(existing) from error
    return submission


def submission_update(
    *,
    submission: Submission,
    version: int | None,
    metrics: dict[str, Any],
    items: list[dict[str, Any]],
    by: User,
    today: dt.date | None = None,
) -> Submission:
    """Replace the values and items of a draft or returned report."""
    _require_writer(by, submission.enterprise_id)
    clean = report_validate(
        enterprise=submission.enterprise,
        period=submission.period,
        metrics=metrics,
        items=items,
        today=today,
    )
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.DRAFT, Status.RETURNED},
            refused=_("Only a draft or returned report can be edited; this one is %(status)s."),
        )
        locked.metrics_data = clean.metrics_json()
        locked.items_data = clean.items_json()
        _save(locked, by=by, action=Action.EDIT, fields=["metrics_data", "items_data"])
        _rows_write(locked, clean)
    return locked


# --- transitions ------------------------------------------------------------------------


def submission_submit(
    *, submission: Submission, by: User, version: int | None = None
) -> Submission:
    """Hand a draft or returned report in; the first submission decides lateness."""
    _require_writer(by, submission.enterprise_id)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.DRAFT, Status.RETURNED},
            refused=_("Only a draft or returned report can be submitted; this one is %(status)s."),
        )
        now = timezone.now()
        locked.status = Status.SUBMITTED
        locked.submitted_at = now
        locked.submitted_by = by
        if locked.first_submitted_at is None:
            locked.first_submitted_at = now
            locked.late = timezone.localdate(now) > period_due_on(locked.period)
        _save(
            locked,
            by=by,
            action=Action.SUBMIT,
            fields=["status", "submitted_at", "submitted_by", "first_submitted_at", "late"],
        )
    return locked


def submission_approve(
    *, submission: Submission, by: User, version: int | None = None
) -> Submission:
    _require_official(by)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.SUBMITTED},
            refused=_("Only a submitted report can be approved; this one is %(status)s."),
        )
        _review(locked, by=by, status=Status.APPROVED, comment="")
        _save(locked, by=by, action=Action.APPROVE, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=True)
        _rollup_on_commit(locked)
    return locked


def submission_save(
    *,
    submission: Submission | None,
    enterprise: Enterprise,
    period: int,
    metrics: dict[str, Any],
    items: list[dict[str, Any]],
    by: User,
    version: int | None = None,
    submit: bool = False,
) -> Submission:
    """The report form's buttons: create or update, and with ``submit`` also submit, in one
    transaction, so a refused submission saves nothing either."""
    with transaction.atomic():
        if submission is None:
            submission = submission_create(
                enterprise=enterprise, period=period, metrics=metrics, items=items, by=by
            )
        else:
            submission = submission_update(
                submission=submission, version=version, metrics=metrics, items=items, by=by
            )
        if submit:
            submission = submission_submit(submission=submission, by=by)
    return submission


def submission_return(
    *, submission: Submission, by: User, comment: str, version: int | None = None
) -> Submission:
    """Send a submitted report back to the enterprise with the reason."""
    _require_official(by)
    comment = _comment_required(comment)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.SUBMITTED},
            refused=_(
                "Only a submitted report can be returned; this one is "
                "%(status)s. Reopen an approved report instead."
            ),
        )
        _review(locked, by=by, status=Status.RETURNED, comment=comment)
        _save(locked, by=by, action=Action.RETURN, comment=comment, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=False)
    return locked


def submission_reopen(
    *, submission: Submission, by: User, comment: str, version: int | None = None
) -> Submission:
    """Take an approved report back to returned: it stops counting until approved again."""
    _require_official(by)
    comment = _comment_required(comment)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.APPROVED},
            refused=_("Only an approved report can be reopened; this one is %(status)s."),
        )
        _review(locked, by=by, status=Status.RETURNED, comment=comment)
        _save(locked, by=by, action=Action.REOPEN, comment=comment, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=False)
        _rollup_on_commit(locked)
    return locked


@dataclass
class BulkApproveResult:
    approved: list[Submission] = field(default_factory=list)
    skipped_flagged: list[int] = field(default_factory=list)
    skipped_state: list[int] = field(default_factory=list)


def submission_bulk_approve(*, submissions: Iterable[Submission], by: User) -> BulkApproveResult:
    """Approve the submitted reports that carry no outlier flag; leave the rest for review."""
    from .selectors import submission_flags

    _require_official(by)
    candidates = [s for s in submissions if s.status == Status.SUBMITTED]
    flags = submission_flags(submissions=candidates)
    result = BulkApproveResult()
    for submission in candidates:
        if flags.get(submission.pk):
            result.skipped_flagged.append(submission.pk)
            continue
        try:
            result.approved.append(submission_approve(submission=submission, by=by))
        except TransitionNotAllowed:
            result.skipped_state.append(submission.pk)
    return result


# --- helpers ----------------------------------------------------------------------------

_REVIEW_FIELDS = ["status", "reviewed_at", "reviewed_by", "review_comment"]


def _lock(
    submission: Submission, *, version: int | None, allowed: set[str], refused: str
) -> Submission:
    """The row, locked for this transaction, after the version and state checks."""
    locked = (
        Submission.objects.select_for_update().select_related("enterprise").get(pk=submission.pk)
    )
    if version is not None and int(version) != locked.version:
        raise StaleVersion(locked.version)
    if locked.status not in allowed:
        raise TransitionNotAllowed(refused % {"status": locked.get_status_display()})
    return locked


def _comment_required(comment: str | None) -> str:
    text = (comment or "").strip()
    if not text:
        from django.core.exceptions import ValidationError

        raise ValidationError({"comment": [_("Say what the enterprise should change.")]})
    return text


def _review(submission: Submission, *, by: User, status: str, comment: str) -> None:
    submission.status = status
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = by
    submission.review_comment = comment


def _audit(submission: Submission, *, by: User, action: str, comment: str = "") -> None:
    submission._history_user = by  # type: ignore[attr-defined]
    submission._change_reason = change_reason(action, comment)  # type: ignore[attr-defined]


def _save(
    submission: Submission, *, by: User, action: str, fields: list[str], comment: str = ""
) -> None:
    submission.version += 1
    _audit(submission, by=by, action=action, comment=comment)
    submission.save(update_fields=[*fields, "version", "updated_at"])


def _rows_write(submission: Submission, clean: CleanReport) -> None:
    """Rewrite the row copies of the values and items (never approved while editable)."""
    approved = submission.status == Status.APPROVED
    MetricValue.objects.filter(submission=submission).delete()
    Item.objects.filter(submission=submission).delete()
    metric_ids = dict(Metric.objects.filter(code__in=clean.metrics).values_list("code", "pk"))
    kind_ids = dict(
        ItemKind.objects.filter(code__in={i.kind for i in clean.items}).values_list("code", "pk")
    )
    MetricValue.objects.bulk_create(
        MetricValue(
            submission=submission,
            enterprise_id=submission.enterprise_id,
            period=submission.period,
            metric_id=metric_ids[code],
            value=value,
            approved=approved,
        )
        for code, value in clean.metrics.items()
    )
    Item.objects.bulk_create(
        Item(
            submission=submission,
            enterprise_id=submission.enterprise_id,
            period=submission.period,
            kind_id=kind_ids[item.kind],
            identifier=item.identifier,
            identifier_key=item.identifier_key,
            title=item.title,
            date=item.date,
            attributes=item.attributes,
            evidence_url=item.evidence_url,
            approved=approved,
        )
        for item in clean.items
    )


def _approved_set(submission: Submission, *, approved: bool) -> None:
    MetricValue.objects.filter(submission=submission).update(approved=approved)
    Item.objects.filter(submission=submission).update(approved=approved)


def _rollup_on_commit(submission: Submission) -> None:
    from progress.services import rollup_request_for_report

    rollup_request_for_report(submission=submission)


def submission_label(submission: Submission) -> str:
    return f"{submission.enterprise.name} {period_format(submission.period)}"


# --- weekly reminder digests ------------------------------------------------------------

# DOMAIN.md: quarters run from 2022Q1; reminders never reach further back.
REMINDERS_FIRST_PERIOD = 2022 * 4
OFFICIALS_RECIPIENT = "officials"


@dataclass
class RemindersResult:
    week: str
    enterprises: int = 0
    officials: int = 0
    already_sent: int = 0


def iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminders_send(*, today: dt.date | None = None) -> RemindersResult:
    """One digest per enterprise with overdue or returned reports, and one to the officials
    about the review queue; at most once per recipient and ISO week."""
    today = today or timezone.localdate()
    result = RemindersResult(week=iso_week(today))
    overdue = _overdue_by_enterprise(today)
    returned = _returned_by_enterprise()
    enterprises = Enterprise.objects.filter(pk__in=set(overdue) | set(returned)).order_by("uscc")
    emails = _enterprise_emails(enterprises)
    for enterprise in enterprises:
        context = {
            "enterprise": enterprise,
            "overdue": [
                {"period": period_format(p), "due_on": period_due_on(p)}
                for p in overdue.get(enterprise.pk, [])
            ],
            "returned": returned.get(enterprise.pk, []),
        }
        sent = _digest_send(
            recipient=f"enterprise:{enterprise.uscc}",
            week=result.week,
            to=emails.get(enterprise.pk, []),
            template="enterprise_digest",
            context=context,
            subject=_("Quarterly reports waiting for %(name)s") % {"name": enterprise.name},
        )
        result.enterprises += int(sent is True)
        result.already_sent += int(sent is None)
    sent = _officials_digest(today, result.week)
    result.officials = int(sent is True)
    result.already_sent += int(sent is None)
    return result


def _overdue_by_enterprise(today: dt.date) -> dict[int, list[int]]:
    """Quarters past their due date with no submitted report, per active enterprise."""
    from targets.periods import last_ended_period, period_end

    periods = [
        p
        for p in range(REMINDERS_FIRST_PERIOD, last_ended_period(today) + 1)
        if period_due_on(p) < today
    ]
    if not periods:
        return {}
    reported = set(
        Submission.objects.filter(
            period__in=periods,
            status__in=(Status.SUBMITTED, Status.APPROVED, Status.RETURNED),
        ).values_list("enterprise_id", "period")
    )
    overdue: dict[int, list[int]] = {}
    for pk, active_from, active_until in Enterprise.objects.values_list(
        "pk", "active_from", "active_until"
    ):
        for period in periods:
            end = period_end(period)
            active = (active_from is None or active_from <= end) and (
                active_until is None or active_until >= end
            )
            if active and (pk, period) not in reported:
                overdue.setdefault(pk, []).append(period)
    return overdue


def _returned_by_enterprise() -> dict[int, list[dict[str, Any]]]:
    returned: dict[int, list[dict[str, Any]]] = {}
    for submission in Submission.objects.filter(status=Status.RETURNED).order_by("period"):
        returned.setdefault(submission.enterprise_id, []).append(
            {
                "period": period_format(submission.period),
                "comment": submission.review_comment,
                "id": submission.pk,
            }
        )
    return returned


def _enterprise_emails(enterprises: Any) -> dict[int, list[str]]:
    emails: dict[int, list[str]] = {}
    for enterprise in enterprises:
        if enterprise.contact_email:
            emails.setdefault(enterprise.pk, []).append(enterprise.contact_email)
    for enterprise_id, email in (
        User.objects.filter(enterprise__in=enterprises, is_active=True, role="enterprise")
        .exclude(email="")
        .values_list("enterprise_id", "email")
    ):
        if email not in emails.setdefault(enterprise_id, []):
            emails[enterprise_id].append(email)
    return emails


def _officials_digest(today: dt.date, week: str) -> bool | None:
    from django.db.models import Count, Min, Q

    queue = Submission.objects.filter(status=Status.SUBMITTED)
    by_period = list(
        queue.values("period")
        .annotate(count=Count("pk"), oldest=Min("submitted_at"))
        .order_by("period")
    )
    if not by_period:
        return False
    oldest = queue.select_related("enterprise").order_by("submitted_at", "pk").first()
    to = list(
        User.objects.filter(Q(role="official") | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    context = {
        "total": sum(row["count"] for row in by_period),
        "by_period": [
            {"period": period_format(row["period"]), "count": row["count"]} for row in by_period
        ],
        "oldest": oldest,
        "oldest_period": period_format(oldest.period) if oldest else "",
        "waiting_days": (today - timezone.localdate(oldest.submitted_at)).days
        if oldest and oldest.submitted_at
        else 0,
    }
    return _digest_send(
        recipient=OFFICIALS_RECIPIENT,
        week=week,
        to=to,
        template="official_digest",
        context=context,
        subject=_("%(n)d quarterly reports wait for review") % {"n": context["total"]},
    )


def _digest_send(
    *,
    recipient: str,
    week: str,
    to: list[str],
    template: str,
    context: dict[str, Any],
    subject: str,
) -> bool | None:
    """Send one digest unless it went out this week: True sent, None already sent, False
    nobody to send to. The claim row is written first so parallel runs send it once."""
    from django.conf import settings
    from django.core.mail import EmailMessage
    from django.template.loader import render_to_string

    from .models import ReminderDigest

    if not to:
        return False
    try:
        with transaction.atomic():
            claim = ReminderDigest.objects.create(recipient=recipient, week=week)
    except IntegrityError:
        return None
    try:
        body = render_to_string(f"reporting/email/{template}.txt", context)
        EmailMessage(
            subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to
        ).send()
    except Exception:
        claim.delete()
        raise
    return True
