"""Allocations of a city target to a district or park through the services and the admin
(DOMAIN.md, "Allocations"): what is refused and why, one per target and scope, every change
kept (who, when, old → new) and the target recomputed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.models import User
from progress import services as progress_services
from progress.models import Snapshot
from targets import services
from targets.models import Allocation, RecomputeRequest, Target
from targets.periods import period_parse
from tests.adminforms import change_form_data

pytestmark = pytest.mark.django_db

D = Decimal
WHEN = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def target(code: str = "SH23-SF-BENCH") -> Target:
    return Target.objects.get(code=code)


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def errors_of(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- what is allocated ----------------------------------------------------------------------


def test_an_official_allocates_a_target_to_a_park_and_the_target_is_recomputed(park, official):
    allocation = services.allocation_create(
        target=target(),
        scope="park:PARK-A",
        value=D(4),
        milestones=[(day("2024-12-31"), D("2.50")), (day("2023-12-31"), 1)],
        by=official,
        at=WHEN,
    )

    stored = Allocation.objects.get()
    assert (stored.scope, stored.value) == ("park:PARK-A", 4)
    # In date order, as typed: 2.5, not 2.50.
    assert stored.milestones == [
        {"date": "2023-12-31", "value": "1"},
        {"date": "2024-12-31", "value": "2.5"},
    ]
    assert stored.own_milestones() == [(day("2023-12-31"), 1), (day("2024-12-31"), D("2.5"))]
    request = RecomputeRequest.objects.get()
    assert (request.targets, request.from_period) == (["SH23-SF-BENCH"], None)
    assert request.requested_by == official
    assert request.requested_at == WHEN
    record = allocation.history.get()
    assert (record.history_type, record.history_user, record.history_date) == ("+", official, WHEN)


def test_a_district_is_allocated_by_its_code(official):
    allocation = services.allocation_create(
        target=target(), scope=" district:310115 ", value="3", by=official
    )

    assert allocation.scope == "district:310115"
    assert allocation.milestones == []


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ("city", "The target is the city's"),
        ("district:999999", "No district has the code 999999."),
        ("park:NOWHERE", "No park has the code NOWHERE."),
        ("park", "Use district:CODE or park:CODE."),
        ("enterprise:X", "Use district:CODE or park:CODE."),
    ],
)
def test_the_city_and_unknown_scopes_are_refused(park, scope, message):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(target=target(), scope=scope, value=D(1))

    assert message in errors_of(excinfo)["scope"][0]
    assert not Allocation.objects.exists()
    assert not RecomputeRequest.objects.exists()


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("SH23-SF-BENCH", "0", "greater than 0"),
        ("SH23-SF-BENCH", "-2", "greater than 0"),
        ("SH23-SF-BENCH", "2.5", "whole number"),  # designation_count counts things
        ("AIC-CLOUD", "10.5", "whole number"),  # flag_latest_count too
        ("AIC-SELF", "1.5", "whole number"),  # flag_ever_count too
        ("SH23-SCENARIO", "1.5", "whole number"),  # item_distinct too
        ("SH23-TALENT-HIGH", "2.125", "at most two decimals"),  # flow_sum: up to two
        ("CN25-COVERAGE", "100.5", "at most 100"),
        ("CN25-COVERAGE", "33.333", "at most two decimals"),
        ("SH23-TALENT-HIGH", "1e20", "too large"),
        ("SH23-TALENT-HIGH", "NaN", "Enter a number"),
        ("SH23-TALENT-HIGH", "many", "Enter a number"),
    ],
)
def test_a_value_must_be_positive_and_in_the_targets_units(park, code, value, message):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(target=target(code), scope="park:PARK-A", value=value)

    assert message in errors_of(excinfo)["value"][0]


@pytest.mark.parametrize(
    ("code", "value"),
    [("SH23-TALENT-HIGH", "12.25"), ("CN25-COVERAGE", "100"), ("CN25-COVERAGE", "62.5")],
)
def test_sums_and_shares_take_up_to_two_decimals(park, code, value):
    allocation = services.allocation_create(target=target(code), scope="park:PARK-A", value=value)

    assert allocation.value == D(value)


def test_own_milestones_are_dated_inside_the_targets_window_and_not_negative(park):
    # SH23-SF-BENCH counts from 2023-01-01 to its deadline 2025-12-31 (both included).
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(
            target=target(),
            scope="park:PARK-A",
            value=D(4),
            milestones=[
                (day("2022-12-31"), D(0)),  # the baseline's date: before counts_from
                (day("2023-01-01"), D(0)),  # the first day: fine
                (day("2025-12-31"), D(4)),  # the deadline: fine
                (day("2026-01-01"), D(4)),  # after the deadline
                (day("2024-06-30"), D(-1)),
                (day("2024-09-30"), D("1.125")),
            ],
        )

    assert errors_of(excinfo) == {
        "milestones": [
            "Milestone 2022-12-31 is outside the target's window (2023-01-01 to 2025-12-31).",
            "2024-06-30: A milestone cannot be negative.",
            "2024-09-30: Use at most two decimals.",
            "Milestone 2026-01-01 is outside the target's window (2023-01-01 to 2025-12-31).",
        ]
    }


def test_two_own_milestones_on_one_date_are_refused(park):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(
            target=target(),
            scope="park:PARK-A",
            value=D(4),
            milestones=[(day("2024-12-31"), D(1)), (day("2024-12-31"), D(2))],
        )

    assert errors_of(excinfo)["milestones"] == ["There are two milestones on 2024-12-31."]


def test_a_share_milestone_is_at_most_100(park):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(
            target=target("CN25-COVERAGE"),
            scope="park:PARK-A",
            value=D(80),
            milestones=[(day("2027-12-31"), D(101))],
        )

    assert errors_of(excinfo)["milestones"] == ["2027-12-31: A share is at most 100."]


def test_every_problem_is_reported_at_once(park):
    with pytest.raises(ValidationError) as excinfo:
        services.allocation_create(
            target=target(),
            scope="city",
            value=D(0),
            milestones=[(day("2030-01-01"), D(1))],
        )

    assert set(errors_of(excinfo)) == {"scope", "value", "milestones"}


def test_a_target_is_allocated_once_per_scope(park):
    first = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))

    with pytest.raises(services.AllocationExists) as excinfo:
        services.allocation_create(target=target(), scope="park:PARK-A", value=D(5))

    assert excinfo.value.existing_id == first.pk
    assert Allocation.objects.get().value == 4
    # Another target, or another scope, is another allocation.
    services.allocation_create(target=target("SH23-PIONEER"), scope="park:PARK-A", value=D(2))
    services.allocation_create(target=target(), scope="district:310115", value=D(6))
    assert Allocation.objects.count() == 3


# --- changing and deleting ---------------------------------------------------------------


def test_a_change_keeps_who_when_and_old_and_new_and_recomputes(park, official):
    allocation = services.allocation_create(
        target=target(), scope="park:PARK-A", value=D(4), at=WHEN - dt.timedelta(days=1)
    )
    RecomputeRequest.objects.all().delete()

    services.allocation_update(
        allocation=allocation,
        value=D(6),
        milestones=[(day("2024-12-31"), D(3))],
        by=official,
        at=WHEN,
    )

    record = allocation.history.first()
    assert (record.history_type, record.history_user, record.history_date) == ("~", official, WHEN)
    changes = {c.field: (c.old, c.new) for c in record.diff_against(record.prev_record).changes}
    assert changes == {
        "value": (D("4.0000"), D("6.0000")),
        "milestones": ([], [{"date": "2024-12-31", "value": "3"}]),
    }
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]


def test_an_update_leaves_what_is_not_given_and_an_empty_list_scales_the_citys_again(park):
    allocation = services.allocation_create(
        target=target(), scope="park:PARK-A", value=D(4), milestones=[(day("2024-12-31"), 2)]
    )

    services.allocation_update(allocation=allocation, value=D(5))
    allocation.refresh_from_db()
    assert (allocation.value, allocation.milestones) == (5, [{"date": "2024-12-31", "value": "2"}])

    services.allocation_update(allocation=allocation, milestones=[])
    allocation.refresh_from_db()
    assert (allocation.value, allocation.milestones) == (5, [])


def test_an_update_that_changes_nothing_records_nothing(park):
    allocation = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))
    RecomputeRequest.objects.all().delete()

    services.allocation_update(allocation=allocation, value="4.00")

    assert allocation.history.count() == 1
    assert not RecomputeRequest.objects.exists()


def test_an_invalid_update_changes_nothing(park):
    allocation = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))

    with pytest.raises(ValidationError) as excinfo:
        services.allocation_update(allocation=allocation, value=D("4.5"))

    assert "whole number" in errors_of(excinfo)["value"][0]
    allocation.refresh_from_db()
    assert allocation.value == 4


def test_a_deletion_is_kept_and_recomputes(park, official):
    allocation = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))
    pk = allocation.pk
    RecomputeRequest.objects.all().delete()

    services.allocation_delete(allocation=allocation, by=official, at=WHEN)

    assert not Allocation.objects.exists()
    record = Allocation.history.filter(id=pk).latest("history_id")
    assert (record.history_type, record.history_user, record.value) == ("-", official, 4)
    assert record.history_date == WHEN
    assert RecomputeRequest.objects.get().reason == "allocation SH23-SF-BENCH park:PARK-A"


def test_the_scaled_milestones_are_the_citys_times_value_over_target_value(park):
    allocation = services.allocation_create(
        target=target("AIC-PILOT"), scope="park:PARK-A", value=D(3)
    )

    # AIC-PILOT: 10 by 2022-12-31 and 20 by 2023-12-31, target 20; 3 of 20 exactly.
    assert allocation.planned_milestones(target("AIC-PILOT").milestones.order_by("date")) == [
        (day("2022-12-31"), D(3) / 2),
        (day("2023-12-31"), 3),
    ]
    assert allocation.planned_baseline(None) == 0


# --- the admin -----------------------------------------------------------------------------


@pytest.fixture
def official_client(client):
    call_command("add_user", "zhang", "--role", "official", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="zhang"))
    return client


def test_an_official_allocates_in_the_admin_through_the_service(
    official_client, park, django_capture_on_commit_callbacks
):
    progress_services.snapshots_rebuild()
    data = {
        "target": str(target().pk),
        "scope": "park:PARK-A",
        "value": "4",
        "milestones": '[{"date": "2024-12-31", "value": 2}]',
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post("/admin/targets/allocation/add/", data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    allocation = Allocation.objects.get()
    assert allocation.milestones == [{"date": "2024-12-31", "value": "2"}]
    assert allocation.history.get().history_user.username == "zhang"
    # Recomputed: the park's 2024Q4 figure is read against its milestone (2).
    figure = Snapshot.objects.get(
        target__code="SH23-SF-BENCH", period=period_parse("2024Q4"), scope="park:PARK-A"
    )
    assert (figure.target_value, figure.planned) == (4, 2)


def test_the_admin_shows_the_services_reasons(official_client, park):
    data = {
        "target": str(target().pk),
        "scope": "city",
        "value": "2.5",
        "milestones": '[{"date": "2030-06-30", "value": 2}]',
    }

    response = official_client.post("/admin/targets/allocation/add/", data)

    assert response.status_code == 200
    errors = {k: " ".join(v) for k, v in response.context["adminform"].form.errors.items()}
    assert "The target is the city's" in errors["scope"]
    assert "whole number" in errors["value"]
    assert "outside the target's window" in errors["milestones"]
    assert not Allocation.objects.exists()


def test_a_second_allocation_of_the_same_scope_is_refused_in_the_admin(official_client, park):
    services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))
    data = {"target": str(target().pk), "scope": "park:PARK-A", "value": "5", "milestones": "[]"}

    response = official_client.post("/admin/targets/allocation/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Allocation.objects.get().value == 4


def test_the_admin_changes_the_value_and_keeps_the_target_and_scope(official_client, park):
    allocation = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))
    url = f"/admin/targets/allocation/{allocation.pk}/change/"
    data = change_form_data(official_client, url)
    data.update({"value": "6", "scope": "park:PARK-B", "milestones": "[]"})

    response = official_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    allocation.refresh_from_db()
    assert (allocation.scope, allocation.value) == ("park:PARK-A", 6)
    assert allocation.history.first().history_user.username == "zhang"


def test_the_admin_deletes_through_the_service(official_client, park):
    allocation = services.allocation_create(target=target(), scope="park:PARK-A", value=D(4))
    RecomputeRequest.objects.all().delete()

    response = official_client.post(
        f"/admin/targets/allocation/{allocation.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Allocation.objects.exists()
    assert RecomputeRequest.objects.get().targets == ["SH23-SF-BENCH"]
    assert Allocation.history.filter(history_type="-").get().history_user.username == "zhang"
