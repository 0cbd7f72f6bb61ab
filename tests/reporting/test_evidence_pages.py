"""Evidence files in the browser pages: the report form, the review page, downloads and
previews, the check mark, and the reviewer's comment about one item."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reporting import evidence, services
from reporting.models import EvidenceEvent, EvidenceFile, Submission
from tests import factories

from .evidence_helpers import DEVICE, HTML, PDF, PNG, SCENARIO, attach, upload
from .helpers import report_create
from .test_pages_report_form import form_data, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_reporter(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def client_official(client, official):
    client.force_login(official)
    return client


def device_row(index: int = 0) -> dict[str, str]:
    return item(
        index,
        kind="smart_device_approval",
        identifier=DEVICE["identifier"],
        title=DEVICE["title"],
        date=DEVICE["date"],
    )


def new_report_url() -> str:
    return reverse("reporting:report-new", args=["2024Q1"])


# --- the report form ------------------------------------------------------------------------


def test_the_form_takes_files_with_a_new_item_and_submits_in_one_step(client_reporter, reporter):
    data = form_data(**{"items-TOTAL_FORMS": "1"}, **device_row(), action="submit")
    data["items-0-files"] = upload(PDF, "医疗器械注册证.pdf")
    response = client_reporter.post(new_report_url(), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    submission = Submission.objects.get(enterprise=reporter.enterprise)
    assert submission.status == "submitted"
    stored = EvidenceFile.objects.get(submission=submission)
    assert (stored.name, stored.position) == ("医疗器械注册证.pdf", 0)


def test_submitting_a_required_item_without_a_file_shows_the_message_on_its_row(
    client_reporter, reporter
):
    data = form_data(**{"items-TOTAL_FORMS": "1"}, **device_row(), action="submit")
    response = client_reporter.post(new_report_url(), data)
    assert response.status_code == 400
    row = response.context["items"].forms[0]
    assert "attach the evidence file" in row.errors["file_ids"][0]
    assert not Submission.objects.exists()


def test_a_file_refused_by_its_content_is_named_on_its_row_and_nothing_is_saved(
    client_reporter, reporter
):
    data = form_data(**{"items-TOTAL_FORMS": "1"}, **device_row(), action="save")
    data["items-0-files"] = upload(HTML, "notice.pdf")
    response = client_reporter.post(new_report_url(), data)
    assert response.status_code == 400
    row = response.context["items"].forms[0]
    assert "is not a PDF, JPEG, PNG or OFD file" in row.errors["file_ids"][0]
    assert "choose them again" in response.content.decode()
    assert not EvidenceFile.objects.exists()
    assert not Submission.objects.exists()


def test_a_saved_item_shows_its_files_and_uploads_more_at_once(client_reporter, reporter):
    submission = report_create(
        enterprise=reporter.enterprise, by=reporter, items=[SCENARIO, DEVICE]
    )
    stored = attach(submission, reporter, position=1, name="注册证.pdf")
    response = client_reporter.get(reverse("reporting:report-detail", args=[submission.pk]))
    html = response.content.decode()
    rows = response.context["items"].forms
    assert [len(row.evidence) for row in rows] == [0, 1]
    assert rows[1].upload_url == f"/api/v1/submissions/{submission.pk}/items/1/files/"
    assert rows[1]["file_ids"].value() == str(stored.pk)
    assert 'enctype="multipart/form-data"' in html
    assert "注册证.pdf" in html
    assert "js/evidence_form.js" in html


def test_saving_the_form_keeps_each_file_with_its_item(client_reporter, reporter):
    submission = report_create(
        enterprise=reporter.enterprise, by=reporter, items=[SCENARIO, DEVICE]
    )
    stored = attach(submission, reporter, position=1)
    # The scenario row is removed: the device becomes item 0 and keeps its file.
    data = form_data(
        **{"items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "2"},
        **item(0, kind="scenario", identifier="MES rollout", date="2024-02-01", DELETE="on"),
        **device_row(1),
        **{"items-1-file_ids": str(stored.pk)},
        version=str(submission.version),
    )
    response = client_reporter.post(reverse("reporting:report-detail", args=[submission.pk]), data)
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.position, stored.removed_at) == (0, None)


# --- the review page -----------------------------------------------------------------------------


@pytest.fixture
def submitted(reporter, enterprise):
    submission = report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DEVICE])
    attach(submission, reporter, position=1, name="注册证.pdf")
    attach(submission, reporter, position=1, content=PNG, name="photo.png")
    return services.submission_submit(submission=submission, by=reporter)


def test_the_review_page_shows_each_items_files_with_previews_and_checks(
    client_official, submitted
):
    response = client_official.get(reverse("reporting:report-detail", args=[submitted.pk]))
    html = response.content.decode()
    rows = response.context["item_rows"]
    assert [len(row["files"]) for row in rows] == [0, 2]
    pdf, png = rows[1]["files"]
    assert pdf["preview_url"].endswith("/preview/")
    assert (pdf["preview_kind"], png["preview_kind"]) == ("pdf", "image")
    assert pdf["check_url"] is not None
    assert 'data-testid="evidence-preview"' in html
    assert "js/evidence_review.js" in html
    assert 'id="preview-' in html


def test_a_required_item_without_a_file_is_marked_for_the_reviewer(client_official, official):
    enterprise = factories.EnterpriseFactory()
    submission = report_create(enterprise=enterprise, by=official, items=[DEVICE])
    services.submission_submit(submission=submission, by=official)  # on the enterprise's behalf
    response = client_official.get(reverse("reporting:report-detail", args=[submission.pk]))
    assert response.context["item_rows"][0]["evidence_missing"] is True
    assert 'data-testid="evidence-missing"' in response.content.decode()


def test_the_review_page_reads_the_files_in_a_fixed_number_of_queries(
    client_official, reporter, enterprise, django_assert_max_num_queries
):
    items = [{**DEVICE, "identifier": f"国械注准2024321000{n}"} for n in range(6)]
    submission = report_create(enterprise=enterprise, by=reporter, items=items[:2])
    attach(submission, reporter, position=0)
    url = reverse("reporting:report-detail", args=[submission.pk])
    with django_assert_max_num_queries(40) as few:
        client_official.get(url)
    submission = services.submission_update(
        submission=submission, version=submission.version, metrics={}, items=items, by=reporter
    )
    for position in range(1, 6):
        attach(submission, reporter, position=position)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client_official.get(url)


def test_the_reviewer_marks_a_file_as_checked(client_official, submitted, official):
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    response = client_official.post(
        reverse("reporting:evidence-check", args=[evidence_file.public_id]), {"checked": "1"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/reports/{submitted.pk}/#item-2")
    evidence_file.refresh_from_db()
    assert evidence_file.checked_by == official


def test_only_reviewers_check_files(client_reporter, submitted):
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    url = reverse("reporting:evidence-check", args=[evidence_file.public_id])
    assert client_reporter.post(url, {"checked": "1"}).status_code == 403
    evidence_file.refresh_from_db()
    assert evidence_file.checked_at is None


def test_returning_the_report_names_the_chosen_item(client_official, submitted):
    client_official.post(
        reverse("reporting:report-return", args=[submitted.pk]),
        {"comment": "注册证已过期", "item": "2", "version": submitted.version},
    )
    submitted.refresh_from_db()
    assert submitted.status == "returned"
    assert submitted.review_comment == "Item 2 (国械注准20243210001): 注册证已过期"


def test_the_return_form_offers_each_item(client_official, submitted):
    html = client_official.get(reverse("reporting:report-detail", args=[submitted.pk])).content
    assert 'name="item"' in html.decode()
    assert "国械注准20243210001" in html.decode()


# --- downloads and previews --------------------------------------------------------------------


def test_the_preview_is_inline_framable_by_the_site_only_and_never_sniffed(
    client_official, submitted
):
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    response = client_official.get(
        reverse("reporting:evidence-preview", args=[evidence_file.public_id])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_the_download_is_an_attachment_that_no_page_may_frame(client_official, submitted):
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    response = client_official.get(
        reverse("reporting:evidence-download", args=[evidence_file.public_id])
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("who", ["other_enterprise", "analyst", "anonymous"])
def test_a_page_download_answers_404_to_those_who_may_not_open_it(
    who, client, submitted, analyst, other_enterprise
):
    if who == "other_enterprise":
        client.force_login(
            factories.ReporterFactory(username="stranger", enterprise=other_enterprise)
        )
    elif who == "analyst":
        client.force_login(analyst)
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    for name in ("reporting:evidence-download", "reporting:evidence-preview"):
        assert client.get(reverse(name, args=[evidence_file.public_id])).status_code == 404
    assert not EvidenceEvent.objects.filter(action="download").exists()


def test_an_official_opens_a_removed_file_from_the_trail_and_the_enterprise_does_not(
    client, reporter, enterprise, official
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    evidence_file = attach(submission, reporter)
    evidence.evidence_remove(evidence=evidence_file, by=reporter)
    url = reverse("reporting:evidence-download", args=[evidence_file.public_id])
    client.force_login(reporter)
    assert client.get(url).status_code == 404
    client.force_login(official)
    assert client.get(url).status_code == 200


def test_no_public_media_url_serves_evidence(client_official, submitted):
    evidence_file = EvidenceFile.objects.get(name="注册证.pdf")
    assert client_official.get(f"/media/evidence/{evidence_file.file.name}").status_code == 404
    assert client_official.get(f"/media/{evidence_file.file.name}").status_code == 404
