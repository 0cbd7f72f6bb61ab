from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def official(db):  # type: ignore[no-untyped-def]
    return factories.OfficialFactory(username="official")


@pytest.fixture
def analyst(db):  # type: ignore[no-untyped-def]
    return factories.AnalystFactory(username="analyst")


@pytest.fixture
def park(db):  # type: ignore[no-untyped-def]
    return factories.ParkFactory(code="PARK-A")


@pytest.fixture
def other_park(db):  # type: ignore[no-untyped-def]
    return factories.ParkFactory(code="PARK-B")


@pytest.fixture
def enterprise(park):  # type: ignore[no-untyped-def]
    return factories.EnterpriseFactory(park=park, district=park.district)


@pytest.fixture
def other_enterprise(other_park):  # type: ignore[no-untyped-def]
    return factories.EnterpriseFactory(park=other_park, district=other_park.district)


@pytest.fixture
def park_manager(park):  # type: ignore[no-untyped-def]
    return factories.ParkManagerFactory(username="parkmgr", park=park)


@pytest.fixture
def reporter(enterprise):  # type: ignore[no-untyped-def]
    return factories.ReporterFactory(username="reporter", enterprise=enterprise)


@pytest.fixture
def as_official(official) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(official)


@pytest.fixture
def as_analyst(analyst) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(analyst)


@pytest.fixture
def as_park_manager(park_manager) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(park_manager)


@pytest.fixture
def as_reporter(reporter) -> APIClient:  # type: ignore[no-untyped-def]
    return client_for(reporter)
