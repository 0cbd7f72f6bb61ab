"""Which item kinds need an evidence file: the catalogue's rule, changed by officials in the
admin and kept in the history."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from accounts.models import User
from targets.models import ItemKind
from tests.adminforms import change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def official_client(client):
    call_command("add_user", "zhang", "--role", "official", "--password", "s3cret-pass")
    client.force_login(User.objects.get(username="zhang"))
    return client


def test_the_catalogue_names_the_kinds_that_need_evidence(db):
    rules = dict(ItemKind.objects.values_list("code", "evidence_required"))
    assert rules == {
        "scenario": False,
        "ai_drug_clinical": True,
        "smart_device_approval": True,
        "standard": False,
    }


def test_an_official_changes_the_rule_in_the_admin_and_the_change_is_kept(official_client):
    kind = ItemKind.objects.get(code="standard")
    url = f"/admin/targets/itemkind/{kind.pk}/change/"
    data = change_form_data(official_client, url)
    data["evidence_required"] = "on"
    response = official_client.post(url, data)
    assert response.status_code == 302
    kind.refresh_from_db()
    assert kind.evidence_required is True
    record = kind.history.first()
    assert record.history_user.username == "zhang"
    changes = record.diff_against(record.prev_record).changes
    assert [(c.field, c.old, c.new) for c in changes] == [("evidence_required", False, True)]


def test_the_rule_is_offered_in_the_item_kind_list_and_in_the_api(official_client):
    page = official_client.get("/admin/targets/itemkind/")
    assert page.status_code == 200
    assert "evidence_required" in page.content.decode()
    kinds = official_client.get("/api/v1/item-kinds/").json()
    rows = kinds["results"] if isinstance(kinds, dict) else kinds
    assert {row["code"]: row["evidence_required"] for row in rows}["ai_drug_clinical"] is True


def test_nobody_deletes_an_item_kind_in_the_admin(official_client):
    kind = ItemKind.objects.get(code="standard")
    response = official_client.get(f"/admin/targets/itemkind/{kind.pk}/delete/")
    assert response.status_code == 403
