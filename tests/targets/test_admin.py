import pytest
from django.core.management import call_command

from accounts.models import User
from targets.models import Milestone, Target

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


def test_an_analyst_cannot_open_the_admin(client):
    call_command("add_user", "wang", "--role", "analyst", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="wang"))
    assert client.get("/admin/targets/target/").status_code == 302
