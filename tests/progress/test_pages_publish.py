"""The officials' page that publishes a quarter and lists every version."""

from __future__ import annotations

import datetime as dt

import pytest

from enterprises.services import designation_create
from progress import services
from progress.models import Publication
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

URL = "/progress/manage/publications/"


@pytest.fixture
def figures(db):
    designation_create(
        kind="smart_factory_benchmark",
        enterprise=EnterpriseFactory().uscc,
        granted_on=dt.date(2024, 2, 10),
    )
    services.snapshots_rebuild()


def test_an_official_publishes_a_quarter_and_sees_its_version(client, official, figures):
    client.force_login(official)

    response = client.post(URL, {"period": "2024Q1"}, follow=True)

    publication = Publication.objects.get()
    assert (str(publication), publication.published_by) == ("2024Q1 v1", official)
    html = response.content.decode()
    assert 'data-period="2024Q1" data-version="1"' in html
    assert "/public/?period=2024Q1" in html


def test_publishing_again_adds_a_version(client, official, figures):
    client.force_login(official)
    client.post(URL, {"period": "2024Q1"})
    client.post(URL, {"period": "2024Q1"})

    assert list(Publication.objects.values_list("version", flat=True)) == [2, 1]


def test_a_quarter_that_is_not_offered_is_a_field_error(client, official, figures):
    client.force_login(official)

    response = client.post(URL, {"period": "2099Q1"})

    assert response.status_code == 400
    assert 'id="period-errors"' in response.content.decode()
    assert not Publication.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "park_manager", "reporter"])
def test_other_roles_may_not_publish(client, role, request, figures):
    client.force_login(request.getfixturevalue(role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"period": "2024Q1"}).status_code == 403
    assert not Publication.objects.exists()


def test_the_programme_page_links_to_it(client, official):
    client.force_login(official)
    assert URL in client.get("/progress/manage/").content.decode()
