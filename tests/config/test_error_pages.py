import pytest
from django.test import override_settings

from tests.factories import ReporterFactory

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=False)
def test_a_refused_page_explains_itself_in_chinese(client, enterprise):
    client.force_login(ReporterFactory(enterprise=enterprise))
    response = client.get("/progress/figures/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response.status_code == 403
    page = response.content.decode()
    assert "无权访问" in page
    assert "返回首页" in page


@override_settings(DEBUG=False)
def test_a_missing_page_is_shown_in_the_products_layout(client, official):
    client.force_login(official)
    response = client.get("/reports/999999/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Back to the start page" in response.content.decode()
