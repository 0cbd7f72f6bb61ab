"""The Simplified Chinese catalogue is complete, consistent and actually used.

Only the .po file is committed; `make install` compiles it to .mo with pybabel. The session
fixture below does the same (with Babel, no system gettext) when the .mo is missing or older
than the .po, so the rendering checks hold however the tests were started.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import translation
from django.utils.translation import trans_real

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

# %(name)s / %(n)d / %(seconds).1f / %s / %%, str.format fields, and HTML tags.
PLACEHOLDER = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]"
    r"|\{\w*\}"
    r"|<[^>]+>"
)


def _catalog() -> Catalog:
    with PO_FILE.open("rb") as handle:
        return read_po(handle, locale="zh_Hans")


def _messages() -> list[Message]:
    return [message for message in _catalog() if message.id]


def _ids(message: Message) -> tuple[str, ...]:
    ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
    return tuple(str(i) for i in ids)


def _strings(message: Message) -> tuple[str, ...]:
    strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
    return tuple(str(s or "") for s in strings)


# In a message that is not %-formatted ("% of target"), a percent sign is just a sign.
PLAIN_PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs]|\{\w*\}|<[^>]+>")


def _placeholders(text: str, *, python_format: bool = True) -> Counter[str]:
    pattern = PLACEHOLDER if python_format else PLAIN_PLACEHOLDER
    return Counter(pattern.findall(text))


def _reset_django_translations() -> None:
    """Forget loaded catalogues (what Django does itself when a .mo file changes)."""
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()


@pytest.fixture(scope="session")
def compiled_catalog() -> Path:
    """Compile the .po like `pybabel compile --use-fuzzy` when the .mo is missing or stale."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        catalog = _catalog()
        # Write beside the target, then rename: parallel runs never see half a file.
        fd, tmp = tempfile.mkstemp(dir=LC_MESSAGES, prefix=".django-", suffix=".mo")
        try:
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog, use_fuzzy=True)
            os.chmod(tmp, 0o644)
            os.replace(tmp, MO_FILE)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        _reset_django_translations()
    return MO_FILE


def test_the_catalogue_declares_chinese_with_one_plural_form():
    catalog = _catalog()
    assert catalog.num_plurals == 1
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    assert not catalog.fuzzy
    assert len(_messages()) > 100


def test_every_message_is_translated_and_none_is_fuzzy():
    untranslated = [m.id for m in _messages() if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in _messages() if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_every_plural_message_has_exactly_one_form():
    for message in _messages():
        if message.pluralizable:
            assert len(_strings(message)) == 1, message.id


def test_translations_keep_the_placeholders_of_their_source():
    mismatches = []
    for message in _messages():
        formatted = message.python_format
        wanted = [_placeholders(source, python_format=formatted) for source in _ids(message)]
        for string in _strings(message):
            if _placeholders(string, python_format=formatted) not in wanted:
                mismatches.append((message.id, string))
    assert mismatches == []


def test_python_format_translations_can_be_filled_in():
    """Every %(name)x placeholder is fed a value of the right type without error."""
    for message in _messages():
        names = {
            match.group(1): match.group(2)
            for source in _ids(message)
            for match in re.finditer(r"%\(([^)]+)\)[-#0 +]*\d*(?:\.\d+)?([a-zA-Z])", source)
        }
        if not names:
            continue
        values = {name: 1 if kind in "diouxXeEfFgG" else "x" for name, kind in names.items()}
        for string in _strings(message):
            string % values  # raises on a broken or unknown placeholder


@pytest.mark.django_db
def test_the_login_page_is_chinese_for_a_chinese_browser(client, compiled_catalog):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "用户名" in page
    assert "Log in" not in page


@pytest.mark.django_db
def test_the_login_page_stays_english_for_an_english_browser(client, compiled_catalog):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Log in" in page
    assert "登录" not in page


def test_key_domain_terms(compiled_catalog):
    with translation.override("zh-hans"):
        assert translation.gettext("Approve") == "审核通过"
        assert translation.gettext("Save as draft") == "保存草稿"
        assert translation.gettext("Overdue") == "逾期"
        assert translation.gettext("Late") == "迟报"
        assert translation.gettext("Official") == "主管部门人员"
        assert translation.gettext("Park manager") == "园区管理员"
