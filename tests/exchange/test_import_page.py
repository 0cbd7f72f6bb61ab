"""The officials' import page: upload → dry run → errors or preview → confirm → result."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import User
from enterprises.models import Enterprise
from exchange import import_services
from tests.factories import EnterpriseFactory, OfficialFactory, make_uscc

from .import_support import ENTERPRISE_ZH, xlsx

pytestmark = pytest.mark.django_db

PAGE = "/exchange/imports/"


@pytest.fixture
def browser(official) -> Client:
    client = Client()
    client.force_login(official)
    return client


def row(uscc, district="310115", key="是"):
    return [uscc, "页面导入企业", district, "", "chemical", key, "否", "2024-01-01"]


def send(client, data, kind="enterprises", name="e.xlsx"):
    handle = io.BytesIO(data)
    handle.name = name
    return client.post(PAGE, {"kind": kind, "file": handle})


def token_of(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "no confirm form"
    return match.group(1)


def test_the_page_offers_the_upload_and_the_templates(browser):
    response = browser.get(PAGE)

    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("import-file", "import-dry-run", "import-template-enterprises"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="import-confirm"' not in html


def test_an_official_fixes_a_bad_row_and_imports(browser):
    good, bad = make_uscc(), make_uscc()

    checked = send(browser, xlsx([ENTERPRISE_ZH, row(good), row(bad, district="310199")]))

    html = checked.content.decode()
    assert checked.status_code == 200
    assert 'data-testid="import-errors"' in html
    assert '<tr data-row="2" data-field="district">' in html
    assert "310199" in html
    assert 'data-testid="import-confirm"' not in html
    assert not Enterprise.objects.exists()

    fixed = send(browser, xlsx([ENTERPRISE_ZH, row(good), row(bad)]))

    html = fixed.content.decode()
    assert 'data-testid="import-errors"' not in html
    assert 'data-testid="import-preview"' in html
    assert 'data-stat="created"' in html
    assert not Enterprise.objects.exists()

    done = browser.post("/exchange/imports/confirm/", {"token": token_of(html)})

    html = done.content.decode()
    assert done.status_code == 200
    assert 'data-testid="import-result"' in html
    assert 'data-ok="true"' in html
    assert set(Enterprise.objects.values_list("uscc", flat=True)) == {good, bad}


def test_a_confirmation_imports_once(browser):
    checked = send(browser, xlsx([ENTERPRISE_ZH, row(make_uscc())]))
    token = token_of(checked.content.decode())
    assert browser.post("/exchange/imports/confirm/", {"token": token}).status_code == 200

    again = browser.post("/exchange/imports/confirm/", {"token": token})

    assert again.status_code == 400
    assert 'data-testid="import-file-error"' in again.content.decode()
    assert Enterprise.objects.count() == 1


def test_another_official_cannot_use_the_token(browser):
    token = token_of(send(browser, xlsx([ENTERPRISE_ZH, row(make_uscc())])).content.decode())
    other = Client()
    other.force_login(User.objects.get(pk=OfficialFactory(username="other-official").pk))

    response = other.post("/exchange/imports/confirm/", {"token": token})

    assert response.status_code == 400
    assert not Enterprise.objects.exists()


def test_a_forged_token_is_refused(browser):
    response = browser.post("/exchange/imports/confirm/", {"token": "imports/pending/x"})

    assert response.status_code == 400
    assert not Enterprise.objects.exists()


def test_the_error_report_downloads_as_a_workbook(browser):
    checked = send(browser, xlsx([ENTERPRISE_ZH, row(make_uscc(), key="也许")]))
    link = re.search(r'href="(/exchange/imports/errors/\?t=[^"]+)"', checked.content.decode())
    assert link

    response = browser.get(link.group(1).replace("&amp;", "&"))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == 1
    assert rows[1][3] == "也许"
    assert "也许" in rows[1][4]


def test_a_bad_file_shows_its_message(browser):
    response = send(browser, b"%PDF-1.4 not a sheet", name="x.pdf")

    assert response.status_code == 400
    assert 'data-testid="import-file-error"' in response.content.decode()


def test_the_page_is_for_officials_only(analyst):
    client = Client()
    client.force_login(analyst)

    assert client.get(PAGE).status_code == 403
    assert client.get("/exchange/imports/template/enterprises/").status_code == 403


def test_the_templates_download_from_the_page(browser):
    for kind in ("enterprises", "parks", "providers"):
        response = browser.get(f"/exchange/imports/template/{kind}/")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
    reports = browser.get("/exchange/imports/template/reports/?period=2024Q4")
    assert reports.status_code == 200
    assert "2024Q4" in reports["Content-Disposition"]


def test_kept_uploads_are_swept_after_an_hour(official):
    token = import_services.pending_keep(kind="enterprises", name="a.xlsx", data=b"x", by=official)
    later = timezone.now() + dt.timedelta(hours=2)

    assert import_services.pending_sweep(at=later) >= 1
    with pytest.raises(import_services.ImportFileError):
        import_services.pending_take(token, by=official)
    assert not default_storage.listdir(import_services.PENDING_DIR)[1]


def test_an_update_preview_shows_old_and_new_values(browser):
    enterprise = EnterpriseFactory(is_key=False)

    response = send(browser, xlsx([["uscc", "is_key"], [enterprise.uscc, "是"]]))

    html = response.content.decode()
    assert 'data-testid="import-updated"' in html
    assert "<del>no</del> → <ins>yes</ins>" in html


def test_a_report_file_with_a_bad_item_names_the_items_sheet(browser):
    enterprise = EnterpriseFactory()
    data = xlsx(
        [["uscc", "period", "digital_staff"], [enterprise.uscc, "2024Q1", 3]],
        title="报表",
        more={
            "事项": [
                ["uscc", "period", "kind", "identifier", "date"],
                [enterprise.uscc, "2024Q1", "scenario", "场景", "2024-09-01"],
            ]
        },
    )

    response = send(browser, data, kind="reports")

    html = response.content.decode()
    assert '<tr data-row="1" data-field="date" data-sheet="items">' in html
    assert 'data-testid="import-confirm"' not in html
