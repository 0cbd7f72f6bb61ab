"""The evidence tables link to the files behind each claim: the target page's, its download
and the programme workbook's Evidence sheet; only for those who may open the files."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from progress import services as progress_services
from reporting import services
from reporting.evidence import evidence_attach
from reporting.models import EvidenceFile
from tests.conftest import client_for
from tests.reporting.evidence_helpers import PDF, upload

pytestmark = pytest.mark.django_db

DRUG = {"kind": "ai_drug_clinical", "identifier": "CXHL2400123", "date": "2024-02-20"}


@pytest.fixture
def approved_drug(reporter, official, enterprise) -> EvidenceFile:
    """A drug in clinic, its approval notice attached, approved and counted."""
    submission = services.submission_create(
        enterprise=enterprise, period=2024 * 4, metrics={}, items=[DRUG], by=reporter
    )
    evidence_file = evidence_attach(
        submission=submission, position=0, upload=upload(PDF, "临床试验批准通知书.pdf"), by=reporter
    )
    services.submission_submit(submission=submission, by=reporter)
    services.submission_approve(submission=submission, by=official)
    progress_services.snapshots_rebuild(targets=["SH23-AI-DRUG"])
    return evidence_file


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def target_page(client) -> str:
    response = client.get("/progress/targets/SH23-AI-DRUG/", {"period": "2024Q1"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_target_pages_evidence_links_each_claim_to_its_files(official, approved_drug):
    html = target_page(logged_in(official))
    assert f'href="/reports/evidence/{approved_drug.public_id}/"' in html
    assert "临床试验批准通知书.pdf" in html


def test_the_parks_manager_gets_the_link_and_an_analyst_does_not(
    park_manager, analyst, approved_drug
):
    assert "临床试验批准通知书.pdf" in target_page(logged_in(park_manager))
    assert "临床试验批准通知书.pdf" not in target_page(logged_in(analyst))


def _rows(sheet) -> list[dict[str, Any]]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:] if any(row)]


def test_the_evidence_table_download_lists_the_files_with_the_sites_address(
    official, approved_drug, settings
):
    settings.DX_SITE_URL = "https://dx.example.gov.cn"
    response = logged_in(official).get(
        "/exchange/tables/target-evidence.xlsx", {"target": "SH23-AI-DRUG", "period": "2024Q1"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    (row,) = _rows(book.worksheets[0])
    assert row["Evidence files"] == (
        f"临床试验批准通知书.pdf https://dx.example.gov.cn/reports/evidence/"
        f"{approved_drug.public_id}/"
    )


def test_the_workbooks_evidence_sheet_links_the_files(
    official, approved_drug, django_capture_on_commit_callbacks
):
    client = client_for(official)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/exports/", {"period": "2024Q1"}, format="json")
    export = client.get(f"/api/v1/exports/{created.json()['id']}/").json()
    assert export["status"] == "done", export
    response = client.get(export["download_url"])
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    drug = [r for r in _rows(book["Evidence"]) if r["Target"] == "SH23-AI-DRUG"]
    assert [r["Evidence files"] for r in drug] == [
        f"临床试验批准通知书.pdf /reports/evidence/{approved_drug.public_id}/"
    ]
    designations = [r for r in _rows(book["Evidence"]) if r["Evidence"] != drug[0]["Evidence"]]
    assert all(r["Evidence files"] is None for r in designations)


def test_an_analysts_workbook_names_no_files(
    analyst, approved_drug, django_capture_on_commit_callbacks
):
    client = client_for(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post("/api/v1/exports/", {"period": "2024Q1"}, format="json")
    export = client.get(f"/api/v1/exports/{created.json()['id']}/").json()
    response = client.get(export["download_url"])
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    drug = [r for r in _rows(book["Evidence"]) if r["Target"] == "SH23-AI-DRUG"]
    assert drug
    assert {r["Evidence files"] for r in drug} == {None}
