"""The programme workbook: figures equal to the progress API's, hostile texts kept as text,
the About sheet, scopes and roles, the download's access, idempotency, failures, the sweep
and the cleanup."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any, cast

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone

from accounts.models import User
from enterprises.models import Designation, Enterprise
from exchange import services
from exchange.models import Export
from progress import services as progress_services
from progress.models import ProgressStatus, Snapshot
from targets.models import DesignationKind, Target
from targets.periods import period_parse
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    EnterpriseFactory,
    OfficialFactory,
    SnapshotFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

Q = period_parse
HOSTILE = '=HYPERLINK("http://evil.example/x","click me")'


def _dataset(park, other_park) -> dict[str, Any]:
    """Two parks' enterprises (one named like a formula), approved reports with items shared
    across enterprises, a designation, and the figures the rollup computes from them."""
    hostile = cast(
        Enterprise,
        EnterpriseFactory(name=HOSTILE, park=park, district=park.district, is_key=True),
    )
    plain = EnterpriseFactory(name="张江样本企业", park=park, district=park.district)
    other = EnterpriseFactory(name="别的园区企业", park=other_park, district=other_park.district)
    kind = DesignationKind.objects.get(code="smart_factory_benchmark")
    Designation.objects.create(
        kind=kind, enterprise=hostile, name="+智能工厂", granted_on=dt.date(2024, 3, 1)
    )
    SubmissionFactory(
        enterprise=hostile,
        period=Q("2024Q1"),
        metrics={"cloud_adopted": True, "talent_backbone_new": 4, "dcmm_level": 3},
        items=[
            {"kind": "scenario", "identifier": "-SC 01", "date": "2024-02-01"},
            {"kind": "ai_drug_clinical", "identifier": "CTR20240001", "date": "2024-02-10"},
        ],
        approved=True,
    )
    SubmissionFactory(
        enterprise=plain,
        period=Q("2024Q2"),
        metrics={"talent_backbone_new": 6.5},
        items=[
            {"kind": "ai_drug_clinical", "identifier": "ＣＴＲ２０２４ 0001", "date": "2024-05-01"}
        ],
        approved=True,
    )
    SubmissionFactory(
        enterprise=other,
        period=Q("2024Q2"),
        metrics={"talent_backbone_new": 10},
        items=[{"kind": "scenario", "identifier": "SC02", "date": "2024-06-01"}],
        approved=True,
    )
    SubmissionFactory(enterprise=other, period=Q("2024Q3"), submitted=True)
    progress_services.snapshots_rebuild()
    return {"hostile": hostile, "plain": plain, "other": other}


@pytest.fixture
def dataset(park, other_park):
    return _dataset(park, other_park)


def _request(client, django_capture_on_commit_callbacks, **body: Any) -> dict[str, Any]:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/exports/", body, format="json")
    assert response.status_code == 202, response.content
    status = client.get(f"/api/v1/exports/{response.json()['id']}/")
    assert status.status_code == 200
    return status.json()


def _workbook(client, url: str) -> openpyxl.Workbook:
    response = client.get(url)
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet) -> list[dict[str, Any]]:
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, row, strict=True)) for row in rows[1:] if any(row)]


def _about(workbook) -> dict[str, tuple[Any, Any]]:
    return {row[0]: (row[1], row[2]) for row in workbook["About"].iter_rows(values_only=True)}


def test_the_summary_and_quarterly_figures_equal_the_progress_api(
    as_official, dataset, django_capture_on_commit_callbacks
):
    export = _request(as_official, django_capture_on_commit_callbacks, scope="city")
    assert export["status"] == "done"
    assert export["progress"] == 100
    period = export["period"]
    workbook = _workbook(as_official, export["download_url"])

    api = {
        f["target"]: f
        for f in as_official.get("/api/v1/progress/", {"period": period, "scope": "city"}).json()[
            "results"
        ]
    }
    summary = {row["Code"]: row for row in _rows(workbook["Summary"])}
    assert set(summary) == set(Target.objects.values_list("code", flat=True))
    for code, figure in api.items():
        row = summary[code]
        assert row["Actual"] == figure["actual"], code
        assert row["Planned"] == figure["planned"], code
        assert row["Percent of target"] == figure["percent_of_target"], code
        assert row["Projected at deadline"] == figure["projected_at_deadline"], code
        assert row["Projected attainment"] == figure["projected_attainment"], code
        assert row["Status"] == (
            ProgressStatus(figure["status"]).label if figure["status"] else None
        )
        assert row["Quarter"] == period
    assert summary["SH23-AI-DRUG"]["Actual"] == 1  # one drug claimed by two enterprises
    assert summary["SH23-SF-BENCH"]["Status"] == "Missed"  # 1 of 10 after the deadline
    assert isinstance(summary["SH23-SF-BENCH"]["Deadline"], dt.datetime)
    assert workbook["Summary"]._charts, "the Summary carries a native chart"

    quarterly = {row["Code"]: row for row in _rows(workbook["Quarterly"])}
    for code in ("SH23-SF-BENCH", "SH23-TALENT-CORE", "AIC-CLOUD", "CN25-COVERAGE"):
        series = as_official.get(f"/api/v1/progress/{code}/series/", {"scope": "city"}).json()
        shown = [f for f in series["results"] if Q(f["period"]) <= Q(period)]
        assert shown, code
        for figure in shown:
            assert quarterly[code][f"{figure['period']} actual"] == figure["actual"], code
            assert quarterly[code][f"{figure['period']} planned"] == figure["planned"], code


def test_a_hostile_enterprise_name_is_stored_as_text_and_never_as_a_formula(
    as_official, dataset, django_capture_on_commit_callbacks
):
    export = _request(as_official, django_capture_on_commit_callbacks)
    workbook = _workbook(as_official, export["download_url"])
    sheet = workbook["Enterprises"]
    cells = [row[1] for row in sheet.iter_rows(min_row=2) if row[1].value == HOSTILE]
    assert len(cells) == 1
    cell = cells[0]
    assert cell.data_type == "s"  # a string, not "f" (formula)
    assert cell.quotePrefix  # Excel keeps it text when the cell is edited
    evidence = _rows(workbook["Evidence"])
    assert any(row["Identifier or name"] == "+智能工厂" for row in evidence)
    assert any(row["Identifier or name"] == "-SC 01" for row in evidence)
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_the_about_sheet_names_the_filters_and_the_exporter(
    analyst, dataset, django_capture_on_commit_callbacks
):
    client = client_for(analyst)
    export = _request(client, django_capture_on_commit_callbacks, scope="park:PARK-A")
    about = _about(_workbook(client, export["download_url"]))
    assert about["Exported by"][0] == "analyst"
    assert about["Exported by"][1] == "Analyst"
    assert isinstance(about["Exported at"][0], dt.datetime)
    assert about["Quarter"][0] == export["period"]
    assert "park:PARK-A" in about["Scope"][0]
    assert "Districts sheet is left out" in about["Districts and parks"][0]
    assert "Counts “Benchmark smart factory” designations" in about["SH23-SF-BENCH"][1]
    assert "Data source: Designations recorded by officials." in about["SH23-SF-BENCH"][1]
    assert about["Summary"][0] == "18 rows"


def test_the_evidence_counted_adds_up_to_each_figure(
    as_official, dataset, django_capture_on_commit_callbacks
):
    export = _request(as_official, django_capture_on_commit_callbacks)
    workbook = _workbook(as_official, export["download_url"])
    summary = {row["Code"]: row for row in _rows(workbook["Summary"])}
    evidence = _rows(workbook["Evidence"])
    for code in ("SH23-SF-BENCH", "SH23-SCENARIO", "SH23-AI-DRUG"):
        counted = [r for r in evidence if r["Target"] == code and r["Counted"] == "counted"]
        assert len(counted) == summary[code]["Actual"], code
    drug = [r for r in evidence if r["Target"] == "SH23-AI-DRUG"]
    assert [r["Counted"] for r in drug] == ["counted", "also claimed"]
    assert {r["Claims of the key"] for r in drug} == {2}
    assert {r["De-duplication key"] for r in drug} == {"CTR20240001"}
    assert {isinstance(r["Report"], int) for r in drug} == {True}


def test_a_park_managers_workbook_holds_only_their_park(
    as_park_manager, dataset, django_capture_on_commit_callbacks
):
    export = _request(as_park_manager, django_capture_on_commit_callbacks)
    assert export["scope"] == "park:PARK-A"
    workbook = _workbook(as_park_manager, export["download_url"])
    assert "Districts" not in workbook.sheetnames
    assert {row["Code"] for row in _rows(workbook["Parks"])} == {"PARK-A"}
    names = {row["Name"] for row in _rows(workbook["Enterprises"])}
    assert names == {HOSTILE, "张江样本企业"}
    assert "别的园区企业" not in {row["Enterprise"] for row in _rows(workbook["Reports"])}
    assert "SC02" not in {row["De-duplication key"] for row in _rows(workbook["Evidence"])}
    park_figures = {
        f["target"]: f
        for f in as_park_manager.get(
            "/api/v1/progress/", {"period": export["period"], "scope": "park:PARK-A"}
        ).json()["results"]
    }
    summary = {row["Code"]: row for row in _rows(workbook["Summary"])}
    for code, figure in park_figures.items():
        assert summary[code]["Actual"] == figure["actual"], code


def test_a_park_manager_may_not_export_another_scope(as_park_manager, park, other_park):
    SnapshotFactory()
    for scope in ("park:PARK-B", "city", "district:310115"):
        response = as_park_manager.post("/api/v1/exports/", {"scope": scope}, format="json")
        assert response.status_code == 403, scope
    assert not Export.objects.exists()


def test_reporters_may_not_export(as_reporter):
    SnapshotFactory()
    assert as_reporter.post("/api/v1/exports/", {}, format="json").status_code == 403
    assert as_reporter.get("/api/v1/exports/").status_code == 403


def test_bad_requests_answer_400_per_field(as_official):
    SnapshotFactory(period=Q("2025Q4"))
    answers = {
        "period": as_official.post("/api/v1/exports/", {"period": "2025Q9"}, format="json"),
        "scope": as_official.post("/api/v1/exports/", {"scope": "park:NOPE"}, format="json"),
    }
    for field, response in answers.items():
        assert response.status_code == 400
        assert field in response.json()
    no_figures = as_official.post("/api/v1/exports/", {"period": "2024Q1"}, format="json")
    assert no_figures.json() == {"period": ["2024Q1 has no figures."]}


def test_only_the_requester_and_officials_may_follow_and_download(
    analyst, park, django_capture_on_commit_callbacks
):
    SnapshotFactory(period=Q("2025Q4"))
    requester = client_for(analyst)
    export = _request(requester, django_capture_on_commit_callbacks, period="2025Q4")
    detail, download = f"/api/v1/exports/{export['id']}/", export["download_url"]
    assert download == f"/api/v1/exports/{export['id']}/download/"

    response = requester.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"] == ('attachment; filename="dx-tracker-2025Q4-city.xlsx"')
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client_for(OfficialFactory(username="chief")).get(download).status_code == 200
    other_analyst = cast(User, AnalystFactory(username="another-analyst"))
    stranger = client_for(other_analyst)
    assert stranger.get(detail).status_code == 404
    assert stranger.get(download).status_code == 404
    browser = Client()
    browser.force_login(other_analyst)
    assert browser.get(f"/exchange/exports/{export['id']}/download/").status_code == 404
    browser.force_login(analyst)
    page_download = browser.get(f"/exchange/exports/{export['id']}/download/")
    assert page_download.status_code == 200
    assert page_download["Content-Disposition"].startswith("attachment;")
    assert stranger.get("/api/v1/exports/").json()["results"] == []


def test_the_status_names_its_fields(as_analyst, django_capture_on_commit_callbacks):
    SnapshotFactory(period=Q("2025Q4"))
    export = _request(as_analyst, django_capture_on_commit_callbacks)
    assert {"status", "progress", "download_url", "sheet", "error", "expires_at"} <= set(export)
    expires = dt.datetime.fromisoformat(export["expires_at"])
    requested = dt.datetime.fromisoformat(export["requested_at"])
    assert expires - requested == dt.timedelta(days=7)
    assert export["sheets"]["summary"] == 18
    assert export["size"] > 0


def test_a_retry_with_the_same_idempotency_key_makes_one_export(as_analyst):
    SnapshotFactory(period=Q("2025Q4"))
    first = as_analyst.post("/api/v1/exports/", {}, format="json", HTTP_IDEMPOTENCY_KEY="e-1")
    again = as_analyst.post("/api/v1/exports/", {}, format="json", HTTP_IDEMPOTENCY_KEY="e-1")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Export.objects.count() == 1


def test_headers_and_labels_follow_the_requesters_language(
    official, park, other_park, django_capture_on_commit_callbacks
):
    _dataset(park, other_park)
    client = client_for(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/exports/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    export = Export.objects.get(pk=response.json()["id"])
    assert export.language == "zh-hans"
    workbook = _workbook(client, f"/api/v1/exports/{export.pk}/download/")
    summary = workbook.worksheets[0]
    header = next(summary.iter_rows(max_row=1, values_only=True))
    assert "状态" in header  # "Status"
    statuses = {row[header.index("状态")] for row in summary.iter_rows(min_row=2, values_only=True)}
    assert statuses & {"已达成", "进度正常", "有风险", "进度滞后", "未达成"}


def test_a_failed_build_is_recorded_not_raised(analyst, monkeypatch):
    SnapshotFactory(period=Q("2025Q4"))
    export = services.export_request(by=analyst, period=None, scope="city", language="en")

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "workbook_write", broken)
    from exchange import tasks

    assert tasks.export_build.apply(args=[export.pk]).get() == "failed"
    export.refresh_from_db()
    assert export.status == "failed"
    assert export.error == "disk full"
    assert not export.file
    # A redelivered task finds it failed and leaves it alone.
    assert services.export_build(export_id=export.pk).status == "failed"


def test_a_requester_who_lost_the_right_gets_a_failed_export(park_manager, other_park):
    SnapshotFactory(period=Q("2025Q4"))
    export = services.export_request(by=park_manager, period=None, scope=None, language="en")
    park_manager.park = other_park
    park_manager.save()
    built = services.export_build(export_id=export.pk)
    assert built is not None
    assert built.status == "failed"
    assert "no longer" in built.error


def test_the_sweep_builds_exports_whose_job_was_lost(analyst, monkeypatch):
    SnapshotFactory(period=Q("2025Q4"))
    monkeypatch.setattr("core.queue.current_app.tasks", {})  # the broker refuses: lost
    now = timezone.now()
    export = services.export_request(by=analyst, period=None, scope="city", language="en", at=now)
    assert services.export_sweep(at=now).built == []  # not yet: a worker may still take it
    dead = services.export_request(by=analyst, period=None, scope="city", language="en", at=now)
    Export.objects.filter(pk=dead.pk).update(
        status="running", heartbeat_at=now - dt.timedelta(minutes=30)
    )
    later = now + dt.timedelta(minutes=2)
    assert sorted(services.export_sweep(at=later).built) == sorted([export.pk, dead.pk])
    assert set(Export.objects.values_list("status", flat=True)) == {"done"}


def test_the_cleanup_deletes_expired_exports_and_their_files(analyst):
    now = timezone.now()
    name = default_storage.save("exports/old.xlsx", ContentFile(b"old"))
    keep = default_storage.save("exports/new.xlsx", ContentFile(b"new"))
    common = {"requested_by": analyst, "language": "en", "requested_at": now, "status": "done"}
    Export.objects.create(file=name, expires_at=now - dt.timedelta(seconds=1), **common)
    Export.objects.create(expires_at=now - dt.timedelta(days=1), **common)
    kept = Export.objects.create(file=keep, expires_at=now + dt.timedelta(days=1), **common)
    assert services.export_cleanup(at=now) == 2
    assert not default_storage.exists(name)
    assert default_storage.exists(keep)
    assert list(Export.objects.values_list("pk", flat=True)) == [kept.pk]
    assert services.export_cleanup(at=now) == 0


def test_progress_is_recorded_sheet_by_sheet(analyst, monkeypatch):
    SnapshotFactory(period=Q("2025Q4"))
    export = services.export_request(by=analyst, period=None, scope="city", language="en")
    seen: list[tuple[int, str, str]] = []
    record = services._progress_record

    def spy(export_id: int, percent: int, sheet: str) -> None:
        record(export_id, percent, sheet)
        row = Export.objects.get(pk=export_id)
        seen.append((row.progress, row.sheet, row.status))

    monkeypatch.setattr(services, "_progress_record", spy)
    services.export_build(export_id=export.pk)
    sheets = [sheet for _percent, sheet, _status in seen]
    assert sheets[0] == "Summary"
    assert {"Quarterly", "Enterprises", "Reports", "Evidence", "About"} <= set(sheets)
    percents = [percent for percent, _sheet, _status in seen]
    assert percents == sorted(percents)
    assert {status for *_rest, status in seen} == {"running"}
    assert Export.objects.get(pk=export.pk).progress == 100


def test_an_export_of_a_quarter_shows_that_quarters_figures(
    as_official, django_capture_on_commit_callbacks
):
    SnapshotFactory(period=Q("2025Q3"), actual=2)
    SnapshotFactory(period=Q("2025Q4"), actual=5)
    export = _request(as_official, django_capture_on_commit_callbacks, period="2025Q3")
    workbook = _workbook(as_official, export["download_url"])
    summary = {row["Code"]: row for row in _rows(workbook["Summary"])}
    assert summary["SH23-SF-BENCH"]["Actual"] == 2
    assert summary["SH23-SF-BENCH"]["Quarter"] == "2025Q3"
    quarterly = _rows(workbook["Quarterly"])[0]
    assert quarterly["2025Q3 actual"] == 2
    assert "2025Q4 actual" not in quarterly
    assert Snapshot.objects.count() == 2
    assert Export.objects.get().period == Q("2025Q3")
