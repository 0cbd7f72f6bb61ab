"""Files for the import tests: workbooks and CSV built in memory, and the upload call."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

ENTERPRISE_ZH = [
    "统一社会信用代码",
    "名称",
    "区",
    "园区",
    "细分领域",
    "重点企业",
    "规上企业",
    "启用日期",
]
ENTERPRISE_EN = [
    "uscc",
    "name",
    "district",
    "park",
    "segment",
    "is_key",
    "above_scale",
    "active_from",
]
XLSX_NAME = "file.xlsx"


def xlsx(
    rows: Sequence[Sequence[Any]],
    *,
    title: str = "企业",
    more: dict[str, Sequence[Sequence[Any]]] | None = None,
    merge: str | None = None,
) -> bytes:
    """A workbook whose first sheet holds ``rows`` (the header first); ``more`` adds
    sheets; ``merge`` merges a range of the first sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    if merge:
        sheet.merge_cells(merge)
    for name, other in (more or {}).items():
        extra = workbook.create_sheet(name)
        for row in other:
            extra.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode(encoding)


def zip_replace(data: bytes, path: str, content: bytes) -> bytes:
    """The same zip with one entry's content replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            body = content if entry.filename == path else source.read(entry.filename)
            target.writestr(entry.filename, body)
    return out.getvalue()


def zip_add(data: bytes, entries: dict[str, bytes]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry.filename))
        for name, body in entries.items():
            target.writestr(name, body)
    return out.getvalue()


def upload(client: Any, kind: str, data: bytes, name: str = XLSX_NAME, **fields: Any) -> Any:
    """POST the file to /api/v1/imports/<kind>/ as multipart ``file`` (``HTTP_*`` keywords
    are headers)."""
    handle = io.BytesIO(data)
    handle.name = name
    headers = {k: v for k, v in fields.items() if k.startswith("HTTP_")}
    form = {k: v for k, v in fields.items() if not k.startswith("HTTP_")}
    return client.post(
        f"/api/v1/imports/{kind}/", {"file": handle, **form}, format="multipart", **headers
    )


def errors_of(response: Any) -> list[tuple[int, str]]:
    return [(e["row"], e["field"]) for e in response.json()["errors"]]
