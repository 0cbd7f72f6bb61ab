"""/api/v1/allocations/ (API.md, "Programme levels"): officials allocate city targets to
districts and parks; everyone logged in reads the allocations of the scopes they may see."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from targets.models import Allocation, RecomputeRequest
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/allocations/"


def allocate(client, **body):
    return client.post(
        URL, {"target": "SH23-SF-BENCH", "scope": "park:PARK-A", **body}, format="json"
    )


def test_an_official_allocates_a_target_to_a_park_with_its_own_milestones(as_official, park):
    response = allocate(
        as_official,
        value=4,
        milestones=[{"date": "2024-12-31", "value": 2.5}, {"date": "2023-12-31", "value": 1}],
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body == {
        "id": Allocation.objects.get().pk,
        "target": "SH23-SF-BENCH",
        "scope": "park:PARK-A",
        "value": 4,
        "milestones": [
            {"date": "2023-12-31", "value": 1},
            {"date": "2024-12-31", "value": 2.5},
        ],
    }
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]
    assert as_official.get(f"{URL}{body['id']}/").json() == body


def test_without_milestones_the_list_is_empty(as_official):
    response = as_official.post(
        URL, {"target": "CN25-COVERAGE", "scope": "district:310115", "value": "62.5"}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["value"] == 62.5
    assert response.json()["milestones"] == []


def test_a_second_post_for_the_same_target_and_scope_answers_409_with_the_existing_id(
    as_official, park
):
    first = allocate(as_official, value=4).json()

    response = allocate(as_official, value=5)

    assert response.status_code == 409
    assert response.json()["id"] == first["id"]
    assert "already allocated" in response.json()["detail"]
    assert Allocation.objects.get().value == 4


def test_a_retry_with_the_same_idempotency_key_returns_the_first_answer(as_official, park):
    body = {"target": "SH23-SF-BENCH", "scope": "park:PARK-A", "value": 4}

    first = as_official.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = as_official.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scope": "city"}, "scope"),
        ({"scope": "park:NOWHERE"}, "scope"),
        ({"scope": "district:000000"}, "scope"),
        ({"scope": "somewhere"}, "scope"),
        ({"target": "NO-SUCH-TARGET"}, "target"),
        ({"value": 0}, "value"),
        ({"value": 2.5}, "value"),
        ({"value": "x"}, "value"),
        ({"milestones": [{"date": "2026-03-31", "value": 1}]}, "milestones"),
        ({"milestones": [{"date": "2024-12-31", "value": -1}]}, "milestones"),
        ({"milestones": [{"date": "31/12/2024", "value": 1}]}, "milestones"),
        ({"milestones": "2024-12-31: 1"}, "milestones"),
    ],
)
def test_an_invalid_allocation_answers_400_with_the_field(as_official, park, body, field):
    response = allocate(as_official, **{"value": 4, **body})

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Allocation.objects.exists()


def test_a_missing_value_answers_400(as_official, park):
    response = as_official.post(
        URL, {"target": "SH23-SF-BENCH", "scope": "park:PARK-A"}, format="json"
    )

    assert response.status_code == 400
    assert "value" in response.json()


def test_patch_changes_the_value_and_milestones_and_keeps_target_and_scope(as_official, park):
    created = allocate(as_official, value=4).json()
    url = f"{URL}{created['id']}/"
    RecomputeRequest.objects.all().delete()

    response = as_official.patch(
        url, {"value": 6, "milestones": [{"date": "2025-06-30", "value": 5}]}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        **created,
        "value": 6,
        "milestones": [{"date": "2025-06-30", "value": 5}],
    }
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]
    # An empty list goes back to the city's milestones, scaled; the value stays.
    response = as_official.patch(url, {"milestones": []}, format="json")
    assert (response.json()["milestones"], response.json()["value"]) == ([], 6)
    # The scope cannot move.
    response = as_official.patch(url, {"scope": "park:PARK-B"}, format="json")
    assert response.status_code == 400
    assert "scope" in response.json()
    # A patch is validated as a creation is.
    response = as_official.patch(url, {"value": 6.5}, format="json")
    assert response.status_code == 400
    assert "value" in response.json()


def test_delete_withdraws_the_allocation_and_recomputes(as_official, park):
    created = allocate(as_official, value=4).json()
    RecomputeRequest.objects.all().delete()

    response = as_official.delete(f"{URL}{created['id']}/")

    assert response.status_code == 204
    assert not Allocation.objects.exists()
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]
    assert as_official.get(f"{URL}{created['id']}/").status_code == 404


def test_the_list_filters_by_target_and_scope(as_official, park, other_park):
    allocate(as_official, value=4)
    allocate(as_official, scope="park:PARK-B", value=3)
    allocate(as_official, target="SH23-PIONEER", value=2)

    def scopes(**params):
        response = as_official.get(URL, params)
        assert response.status_code == 200
        return [(row["target"], row["scope"]) for row in response.json()["results"]]

    assert scopes() == [
        ("SH23-SF-BENCH", "park:PARK-A"),
        ("SH23-SF-BENCH", "park:PARK-B"),
        ("SH23-PIONEER", "park:PARK-A"),
    ]
    assert scopes(target="SH23-PIONEER") == [("SH23-PIONEER", "park:PARK-A")]
    assert scopes(scope="park:PARK-B") == [("SH23-SF-BENCH", "park:PARK-B")]
    assert scopes(scope="not a scope") == []
    assert as_official.get(URL).json()["count"] == 3


# --- who reads and who writes ---------------------------------------------------------------


@pytest.fixture
def allocations(as_official, park, other_park):
    return {
        "A": allocate(as_official, value=4).json(),
        "B": allocate(as_official, scope="park:PARK-B", value=3).json(),
        "district": allocate(as_official, scope="district:310115", value=7).json(),
    }


def test_an_analyst_reads_every_allocation_and_changes_none(as_analyst, allocations):
    response = as_analyst.get(URL)

    assert response.json()["count"] == 3
    assert allocate(as_analyst, scope="district:310104", value=1).status_code == 403
    url = f"{URL}{allocations['A']['id']}/"
    assert as_analyst.patch(url, {"value": 9}, format="json").status_code == 403
    assert as_analyst.delete(url).status_code == 403


def test_a_park_manager_reads_only_their_parks_allocations(as_park_manager, allocations):
    response = as_park_manager.get(URL)

    assert [row["scope"] for row in response.json()["results"]] == ["park:PARK-A"]
    assert as_park_manager.get(f"{URL}{allocations['A']['id']}/").status_code == 200
    # Another park's or the district's: not found, as if it did not exist.
    assert as_park_manager.get(f"{URL}{allocations['B']['id']}/").status_code == 404
    assert as_park_manager.get(f"{URL}{allocations['district']['id']}/").status_code == 404
    assert allocate(as_park_manager, scope="park:PARK-A", value=1).status_code == 403
    url = f"{URL}{allocations['A']['id']}/"
    assert as_park_manager.patch(url, {"value": 9}, format="json").status_code == 403
    assert as_park_manager.delete(url).status_code == 403


def test_a_reporter_reads_no_allocation_and_writes_none(as_reporter, allocations):
    assert as_reporter.get(URL).json()["results"] == []
    assert as_reporter.get(f"{URL}{allocations['A']['id']}/").status_code == 404
    assert allocate(as_reporter, scope="park:PARK-A", value=1).status_code == 403


def test_anonymous_requests_are_refused(api, allocations):
    assert api.get(URL).status_code == 401
    assert allocate(api, value=1).status_code == 401


def test_the_list_takes_the_same_number_of_queries_for_more_allocations(park_manager, as_official):
    park = park_manager.park
    client = client_for(park_manager)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured.captured_queries)

    allocate(as_official, scope=f"park:{park.code}", value=1)
    few = queries()
    for code in ("SH23-PIONEER", "SH23-SCENARIO", "SH23-DEVICE"):
        allocate(as_official, target=code, scope=f"park:{park.code}", value=2)
    for n in range(3):
        other = factories.ParkFactory(code=f"Q{n}")
        allocate(as_official, scope=f"park:{other.code}", value=1)

    assert queries() == few


def test_the_schema_documents_the_endpoints(as_official):
    schema = as_official.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert set(paths["/api/v1/allocations/"]) >= {"get", "post"}
    assert set(paths["/api/v1/allocations/{id}/"]) >= {"get", "patch", "delete"}
    assert "409" in paths["/api/v1/allocations/"]["post"]["responses"]
