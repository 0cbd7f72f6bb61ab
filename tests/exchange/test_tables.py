"""Every table page's "Download as Excel" (and CSV): the workbook holds the rows and figures
the page's table shows for the same query, in the request's language, under the page's own
access rules (a park manager's download holds only their park; a table the user may not
open answers 403 or 404 like the page); texts never become formulas; a CSV starts with the
UTF-8 BOM; a table longer than ``DX_SYNC_DOWNLOAD_MAX_ROWS`` is built by the export job and
the download redirects to it; the rows are read in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any, cast

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from enterprises.models import Designation, Enterprise
from exchange.models import Export
from progress import services as progress_services
from progress.models import Snapshot
from reporting.models import Submission
from targets.models import DesignationKind
from targets.periods import period_parse
from tests.factories import (
    EnterpriseFactory,
    ReporterFactory,
    SnapshotFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db

Q = period_parse
HOSTILE = '=HYPERLINK("http://x","y")'
QUARTER = "2024Q4"


# --- helpers ------------------------------------------------------------------------------


def browser(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def content(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200, (response.status_code, content(response)[:300])
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(content(response)))


def sheet_rows(sheet) -> list[dict[str, Any]]:
    values = list(sheet.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def table(client, name: str, **params: str) -> list[dict[str, Any]]:
    """The rows of a table's download (the first sheet), by header."""
    book = workbook(client.get(f"/exchange/tables/{name}.xlsx", params))
    return sheet_rows(book.worksheets[0])


def about(book) -> dict[str, Any]:
    return {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}


def links(html: str) -> dict[str, str]:
    """The download links of a page: table name → the Excel link's URL."""
    found = {}
    for name, block in re.findall(
        r'<p class="table-download small" data-testid="download-([\w-]+)">(.*?)</p>', html, re.S
    ):
        href = re.search(r'href="([^"]+)" data-download="xlsx"', block)
        assert href is not None
        found[name] = href.group(1).replace("&amp;", "&")
    return found


def uscc_column(rows: list[dict[str, Any]], header: str = "USCC") -> set[str]:
    return {row[header] for row in rows}


# --- the programme: two parks, enterprises, reports, designations, real figures -----------


@pytest.fixture
def programme(park, other_park):
    """Key enterprises in two parks (one named like a formula) with approved reports of
    2024Q3 (on the cloud or not, talents, a DCMM level, a scenario) and reports of 2024Q4
    waiting for review; a benchmark designation; the figures rebuilt from them."""
    made = {
        "hostile": EnterpriseFactory(name=HOSTILE, is_key=True, park=park, district=park.district),
        "mine": EnterpriseFactory(
            name="张江样本企业", is_key=True, park=park, district=park.district
        ),
        "theirs": EnterpriseFactory(
            name="外园区企业", is_key=True, park=other_park, district=other_park.district
        ),
    }
    for index, (name, cloud) in enumerate((("hostile", True), ("mine", False), ("theirs", True))):
        enterprise = made[name]
        SubmissionFactory(
            enterprise=enterprise,
            period=Q("2024Q3"),
            approved=True,
            metrics={"cloud_adopted": cloud, "talent_high_end_new": 3 + index, "dcmm_level": 3},
            items=[
                {
                    "kind": "scenario",
                    "identifier": f"SC-{index}",
                    "title": "场景",
                    "date": "2024-08-01",
                }
            ],
        )
        SubmissionFactory(
            enterprise=enterprise,
            period=Q("2024Q4"),
            submitted=True,
            metrics={"cloud_adopted": cloud, "talent_high_end_new": 4},
        )
    Designation.objects.create(
        kind=DesignationKind.objects.get(code="smart_factory_benchmark"),
        enterprise=cast(Enterprise, made["hostile"]),
        name="标杆工厂",
        granted_on=dt.date(2024, 5, 1),
    )
    progress_services.snapshots_rebuild(
        targets=["AIC-CLOUD", "SH23-SCENARIO", "SH23-SF-BENCH", "SH23-TALENT-HIGH"]
    )
    return made


# --- the links on the pages ---------------------------------------------------------------


def test_every_table_page_offers_its_tables_with_the_page_query(official, programme, park):
    client = browser(official)
    target = "/progress/targets/AIC-CLOUD/?period=2024Q4&esort=-enterprise&epage=2"
    pages = {
        f"/progress/?period={QUARTER}": {"overview"},
        target: {"target-series", "target-breakdown", "target-evidence", "target-missing"},
        f"/progress/parks/{park.code}/?period={QUARTER}": {
            "scope-targets",
            "scope-enterprises",
            "scope-designations",
            "scope-maturity",
        },
        f"/progress/districts/{park.district.code}/?period={QUARTER}": {"scope-enterprises"},
        f"/progress/compare/?period={QUARTER}": {"compare"},
        f"/progress/maturity/?period={QUARTER}": {"maturity-segments", "maturity-parks"},
        f"/progress/enterprises/{programme['mine'].uscc}/": {
            "enterprise-history",
            "enterprise-figures",
            "enterprise-items",
        },
        f"/progress/enterprises/{programme['hostile'].uscc}/": {"enterprise-designations"},
        "/reports/review/": {"review-queue"},
        "/reports/all/": {"reports"},
        "/reports/completeness/?period=2024Q2": {"completeness-status", "completeness-missing"},
    }
    for url, expected in pages.items():
        html = client.get(url).content.decode()
        found = links(html)
        assert expected <= set(found), (url, set(found))
        assert "<script>" not in html
    evidence = links(client.get(target).content.decode())["target-evidence"]
    assert evidence.startswith("/exchange/tables/target-evidence.xlsx?")
    assert "period=2024Q4" in evidence
    assert "esort=-enterprise" in evidence
    assert "target=AIC-CLOUD" in evidence
    assert "epage" not in evidence  # every page of rows


def test_reporters_are_offered_no_download_and_refused_one(programme, enterprise):
    reporter = ReporterFactory(enterprise=programme["mine"])
    client = browser(reporter)
    html = client.get(f"/progress/?period={QUARTER}").content.decode()
    assert links(html) == {}
    assert client.get("/exchange/tables/overview.xlsx").status_code == 403
    own = f"/exchange/tables/enterprise-history.xlsx?uscc={programme['mine'].uscc}"
    assert client.get(own).status_code == 403


# --- each table holds the page's rows -----------------------------------------------------


def test_the_overview_download_has_the_cards_figures(official, programme):
    client = browser(official)
    page = client.get("/progress/", {"period": QUARTER})
    cards = {
        card.target.code: card
        for plan in page.context["plans"]
        for group in plan.groups
        for card in group.cards
    }
    rows = table(client, "overview", period=QUARTER)
    assert [row["Code"] for row in rows] == list(cards)
    cloud = next(row for row in rows if row["Code"] == "AIC-CLOUD")
    assert cloud["Actual"] == cards["AIC-CLOUD"].figure.actual == 2
    assert cloud["Status"] == str(cards["AIC-CLOUD"].figure.get_status_display())
    assert cloud["Projection"] == cards["AIC-CLOUD"].projection_words


def test_the_target_downloads_have_the_pages_series_breakdown_evidence_and_missing(
    official, programme, park, other_park
):
    client = browser(official)
    query = {"period": QUARTER, "target": "AIC-CLOUD"}
    page = client.get("/progress/targets/AIC-CLOUD/", {"period": QUARTER})
    series = table(client, "target-series", **query)
    assert [row["Quarter"] for row in series] == [
        p.figure["period"] for p in page.context["points"]
    ]
    q4 = next(row for row in series if row["Quarter"] == QUARTER)
    assert q4["Actual"] == page.context["figure"]["actual"] == 2

    breakdown = {row["Code"]: row for row in table(client, "target-breakdown", **query)}
    stored = Snapshot.objects.get(target__code="AIC-CLOUD", period=Q(QUARTER), scope="park:PARK-A")
    (actual,) = [header for header in breakdown["PARK-A"] if header.startswith("Actual")]
    assert breakdown["PARK-A"][actual] == stored.actual == 1
    assert breakdown["PARK-A"]["Level"] == "Park"
    assert breakdown[park.district.code]["Level"] == "District"

    evidence = table(client, "target-evidence", **query)
    shown = {row["enterprise_uscc"] for row in page.context["evidence"].rows}
    assert uscc_column(evidence) == shown == {programme["hostile"].uscc, programme["theirs"].uscc}
    hostile = next(row for row in evidence if row["USCC"] == programme["hostile"].uscc)
    assert hostile["Enterprise"] == HOSTILE
    assert hostile["Latest approved report"] == "2024Q3"

    missing = table(client, "target-missing", **query)
    assert uscc_column(missing) == {row["enterprise_uscc"] for row in page.context["missing"].rows}
    assert uscc_column(missing) == {programme["mine"].uscc}


def test_the_evidence_follows_the_pages_sort_over_every_page(official, programme):
    client = browser(official)
    query = {"period": QUARTER, "target": "SH23-SCENARIO", "esort": "-key", "epage": "9"}
    rows = table(client, "target-evidence", **query)
    assert [row["De-duplication key"] for row in rows] == ["SC-2", "SC-1", "SC-0"]
    assert rows[0]["Items claiming it"] == 1
    assert "2024Q3" in rows[0]["Reports"]


def test_the_scope_downloads_have_the_park_pages_rows(official, programme, park):
    client = browser(official)
    page = client.get(f"/progress/parks/{park.code}/", {"period": QUARTER, "sort": "-name"})
    query = {"period": QUARTER, "scope": f"park:{park.code}", "sort": "-name"}

    enterprises = table(client, "scope-enterprises", **query)
    assert [row["USCC"] for row in enterprises] == [
        row.enterprise.uscc for row in page.context["enterprises"]
    ]
    assert {row["Report"] for row in enterprises} == {"Submitted"}
    assert {row["Designations"] for row in enterprises} == {0, 1}

    targets = {row["Code"]: row for row in table(client, "scope-targets", **query)}
    mine = Snapshot.objects.get(target__code="AIC-CLOUD", period=Q(QUARTER), scope="park:PARK-A")
    assert targets["AIC-CLOUD"][park.name] == mine.actual
    assert targets["AIC-CLOUD"]["City"] == 2
    assert targets["AIC-CLOUD"]["Share of city"] == pytest.approx(float(mine.share_of_city or 0))

    designations = table(client, "scope-designations", **query)
    assert [row["Name"] for row in designations] == ["标杆工厂"]
    assert designations[0]["Granted on"] == dt.datetime(2024, 5, 1)

    maturity = table(client, "scope-maturity", **query)
    level_3 = next(row for row in maturity if row["Level"] == "3")
    assert level_3["DCMM"] == page.context["maturity"].dcmm[3] == 2


def test_the_comparison_and_maturity_downloads_have_the_pages_numbers(official, programme):
    client = browser(official)
    query = {"period": QUARTER, "level": "park", "measure": "actual", "sort": "-AIC-CLOUD"}
    page = client.get("/progress/compare/", query)
    rows = table(client, "compare", **query)
    assert [row["Code"] for row in rows] == [row.scope.code for row in page.context["rows"]]
    assert rows[0]["AIC-CLOUD"] == 1
    assert rows[0]["Active enterprises"] == page.context["rows"][0].enterprises

    page = client.get("/progress/maturity/", {"period": QUARTER})
    (dcmm, _smart) = page.context["views"]
    segments = table(client, "maturity-segments", period=QUARTER)
    total = next(
        row
        for row in segments
        if row["Segment"] == "All" and row["Maturity model"] == str(dcmm.scale.title)
    )
    assert total["Level 3"] == dcmm.total.levels[3] == 3
    assert total["With a level"] == dcmm.total.with_level
    parks = table(client, "maturity-parks", period=QUARTER)
    assert {row["Park"] for row in parks} >= {row.label for row in dcmm.by_park}


def test_the_enterprise_downloads_have_the_profiles_tables(official, programme):
    client = browser(official)
    hostile = programme["hostile"]
    page = client.get(f"/progress/enterprises/{hostile.uscc}/")
    history = table(client, "enterprise-history", uscc=hostile.uscc)
    assert [row["Quarter"] for row in history] == [
        row.period_label for row in page.context["history"]
    ]
    q3 = next(row for row in history if row["Quarter"] == "2024Q3")
    assert q3["Status"] == "Approved"

    figures = table(client, "enterprise-figures", uscc=hostile.uscc)
    by_metric = {row["Metric"].split(" (")[0]: row for row in figures}
    assert by_metric["New BT+IT high-end talents recruited or trained this quarter"]["2024Q3"] == 3
    assert by_metric["Core business systems run in the cloud"]["2024Q3"] == "Yes"
    assert by_metric["Data management capability maturity"]["2024Q3"] == "L3 · Robust"
    assert [(row["Dimension"], row["Metric"]) for row in figures] == [
        (dimension.title, label)
        for dimension in page.context["dimensions"]
        for label, _values in dimension.table_rows
    ]

    items = table(client, "enterprise-items", uscc=hostile.uscc)
    assert [row["Identifier"] for row in items] == [i.identifier for i in page.context["items"]]
    assert items[0]["Counts?"] == "Yes"
    assert "SH23-SCENARIO" in items[0]["Why"]

    designations = table(client, "enterprise-designations", uscc=hostile.uscc)
    assert [row["Name"] for row in designations] == ["标杆工厂"]
    assert designations[0]["Counts?"] == "Yes"


def test_the_review_queue_download_has_the_queue_with_its_flags(official, programme):
    client = browser(official)
    page = client.get("/reports/review/", {"period": QUARTER})
    rows = table(client, "review-queue", period=QUARTER)
    assert [row["Report"] for row in rows] == [r["submission"].pk for r in page.context["rows"]]
    assert {row["Status"] for row in rows} == {"Submitted"}
    flagged = [r for r in page.context["rows"] if r["flags"]]
    by_pk = {row["Report"]: row for row in rows}
    for shown in flagged:
        assert by_pk[shown["submission"].pk]["Flags"] == len(shown["flags"])


def test_the_report_list_download_follows_the_filters(official, programme):
    client = browser(official)
    params = {"status": "approved", "period": "2024Q3"}
    page = client.get("/reports/all/", params)
    response = client.get("/exchange/tables/reports.xlsx", params)
    assert response["Content-Disposition"] == 'attachment; filename="reports-2024Q3.xlsx"'
    book = workbook(response)
    rows = sheet_rows(book.worksheets[0])
    assert [row["Report"] for row in rows] == [s.pk for s in page.context["rows"]]
    assert {row["Status"] for row in rows} == {"Approved"}
    notes = about(book)
    assert notes["Quarter"] == "2024Q3"
    assert notes["Status"] == "Approved"
    assert notes["Exported by"].startswith("official")
    assert notes["Rows"] == 3


def test_the_completeness_downloads_have_the_status_and_the_list(official, programme, park):
    client = browser(official)
    params = {"period": "2024Q3", "scope": f"district:{park.district.code}", "show": "all"}
    page = client.get("/reports/completeness/", params)
    status = table(client, "completeness-status", **params)
    assert [row["Park"] for row in status] == [row.name for row in page.context["status_rows"]]
    first = page.context["status_rows"][0]
    assert status[0]["Active"] == first.active
    assert status[0]["Submitted"] == first.submitted
    listed = table(client, "completeness-missing", **params)
    assert uscc_column(listed) == {row["enterprise"].uscc for row in page.context["rows"]}


# --- language, safety, CSV ----------------------------------------------------------------


def test_the_download_speaks_the_requests_language(official, programme):
    client = browser(official, "zh-hans")
    rows = table(client, "review-queue", period=QUARTER)
    assert "企业" in rows[0]
    assert {row["状态"] for row in rows} == {"已提交"}
    book = workbook(client.get("/exchange/tables/review-queue.xlsx", {"period": QUARTER}))
    assert book.sheetnames[0] == "报告审核"


def test_a_name_like_a_formula_stays_text(official, programme):
    client = browser(official)
    book = workbook(client.get("/exchange/tables/reports.xlsx", {"period": "2024Q3"}))
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    column = header.index("Enterprise") + 1
    cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    hostile = next(cell for cell in cells if cell.value == HOSTILE)
    assert hostile.data_type == "s"  # a string, not a formula ("f")
    assert hostile.quotePrefix
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref is not None


def test_a_csv_starts_with_the_bom_and_quotes_formulas(official, programme):
    client = browser(official)
    response = client.get("/exchange/tables/reports.csv", {"period": "2024Q3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reports-2024Q3.csv"'
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeffReport,Enterprise,USCC")
    assert "'=HYPERLINK" in text
    assert len(text.strip().splitlines()) == 4


# --- access ---------------------------------------------------------------------------------


def test_a_park_managers_downloads_hold_only_their_park(park_manager, programme, park, other_park):
    client = browser(park_manager)
    reports = table(client, "reports")
    assert uscc_column(reports) == {programme["hostile"].uscc, programme["mine"].uscc}
    missing = table(client, "target-missing", target="AIC-CLOUD", period=QUARTER)
    assert uscc_column(missing) == {programme["mine"].uscc}
    breakdown = table(client, "target-breakdown", target="AIC-CLOUD", period=QUARTER)
    assert [row["Code"] for row in breakdown] == ["PARK-A"]
    status = client.get("/exchange/tables/completeness-missing.xlsx", {"period": "2024Q3"})
    assert uscc_column(sheet_rows(workbook(status).worksheets[0])) <= {
        programme["hostile"].uscc,
        programme["mine"].uscc,
    }
    # Another park, its enterprise, the comparison and the review queue: refused like the page.
    other = {"scope": f"park:{other_park.code}", "period": QUARTER}
    assert client.get("/exchange/tables/scope-enterprises.xlsx", other).status_code == 404
    theirs = {"uscc": programme["theirs"].uscc}
    assert client.get("/exchange/tables/enterprise-history.xlsx", theirs).status_code == 404
    assert client.get("/exchange/tables/compare.xlsx").status_code == 403
    assert client.get("/exchange/tables/review-queue.xlsx").status_code == 403


def test_tables_refuse_like_their_pages(analyst, official, programme):
    client = browser(analyst)
    assert client.get("/exchange/tables/review-queue.xlsx").status_code == 403  # officials only
    assert client.get("/exchange/tables/nothing.xlsx").status_code == 404
    assert client.get("/exchange/tables/target-series.xlsx").status_code == 404
    unknown = {"target": "NOT-A-TARGET"}
    assert client.get("/exchange/tables/target-series.xlsx", unknown).status_code == 404
    anonymous = Client().get("/exchange/tables/overview.xlsx")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


# --- the background path --------------------------------------------------------------------


def test_a_table_over_the_limit_is_built_in_the_background(
    official, programme, settings, django_capture_on_commit_callbacks
):
    settings.DX_SYNC_DOWNLOAD_MAX_ROWS = 2
    client = browser(official)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get("/exchange/tables/reports.xlsx", {"period": "2024Q3", "page": "2"})
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/exchange/exports/?export={export.pk}"
    assert export.kind == Export.Kind.TABLE
    assert export.table == "reports"
    assert export.params == {"period": ["2024Q3"]}  # without the page
    export.refresh_from_db()
    assert export.status == Export.Status.DONE
    assert export.rows == 3
    html = client.get(response["Location"]).content.decode()
    assert 'data-testid="export-download"' in html
    assert "reports-2024Q3.xlsx" in html
    download = client.get(f"/exchange/exports/{export.pk}/download/")
    assert download["Content-Disposition"] == 'attachment; filename="reports-2024Q3.xlsx"'
    rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(content(download))).worksheets[0])
    assert {row["Enterprise"] for row in rows} == {HOSTILE, "张江样本企业", "外园区企业"}


def test_a_review_queue_row_weighs_five_plain_rows(official, programme, settings, monkeypatch):
    """Its outlier flags make a queue row cost more to write than a row of the report list:
    three of them already go to the background where three plain rows would not."""
    settings.DX_SYNC_DOWNLOAD_MAX_ROWS = 10
    monkeypatch.setattr("core.queue.current_app.tasks", {})
    client = browser(official)
    assert client.get("/exchange/tables/reports.xlsx", {"period": "2024Q3"}).status_code == 200
    queue = client.get("/exchange/tables/review-queue.xlsx", {"period": QUARTER})
    assert queue.status_code == 302
    export = Export.objects.get()
    assert export.table == "review-queue"
    html = client.get(queue["Location"]).content.decode()
    assert export.title in html  # the page says which table it builds
    assert "Programme workbook" in html


def test_asking_again_while_it_is_built_follows_the_same_export(
    official, programme, settings, monkeypatch
):
    settings.DX_SYNC_DOWNLOAD_MAX_ROWS = 2
    monkeypatch.setattr("core.queue.current_app.tasks", {})  # broker down: stays pending
    client = browser(official)
    first = client.get("/exchange/tables/reports.csv", {"period": "2024Q3"})
    again = client.get("/exchange/tables/reports.csv", {"period": "2024Q3"})
    assert first["Location"] == again["Location"]
    export = Export.objects.get()
    assert export.file_format == "csv"
    assert export.filename == "reports-2024Q3.csv"


def test_a_background_csv_starts_with_the_bom(
    official, programme, settings, django_capture_on_commit_callbacks
):
    settings.DX_SYNC_DOWNLOAD_MAX_ROWS = 1
    client = browser(official, "zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/exchange/tables/reports.csv", {"period": "2024Q3"})
    export = Export.objects.get()
    download = client.get(f"/exchange/exports/{export.pk}/download/")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    text = content(download).decode("utf-8")
    assert text.startswith("\ufeff报告")
    assert "'=HYPERLINK" in text


def test_a_background_table_is_refused_when_the_requester_lost_the_right(
    official, programme, settings, monkeypatch
):
    settings.DX_SYNC_DOWNLOAD_MAX_ROWS = 1
    monkeypatch.setattr("core.queue.current_app.tasks", {})
    client = browser(official)
    client.get("/exchange/tables/review-queue.xlsx")
    export = Export.objects.get()
    official.role = "analyst"
    official.is_superuser = False
    official.save()
    from exchange.services import export_build

    built = export_build(export_id=export.pk)
    assert built is not None
    assert built.status == Export.Status.FAILED


# --- bounded queries ------------------------------------------------------------------------


def _queries(client, url: str, params: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        content(response)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["reports", "review-queue", "scope-enterprises"])
def test_the_rows_are_read_in_a_fixed_number_of_queries(official, park, name):
    client = browser(official)
    SnapshotFactory(period=Q(QUARTER))  # a quarter with figures, for the park's page
    params = {
        "reports": {"status": "submitted"},
        "review-queue": {},
        "scope-enterprises": {"scope": f"park:{park.code}", "period": QUARTER},
    }[name]

    def grow(n: int) -> None:
        for _ in range(n):
            enterprise = EnterpriseFactory(park=park, district=park.district)
            SubmissionFactory(
                enterprise=enterprise,
                period=Q(QUARTER),
                submitted=True,
                metrics={"talent_high_end_new": 2},
            )

    grow(2)
    few = _queries(client, f"/exchange/tables/{name}.xlsx", params)
    grow(18)
    many = _queries(client, f"/exchange/tables/{name}.xlsx", params)
    assert many == few
    assert Submission.objects.filter(status="submitted").count() == 20
