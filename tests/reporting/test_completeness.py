"""Completeness figures of a quarter on a known example (docs/decisions/0005)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from parks.selectors import scope_resolve
from reporting import selectors, services
from targets.scopes import ScopeError
from tests import factories

from .helpers import Q1_2024, report_create

pytestmark = pytest.mark.django_db
AFTER_DUE = dt.date(2024, 5, 1)  # 2024Q1 was due on 2024-04-15


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))


def figures_of(scope: str, today: dt.date = AFTER_DUE) -> dict[str, object]:
    figures = selectors.completeness(period=Q1_2024, scope=scope_resolve(scope), today=today)
    return vars(figures)


def missing(scope: str) -> list[dict[str, str]]:
    rows = selectors.missing_enterprises(period=Q1_2024, scope=scope_resolve(scope))
    return list(rows.values("uscc", "name"))


@pytest.fixture
def example(official, park):
    make = factories.EnterpriseFactory
    on_time_approved = make(park=park, name="A")
    late = make(park=park, name="B")
    on_time_returned = make(name="C")
    draft_only = make(name="D")
    no_report = make(name="E")
    gone = make(name="F", active_until=dt.date(2023, 12, 31))
    elsewhere = make(name="G", district=factories.district("310104"))

    def submit(enterprise, day):
        submission = report_create(enterprise=enterprise, by=official)
        return services.submission_submit(submission=submission, by=official, at=at(day))

    approved = submit(on_time_approved, dt.date(2024, 4, 10))
    services.submission_approve(submission=approved, by=official)
    submit(late, dt.date(2024, 4, 16))
    returned = submit(on_time_returned, dt.date(2024, 4, 15))
    services.submission_return(submission=returned, by=official, comment="Fix it")
    report_create(enterprise=draft_only, by=official)
    submit(gone, dt.date(2024, 4, 1))
    return {"D": draft_only, "E": no_report, "G": elsewhere}


def test_city_figures(example):
    figures = figures_of("city")
    assert {
        k: figures[k]
        for k in (
            "period",
            "scope",
            "active",
            "submitted",
            "approved",
            "returned",
            "overdue",
            "late",
        )
    } == {
        "period": "2024Q1",
        "scope": "city",
        "active": 6,
        "submitted": 3,
        "approved": 1,
        "returned": 1,
        "overdue": 4,
        "late": 1,
    }
    assert [row["name"] for row in missing("city")] == sorted(
        ["D", "E", "G"], key=lambda n: example[n].uscc
    )


def test_district_figures(example):
    figures = figures_of("district:310115")
    assert (figures["active"], figures["submitted"], figures["overdue"]) == (5, 3, 3)
    assert {row["name"] for row in missing("district:310115")} == {"D", "E"}


def test_park_figures(example):
    figures = figures_of("park:PARK-A")
    assert (
        figures["active"],
        figures["submitted"],
        figures["approved"],
        figures["overdue"],
        figures["late"],
    ) == (2, 2, 1, 1, 1)
    assert missing("park:PARK-A") == []


def test_nothing_is_overdue_before_the_due_date_has_passed(example):
    figures = figures_of("city", today=dt.date(2024, 4, 15))
    assert figures["overdue"] == 0


def test_a_resubmission_after_the_due_date_keeps_an_on_time_report_on_time(official):
    enterprise = factories.EnterpriseFactory()
    submission = report_create(enterprise=enterprise, by=official)
    submission = services.submission_submit(
        submission=submission, by=official, at=at(dt.date(2024, 4, 2))
    )
    submission = services.submission_return(submission=submission, by=official, comment="x")
    submission = services.submission_submit(
        submission=submission, by=official, at=at(dt.date(2024, 6, 1))
    )
    assert submission.late is False
    figures = figures_of("city")
    assert (figures["overdue"], figures["late"]) == (0, 0)


@pytest.mark.parametrize("scope", ["mars", "district:999999", "park:NOPE", "city:1"])
def test_an_unknown_scope_is_refused(db, scope):
    with pytest.raises(ScopeError):
        scope_resolve(scope)


def test_completeness_takes_a_fixed_number_of_queries(example, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        figures_of("city")


def test_an_enterprise_that_closes_mid_quarter_owes_no_report_for_it(official):
    closed = factories.EnterpriseFactory(name="H", active_until=dt.date(2024, 5, 15))
    q2 = Q1_2024 + 1
    figures = selectors.completeness(period=q2, scope=scope_resolve("city"), today=AFTER_DUE)
    owed = selectors.missing_enterprises(period=q2, scope=scope_resolve("city"))
    assert closed not in owed
    assert figures.active == 0
