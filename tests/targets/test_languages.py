import pytest
from django.utils import translation

from targets.models import Metric, Target

pytestmark = pytest.mark.django_db


def test_catalogue_names_follow_the_active_language():
    target = Target.objects.get(code="SH23-SF-BENCH")
    metric = Metric.objects.get(code="revenue")
    with translation.override("zh-hans"):
        assert target.name == "标杆性智能工厂"
        assert metric.unit == "万元"
    with translation.override("en"):
        assert target.name == "Benchmark smart factories"
        assert metric.unit == "10k CNY"


def test_the_language_switcher_sets_english_for_the_session(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page


def test_chinese_is_the_default_without_a_browser_preference(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="zh-hans">' in page
