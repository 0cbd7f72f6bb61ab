"""Programme levels in a real browser: a park manager pre-approves a report and the official
finds it first in the queue; an anonymous visitor opens the public page in both languages
and sees the charts of the published quarter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from parks.services import park_update
from progress.services import publication_create
from reporting import services
from targets.periods import period_of
from tests import factories

from .helpers import Programme, log_in, log_out, programme, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db) -> Programme:
    return programme()


@pytest.fixture(params=["zh-CN", "en-US"])
def language(request, browser) -> Any:
    context = browser.new_context(locale=request.param, viewport={"width": 1366, "height": 900})
    yield request.param, context.new_page()
    context.close()


def _submitted(world: Programme, enterprise, period: int):
    reporter = factories.ReporterFactory(enterprise=enterprise)
    report = services.submission_create(
        enterprise=enterprise,
        period=period,
        metrics={"digital_staff": 30, "talent_high_end_new": 2},
        items=[],
        by=reporter,
    )
    return services.submission_submit(submission=report, by=reporter)


def test_a_park_manager_pre_approves_and_the_official_sees_it_first(page: Page, live_server, world):
    park_update(park=world.park, prereview=True)
    quarter = period_of(dt.date(2026, 1, 1))
    elsewhere = _submitted(world, world.other_enterprise, quarter)  # submitted first
    mine = _submitted(world, world.enterprise, quarter)

    log_in(page, live_server.url, world.park_manager.username)
    page.click("nav[data-testid=nav] a[href$='/reports/review/']")
    rows = page.locator("[data-testid=queue] tbody tr[data-submission]")
    expect(rows).to_have_count(1)
    screenshot(page, "prereview-queue-zh-CN")
    page.click(f"[data-testid=open-{mine.pk}]")
    page.click("[data-testid=pre-approve]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "pre_approved"
    )
    log_out(page)

    log_in(page, live_server.url, world.official.username)
    page.goto(f"{live_server.url}/reports/review/")
    rows = page.locator("[data-testid=queue] tbody tr[data-submission]")
    expect(rows).to_have_count(2)
    expect(rows.first).to_have_attribute("data-submission", str(mine.pk))
    expect(rows.nth(1)).to_have_attribute("data-submission", str(elsewhere.pk))
    screenshot(page, "review-queue-pre-approved-first-zh-CN")
    page.click(f"[data-testid=open-{mine.pk}]")
    expect(page.locator("[data-testid=pre-approved-note]")).to_be_visible()
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute("data-status", "approved")


def test_an_anonymous_visitor_reads_the_public_page_with_its_charts(language, live_server, world):
    locale, page = language
    cache.clear()
    for quarter in (dt.date(2025, 7, 1), dt.date(2025, 10, 1)):
        publication_create(period=period_of(quarter), by=world.official)
    lang = "zh-hans" if locale == "zh-CN" else "en"

    page.goto(f"{live_server.url}/public/?lang={lang}")

    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("[data-testid=published]")).to_contain_text("2025Q4")
    card = page.locator("li[data-target=SH23-TALENT-HIGH]")
    expect(card.locator(".chart[data-drawn=true]")).to_have_count(1, timeout=20_000)
    traces = card.locator(".chart .scatterlayer .trace")
    expect(traces.first).to_be_visible()
    assert page.locator("nav[data-testid=nav]").count() == 0  # nothing of the signed-in app
    heading = page.locator("h1").inner_text()
    assert ("已发布" in heading) if lang == "zh-hans" else ("published figures" in heading)
    screenshot(page, f"public-{locale}")
