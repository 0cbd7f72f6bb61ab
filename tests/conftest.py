from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from tests import factories


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request's LocaleMiddleware leaves its
    language active in the thread, which would leak into the next test."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def official(db):
    return factories.OfficialFactory(username="official")


@pytest.fixture
def analyst(db):
    return factories.AnalystFactory(username="analyst")


@pytest.fixture
def park(db):
    return factories.ParkFactory(code="PARK-A")


@pytest.fixture
def other_park(db):
    return factories.ParkFactory(code="PARK-B")


@pytest.fixture
def enterprise(park):
    return factories.EnterpriseFactory(park=park, district=park.district)


@pytest.fixture
def other_enterprise(other_park):
    return factories.EnterpriseFactory(park=other_park, district=other_park.district)


@pytest.fixture
def park_manager(park):
    return factories.ParkManagerFactory(username="parkmgr", park=park)


@pytest.fixture
def reporter(enterprise):
    return factories.ReporterFactory(username="reporter", enterprise=enterprise)


@pytest.fixture
def as_official(official) -> APIClient:
    return client_for(official)


@pytest.fixture
def as_analyst(analyst) -> APIClient:
    return client_for(analyst)


@pytest.fixture
def as_park_manager(park_manager) -> APIClient:
    return client_for(park_manager)


@pytest.fixture
def as_reporter(reporter) -> APIClient:
    return client_for(reporter)


# --- a district official and the world outside their district ----------------------------
# ``park`` and ``other_park`` are both in 310115 (浦东新区): the district official's.

OUTSIDE_DISTRICT = "310120"  # 奉贤区


@pytest.fixture
def district_official(db):
    return factories.DistrictOfficialFactory(username="districtofficial")


@pytest.fixture
def as_district_official(district_official) -> APIClient:
    return client_for(district_official)


@pytest.fixture
def outside_park(db):
    """A park in another district than the district official's."""
    return factories.ParkFactory(code="PARK-FX", district=factories.district(OUTSIDE_DISTRICT))


@pytest.fixture
def outside_enterprise(outside_park):
    return factories.EnterpriseFactory(park=outside_park, district=outside_park.district)
