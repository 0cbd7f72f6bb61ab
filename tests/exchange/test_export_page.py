"""The workbook page: the form offers the quarters with figures and the scopes the user may
see, a request redirects to its progress, the progress bar and the download link carry the
test ids the browser tests use, and the Summary CSV is safe for Excel."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from exchange.models import Export
from targets.periods import period_parse
from tests.factories import SnapshotFactory

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def figures(park, other_park):
    SnapshotFactory(period=period_parse("2025Q3"))
    SnapshotFactory(period=period_parse("2025Q4"))
    SnapshotFactory(period=period_parse("2025Q4"), scope="park:PARK-A")


def test_the_form_offers_quarters_with_figures_and_every_scope(analyst, figures):
    page = browser(analyst).get("/exchange/exports/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="export-request"' in html
    assert re.search(r'<option value="2025Q4" selected>', html)
    assert '<option value="2025Q3">' in html
    assert '<option value="city" selected>' in html
    assert '<option value="park:PARK-B">' in html
    assert "<script>" not in html  # no inline script (CSP)
    assert "js/export.js" in html


def test_a_park_manager_is_offered_only_their_park(park_manager, figures):
    html = browser(park_manager).get("/exchange/exports/").content.decode()
    assert '<option value="park:PARK-A" selected>' in html
    assert 'value="city"' not in html
    assert 'value="park:PARK-B"' not in html


def test_a_request_shows_its_progress_and_then_the_download(
    analyst, figures, django_capture_on_commit_callbacks
):
    client = browser(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/exchange/exports/", {"period": "2025Q4", "scope": "city"})
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exchange/exports/?export={export.pk}"
    html = client.get(response["Location"]).content.decode()
    progress = re.search(r'<div[^>]*data-testid="export-progress"[^>]*>', html)
    assert progress is not None
    assert 'aria-valuenow="100"' in progress.group(0)
    assert 'role="progressbar"' in progress.group(0)
    assert f'data-status-url="/api/v1/exports/{export.pk}/"' in html
    link = re.search(r'<a[^>]*data-testid="export-download"[^>]*>', html)
    assert link is not None
    assert f'href="/exchange/exports/{export.pk}/download/"' in link.group(0)
    assert 'download="dx-tracker-2025Q4-city.xlsx"' in link.group(0)
    assert f'data-export="{export.pk}" data-status="done"' in html
    download = client.get(f"/exchange/exports/{export.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="dx-tracker-2025Q4-city.xlsx"'


def test_a_pending_export_shows_an_empty_bar_and_no_download(analyst, figures, monkeypatch):
    monkeypatch.setattr("core.queue.current_app.tasks", {})  # broker down: stays pending
    client = browser(analyst)
    response = client.post("/exchange/exports/", {"period": "2025Q4", "scope": "city"})
    html = client.get(response["Location"]).content.decode()
    assert 'aria-valuenow="0"' in html
    assert 'data-status="pending"' in html
    assert re.search(r"<p data-download-wrap hidden>", html)


def test_a_park_manager_cannot_post_another_scope(park_manager, figures):
    response = browser(park_manager).post(
        "/exchange/exports/", {"period": "2025Q4", "scope": "city"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert not Export.objects.exists()


def test_reporters_may_not_open_the_page(reporter, figures):
    assert browser(reporter).get("/exchange/exports/").status_code == 403
    assert browser(reporter).get("/exchange/exports/summary.csv").status_code == 403


def test_the_summary_csv_starts_with_a_bom_and_keeps_figures(analyst, figures):
    response = browser(analyst).get("/exchange/exports/summary.csv?period=2025Q4&scope=city")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "dx-tracker-summary-2025Q4-city.csv" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Code,Plan,Group,Target")
    bench = next(line for line in lines if line.startswith("SH23-SF-BENCH,"))
    assert ",3," in bench  # the actual value
    assert ",2025Q4," in bench


def test_a_park_manager_gets_their_parks_summary_csv_only(park_manager, figures):
    client = browser(park_manager)
    assert client.get("/exchange/exports/summary.csv?scope=city").status_code == 403
    own = client.get("/exchange/exports/summary.csv")
    assert own.status_code == 200
    assert "park-PARK-A" in own["Content-Disposition"]
