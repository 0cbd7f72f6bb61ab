import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_and_docs_need_a_login(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)


def test_the_schema_documents_every_endpoint_and_its_errors(as_official):
    response = as_official.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/enterprises/",
        "/api/v1/designations/",
        "/api/v1/targets/{code}/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths
    responses = paths["/api/v1/enterprises/"]["post"]["responses"]
    assert {"201", "400", "403"} <= set(responses)


def test_the_interactive_docs_load_their_assets_from_our_own_static_files(client, official):
    client.force_login(official)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
