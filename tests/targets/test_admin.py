import pytest
from django.core.management import call_command

from accounts.models import User
from progress import services
from progress.models import Snapshot
from targets.models import Milestone, Target
from targets.periods import period_parse
from tests.adminforms import change_form_data, figures, figures_after_full_rebuild

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_client(client):
    call_command("add_user", "zhang", "--role", "official", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="zhang"))
    return client


def test_an_official_edits_a_target_in_the_admin_and_the_change_is_kept(official_client):
    target = Target.objects.get(code="SH23-SCENARIO")
    url = f"/admin/targets/target/{target.pk}/change/"
    page = official_client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "value": "120",
            "milestones-TOTAL_FORMS": "1",
            "milestones-INITIAL_FORMS": "1",
            "milestones-0-id": str(target.milestones.get().pk),
            "milestones-0-target": str(target.pk),
            "milestones-0-date": "2025-12-31",
            "milestones-0-value": "120",
        }
    )
    data["rule"] = '{"kind": "item_distinct", "item": "scenario"}'
    response = official_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    target.refresh_from_db()
    assert target.value == 120
    record = target.history.first()
    assert record.history_user.username == "zhang"
    change = record.diff_against(record.prev_record).changes
    assert [(c.field, str(c.old), str(c.new)) for c in change] == [
        ("value", "100.0000", "120.0000")
    ]
    milestone = Milestone.history.filter(target_id=target.pk).first()
    assert milestone.history_user.username == "zhang"
    assert milestone.value == 120


def test_changing_a_target_value_in_the_admin_recomputes_its_figures(
    official_client, django_capture_on_commit_callbacks
):
    services.snapshots_rebuild()
    target = Target.objects.get(code="SH23-SF-BENCH")
    url = f"/admin/targets/target/{target.pk}/change/"
    data = change_form_data(official_client, url)
    data["value"] = "20"

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    figure = Snapshot.objects.get(target=target, period=period_parse("2024Q4"), scope="city")
    assert figure.target_value == 20
    assert figures() == figures_after_full_rebuild()


def test_changing_a_milestone_in_the_admin_recomputes_the_planned_values(
    official_client, django_capture_on_commit_callbacks
):
    services.snapshots_rebuild()
    milestone = Milestone.objects.get(target__code="SH23-SF-BENCH")
    url = f"/admin/targets/milestone/{milestone.pk}/change/"
    data = change_form_data(official_client, url)
    data["value"] = "40"

    with django_capture_on_commit_callbacks(execute=True):
        response = official_client.post(url, data)

    assert response.status_code == 302
    figure = Snapshot.objects.get(
        target__code="SH23-SF-BENCH", period=period_parse("2025Q4"), scope="city"
    )
    assert figure.planned == 40
    assert figures() == figures_after_full_rebuild()


def test_a_rule_with_a_typo_is_refused_in_the_admin_with_the_reason(official_client):
    target = Target.objects.get(code="SH23-PARK")
    url = f"/admin/targets/target/{target.pk}/change/"
    data = change_form_data(official_client, url)
    data["rule"] = '{"kind": "designation_cuont", "designation": "demo_park"}'

    response = official_client.post(url, data)

    assert response.status_code == 200
    assert "Unknown rule kind" in str(response.context["adminform"].form.errors["rule"])
    target.refresh_from_db()
    assert target.rule["kind"] == "designation_count"


def test_an_analyst_cannot_open_the_admin(client):
    call_command("add_user", "wang", "--role", "analyst", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="wang"))
    assert client.get("/admin/targets/target/").status_code == 302
