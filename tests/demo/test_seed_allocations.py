"""The demo allocates some targets to a few districts and parks, as the official, through
the service; seeding again adds only what is missing, and a reset takes them away."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from demo.plan import ALLOCATIONS, demo_plan
from demo.seed import demo_reset, demo_seed
from progress.models import Snapshot
from targets.models import Allocation
from targets.periods import period_parse

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def allocations() -> list[tuple[str, str, str, list[dict[str, str]]]]:
    return sorted(
        (a.target.code, a.scope, f"{a.value.normalize():f}", a.milestones)
        for a in Allocation.objects.select_related("target")
    )


def test_the_plan_allocates_targets_to_districts_and_parks_of_the_demo():
    plan = demo_plan(today=TODAY)
    parks = {p.code for p in plan.parks}

    assert plan.allocations == ALLOCATIONS
    scopes = {a.scope for a in plan.allocations}
    assert {s for s in scopes if s.startswith("district:")} == {
        "district:310115",
        "district:310104",
    }
    assert {s.split(":")[1] for s in scopes if s.startswith("park:")} <= parks
    assert any(a.milestones for a in plan.allocations)  # some with their own milestones
    assert len({(a.target, a.scope) for a in plan.allocations}) == len(plan.allocations)


def test_seeding_allocates_once_as_the_official_and_a_reset_takes_them_away():
    output = seed("--no-reports")

    assert len(allocations()) == len(ALLOCATIONS)
    assert "allocations" in output
    assert ("SH23-SF-BENCH", "park:ZJ", "6", [
        {"date": "2024-06-30", "value": "2"},
        {"date": "2025-06-30", "value": "4"},
    ]) in allocations()  # fmt: skip
    assert ("SH23-TALENT-HIGH", "district:310115", "10", []) in allocations()
    record = Allocation.history.first()
    assert record.history_user.username == "official"
    before = allocations()

    again = seed("--no-reports")
    assert "nothing changed" in again
    assert allocations() == before

    Allocation.objects.filter(scope="park:ZJ").delete()
    assert "allocations 6" in seed("--no-reports")  # the missing ones only (ZJ has 6)
    assert allocations() == before

    deleted = demo_reset()
    assert deleted["allocations"] == len(ALLOCATIONS)
    assert not Allocation.objects.exists()


def test_the_seeds_rollup_reads_the_allocated_scopes_against_their_allocations(
    django_capture_on_commit_callbacks,
):
    plan = demo_plan(today=TODAY)
    some = [e.uscc for e in plan.enterprises if e.park == "ZJ"][:3]

    with django_capture_on_commit_callbacks(execute=True):
        demo_seed(today=TODAY, enterprises=some)

    zj = Snapshot.objects.get(
        target__code="SH23-SF-BENCH", scope="park:ZJ", period=period_parse("2024Q4")
    )
    assert zj.target_value == 6
    assert zj.status is not None
    # Own milestones 2 (2024-06-30) and 4 (2025-06-30): 2 + 2 × 184/365 = 3.008 at 2024-12-31.
    assert zj.planned == Decimal("3.01")
    unallocated = Snapshot.objects.get(
        target__code="SH23-SF-BENCH", scope="park:MG", period=period_parse("2024Q4")
    )
    assert (unallocated.target_value, unallocated.status) == (None, None)
