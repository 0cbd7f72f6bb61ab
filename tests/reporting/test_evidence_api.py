"""Evidence files over the API, as API.md "Evidence files" describes them."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from reporting import services
from reporting.models import EvidenceEvent, EvidenceFile
from tests import factories
from tests.conftest import client_for

from .evidence_helpers import DEVICE, EXE, HTML, PDF, PNG, SCENARIO, attach, ofd, upload
from .helpers import report_approved, report_create

pytestmark = pytest.mark.django_db


def files_url(submission, position: int = 0) -> str:
    return f"/api/v1/submissions/{submission.pk}/items/{position}/files/"


@pytest.fixture
def draft(reporter, enterprise):
    return report_create(enterprise=enterprise, by=reporter, items=[SCENARIO, DEVICE])


def post(client: APIClient, url: str, content: bytes = PDF, name: str = "注册证.pdf", **extra):
    return client.post(url, {"file": upload(content, name)}, format="multipart", **extra)


# --- upload ------------------------------------------------------------------------------


def test_the_enterprise_attaches_a_pdf_and_gets_its_id_name_size_hash_and_link(as_reporter, draft):
    response = post(as_reporter, files_url(draft, 1))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["name"] == "注册证.pdf"
    assert data["size"] == len(PDF)
    assert data["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert data["download_url"].startswith("/api/v1/evidence/")
    assert data["item"] == 1
    stored = EvidenceFile.objects.get(pk=data["id"])
    assert stored.content_type == "application/pdf"
    assert stored.position == 1
    assert stored.identifier_key == "国械注准20243210001"


def test_a_file_is_stored_under_a_generated_name_not_the_one_given(as_reporter, draft):
    post(as_reporter, files_url(draft, 1), name="../../etc/passwd 注册证.pdf")
    stored = EvidenceFile.objects.get()
    assert "passwd" not in stored.file.name
    assert "注册证" not in stored.file.name
    assert stored.file.name.endswith(f"{stored.public_id.hex}.pdf")
    assert stored.name == "passwd 注册证.pdf"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (PNG, "image/png"),
        (ofd(), "application/ofd"),
        (b"\xff\xd8\xff\xe0" + b"0" * 40, "image/jpeg"),
    ],
)
def test_png_jpeg_and_ofd_are_recognised_by_their_content(
    as_reporter, draft, content, content_type
):
    response = post(as_reporter, files_url(draft, 1), content, name="scan")
    assert response.status_code == 201, response.content
    assert EvidenceFile.objects.get().content_type == content_type


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (EXE, "certificate.pdf"),  # a renamed executable
        (HTML, "certificate.pdf"),  # a web page called .pdf
        (ofd(root="Doc_0/OFD.xml"), "certificate.ofd"),  # a ZIP without OFD.xml at its root
        (b"PK\x03\x04 not really a zip", "certificate.ofd"),
        (b"GIF89a" + b"\x00" * 20, "certificate.png"),
    ],
)
def test_a_file_that_is_not_pdf_jpeg_png_or_ofd_by_content_is_refused(
    as_reporter, draft, content, name
):
    response = post(as_reporter, files_url(draft, 1), content, name=name)
    assert response.status_code == 400
    assert "is not a PDF, JPEG, PNG or OFD file" in response.json()["file"][0]
    assert not EvidenceFile.objects.exists()


def test_a_file_above_the_size_limit_is_refused(as_reporter, draft, settings):
    settings.DX_EVIDENCE_MAX_BYTES = 1000
    response = post(as_reporter, files_url(draft, 1), PDF + b" " * 1000)
    assert response.status_code == 400
    assert "at most" in response.json()["file"][0]
    assert not EvidenceFile.objects.exists()


def test_a_body_far_above_the_limit_is_refused_before_it_is_read(as_reporter, draft, settings):
    settings.DX_EVIDENCE_MAX_BYTES = 1000
    response = post(as_reporter, files_url(draft, 1), PDF + b" " * 200_000)
    assert response.status_code == 400
    assert "at most" in response.json()["file"][0]


def test_a_20_mb_file_passes_every_request_limit(as_reporter, draft):
    big = PDF + b"%" * (20 * 1024 * 1024 - len(PDF))
    response = post(as_reporter, files_url(draft, 1), big)
    assert response.status_code == 201, response.content
    assert response.json()["size"] == 20 * 1024 * 1024


def test_an_empty_file_is_refused(as_reporter, draft):
    response = post(as_reporter, files_url(draft, 1), b"")
    assert response.status_code == 400
    assert not EvidenceFile.objects.exists()


def test_an_item_the_report_does_not_have_answers_404(as_reporter, draft):
    assert post(as_reporter, files_url(draft, 2)).status_code == 404
    assert post(as_reporter, files_url(draft, 99)).status_code == 404


def test_the_upload_is_refused_for_a_submitted_or_approved_report(
    as_reporter, reporter, official, enterprise
):
    approved = report_approved(enterprise=enterprise, reporter=reporter, official=official)
    response = post(as_reporter, files_url(approved, 0))
    assert response.status_code == 409
    assert "draft or returned" in response.json()["detail"]
    assert not EvidenceFile.objects.exists()


def test_another_enterprises_report_answers_404(draft, other_enterprise):
    stranger = factories.ReporterFactory(username="stranger", enterprise=other_enterprise)
    response = post(client_for(stranger), files_url(draft, 1))
    assert response.status_code == 404
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize("role", ["analyst", "park_manager"])
def test_roles_that_read_the_report_but_may_not_edit_it_are_refused(
    role, draft, analyst, park_manager
):
    user = {"analyst": analyst, "park_manager": park_manager}[role]
    response = post(client_for(user), files_url(draft, 1))
    assert response.status_code == 403
    assert not EvidenceFile.objects.exists()


def test_an_anonymous_upload_is_refused(draft):
    assert post(APIClient(), files_url(draft, 1)).status_code in (401, 403)
    assert not EvidenceFile.objects.exists()


def test_a_retry_with_the_same_idempotency_key_attaches_once(as_reporter, draft):
    first = post(as_reporter, files_url(draft, 1), HTTP_IDEMPOTENCY_KEY="upload-1")
    again = post(as_reporter, files_url(draft, 1), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert EvidenceFile.objects.count() == 1


# --- list, the report's JSON, delete -------------------------------------------------------------


def test_the_item_lists_its_files_and_the_report_shows_them_on_each_item(as_reporter, draft):
    post(as_reporter, files_url(draft, 1), name="a.pdf")
    post(as_reporter, files_url(draft, 1), PNG, name="b.png")
    listed = as_reporter.get(files_url(draft, 1)).json()
    assert [f["name"] for f in listed] == ["a.pdf", "b.png"]
    report = as_reporter.get(f"/api/v1/submissions/{draft.pk}/").json()
    assert report["items"][0]["files"] == []
    assert [f["name"] for f in report["items"][1]["files"]] == ["a.pdf", "b.png"]
    assert set(report["items"][1]["files"][0]) >= {"id", "name", "size", "sha256", "download_url"}


def test_the_list_of_reports_reads_every_reports_files_in_one_query(
    as_reporter, reporter, enterprise, django_assert_max_num_queries
):
    for period in (2024 * 4, 2024 * 4 + 1, 2024 * 4 + 2):
        report = report_create(enterprise=enterprise, by=reporter, period=period, items=[DEVICE])
        attach(report, reporter, position=0)
    with django_assert_max_num_queries(8):
        data = as_reporter.get("/api/v1/submissions/").json()
    assert [len(r["items"][0]["files"]) for r in data["results"]] == [1, 1, 1]


def test_an_analyst_sees_the_report_but_not_its_files(draft, reporter, analyst):
    attach(draft, reporter, position=1)
    as_analyst = client_for(analyst)
    assert as_analyst.get(files_url(draft, 1)).json() == []
    assert as_analyst.get(f"/api/v1/submissions/{draft.pk}/").json()["items"][1]["files"] == []


def test_the_enterprise_removes_a_file_while_the_report_is_a_draft(as_reporter, draft):
    created = post(as_reporter, files_url(draft, 1)).json()
    response = as_reporter.delete(f"{files_url(draft, 1)}{created['id']}/")
    assert response.status_code == 204
    assert as_reporter.get(files_url(draft, 1)).json() == []
    # The row stays, marked removed, for the audit trail.
    assert EvidenceFile.objects.get().removed_at is not None


def test_an_approved_reports_file_cannot_be_deleted_through_the_api(
    as_reporter, as_official, reporter, official, enterprise
):
    submission = report_create(enterprise=enterprise, by=reporter, items=[DEVICE])
    evidence_file = attach(submission, reporter)
    services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)
    url = f"{files_url(submission, 0)}{evidence_file.pk}/"
    assert as_reporter.delete(url).status_code == 409
    assert as_official.delete(url).status_code == 409
    evidence_file.refresh_from_db()
    assert evidence_file.removed_at is None
    assert not EvidenceEvent.objects.filter(action="remove").exists()


def test_another_enterprise_cannot_delete_a_file(draft, reporter, other_enterprise):
    evidence_file = attach(draft, reporter, position=1)
    stranger = factories.ReporterFactory(username="stranger", enterprise=other_enterprise)
    response = client_for(stranger).delete(f"{files_url(draft, 1)}{evidence_file.pk}/")
    assert response.status_code == 404
    evidence_file.refresh_from_db()
    assert evidence_file.removed_at is None


# --- download ----------------------------------------------------------------------------------


def test_the_download_link_answers_the_file_with_its_name_and_no_sniffing(
    as_reporter, draft, reporter
):
    evidence_file = attach(draft, reporter, position=1, name="医疗器械注册证.pdf")
    response = as_reporter.get(f"/api/v1/evidence/{evidence_file.public_id}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E5%8C%BB%E7%96%97" in response["Content-Disposition"]


@pytest.mark.parametrize("who", ["other_enterprise", "analyst", "anonymous"])
def test_another_enterprise_an_analyst_and_anonymous_users_get_404_for_a_download(
    who, draft, reporter, analyst, other_enterprise
):
    evidence_file = attach(draft, reporter, position=1)
    if who == "other_enterprise":
        client = client_for(
            factories.ReporterFactory(username="stranger", enterprise=other_enterprise)
        )
    elif who == "analyst":
        client = client_for(analyst)
    else:
        client = APIClient()
    response = client.get(f"/api/v1/evidence/{evidence_file.public_id}/")
    assert response.status_code == 404
    # A link to nothing answers the same.
    assert client.get("/api/v1/evidence/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_officials_and_the_parks_manager_download(draft, reporter, official, park_manager):
    evidence_file = attach(draft, reporter, position=1)
    for user in (official, park_manager):
        response = client_for(user).get(f"/api/v1/evidence/{evidence_file.public_id}/")
        assert response.status_code == 200, user


def test_an_officials_download_is_in_the_audit_trail_and_others_are_not(
    draft, reporter, official, park_manager
):
    evidence_file = attach(draft, reporter, position=1)
    client_for(park_manager).get(f"/api/v1/evidence/{evidence_file.public_id}/")
    client_for(official).get(f"/api/v1/evidence/{evidence_file.public_id}/")
    downloads = EvidenceEvent.objects.filter(action="download")
    assert [event.by for event in downloads] == [official]


def test_the_reports_history_lists_uploads_and_removals(as_reporter, draft):
    created = post(as_reporter, files_url(draft, 1), name="注册证.pdf").json()
    as_reporter.delete(f"{files_url(draft, 1)}{created['id']}/")
    history = as_reporter.get(f"/api/v1/submissions/{draft.pk}/history/").json()
    actions = [(entry["action"], entry["by"]) for entry in history]
    assert actions == [("create", "reporter"), ("attach", "reporter"), ("remove", "reporter")]
    assert "注册证.pdf" in history[1]["changes"][0]["new"]
    assert "注册证.pdf" in history[2]["changes"][0]["old"]


def test_the_schema_documents_the_evidence_endpoints(as_official):
    schema = as_official.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    item_files = paths["/api/v1/submissions/{submission_id}/items/{position}/files/"]
    assert set(item_files) >= {"get", "post"}
    assert "multipart/form-data" in item_files["post"]["requestBody"]["content"]
    assert (
        "delete" in paths["/api/v1/submissions/{submission_id}/items/{position}/files/{file_id}/"]
    )
    assert "get" in paths["/api/v1/evidence/{public_id}/"]
