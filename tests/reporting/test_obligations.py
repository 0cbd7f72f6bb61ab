"""One reporting obligation: "My reports", completeness and the reminders agree on which
quarters an enterprise owes (docs/decisions/0009-reporting-obligation.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from parks.selectors import scope_resolve
from reporting import selectors, services
from reporting.obligations import reporting_periods
from targets.periods import period_parse
from tests import factories

pytestmark = pytest.mark.django_db

Q1, Q2 = period_parse("2024Q1"), period_parse("2024Q2")
AUGUST = dt.date(2024, 8, 5)  # both quarters are past their due dates


@pytest.fixture
def closing():
    """An enterprise that closed on 2024-05-15: active at 2024Q1's end, not at 2024Q2's."""
    return factories.EnterpriseFactory(
        active_from=dt.date(2024, 1, 1),
        active_until=dt.date(2024, 5, 15),
        contact_email="closing@example.com",
    )


def test_my_reports_completeness_and_reminders_agree_on_the_quarters_owed(client, closing):
    assert reporting_periods(closing, today=AUGUST) == [Q1]

    reporter = factories.ReporterFactory(enterprise=closing)
    client.force_login(reporter)
    page = client.get(reverse("reporting:my-reports"))
    shown = [row.period for row in page.context["rows"]]
    assert Q1 in shown
    assert Q2 not in shown

    city = scope_resolve("city")
    owed_q1 = selectors.missing_enterprises(period=Q1, scope=city)
    owed_q2 = selectors.missing_enterprises(period=Q2, scope=city)
    assert closing in owed_q1
    assert closing not in owed_q2
    q2 = selectors.completeness(period=Q2, scope=city, today=AUGUST)
    assert (q2.active, q2.overdue) == (0, 0)

    services.reminders_send(at=timezone.make_aware(dt.datetime.combine(AUGUST, dt.time(9))))
    [message] = [m for m in mail.outbox if "closing@example.com" in m.to]
    assert "2024Q1" in message.body
    assert "2024Q2" not in message.body
