"""POST /api/v1/imports/reports/: historical and offline reports through the workflow."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from progress.models import RollupRun
from reporting import services as reporting_services
from reporting.models import Item, MetricValue, Submission
from targets.periods import period_due_on, period_format
from tests.factories import EnterpriseFactory, SubmissionFactory

from .import_support import csv_bytes, errors_of, upload, xlsx

pytestmark = pytest.mark.django_db

Q1 = 2024 * 4  # 2024Q1
HEAD = ["uscc", "period", "submitted_on", "digital_staff", "cloud_adopted", "dcmm_level"]
ITEM_HEAD = ["uscc", "period", "kind", "identifier", "title", "date", "attributes"]


@pytest.fixture
def firms(db):
    return EnterpriseFactory(name="甲"), EnterpriseFactory(name="乙"), EnterpriseFactory(name="丙")


def book(rows, items=None):
    return xlsx(rows, title="报表", more={"事项": items} if items is not None else None)


def test_reports_land_submitted_dated_as_the_file_says(as_official, official, firms):
    first, second, _third = firms
    data = book(
        [
            HEAD,
            [first.uscc, "2024Q1", "2024-04-10", 12, "是", 3],
            [second.uscc, "2024Q1", dt.datetime(2024, 5, 2), 7, "false", None],
        ],
        items=[
            ITEM_HEAD,
            [
                first.uscc,
                "2024Q1",
                "scenario",
                "智能排产",
                "排产",
                "2024-02-01",
                "domain=production",
            ],
        ],
    )

    response = upload(as_official, "reports", data)

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["updated"]) == (2, 0)
    on_time = Submission.objects.get(enterprise=first, period=Q1)
    assert on_time.status == Submission.Status.SUBMITTED
    assert timezone.localdate(on_time.submitted_at) == dt.date(2024, 4, 10)
    assert on_time.late is False
    assert on_time.submitted_by == official
    assert on_time.metrics_data == {"digital_staff": "12", "cloud_adopted": True, "dcmm_level": "3"}
    assert Item.objects.get(submission=on_time).attributes == {"domain": "production"}
    late = Submission.objects.get(enterprise=second, period=Q1)
    assert late.late is True
    assert timezone.localdate(late.submitted_at) > period_due_on(Q1)
    # Submitted reports count only once approved.
    assert not MetricValue.objects.filter(approved=True).exists()


def test_metric_columns_are_known_by_chinese_names_too(as_official, firms):
    headers = [
        "统一社会信用代码",
        "季度",
        "数字化专职人员总数（季末）",
        "已部署制造执行系统（MES）",
    ]
    data = book([headers, [firms[0].uscc, "2024Q1", 30, "是"]])

    response = upload(as_official, "reports", data)

    assert response.status_code == 200, response.json()
    report = Submission.objects.get()
    assert report.metrics_data == {"digital_staff": "30", "mes_deployed": True}


def test_a_blank_submission_date_means_the_upload_time(as_official, firms):
    data = csv_bytes([HEAD, [firms[0].uscc, "2024Q1", "", 3, "", ""]])

    response = upload(as_official, "reports", data, name="r.csv")

    assert response.status_code == 200, response.json()
    assert timezone.localdate(Submission.objects.get().submitted_at) == timezone.localdate()


def test_rows_without_values_or_items_are_skipped(as_official, firms):
    first, second, third = firms
    data = book(
        [
            ["uscc", "name", "period", "submitted_on", "status", "digital_staff"],
            [first.uscc, "甲", "2024Q1", "2024-04-10", "", 5],
            [second.uscc, "乙", "2024Q1", "", "", None],
            [third.uscc, "丙", "2024Q1", "", "", None],
        ]
    )

    response = upload(as_official, "reports", data)

    assert response.json()["created"] == 1
    assert response.json()["skipped"] == 2
    assert list(Submission.objects.values_list("enterprise", flat=True)) == [first.pk]


def test_invalid_values_are_reported_by_row_and_metric_and_nothing_is_saved(as_official, firms):
    first, second, _ = firms
    data = book(
        [
            HEAD,
            [first.uscc, "2024Q1", "2024-04-10", 12, "是", 3],
            [second.uscc, "2024Q1", "2024-04-10", 2.5, "maybe", 9],
        ]
    )

    response = upload(as_official, "reports", data)

    assert response.status_code == 400
    assert errors_of(response) == [
        (2, "cloud_adopted"),
        (2, "digital_staff"),
        (2, "dcmm_level"),
    ] or (
        sorted(errors_of(response))
        == [(2, "cloud_adopted"), (2, "dcmm_level"), (2, "digital_staff")]
    )
    assert not Submission.objects.exists()


def test_item_errors_point_at_the_items_sheet_row(as_official, firms):
    first = firms[0]
    data = book(
        [HEAD, [first.uscc, "2024Q1", "2024-04-10", 1, "", ""]],
        items=[
            ITEM_HEAD,
            [first.uscc, "2024Q1", "scenario", "甲场景", "", "2024-03-01", ""],
            [first.uscc, "2024Q1", "scenario", "乙场景", "", "2024-06-01", ""],
            [first.uscc, "2024Q1", "rocket", "丙", "", "2024-03-01", ""],
        ],
    )

    response = upload(as_official, "reports", data)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["sheet"], e["row"], e["field"]) for e in errors] == [
        ("items", 2, "date"),
        ("items", 3, "kind"),
    ]
    assert not Submission.objects.exists()


def test_items_without_a_report_row_are_refused(as_official, firms):
    first, second, _ = firms
    data = book(
        [HEAD, [first.uscc, "2024Q1", "2024-04-10", 1, "", ""]],
        items=[ITEM_HEAD, [second.uscc, "2024Q1", "standard", "T/SH 1", "", "2024-03-01", ""]],
    )

    response = upload(as_official, "reports", data)

    assert response.status_code == 400
    assert response.json()["errors"][0]["sheet"] == "items"


def test_a_submission_date_inside_the_quarter_is_refused(as_official, firms):
    data = book([HEAD, [firms[0].uscc, "2024Q1", "2024-03-20", 1, "", ""]])

    response = upload(as_official, "reports", data)

    assert errors_of(response) == [(1, "submitted_on")]


def test_an_unended_quarter_is_the_workflow_s_error(as_official, firms):
    quarter = period_format(timezone.localdate().year * 4 + (timezone.localdate().month - 1) // 3)
    data = book([HEAD, [firms[0].uscc, quarter, "", 1, "", ""]])

    response = upload(as_official, "reports", data)

    assert errors_of(response) == [(1, "period")]


def test_an_unknown_enterprise_and_a_bad_quarter_are_row_errors(as_official, firms):
    data = book(
        [
            HEAD,
            ["91310000MA1FL8XQ30", "2024Q1", "", 1, "", ""],
            [firms[0].uscc, "2024-1", "", 1, "", ""],
        ]
    )

    response = upload(as_official, "reports", data)

    assert sorted(errors_of(response)) == [(1, "uscc"), (2, "period")]


def test_a_report_already_submitted_is_refused_a_draft_is_replaced(as_official, firms):
    first, second, _ = firms
    approved = SubmissionFactory(enterprise=first, period=Q1, approved=True)
    draft = SubmissionFactory(enterprise=second, period=Q1, metrics={"digital_staff": 1})
    rows = [
        HEAD,
        [first.uscc, "2024Q1", "2024-04-10", 2, "", ""],
        [second.uscc, "2024Q1", "2024-04-10", 9, "", ""],
    ]

    refused = upload(as_official, "reports", book(rows))

    assert refused.status_code == 400
    assert errors_of(refused) == [(1, "period")]
    assert f"id {approved.pk}" in refused.json()["errors"][0]["message"]

    replaced = upload(as_official, "reports", book([rows[0], rows[2]]))

    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["updated"] == 1
    draft.refresh_from_db()
    assert draft.status == Submission.Status.SUBMITTED
    assert draft.metrics_data == {"digital_staff": "9"}


def test_the_same_enterprise_and_quarter_twice_is_refused(as_official, firms):
    row = [firms[0].uscc, "2024Q1", "", 1, "", ""]

    response = upload(as_official, "reports", book([HEAD, row, row]))

    assert errors_of(response) == [(2, "period")]


def test_a_dry_run_saves_no_report(as_official, firms):
    data = book([HEAD, [firms[0].uscc, "2024Q1", "2024-04-10", 1, "", ""]])

    response = upload(as_official, "reports", data, dry_run="true")

    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert not Submission.objects.exists()


def test_approving_the_imported_reports_triggers_one_rollup(
    as_official, official, firms, django_capture_on_commit_callbacks
):
    rows = [HEAD, *[[f.uscc, "2024Q1", "2024-04-10", 5, "是", 2] for f in firms]]
    assert upload(as_official, "reports", book(rows)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        result = reporting_services.submission_bulk_approve(
            submissions=Submission.objects.all(), by=official
        )

    assert len(result.approved) == 3
    assert RollupRun.objects.count() == 1


def test_the_report_template_lists_the_enterprises_owing_the_quarter(as_official, firms):
    closed = EnterpriseFactory(active_until=dt.date(2023, 12, 31))
    SubmissionFactory(enterprise=firms[0], period=Q1, submitted=True)

    response = as_official.get(
        "/api/v1/imports/reports/template/?period=2024Q1", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    codes = [r[0] for r in rows[1:]]
    assert sorted(codes) == sorted(f.uscc for f in firms)
    assert closed.uscc not in codes
    assert rows[0][:5] == ("统一社会信用代码*", "企业名称", "季度*", "提交日期", "当前状态")
    assert "数字化专职人员总数（季末）" in rows[0]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code[firms[0].uscc][4] == "已提交"
    assert workbook.sheetnames[:2] == ["报表", "事项"]


def test_a_filled_in_report_template_imports(as_official, firms):
    template = as_official.get(
        "/api/v1/imports/reports/template/?period=2024Q1", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.worksheets[0]
    headers = [c.value for c in sheet[1]]
    staff = headers.index("数字化专职人员总数（季末）") + 1
    sheet.cell(row=2, column=staff, value=42)
    sheet.cell(row=2, column=4, value="2024-04-12")
    items = workbook["事项"]
    items.append([sheet.cell(row=2, column=1).value, "2024Q1", "standard", "T/SHBIO 001-2024"])
    items.cell(row=2, column=6, value=dt.datetime(2024, 3, 1))
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(as_official, "reports", buffer.getvalue())

    assert response.status_code == 200, response.json()
    assert (response.json()["created"], response.json()["skipped"]) == (1, 2)
    report = Submission.objects.get()
    assert report.metrics_data == {"digital_staff": "42"}
    assert report.items_data[0]["identifier"] == "T/SHBIO 001-2024"


def test_a_template_for_a_quarter_not_yet_ended_is_refused(as_official):
    response = as_official.get("/api/v1/imports/reports/template/?period=2099Q1")

    assert response.status_code == 400
    assert "period" in response.json()
