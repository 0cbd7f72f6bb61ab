"""Programme management for officials: rollup runs and a rebuild, designations recorded,
corrected, revoked and deleted, and milestones edited, all through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Designation
from progress.models import RollupRun
from targets.models import DesignationKind, Milestone, RecomputeRequest, Target
from targets.periods import period_of
from targets.rules import targets_fed_by
from tests import factories

pytestmark = pytest.mark.django_db

BENCH = "SH23-SF-BENCH"  # 10 benchmark smart factories by 2025-12-31


def url(name: str, *args) -> str:
    return reverse(f"progress:{name}", args=args)


@pytest.fixture
def as_official(client, official):
    client.force_login(official)
    return client


@pytest.fixture
def designation(enterprise):
    return factories.DesignationFactory(
        enterprise=enterprise, name="智能工厂甲", granted_on=dt.date(2024, 3, 1)
    )


def requests_after(count_before: int) -> list[RecomputeRequest]:
    return list(RecomputeRequest.objects.order_by("pk"))[count_before:]


def designation_targets() -> list[str]:
    return sorted(targets_fed_by(designations=True))


# --- who may open the pages ---------------------------------------------------------------


def test_only_officials_may_open_the_programme_pages(
    client, official, analyst, park_manager, reporter, designation
):
    pages = [
        url("manage"),
        url("manage-designations"),
        url("manage-designation-new"),
        url("manage-designation", designation.pk),
        url("manage-designation-delete", designation.pk),
        url("manage-targets"),
        url("manage-milestones", BENCH),
    ]
    for user in (analyst, park_manager, reporter):
        client.force_login(user)
        for page in pages:
            assert client.get(page).status_code == 403, (user.role, page)
        assert client.post(url("manage-rebuild")).status_code == 403
        response = client.post(
            url("manage-designation-revoke", designation.pk), {"revoked_on": "2025-01-01"}
        )
        assert response.status_code == 403
    assert not RollupRun.objects.exists()
    designation.refresh_from_db()
    assert designation.revoked_on is None
    client.force_login(official)
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(url("manage"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_every_post_needs_the_csrf_token(official):
    client = Client(enforce_csrf_checks=True)
    client.force_login(official)
    assert client.post(url("manage-rebuild")).status_code == 403
    assert not RollupRun.objects.exists()


def test_unknown_rows_answer_404(as_official, designation):
    assert as_official.get(url("manage-designation", 999999)).status_code == 404
    assert as_official.get(url("manage-milestones", "NO-SUCH-TARGET")).status_code == 404
    other = Milestone.objects.filter(target__code="SH23-SF-DEMO").first()
    response = as_official.post(
        url("manage-milestone", BENCH, other.pk), {f"m{other.pk}-date": "2025-12-31"}
    )
    assert response.status_code == 404


# --- the rollup runs and the rebuild ------------------------------------------------------


def test_the_rebuild_button_creates_a_full_run_requested_by_the_official(as_official, official):
    response = as_official.post(url("manage-rebuild"), follow=True)
    assert response.redirect_chain == [(url("manage"), 302)]
    run = RollupRun.objects.get()
    assert (run.kind, run.status, run.requested_by) == ("full", "pending", official)
    request = RecomputeRequest.objects.get()
    assert (request.targets, request.from_period, request.run_id) == (None, None, run.pk)
    assert request.requested_by == official
    html = response.content.decode()
    assert f'data-run="{run.pk}"' in html
    assert 'http-equiv="refresh"' in html  # pending: the page follows it


def test_the_page_shows_each_runs_state_and_stops_refreshing_when_all_are_done(
    as_official, official
):
    now = timezone.now()
    RollupRun.objects.create(
        kind="full",
        status="done",
        requested_by=official,
        started_at=now,
        finished_at=now + dt.timedelta(seconds=12),
        snapshots_written=18000,
    )
    RollupRun.objects.create(
        kind="incremental",
        status="failed",
        targets=[BENCH],
        from_period=2024 * 4,
        started_at=now,
        finished_at=now,
        error="database is locked",
    )
    response = as_official.get(url("manage"))
    html = response.content.decode()
    assert 'data-status="done"' in html
    assert 'data-status="failed"' in html
    assert "database is locked" in html
    assert "18,000" in html
    assert "12 s" in html
    assert "2024Q1" in html
    assert 'http-equiv="refresh"' not in html
    RollupRun.objects.create(kind="full", status="running", started_at=now)
    assert 'http-equiv="refresh"' in as_official.get(url("manage")).content.decode()


# --- designations --------------------------------------------------------------------------


def test_an_official_records_corrects_and_revokes_a_designation(as_official, official, enterprise):
    before = RecomputeRequest.objects.count()
    response = as_official.post(
        url("manage-designation-new"),
        {
            "kind": "smart_factory_benchmark",
            "enterprise": enterprise.uscc.lower(),
            "name": "数字化车间",
            "reference": "沪经信〔2024〕9号",
            "granted_on": "2024-03-01",
        },
    )
    designation = Designation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("manage-designation", designation.pk)
    assert (designation.kind_id, designation.enterprise, designation.name) == (
        designation.kind_id,
        enterprise,
        "数字化车间",
    )
    assert designation.kind.code == "smart_factory_benchmark"
    assert (designation.granted_on, designation.revoked_on) == (dt.date(2024, 3, 1), None)
    assert designation.history.latest().history_user == official
    [recorded] = requests_after(before)
    assert recorded.targets == designation_targets()
    assert BENCH in recorded.targets
    assert (recorded.from_period, recorded.requested_by) == (
        period_of(dt.date(2024, 3, 1)),
        official,
    )

    # Corrected: an earlier grant date moves the figures from that quarter.
    response = as_official.post(
        url("manage-designation", designation.pk),
        {
            "name": "数字化车间（更正）",
            "reference": "沪经信〔2024〕9号",
            "granted_on": "2023-05-20",
        },
    )
    assert response.status_code == 302
    designation.refresh_from_db()
    assert (designation.name, designation.granted_on) == (
        "数字化车间（更正）",
        dt.date(2023, 5, 20),
    )
    [corrected] = requests_after(before + 1)
    assert corrected.from_period == period_of(dt.date(2023, 5, 20))
    assert corrected.targets == designation_targets()

    # Revoked.
    response = as_official.post(
        url("manage-designation-revoke", designation.pk), {"revoked_on": "2025-06-30"}, follow=True
    )
    designation.refresh_from_db()
    assert designation.revoked_on == dt.date(2025, 6, 30)
    assert "2025-06-30" in response.content.decode()
    [revoked] = requests_after(before + 2)
    assert revoked.from_period == period_of(dt.date(2023, 5, 20))
    assert revoked.requested_by == official
    assert designation.history.latest().history_user == official

    # And the revocation withdrawn.
    as_official.post(url("manage-designation-revoke", designation.pk), {"action": "reinstate"})
    designation.refresh_from_db()
    assert designation.revoked_on is None
    assert RecomputeRequest.objects.count() == before + 4


def test_a_bad_date_shows_a_field_error_and_saves_nothing(as_official, enterprise):
    before = RecomputeRequest.objects.count()
    response = as_official.post(
        url("manage-designation-new"),
        {
            "kind": "smart_factory_benchmark",
            "enterprise": enterprise.uscc,
            "granted_on": "2024-02-30",
        },
    )
    assert response.status_code == 400
    assert "granted_on" in response.context["form"].errors
    assert 'data-field="granted_on"' in response.content.decode()
    assert not Designation.objects.exists()
    assert RecomputeRequest.objects.count() == before


def test_the_services_errors_appear_on_their_fields(as_official, enterprise, park, designation):
    new = url("manage-designation-new")
    cases = [
        ({"kind": "smart_factory_benchmark", "enterprise": "913100000000000000"}, "enterprise"),
        ({"kind": "smart_factory_benchmark", "park": park.code}, "park"),
        (
            {
                "kind": "smart_factory_benchmark",
                "enterprise": enterprise.uscc,
                "revoked_on": "2024-01-01",
            },
            "revoked_on",
        ),
    ]
    for data, field in cases:
        response = as_official.post(new, {"granted_on": "2024-03-01", **data})
        assert response.status_code == 400, data
        assert field in response.context["form"].errors, (data, response.context["form"].errors)
    assert Designation.objects.count() == 1  # only the fixture's

    revoke = as_official.post(
        url("manage-designation-revoke", designation.pk), {"revoked_on": "2020-01-01"}
    )
    assert revoke.status_code == 400
    assert "revoked_on" in revoke.context["revoke_form"].errors
    as_official.post(url("manage-designation-revoke", designation.pk), {"revoked_on": "2024-12-31"})
    # A grant date after the revocation is the grant date's error in the correction form.
    correct = as_official.post(
        url("manage-designation", designation.pk),
        {"name": designation.name, "reference": "", "granted_on": "2025-01-01"},
    )
    assert correct.status_code == 400
    assert "granted_on" in correct.context["correct_form"].errors
    designation.refresh_from_db()
    assert designation.granted_on == dt.date(2024, 3, 1)


def test_a_designation_recorded_by_mistake_is_deleted_after_a_confirmation(
    as_official, official, designation
):
    confirm = as_official.get(url("manage-designation-delete", designation.pk))
    assert confirm.status_code == 200
    assert Designation.objects.filter(pk=designation.pk).exists()  # asking deletes nothing
    before = RecomputeRequest.objects.count()
    response = as_official.post(url("manage-designation-delete", designation.pk))
    assert response.status_code == 302
    assert response["Location"] == url("manage-designations")
    assert not Designation.objects.filter(pk=designation.pk).exists()
    [recorded] = requests_after(before)
    assert recorded.from_period == period_of(dt.date(2024, 3, 1))
    assert recorded.requested_by == official


def test_the_list_filters_by_kind_subject_and_year_and_sorts(as_official, enterprise, park):
    make = factories.DesignationFactory
    first = make(enterprise=enterprise, granted_on=dt.date(2023, 5, 1))
    second = make(
        enterprise=enterprise, granted_on=dt.date(2024, 5, 1), revoked_on=dt.date(2025, 1, 1)
    )
    park_title = make(
        kind=DesignationKind.objects.get(code="demo_park"),
        enterprise=None,
        park=park,
        granted_on=dt.date(2024, 8, 1),
    )
    other = make(granted_on=dt.date(2022, 1, 1))

    def listed(**params) -> list[int]:
        response = as_official.get(url("manage-designations"), params)
        assert response.status_code == 200
        return [d.pk for d in response.context["rows"]]

    assert listed() == [park_title.pk, second.pk, first.pk, other.pk]  # newest grant first
    assert listed(sort="granted") == [other.pk, first.pk, second.pk, park_title.pk]
    assert listed(kind="demo_park") == [park_title.pk]
    assert listed(subject=enterprise.uscc) == [second.pk, first.pk]
    assert listed(subject=park.code) == [park_title.pk]
    assert listed(year="2024") == [park_title.pk, second.pk]
    assert listed(state="revoked") == [second.pk]
    years = as_official.get(url("manage-designations")).context["filter_form"].fields["year"]
    assert [value for value, _label in years.choices] == ["", "2024", "2023", "2022"]


def test_the_list_takes_the_same_number_of_queries_for_2_and_for_20_designations(as_official):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            as_official.get(url("manage-designations"))
        return len(captured.captured_queries)

    factories.DesignationFactory.create_batch(2)
    few = queries()
    factories.DesignationFactory.create_batch(18)
    factories.DesignationFactory(
        kind=DesignationKind.objects.get(code="excellent_provider"),
        enterprise=None,
        provider=factories.ProviderFactory(),
    )
    assert queries() == few <= 10


# --- milestones -----------------------------------------------------------------------------


def test_the_target_page_shows_the_value_the_deadline_and_the_milestones(as_official):
    response = as_official.get(url("manage-milestones", BENCH))
    html = response.content.decode()
    assert "2025-12-31" in html
    assert response.context["target"].value == Decimal(10)
    assert [row["milestone"].date for row in response.context["rows"]] == [dt.date(2025, 12, 31)]
    assert 'value="10"' in html  # 10, not 10.0000


def test_a_milestone_edit_goes_through_the_service(as_official, official):
    milestone = Milestone.objects.get(target__code=BENCH)
    before = RecomputeRequest.objects.count()
    response = as_official.post(
        url("manage-milestone", BENCH, milestone.pk),
        {f"m{milestone.pk}-date": "2025-12-31", f"m{milestone.pk}-value": "12.5"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("manage-milestones", BENCH)
    milestone.refresh_from_db()
    assert milestone.value == Decimal("12.5")
    assert milestone.history.latest().history_user == official
    [recorded] = requests_after(before)
    assert (recorded.targets, recorded.from_period, recorded.requested_by) == (
        [BENCH],
        None,
        official,
    )


def test_a_milestone_is_added_and_deleted(as_official, official):
    target = Target.objects.get(code=BENCH)
    response = as_official.post(
        url("manage-milestone-new", BENCH), {"new-date": "2024-12-31", "new-value": "4"}
    )
    assert response.status_code == 302
    added = Milestone.objects.get(target=target, date=dt.date(2024, 12, 31))
    assert added.value == Decimal(4)
    assert added.history.latest().history_user == official
    before = RecomputeRequest.objects.count()
    response = as_official.post(url("manage-milestone-delete", BENCH, added.pk))
    assert response.status_code == 302
    assert not Milestone.objects.filter(pk=added.pk).exists()
    assert requests_after(before)[0].targets == [BENCH]


def test_a_second_milestone_on_the_same_date_is_refused_on_the_date_field(as_official):
    before = RecomputeRequest.objects.count()
    response = as_official.post(
        url("manage-milestone-new", BENCH), {"new-date": "2025-12-31", "new-value": "11"}
    )
    assert response.status_code == 400
    assert "date" in response.context["new_form"].errors
    assert Milestone.objects.filter(target__code=BENCH).count() == 1
    assert RecomputeRequest.objects.count() == before
    bad = as_official.post(
        url("manage-milestone-new", BENCH), {"new-date": "2025-13-01", "new-value": "ten"}
    )
    assert bad.status_code == 400
    assert set(bad.context["new_form"].errors) == {"date", "value"}


def test_the_milestones_overview_lists_every_target_in_a_bounded_number_of_queries(as_official):
    with CaptureQueriesContext(connection) as captured:
        response = as_official.get(url("manage-targets"))
    assert len(response.context["rows"]) == Target.objects.count()
    assert len(captured.captured_queries) <= 6
