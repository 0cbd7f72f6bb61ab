import pytest
from django.core.management import call_command

from targets.models import (
    DesignationKind,
    District,
    ItemKind,
    Metric,
    Milestone,
    Plan,
    Segment,
    Target,
)
from targets.services import catalogue_sync

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "plans": Plan.objects.count(),
        "targets": Target.objects.count(),
        "metrics": Metric.objects.count(),
        "districts": District.objects.count(),
        "segments": Segment.objects.count(),
        "item_kinds": ItemKind.objects.count(),
        "designation_kinds": DesignationKind.objects.count(),
        "milestones": Milestone.objects.count(),
    }


def test_migrate_loads_the_whole_catalogue():
    assert counts() == {
        "plans": 3,
        "targets": 18,
        "metrics": 16,
        "districts": 16,
        "segments": 7,
        "item_kinds": 4,
        "designation_kinds": 8,
        "milestones": 20,
    }


def test_loading_the_catalogue_again_changes_nothing():
    before = counts()
    created = catalogue_sync()
    call_command("migrate", verbosity=0)
    assert counts() == before
    assert sum(created.values()) == 0


def test_loading_again_keeps_an_officials_edit_of_a_target():
    target = Target.objects.get(code="SH23-SF-BENCH")
    target.value = 12
    target.save()
    catalogue_sync()
    target.refresh_from_db()
    assert target.value == 12


def test_a_deleted_target_is_restored_with_its_milestones():
    Target.objects.filter(code="AIC-PILOT").delete()
    created = catalogue_sync()
    target = Target.objects.get(code="AIC-PILOT")
    assert created["targets"] == 1
    assert [(str(m.date), int(m.value)) for m in target.milestones.all()] == [
        ("2022-12-31", 10),
        ("2023-12-31", 20),
    ]


def test_baseline_actual_is_kept_as_actual():
    target = Target.objects.get(code="CN25-COVERAGE")
    assert target.baseline_is_actual
    assert target.baseline_as_json() == {"date": "2024-12-31", "value": "actual"}


def test_every_change_to_a_target_is_kept_with_who_and_old_and_new(official):
    target = Target.objects.get(code="SH23-SCENARIO")
    target._history_user = official
    target.value = 120
    target.save()
    latest, previous = target.history.all()[:2]
    delta = latest.diff_against(previous)
    assert latest.history_user == official
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("value", 100, 120)]
