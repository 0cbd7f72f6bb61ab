"""Writing the demo plan (``demo.plan``) through the services, as the users who would have
done it: each enterprise's own reporter creates, edits and submits its reports, an official
approves, returns and reopens them, every action at its planned moment. So every rule and
audit trail holds, and the whole seed is computed in one rollup run at the end.

``demo_seed`` creates the programme when it is not there (the well-known park ``ZJ``),
else adds only what is missing (users, reports of quarters that have ended since).
``demo_reset`` deletes what the plan names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.services import user_upsert
from enterprises.models import Designation, Enterprise, Provider
from enterprises.services import designation_create, enterprise_create, provider_create
from parks.models import Park
from progress.models import Publication
from reporting.audit import Action
from reporting.evidence import evidence_attach
from reporting.models import EvidenceFile, Submission, evidence_storage
from reporting.services import (
    submission_approve,
    submission_create,
    submission_reopen,
    submission_return,
    submission_submit,
    submission_update,
    submissions_batched,
)
from targets.changes import recompute_batched
from targets.models import Allocation, District, ItemKind, Target
from targets.services import allocation_create

from .certificates import certificate_pdf
from .data import MARKER_PARK, REGULATORY_REFERENCE, SEED
from .levels import levels_seed
from .plan import DemoPlan, ReportSpec, Step, demo_plan

Log = Callable[[str], None]
# The demo's items whose kind requires evidence (the catalogue says which) get a generated
# certificate: its title and the file's name (demo data, in Chinese like the rest).
CERTIFICATES = {
    "ai_drug_clinical": ("药物临床试验批准通知书", "临床试验批准通知书"),
    "smart_device_approval": ("中华人民共和国医疗器械注册证", "医疗器械注册证"),
}
CERTIFICATE_DEFAULT = ("证明材料", "证明材料")


def _quiet(_message: str) -> None:
    pass


@dataclass
class SeedResult:
    created: bool
    counts: dict[str, int]
    plan: DemoPlan


def demo_present() -> bool:
    return Park.objects.filter(code=MARKER_PARK).exists()


def demo_seed(
    *,
    seed: int = SEED,
    today: dt.date | None = None,
    reports: bool = True,
    enterprises: Collection[str] | None = None,
    log: Log = _quiet,
) -> SeedResult:
    """Create the demo programme as of ``today`` (default: today) unless it is there
    already, then whatever users and reports are missing. ``enterprises`` (USCCs) writes
    the reports of these enterprises only (tests).

    ``created`` is False when the entities were there already; ``counts`` says what was
    written (empty when nothing changed).
    """
    plan = demo_plan(seed, today=today)
    present = demo_present()
    counts: dict[str, int] = {}
    # DEBUG's query log would cost a third of the time of the queries the seed runs.
    with override_settings(DEBUG=False), recompute_batched(), submissions_batched():
        if not present:
            with transaction.atomic():
                _write_entities(plan, counts)
                counts["users"] = _write_users(plan)
            log(
                _(
                    "Created %(parks)d parks, %(enterprises)d enterprises, %(providers)d "
                    "providers, %(designations)d designations and %(users)d users."
                )
                % counts
            )
        elif added := _write_users(plan):
            counts["users"] = added
        if allocated := _write_allocations(plan):
            counts["allocations"] = allocated
        if reports:
            written = seed_reports(plan=plan, enterprises=enterprises, log=log)
            if written or not present:
                counts["reports"] = written
    # Everything recorded above is computed in one rollup run, once the batch ends; then
    # parks pre-review and the last full year is published from those figures.
    if reports:
        counts.update(levels_seed(today=today or timezone.localdate(), log=log))
    return SeedResult(created=not present, counts=counts, plan=plan)


def _write_entities(plan: DemoPlan, counts: dict[str, int]) -> None:
    districts = dict(District.objects.values_list("code", "pk"))
    for park in plan.parks:
        Park.objects.create(
            code=park.code,
            name_zh=park.name_zh,
            name_en=park.name_en,
            district_id=districts[park.district],
        )
    counts["parks"] = len(plan.parks)
    for spec in plan.enterprises:
        enterprise_create(**spec.data())
    counts["enterprises"] = len(plan.enterprises)
    for provider in plan.providers:
        provider_create(
            uscc=provider.uscc,
            name=provider.name,
            district=provider.district,
            services=provider.services,
            enterprises=provider.serves,
        )
    counts["providers"] = len(plan.providers)
    for designation in plan.designations:
        designation_create(
            kind=designation.kind,
            granted_on=designation.granted_on,
            enterprise=designation.enterprise,
            park=designation.park,
            provider=designation.provider,
            name=designation.name,
            reference=designation.reference,
            revoked_on=designation.revoked_on,
        )
    counts["designations"] = len(plan.designations)


def _write_allocations(plan: DemoPlan) -> int:
    """The plan's allocations that do not exist yet, made by the official through the
    service (kept with who and when; computed in the seed's one rollup run)."""
    official = User.objects.get(username="official")
    targets = {
        t.code: t for t in Target.objects.filter(code__in={a.target for a in plan.allocations})
    }
    existing = set(
        Allocation.objects.filter(target__in=targets.values()).values_list("target__code", "scope")
    )
    missing = [a for a in plan.allocations if (a.target, a.scope) not in existing]
    for spec in missing:
        allocation_create(
            target=targets[spec.target],
            scope=spec.scope,
            value=Decimal(spec.value),
            milestones=[(dt.date.fromisoformat(d), Decimal(v)) for d, v in spec.milestones],
            by=official,
        )
    return len(missing)


def _write_users(plan: DemoPlan) -> int:
    """The plan's users that do not exist yet (existing ones are left as they are)."""
    existing = set(
        User.objects.filter(username__in=[u.username for u in plan.users]).values_list(
            "username", flat=True
        )
    )
    missing = [user for user in plan.users if user.username not in existing]
    for user in missing:
        user_upsert(
            username=user.username,
            role=user.role,
            enterprise_uscc=user.enterprise,
            park_code=user.park,
            district_code=user.district,
            password=user.password,
        )
    return len(missing)


# --- quarterly reports -----------------------------------------------------------------


def seed_reports(
    *, plan: DemoPlan, enterprises: Collection[str] | None = None, log: Log = _quiet
) -> int:
    """Write the plan's reports that are not there yet (a report of the same enterprise
    and quarter is left alone), one transaction per enterprise. Returns how many."""
    wanted = [
        spec.uscc for spec in plan.enterprises if enterprises is None or spec.uscc in enterprises
    ]
    rows = {e.uscc: e for e in Enterprise.objects.filter(uscc__in=wanted)}
    reporters = {u.enterprise: u.username for u in plan.users if u.enterprise}
    users = {u.username: u for u in User.objects.filter(username__in=reporters.values())}
    official = User.objects.get(username="official", role=Role.OFFICIAL)
    evidence_kinds = set(
        ItemKind.objects.filter(evidence_required=True).values_list("code", flat=True)
    )
    existing = set(
        Submission.objects.filter(enterprise__in=rows.values()).values_list(
            "enterprise__uscc", "period"
        )
    )
    written = 0
    for number, uscc in enumerate(wanted, start=1):
        todo = [r for r in plan.reports[uscc] if r.steps and (uscc, r.period) not in existing]
        if todo:
            enterprise = rows[uscc]
            reporter = users[reporters[uscc]]
            writer = _Writer(
                enterprise, reporter=reporter, official=official, evidence_kinds=evidence_kinds
            )
            with transaction.atomic():
                for report in todo:
                    writer.write(report)
            written += len(todo)
        if number % 50 == 0:
            log(
                _("Reports written for %(done)d of %(total)d enterprises.")
                % {"done": number, "total": len(wanted)}
            )
    return written


class _Writer:
    """Replays one enterprise's planned reports through the workflow services."""

    def __init__(
        self,
        enterprise: Enterprise,
        *,
        reporter: User,
        official: User,
        evidence_kinds: Collection[str] = (),
    ) -> None:
        self.enterprise = enterprise
        self.reporter = reporter
        self.official = official
        self.evidence_kinds = evidence_kinds

    def write(self, report: ReportSpec) -> Submission:
        first, *rest = report.steps
        if first.action != Action.CREATE:
            raise ValueError(f"a report starts with {Action.CREATE}, not {first.action}")
        submission = submission_create(
            enterprise=self.enterprise,
            period=report.period,
            metrics=report.metrics if first.metrics is None else first.metrics,
            items=report.items,
            by=self.reporter,
            at=first.at,
        )
        self._evidence(submission, report, at=first.at)
        for step in rest:
            submission = self._step(submission, report, step)
        return submission

    def _evidence(self, submission: Submission, report: ReportSpec, *, at: dt.datetime) -> None:
        """A generated certificate (a small PDF) for each item whose kind requires evidence,
        attached by the reporter right after creating the report."""
        for position, item in enumerate(report.items):
            if item["kind"] not in self.evidence_kinds:
                continue
            title, name = CERTIFICATES.get(item["kind"], CERTIFICATE_DEFAULT)
            content = certificate_pdf(
                title=title,
                lines=[
                    f"编号：{item['identifier']}",
                    f"名称：{item.get('title', '')}",
                    f"申请人：{self.enterprise.name}",
                    f"日期：{item['date']}",
                    "（演示数据，非真实文件）",
                ],
            )
            upload = SimpleUploadedFile(
                f"{name}-{item['identifier']}.pdf", content, content_type="application/pdf"
            )
            evidence_attach(
                submission=submission, position=position, upload=upload, by=self.reporter, at=at
            )

    def _step(self, submission: Submission, report: ReportSpec, step: Step) -> Submission:
        common: dict[str, Any] = {"submission": submission, "version": submission.version}
        if step.action == Action.EDIT:
            metrics = report.metrics if step.metrics is None else step.metrics
            return submission_update(
                **common, metrics=metrics, items=report.items, by=self.reporter, at=step.at
            )
        if step.action == Action.SUBMIT:
            return submission_submit(**common, by=self.reporter, at=step.at)
        if step.action == Action.APPROVE:
            return submission_approve(**common, by=self.official, at=step.at)
        if step.action == Action.RETURN:
            return submission_return(**common, by=self.official, comment=step.comment, at=step.at)
        if step.action == Action.REOPEN:
            return submission_reopen(**common, by=self.official, comment=step.comment, at=step.at)
        raise ValueError(step.action)


# --- reset -----------------------------------------------------------------------------


def demo_reset(*, seed: int = SEED) -> dict[str, int]:
    """Delete everything the demo plan names (reports, designations, users, entities).

    Raises ProtectedError when other data still points at a demo park or enterprise.
    """
    plan = demo_plan(seed)
    enterprise_codes = [e.uscc for e in plan.enterprises]
    provider_codes = [p.uscc for p in plan.providers]
    park_codes = [p.code for p in plan.parks]
    allocations = Q(pk__in=[])
    for spec in plan.allocations:
        allocations |= Q(target__code=spec.target, scope=spec.scope)
    demo_users = [u.username for u in plan.users]
    querysets: list[tuple[str, Any]] = [
        ("publications", Publication.objects.filter(published_by__username__in=demo_users)),
        ("allocations", Allocation.objects.filter(allocations)),
        ("reports", Submission.objects.filter(enterprise__uscc__in=enterprise_codes)),
        ("users", User.objects.filter(username__in=demo_users)),
        (
            "designations",
            Designation.objects.filter(
                Q(enterprise__uscc__in=enterprise_codes)
                | Q(provider__uscc__in=provider_codes)
                | Q(park__code__in=park_codes)
                | Q(kind__code="regulatory_platform", reference=REGULATORY_REFERENCE)
            ),
        ),
        ("providers", Provider.objects.filter(uscc__in=provider_codes)),
        ("enterprises", Enterprise.objects.filter(uscc__in=enterprise_codes)),
        ("parks", Park.objects.filter(code__in=park_codes)),
    ]
    deleted: dict[str, int] = {}
    # The reports' evidence files go with them; their bytes once the rows are gone.
    blobs = list(
        EvidenceFile.objects.filter(enterprise__uscc__in=enterprise_codes).values_list(
            "file", flat=True
        )
    )
    with transaction.atomic():
        for label, queryset in querysets:
            _total, per_model = queryset.delete()
            deleted[label] = per_model.get(queryset.model._meta.label, 0)
    storage = evidence_storage()
    for name in blobs:
        storage.delete(name)
    return deleted


__all__ = ["SeedResult", "demo_present", "demo_reset", "demo_seed", "seed_reports"]
