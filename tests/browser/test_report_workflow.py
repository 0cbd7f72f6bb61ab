"""The quarterly report's whole round trip in a real browser, in the default language.

An enterprise fills in and submits its report, an official returns it with a comment, the
enterprise corrects and resubmits it, the official approves it.
"""

from __future__ import annotations

from typing import cast

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import User
from enterprises.models import Enterprise
from reporting.models import Submission
from tests import factories
from tests.factories import SubmissionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345678"
PERIOD = "2024Q1"
SCREENSHOTS = "/tmp"


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def log_out(page: Page) -> None:
    page.click("form[action$='/logout/'] button")
    page.wait_for_url("**/accounts/login/**")


@pytest.fixture
def people(db):
    park = factories.ParkFactory(code="ZJ-HT", name_zh="张江药谷", name_en="Zhangjiang")
    enterprise = cast(
        Enterprise,
        factories.EnterpriseFactory(
            name="上海示例生物医药有限公司", park=park, district=park.district
        ),
    )
    SubmissionFactory(
        enterprise=enterprise,
        period=2023 * 4 + 3,
        metrics={"digital_staff": 30, "revenue": 800, "cloud_adopted": True, "dcmm_level": 2},
        approved=True,
    )
    reporter = cast(User, factories.ReporterFactory(username="qiye", enterprise=enterprise))
    official = cast(User, factories.OfficialFactory(username="jingxin"))
    return reporter, official


def test_report_is_submitted_returned_corrected_and_approved(page: Page, live_server, people):
    reporter, official = people
    base = live_server.url

    # The reporter opens the quarter from "My reports".
    log_in(page, base, reporter.username)
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.screenshot(path=f"{SCREENSHOTS}/my_reports.png")
    page.click(f"[data-testid=edit-{PERIOD}]")
    expect(page.locator("[data-testid=prefill-note]")).to_be_visible()
    expect(page.locator("#id_metric_digital_staff")).to_have_value("30")  # a stock, prefilled
    expect(page.locator("#id_metric_revenue")).to_have_value("")  # a flow, never

    page.fill("#id_metric_digital_staff", "12.5")
    page.fill("#id_metric_revenue", "950")
    page.fill("#id_metric_talent_high_end_new", "2")
    page.check("input[name=metric_self_upgrade][value=yes]")
    page.select_option("#id_metric_dcmm_level", "3")

    # Two item rows added, one removed again; the label follows the chosen kind.
    page.click("[data-testid=add-item]")
    page.click("[data-testid=add-item]")
    page.select_option("select[name=items-0-kind]", "scenario")
    row = page.locator("[data-item-row]").nth(0)
    expect(row.locator("[data-identifier-label]")).to_have_text("场景名称")
    expect(row.locator("[data-attribute=level]")).to_be_hidden()
    page.fill("input[name=items-0-identifier]", "智能排产")
    page.fill("input[name=items-0-title]", "APS 高级排产")
    page.fill("input[name=items-0-date]", "2024-02-20")
    page.select_option("select[name=items-0-attr_domain]", "production")
    page.fill("input[name=items-0-evidence_url]", "https://example.com/aps")
    page.locator("[data-item-row]").nth(1).locator("[data-remove-item]").click()
    expect(page.locator("[data-item-row]").nth(1)).to_be_hidden()

    # A fractional head count is refused next to its field, and nothing is saved.
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=error-metric_digital_staff]")).to_be_visible()
    assert not Submission.objects.filter(period=2024 * 4).exists()
    page.fill("#id_metric_digital_staff", "12")
    page.screenshot(path=f"{SCREENSHOTS}/report_form.png", full_page=True)
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "submitted"
    )
    submission = Submission.objects.get(period=2024 * 4)
    assert submission.items_data[0]["identifier"] == "智能排产"
    assert len(submission.items_data) == 1
    log_out(page)

    # The official finds it in the queue and returns it with a comment.
    log_in(page, base, official.username)
    page.goto(f"{base}/reports/review/")
    page.screenshot(path=f"{SCREENSHOTS}/review_queue.png", full_page=True)
    page.click(f"[data-testid=open-{submission.pk}]")
    expect(page.locator("[data-testid=values]")).to_be_visible()
    page.screenshot(path=f"{SCREENSHOTS}/review_page.png", full_page=True)
    page.fill("#id_return_comment", "数字化专职人员数与上季度差异较大，请核实。")
    page.click("[data-testid=return]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute("data-status", "returned")
    log_out(page)

    # The reporter sees why, corrects the value and submits again.
    log_in(page, base, reporter.username)
    page.goto(f"{base}/reports/{submission.pk}/")
    expect(page.locator("[data-testid=review-comment]")).to_contain_text("请核实")
    page.fill("#id_metric_digital_staff", "31")
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "submitted"
    )
    log_out(page)

    # The official approves it.
    log_in(page, base, official.username)
    page.goto(f"{base}/reports/{submission.pk}/")
    expect(page.locator("[data-testid=history]")).to_contain_text("数字化专职人员")
    page.click("[data-testid=approve]")
    status = page.locator("[data-testid=report-status]")
    expect(status).to_have_attribute("data-status", "approved")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.APPROVED
    assert submission.metrics_data["digital_staff"] == "31"
    with translation.override("zh-hans"):
        assert status.inner_text() == submission.get_status_display()
