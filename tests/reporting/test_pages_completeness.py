"""The completeness page: figures per quarter and scope, and who has not reported."""

from __future__ import annotations

from typing import cast

import pytest
from django.urls import reverse

from accounts.models import User
from reporting import services
from targets.periods import last_ended_period, period_format
from tests import factories

pytestmark = pytest.mark.django_db

Q1_2024 = 2024 * 4


def hand_in(enterprise, period=Q1_2024):
    reporter = cast(User, factories.ReporterFactory(enterprise=enterprise))
    submission = services.submission_create(
        enterprise=enterprise, period=period, metrics={}, items=[], by=reporter
    )
    return services.submission_submit(submission=submission, by=reporter)


def test_officials_see_the_city_figures_and_the_missing_enterprises(
    client, official, enterprise, other_enterprise
):
    hand_in(enterprise)
    client.force_login(official)
    response = client.get(reverse("reporting:completeness"), {"period": "2024Q1"})
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.active, figures.submitted, figures.late) == (2, 1, 1)
    assert figures.overdue == 2  # both missed the due date
    assert [row.uscc for row in response.context["missing"]] == [other_enterprise.uscc]
    assert other_enterprise.name in response.content.decode()


def test_the_scope_narrows_to_a_park(client, analyst, enterprise, other_enterprise):
    client.force_login(analyst)
    response = client.get(
        reverse("reporting:completeness"),
        {"period": "2024Q1", "scope": f"park:{enterprise.park.code}"},
    )
    assert response.context["figures"].active == 1
    assert [row.uscc for row in response.context["missing"]] == [enterprise.uscc]


def test_the_default_is_the_last_ended_quarter_for_the_city(client, official):
    client.force_login(official)
    response = client.get(reverse("reporting:completeness"))
    assert response.context["period_label"] == period_format(last_ended_period())
    assert response.context["figures"].scope == "city"


def test_a_park_manager_sees_only_their_park(client, park_manager, enterprise, other_enterprise):
    client.force_login(park_manager)
    response = client.get(reverse("reporting:completeness"), {"period": "2024Q1"})
    assert response.context["figures"].scope == f"park:{enterprise.park.code}"
    assert response.context["figures"].active == 1


def test_a_park_manager_cannot_pick_another_scope(client, park_manager, other_enterprise):
    client.force_login(park_manager)
    response = client.get(
        reverse("reporting:completeness"),
        {"period": "2024Q1", "scope": f"park:{other_enterprise.park.code}"},
    )
    assert response.context["figures"].scope == f"park:{park_manager.park.code}"
    assert other_enterprise.name not in response.content.decode()


def test_a_malformed_quarter_falls_back_to_the_last_ended_one(client, official):
    client.force_login(official)
    response = client.get(reverse("reporting:completeness"), {"period": "2024Q7"})
    assert response.status_code == 200
    assert response.context["period_label"] == period_format(last_ended_period())


def test_reporters_may_not_open_completeness(client, reporter):
    client.force_login(reporter)
    assert client.get(reverse("reporting:completeness")).status_code == 403
