"""Hostile and malformed requests are answered with a clear 400, 413 or 415, never a 500,
and what the product must not accept is refused with a field-level message (issue 10:
"500s from bad requests" and "Accepted but should not be")."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from rest_framework import exceptions

from core.parsers import JSONParser
from enterprises.models import Designation, Enterprise, Provider
from parks.models import Park
from reporting.models import Submission
from tests.conftest import client_for
from tests.factories import (
    AnalystFactory,
    DesignationFactory,
    EnterpriseFactory,
    OfficialFactory,
    ParkManagerFactory,
    ProviderFactory,
    ReporterFactory,
    make_uscc,
)

pytestmark = pytest.mark.django_db

ROLES = ["as_official", "as_analyst", "as_park_manager", "as_reporter"]
ITEM = {"kind": "scenario", "identifier": "MES", "title": "MES", "date": "2024-02-01"}


@pytest.fixture(autouse=True)
def _no_debug(settings):
    settings.DEBUG = False


def quiet(client):
    """Answer with the response a user would see instead of raising the view's error."""
    client.raise_request_exception = False
    return client


def assert_json_400(response):
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    return response.json()


# --- NUL characters: PostgreSQL cannot hold them in text ------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_a_nul_in_the_enterprise_filter_of_reports_is_a_400_for_every_role(request, role):
    client = quiet(request.getfixturevalue(role))
    body = assert_json_400(client.get("/api/v1/submissions/?enterprise=%00"))
    assert "NUL" in body["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/submissions/?period=2024Q1%00",
        "/api/v1/submissions/?status=%00draft",
        "/api/v1/enterprises/?district=%00",
        "/api/v1/parks/?district__code=31%0001",
        "/api/v1/progress/?scope=park:%00",
        "/api/v1/progress/?target=%00",
        "/api/v1/completeness/?period=%00",
        "/api/v1/designations/?enterprise=%00",
        "/api/v1/targets/?plan__code=%00",
        "/api/v1/submissions/?%00=1",
    ],
)
def test_a_nul_in_any_query_parameter_is_a_400(as_official, url):
    assert_json_400(quiet(as_official).get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/progress/SH23-SF-BENCH%00/series/",
        "/api/v1/progress/%00/evidence/",
        "/api/v1/enterprises/%00/",
        "/api/v1/parks/A%00B/",
        "/api/v1/targets/%00/",
        "/api/v1/providers/9131%00/",
    ],
)
def test_a_nul_in_the_path_of_the_api_is_a_400(as_official, url):
    assert_json_400(quiet(as_official).get(url))


@pytest.mark.parametrize(
    "url", ["/progress/targets/SH23%00/", "/progress/parks/%00/", "/reports/?q=%00"]
)
def test_a_nul_in_a_pages_address_is_a_400_page(client, official, url):
    client.force_login(official)
    response = quiet(client).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(
    "item",
    [
        {**ITEM, "title": "MES\u0000"},
        {**ITEM, "identifier": "\u0000"},
        {**ITEM, "attributes": {"domain\u0000": "production"}},
    ],
)
def test_a_nul_in_an_items_text_is_a_400_and_nothing_is_saved(as_reporter, item):
    response = quiet(as_reporter).post(
        "/api/v1/submissions/", {"period": "2024Q1", "items": [item]}, format="json"
    )
    assert_json_400(response)
    assert not Submission.objects.exists()


def test_a_nul_in_a_form_post_is_a_400_page(client, official):
    client.force_login(official)
    response = quiet(client).post(
        "/progress/manage/designations/new/",
        "kind=smart_factory_benchmark&name=x%00y",
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_multipart_form_is_refused_by_the_form(client, official):
    """Multipart bodies (file uploads) are left to the forms, which refuse NUL too."""
    client.force_login(official)
    response = quiet(client).post(
        "/progress/manage/designations/new/", {"name": "x\x00y"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert not Designation.objects.exists()


def test_a_backslash_u0000_written_as_text_is_not_taken_for_a_nul(as_reporter):
    """JSON "\\\\u0000" is the six characters \\u0000, which a report may hold."""
    item = {**ITEM, "title": "escape \\u0000 literally"}
    response = as_reporter.post(
        "/api/v1/submissions/", {"period": "2024Q1", "items": [item]}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["items"][0]["title"] == "escape \\u0000 literally"


# --- JSON nested too deeply -----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/submissions/", "/api/v1/enterprises/", "/api/v1/auth/token/"]
)
def test_json_nested_2000_levels_deep_is_a_400(as_official, url):
    body = "[" * 2000 + "]" * 2000
    response = quiet(as_official).post(url, body, content_type="application/json")
    assert "nested too deeply" in assert_json_400(response)["detail"]


def test_deep_nesting_inside_an_item_is_refused_as_well(as_reporter):
    deep: object = "x"
    for _ in range(100):
        deep = {"a": deep}
    item = {**ITEM, "attributes": deep}
    response = quiet(as_reporter).post(
        "/api/v1/submissions/", {"period": "2024Q1", "items": [item]}, format="json"
    )
    assert_json_400(response)


def test_brackets_inside_strings_do_not_count_as_nesting(as_reporter):
    item = {**ITEM, "title": "[" * 100 + "{" * 100 + '\\"[{'}
    response = as_reporter.post(
        "/api/v1/submissions/", {"period": "2024Q1", "items": [item]}, format="json"
    )
    assert response.status_code == 201, response.content


def test_the_json_parser_refuses_what_python_cannot_recurse_into():
    import io

    with pytest.raises(exceptions.ParseError, match="nested too deeply"):
        JSONParser().parse(io.BytesIO(b"[" * 5000 + b"]" * 5000), "application/json", {})


# --- bodies over the limit ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/submissions/", "/api/v1/enterprises/"])
def test_a_body_over_2_5_mb_is_a_413_in_json(as_official, url):
    body = json.dumps({"name": "x" * (2_621_440 + 1)})
    response = quiet(as_official).post(url, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large."}


def test_a_form_over_2_5_mb_is_a_413_page(client, official):
    client.force_login(official)
    response = quiet(client).post(
        "/progress/manage/designations/new/",
        "name=" + "x" * 2_700_000,
        content_type="application/x-www-form-urlencoded",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_a_body_just_under_the_limit_is_read(as_reporter):
    item = {**ITEM, "title": "t" * 300}
    body = json.dumps({"period": "2024Q1", "items": [item], "pad": "x" * 2_000_000})
    response = quiet(as_reporter).post(
        "/api/v1/submissions/", body, content_type="application/json"
    )
    # Read and refused for its unknown field, not for its size.
    assert response.status_code == 400
    assert "pad" in response.json()


# --- reports: accepted but should not be ----------------------------------------------


def test_a_report_for_2000q1_is_refused(as_reporter):
    body = assert_json_400(
        as_reporter.post("/api/v1/submissions/", {"period": "2000Q1"}, format="json")
    )
    assert "2020Q1" in body["period"][0]


def test_more_than_500_items_are_refused(as_reporter):
    items = [{**ITEM, "identifier": f"MES-{n}"} for n in range(501)]
    body = assert_json_400(
        as_reporter.post(
            "/api/v1/submissions/", {"period": "2024Q1", "items": items}, format="json"
        )
    )
    assert "500" in body["items"][0]
    assert not Submission.objects.exists()


def test_10000_items_are_refused_without_a_500(as_reporter):
    items = [{**ITEM, "identifier": f"MES-{n}"} for n in range(10_000)]
    response = quiet(as_reporter).post(
        "/api/v1/submissions/", {"period": "2024Q1", "items": items}, format="json"
    )
    assert response.status_code == 400
    assert not Submission.objects.exists()


@pytest.mark.parametrize("period", ["٢٠٢٤Q1", "２０２４Q1", "2024Q١", "2024q5", "24Q1"])
def test_a_quarter_in_other_digits_is_refused(as_reporter, period):
    body = assert_json_400(
        as_reporter.post("/api/v1/submissions/", {"period": period}, format="json")
    )
    assert "YYYYQn" in body["period"][0]


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "application/x-www-form-urlencoded"]
)
def test_a_form_encoded_report_is_refused_not_saved_empty(as_reporter, content_type):
    if content_type == "multipart/form-data":
        response = as_reporter.post(
            "/api/v1/submissions/", {"period": "2024Q1", "metrics": '{"digital_staff": 3}'}
        )
    else:
        response = as_reporter.post(
            "/api/v1/submissions/",
            "period=2024Q1&metrics=%7B%22digital_staff%22%3A3%7D",
            content_type=content_type,
        )
    assert response.status_code == 415
    assert "detail" in response.json()
    assert not Submission.objects.exists()


def test_another_enterprises_uscc_answers_like_an_unknown_one(as_reporter, other_enterprise):
    theirs = as_reporter.post(
        "/api/v1/submissions/",
        {"period": "2024Q1", "enterprise": other_enterprise.uscc},
        format="json",
    )
    unknown_uscc = make_uscc()
    nobody = as_reporter.post(
        "/api/v1/submissions/", {"period": "2024Q1", "enterprise": unknown_uscc}, format="json"
    )
    assert theirs.status_code == nobody.status_code == 400
    assert theirs.json()["enterprise"][0].replace(other_enterprise.uscc, "X") == nobody.json()[
        "enterprise"
    ][0].replace(unknown_uscc, "X")


# --- enterprises and providers --------------------------------------------------------


def test_an_enterprise_with_an_unknown_district_and_a_park_gets_field_errors(as_official, park):
    body = assert_json_400(
        quiet(as_official).post(
            "/api/v1/enterprises/",
            {
                "uscc": make_uscc(),
                "name": "某医药",
                "district": "999999",
                "park": park.code,
                "segment": "chemical",
            },
            format="json",
        )
    )
    assert "999999" in body["district"][0]
    assert not Enterprise.objects.filter(name="某医药").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"district": "999999", "park": "PARK-A"}, "district"),
        ({"district": "310115", "park": "NO-SUCH-PARK"}, "park"),
        ({"segment": "no-such-segment"}, "segment"),
        ({"district": "310104", "park": "PARK-A"}, "park"),
        ({"park": None, "district": "999999"}, "district"),
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_changing_an_enterprise_to_unknown_codes_gets_field_errors(
    as_official, enterprise, changes, field, method
):
    body = {
        "uscc": enterprise.uscc,
        "name": enterprise.name,
        "district": "310115",
        "park": "PARK-A",
        "segment": "chemical",
        **changes,
    }
    response = getattr(quiet(as_official), method)(
        f"/api/v1/enterprises/{enterprise.uscc}/", body, format="json"
    )
    assert field in assert_json_400(response)
    enterprise.refresh_from_db()
    assert enterprise.district.code == "310115"
    assert enterprise.park.code == "PARK-A"


def test_an_enterprise_that_ends_before_it_starts_gets_the_fields_own_words(as_official):
    body = assert_json_400(
        as_official.post(
            "/api/v1/enterprises/",
            {
                "uscc": make_uscc(),
                "name": "某医药",
                "district": "310115",
                "segment": "chemical",
                "active_from": "2024-01-01",
                "active_until": "2020-01-01",
            },
            format="json",
        )
    )
    assert body == {"active_until": ["An enterprise cannot stop being active before it starts."]}
    assert "enterprise_active_range" not in json.dumps(body)


@pytest.mark.parametrize("served", [5, "91310000000000001Y", {"a": 1}, [5]])
@pytest.mark.parametrize("method", ["post", "put"])
def test_a_providers_enterprises_must_be_a_list_of_codes(as_official, enterprise, served, method):
    provider = ProviderFactory()
    url = "/api/v1/providers/" if method == "post" else f"/api/v1/providers/{provider.uscc}/"
    body = {"uscc": make_uscc(), "name": "服务商", "district": "310104", "enterprises": served}
    if method == "put":
        body["uscc"] = provider.uscc
    response = getattr(quiet(as_official), method)(url, body, format="json")
    assert "enterprises" in assert_json_400(response)
    # A string is never read letter by letter as a list of codes.
    assert not Provider.objects.filter(enterprises__isnull=False).exists()


def test_a_providers_enterprises_as_a_list_of_codes_is_accepted(as_official, enterprise):
    response = as_official.post(
        "/api/v1/providers/",
        {
            "uscc": make_uscc(),
            "name": "服务商",
            "district": "310104",
            "enterprises": [enterprise.uscc],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["enterprises"] == [enterprise.uscc]


# --- designations ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "day", "words"),
    [
        ("granted_on", "9999-12-31", "a year ahead"),
        ("granted_on", "1999-12-31", "before 2000-01-01"),
        ("granted_on", "1900-01-01", "before 2000-01-01"),
        ("revoked_on", "9999-12-31", "a year ahead"),
    ],
)
def test_a_designation_dated_out_of_bounds_is_refused(as_official, enterprise, field, day, words):
    body = {
        "kind": "smart_factory_benchmark",
        "enterprise": enterprise.uscc,
        "granted_on": "2024-03-01",
        field: day,
    }
    response = as_official.post("/api/v1/designations/", body, format="json")
    assert words in assert_json_400(response)[field][0]
    assert not Designation.objects.exists()


def test_a_designation_may_be_announced_up_to_a_year_ahead(as_official, enterprise):
    soon = dt.date.today() + dt.timedelta(days=300)
    response = as_official.post(
        "/api/v1/designations/",
        {
            "kind": "smart_factory_benchmark",
            "enterprise": enterprise.uscc,
            "granted_on": soon.isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content


def test_revoking_a_designation_on_9999_12_31_is_refused(as_official, enterprise):
    designation = DesignationFactory(enterprise=enterprise)
    response = as_official.patch(
        f"/api/v1/designations/{designation.pk}/", {"revoked_on": "9999-12-31"}, format="json"
    )
    assert "a year ahead" in assert_json_400(response)["revoked_on"][0]
    designation.refresh_from_db()
    assert designation.revoked_on is None


def test_the_bound_is_a_year_from_the_day_given():
    from enterprises.services import designation_latest_date

    assert designation_latest_date(dt.date(2026, 12, 1)) == dt.date(2027, 12, 1)
    assert designation_latest_date(dt.date(2028, 2, 29)) == dt.date(2029, 2, 28)


# --- codes that others refer to -------------------------------------------------------


def test_a_park_code_its_own_url_cannot_address_is_refused(as_official):
    for code in ["A/B", "A B", "园区", "A" * 31, "a%2Fb", "..", "A?B"]:
        response = as_official.post(
            "/api/v1/parks/", {"code": code, "name": "园区", "district": "310115"}, format="json"
        )
        assert "code" in assert_json_400(response), code
    assert not Park.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_parks_code_cannot_change(as_official, park, park_manager, enterprise, method):
    response = getattr(as_official, method)(
        f"/api/v1/parks/{park.code}/",
        {"code": "NEW-CODE", "name": "新园区", "district": park.district.code},
        format="json",
    )
    assert "code" in assert_json_400(response)
    assert Park.objects.filter(code="PARK-A").exists()
    assert not Park.objects.filter(code="NEW-CODE").exists()
    # The manager still sees the park's enterprises.
    rows = client_for(park_manager).get("/api/v1/enterprises/").json()["results"]
    assert [row["uscc"] for row in rows] == [enterprise.uscc]


def test_a_park_with_enterprises_cannot_move_to_another_district(as_official, park, enterprise):
    response = as_official.patch(
        f"/api/v1/parks/{park.code}/", {"district": "310104"}, format="json"
    )
    assert "district" in assert_json_400(response)
    park.refresh_from_db()
    assert park.district.code == "310115"


@pytest.mark.parametrize("method", ["put", "patch"])
def test_an_enterprises_uscc_cannot_change(as_official, enterprise, method):
    new = make_uscc()
    response = getattr(as_official, method)(
        f"/api/v1/enterprises/{enterprise.uscc}/",
        {"uscc": new, "name": enterprise.name, "district": "310115", "segment": "chemical"},
        format="json",
    )
    assert "uscc" in assert_json_400(response)
    assert not Enterprise.objects.filter(uscc=new).exists()


def test_sending_an_enterprises_own_uscc_back_is_fine(as_official, enterprise):
    response = as_official.patch(
        f"/api/v1/enterprises/{enterprise.uscc}/",
        {"uscc": enterprise.uscc.lower(), "name": "新名称"},
        format="json",
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_providers_uscc_cannot_change(as_official, method):
    provider = ProviderFactory()
    new = make_uscc()
    response = getattr(as_official, method)(
        f"/api/v1/providers/{provider.uscc}/",
        {"uscc": new, "name": "服务商", "district": "310104"},
        format="json",
    )
    assert "uscc" in assert_json_400(response)
    assert not Provider.objects.filter(uscc=new).exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
@pytest.mark.parametrize("url", ["/api/v1/targets/SH23-SF-BENCH/", "/api/v1/districts/310115/"])
def test_targets_and_districts_cannot_be_changed_through_the_api(as_official, url, method):
    response = getattr(as_official, method)(url, {"code": "NEW"}, format="json")
    assert response.status_code == 405
    assert response.json()["detail"]


# --- a browser form posts what it is sent, never a 500 --------------------------------


def test_every_role_gets_a_clean_answer_for_a_nul_in_a_page_filter(client, park):
    for user in [
        OfficialFactory(),
        AnalystFactory(),
        ParkManagerFactory(park=park),
        ReporterFactory(enterprise=EnterpriseFactory(park=park, district=park.district)),
    ]:
        client.force_login(user)
        response = Client(raise_request_exception=False)
        response.force_login(user)
        answer = response.get("/reports/all/?enterprise=%00")
        assert answer.status_code == 400
