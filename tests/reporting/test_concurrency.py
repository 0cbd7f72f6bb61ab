"""Two officials approving the same report at once: the row lock lets exactly one win."""

from __future__ import annotations

import threading
import time
from unittest import mock

import pytest
from django.db import connection

from reporting import services
from reporting.models import Submission
from tests import factories

from .helpers import report_submitted

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


def test_two_concurrent_approvals_one_wins_the_other_gets_a_conflict():
    officials = [factories.OfficialFactory(username=f"approver{i}") for i in range(2)]
    reporter = factories.ReporterFactory()
    submission = report_submitted(enterprise=reporter.enterprise, by=reporter)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    original = services._approved_set

    def slow_approved_set(*args, **kwargs):
        time.sleep(0.3)  # hold the row lock while the other thread arrives
        original(*args, **kwargs)

    def approve(official):
        try:
            barrier.wait()
            services.submission_approve(
                submission=submission, by=official, version=submission.version
            )
            outcomes.append("approved")
        except (services.TransitionNotAllowed, services.StaleVersion) as error:
            outcomes.append(type(error).__name__)
        finally:
            connection.close()

    with (
        mock.patch.object(services, "_approved_set", slow_approved_set),
        mock.patch("progress.services.rollup_request"),
    ):
        threads = [threading.Thread(target=approve, args=(o,)) for o in officials]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(outcomes) == ["StaleVersion", "approved"]
    final = Submission.objects.get()
    assert (final.status, final.version) == (Submission.Status.APPROVED, submission.version + 1)
    reasons = list(final.history.values_list("history_change_reason", flat=True))
    assert reasons.count("approve") == 1


def test_two_concurrent_approvals_without_versions_give_one_transition_refusal():
    officials = [factories.OfficialFactory(username=f"approver{i}") for i in range(2)]
    reporter = factories.ReporterFactory()
    submission = report_submitted(enterprise=reporter.enterprise, by=reporter)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(official):
        try:
            barrier.wait()
            services.submission_approve(submission=submission, by=official)
            outcomes.append("approved")
        except services.TransitionNotAllowed:
            outcomes.append("refused")
        finally:
            connection.close()

    with mock.patch("progress.services.rollup_request"):
        threads = [threading.Thread(target=approve, args=(o,)) for o in officials]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(outcomes) == ["approved", "refused"]
    history = Submission.objects.get().history.values_list("history_change_reason", flat=True)
    assert list(history).count("approve") == 1
