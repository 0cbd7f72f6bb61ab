"""Writes of quarterly reports: the whole workflow in one module.

draft → submitted → approved; submitted → returned (comment) → edited → submitted again;
approved → returned by reopening (comment). Every function checks the role, the current
state and (when given) the version last read, locks the row, bumps ``version`` and leaves a
simple_history record with who, the action and the comment.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import policies
from core.queue import task_enqueue
from enterprises.models import Enterprise
from parks.models import Park
from targets.changes import recompute_batched, recompute_request
from targets.periods import (
    PROGRAMME_FIRST_PERIOD,
    last_ended_period,
    period_due_on,
    period_format,
    period_of,
)
from targets.rules import targets_fed_by

from .audit import Action, change_reason
from .evidence import (
    evidence_attach,
    evidence_items_follow,
    evidence_required_check,
    evidence_validate,
)
from .models import Item, MetricValue, PeerStat, ReminderDigest, Submission
from .obligations import obligated_enterprises
from .outliers import outlier_flags, peer_stats_compute
from .validation import CleanReport, ReportCatalogue, report_catalogue, report_validate

logger = logging.getLogger(__name__)
Status = Submission.Status
HANDED_IN = Submission.HANDED_IN
IN_REVIEW = Submission.IN_REVIEW


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


# --- role checks (the access policy decides; the services enforce) ----------------------


def _require_writer(user: User, enterprise_id: int) -> None:
    if not policies.can_write_report(user, enterprise_id=enterprise_id):
        raise PermissionDenied(_("You may only report for your own enterprise."))


def _require_reviewer(user: User) -> None:
    if not policies.can_review(user):
        raise PermissionDenied(_("Only officials may review reports."))


def _pre_reviewer(user: User, submission: Submission) -> bool:
    park = submission.enterprise.park
    return policies.can_pre_review(
        user, park_id=submission.enterprise.park_id, prereview=bool(park and park.prereview)
    )


def _skips_prereview(submission: Submission) -> bool:
    park = submission.enterprise.park
    return submission.status == Status.SUBMITTED and bool(park and park.prereview)


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


# --- many reports in a row -------------------------------------------------------------


@dataclass
class _Batch:
    catalogue: ReportCatalogue | None = None
    fed_by: dict[tuple[frozenset[str], frozenset[str]], list[str]] = field(default_factory=dict)
    periods: set[int] = field(default_factory=set)


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar(
    "submissions_batch", default=None
)


@contextmanager
def submissions_batched() -> Iterator[None]:
    """Write many reports in a row (the demo, bulk loads) while nobody edits the catalogue:
    the metrics, item kinds and the targets they feed are read once for the whole batch,
    and each quarter's peer statistics are refreshed once when it ends instead of after
    every transition (the periodic sweep catches a batch that failed half-way). Combine
    with ``targets.changes.recompute_batched`` to hold the rollup back as well. A batch
    inside a batch joins it."""
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    for period in sorted(batch.periods):
        _peers_refresh_after_commit(period)


def _catalogue() -> ReportCatalogue | None:
    """The batch's catalogue (read on first use), or None: report_validate reads it."""
    batch = _batch.get()
    if batch is None:
        return None
    if batch.catalogue is None:
        batch.catalogue = report_catalogue()
    return batch.catalogue


def _targets_fed_by(*, metrics: set[str], item_kinds: set[str]) -> list[str]:
    batch = _batch.get()
    if batch is None:
        return targets_fed_by(metrics=metrics, item_kinds=item_kinds)
    key = (frozenset(metrics), frozenset(item_kinds))
    if key not in batch.fed_by:
        batch.fed_by[key] = targets_fed_by(metrics=metrics, item_kinds=item_kinds)
    return list(batch.fed_by[key])


# --- create and edit --------------------------------------------------------------------


def submission_create(
    *,
    enterprise: Enterprise,
    period: int,
    metrics: dict[str, Any],
    items: list[dict[str, Any]],
    by: User,
    at: dt.datetime | None = None,
) -> Submission:
    at = _now(at)
    _require_writer(by, enterprise.pk)
    existing = (
        Submission.objects.filter(enterprise=enterprise, period=period)
        .values_list("pk", flat=True)
        .first()
    )
    if existing is not None:
        raise SubmissionExists(existing)
    clean = report_validate(
        enterprise=enterprise,
        period=period,
        metrics=metrics,
        items=items,
        today=timezone.localdate(at),
        catalogue=_catalogue(),
    )
    submission = Submission(
        enterprise=enterprise,
        period=period,
        status=Status.DRAFT,
        version=1,
        metrics_data=clean.metrics_json(),
        items_data=clean.items_json(),
        created_by=by,
        created_at=at,
        updated_at=at,
    )
    _audit(submission, by=by, action=Action.CREATE, at=at)
    try:
        with transaction.atomic():
            submission.save()
            _rows_write(submission, clean, created=True)
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
    at: dt.datetime | None = None,
) -> Submission:
    """Replace the values and items of a draft or returned report."""
    at = _now(at)
    _require_writer(by, submission.enterprise_id)
    clean = report_validate(
        enterprise=submission.enterprise,
        period=submission.period,
        metrics=metrics,
        items=items,
        today=timezone.localdate(at),
        catalogue=_catalogue(),
    )
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.DRAFT, Status.RETURNED},
            refused=_("Only a draft or returned report can be edited; this one is %(status)s."),
        )
        old_items = list(locked.items_data or [])
        locked.metrics_data = clean.metrics_json()
        locked.items_data = clean.items_json()
        _save(locked, by=by, action=Action.EDIT, at=at, fields=["metrics_data", "items_data"])
        _rows_write(locked, clean)
        # Each evidence file follows its item (docs/decisions/0017-evidence-files.md).
        evidence_items_follow(
            submission=locked,
            old_items=old_items,
            new_items=clean.items,
            kind_ids=clean.item_kind_ids,
            by=by,
            at=at,
        )
    return locked


# --- transitions ------------------------------------------------------------------------


def submission_submit(
    *,
    submission: Submission,
    by: User,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """Hand a draft or returned report in; the first submission decides lateness."""
    at = _now(at)
    _require_writer(by, submission.enterprise_id)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.DRAFT, Status.RETURNED},
            refused=_("Only a draft or returned report can be submitted; this one is %(status)s."),
        )
        evidence_required_check(submission=locked, by=by, kinds=_item_kinds())
        locked.status = Status.SUBMITTED
        locked.submitted_at = at
        locked.submitted_by = by
        # A new round of review: an earlier pre-approval no longer applies.
        locked.prereviewed_by = None
        locked.prereviewed_at = None
        if locked.first_submitted_at is None:
            locked.first_submitted_at = at
            locked.late = timezone.localdate(at) > period_due_on(locked.period)
        _save(
            locked,
            by=by,
            action=Action.SUBMIT,
            at=at,
            fields=[
                "status",
                "submitted_at",
                "submitted_by",
                "prereviewed_by",
                "prereviewed_at",
                "first_submitted_at",
                "late",
            ],
        )
        _peers_changed(locked)
    return locked


def submission_approve(
    *,
    submission: Submission,
    by: User,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """An official approves a submitted or pre-approved report; it counts from now on.
    Approving a report its park was to pre-review is allowed, and recorded as skipping the
    pre-review."""
    at = _now(at)
    _require_reviewer(by)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed=set(IN_REVIEW),
            refused=_(
                "Only a submitted or pre-approved report can be approved; this one is %(status)s."
            ),
        )
        action = Action.APPROVE_SKIPPING_PREREVIEW if _skips_prereview(locked) else Action.APPROVE
        _review(locked, by=by, status=Status.APPROVED, comment="", at=at)
        _save(locked, by=by, action=action, at=at, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=True)
        _figures_changed(locked, by=by, at=at, action=Action.APPROVE)
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
    files: dict[int, list[UploadedFile]] | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """The report form's buttons: create or update, and with ``submit`` also submit, in one
    transaction, so a refused submission saves nothing either. ``files``: evidence files
    to attach, by the position of their item in ``items``; they are checked first and
    written only when everything else holds."""
    uploads = {position: list(chosen) for position, chosen in (files or {}).items() if chosen}
    _uploads_validate(uploads, len(items))
    with transaction.atomic():
        if submission is None:
            submission = submission_create(
                enterprise=enterprise, period=period, metrics=metrics, items=items, by=by, at=at
            )
        else:
            submission = submission_update(
                submission=submission,
                version=version,
                metrics=metrics,
                items=items,
                by=by,
                at=at,
            )
        if uploads:
            if submit:
                evidence_required_check(
                    submission=submission, by=by, kinds=_item_kinds(), also=set(uploads)
                )
            for position, chosen in sorted(uploads.items()):
                for upload in chosen:
                    evidence_attach(
                        submission=submission, position=position, upload=upload, by=by, at=at
                    )
        if submit:
            submission = submission_submit(submission=submission, by=by, at=at)
    return submission


def _uploads_validate(uploads: dict[int, list[UploadedFile]], items: int) -> None:
    """Each upload is an evidence file (type, size) for an item that exists; errors on the
    item's ``files`` ("items[<i>].files")."""
    errors: dict[str, list[str]] = {}
    for position, chosen in uploads.items():
        for upload in chosen:
            try:
                if not 0 <= position < items:
                    raise ValidationError({"file": [_("This file belongs to no item.")]})
                evidence_validate(upload)
            except ValidationError as error:
                errors.setdefault(f"items[{position}].files", []).extend(
                    message for messages in error.message_dict.values() for message in messages
                )
    if errors:
        raise ValidationError(errors)


def _item_kinds() -> dict[str, Any] | None:
    """The batch's item kinds (read once for many reports), or None: read when needed."""
    catalogue = _catalogue()
    return dict(catalogue.item_kinds) if catalogue is not None else None


def submission_return(
    *,
    submission: Submission,
    by: User,
    comment: str,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """Send a report in review back to the enterprise with the reason: officials a
    submitted or pre-approved one, the park manager (pre-review) a submitted one."""
    at = _now(at)
    if policies.can_review(by):
        allowed: Collection[str] = IN_REVIEW
    elif _pre_reviewer(by, submission):
        allowed = {Status.SUBMITTED}
    else:
        raise PermissionDenied(_("Only officials, or the park manager pre-reviewing, may return."))
    comment = _comment_required(comment)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed=allowed,
            refused=_(
                "Only a report in review can be returned; this one is "
                "%(status)s. Reopen an approved report instead."
            ),
        )
        _review(locked, by=by, status=Status.RETURNED, comment=comment, at=at)
        _save(locked, by=by, action=Action.RETURN, at=at, comment=comment, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=False)
        _peers_changed(locked)
    return locked


def submission_pre_approve(
    *,
    submission: Submission,
    by: User,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """The park manager passes a submitted report of their park on to the officials (the
    park pre-reviews). It does not count until an official approves it."""
    at = _now(at)
    if not _pre_reviewer(by, submission):
        raise PermissionDenied(
            _("Only the manager of the report's park pre-reviews, and only if the park does.")
        )
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.SUBMITTED},
            refused=_("Only a submitted report can be pre-approved; this one is %(status)s."),
        )
        locked.status = Status.PRE_APPROVED
        locked.prereviewed_by = by
        locked.prereviewed_at = at
        _save(
            locked,
            by=by,
            action=Action.PRE_APPROVE,
            at=at,
            fields=["status", "prereviewed_by", "prereviewed_at"],
        )
    return locked


def submission_reopen(
    *,
    submission: Submission,
    by: User,
    comment: str,
    version: int | None = None,
    at: dt.datetime | None = None,
) -> Submission:
    """Take an approved report back to returned: it stops counting until approved again."""
    at = _now(at)
    _require_reviewer(by)
    comment = _comment_required(comment)
    with transaction.atomic():
        locked = _lock(
            submission,
            version=version,
            allowed={Status.APPROVED},
            refused=_("Only an approved report can be reopened; this one is %(status)s."),
        )
        _review(locked, by=by, status=Status.RETURNED, comment=comment, at=at)
        _save(locked, by=by, action=Action.REOPEN, at=at, comment=comment, fields=_REVIEW_FIELDS)
        _approved_set(locked, approved=False)
        _figures_changed(locked, by=by, at=at, action=Action.REOPEN)
    return locked


@dataclass
class BulkApproveResult:
    approved: list[Submission] = field(default_factory=list)
    skipped_flagged: list[int] = field(default_factory=list)
    skipped_state: list[int] = field(default_factory=list)


def submission_bulk_approve(
    *, submissions: Iterable[Submission], by: User, at: dt.datetime | None = None
) -> BulkApproveResult:
    """Approve the submitted reports that carry no outlier flag; leave the rest for review.
    The figures they move are recomputed once, after the last approval."""
    _require_reviewer(by)
    candidates = [s for s in submissions if s.status in IN_REVIEW]
    flags = outlier_flags(submissions=candidates)
    result = BulkApproveResult()
    with recompute_batched():
        for submission in candidates:
            if flags.get(submission.pk):
                result.skipped_flagged.append(submission.pk)
                continue
            try:
                result.approved.append(submission_approve(submission=submission, by=by, at=at))
            except TransitionNotAllowed:
                result.skipped_state.append(submission.pk)
    return result


# --- helpers ----------------------------------------------------------------------------

_REVIEW_FIELDS = ["status", "reviewed_at", "reviewed_by", "review_comment"]


def _lock(
    submission: Submission, *, version: int | None, allowed: Collection[str], refused: str
) -> Submission:
    """The row, locked for this transaction, after the version and state checks."""
    locked = (
        Submission.objects.select_for_update().select_related("enterprise").get(pk=submission.pk)
    )
    if version is not None and int(version) != locked.version:
        raise StaleVersion(locked.version)
    if locked.status not in allowed:
        raise TransitionNotAllowed(refused % {"status": locked.get_status_display()})
    return cast(Submission, locked)


def _comment_required(comment: str | None) -> str:
    text = (comment or "").strip()
    if not text:
        raise ValidationError({"comment": [_("Say what the enterprise should change.")]})
    return text


def _review(
    submission: Submission, *, by: User, status: str, comment: str, at: dt.datetime
) -> None:
    submission.status = status
    submission.reviewed_at = at
    submission.reviewed_by = by
    submission.review_comment = comment


def _audit(
    submission: Submission, *, by: User, action: str, at: dt.datetime, comment: str = ""
) -> None:
    """What django-simple-history writes for this save: who, when, and the action."""
    submission._history_user = by  # type: ignore[attr-defined]
    submission._history_date = at  # type: ignore[attr-defined]
    submission._change_reason = change_reason(action, comment)  # type: ignore[attr-defined]


def _save(
    submission: Submission,
    *,
    by: User,
    action: str,
    at: dt.datetime,
    fields: list[str],
    comment: str = "",
) -> None:
    submission.version += 1
    submission.updated_at = at
    _audit(submission, by=by, action=action, at=at, comment=comment)
    submission.save(update_fields=[*fields, "version", "updated_at"])


def _rows_write(submission: Submission, clean: CleanReport, *, created: bool = False) -> None:
    """Rewrite the row copies of the values and items (never approved while editable); a
    report saved just now has none to delete."""
    approved = submission.status == Status.APPROVED
    if not created:
        MetricValue.objects.filter(submission=submission).delete()
        Item.objects.filter(submission=submission).delete()
    metric_ids = clean.metric_ids
    kind_ids = clean.item_kind_ids
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


def _figures_changed(submission: Submission, *, by: User, at: dt.datetime, action: str) -> None:
    """Approving or reopening moves the figures of the targets the report's values and
    items feed, from the earliest quarter they touch (an item may be dated before the
    report's quarter). Recorded in this transaction; computed after it."""
    item_kinds = {str(item["kind"]) for item in submission.items_data}
    item_periods = [period_of(dt.date.fromisoformat(str(i["date"]))) for i in submission.items_data]
    recompute_request(
        targets=_targets_fed_by(metrics=set(submission.metrics_data), item_kinds=item_kinds),
        from_period=min([submission.period, *item_periods]),
        reason=f"{action} report {submission.pk}",
        by=by,
        at=at,
    )
    _peers_changed(submission)


def _peers_changed(submission: Submission) -> None:
    """The quarter's peer statistics (outlier flags) move with its submitted reports; the
    periodic sweep catches a refresh lost to a broker outage. In a batch, once at its end."""
    batch = _batch.get()
    if batch is not None:
        batch.periods.add(submission.period)
        return
    _peers_refresh_after_commit(submission.period)


def _peers_refresh_after_commit(period: int) -> None:
    transaction.on_commit(
        lambda: task_enqueue(
            "reporting.tasks.peer_stats_refresh", period, countdown=settings.DX_PEER_STATS_DELAY
        )
    )


# --- peer statistics for the outlier flags -------------------------------------------------


def peer_stats_refresh(*, period: int, at: dt.datetime | None = None) -> int:
    """Recompute and store the quarter's peer statistics (median and MAD per metric over the
    submitted and approved reports). Returns how many metrics have them."""
    stats = peer_stats_compute(periods=[period])
    at = _now(at)
    with transaction.atomic():
        PeerStat.objects.filter(period=period).delete()
        PeerStat.objects.bulk_create(
            PeerStat(
                metric_id=metric_id,
                period=period,
                median=row.median,
                mad=row.mad,
                values=row.values,
                computed_at=at,
            )
            for (metric_id, _period), row in stats.items()
        )
    return len(stats)


def peer_stats_sweep(*, at: dt.datetime | None = None) -> list[int]:
    """Refresh the quarters whose reports changed after their statistics were computed
    (the safety net for refreshes lost to a broker outage)."""
    latest = dict(
        Submission.objects.values("period")
        .annotate(changed=Max("updated_at"))
        .values_list("period", "changed")
    )
    computed = dict(
        PeerStat.objects.values("period")
        .annotate(at=Min("computed_at"))
        .values_list("period", "at")
    )
    stale = sorted(p for p, changed in latest.items() if p not in computed or changed > computed[p])
    for period in stale:
        peer_stats_refresh(period=period, at=at)
    return stale


# --- weekly reminder digests ------------------------------------------------------------

OFFICIALS_RECIPIENT = "officials"


@dataclass
class RemindersResult:
    week: str
    enterprises: int = 0
    officials: int = 0
    park_managers: int = 0
    already_sent: int = 0


def iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminders_send(*, at: dt.datetime | None = None) -> RemindersResult:
    """One digest per enterprise with overdue or returned reports, and one to the officials
    about the review queue; at most once per recipient and ISO week."""
    today = timezone.localdate(_now(at))
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
    for sent in _park_managers_digests(today, result.week):
        result.park_managers += int(sent is True)
        result.already_sent += int(sent is None)
    return result


def _overdue_by_enterprise(today: dt.date) -> dict[int, list[int]]:
    """Quarters past their due date with no report handed in, per enterprise that owes them
    (reporting.obligations); one query per quarter."""
    overdue: dict[int, list[int]] = {}
    for period in range(PROGRAMME_FIRST_PERIOD, last_ended_period(today) + 1):
        if period_due_on(period) >= today:
            continue
        handed_in = Submission.objects.filter(period=period, status__in=HANDED_IN).values(
            "enterprise_id"
        )
        for pk in (
            obligated_enterprises(period).exclude(pk__in=handed_in).values_list("pk", flat=True)
        ):
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


def _officials_queue() -> QuerySet[Submission]:
    """What waits for an official: pre-approved reports, and submitted ones of parks that
    do not pre-review (those of parks that do wait for their park manager first)."""
    return Submission.objects.filter(
        Q(status=Status.PRE_APPROVED)
        | Q(status=Status.SUBMITTED) & ~Q(enterprise__park__prereview=True)
    )


def _officials_digest(today: dt.date, week: str) -> bool | None:
    return _queue_digest(
        queue=_officials_queue(),
        today=today,
        week=week,
        recipient=OFFICIALS_RECIPIENT,
        to=User.objects.filter(Q(role="official") | Q(is_superuser=True), is_active=True),
        template="official_digest",
    )


def _park_managers_digests(today: dt.date, week: str) -> list[bool | None]:
    """One digest per pre-reviewing park with submitted reports, to its park managers."""
    waiting = Submission.objects.filter(status=Status.SUBMITTED, enterprise__park__prereview=True)
    parks = Park.objects.filter(pk__in=waiting.values("enterprise__park_id")).order_by("code")
    return [
        _queue_digest(
            queue=waiting.filter(enterprise__park=park),
            today=today,
            week=week,
            recipient=f"park:{park.code}",
            to=User.objects.filter(role="park_manager", park=park, is_active=True),
            template="official_digest",
            park=park,
        )
        for park in parks
    ]


def _queue_digest(
    *,
    queue: QuerySet[Submission],
    today: dt.date,
    week: str,
    recipient: str,
    to: QuerySet[User],
    template: str,
    park: Park | None = None,
) -> bool | None:
    by_period = list(
        queue.values("period")
        .annotate(count=Count("pk"), oldest=Min("submitted_at"))
        .order_by("period")
    )
    if not by_period:
        return False
    oldest = queue.select_related("enterprise").order_by("submitted_at", "pk").first()
    emails = list(to.exclude(email="").order_by("email").values_list("email", flat=True).distinct())
    context = {
        "park": park,
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
    subject = (
        _("%(n)d quarterly reports of %(park)s wait for pre-review")
        % {"n": context["total"], "park": park.name_zh}
        if park is not None
        else _("%(n)d quarterly reports wait for review") % {"n": context["total"]}
    )
    return _digest_send(
        recipient=recipient,
        week=week,
        to=emails,
        template=template,
        context=context,
        subject=subject,
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
