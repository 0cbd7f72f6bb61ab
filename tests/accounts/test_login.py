import pytest

from tests.factories import OfficialFactory, ParkManagerFactory, ReporterFactory

pytestmark = pytest.mark.django_db


def test_token_login_returns_a_token_that_authenticates(api):
    OfficialFactory(username="o1")
    response = api.post(
        "/api/v1/auth/token/", {"username": "o1", "password": "pw-12345678"}, format="json"
    )
    assert response.status_code == 200
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api.get("/api/v1/districts/").status_code == 200


def test_token_login_with_a_wrong_password_is_refused(api):
    OfficialFactory(username="o1")
    response = api.post(
        "/api/v1/auth/token/", {"username": "o1", "password": "nope"}, format="json"
    )
    assert response.status_code == 400


def test_the_api_refuses_anonymous_requests_with_401(api):
    assert api.get("/api/v1/enterprises/").status_code == 401


def test_the_login_page_is_served_in_chinese_by_default(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert '<html lang="zh-hans">' in response.content.decode()


def test_the_login_page_is_served_in_english_when_asked(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()


def test_session_login_lands_an_official_on_the_overview(client):
    OfficialFactory(username="o1")
    response = client.post("/accounts/login/", {"username": "o1", "password": "pw-12345678"})
    assert response.status_code == 302
    landing = client.get("/")
    assert landing["Location"] == "/progress/"
    assert client.get(landing["Location"]).status_code == 200


def test_a_park_manager_lands_on_their_park(client, park):
    ParkManagerFactory(username="p1", park=park)
    client.post("/accounts/login/", {"username": "p1", "password": "pw-12345678"})
    assert client.get("/")["Location"] == f"/progress/parks/{park.code}/"


def test_session_login_lands_an_enterprise_user_on_their_reports(client):
    ReporterFactory(username="r1")
    client.post("/accounts/login/", {"username": "r1", "password": "pw-12345678"})
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/reports/"


def test_pages_redirect_anonymous_users_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_logout_ends_the_session(client):
    OfficialFactory(username="o1")
    client.post("/accounts/login/", {"username": "o1", "password": "pw-12345678"})
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302
