"""The access policy as a matrix: each role against each predicate, the rows and the scopes
each role sees, and a district official, who reads what a park manager reads for every
park and enterprise of one district and may write nothing (docs/decisions/0003, 0016)."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core import policies
from enterprises.models import Designation, Enterprise, Provider
from parks.models import Park
from parks.selectors import scopes_all
from targets.models import DesignationKind
from targets.scopes import CITY, Scope
from tests import factories
from tests.conftest import OUTSIDE_DISTRICT

pytestmark = pytest.mark.django_db

DISTRICT = "310115"  # the district official's, and that of ``park`` and ``other_park``

ROLES = [
    "official",
    "analyst",
    "park_manager",
    "district_official",
    "reporter",
    "no_role",
    "anonymous",
]

# Who reads what: every read predicate of the policy, the roles it answers yes for.
EVERYONE_WHO_READS_PLACES = {"official", "analyst", "park_manager", "district_official"}
READS = {
    "sees_everything": {"official", "analyst"},
    "can_read_progress": EVERYONE_WHO_READS_PLACES,
    "can_read_city_progress": EVERYONE_WHO_READS_PLACES | {"reporter"},
    "can_read_report_list": EVERYONE_WHO_READS_PLACES,
    "can_read_completeness": EVERYONE_WHO_READS_PLACES,
    "can_read_enterprise_pages": EVERYONE_WHO_READS_PLACES | {"reporter"},
    "can_export": EVERYONE_WHO_READS_PLACES,
    "can_read_rollups": {"official", "analyst"},
}

# Reads are the ``can_read_*`` predicates and ``can_export``: a district official answers as
# a park manager does to each. Two predicates are about things that are the user's own
# (their API tokens, their workbooks), checked apart below. Every other ``can_*`` is a write.
OWN_THINGS = {"can_revoke_token", "can_download_export"}


def is_read(name: str) -> bool:
    return name.startswith("can_read_") or name == "can_export"


@pytest.fixture
def users(official, analyst, park_manager, district_official, reporter):
    return {
        "official": official,
        "analyst": analyst,
        "park_manager": park_manager,
        "district_official": district_official,
        "reporter": reporter,
        "no_role": factories.UserFactory(username="nobody", role=""),
        "anonymous": AnonymousUser(),
    }


def fresh(user: User) -> User:
    """The user as a request loads them: a new object, nothing cached."""
    return User.objects.get(pk=user.pk)


# --- what each role may do -----------------------------------------------------------------


@pytest.mark.parametrize("predicate", sorted(READS))
def test_each_role_reads_what_the_matrix_says(users, predicate):
    check = getattr(policies, predicate)
    answers = {role: check(users[role]) for role in ROLES}
    assert answers == {role: role in READS[predicate] for role in ROLES}


def _favourable_arguments(user: User, enterprise: Enterprise, park: Park) -> dict[str, object]:
    """The keyword arguments under which a write would most plausibly be allowed to a
    district official: an enterprise and a park of their own district, pre-review on."""
    return {
        "enterprise_id": enterprise.pk,
        "park_id": park.pk,
        "prereview": True,
        "owner_id": user.pk + 1000,
        "requested_by_id": user.pk + 1000,
    }


def _predicates(user: User, enterprise: Enterprise, park: Park):
    """Every ``can_*`` predicate of the policy, including any added after this test was
    written, with its keyword arguments."""
    arguments = _favourable_arguments(user, enterprise, park)
    for name, check in inspect.getmembers(policies, inspect.isfunction):
        if not name.startswith("can_") or name in OWN_THINGS:
            continue
        wanted = [p for p in inspect.signature(check).parameters.values() if p.name != "user"]
        missing = [p.name for p in wanted if p.name not in arguments]
        assert not missing, f"{name}: give the test a value for {missing}"
        yield name, check, {p.name: arguments[p.name] for p in wanted}


def test_a_district_official_reads_exactly_what_a_park_manager_reads(
    district_official, park_manager, enterprise, park
):
    user, manager = fresh(district_official), fresh(park_manager)
    reads = [
        (name, check(user, **given), check(manager, **given))
        for name, check, given in _predicates(user, enterprise, park)
        if is_read(name)
    ]
    assert [name for name, theirs, managers in reads if theirs != managers] == []
    assert {name for name, theirs, _ in reads if theirs} >= {
        name for name, roles in READS.items() if "district_official" in roles
    }


def test_a_district_official_is_refused_every_other_permission_of_the_policy(
    district_official, enterprise, park
):
    """Unless it is a read, a district official is refused, even for an enterprise and a
    park of their own district."""
    user = fresh(district_official)
    checked = []
    for name, check, given in _predicates(user, enterprise, park):
        if is_read(name):
            continue
        assert check(user, **given) is False, name
        checked.append(name)
    # The writes this must cover, whatever else the policy gains.
    assert {
        "can_write_reference",
        "can_review",
        "can_create_reports",
        "can_write_report",
        "can_edit_report_in_form",
        "can_open_my_reports",
        "can_manage_programme",
        "can_publish",
        "can_import",
        "can_request_rollup",
        "can_use_admin",
        "can_see_outlier_scores",
    } <= set(checked)


def test_a_district_official_downloads_their_own_workbooks_and_revokes_their_own_tokens(
    district_official,
):
    user = fresh(district_official)
    assert policies.can_download_export(user, requested_by_id=user.pk)
    assert not policies.can_download_export(user, requested_by_id=user.pk + 1)
    assert not policies.can_download_export(user, requested_by_id=None)
    assert policies.can_revoke_token(user, owner_id=user.pk)
    assert not policies.can_revoke_token(user, owner_id=user.pk + 1)


def test_a_district_official_without_a_district_is_nobody():
    """The database refuses one (accounts.User's constraint); the policy would not trust
    one either."""
    unsaved = User(username="lost", role="district_official")
    assert not policies.is_district_official(unsaved)
    assert not policies.can_read_progress(unsaved)
    assert policies.own_scope(unsaved) is None
    assert policies.enterprise_q(unsaved) == policies.NOTHING
    assert policies.visible_scope_labels(unsaved) == []


# --- which rows -----------------------------------------------------------------------------


@pytest.fixture
def district_world(enterprise, other_enterprise, outside_enterprise, park, other_park):
    """The district official's district holds ``park`` and ``other_park`` with an enterprise
    each and an enterprise in no park; ``outside_park`` and its enterprise are elsewhere."""
    loose = factories.EnterpriseFactory(park=None, district=park.district)
    serving_inside = factories.ProviderFactory()  # of 310104, serving the district
    serving_inside.enterprises.set([loose, enterprise])
    sitting_inside = factories.ProviderFactory(district=factories.district(DISTRICT))
    sitting_inside.enterprises.set([outside_enterprise])
    serving_outside = factories.ProviderFactory()  # of 310104, serving another district
    serving_outside.enterprises.set([outside_enterprise])
    return {
        "inside": {enterprise, other_enterprise, loose},
        "outside": outside_enterprise,
        "serving_inside": serving_inside,
        "sitting_inside": sitting_inside,
        "serving_outside": serving_outside,
    }


def test_a_district_official_sees_the_enterprises_of_their_district_in_a_park_or_not(
    district_official, district_world
):
    user = fresh(district_official)
    seen = set(Enterprise.objects.filter(policies.enterprise_q(user)))
    assert seen == district_world["inside"]
    assert Enterprise.objects.count() == 4


def test_a_district_officials_row_filter_works_through_a_prefix(
    district_official, district_world, enterprise, outside_enterprise
):
    mine = factories.SubmissionFactory(enterprise=enterprise)
    factories.SubmissionFactory(enterprise=outside_enterprise)
    rows = mine.__class__.objects.filter(
        policies.enterprise_q(fresh(district_official), "enterprise__")
    )
    assert list(rows) == [mine]


def test_a_district_official_sees_the_providers_serving_or_sitting_in_their_district(
    district_official, district_world
):
    seen = set(Provider.objects.filter(policies.provider_q(fresh(district_official))).distinct())
    # Those serving its enterprises (as a park manager sees those serving their park's), and
    # those of the district, whose designations the district's figures count.
    assert seen == {district_world["serving_inside"], district_world["sitting_inside"]}


def test_a_district_official_sees_the_designations_their_districts_figures_count(
    district_official, district_world, enterprise, other_park, outside_enterprise, outside_park
):
    kinds = DesignationKind.objects
    park_kind, provider_kind = kinds.get(code="demo_park"), kinds.get(code="excellent_provider")
    of_enterprise = factories.DesignationFactory(enterprise=enterprise)
    of_park = factories.DesignationFactory(kind=park_kind, enterprise=None, park=other_park)
    of_provider = factories.DesignationFactory(
        kind=provider_kind, enterprise=None, provider=district_world["sitting_inside"]
    )
    factories.DesignationFactory(enterprise=outside_enterprise)
    factories.DesignationFactory(kind=park_kind, enterprise=None, park=outside_park)
    # A provider elsewhere counts for its own district, whomever it serves.
    factories.DesignationFactory(
        kind=provider_kind, enterprise=None, provider=district_world["serving_inside"]
    )
    seen = set(Designation.objects.filter(policies.designation_q(fresh(district_official))))
    assert seen == {of_enterprise, of_park, of_provider}


def test_a_district_official_picks_the_parks_of_their_district_in_filters(
    district_official, park, other_park, outside_park
):
    picked = set(Park.objects.filter(policies.park_q(fresh(district_official))))
    assert picked == {park, other_park}


# --- which scopes -------------------------------------------------------------------------


def test_a_district_officials_own_scope_is_their_district_with_its_names(district_official):
    own = policies.own_scope(fresh(district_official))
    assert own == Scope.district(DISTRICT)
    assert (own.name_zh, own.name_en) == ("浦东新区", "Pudong New Area")
    assert policies.default_scope(fresh(district_official)) == own


def test_a_district_official_may_pick_their_district_and_its_parks_only(
    district_official, park, other_park, outside_park
):
    user = fresh(district_official)
    picked = [str(scope) for scope in policies.visible_scopes(user, scopes_all())]
    assert picked == [f"district:{DISTRICT}", "park:PARK-A", "park:PARK-B"]
    assert not policies.scope_allowed(user, CITY)
    assert not policies.scope_allowed(user, Scope.district(OUTSIDE_DISTRICT))
    assert not policies.scope_allowed(user, Scope.park(outside_park.code))
    assert not policies.scope_allowed(user, Scope.park("NO-SUCH-PARK"))


def test_the_visible_scope_labels_of_each_role(
    users, park, other_park, outside_park, district_official
):
    labels = {role: policies.visible_scope_labels(users[role]) for role in ROLES}
    assert labels == {
        "official": None,
        "analyst": None,
        "park_manager": ["park:PARK-A"],
        "district_official": [f"district:{DISTRICT}", "park:PARK-A", "park:PARK-B"],
        "reporter": [],
        "no_role": [],
        "anonymous": [],
    }


def test_the_labels_name_the_scopes_scope_allowed_allows(users, park, other_park, outside_park):
    everything = scopes_all()
    for role in ROLES:
        labels = policies.visible_scope_labels(users[role])
        allowed = [str(s) for s in everything if policies.scope_allowed(users[role], s)]
        assert labels is None or labels == allowed, role
        assert labels is not None or len(allowed) == len(everything), role


def test_the_policy_reads_a_district_officials_parks_once_per_user_object(
    district_official, park, other_park
):
    user = fresh(district_official)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            policies.scope_allowed(user, Scope.park(park.code))
            policies.visible_scope_labels(user)
    assert len(queries) == 2  # the district, then its parks' codes
    assert user.district_park_codes == frozenset({"PARK-A", "PARK-B"})
