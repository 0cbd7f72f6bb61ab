"""A district official belongs to one district: created with ``add_user --district``,
refused without one (by the command, the admin and the database), and landing on the
district's page after login."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from accounts.services import user_upsert
from targets.models import District
from tests.factories import DistrictOfficialFactory, UserFactory

pytestmark = pytest.mark.django_db

PUDONG = "310115"


def test_add_user_ties_a_district_official_to_a_district():
    call_command(
        "add_user", "qu", "--role", "district_official", "--district", PUDONG, "--password", "pw"
    )
    user = User.objects.get(username="qu")
    assert user.role == Role.DISTRICT_OFFICIAL
    assert user.district == District.objects.get(code=PUDONG)
    assert (user.park, user.enterprise, user.is_staff) == (None, None, False)
    assert user.check_password("pw")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "district_official"], "A district official needs --district CODE"),
        (["--role", "district_official", "--district", "999999"], "No district has the code"),
        (["--role", "analyst", "--district", PUDONG], "Only district officials belong to a"),
        (
            ["--role", "park_manager", "--park", "ZJ", "--district", PUDONG],
            "Only district officials belong to a district",
        ),
        (
            ["--role", "district_official", "--district", PUDONG, "--park", "ZJ"],
            "Only park managers belong to a park",
        ),
    ],
)
def test_add_user_refuses_a_district_where_it_does_not_belong(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "bad", *args)
    assert not User.objects.filter(username="bad").exists()


def test_changing_a_district_officials_role_lets_go_of_the_district():
    user_upsert(username="qu", role=Role.DISTRICT_OFFICIAL, district_code=PUDONG)
    user, created = user_upsert(username="qu", role=Role.ANALYST)
    assert not created
    assert (user.role, user.district) == (Role.ANALYST, None)


def test_the_service_names_the_field_of_each_mistake():
    with pytest.raises(ValidationError) as caught:
        user_upsert(username=" ", role=Role.DISTRICT_OFFICIAL, district_code="nope")
    assert set(caught.value.message_dict) == {"username", "district"}


def test_the_database_refuses_a_district_official_without_a_district():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="lost", role=Role.DISTRICT_OFFICIAL)


# --- the admin's user form ------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", password="pw-12345678"))
    return client


def _change(client, user: User, **fields):
    data = {
        "username": user.username,
        "role": user.role,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "enterprise": "",
        "park": "",
        "district": "",
        **fields,
    }
    return client.post(f"/admin/accounts/user/{user.pk}/change/", data)


def test_the_admins_user_form_shows_the_district(superuser_client):
    user = DistrictOfficialFactory(username="qu")
    page = superuser_client.get(f"/admin/accounts/user/{user.pk}/change/")
    assert page.status_code == 200
    assert page.context["adminform"].form["district"].value() == user.district_id


def test_the_admin_moves_a_district_official_to_another_district(superuser_client):
    user = DistrictOfficialFactory(username="qu")
    xuhui = District.objects.get(code="310104")
    response = _change(superuser_client, user, district=str(xuhui.pk))
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.district == xuhui


def test_the_admin_refuses_a_district_official_without_a_district(superuser_client):
    user = DistrictOfficialFactory(username="qu")
    response = _change(superuser_client, user, district="")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "A district official needs --district CODE." in errors["district"]
    user.refresh_from_db()
    assert user.district is not None


def test_the_admin_refuses_a_district_for_another_role(superuser_client):
    user = UserFactory(username="ana", role=Role.ANALYST)
    pudong = District.objects.get(code=PUDONG)
    response = _change(superuser_client, user, district=str(pudong.pk))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Only district officials belong to a district." in errors["district"]
    user.refresh_from_db()
    assert user.district is None


# --- landing -------------------------------------------------------------------------------


def test_a_district_official_lands_on_their_district_page(client):
    DistrictOfficialFactory(username="qu")
    client.post("/accounts/login/", {"username": "qu", "password": "pw-12345678"})
    assert client.get("/")["Location"] == f"/progress/districts/{PUDONG}/"


def test_a_district_officials_menu_leads_to_my_district_and_no_page_they_may_not_open(client):
    client.force_login(DistrictOfficialFactory(username="qu"))
    nav = client.get("/accounts/tokens/").content.decode().split('data-testid="nav"', 1)[1]
    nav = nav.split("</nav>", 1)[0]
    assert f'href="/progress/districts/{PUDONG}/">My district<' in nav
    for shown in ("/reports/all/", "/reports/completeness/", "/exchange/exports/"):
        assert f'href="{shown}"' in nav, shown
    for hidden in (
        "/reports/review/",
        "/exchange/imports/",
        "/progress/manage/",
        "/admin/",
        "/progress/compare/",
        "My park",
    ):
        assert hidden not in nav, hidden
