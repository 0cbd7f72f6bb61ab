"""Shared set-up for the reporting tests."""

from __future__ import annotations

from typing import Any, cast

from accounts.models import User
from enterprises.models import Enterprise
from reporting import services
from reporting.models import Submission
from tests import factories

Q1_2024 = 2024 * 4

METRICS: dict[str, Any] = {"digital_staff": 10, "revenue": "100.5", "cloud_adopted": True}
ITEMS: list[dict[str, Any]] = [
    {
        "kind": "scenario",
        "identifier": "MES rollout",
        "title": "MES",
        "date": "2024-02-01",
        "attributes": {"domain": "production"},
    },
]


def report_create(*, enterprise, by, period: int = Q1_2024, metrics=None, items=None) -> Submission:
    return services.submission_create(
        enterprise=enterprise,
        period=period,
        metrics=dict(METRICS if metrics is None else metrics),
        items=list(ITEMS if items is None else items),
        by=by,
    )


def report_submitted(*, enterprise, by, **kwargs) -> Submission:
    submission = report_create(enterprise=enterprise, by=by, **kwargs)
    return services.submission_submit(submission=submission, by=by)


def report_approved(*, enterprise, reporter, official, **kwargs) -> Submission:
    submission = report_submitted(enterprise=enterprise, by=reporter, **kwargs)
    return services.submission_approve(submission=submission, by=official)


def new_enterprise(**kwargs: Any) -> Enterprise:
    return cast(Enterprise, factories.EnterpriseFactory(**kwargs))


def new_official(**kwargs: Any) -> User:
    return cast(User, factories.OfficialFactory(**kwargs))
