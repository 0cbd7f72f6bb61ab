"""While the database cannot be reached, API clients get a JSON 503 with Retry-After and
browsers a "try again" page in their language (never a traceback); the next request after
the database is back works, with no restart (issue 10, item 5)."""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connection, connections
from django.test import Client, RequestFactory
from django.utils import translation
from rest_framework.test import APIClient

from accounts.services import token_issue
from core.views import RETRY_AFTER_SECONDS, server_error
from reporting.models import Submission

pytestmark = pytest.mark.django_db(transaction=True)

REFUSED = 'connection to server at "127.0.0.1", port 5432 failed: Connection refused'


@pytest.fixture(autouse=True)
def _no_debug(settings):
    settings.DEBUG = False


@contextlib.contextmanager
def database_down(error: type[Exception] = OperationalError) -> Iterator[None]:
    """Every query fails as it does when PostgreSQL is stopped or restarting."""
    with mock.patch.object(connections["default"], "_cursor", side_effect=error(REFUSED)):
        yield


def token_client(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user, name='test').key}")
    return client


def assert_503_json(response):
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "database" in response.json()["detail"]


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_json_with_retry_after_and_works_again_after(official, error):
    client = token_client(official)
    with database_down(error):
        assert_503_json(client.get("/api/v1/districts/"))
        assert_503_json(client.get("/api/v1/progress/"))
    assert client.get("/api/v1/districts/").status_code == 200


def test_a_report_sent_while_the_database_is_down_is_refused_whole_and_can_be_sent_again(
    reporter,
):
    client = token_client(reporter)
    body = {"period": "2024Q1", "metrics": {"digital_staff": 3}}
    with database_down():
        assert_503_json(client.post("/api/v1/submissions/", body, format="json"))
    assert not Submission.objects.exists()
    assert client.post("/api/v1/submissions/", body, format="json").status_code == 201


def test_an_idempotent_post_while_the_database_is_down_is_a_503(official):
    client = token_client(official)
    with database_down():
        response = client.post("/api/v1/rollups/", {}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert_503_json(response)


def test_a_session_client_of_the_api_gets_json_too(official):
    client = Client(raise_request_exception=False)
    client.force_login(official)
    with database_down():
        assert_503_json(client.get("/api/v1/submissions/"))


@pytest.mark.parametrize(("accept", "language"), [("zh-CN", "zh-hans"), ("en", "en")])
def test_a_page_answers_the_translated_try_again_page(official, accept, language):
    client = Client(raise_request_exception=False)
    client.force_login(official)
    with database_down():
        response = client.get("/progress/?period=2024Q4", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert f'lang="{language}"' in page
    with translation.override(language):
        assert translation.gettext("Temporarily unavailable") in page
        assert translation.gettext("Try again") in page
    assert 'href="/progress/?period=2024Q4"' in page
    assert "Traceback" not in page
    assert REFUSED not in page
    # And back: the same client, no restart.
    assert client.get("/progress/", HTTP_ACCEPT_LANGUAGE=accept).status_code == 200


def test_the_login_page_says_try_again_while_the_database_is_down(official):
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.post(
            "/accounts/login/",
            {"username": "official", "password": "pw-12345678"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 503
    assert "Try again" in response.content.decode()


def test_a_database_error_outside_a_view_is_a_503_too():
    """A middleware that fails on the database (saving the session, say) reaches
    handler500, which tells an outage from a bug."""
    request = RequestFactory().get("/api/v1/districts/")
    try:
        raise OperationalError(REFUSED)
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    page_request = RequestFactory().get("/progress/")
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        assert server_error(page_request).status_code == 503


def test_other_database_errors_stay_500s(official):
    """Only an unreachable database is a 503; a failing query is a bug, answered 500."""
    from django.db import ProgrammingError

    client = token_client(official)
    with mock.patch(
        "reporting.selectors.submission_list", side_effect=ProgrammingError("no such column")
    ):
        response = client.get("/api/v1/submissions/")
    assert response.status_code == 500
    assert "Retry-After" not in response


# --- a real outage of PostgreSQL, against a real server ---------------------------------


@contextlib.contextmanager
def connections_refused() -> Iterator[None]:
    """The test database refuses new connections and drops the ones it has (but the test's
    own), as a PostgreSQL restart does, without stopping the shared server."""
    import psycopg2

    settings = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        ours = cursor.fetchone()[0]
    admin = psycopg2.connect(
        dbname="postgres",
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
    admin.autocommit = True
    name = settings["NAME"]
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> %s",
                [name, ours],
            )
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()


def fetch(url: str, *, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.postgres_only
def test_a_live_server_answers_503_while_postgresql_refuses_and_reconnects_by_itself(
    live_server, official
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    token = token_issue(user=official, name="live").key
    api = {"Authorization": f"Token {token}", "Accept-Language": "en"}
    client = Client()
    client.force_login(official)
    page = {"Cookie": f"sessionid={client.cookies['sessionid'].value}", "Accept-Language": "en"}
    assert fetch(f"{live_server.url}/api/v1/districts/", headers=api)[0] == 200

    with connections_refused():
        status, headers, body = fetch(f"{live_server.url}/api/v1/districts/", headers=api)
        assert status == 503
        assert headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "database" in json.loads(body)["detail"]
        status, headers, body = fetch(f"{live_server.url}/progress/", headers=page)
        assert status == 503
        assert "Try again" in body.decode()
        assert "Traceback" not in body.decode()

    # PostgreSQL is back: the very next requests work, nothing restarted.
    assert fetch(f"{live_server.url}/api/v1/districts/", headers=api)[0] == 200
    assert fetch(f"{live_server.url}/progress/", headers=page)[0] == 200
