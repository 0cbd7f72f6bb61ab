"""Outlier flags that help officials review: against the enterprise's own past and its peers."""

from __future__ import annotations

import pytest

from reporting.models import Submission
from reporting.outliers import outlier_flags
from tests.factories import SubmissionFactory

from .helpers import Q1_2024, new_enterprise

pytestmark = pytest.mark.django_db
SUBMITTED = Submission.Status.SUBMITTED


def submitted(enterprise, **metrics):
    return SubmissionFactory(enterprise=enterprise, period=Q1_2024, metrics=metrics, submitted=True)


def rules(flags, submission):
    return sorted((f["metric"], f["rule"]) for f in flags[submission.pk])


def test_a_value_over_three_times_the_enterprises_median_is_flagged():
    jumpy, steady = new_enterprise(), new_enterprise()
    for enterprise in (jumpy, steady):
        for offset, revenue in ((3, 100), (2, 90), (1, 200)):  # median 100
            SubmissionFactory(
                enterprise=enterprise,
                period=Q1_2024 - offset,
                metrics={"revenue": revenue},
                approved=True,
            )
    jump = submitted(jumpy, revenue=301)
    fine = submitted(steady, revenue=300)

    flags = outlier_flags(submissions=[jump, fine])

    assert rules(flags, jump) == [("revenue", "history")]
    assert flags[jump.pk][0]["median"] == 100
    assert (
        "Operating revenue this quarter is more than 3× this enterprise's median"
        in (flags[jump.pk][0]["message"])
    )
    assert flags[fine.pk] == []


def test_the_history_rule_needs_an_earlier_approved_quarter():
    enterprise = new_enterprise()
    SubmissionFactory(
        enterprise=enterprise, period=Q1_2024 - 1, metrics={"revenue": 1}, returned=True
    )
    report = submitted(enterprise, revenue=1000)
    assert outlier_flags(submissions=[report])[report.pk] == []


def test_a_value_far_from_the_peers_of_the_quarter_is_flagged_by_modified_z_score():
    reports = [submitted(new_enterprise(), revenue=v) for v in (10, 11, 12, 13, 14, 1000)]
    # median 12.5, MAD 1.5: z(1000) = 0.6745 × 987.5 / 1.5 ≈ 444; z(10) ≈ −1.1
    flags = outlier_flags(submissions=reports)
    assert [rules(flags, r) for r in reports] == [[], [], [], [], [], [("revenue", "peers")]]
    assert flags[reports[-1].pk][0]["score"] == pytest.approx(444.04, abs=0.01)


def test_no_peer_flag_when_the_mad_is_zero():
    reports = [submitted(new_enterprise(), digital_staff=v) for v in (5, 5, 5, 90)]
    flags = outlier_flags(submissions=reports)
    assert all(not found for found in flags.values())


def test_drafts_are_not_peers_and_flags_are_ignored():
    peers = [submitted(new_enterprise(), revenue=v, cloud_adopted=False) for v in (10, 11, 12)]
    SubmissionFactory(enterprise=new_enterprise(), period=Q1_2024, metrics={"revenue": 13})
    odd = submitted(new_enterprise(), revenue=12, cloud_adopted=True)
    flags = outlier_flags(submissions=[*peers, odd])
    assert all(not found for found in flags.values())


def test_flags_take_a_fixed_number_of_queries(django_assert_max_num_queries):
    reports = []
    for value in range(30):
        enterprise = new_enterprise()
        SubmissionFactory(
            enterprise=enterprise,
            period=Q1_2024 - 1,
            metrics={"revenue": 10, "digital_staff": 3},
            approved=True,
        )
        reports.append(submitted(enterprise, revenue=10 + value, digital_staff=3 + value % 4))
    with django_assert_max_num_queries(4):
        outlier_flags(submissions=reports)
