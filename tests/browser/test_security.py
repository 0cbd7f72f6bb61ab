"""Under the Content-Security-Policy every page and chart still works in Chromium: no
policy violation and no console error on any page an official opens."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .helpers import Programme, log_in, programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || ""));
});
"""


@pytest.fixture
def world(db) -> Programme:
    return programme()


def test_every_page_works_under_the_content_security_policy(page: Page, live_server, world):
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, live_server.url, world.official.username)
    paths = [
        "/progress/",
        "/progress/targets/CN25-COVERAGE/",
        f"/progress/parks/{world.park.code}/",
        f"/progress/districts/{world.park.district.code}/",
        "/progress/compare/",
        "/progress/maturity/",
        f"/progress/enterprises/{world.enterprise.uscc}/",
        "/progress/manage/",
        "/reports/review/",
        "/reports/completeness/",
        "/exchange/exports/",
        "/exchange/imports/",
        "/api/docs/",
        "/accounts/tokens/",
    ]
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 200, path
        assert "script-src 'self'" in (response.headers.get("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
        for chart in page.locator(".chart").all():
            assert chart.get_attribute("data-drawn") == "true", (path, chart.get_attribute("id"))
        violations = page.evaluate("window.__violations")
        assert violations == [], (path, violations)
    assert errors == []
