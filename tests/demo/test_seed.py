import datetime as dt
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

import reporting.services
from accounts.models import Role, User
from demo.plan import demo_plan
from demo.seed import demo_seed
from enterprises.models import Designation, Enterprise, Provider
from enterprises.uscc import uscc_is_valid
from parks.models import Park
from progress.models import RollupRun
from reporting.models import Item, MetricValue, PeerStat, Submission
from reporting.obligations import owes_report
from targets.models import RecomputeRequest
from targets.periods import last_ended_period, period_parse

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 1)  # the plan's day in most tests: 2026Q3 is the last ended quarter
PLAN = demo_plan(today=TODAY)
REPORTER = PLAN.reporter_enterprise
LEAVES_MID_QUARTER = next(e for e in PLAN.enterprises if e.active_until == dt.date(2024, 11, 30))
LEAVES_AT_QUARTER_END = next(e for e in PLAN.enterprises if e.active_until == dt.date(2024, 6, 30))


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
        "users": sorted(User.objects.values_list("username", "role", "enterprise__uscc")),
        "passwords": sorted(User.objects.values_list("username", "password")),
        "reports": sorted(
            Submission.objects.values_list("enterprise__uscc", "period", "status", "version")
        ),
        "values": MetricValue.objects.count(),
        "items": Item.objects.count(),
    }


def history(report: Submission) -> list[tuple[str, str]]:
    """(action, username) of each change of the report, oldest first."""
    return [
        (h.history_change_reason.split(":")[0], h.history_user.username)
        for h in report.history.order_by("history_date", "history_id")
    ]


# --- the plan ----------------------------------------------------------------------------


def test_the_same_day_always_gives_the_same_plan():
    again = demo_plan(today=TODAY)
    assert [e.uscc for e in again.enterprises] == [e.uscc for e in PLAN.enterprises]
    assert again.designations == PLAN.designations
    assert again.users == PLAN.users
    assert again.reports == PLAN.reports


def test_a_later_day_adds_quarters_without_changing_the_figures_of_earlier_ones():
    later = demo_plan(today=TODAY + dt.timedelta(days=92))  # 2026Q4 has ended too
    assert later.last_period == PLAN.last_period + 1
    for spec in PLAN.enterprises:
        before = {r.period: r.metrics for r in PLAN.reports[spec.uscc]}
        after = {r.period: r.metrics for r in later.reports[spec.uscc]}
        assert {p: after[p] for p in before} == before


def test_the_plan_reports_every_quarter_an_enterprise_owes_up_to_the_last_ended_one():
    for spec in PLAN.enterprises:
        enterprise = Enterprise(active_from=spec.active_from, active_until=spec.active_until)
        periods = [r.period for r in PLAN.reports[spec.uscc]]
        owed = [
            p
            for p in range(period_parse("2022Q1"), PLAN.last_period + 1)
            if owes_report(enterprise, p, today=TODAY)
        ]
        assert periods == owed
    assert PLAN.last_period == period_parse("2026Q3")


def test_the_last_quarter_is_being_reviewed_while_older_ones_are_nearly_all_approved():
    def statuses(period: int) -> Counter[str | None]:
        return Counter(
            r.status for reports in PLAN.reports.values() for r in reports if r.period == period
        )

    latest = statuses(PLAN.last_period)
    assert latest["approved"] > latest["submitted"] > latest["draft"] > 0
    assert latest["returned"] > 0
    assert latest[None] > 0  # not handed in yet
    older = statuses(PLAN.last_period - 4)
    assert older["approved"] >= 0.95 * sum(older.values())
    assert older["submitted"] == older["draft"] == 0


def test_nothing_is_done_on_or_after_the_plans_day():
    moments = [s.at for reports in PLAN.reports.values() for r in reports for s in r.steps]
    assert max(moments).date() < TODAY


# --- entities and users --------------------------------------------------------------------


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

    users = {u.username: u for u in User.objects.select_related("enterprise", "park", "district")}
    assert users["official"].role == Role.OFFICIAL
    assert users["analyst"].role == Role.ANALYST
    assert users["park_zj"].role == Role.PARK_MANAGER
    assert users["park_zj"].park.code == "ZJ"
    assert users["ent_demo"].role == Role.ENTERPRISE
    assert users["ent_demo"].enterprise.uscc == REPORTER.uscc
    assert users["ent_demo"].enterprise.name in output
    assert users["district_pd"].role == Role.DISTRICT_OFFICIAL
    assert users["district_pd"].district.code == parks["ZJ"]
    assert "district_pd" in output
    assert "浦东新区 (310115), read-only" in output
    for name in ("official", "analyst", "park_zj", "district_pd", "ent_demo"):
        assert users[name].check_password("demo12345")

    # Every enterprise has its own reporter; only the four well-known logins have a password.
    reporters = [u for u in users.values() if u.role == Role.ENTERPRISE]
    assert Counter(u.enterprise_id for u in reporters) == Counter(e.pk for e in enterprises)
    assert all(u.username.startswith("ent_") for u in reporters)
    assert sum(u.has_usable_password() for u in reporters) == 1

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
    assert "nothing changed" in again
    assert snapshot() == before


def test_seed_reset_recreates_the_same_data():
    seed("--no-reports")
    before = snapshot()
    seed("--reset", "--no-reports")
    after = snapshot()
    # Passwords are salted afresh; everything else is identical.
    assert {k: v for k, v in after.items() if k != "passwords"} == {
        k: v for k, v in before.items() if k != "passwords"
    }


def test_a_missing_demo_user_is_added_again_and_the_others_are_left_alone():
    seed("--no-reports")
    User.objects.filter(username="analyst").delete()
    User.objects.filter(username="official").update(email="chief@example.com")

    output = seed("--no-reports")

    assert "added users 1" in output
    assert User.objects.get(username="analyst").role == Role.ANALYST
    assert User.objects.get(username="official").email == "chief@example.com"


# --- reports ----------------------------------------------------------------------------


def test_the_enterprises_own_reporter_writes_its_reports_and_an_official_reviews_them():
    demo_seed(today=TODAY, enterprises=[REPORTER.uscc])
    reporter = User.objects.get(username="ent_demo")
    own = list(Submission.objects.filter(enterprise=reporter.enterprise).order_by("period"))

    # Every quarter from 2022Q1 to the last ended one, approved, and the latest returned
    # with a comment to act on.
    assert [r.period for r in own] == list(
        range(period_parse("2022Q1"), period_parse("2026Q3") + 1)
    )
    assert own[-1].period == last_ended_period(TODAY)
    assert own[-1].status == Submission.Status.RETURNED
    assert own[-1].review_comment
    assert all(r.status == Submission.Status.APPROVED for r in own[:-1])
    assert history(own[0]) == [
        ("create", "ent_demo"),
        ("submit", "ent_demo"),
        ("approve", "official"),
    ]
    # One quarter was returned for a slip and corrected by the reporter on the way.
    assert history(own[-6]) == [
        ("create", "ent_demo"),
        ("submit", "ent_demo"),
        ("return", "official"),
        ("edit", "ent_demo"),
        ("submit", "ent_demo"),
        ("approve", "official"),
    ]
    assert own[0].created_by == reporter
    assert own[0].submitted_by == reporter
    assert own[0].reviewed_by.username == "official"
    # Replayed when it happened, not today.
    assert own[0].history.earliest("history_date").history_date.year == 2022
    assert own[-1].history.latest("history_date").history_date.date() < TODAY
    # Values and items exist as rows, approved exactly where the report is.
    assert MetricValue.objects.filter(submission=own[0], approved=True).count() == 16
    assert not MetricValue.objects.filter(submission=own[-1], approved=True).exists()
    drugs = Item.objects.filter(enterprise=reporter.enterprise, kind__code="ai_drug_clinical")
    assert drugs.filter(approved=True).exists()


def test_an_enterprise_that_closes_mid_quarter_reports_no_longer_for_that_quarter():
    demo_seed(today=TODAY, enterprises=[LEAVES_MID_QUARTER.uscc, LEAVES_AT_QUARTER_END.uscc])

    def periods(uscc: str) -> set[int]:
        return set(
            Submission.objects.filter(enterprise__uscc=uscc).values_list("period", flat=True)
        )

    # Closed on 2024-11-30: it owes 2024Q3, not 2024Q4.
    assert max(periods(LEAVES_MID_QUARTER.uscc)) == period_parse("2024Q3")
    # Closed on 2024-06-30, the last day of 2024Q2: it owes 2024Q2.
    assert max(periods(LEAVES_AT_QUARTER_END.uscc)) == period_parse("2024Q2")
    for report in Submission.objects.select_related("enterprise"):
        assert owes_report(report.enterprise, report.period, today=TODAY)


def test_seeding_records_changes_and_computes_them_in_one_rollup_run_at_the_end(
    django_capture_on_commit_callbacks, monkeypatch
):
    refreshed: list[int] = []
    enqueue = reporting.services.task_enqueue

    def spy(name: str, *args: Any, **kwargs: Any) -> bool:
        if name == "reporting.tasks.peer_stats_refresh":
            refreshed.extend(args)
        return enqueue(name, *args, **kwargs)

    monkeypatch.setattr(reporting.services, "task_enqueue", spy)
    some = [e.uscc for e in PLAN.enterprises[:4]]

    with django_capture_on_commit_callbacks(execute=True):
        result = demo_seed(today=TODAY, enterprises=some)

    assert result.counts["reports"] == Submission.objects.count() > 60
    approvals = Submission.objects.filter(status=Submission.Status.APPROVED).count()
    assert RecomputeRequest.objects.count() > approvals  # each approval and designation
    runs = list(RollupRun.objects.all())
    assert len(runs) == 1
    assert runs[0].status == RollupRun.Status.DONE
    assert set(RecomputeRequest.objects.values_list("run_id", flat=True)) == {runs[0].pk}
    # Peer statistics: once per quarter written, not once per transition.
    quarters = set(Submission.objects.values_list("period", flat=True))
    assert sorted(refreshed) == sorted(quarters)
    assert set(PeerStat.objects.values_list("period", flat=True)) == quarters


def test_seeding_again_adds_only_the_reports_of_quarters_that_have_ended_since():
    some = [REPORTER.uscc, *[e.uscc for e in PLAN.enterprises[1:3]]]
    demo_seed(today=dt.date(2026, 8, 20), enterprises=some)  # 2026Q2 is the last ended quarter
    before = set(Submission.objects.values_list("enterprise__uscc", "period", "status", "version"))
    assert max(p for _u, p, _s, _v in before) == period_parse("2026Q2")

    result = demo_seed(today=TODAY, enterprises=some)

    after = set(Submission.objects.values_list("enterprise__uscc", "period", "status", "version"))
    assert before < after  # nothing written before changed
    assert {p for _u, p, _s, _v in after - before} == {period_parse("2026Q3")}
    assert result.counts == {"reports": len(after - before)}
    assert demo_seed(today=TODAY, enterprises=some).counts == {}
