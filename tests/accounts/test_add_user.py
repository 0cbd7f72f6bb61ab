import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Role, User
from tests.factories import EnterpriseFactory, ParkFactory

pytestmark = pytest.mark.django_db


def test_add_user_creates_an_official_who_can_log_in():
    call_command("add_user", "li.wei", "--role", "official", "--password", "s3cret-pass")
    user = User.objects.get(username="li.wei")
    assert user.role == Role.OFFICIAL
    assert user.check_password("s3cret-pass")
    assert user.is_staff


def test_add_user_ties_an_enterprise_user_to_its_enterprise():
    enterprise = EnterpriseFactory()
    call_command("add_user", "rep", "--role", "enterprise", "--enterprise", enterprise.uscc.lower())
    assert User.objects.get(username="rep").enterprise == enterprise


def test_add_user_ties_a_park_manager_to_a_park():
    park = ParkFactory(code="ZJ")
    call_command("add_user", "pm", "--role", "park_manager", "--park", "ZJ")
    assert User.objects.get(username="pm").park == park


def test_running_add_user_again_updates_instead_of_duplicating():
    call_command("add_user", "ana", "--role", "analyst")
    call_command("add_user", "ana", "--role", "official")
    assert User.objects.filter(username="ana").count() == 1
    assert User.objects.get(username="ana").role == Role.OFFICIAL


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "enterprise"], "needs --enterprise"),
        (
            ["--role", "enterprise", "--enterprise", "9144030071526726XG"],
            "No enterprise has the code",
        ),
        (["--role", "park_manager"], "needs --park"),
        (["--role", "park_manager", "--park", "NOPE"], "No park has the code"),
        (["--role", "analyst", "--park", "ZJ"], "Only park managers belong to a park"),
    ],
)
def test_add_user_refuses_bad_input_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("add_user", "bad", *args)
    assert not User.objects.filter(username="bad").exists()


def test_add_user_refuses_an_unknown_role():
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("add_user", "bad", "--role", "mayor")
