"""The officials' dashboard in a real browser, in Chinese and in English: each role's
landing page, the overview, a target's chart and table, a park manager kept to their park,
the language switch, and an approval reaching the overview."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from progress.models import Snapshot
from progress.pages.common import default_period
from progress.presenters import figures_json
from progress.selectors import snapshot_periods
from reporting import services as reporting
from reporting.models import Submission
from targets.models import Target

from .helpers import Programme, log_in, log_out, programme, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["zh-CN", "en-US"]


@pytest.fixture
def world(db) -> Programme:
    return programme()


@pytest.fixture(params=LANGUAGES)
def language(request, browser) -> Any:
    context = browser.new_context(locale=request.param, viewport={"width": 1366, "height": 900})
    yield request.param, context.new_page()
    context.close()


def test_each_role_lands_on_its_own_page(language, live_server, world):
    locale, page = language
    base = live_server.url
    landings = [
        (world.official, "/progress/"),
        (world.analyst, "/progress/"),
        (world.park_manager, f"/progress/parks/{world.park.code}/"),
        (world.reporter, "/reports/"),
    ]
    for user, path in landings:
        log_in(page, base, user.username)
        assert page.url == f"{base}{path}", (user.username, page.url)
        expect(page.locator("html")).to_have_attribute(
            "lang", "zh-hans" if locale == "zh-CN" else "en"
        )
        screenshot(page, f"landing-{user.role}-{locale}")
        log_out(page)


def test_the_overview_lists_every_target_with_headline_counts_equal_to_the_figures(
    language, live_server, world
):
    locale, page = language
    log_in(page, live_server.url, world.official.username)
    cards = page.locator("[data-testid=cards] > li")
    expect(cards).to_have_count(Target.objects.count())
    assert Target.objects.count() == 18
    period = default_period(sorted(snapshot_periods(), reverse=True))
    assert period is not None
    stored = Counter(
        Snapshot.objects.filter(scope="city", period=period).values_list("status", flat=True)
    )
    for status in ("achieved", "on_track", "at_risk", "off_track", "missed"):
        shown = page.locator(f"[data-testid=headline] [data-status={status}] .n").inner_text()
        assert int(shown) == stored.get(status, 0), status
    statuses = cards.evaluate_all("(cards) => cards.map((c) => c.dataset.status)")
    assert Counter(s for s in statuses if s) == +stored
    screenshot(page, f"overview-{locale}")


def test_a_target_page_draws_its_chart_and_its_table_holds_the_series(language, live_server, world):
    locale, page = language
    log_in(page, live_server.url, world.official.username)
    # A target whose deadline (2030) is still ahead, so the chart projects to it.
    page.goto(f"{live_server.url}/progress/targets/CN25-COVERAGE/")
    chart = page.locator("#target-chart[data-drawn=true]")
    expect(chart).to_be_visible()
    assert chart.locator("svg.main-svg").count() >= 1
    kinds = chart.evaluate("(node) => node.data.map((trace) => trace.meta)")
    assert {"actual", "planned", "milestones", "projection"} <= set(kinds)
    target = Target.objects.get(code="CN25-COVERAGE")
    series = {
        row["period"]: row
        for row in figures_json(Snapshot.objects.filter(target=target, scope="city"))
    }
    rows = page.locator("[data-testid=series-table] tbody tr")
    assert rows.count() == len(series)
    for index in range(rows.count()):
        row = rows.nth(index)
        figure = series[row.get_attribute("data-period") or ""]
        actual = row.locator("[data-field=actual]").get_attribute("data-value")
        planned = row.locator("[data-field=planned]").get_attribute("data-value")
        assert float(actual or "nan") == figure["actual"]
        assert (float(planned) if planned else None) == figure["planned"]
    screenshot(page, f"target-{locale}")


def test_a_park_manager_cannot_reach_another_parks_page(language, live_server, world):
    _locale, page = language
    log_in(page, live_server.url, world.park_manager.username)
    response = page.goto(f"{live_server.url}/progress/parks/{world.other_park.code}/")
    assert response is not None
    assert response.status == 404
    own = page.goto(f"{live_server.url}/progress/parks/{world.park.code}/")
    assert own is not None
    assert own.status == 200
    links = page.locator("a[href*='/progress/parks/']").evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href'))"
    )
    assert all(world.other_park.code not in href for href in links)


def test_switching_language_switches_the_page_and_the_chart(browser, live_server, world):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    log_in(page, live_server.url, world.official.username)
    page.goto(f"{live_server.url}/progress/targets/SH23-TALENT-HIGH/")
    expect(page.locator("#target-chart[data-drawn=true]")).to_be_visible()
    chinese = page.locator("#target-chart").evaluate(
        "(node) => node.data.find((t) => t.meta === 'actual').name"
    )
    page.select_option("#language-select", "en")
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#target-chart[data-drawn=true]")).to_be_visible()
    english = page.locator("#target-chart").evaluate(
        "(node) => node.data.find((t) => t.meta === 'actual').name"
    )
    assert (chinese, english) == ("实际值", "Actual")
    context.close()


def test_an_approval_in_the_review_queue_reaches_the_overview(page: Page, live_server, world):
    period = default_period(sorted(snapshot_periods(), reverse=True))
    assert period is not None
    before = Snapshot.objects.get(target__code="SH23-TALENT-HIGH", scope="city", period=period)
    enterprise = world.other_enterprise
    report = reporting.submission_create(
        enterprise=enterprise,
        period=period,
        metrics={"talent_high_end_new": 5},
        items=[],
        by=world.official,
    )
    reporting.submission_submit(submission=report, by=world.official)

    log_in(page, live_server.url, world.official.username)
    card = page.locator("[data-target=SH23-TALENT-HIGH] [data-testid=actual]")
    shown_before = card.inner_text()
    page.goto(f"{live_server.url}/reports/review/")
    page.click(f"[data-testid=open-{report.pk}]")
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute("data-status", "approved")
    assert Submission.objects.get(pk=report.pk).status == Submission.Status.APPROVED

    page.goto(f"{live_server.url}/progress/")
    after = Snapshot.objects.get(target__code="SH23-TALENT-HIGH", scope="city", period=period)
    assert after.actual == before.actual + 5
    expect(card).not_to_have_text(shown_before)
    expect(card).to_have_text(f"{after.actual:,.0f}")
