"""Weekly reminder digests: what they say, to whom, and only once per ISO week."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from reporting import services, tasks
from reporting.models import ReminderDigest
from tests import factories

from .helpers import Q1_2024, report_create, report_submitted

pytestmark = pytest.mark.django_db


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


# Monday 2024-08-05: 2024Q1 (due 04-15) and 2024Q2 (due 07-15) are overdue.
MONDAY = dt.date(2024, 8, 5)


@pytest.fixture
def recent_enterprise(db):
    return factories.EnterpriseFactory(
        active_from=dt.date(2024, 1, 1), contact_email="contact@example.com"
    )


def test_an_enterprise_gets_one_digest_of_its_overdue_and_returned_reports(
    recent_enterprise, official
):
    reporter = factories.ReporterFactory(enterprise=recent_enterprise, email="rep@example.com")
    submission = report_submitted(enterprise=recent_enterprise, by=reporter)
    services.submission_return(submission=submission, by=official, comment="Revenue is off")

    result = services.reminders_send(at=at(MONDAY))

    assert result.enterprises == 1
    [message] = [m for m in mail.outbox if "contact@example.com" in m.to]
    assert sorted(message.to) == ["contact@example.com", "rep@example.com"]
    assert recent_enterprise.name in message.subject
    assert "2024Q2, due on 2024-07-15" in message.body
    assert "2024Q1, due on" not in message.body  # it was submitted, then returned
    assert "2024Q1: Revenue is off" in message.body


def test_officials_get_one_digest_of_the_review_queue(recent_enterprise, official):
    official.email = "official@example.com"
    official.save()
    report_submitted(enterprise=recent_enterprise, by=official)
    other = factories.EnterpriseFactory(active_from=dt.date(2024, 1, 1))
    report_submitted(enterprise=other, by=official, period=Q1_2024 + 1, items=[])

    services.reminders_send(at=at(MONDAY))

    [message] = [m for m in mail.outbox if m.to == ["official@example.com"]]
    assert "2 quarterly reports wait for review" in message.subject
    assert "2024Q1: 1" in message.body
    assert "2024Q2: 1" in message.body
    assert f"The oldest is {recent_enterprise.name}, 2024Q1" in message.body


def test_a_second_run_in_the_same_week_sends_nothing(recent_enterprise, official):
    official.email = "official@example.com"
    official.save()
    report_submitted(enterprise=recent_enterprise, by=official)
    services.reminders_send(at=at(MONDAY))
    first = len(mail.outbox)
    again = services.reminders_send(at=at(MONDAY + dt.timedelta(days=3)))
    assert len(mail.outbox) == first
    assert again.already_sent == 2
    assert set(ReminderDigest.objects.values_list("week", flat=True)) == {"2024-W32"}
    services.reminders_send(at=at(MONDAY + dt.timedelta(days=7)))
    assert len(mail.outbox) == 2 * first


def test_enterprises_with_nothing_outstanding_get_no_mail(recent_enterprise, official):
    for period in (Q1_2024, Q1_2024 + 1):
        report_submitted(enterprise=recent_enterprise, by=official, period=period, items=[])
    result = services.reminders_send(at=at(MONDAY))
    assert result.enterprises == 0
    assert not [m for m in mail.outbox if "contact@example.com" in m.to]


def test_an_enterprise_without_any_address_is_skipped_without_a_record(db):
    factories.EnterpriseFactory(active_from=dt.date(2024, 1, 1))
    assert services.reminders_send(at=at(MONDAY)).enterprises == 0
    assert not ReminderDigest.objects.exists()


def test_an_enterprise_that_closed_mid_quarter_is_not_reminded_of_that_quarter(db):
    factories.EnterpriseFactory(
        active_from=dt.date(2024, 1, 1),
        active_until=dt.date(2024, 5, 15),
        contact_email="closed@example.com",
    )
    services.reminders_send(at=at(MONDAY))
    [message] = [m for m in mail.outbox if "closed@example.com" in m.to]
    assert "2024Q1, due on" in message.body
    assert "2024Q2" not in message.body


def test_the_beat_task_runs_the_service(recent_enterprise):
    report_create(enterprise=recent_enterprise, by=factories.OfficialFactory())
    summary = tasks.reminders_send_weekly.delay().get()
    assert summary["enterprises"] == 1
    assert tasks.reminders_send_weekly.name == "reporting.tasks.reminders_send_weekly"


def test_the_admin_shows_a_report_with_its_history(client, enterprise, official):
    submission = report_create(enterprise=enterprise, by=official)
    client.force_login(official)
    official.is_superuser = True
    official.save()
    assert client.get("/admin/reporting/submission/").status_code == 200
    assert client.get(f"/admin/reporting/submission/{submission.pk}/change/").status_code == 200
    assert client.get(f"/admin/reporting/submission/{submission.pk}/history/").status_code == 200
