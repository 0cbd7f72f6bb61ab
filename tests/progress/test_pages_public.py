"""The public page: published city figures for anyone, in both languages, cacheable, with
"revised" where the current figure differs, and never an enterprise."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.services import designation_create
from progress import services
from targets.models import Target
from targets.periods import period_of
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

Q1_2024 = period_of(dt.date(2024, 1, 1))


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def benchmark_factory(granted_on: dt.date, name: str = "某某制药有限公司") -> None:
    designation_create(
        kind="smart_factory_benchmark",
        enterprise=EnterpriseFactory(name=name).uscc,
        granted_on=granted_on,
    )
    services.snapshots_rebuild()


@pytest.fixture
def published(official):
    benchmark_factory(dt.date(2024, 2, 10))
    services.publication_create(period=Q1_2024, by=official)
    services.publication_create(period=Q1_2024 + 1, by=official)


def card(html: str, code: str) -> str:
    start = html.index(f'data-target="{code}"')
    return html[start : html.index("</li>", start)]


def test_anyone_sees_the_latest_published_quarter_in_chinese(client, published):
    response = client.get("/public/", {"lang": "zh-hans"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    assert "2024Q2" in html
    assert "版本 1" in html
    assert Target.objects.get(code="SH23-SF-BENCH").name_zh in card(html, "SH23-SF-BENCH")
    assert 'data-chart="chart-SH23-SF-BENCH"' in html
    assert "某某制药有限公司" not in html  # never an enterprise
    assert "data-revised" not in html


def test_the_page_is_in_english_when_asked(client, published):
    html = client.get("/public/", {"lang": "en", "period": "2024Q1"}).content.decode()

    assert '<html lang="en">' in html
    assert "published on" in html
    assert "2024Q1" in html


def test_a_later_change_is_shown_as_revised_beside_the_published_figure(client, published):
    benchmark_factory(dt.date(2024, 1, 15), name="另一家药企")

    html = client.get("/public/", {"period": "2024Q1", "lang": "en"}).content.decode()

    bench = card(html, "SH23-SF-BENCH")
    assert 'data-revised="true"' in bench
    assert "2 (published: 1)" in bench
    assert "data-revised" not in card(html, "SH23-AI-DRUG")


def test_the_page_is_cacheable_and_sets_no_cookie(client, published):
    response = client.get("/public/")

    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]
    assert not response.cookies


def test_a_cached_page_costs_a_few_queries_and_follows_a_new_rollup(client, published):
    client.get("/public/", {"period": "2024Q1"})
    with CaptureQueriesContext(connection) as queries:
        client.get("/public/", {"period": "2024Q1"})
    assert len(queries) <= 4

    benchmark_factory(dt.date(2024, 1, 15), name="另一家药企")
    assert "data-revised" in client.get("/public/", {"period": "2024Q1"}).content.decode()


def test_the_page_is_in_the_sites_language_unless_asked(client, published, settings):
    response = client.get("/public/")

    assert response["Content-Language"] == settings.LANGUAGE_CODE


def test_nothing_published_says_so(client):
    response = client.get("/public/", {"lang": "zh-hans"})
    assert response.status_code == 200
    assert "尚未发布" in response.content.decode()
    assert client.get("/public/", {"period": "2024Q1"}).status_code == 404
