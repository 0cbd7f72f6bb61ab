"""Access hardening: login lockout on the page and the token endpoint, API throttling,
tokens that expire and can be revoked, and the security headers on every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken
from accounts.services import token_issue
from tests.factories import OfficialFactory, ReporterFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-12345678"
TOKEN_URL = "/api/v1/auth/token/"


def rates(monkeypatch, **changes: str) -> None:
    """DRF reads its rates once, at import: change them where the throttles read them."""
    for scope, rate in changes.items():
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, rate)


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def test_sixty_wrong_passwords_lock_the_login_page_even_for_the_right_one(client):
    OfficialFactory(username="lin")
    statuses = {
        client.post("/accounts/login/", {"username": "lin", "password": "wrong"}).status_code
        for _attempt in range(60)
    }
    assert 429 in statuses
    locked = client.post("/accounts/login/", {"username": "lin", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Try again" in locked.content.decode()
    assert locked["Retry-After"]
    assert "_auth_user_id" not in client.session


def test_sixty_wrong_passwords_lock_the_token_endpoint_with_a_json_answer(api, monkeypatch):
    rates(monkeypatch, login="1000/min")
    OfficialFactory(username="lin")
    for _attempt in range(60):
        api.post(TOKEN_URL, {"username": "lin", "password": "wrong"}, format="json")
    locked = api.post(TOKEN_URL, {"username": "lin", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "detail" in locked.json()
    assert "token" not in locked.json()


def test_a_successful_login_before_the_limit_clears_the_failures(client):
    OfficialFactory(username="lin")
    for _attempt in range(5):
        client.post("/accounts/login/", {"username": "lin", "password": "wrong"})
    assert (
        client.post("/accounts/login/", {"username": "lin", "password": PASSWORD}).status_code
        == 302
    )


def test_the_token_endpoint_is_throttled(api, monkeypatch):
    rates(monkeypatch, login="3/min")
    answers = [
        api.post(TOKEN_URL, {"username": "x", "password": "y"}, format="json").status_code
        for _attempt in range(5)
    ]
    assert answers[:3] == [400, 400, 400]
    assert answers[3:] == [429, 429]


def test_the_api_is_throttled_per_user(official, monkeypatch):
    rates(monkeypatch, user="5/min")
    client = APIClient()
    client.force_authenticate(official)
    answers = [client.get("/api/v1/districts/").status_code for _attempt in range(7)]
    assert answers[:5] == [200] * 5
    assert answers[5:] == [429, 429]


def test_a_token_signs_in_until_it_expires(api, official):
    issued = token_issue(user=official, at=timezone.now() - dt.timedelta(days=29, hours=23))
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api.get("/api/v1/districts/").status_code == 200
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api.get("/api/v1/districts/").status_code == 401


def test_a_revoked_token_no_longer_signs_in(client, api):
    reporter = ReporterFactory(username="qiye")
    issued = token_issue(user=reporter)
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api.get("/api/v1/districts/").status_code == 200

    client.force_login(reporter)
    page = client.get("/accounts/tokens/")
    assert issued.token.prefix in page.content.decode()
    client.post("/accounts/tokens/", {"revoke": issued.token.pk})

    assert api.get("/api/v1/districts/").status_code == 401
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_a_user_cannot_revoke_someone_elses_token(client, official):
    issued = token_issue(user=official)
    client.force_login(ReporterFactory(username="qiye"))
    assert client.post("/accounts/tokens/", {"revoke": issued.token.pk}).status_code == 404
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_only_the_hash_of_a_key_is_stored(official):
    issued = token_issue(user=official)
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.key not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64


def test_an_official_revokes_tokens_in_the_admin(client):
    from django.core.management import call_command

    call_command("add_user", "zhang", "--role", "official", "--password", "s3cret-pass")
    from accounts.models import User

    official = User.objects.get(username="zhang")
    issued = token_issue(user=ReporterFactory(username="qiye"))
    client.force_login(official)
    response = client.post(
        "/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [issued.token.pk]}
    )
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is not None


def test_every_page_carries_a_content_security_policy_and_a_permissions_policy(client, official):
    client.force_login(official)
    for path in ("/accounts/login/", "/progress/", "/reports/review/", "/api/docs/"):
        response = client.get(path, follow=True)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy, path
        assert "camera=()" in response["Permissions-Policy"], path
