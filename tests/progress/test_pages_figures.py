from typing import cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress.models import Snapshot
from targets.models import Target
from tests.factories import ReporterFactory, SnapshotFactory

pytestmark = pytest.mark.django_db

P2025Q4 = 2025 * 4 + 3


def snapshot(code: str, scope: str = "city", **fields) -> Snapshot:
    return cast(Snapshot, SnapshotFactory(code=code, scope=scope, period=P2025Q4, **fields))


def test_an_official_sees_every_targets_city_figures_for_the_latest_quarter(client, official):
    snapshot("SH23-SF-BENCH", actual=12, planned=10, target_value=10, status="achieved")
    snapshot("AIC-CLOUD", actual=200, planned=350, target_value=350, status="missed")
    client.force_login(official)
    page = client.get("/progress/figures/").content.decode()
    assert 'data-target="SH23-SF-BENCH"' in page
    assert 'data-target="AIC-CLOUD"' in page
    assert 'class="badge missed"' in page
    assert "2025Q4" in page


def test_the_page_makes_the_same_number_of_queries_for_more_targets(client, official):
    client.force_login(official)
    snapshot("SH23-SF-BENCH")
    with CaptureQueriesContext(connection) as one_target:
        client.get("/progress/figures/")
    for target in Target.objects.exclude(code="SH23-SF-BENCH"):
        snapshot(target.code)
    with CaptureQueriesContext(connection) as every_target:
        client.get("/progress/figures/")
    assert len(every_target) == len(one_target) <= 12


def test_a_park_manager_sees_only_their_park(client, park_manager, park, other_park):
    snapshot("SH23-SCENARIO", scope=f"park:{park.code}", actual=4, share_of_city="40.0")
    snapshot("SH23-SCENARIO", scope=f"park:{other_park.code}", actual=6)
    client.force_login(park_manager)
    response = client.get("/progress/figures/", {"scope": f"park:{other_park.code}"})
    assert response.context["scope"] == f"park:{park.code}"
    assert "40.0" in response.content.decode()


def test_an_enterprise_user_may_not_see_progress(client, enterprise):
    client.force_login(ReporterFactory(enterprise=enterprise))
    assert client.get("/progress/figures/").status_code == 403
