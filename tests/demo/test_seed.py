import random
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from demo.seed import SEED, demo_plan, seed_reports
from enterprises.models import Designation, Enterprise, Provider
from enterprises.uscc import uscc_is_valid
from parks.models import Park
from reporting.models import Item, MetricValue, Submission
from targets.models import RecomputeRequest

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, object]:
    return {
        "parks": sorted(Park.objects.values_list("code", "district__code")),
        "enterprises": sorted(
            Enterprise.objects.values_list("uscc", "name", "park__code", "is_key", "active_until")
        ),
        "providers": Provider.objects.count(),
        "served": Provider.enterprises.through.objects.count(),
        "designations": sorted(
            Designation.objects.values_list("kind__code", "granted_on", "name", "revoked_on")
        ),
        "users": sorted(User.objects.values_list("username", "role", "password")),
        "reports": sorted(Submission.objects.values_list("enterprise_id", "period", "status")),
        "values": MetricValue.objects.count(),
        "items": Item.objects.count(),
    }


def test_the_plan_is_deterministic():
    first, second = demo_plan(), demo_plan()
    assert [e.uscc for e in first.enterprises] == [e.uscc for e in second.enterprises]
    assert first.designations == second.designations


def test_seed_creates_a_believable_programme_once():
    output = seed("--no-reports")

    parks = {p.code: p.district.code for p in Park.objects.select_related("district")}
    assert 10 <= len(parks) <= 14
    assert parks["ZJ"] == "310115"
    assert parks["MG"] == "310120"
    assert parks["BS"] == "310113"

    enterprises = list(Enterprise.objects.select_related("park", "district"))
    assert 280 <= len(enterprises) <= 320
    assert all(uscc_is_valid(e.uscc) and e.uscc.startswith("91310") for e in enterprises)
    assert len({e.uscc for e in enterprises}) == len(enterprises)
    assert len({e.name for e in enterprises}) == len(enterprises)
    assert all(e.park is None or e.park.district_id == e.district_id for e in enterprises)
    assert sum(e.park is not None for e in enterprises) > len(enterprises) // 2
    assert 100 <= sum(e.is_key for e in enterprises) <= 140
    assert 180 <= sum(e.above_scale for e in enterprises) <= 220
    assert sum(e.active_until is not None for e in enterprises) == 2
    assert (
        5
        <= sum(e.active_from is not None and e.active_from.year >= 2023 for e in enterprises)
        <= 15
    )
    assert 15 <= Provider.objects.count() <= 25

    users = {u.username: u for u in User.objects.all()}
    assert users["official"].role == Role.OFFICIAL
    assert users["analyst"].role == Role.ANALYST
    assert users["park_zj"].role == Role.PARK_MANAGER
    assert users["park_zj"].park is not None
    assert users["park_zj"].park.code == "ZJ"
    assert users["ent_demo"].role == Role.ENTERPRISE
    assert users["ent_demo"].enterprise is not None
    assert all(users[name].check_password("demo12345") for name in users)
    assert users["ent_demo"].enterprise.name in output

    by_kind: dict[str, int] = {}
    for designation in Designation.objects.select_related("kind"):
        subject = designation.kind.subject
        by_kind[designation.kind.code] = by_kind.get(designation.kind.code, 0) + 1
        present = {
            "enterprise": designation.enterprise_id is not None,
            "park": designation.park_id is not None,
            "provider": designation.provider_id is not None,
        }
        if subject == "enterprise_or_provider":
            assert present["enterprise"] != present["provider"]
            assert not present["park"]
        elif subject == "programme":
            assert not any(present.values())
        else:
            assert [field for field, given in present.items() if given] == [subject]
    assert by_kind["smart_factory_benchmark"] >= 10
    assert by_kind["pilot_project"] >= 20
    assert by_kind["regulatory_platform"] == 1
    assert by_kind["demo_park"] == 3
    assert 3 <= by_kind["industrial_internet_platform"] <= 4
    assert Designation.objects.filter(revoked_on__isnull=False).count() in (1, 2)
    held = [
        (d.kind_id, d.enterprise_id) for d in Designation.objects.filter(enterprise__isnull=False)
    ]
    assert len(held) == len(set(held))  # no enterprise holds the same title twice
    pilots = Designation.objects.filter(kind__code="pilot_project")
    assert {d.granted_on.year for d in pilots} == {2022, 2023}

    before = snapshot()
    again = seed("--no-reports")
    assert "already present" in again
    assert snapshot() == before


def test_seed_reset_recreates_the_same_data():
    seed("--no-reports")
    before = snapshot()
    seed("--reset", "--no-reports")
    after = snapshot()
    # Passwords are salted afresh; everything else is identical.
    assert {k: v for k, v in after.items() if k != "users"} == {
        k: v for k, v in before.items() if k != "users"
    }
    assert [u[:2] for u in after["users"]] == [u[:2] for u in before["users"]]  # type: ignore[attr-defined]


def test_reports_go_through_the_workflow_once():
    seed("--no-reports")
    plan = demo_plan()

    def write() -> tuple[int, int]:
        before = RecomputeRequest.objects.count()
        written = seed_reports(plan=plan, rng=random.Random(SEED + 1), limit=15)
        return written, RecomputeRequest.objects.count() - before

    written, requested = write()
    assert requested  # every approval recorded the figures it moves
    assert 150 <= written <= 15 * 16
    reports = Submission.objects.filter(enterprise__uscc__in=[e.uscc for e in plan.enterprises])
    assert reports.count() == written
    assert reports.filter(status=Submission.Status.APPROVED).count() > written * 0.8
    assert {r.period for r in reports} <= set(range(2022 * 4, 2025 * 4 + 4))
    # Values and items exist as rows, approved exactly where the report is.
    assert MetricValue.objects.filter(approved=True).exists()
    assert not MetricValue.objects.filter(
        approved=True, submission__status__in=["draft", "submitted", "returned"]
    ).exists()

    # The demo reporter's history: approved quarters, one returned and corrected on the way,
    # and the latest returned with a comment.
    reporter = User.objects.get(username="ent_demo")
    own = list(Submission.objects.filter(enterprise=reporter.enterprise).order_by("period"))
    assert len(own) == 16
    assert own[-1].status == Submission.Status.RETURNED
    assert own[-1].review_comment
    assert all(r.status == Submission.Status.APPROVED for r in own[:-1])
    reasons = [h.history_change_reason for h in own[-6].history.order_by("history_date")]
    assert [r.split(":")[0] for r in reasons] == [
        "create",
        "submit",
        "return",
        "edit",
        "submit",
        "approve",
    ]
    first = own[0].history.order_by("history_date").first()
    assert first is not None
    assert first.history_date.year == 2022  # replayed when it happened, not today
    assert first.history_user_id == reporter.pk

    before = snapshot()
    assert write() == (0, 0)
    assert snapshot() == before
