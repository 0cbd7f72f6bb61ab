"""The columns of each import, known by their header in either language, and how a cell
becomes a value.

A header matches a column by its key (``uscc``, ``is_key``: the English header, as API.md
lists them), its Chinese header (统一社会信用代码) or an alias, after normalising (NFKC, so
full-width letters and brackets count; case, spaces, ``_`` and ``-`` ignored; a trailing
``*`` ignored; "统一社会信用代码 (uscc)" matches by either part). A header that matches no
column, a repeated one, and a missing key column (USCC, park code) are refused before any
row is read; other columns may be left out of an update, and a new row without a column it
needs is refused.

Cells: text is trimmed; codes may be typed as numbers (310115); yes/no takes ``true``/
``false``, ``1``/``0``, ``是``/``否``, ``yes``/``no`` or a TRUE/FALSE cell, and a blank cell means
no; dates take a date cell or text with the year first (``2024-01-05``, ``2024/1/5``,
``2024.1.5``, ``2024年1月5日``: what Chinese Excel writes into a CSV), while text with the day
or month first (``5/1/2024``, ``05.01.2024``), other text and bare numbers (a date's serial
number once its cell lost the date format) are refused, since their reading depends on the
writer's locale; a USCC stored as a number is refused, because Excel has already rounded it
to 15 digits. A blank cell in an optional column (park, dates, English name, e-mail)
clears that field of an existing row.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .reader import ImportFileError, Sheet, is_blank

_SPACES = re.compile(r"[\s_\-]+")
_BRACKETED = re.compile(r"^(.*?)\s*[(\[]([^)\]]*)[)\]]\s*$")
_SCIENTIFIC = re.compile(r"^[0-9]+(?:\.[0-9]+)?e\+?[0-9]+$", re.IGNORECASE)
# Year first, then month and day: 2024-01-05, 2024-1-5, 2024/1/5, 2024.1.5, 2024年1月5日
# (what Chinese Excel writes into a CSV). Day-or-month-first text (5/1/2024) is ambiguous.
_YEAR_FIRST = re.compile(r"^([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?$")
_LIST_SEPARATORS = re.compile(r"[,，、;；\n\r]+")
_TRUE = {"true", "1", "是", "yes", "y", "√", "✓"}
_FALSE = {"false", "0", "否", "no", "n", "×", "✗"}


class CellError(ValueError):
    """A cell's value cannot be used; the message names what to enter. (A ValueError, so
    that django-import-export reports it against the cell's column.)"""


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    label: str | Promise
    # The header must be there (the row's key).
    required: bool = False
    hint: str | Promise = ""
    aliases: tuple[str, ...] = ()
    # Shown in templates for orientation, read and ignored on import.
    info: bool = False
    # A new row needs a value here (an update may leave the column out).
    needed: bool = False

    def names(self) -> set[str]:
        return {header_key(name) for name in (self.key, self.zh, *self.aliases)}


@dataclass(frozen=True)
class RowError:
    """One problem: the data row (from 1; 0 for the sheet as a whole), the column key
    ("" for the row as a whole) and the message; ``sheet`` names a second sheet."""

    row: int
    field: str
    message: str
    sheet: str = ""
    value: str = ""

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"row": self.row, "field": self.field, "message": self.message}
        if self.sheet:
            data["sheet"] = self.sheet
        return data


@dataclass(frozen=True)
class Record:
    """One data row: its number and its values by column key (only the columns present)."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)


def header_key(text: str) -> str:
    normal = unicodedata.normalize("NFKC", str(text)).strip().rstrip("*").strip().lower()
    return _SPACES.sub(" ", normal).strip()


def _header_candidates(text: str) -> list[str]:
    whole = header_key(text)
    match = _BRACKETED.match(unicodedata.normalize("NFKC", str(text)).strip().rstrip("*"))
    if not match:
        return [whole]
    return [whole, header_key(match.group(1)), header_key(match.group(2))]


def header_label(column: Column, language: str) -> str:
    """The header a template writes: Chinese for Chinese users, the key otherwise."""
    return column.zh if language.lower().startswith("zh") else column.key


def columns_map(sheet: Sheet, columns: Sequence[Column]) -> list[str | None]:
    """Each of the sheet's columns → a column key (None: a blank header over blank cells)."""
    names = {name: column.key for column in columns for name in column.names()}
    keys: list[str | None] = []
    unknown: list[str] = []
    repeated: list[str] = []
    for index, header in enumerate(sheet.headers):
        if not header.strip():
            _headerless_check(sheet, index)
            keys.append(None)
            continue
        key = next((names[c] for c in _header_candidates(header) if c in names), None)
        if key is None:
            unknown.append(header)
        elif key in keys:
            repeated.append(header)
        keys.append(key)
    _headers_check(sheet, columns, keys, unknown, repeated)
    _headerless_check(sheet, len(sheet.headers))
    return keys


def _headerless_check(sheet: Sheet, index: int) -> None:
    """No value in the column ``index`` (beyond the last header: in any column after it)."""
    beyond = index >= len(sheet.headers)
    for _number, values in sheet.rows:
        cells = values[index:] if beyond else values[index : index + 1]
        for offset, value in enumerate(cells):
            if not is_blank(value):
                raise ImportFileError(
                    _("Column %(column)s of the sheet “%(sheet)s” has values but no header.")
                    % {"column": column_letter(index + offset), "sheet": sheet.title}
                )


def _headers_check(
    sheet: Sheet,
    columns: Sequence[Column],
    keys: list[str | None],
    unknown: list[str],
    repeated: list[str],
) -> None:
    expected = "、".join(f"{c.zh} ({c.key})" for c in columns)
    if unknown:
        raise ImportFileError(
            _(
                "The sheet “%(sheet)s” has columns this import does not know: %(headers)s. "
                "The columns are: %(expected)s. Download the template to see them."
            )
            % {"sheet": sheet.title, "headers": "、".join(unknown), "expected": expected}
        )
    if repeated:
        raise ImportFileError(
            _("The sheet “%(sheet)s” has the column %(headers)s twice.")
            % {"sheet": sheet.title, "headers": "、".join(repeated)}
        )
    missing = [c for c in columns if c.required and c.key not in keys]
    if missing:
        raise ImportFileError(
            _(
                "The sheet “%(sheet)s” has no column %(headers)s (the first row must hold the "
                "headers). Download the template to see the columns."
            )
            % {
                "sheet": sheet.title,
                "headers": "、".join(f"{c.zh} ({c.key})" for c in missing),
            }
        )


def records(sheet: Sheet, keys: list[str | None]) -> list[Record]:
    out: list[Record] = []
    for number, values in sheet.rows:
        row = {
            key: (values[index] if index < len(values) else None)
            for index, key in enumerate(keys)
            if key is not None
        }
        out.append(Record(row=number, values=row))
    return out


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# --- cells ------------------------------------------------------------------------------


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


def text_value(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, dt.date | dt.datetime | dt.time):
        raise CellError(_("Enter text here, not a date."))
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def code_value(raw: Any) -> str:
    """A code (district, park, segment): text, or a whole number typed without quotes."""
    if isinstance(raw, bool):
        raise CellError(_("Enter a code here, not TRUE/FALSE."))
    return _nfkc(text_value(raw))


def yes_no_value(raw: Any) -> bool:
    if is_blank(raw):
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float) and raw in (0, 1):
        return bool(raw)
    text = _nfkc(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(
        _("“%(value)s” is not yes or no: enter 是/否, true/false or 1/0.") % {"value": _cut(raw)}
    )


def date_value(raw: Any) -> dt.date | None:
    if is_blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise CellError(
            _("%(value)s is a number, not a date: format the cell as a date or enter YYYY-MM-DD.")
            % {"value": _cut(raw)}
        )
    match = _YEAR_FIRST.match(_nfkc(raw))
    if match:
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise CellError(
        _(
            "“%(value)s” is not a date this import can read: enter a date cell, or the date "
            "year first as YYYY-MM-DD (for example 2024-01-05)."
        )
        % {"value": _cut(raw)}
    )


def uscc_value(raw: Any) -> str:
    """The code as text; a number (or a number's scientific notation in a CSV) is refused."""
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raise _uscc_as_number(raw)
    text = re.sub(r"\s+", "", _nfkc(text_value(raw))).upper()
    if _SCIENTIFIC.match(text):
        raise _uscc_as_number(raw)
    return text


def _uscc_as_number(raw: Any) -> CellError:
    return CellError(
        _(
            "The code %(value)s was stored as a number, so Excel has already changed its "
            "digits and it cannot be trusted. Format the column as Text, type or paste the "
            "codes again, and upload the file again."
        )
        % {"value": _cut(raw)}
    )


def list_value(raw: Any) -> list[str]:
    """Several values in one cell, separated by commas, 、 or semicolons (or lines)."""
    if is_blank(raw):
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(text_value(raw)) if part.strip()]


def display(raw: Any) -> str:
    """A cell as the error report shows it."""
    if raw is None:
        return ""
    if isinstance(raw, dt.datetime) and raw.time() == dt.time(0):
        return raw.date().isoformat()
    if isinstance(raw, dt.date):
        return raw.isoformat()
    return _cut(raw, 200)


def _cut(raw: Any, length: int = 60) -> str:
    text = str(raw)
    return text if len(text) <= length else text[: length - 1] + "…"


# --- the columns of each import -----------------------------------------------------------

_YES_NO = gettext_lazy("是/否, true/false or 1/0; blank means no")
_DATE = gettext_lazy("a date cell or YYYY-MM-DD (year first)")

ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column(
        "uscc",
        "统一社会信用代码",
        gettext_lazy("Unified social credit code"),
        required=True,
        hint=gettext_lazy("18 characters, as text (format the column as Text)"),
        aliases=("unified social credit code", "信用代码", "社会信用代码"),
    ),
    Column(
        "name",
        "名称",
        gettext_lazy("Name"),
        needed=True,
        aliases=("企业名称", "enterprise name"),
    ),
    Column(
        "district",
        "区",
        gettext_lazy("District"),
        needed=True,
        hint=gettext_lazy("district code, e.g. 310115 (see the sheet of districts)"),
        aliases=("所在区", "区代码"),
    ),
    Column(
        "park",
        "园区",
        gettext_lazy("Park"),
        hint=gettext_lazy("park code (see the sheet of parks); blank for none"),
        aliases=("园区代码", "所在园区"),
    ),
    Column(
        "segment",
        "细分领域",
        gettext_lazy("Segment"),
        needed=True,
        hint=gettext_lazy("segment code, e.g. chemical (see the sheet of segments)"),
        aliases=("领域", "industry segment"),
    ),
    Column("is_key", "重点企业", gettext_lazy("Key enterprise"), hint=_YES_NO),
    Column(
        "above_scale",
        "规上企业",
        gettext_lazy("Above designated size"),
        hint=_YES_NO,
        aliases=("above designated size",),
    ),
    Column("active_from", "启用日期", gettext_lazy("Active from"), hint=_DATE),
    Column("name_en", "英文名称", gettext_lazy("English name"), aliases=("english name",)),
    Column(
        "active_until",
        "停用日期",
        gettext_lazy("Active until"),
        hint=gettext_lazy("a date cell or YYYY-MM-DD; blank while active"),
    ),
    Column(
        "contact_email",
        "联系邮箱",
        gettext_lazy("Contact e-mail"),
        aliases=("email", "邮箱", "contact e-mail"),
    ),
)

PARK_COLUMNS: tuple[Column, ...] = (
    Column(
        "code",
        "园区代码",
        gettext_lazy("Code"),
        required=True,
        hint=gettext_lazy("1-30 letters, digits, - or _; never changes"),
        aliases=("代码", "park code"),
    ),
    Column(
        "name",
        "名称",
        gettext_lazy("Name (Chinese)"),
        needed=True,
        aliases=("园区名称", "中文名称", "name zh"),
    ),
    Column("name_en", "英文名称", gettext_lazy("Name (English)"), aliases=("english name",)),
    Column(
        "district",
        "区",
        gettext_lazy("District"),
        needed=True,
        hint=gettext_lazy("district code, e.g. 310115 (see the sheet of districts)"),
        aliases=("所在区", "区代码"),
    ),
)

_ENTERPRISE = {c.key: c for c in ENTERPRISE_COLUMNS}

PROVIDER_COLUMNS: tuple[Column, ...] = (
    _ENTERPRISE["uscc"],
    Column(
        "name",
        "名称",
        gettext_lazy("Name"),
        needed=True,
        aliases=("服务商名称", "provider name"),
    ),
    _ENTERPRISE["district"],
    Column(
        "services",
        "服务内容",
        gettext_lazy("Services offered"),
        hint=gettext_lazy("separated by 、 or commas, e.g. MES、云平台"),
        aliases=("提供的服务", "服务", "services offered"),
    ),
    Column(
        "enterprises",
        "服务企业",
        gettext_lazy("Enterprises served"),
        hint=gettext_lazy("their unified social credit codes, separated by commas"),
        aliases=("服务的企业", "enterprises served"),
    ),
)


# The data sheet of each file, by its Chinese and English titles (either is found on
# upload; a template is written with the one of the user's language).
SHEET_TITLES: dict[str, tuple[str, str]] = {
    "enterprises": ("企业", "Enterprises"),
    "parks": ("园区", "Parks"),
    "providers": ("服务商", "Providers"),
    "reports": ("报表", "Reports"),
    "items": ("事项", "Items"),
}


def sheet_titles(kind: str) -> tuple[str, ...]:
    return SHEET_TITLES[kind]


def sheet_title(kind: str, language: str) -> str:
    zh, en = SHEET_TITLES[kind]
    return zh if language.lower().startswith("zh") else en
