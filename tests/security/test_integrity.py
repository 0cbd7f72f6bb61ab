"""Data integrity (ALCOA+, issue 10 item 11): the audit trail can be read but not changed or
deleted through any interface, reports are never deleted, and the codes that others refer
to (park code, enterprise USCC, target code, district code) never change."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from enterprises.models import Designation, Enterprise
from parks.models import Park
from reporting import services as reporting_services
from reporting.models import Submission
from targets.models import District, Milestone, Target
from tests.adminforms import change_form_data
from tests.factories import DesignationFactory, OfficialFactory, ReporterFactory
from tests.security.matrix_world import url_patterns

pytestmark = pytest.mark.django_db

AUDITED = ["submission", "designation", "target", "milestone", "enterprise", "park"]


@pytest.fixture
def officer(db) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(OfficialFactory(username="auditor", is_superuser=True))
    return client


@pytest.fixture
def audited(enterprise, park) -> dict[str, object]:
    """One object of each audited kind, each with at least two history entries."""
    reporter = ReporterFactory(enterprise=enterprise)
    report = reporting_services.submission_create(
        enterprise=enterprise, period=2024 * 4, metrics={"digital_staff": 3}, items=[], by=reporter
    )
    report = reporting_services.submission_submit(submission=report, by=reporter)
    designation = Designation.objects.get(pk=DesignationFactory(enterprise=enterprise).pk)
    designation.name = "更名"
    designation.save()
    target = Target.objects.get(code="SH23-SF-BENCH")
    target.save()
    milestone = Milestone.objects.filter(target=target).first()
    assert milestone is not None
    milestone.save()
    enterprise.name = "改名后的企业"
    enterprise.save()
    park.name_en = "Renamed"
    park.save()
    return {
        "submission": report,
        "designation": designation,
        "target": target,
        "milestone": milestone,
        "enterprise": enterprise,
        "park": park,
    }


def admin_url(obj: object, view: str, *args: object) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk, *args])


# --- the audit trail ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", AUDITED)
def test_the_admin_shows_the_history_with_no_link_to_delete_it(officer, audited, kind):
    obj = audited[kind]
    page = officer.get(admin_url(obj, "history"))
    assert page.status_code == 200
    table = page.content.decode().split("<table")[-1].split("</table>")[0]
    assert "/history/" in table  # each entry links to its past version
    assert "/delete/" not in table
    entry = obj.history.order_by("history_date").first()
    assert officer.get(admin_url(obj, "simple_history", entry.history_id)).status_code == 200


@pytest.mark.parametrize("kind", AUDITED)
def test_a_past_version_in_the_admin_offers_no_revert_button(officer, audited, kind):
    obj = audited[kind]
    entry = obj.history.order_by("history_date").first()
    version = officer.get(admin_url(obj, "simple_history", entry.history_id))
    assert 'name="_save"' not in version.content.decode()


@pytest.mark.parametrize("kind", AUDITED)
def test_posting_an_old_version_back_changes_nothing(officer, audited, kind):
    obj = audited[kind]
    model = type(obj)
    before = model.objects.filter(pk=obj.pk).values().get()
    entries = obj.history.count()
    first = obj.history.order_by("history_date").first()
    url = admin_url(obj, "simple_history", first.history_id)
    response = officer.post(url, change_form_data_or_empty(officer, url))
    assert response.status_code == 405
    assert "read, not changed" in response.content.decode()
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert obj.history.count() == entries


def change_form_data_or_empty(client: Client, url: str) -> dict[str, object]:
    page = client.get(url)
    if page.status_code != 200 or page.context is None or "adminform" not in page.context:
        return {}
    return change_form_data(client, url)


def test_no_history_model_is_registered_in_the_admin():
    historical = [
        model.__name__ for model in admin.site._registry if "Historical" in model.__name__
    ]
    assert historical == []


def test_no_address_of_the_product_writes_history(official):
    """Every address with "history" in it is the API's or the admin's history, read-only."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(official)
    history = [route for _name, route, _args in url_patterns() if "history" in route]
    assert history, "the API's history of reports"
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/submissions/1/history/", {}, format="json")
        assert response.status_code == 405, (method, response.status_code)


def test_the_api_history_of_a_report_reads_only(official, audited):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(official)
    report = audited["submission"]
    url = f"/api/v1/submissions/{report.pk}/history/"
    entries = client.get(url).json()
    assert [entry["action"] for entry in entries][:2]
    allowed = client.options(url)
    assert allowed.status_code == 200
    assert set(allowed["Allow"].replace(" ", "").split(",")) <= {"GET", "HEAD", "OPTIONS"}


# --- reports are never deleted ------------------------------------------------------------


def test_a_report_cannot_be_deleted_through_the_admin(officer, audited):
    report = audited["submission"]
    assert officer.get(admin_url(report, "delete")).status_code == 403
    assert officer.post(admin_url(report, "delete"), {"post": "yes"}).status_code == 403
    changelist = reverse("admin:reporting_submission_changelist")
    assert "delete_selected" not in officer.get(changelist).content.decode()
    officer.post(
        changelist, {"action": "delete_selected", "_selected_action": [report.pk], "post": "yes"}
    )
    assert Submission.objects.filter(pk=report.pk).exists()


def test_a_report_cannot_be_changed_through_the_admin(officer, audited):
    report = audited["submission"]
    url = admin_url(report, "change")
    before = Submission.objects.filter(pk=report.pk).values().get()
    officer.post(url, {"status": "approved", "version": 99, "review_comment": "x"})
    assert Submission.objects.filter(pk=report.pk).values().get() == before


def test_a_report_cannot_be_deleted_through_the_api(official, audited):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(official)
    response = client.delete(f"/api/v1/submissions/{audited['submission'].pk}/")
    assert response.status_code == 405
    assert Submission.objects.filter(pk=audited["submission"].pk).exists()


# --- codes others refer to ----------------------------------------------------------------


def test_a_parks_code_cannot_change_in_the_admin(officer, park):
    url = reverse("admin:parks_park_change", args=[park.pk])
    data = change_form_data(officer, url)
    assert "code" not in data  # shown, not editable
    officer.post(url, {**data, "code": "NEW-CODE"})
    assert Park.objects.filter(pk=park.pk, code="PARK-A").exists()


def test_an_enterprises_uscc_cannot_change_in_the_admin(officer, enterprise):
    url = reverse("admin:enterprises_enterprise_change", args=[enterprise.pk])
    data = change_form_data(officer, url)
    assert "uscc" not in data
    officer.post(url, {**data, "uscc": "91310000000000001Y"})
    assert Enterprise.objects.get(pk=enterprise.pk).uscc == enterprise.uscc


def test_a_targets_code_cannot_change_in_the_admin(officer):
    target = Target.objects.get(code="SH23-SF-BENCH")
    url = reverse("admin:targets_target_change", args=[target.pk])
    data = change_form_data(officer, url)
    assert "code" not in data
    officer.post(url, {**data, "code": "RENAMED"})
    assert Target.objects.filter(pk=target.pk, code="SH23-SF-BENCH").exists()


def test_a_districts_code_cannot_change_in_the_admin(officer):
    district = District.objects.get(code="310115")
    url = reverse("admin:targets_district_change", args=[district.pk])
    data = change_form_data(officer, url)
    officer.post(url, {**data, "code": "319999"})
    assert District.objects.filter(pk=district.pk, code="310115").exists()


def test_a_designations_subject_cannot_change_in_the_admin(officer, enterprise, other_enterprise):
    designation = DesignationFactory(enterprise=enterprise)
    url = reverse("admin:enterprises_designation_change", args=[designation.pk])
    data = change_form_data(officer, url)
    assert "enterprise" not in data
    officer.post(url, {**data, "enterprise": other_enterprise.pk})
    assert Designation.objects.get(pk=designation.pk).enterprise_id == enterprise.pk
