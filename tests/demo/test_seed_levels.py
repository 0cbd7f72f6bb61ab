"""The demo's programme levels: parks that pre-review, reports pre-approved by the marker
park's manager, and the last full year published; seeding again adds nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from demo.seed import demo_seed
from parks.models import Park
from progress.models import Publication
from reporting.models import Submission

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def test_the_demo_pre_reviews_in_two_parks_and_publishes_the_last_full_year_once():
    demo_seed(today=TODAY)

    assert set(Park.objects.filter(prereview=True).values_list("code", flat=True)) == {"ZJ", "LG"}
    pre_approved = Submission.objects.filter(status=Submission.Status.PRE_APPROVED)
    assert pre_approved.exists()
    assert set(pre_approved.values_list("enterprise__park__code", flat=True)) == {"ZJ"}
    assert set(pre_approved.values_list("prereviewed_by__username", flat=True)) == {"park_zj"}
    published = list(Publication.objects.order_by("period"))
    assert [p.period for p in published] == [2025 * 4 + q for q in range(4)]
    assert {p.published_by.username for p in published} == {"official"}
    assert all(p.figures.exists() for p in published)

    waiting = pre_approved.count()

    again = demo_seed(today=TODAY)

    assert "publications" not in again.counts
    assert "pre-approved reports" not in again.counts
    assert Publication.objects.count() == 4
    assert pre_approved.count() == waiting
