"""The target page: the chart and its table, the breakdown by district and park, the
evidence, who is not delivering, the rule in words, roles and query counts."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from typing import Any, cast

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext

from enterprises.models import Designation, Enterprise
from progress import services
from progress.models import Snapshot
from progress.rules import rule_for
from targets.changes import recompute_request
from targets.models import DesignationKind, RecomputeRequest, Target
from targets.periods import period_parse
from tests.conftest import client_for
from tests.factories import (
    EnterpriseFactory,
    ParkFactory,
    ParkManagerFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

Q = period_parse
BENCH = "SH23-SF-BENCH"


def page_of(client, code: str = BENCH, **params: str):
    response = client.get(f"/progress/targets/{code}/", params)
    assert response.status_code == 200, response.status_code
    return response


def traces(response) -> dict[str, dict[str, Any]]:
    """The series chart's traces by name (names start with the words of the legend)."""
    return {trace["name"]: trace for trace in response.context["chart"]["data"]}


def trace_named(response, start: str) -> dict[str, Any]:
    (found,) = [t for name, t in traces(response).items() if name.startswith(start)]
    return found


class _Rows(HTMLParser):
    """Rows of one table (found by data-testid): each row's data-* attributes and cells'
    data-field → data-value, and the text of the row."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid = testid
        self.depth = 0
        self.rows: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-testid") == self.testid:
            self.depth = 1
        elif tag == "table" and self.depth:
            self.depth += 1
        if not self.depth:
            return
        if tag == "tr" and self.depth == 1:
            self.rows.append({"attrs": found, "fields": {}, "text": "", "links": []})
        elif self.rows:
            if "data-field" in found:
                self.rows[-1]["fields"][found["data-field"]] = found.get("data-value")
            if tag == "a":
                self.rows[-1]["links"].append(found.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth and self.rows:
            self.rows[-1]["text"] += data


def rows_of(response, testid: str) -> list[dict[str, Any]]:
    parser = _Rows(testid)
    parser.feed(response.content.decode())
    return [row for row in parser.rows if row["attrs"] or row["fields"]]


def benchmark_factories(*granted: str, park=None) -> list[Designation]:
    kind = DesignationKind.objects.get(code="smart_factory_benchmark")
    made = []
    for day in granted:
        enterprise = cast(
            Enterprise,
            EnterpriseFactory(park=park, district=park.district) if park else EnterpriseFactory(),
        )
        made.append(
            Designation.objects.create(
                kind=kind, enterprise=enterprise, granted_on=dt.date.fromisoformat(day)
            )
        )
    return made


@pytest.fixture
def history(park):
    """One smart-factory benchmark a quarter from 2023Q1 to 2024Q1 (five in all), in park."""
    benchmark_factories(
        "2023-02-01", "2023-05-01", "2023-08-01", "2023-11-01", "2024-02-01", park=park
    )
    services.snapshots_rebuild(targets=[BENCH])


# --- the chart and its table ------------------------------------------------------------


def test_the_chart_draws_actual_planned_milestones_projection_and_attainment(
    client, official, history
):
    client.force_login(official)
    response = page_of(client, period="2024Q1")
    city = {s.period: s for s in Snapshot.objects.filter(target__code=BENCH, scope="city")}

    actual = trace_named(response, "Actual")
    assert actual["x"][:5] == ["2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31", "2024-03-31"]
    assert actual["y"][:5] == [1, 2, 3, 4, 5]
    assert actual["y"] == [int(city[p].actual) for p in sorted(city)]
    planned = trace_named(response, "Planned")
    assert planned["line"]["dash"] == "dot"
    assert planned["y"] == [float(str(city[p].planned)) for p in sorted(city)]
    milestones = trace_named(response, "Milestones")
    assert milestones["x"] == ["2025-12-31"]
    assert milestones["y"] == [10.0]
    assert milestones["text"] == ["2025: 10"]
    assert milestones["marker"]["symbol"] == "diamond"
    baseline = trace_named(response, "Baseline")
    assert (baseline["x"], baseline["y"], baseline["text"]) == (["2022-12-31"], [0.0], ["2022: 0"])
    # The trend of 1 a quarter from 5 in 2024Q1: 12 at the deadline, 10 reached in 2025Q2.
    chosen = city[Q("2024Q1")]
    assert chosen.projected_at_deadline == 12
    assert chosen.projected_attainment == Q("2025Q2")
    projection = trace_named(response, "Projection from 2024Q1")
    assert projection["line"]["dash"] == "dash"
    assert projection["x"] == ["2024-03-31", "2025-12-31"]
    assert projection["y"] == [5.0, 12.0]
    reached = trace_named(response, "Target reached")
    assert reached["x"] == ["2025-06-30"]
    assert reached["text"] == ["reaches 10 in 2025Q2"]
    target = trace_named(response, "Target: 10")
    assert target["y"] == [10.0, 10.0]
    deadline = trace_named(response, "Deadline 2025-12-31")
    assert deadline["x"] == ["2025-12-31", "2025-12-31"]
    assert deadline["line"]["dash"] == "longdash"
    layout = response.context["chart"]["layout"]
    assert layout["xaxis"]["hoverformat"] == "%YQ%q"
    assert "2024Q4" in layout["xaxis"]["ticktext"]


def test_the_chart_speaks_the_pages_language(client, official, history):
    client.force_login(official)
    response = client.get(
        f"/progress/targets/{BENCH}/", {"period": "2024Q1"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    with translation.override("zh-hans"):
        expected = {gettext("Actual"), gettext("Planned"), gettext("Milestones")}
        deadline = gettext("Deadline %(date)s") % {"date": "2025-12-31"}
    assert expected <= set(traces(response))
    assert "实际值" in traces(response)
    assert deadline in traces(response)


def test_a_quarter_past_the_deadline_has_no_projection(client, official, history):
    client.force_login(official)
    response = page_of(client, period="2026Q1")
    assert not any(name.startswith("Projection") for name in traces(response))


def test_the_table_under_the_chart_has_the_numbers_of_the_series_api(client, official, history):
    client.force_login(official)
    response = page_of(client, period="2024Q1")
    api = client_for(official).get(f"/api/v1/progress/{BENCH}/series/").json()["results"]

    rows = rows_of(response, "series-table")
    assert [row["attrs"]["data-period"] for row in rows] == [r["period"] for r in api]
    for row, figure in zip(rows, api, strict=True):
        for name in ("actual", "planned", "percent_of_target", "projected_at_deadline"):
            shown = row["fields"][name]
            assert (float(shown) if shown else None) == figure[name], (figure["period"], name)
        assert (row["fields"]["status"] or None) == figure["status"]
        assert (row["fields"]["projected_attainment"] or None) == figure["projected_attainment"]
    current = [row for row in rows if row["attrs"].get("aria-current") == "true"]
    assert [row["attrs"]["data-period"] for row in current] == ["2024Q1"]


def test_a_park_scope_draws_that_parks_series_without_the_citys_plan(
    client, official, park, history
):
    client.force_login(official)
    response = page_of(client, period="2024Q1", scope=f"park:{park.code}")
    assert response.context["scope"].code == park.code
    names = list(traces(response))
    assert names == ["Actual", "Deadline 2025-12-31"]
    assert traces(response)["Actual"]["y"][:5] == [1, 2, 3, 4, 5]
    api = client_for(official).get(
        f"/api/v1/progress/{BENCH}/series/", {"scope": f"park:{park.code}"}
    )
    rows = rows_of(response, "series-table")
    assert [float(r["fields"]["actual"]) for r in rows] == [
        r["actual"] for r in api.json()["results"]
    ]


def test_an_actual_baseline_is_read_off_the_planned_line_before_the_first_quarter(client, official):
    """CN25-COVERAGE's baseline is the city's actual in 2024Q4, a quarter with no stored
    figure: the planned line passes through it."""
    enterprises = [EnterpriseFactory(above_scale=True) for _ in range(4)]
    for enterprise, answer in zip(enterprises, (True, True, True, False), strict=True):
        SubmissionFactory(
            enterprise=enterprise,
            period=Q("2024Q3"),
            metrics={"dx_transformed": answer},
            approved=True,
        )
    services.snapshots_rebuild(targets=["CN25-COVERAGE"])
    client.force_login(official)
    response = page_of(client, "CN25-COVERAGE", period="2025Q2")
    baseline = trace_named(response, "Baseline")
    assert baseline["y"] == [75.0]
    assert baseline["text"] == ["2024: 75"]


# --- the rule, roles and scopes ---------------------------------------------------------


def test_the_rule_is_said_in_plain_words(client, official):
    client.force_login(official)
    page = page_of(client, "SH23-DEVICE").content.decode()
    words = rule_for(Target.objects.get(code="SH23-DEVICE")).describe()
    assert words.startswith("Counts distinct Medical device registration certificate number")
    assert "in approved reports, dated from 2023-01-01." in words
    assert words in page.replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&#x27;", "'")


def test_a_reporter_reads_the_city_chart_and_table_but_nothing_by_enterprise(
    client, reporter, history
):
    client.force_login(reporter)
    response = page_of(client, period="2024Q1")
    page = response.content.decode()
    assert response.context["scope"].is_city
    assert 'data-testid="series-table"' in page
    assert response.context["chart"]["data"]
    for part in ('data-testid="breakdown"', 'data-testid="evidence"', 'data-testid="missing"'):
        assert part not in page
    assert "/api/v1/progress/" not in page
    assert (
        client.get(f"/progress/targets/{BENCH}/", {"scope": "district:310115"}).status_code == 404
    )


def test_a_park_manager_starts_on_their_park_and_may_read_the_city_chart(
    client, park_manager, park, other_park, history
):
    client.force_login(park_manager)
    response = page_of(client, period="2024Q1")
    assert str(response.context["scope"]) == f"park:{park.code}"
    assert [r["attrs"]["data-scope"] for r in rows_of(response, "parks-table")] == [
        f"park:{park.code}"
    ]
    assert rows_of(response, "districts-table") == []

    city = page_of(client, period="2024Q1", scope="city")
    assert city.context["scope"].is_city
    assert str(city.context["evidence_scope"]) == f"park:{park.code}"
    assert "Milestones" in traces(city)

    for scope in (f"park:{other_park.code}", "district:310115", "park:NOPE", "nonsense"):
        assert client.get(f"/progress/targets/{BENCH}/", {"scope": scope}).status_code == 404


def test_strangers_are_sent_to_log_in_and_a_user_with_no_role_is_refused(client):
    response = client.get(f"/progress/targets/{BENCH}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(role=""))
    assert client.get(f"/progress/targets/{BENCH}/").status_code == 403


def test_an_unknown_target_is_not_found(client, official):
    client.force_login(official)
    assert client.get("/progress/targets/NOPE/").status_code == 404


def test_the_quarter_and_scope_live_in_the_url(client, official, park, history):
    client.force_login(official)
    response = page_of(client, period="2023Q3", scope=f"park:{park.code}")
    assert response.context["quarter"] == "2023Q3"
    page = response.content.decode()
    assert '<option value="2023Q3" selected>' in page
    assert f'<option value="park:{park.code}" selected>' in page


def test_a_quarter_before_the_targets_first_shows_its_first_and_says_so(client, official, history):
    services.snapshots_rebuild(targets=["CN25-COVERAGE"])
    client.force_login(official)
    response = page_of(client, "CN25-COVERAGE", period="2023Q2")
    assert response.context["quarter"] == "2025Q1"
    assert "This target has no figure for the quarter asked for" in response.content.decode()


# --- the breakdown ----------------------------------------------------------------------


def test_the_breakdown_lists_every_district_and_park_with_its_share_of_the_city(
    client, official, park, other_park
):
    benchmark_factories("2023-02-01", "2023-03-01", "2023-03-05", park=park)
    benchmark_factories("2023-02-01", park=other_park)
    services.snapshots_rebuild(targets=[BENCH])
    client.force_login(official)
    response = page_of(client, period="2023Q1")

    parks = rows_of(response, "parks-table")
    assert [r["attrs"]["data-scope"] for r in parks[:2]] == [
        f"park:{park.code}",
        f"park:{other_park.code}",
    ]
    assert "75.0%" in parks[0]["text"]
    assert "25.0%" in parks[1]["text"]
    assert parks[0]["links"] == [f"/progress/parks/{park.code}/?period=2023Q1"]
    districts = {r["attrs"]["data-scope"]: r for r in rows_of(response, "districts-table")}
    assert "100.0%" in districts[f"district:{park.district.code}"]["text"]
    chart = response.context["breakdown"]["charts"]["parks"]["data"][0]
    assert chart["orientation"] == "h"
    assert chart["x"][:2] == [3.0, 1.0]

    ascending = page_of(client, period="2023Q1", bsort="actual")
    assert rows_of(ascending, "parks-table")[-1]["attrs"]["data-scope"] == f"park:{park.code}"


# --- the evidence -------------------------------------------------------------------------


def test_the_evidence_lists_the_designations_with_links_and_pages(client, official, park):
    benchmark_factories(*[f"2023-02-{day:02d}" for day in range(1, 28)], park=park)
    benchmark_factories(*[f"2023-03-{day:02d}" for day in range(1, 29)], park=park)
    services.snapshots_rebuild(targets=[BENCH])
    client.force_login(official)

    first = page_of(client, period="2023Q1")
    rows = rows_of(first, "evidence-table")
    assert len(rows) == 50
    assert "1–50 of 55" in first.content.decode()
    assert all(row["links"][0].startswith("/progress/enterprises/") for row in rows)
    second = page_of(client, period="2023Q1", epage="2")
    assert len(rows_of(second, "evidence-table")) == 5
    beyond = page_of(client, period="2023Q1", epage="9")
    assert "51–55 of 55" in beyond.content.decode()
    newest = page_of(client, period="2023Q1", esort="-granted")
    assert rows_of(newest, "evidence-table")[0]["attrs"]["data-designation"] == str(
        Designation.objects.order_by("-granted_on", "-id").first().pk
    )


def test_while_a_change_waits_to_be_recomputed_the_evidence_is_counted_afresh(
    client, official, park, history
):
    """The stored figure gives the evidence's length only while it includes every
    recorded change; a designation recorded since is listed, counted and flagged."""
    (extra,) = benchmark_factories("2024-03-01", park=park)
    recompute_request(targets=[BENCH], from_period=Q("2024Q1"), reason="test")
    client.force_login(official)
    response = page_of(client, period="2024Q1")

    assert response.context["figure"]["actual"] == 5
    assert len(rows_of(response, "evidence-table")) == 6
    page = response.content.decode()
    assert "1–6 of 6" in page
    assert 'data-testid="drift"' in page
    assert str(extra.pk) in {
        r["attrs"]["data-designation"] for r in rows_of(response, "evidence-table")
    }

    services.snapshots_rebuild(targets=[BENCH])
    RecomputeRequest.objects.update(run_id=1)
    fresh = page_of(client, period="2024Q1")
    assert 'data-testid="drift"' not in fresh.content.decode()
    assert "1–6 of 6" in fresh.content.decode()


def test_the_evidence_of_items_shows_each_key_once_with_the_reports_claiming_it(
    client, official, enterprise, other_enterprise
):
    first = SubmissionFactory(
        enterprise=enterprise,
        period=Q("2024Q1"),
        items=[
            {"kind": "ai_drug_clinical", "identifier": "ＣＴＲ２０２４ 0001", "date": "2024-02-01"}
        ],
        approved=True,
    )
    second = SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2024Q2"),
        items=[{"kind": "ai_drug_clinical", "identifier": "CTR20240001", "date": "2024-05-01"}],
        approved=True,
    )
    services.snapshots_rebuild(targets=["SH23-AI-DRUG"])
    client.force_login(official)
    response = page_of(client, "SH23-AI-DRUG", period="2024Q2")

    (row,) = rows_of(response, "evidence-table")
    assert row["attrs"]["data-key"] == "CTR20240001"
    assert f"/reports/{first.pk}/" in row["links"]
    assert f"/reports/{second.pk}/" in row["links"]
    assert "2024-02-01" in row["text"]


def test_a_park_manager_sees_their_parks_evidence_with_links_to_what_they_may_open(
    client, park, other_park, enterprise, other_enterprise
):
    mine = SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q2"),
        metrics={"talent_high_end_new": 3},
        approved=True,
    )
    SubmissionFactory(
        enterprise=other_enterprise,
        period=Q("2023Q2"),
        metrics={"talent_high_end_new": 4},
        approved=True,
    )
    SubmissionFactory(
        enterprise=enterprise,
        period=Q("2023Q1"),
        metrics={"talent_high_end_new": 0},
        approved=True,
    )
    services.snapshots_rebuild(targets=["SH23-TALENT-HIGH"])
    client.force_login(ParkManagerFactory(park=park))
    response = page_of(client, "SH23-TALENT-HIGH", period="2023Q2", scope="city")

    (row,) = rows_of(response, "evidence-table")  # their park's; the 0 adds nothing
    assert row["attrs"]["data-report"] == str(mine.pk)
    assert row["links"] == [f"/progress/enterprises/{enterprise.uscc}/", f"/reports/{mine.pk}/"]
    assert "1 approved report with a value other than 0 adds up to 3." in response.content.decode()


# --- who is not delivering ----------------------------------------------------------------


@pytest.fixture
def cloud(park, other_park):
    """Key enterprises and their answers to "on the cloud" (AIC-CLOUD counts the latest
    approved answer of key enterprises)."""
    made = {
        name: EnterpriseFactory(is_key=True, park=p, district=p.district)
        for name, p in (
            ("yes", park),
            ("yes_then_no", park),
            ("never", other_park),
            ("only_submitted", other_park),
            ("yes_early", other_park),
        )
    }
    made["not_key"] = EnterpriseFactory(is_key=False, park=park, district=park.district)
    answers = [
        ("yes", "2023Q1", True, True),
        ("yes_then_no", "2023Q1", True, True),
        ("yes_then_no", "2023Q3", False, True),
        ("only_submitted", "2023Q2", True, False),
        ("yes_early", "2021Q4", True, True),
        ("not_key", "2023Q1", False, True),
    ]
    for name, quarter, answer, approved in answers:
        SubmissionFactory(
            enterprise=made[name],
            period=Q(quarter),
            metrics={"cloud_adopted": answer},
            **({"approved": True} if approved else {"submitted": True}),
        )
    services.snapshots_rebuild(targets=["AIC-CLOUD"])
    return made


def test_who_is_not_delivering_lists_exactly_the_enterprises_not_counted(client, official, cloud):
    client.force_login(official)
    response = page_of(client, "AIC-CLOUD", period="2023Q4")

    figure = Snapshot.objects.get(target__code="AIC-CLOUD", period=Q("2023Q4"), scope="city")
    counted = {r["attrs"]["data-enterprise"] for r in rows_of(response, "evidence-table")}
    missing = {r["attrs"]["data-enterprise"] for r in rows_of(response, "missing-table")}
    assert counted == {cloud["yes"].uscc, cloud["yes_early"].uscc}
    assert figure.actual == len(counted)
    assert missing == {
        cloud["yes_then_no"].uscc,
        cloud["never"].uscc,
        cloud["only_submitted"].uscc,
    }
    assert 'data-testid="drift"' not in response.content.decode()
    rows = {r["attrs"]["data-enterprise"]: r for r in rows_of(response, "missing-table")}
    assert "never reported" in rows[cloud["never"].uscc]["text"]
    assert "Submitted" in rows[cloud["only_submitted"].uscc]["text"]


def test_the_split_is_kept_while_the_figures_are_current_and_read_afresh_after_a_change(
    client, official, cloud
):
    client.force_login(official)
    first = queries_for(client, "AIC-CLOUD", period="2023Q4")
    again = queries_for(client, "AIC-CLOUD", period="2023Q4")
    assert again < first

    SubmissionFactory(
        enterprise=cloud["never"],
        period=Q("2023Q4"),
        metrics={"cloud_adopted": True},
        approved=True,
    )
    recompute_request(targets=["AIC-CLOUD"], from_period=Q("2023Q4"), reason="test")
    response = page_of(client, "AIC-CLOUD", period="2023Q4")
    counted = {r["attrs"]["data-enterprise"] for r in rows_of(response, "evidence-table")}
    assert cloud["never"].uscc in counted
    assert 'data-testid="drift"' in response.content.decode()


def test_who_is_not_delivering_in_a_park_and_before_the_change(client, official, park, cloud):
    client.force_login(official)
    response = page_of(client, "AIC-CLOUD", period="2023Q2", scope=f"park:{park.code}")
    assert {r["attrs"]["data-enterprise"] for r in rows_of(response, "missing-table")} == set()
    assert {r["attrs"]["data-enterprise"] for r in rows_of(response, "evidence-table")} == {
        cloud["yes"].uscc,
        cloud["yes_then_no"].uscc,
    }


def test_who_is_not_delivering_sorts_by_park(client, official, park, other_park, cloud):
    client.force_login(official)
    rows = rows_of(page_of(client, "AIC-CLOUD", period="2023Q4"), "missing-table")
    parks = [r["attrs"]["data-enterprise"] for r in rows]
    assert parks[0] == cloud["yes_then_no"].uscc  # PARK-A before PARK-B
    backwards = rows_of(
        page_of(client, "AIC-CLOUD", period="2023Q4", nsort="-park"), "missing-table"
    )
    assert backwards[-1]["attrs"]["data-enterprise"] == cloud["yes_then_no"].uscc


def test_the_share_looks_only_at_active_enterprises(client, official):
    yes, no = EnterpriseFactory(above_scale=True), EnterpriseFactory(above_scale=True)
    closed = EnterpriseFactory(above_scale=True, active_until=dt.date(2024, 6, 30))
    EnterpriseFactory(above_scale=False)
    for enterprise, answer in ((yes, True), (no, False), (closed, False)):
        SubmissionFactory(
            enterprise=enterprise,
            period=Q("2024Q1"),
            metrics={"dx_transformed": answer},
            approved=True,
        )
    services.snapshots_rebuild(targets=["CN25-COVERAGE"])
    client.force_login(official)
    response = page_of(client, "CN25-COVERAGE", period="2025Q1")

    assert {r["attrs"]["data-enterprise"] for r in rows_of(response, "missing-table")} == {no.uscc}
    assert {r["attrs"]["data-enterprise"] for r in rows_of(response, "evidence-table")} == {
        yes.uscc
    }
    assert "1 of 2 active enterprises answer yes." in response.content.decode()
    assert response.context["figure"]["actual"] == 50.0


def test_ever_flagged_lists_those_that_never_said_yes(client, official):
    said_yes, never = EnterpriseFactory(), EnterpriseFactory()
    SubmissionFactory(
        enterprise=said_yes, period=Q("2022Q2"), metrics={"self_upgrade": True}, approved=True
    )
    SubmissionFactory(
        enterprise=said_yes, period=Q("2022Q3"), metrics={"self_upgrade": False}, approved=True
    )
    services.snapshots_rebuild(targets=["AIC-SELF"])
    client.force_login(official)
    response = page_of(client, "AIC-SELF", period="2022Q4")
    assert {r["attrs"]["data-enterprise"] for r in rows_of(response, "missing-table")} == {
        never.uscc
    }
    (counted,) = rows_of(response, "evidence-table")
    assert "2022Q2" in counted["text"]


def test_targets_that_do_not_count_enterprises_have_no_list_of_who_is_not_delivering(
    client, official, history
):
    client.force_login(official)
    assert 'data-testid="missing"' not in page_of(client, period="2024Q1").content.decode()


# --- queries ------------------------------------------------------------------------------


def queries_for(client, code: str, **params: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        page_of(client, code, **params)
    return len(queries)


@pytest.mark.parametrize(
    ("code", "quarter"),
    [(BENCH, "2023Q1"), ("AIC-CLOUD", "2023Q1"), ("SH23-AI-DRUG", "2023Q1")],
)
def test_the_page_makes_as_many_queries_for_twenty_rows_as_for_two(client, official, code, quarter):
    client.force_login(official)
    parks = [ParkFactory() for _ in range(20)]

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            place = parks[n]
            enterprise = cast(
                Enterprise, EnterpriseFactory(is_key=True, park=place, district=place.district)
            )
            Designation.objects.create(
                kind=DesignationKind.objects.get(code="smart_factory_benchmark"),
                enterprise=enterprise,
                granted_on=dt.date(2023, 2, 1),
            )
            SubmissionFactory(
                enterprise=enterprise,
                period=Q("2023Q1"),
                metrics={"cloud_adopted": n % 2 == 0},
                items=[{"kind": "ai_drug_clinical", "identifier": f"CTR{n}", "date": "2023-02-01"}],
                approved=True,
            )
        services.snapshots_rebuild(targets=[code])

    add(2, 0)
    few = queries_for(client, code, period=quarter)
    add(18, 2)
    many = queries_for(client, code, period=quarter)
    assert many == few
    assert few <= 25
