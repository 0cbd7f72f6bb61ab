"""Evidence files in a real browser: an enterprise attaches the registration certificate of
an approved device (a PDF) to its item and submits; the official opens the preview on the
review page, checks the file and approves. No Content-Security-Policy violation, no console
error. Screenshots of the form and the review page in Chinese and English."""

from __future__ import annotations

from typing import Any, cast

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from demo.certificates import certificate_pdf
from enterprises.models import Enterprise
from reporting import services
from reporting.models import EvidenceEvent, EvidenceFile, Submission
from tests import factories

from .helpers import SCREENSHOTS, log_in, log_out, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PERIOD = "2024Q1"
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || ""));
});
"""
CERTIFICATE = certificate_pdf(
    title="中华人民共和国医疗器械注册证",
    lines=["注册证编号：国械注准20243210001", "产品名称：智能影像辅助诊断软件"],
)


@pytest.fixture
def people(db) -> tuple[User, User]:
    park = factories.ParkFactory(code="ZJ-EV", name_zh="张江药谷", name_en="Zhangjiang")
    enterprise = cast(
        Enterprise,
        factories.EnterpriseFactory(
            name="上海示例医疗器械有限公司", park=park, district=park.district
        ),
    )
    reporter = cast(User, factories.ReporterFactory(username="qiye", enterprise=enterprise))
    official = cast(User, factories.OfficialFactory(username="jingxin"))
    return reporter, official


def watch(page: Page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.add_init_script(RECORD_VIOLATIONS)
    return errors


def fill_device_item(page: Page) -> None:
    page.fill("#id_metric_digital_staff", "12")
    page.fill("#id_metric_revenue", "950")
    page.click("[data-testid=add-item]")
    page.select_option("select[name=items-0-kind]", "smart_device_approval")
    row = page.locator("[data-item-row]").nth(0)
    expect(row.locator("[data-evidence-required]")).to_be_visible()
    page.fill("input[name=items-0-identifier]", "国械注准20243210001")
    page.fill("input[name=items-0-title]", "智能影像辅助诊断软件")
    page.fill("input[name=items-0-date]", "2024-03-10")


def test_an_enterprise_attaches_a_pdf_and_the_official_previews_it_and_approves(
    page: Page, live_server: Any, people: tuple[User, User], browser: Browser
) -> None:
    reporter, official = people
    base = live_server.url
    errors = watch(page)

    # The reporter writes a device item and saves a draft; submitting without the
    # certificate is refused next to the item.
    log_in(page, base, reporter.username)
    page.goto(f"{base}/reports/quarter/{PERIOD}/")
    fill_device_item(page)
    page.click("[data-testid=save-draft]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute("data-status", "draft")
    submission = Submission.objects.get()
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-item-row] .evidence .field-error").first).to_contain_text(
        "国械注准20243210001"
    )
    assert Submission.objects.get().status == "draft"
    errors.remove(
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"
    )

    # On the saved report the PDF is uploaded at once, with its progress, and listed.
    page.goto(f"{base}/reports/{submission.pk}/")
    row = page.locator("[data-item-row]").nth(0)
    row.locator("[data-testid=evidence-input]").set_input_files(
        files=[{"name": "医疗器械注册证.pdf", "mimeType": "application/pdf", "buffer": CERTIFICATE}]
    )
    expect(row.locator("[data-evidence-list] li")).to_have_count(1)
    expect(row.locator("[data-evidence-list] li a")).to_have_text("医疗器械注册证.pdf")
    stored = EvidenceFile.objects.get()
    assert (stored.position, stored.size) == (0, len(CERTIFICATE))
    screenshot(page, "evidence_form_zh")
    page.click("[data-testid=submit-report]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute(
        "data-status", "submitted"
    )
    assert page.evaluate("window.__violations") == []
    log_out(page)

    # The official opens the preview under the item: the browser shows the PDF in place.
    log_in(page, base, official.username)
    page.goto(f"{base}/reports/{submission.pk}/")
    expect(page.locator("[data-testid=evidence-file]")).to_contain_text("医疗器械注册证.pdf")
    with page.expect_response(lambda r: "/preview/" in r.url) as previewed:
        page.click("[data-testid=evidence-preview]")
    response = previewed.value
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "frame-ancestors 'self'" in response.headers["content-security-policy"]
    frame = page.locator("[data-testid=evidence-preview-frame]")
    expect(frame).to_be_visible()
    page.wait_for_timeout(3000)  # the PDF viewer draws the page
    assert page.evaluate("window.__violations") == []
    screenshot(page, "evidence_review_zh")
    frame.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    frame.screenshot(path=str(SCREENSHOTS / "evidence_preview_zh.png"))
    assert EvidenceEvent.objects.filter(action="download", by=official).exists()

    # The reviewer marks the certificate as checked and approves the report.
    page.click("[data-testid=evidence-check]")
    expect(page.locator("[data-testid=evidence-checked]")).to_be_visible()
    page.click("[data-testid=approve]")
    expect(page.locator("[data-testid=report-status]")).to_have_attribute("data-status", "approved")
    assert Submission.objects.get().status == "approved"
    # An approved report's form offers no way to remove its file.
    assert page.locator("[data-remove-file]").count() == 0
    assert errors == []

    # The same pages in English.
    english = browser.new_context(locale="en-US", viewport={"width": 1366, "height": 900})
    other = english.new_page()
    log_in(other, base, official.username)
    other.goto(f"{base}/reports/{submission.pk}/")
    other.click("[data-testid=evidence-preview]")
    expect(other.locator("[data-testid=evidence-preview-frame]")).to_be_visible()
    other.wait_for_timeout(1500)
    screenshot(other, "evidence_review_en")
    log_out(other)
    log_in(other, base, reporter.username)
    draft = services.submission_create(
        enterprise=cast(Enterprise, reporter.enterprise),
        period=2024 * 4 + 1,
        metrics={},
        items=[],
        by=reporter,
    )
    other.goto(f"{base}/reports/{draft.pk}/")
    fill_device_item(other)
    other.locator("[data-testid=evidence-input]").set_input_files(
        files=[{"name": "registration.pdf", "mimeType": "application/pdf", "buffer": CERTIFICATE}]
    )
    screenshot(other, "evidence_form_en")
    english.close()
