"""The admin writes designations and enterprises through the services: every edit and
deletion leaves the figures exactly as a full rebuild would compute them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from accounts.models import User
from enterprises.models import Designation
from enterprises.services import designation_create
from progress import services
from progress.models import Snapshot
from targets.periods import period_parse
from tests.adminforms import change_form_data, figures, figures_after_full_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_client(client):
    call_command("add_user", "zhang", "--role", "official", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="zhang"))
    return client


@pytest.fixture
def benchmark(enterprise):
    designation = designation_create(
        kind="smart_factory_benchmark",
        granted_on=dt.date(2023, 5, 1),
        enterprise=enterprise.uscc,
        name="智能工厂",
    )
    services.snapshots_rebuild()
    return designation


def bench_actual(period: str) -> object:
    return Snapshot.objects.get(
        target__code="SH23-SF-BENCH", period=period_parse(period), scope="city"
    ).actual


def test_granting_later_in_the_admin_takes_the_designation_out_of_the_earlier_quarters(
    official_client, benchmark, django_capture_on_commit_callbacks
):
    url = f"/admin/enterprises/designation/{benchmark.pk}/change/"
    data = change_form_data(official_client, url)
    data["granted_on"] = "2024-07-01"

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(url, data)

    assert response.status_code == 302
    assert bench_actual("2023Q3") == 0
    assert bench_actual("2024Q3") == 1
    assert figures() == figures_after_full_rebuild()
    record = Designation.history.filter(id=benchmark.pk).first()
    assert record is not None
    assert record.history_user.username == "zhang"


def test_deleting_a_designation_in_the_admin_recomputes_its_figures(
    official_client, benchmark, django_capture_on_commit_callbacks
):
    url = f"/admin/enterprises/designation/{benchmark.pk}/delete/"
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Designation.objects.exists()
    assert bench_actual("2024Q1") == 0
    assert figures() == figures_after_full_rebuild()


def test_deleting_designations_from_the_list_recomputes_their_figures(
    official_client, benchmark, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(
            "/admin/enterprises/designation/",
            {"action": "delete_selected", "_selected_action": [benchmark.pk], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Designation.objects.exists()
    assert bench_actual("2024Q1") == 0
    assert figures() == figures_after_full_rebuild()


def test_moving_an_enterprise_to_another_park_in_the_admin_moves_its_figures(
    official_client, benchmark, enterprise, other_park, django_capture_on_commit_callbacks
):
    url = f"/admin/enterprises/enterprise/{enterprise.pk}/change/"
    data = change_form_data(official_client, url)
    data["park"] = other_park.pk
    data["district"] = other_park.district.pk

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    moved = Snapshot.objects.get(
        target__code="SH23-SF-BENCH", period=period_parse("2024Q1"), scope=f"park:{other_park.code}"
    )
    assert moved.actual == 1
    assert figures() == figures_after_full_rebuild()
