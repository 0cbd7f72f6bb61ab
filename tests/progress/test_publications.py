"""Published figures (DOMAIN.md, "Published figures"): an official freezes a quarter's city
figures; later rollups never change them; the public API shows each published figure and,
where the current one differs, the current one as ``revised``.

Hand computations, SH23-SF-BENCH (designation count; baseline 0 on 2022-12-31, 10 by
2025-12-31; 1,096 days between them):
- 2024Q1 ends 2024-03-31, 456 days in: planned = 10 × 456 / 1096 = 4.1606 → 4.16;
- 2024Q2 ends 2024-06-30, 547 days in: planned = 10 × 547 / 1096 = 4.9909 → 4.99;
- one benchmark factory: percent of target = 1 / 10 = 10.0; two: 20.0.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from enterprises.services import designation_create
from progress import services
from progress.models import Publication, PublishedFigure
from targets.models import Target
from targets.periods import period_format, period_of
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

BENCH = "SH23-SF-BENCH"


def benchmark_factory(granted_on: dt.date) -> None:
    designation_create(
        kind="smart_factory_benchmark",
        enterprise=EnterpriseFactory().uscc,
        granted_on=granted_on,
    )
    services.snapshots_rebuild()


def bench_figure(body: dict, target: str = BENCH) -> dict:
    return next(row for row in body["results"] if row["target"] == target)


def test_publishing_freezes_each_quarter_and_the_public_api_shows_a_later_revision(
    as_official, api
):
    benchmark_factory(dt.date(2024, 2, 10))

    first = as_official.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")
    second = as_official.post("/api/v1/publications/", {"period": "2024Q2"}, format="json")

    assert first.status_code == 201, first.json()
    assert {k: first.json()[k] for k in ("period", "version")} == {
        "period": "2024Q1",
        "version": 1,
    }
    assert first.json()["published_by"]
    assert first.json()["published_at"]
    assert second.json()["version"] == 1

    # A designation granted in January 2024 comes in later: 2024Q1 is now 2, not 1.
    benchmark_factory(dt.date(2024, 1, 15))

    body = api.get("/api/v1/public/progress/", {"period": "2024Q1"}).json()
    figure = bench_figure(body)
    assert body["period"] == "2024Q1"
    assert body["version"] == 1
    assert body["periods"] == ["2024Q1", "2024Q2"]
    assert (figure["actual"], figure["planned"], figure["percent_of_target"]) == (1, 4.16, 10.0)
    assert figure["scope"] == "city"
    assert figure["revised"]["actual"] == 2
    assert figure["revised"]["percent_of_target"] == 20.0
    assert figure["revised"]["planned"] == 4.16
    # A target nobody has moved is not revised.
    assert bench_figure(body, "SH23-AI-DRUG")["revised"] is None

    frozen = PublishedFigure.objects.get(
        publication__period=period_of(dt.date(2024, 1, 1)), target__code=BENCH
    )
    assert frozen.actual == 1


def test_the_latest_published_quarter_is_shown_by_default(as_official, api):
    benchmark_factory(dt.date(2024, 2, 10))
    as_official.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")
    as_official.post("/api/v1/publications/", {"period": "2024Q2"}, format="json")

    body = api.get("/api/v1/public/progress/").json()

    assert body["period"] == "2024Q2"
    assert bench_figure(body)["planned"] == 4.99
    assert bench_figure(body)["actual"] == 1
    assert len(body["results"]) == Target.objects.filter(counts_from__lte="2024-06-30").count()


def test_publishing_again_makes_a_new_version_and_keeps_the_old_one(as_official, api):
    benchmark_factory(dt.date(2024, 2, 10))
    as_official.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")
    benchmark_factory(dt.date(2024, 1, 15))

    again = as_official.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")

    assert again.status_code == 201
    assert again.json()["version"] == 2
    figure = bench_figure(api.get("/api/v1/public/progress/", {"period": "2024Q1"}).json())
    assert (figure["actual"], figure["revised"]) == (2, None)
    versions = Publication.objects.filter(period=period_of(dt.date(2024, 1, 1)))
    assert sorted(versions.values_list("version", flat=True)) == [1, 2]
    assert (
        PublishedFigure.objects.filter(publication__version=1, target__code=BENCH).get().actual == 1
    )


def test_a_quarter_that_has_not_ended_cannot_be_published(as_official):
    now = period_format(period_of(timezone.localdate()))

    response = as_official.post("/api/v1/publications/", {"period": now}, format="json")

    assert response.status_code == 400
    assert "period" in response.json()
    assert not Publication.objects.exists()


def test_a_malformed_quarter_is_a_field_error(as_official, api):
    assert (
        "period"
        in as_official.post("/api/v1/publications/", {"period": "2024Q5"}, format="json").json()
    )
    assert api.get("/api/v1/public/progress/", {"period": "soon"}).status_code == 400


def test_only_officials_publish(as_analyst, as_park_manager, as_reporter, api):
    for client in (as_analyst, as_park_manager, as_reporter):
        response = client.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")
        assert response.status_code == 403
    assert api.post("/api/v1/publications/", {"period": "2024Q1"}, format="json").status_code in (
        401,
        403,
    )
    assert not Publication.objects.exists()


def test_a_quarter_never_published_is_not_found_publicly(api):
    assert api.get("/api/v1/public/progress/").status_code == 404
    assert api.get("/api/v1/public/progress/", {"period": "2024Q1"}).status_code == 404


def test_publishing_first_computes_changes_still_waiting_for_their_rollup(official):
    benchmark_factory(dt.date(2024, 2, 10))
    # Recorded, not yet rolled up (no worker has taken it).
    designation_create(
        kind="smart_factory_benchmark",
        enterprise=EnterpriseFactory().uscc,
        granted_on=dt.date(2024, 1, 15),
    )

    publication = services.publication_create(period=period_of(dt.date(2024, 1, 1)), by=official)

    assert publication.figures.get(target__code=BENCH).actual == 2


def test_anyone_reads_the_public_figures_but_only_officials_list_publications(
    as_official, as_park_manager, api
):
    benchmark_factory(dt.date(2024, 2, 10))
    as_official.post("/api/v1/publications/", {"period": "2024Q1"}, format="json")

    assert api.get("/api/v1/public/progress/").status_code == 200
    assert api.get("/api/v1/publications/").status_code in (401, 403)
    assert as_park_manager.get("/api/v1/publications/").status_code == 403
    listing = as_official.get("/api/v1/publications/").json()["results"]
    assert [(p["period"], p["version"]) for p in listing] == [("2024Q1", 1)]
