"""A district official in a real browser, in Chinese and in English: they log in and land
on their district's page, find their parks there and open one, and another district's
park answers 404."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import User
from tests import factories

from .helpers import Programme, log_in, log_out, programme, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["zh-CN", "en-US"]
DJANGO_LANGUAGE = {"zh-CN": "zh-hans", "en-US": "en"}


@pytest.fixture
def world(db) -> tuple[Programme, User]:
    made = programme()
    official = factories.DistrictOfficialFactory(username="quzhengfu", district=made.park.district)
    return made, cast(User, official)


@pytest.fixture(params=LANGUAGES)
def language(request, browser) -> Any:
    context = browser.new_context(locale=request.param, viewport={"width": 1366, "height": 900})
    yield request.param, context.new_page()
    context.close()


def test_a_district_official_lands_on_their_district_page(language, live_server, world):
    locale, page = language
    base = live_server.url
    made, official = world
    district = made.park.district
    log_in(page, base, official.username)

    assert page.url == f"{base}/progress/districts/{district.code}/"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans" if locale == "zh-CN" else "en")
    name = district.name_zh if locale == "zh-CN" else district.name_en
    expect(page.locator("main h1")).to_contain_text(name)
    nav = page.get_by_test_id("nav")
    with translation.override(DJANGO_LANGUAGE[locale]):
        my_district = translation.gettext("My district")
    expect(nav.locator(f'a[href="/progress/districts/{district.code}/"]')).to_have_text(my_district)
    expect(nav.locator('a[href="/progress/compare/"]')).to_have_count(0)
    expect(nav.locator('a[href="/reports/review/"]')).to_have_count(0)
    screenshot(page, f"landing-district_official-{locale}")

    # Their park is one click away; another district's park is not theirs.
    page.locator(f'main a[href^="/progress/parks/{made.park.code}/"]').first.click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{base}/progress/parks/{made.park.code}/")
    screenshot(page, f"district_official-park-{locale}")
    response = page.goto(f"{base}/progress/parks/{made.other_park.code}/")
    assert response is not None
    assert response.status == 404
    log_out(page)
