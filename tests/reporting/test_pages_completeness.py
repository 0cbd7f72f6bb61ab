"""The completeness page: a quarter's figures in a scope, the status by district and park,
and the enterprises still missing or late, with whom to contact."""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from parks.selectors import scope_resolve
from reporting import selectors, services
from reporting.models import Submission
from targets.periods import PROGRAMME_FIRST_PERIOD, last_ended_period, period_format
from tests import factories

pytestmark = pytest.mark.django_db

Q1_2024 = 2024 * 4
URL = "/reports/completeness/"
FIGURES = ("active", "submitted", "approved", "returned", "overdue", "late")


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(18, 0)))


def hand_in(enterprise, period=Q1_2024):
    reporter = cast(User, factories.ReporterFactory(enterprise=enterprise))
    submission = services.submission_create(
        enterprise=enterprise, period=period, metrics={}, items=[], by=reporter
    )
    return services.submission_submit(submission=submission, by=reporter)


def report(enterprise, status: str, *, on: dt.date | None = None, late: bool = False):
    """A report of 2024Q1 (due 2024-04-15) written straight into the table."""
    return factories.SubmissionFactory(
        enterprise=enterprise,
        period=Q1_2024,
        status=status,
        first_submitted_at=at(on) if on else None,
        submitted_at=at(on) if on else None,
        late=late,
    )


def page(client, **params):
    response = client.get(URL, {"period": "2024Q1", **params})
    assert response.status_code == 200
    return response


# --- the figures, the scope and the quarter ----------------------------------------------


def test_officials_see_the_city_figures_and_the_enterprises_missing_or_late(
    client, official, enterprise, other_enterprise
):
    hand_in(enterprise)  # today: long after 2024Q1's due date
    client.force_login(official)
    response = page(client)
    figures = response.context["figures"]
    assert (figures.active, figures.submitted, figures.late) == (2, 1, 1)
    assert figures.overdue == 2  # both missed the due date
    states = {row["enterprise"].uscc: row["state"] for row in response.context["rows"]}
    assert states == {enterprise.uscc: "late", other_enterprise.uscc: "missing"}
    assert other_enterprise.name in response.content.decode()


def test_the_scope_narrows_to_a_park(client, analyst, enterprise, other_enterprise):
    client.force_login(analyst)
    response = page(client, scope=f"park:{enterprise.park.code}")
    assert response.context["figures"].active == 1
    assert [row["enterprise"].uscc for row in response.context["rows"]] == [enterprise.uscc]


def test_a_park_manager_sees_only_their_park(client, park_manager, enterprise, other_enterprise):
    client.force_login(park_manager)
    response = page(client)
    assert response.context["figures"].scope == f"park:{enterprise.park.code}"
    assert response.context["figures"].active == 1
    assert response.context["status_rows"] == []  # no table below a park


def test_a_park_manager_cannot_pick_another_scope(client, park_manager, other_enterprise):
    client.force_login(park_manager)
    response = page(client, scope=f"park:{other_enterprise.park.code}")
    assert response.context["figures"].scope == f"park:{park_manager.park.code}"
    assert other_enterprise.name not in response.content.decode()


def test_reporters_may_not_open_completeness(client, reporter):
    client.force_login(reporter)
    assert client.get(URL).status_code == 403


def test_the_quarter_is_a_select_of_the_programmes_ended_quarters_newest_first(client, official):
    client.force_login(official)
    response = client.get(URL)
    html = response.content.decode()
    select = re.search(r'<select name="period"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    options = re.findall(r'<option value="([0-9Q]+)"', select.group(1))
    last = last_ended_period()
    expected = [period_format(p) for p in range(last, PROGRAMME_FIRST_PERIOD - 1, -1)]
    assert options == expected
    assert options[-1] == "2022Q1"


@pytest.mark.parametrize("asked", ["2024Q7", "2021Q4", "nonsense", period_format(9000)])
def test_a_quarter_that_is_not_one_of_the_choices_falls_back_to_the_default(
    client, official, asked
):
    client.force_login(official)
    default = client.get(URL).context["period_label"]
    response = client.get(URL, {"period": asked})
    assert response.status_code == 200
    assert response.context["period_label"] == default


def test_the_default_is_the_latest_quarter_whose_reports_are_due(
    client, official, enterprise, other_enterprise, monkeypatch
):
    """On 2024-04-10, 2024Q1 has ended but is due on the 15th: the default is 2023Q4, and
    2024Q1 can be picked, with how far it has got."""
    monkeypatch.setattr("reporting.views.today", lambda: dt.date(2024, 4, 10))
    report(enterprise, Submission.Status.SUBMITTED, on=dt.date(2024, 4, 5))
    client.force_login(official)
    response = client.get(URL)
    assert response.context["period_label"] == "2023Q4"
    options = response.context["filter_form"].fields["period"].choices
    assert options[0] == ("2024Q1", "2024Q1")
    response = client.get(URL, {"period": "2024Q1"})
    notice = response.content.decode()
    assert "2024-04-15" in notice
    assert "50.0%" in notice  # one of the two enterprises has submitted
    assert response.context["figures"].overdue == 0  # not due yet
    assert [row["state"] for row in response.context["rows"]] == ["missing"]


# --- the status by district and by park --------------------------------------------------


@pytest.fixture
def example(official):
    """Two districts, three parks and enterprises in no park, in every reporting state."""
    pudong, huangpu = factories.district("310115"), factories.district("310101")
    park_a = factories.ParkFactory(code="PA", district=pudong)
    park_b = factories.ParkFactory(code="PB", district=pudong)
    park_c = factories.ParkFactory(code="PC", district=huangpu)
    factories.ParkFactory(code="PEMPTY", district=huangpu)
    make = factories.EnterpriseFactory
    approved = Submission.Status.APPROVED
    report(make(park=park_a, district=pudong), approved, on=dt.date(2024, 4, 10))
    report(
        make(park=park_a, district=pudong),
        Submission.Status.SUBMITTED,
        on=dt.date(2024, 4, 20),
        late=True,
    )
    report(make(park=park_a, district=pudong), Submission.Status.RETURNED, on=dt.date(2024, 4, 15))
    report(make(park=park_b, district=pudong), Submission.Status.DRAFT)
    make(park=park_b, district=pudong)  # no report
    make(park=park_b, district=pudong, active_until=dt.date(2023, 12, 31))  # closed: owes none
    report(make(park=park_c, district=huangpu), approved, on=dt.date(2024, 5, 2), late=True)
    report(make(district=huangpu), approved, on=dt.date(2024, 4, 1))
    make(district=pudong)  # in no park, no report
    return {"parks": ["PA", "PB", "PC", "PEMPTY"], "districts": ["310115", "310101"]}


def table(response) -> dict[str, dict[str, int]]:
    return {
        str(row.scope or ""): {name: getattr(row, name) for name in FIGURES}
        for row in response.context["status_rows"]
    }


def expected(scope: str) -> dict[str, int]:
    figures = selectors.completeness(period=Q1_2024, scope=scope_resolve(scope))
    return {name: getattr(figures, name) for name in FIGURES}


def test_the_table_by_district_equals_each_districts_completeness(client, official, example):
    client.force_login(official)
    rows = table(page(client))
    assert len(rows) == 16  # every district, also those with no enterprise
    for code in example["districts"]:
        assert rows[f"district:{code}"] == expected(f"district:{code}")
    assert rows["district:310104"] == dict.fromkeys(FIGURES, 0)
    city = expected("city")
    assert {name: sum(row[name] for row in rows.values()) for name in FIGURES} == city


def test_the_table_by_park_equals_each_parks_completeness(client, official, example):
    client.force_login(official)
    rows = table(page(client, by="park"))
    for code in example["parks"]:
        assert rows[f"park:{code}"] == expected(f"park:{code}")
    assert rows["park:PA"] == {
        "active": 3,
        "submitted": 3,
        "approved": 1,
        "returned": 1,
        "overdue": 1,
        "late": 1,
    }
    # Enterprises in no park make a row of their own, so the rows add up to the city.
    assert rows[""]["active"] == 2
    assert {name: sum(row[name] for row in rows.values()) for name in FIGURES} == expected("city")


@pytest.mark.parametrize(
    ("scope", "by"),
    [("city", "district"), ("city", "park"), ("district:310115", "district"), ("park:PA", "")],
)
def test_the_figures_above_the_table_are_the_scopes_completeness(
    client, official, example, scope, by
):
    client.force_login(official)
    figures = page(client, scope=scope, by=by).context["figures"]
    assert vars(figures) == vars(selectors.completeness(period=Q1_2024, scope=scope_resolve(scope)))


def test_a_districts_table_lists_its_parks(client, official, example):
    client.force_login(official)
    response = page(client, scope="district:310101")
    rows = table(response)
    assert set(rows) == {"park:PC", "park:PEMPTY", ""}
    assert rows["park:PC"] == expected("park:PC")
    assert rows[""] == {
        "active": 1,
        "submitted": 1,
        "approved": 1,
        "returned": 0,
        "overdue": 0,
        "late": 0,
    }
    html = response.content.decode()
    assert "?period=2024Q1&amp;scope=park%3APC" in html  # each park drills down


def test_the_table_sorts_by_any_column(client, official, example):
    client.force_login(official)
    rows = page(client, by="park", sort="-active").context["status_rows"]
    assert [row.active for row in rows] == sorted((row.active for row in rows), reverse=True)
    rows = page(client, by="park", sort="percent").context["status_rows"]
    percents = [row.percent for row in rows]
    assert percents[-1] is None  # the park without enterprises comes last
    assert percents[:-1] == sorted(percents[:-1])
    rows = page(client, by="park", sort="bogus").context["status_rows"]
    assert len(rows) == 5


# --- the list of enterprises missing or late ---------------------------------------------


def test_the_list_filters_missing_and_late_and_shows_whom_to_contact(client, official, park):
    missing = factories.EnterpriseFactory(park=park, contact_email="office@missing.example")
    factories.ReporterFactory(enterprise=missing, email="writer@missing.example")
    factories.ReporterFactory(enterprise=missing, email="", username="no-mail")
    late = factories.EnterpriseFactory(park=park)
    late_report = report(late, Submission.Status.SUBMITTED, on=dt.date(2024, 4, 16), late=True)
    report(
        factories.EnterpriseFactory(park=park), Submission.Status.APPROVED, on=dt.date(2024, 4, 1)
    )
    client.force_login(official)

    every = page(client).context["rows"]
    assert [(row["enterprise"].uscc, row["state"]) for row in every] == [
        (missing.uscc, "missing"),
        (late.uscc, "late"),
    ]
    assert every[0]["contacts"] == ["office@missing.example", "writer@missing.example"]
    assert every[0]["profile_url"] == reverse("progress:enterprise", args=[missing.uscc])
    assert every[1]["report_url"] == reverse("reporting:report-detail", args=[late_report.pk])
    assert every[1]["submitted_at"] is not None

    response = page(client, show="missing")
    assert [row["enterprise"].uscc for row in response.context["rows"]] == [missing.uscc]
    assert 'href="mailto:writer@missing.example"' in response.content.decode()
    late_rows = page(client, show="late").context["rows"]
    assert [row["enterprise"].uscc for row in late_rows] == [late.uscc]
    assert page(client).context["counts"] == {"missing": 1, "late": 1, "all": 2}


def test_the_list_is_paginated_with_counts(client, official, park):
    factories.EnterpriseFactory.create_batch(55, park=park)
    client.force_login(official)
    response = page(client)
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == 55
    assert "1–50" in response.content.decode()
    second = page(client, page=2)
    assert len(second.context["rows"]) == 5


def test_the_page_takes_the_same_number_of_queries_for_2_and_for_20_enterprises(
    client, official, park
):
    client.force_login(official)

    def enterprises(n: int) -> None:
        for i in range(n):
            enterprise = factories.EnterpriseFactory(park=park, contact_email=f"e{i}@x.example")
            factories.ReporterFactory(enterprise=enterprise, email=f"r{i}@x.example")
            if i % 2:
                report(enterprise, Submission.Status.SUBMITTED, on=dt.date(2024, 5, 1), late=True)

    def queries(**params) -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, **params)
        return len(captured.captured_queries)

    enterprises(2)
    few = [queries(), queries(by="park"), queries(scope=f"park:{park.code}")]
    factories.ParkFactory.create_batch(5)
    enterprises(18)
    many = [queries(), queries(by="park"), queries(scope=f"park:{park.code}")]
    assert many == few
    assert max(many) <= 14
