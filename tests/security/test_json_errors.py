"""Every error under /api/ is JSON with the right status (400, 401, 403, 404, 405, 413, 415,
429, 500, 503), Django's own 404 and 500 included; pages keep their translated pages and
never show a traceback."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation
from rest_framework import exceptions
from rest_framework.test import APIClient

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_debug(settings):
    settings.DEBUG = False


def quiet(client):
    client.raise_request_exception = False
    return client


def assert_json(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body, dict)
    assert body
    return body


@pytest.mark.parametrize("url", ["/api/v1/", "/api/", "/api/v1/nothing/", "/api/v2/districts/"])
def test_an_address_under_api_that_nothing_answers_is_a_json_404(as_official, url):
    body = assert_json(as_official.get(url), 404)
    assert body["detail"]
    assert body["schema"] == "/api/schema/"


def test_the_api_root_is_json_even_without_a_login():
    body = assert_json(APIClient().get("/api/v1/"), 404)
    assert body["docs"] == "/api/docs/"


def test_an_object_that_does_not_exist_is_a_json_404(as_official):
    assert_json(as_official.get("/api/v1/submissions/999999/"), 404)
    assert_json(as_official.get("/api/v1/enterprises/91310000000000001Y/"), 404)


def test_a_page_past_the_end_is_a_json_404(as_official):
    assert_json(as_official.get("/api/v1/districts/?page=99"), 404)


@pytest.mark.parametrize("size", ["0", "-1", "abc", "１０", "2.5"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_a_400(as_official, size):
    body = assert_json(as_official.get(f"/api/v1/districts/?page_size={size}"), 400)
    assert "page_size" in body


def test_a_page_size_within_bounds_is_used(as_official):
    assert len(as_official.get("/api/v1/districts/?page_size=3").json()["results"]) == 3


def test_not_logged_in_is_a_json_401():
    body = assert_json(APIClient().get("/api/v1/submissions/"), 401)
    assert body["detail"]


def test_a_role_that_may_not_is_a_json_403(as_reporter):
    response = as_reporter.post(
        "/api/v1/parks/", {"code": "X", "name": "x", "district": "310115"}, format="json"
    )
    assert_json(response, 403)


def test_a_method_an_endpoint_does_not_take_is_a_json_405(as_official):
    assert_json(as_official.delete("/api/v1/districts/"), 405)
    assert_json(as_official.put("/api/v1/submissions/", {}, format="json"), 405)


def test_a_media_type_an_endpoint_does_not_read_is_a_json_415(as_reporter):
    response = as_reporter.post("/api/v1/submissions/", "period=2024Q1", content_type="text/plain")
    assert_json(response, 415)


def test_malformed_json_is_a_json_400(as_official):
    body = assert_json(
        as_official.post("/api/v1/enterprises/", "{not json", content_type="application/json"),
        400,
    )
    assert "detail" in body


def test_too_many_requests_is_a_json_429_with_retry_after(as_official):
    with mock.patch(
        "rest_framework.views.APIView.check_throttles", side_effect=exceptions.Throttled(wait=7)
    ):
        response = as_official.get("/api/v1/districts/")
    assert_json(response, 429)
    assert response["Retry-After"] == "7"


def test_a_bug_under_api_is_a_json_500_without_a_traceback(as_official):
    with mock.patch("reporting.selectors.submission_list", side_effect=RuntimeError("boom")):
        response = quiet(as_official).get("/api/v1/submissions/")
    body = assert_json(response, 500)
    assert "boom" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["detail"]


def test_a_bug_outside_drf_under_api_is_a_json_500(official):
    client = quiet(client_for(official))
    with mock.patch("core.api.IdempotencyRecord.objects.filter", side_effect=RuntimeError("boom")):
        response = client.post("/api/v1/rollups/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert_json(response, 500)


def test_a_bug_on_a_page_is_a_translated_500_page_without_a_traceback(client, official):
    client.force_login(official)
    with mock.patch("reporting.views.render", side_effect=RuntimeError("boom")):
        response = quiet(client).get("/reports/all/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 500
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "boom" not in page
    assert "Traceback" not in page
    assert 'lang="zh-hans"' in page
    with translation.override("zh-hans"):
        assert translation.gettext("Server error") in page


def test_a_suspicious_request_under_api_is_a_json_400(as_official):
    response = quiet(as_official).get("/api/v1/districts/", HTTP_HOST="evil.example")
    assert_json(response, 400)


def test_a_django_permission_error_under_api_is_json(as_official):
    with mock.patch(
        "reporting.api.SubmissionViewSet.list",
        side_effect=PermissionDenied("no"),
    ):
        response = as_official.get("/api/v1/submissions/")
    assert assert_json(response, 403)["detail"] == "no"


def test_pages_keep_their_own_404_page(client, official):
    client.force_login(official)
    response = client.get("/progress/nothing-here/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "Back to the start page" in response.content.decode()
