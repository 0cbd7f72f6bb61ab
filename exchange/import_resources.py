"""django-import-export Resources for enterprises, parks and providers, written through
the services, and the file formats the admin offers.

django-import-export drives the rows: it finds the existing row by its key (USCC or park
code), turns each cell into a value with a widget (a cell it cannot use becomes an error
against that column), runs the import in a transaction and rolls a dry run back. The
Resources change three things:

- every row is saved by the app's service (``enterprise_create``/``enterprise_update``,
  ``park_create``/``park_update``, ``provider_create``/``provider_update``) with the
  uploader as ``by``, never by ``Model.save``; a service's ValidationError becomes that
  row's errors, by column;
- the whole import runs in one transaction inside ``recompute_batched`` and is rolled
  back when any row is invalid (or for a dry run): nothing is saved half-way, and an
  import that moves figures records its recompute requests for one rollup;
- the file is read by ``exchange.importing.reader`` (the safety checks) and its headers
  matched in either language (``exchange.importing.columns``) before any row is imported.

Only the columns present in the file are written: an update leaves the other fields as
they are. A row identical to what is stored is skipped ("unchanged").
"""

from __future__ import annotations

import copy
import logging
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, tmp_storages, widgets
from import_export.formats import base_formats
from import_export.instance_loaders import ModelInstanceLoader
from import_export.results import Error, Result, RowResult

from enterprises import services as enterprise_services
from enterprises.models import Enterprise, Provider
from enterprises.uscc import uscc_normalise
from parks import services as park_services
from parks.models import Park
from targets.changes import recompute_batched
from targets.models import District, Segment

from .importing.columns import (
    ENTERPRISE_COLUMNS,
    PARK_COLUMNS,
    PROVIDER_COLUMNS,
    CellError,
    Column,
    RowError,
    code_value,
    columns_map,
    date_value,
    display,
    list_value,
    records,
    text_value,
    uscc_value,
    yes_no_value,
)
from .importing.reader import ImportFileError, Sheet, read_upload

logger = logging.getLogger(__name__)
PREVIEW_ROWS = 10


# --- widgets: a cell → a value (CellError is a ValueError: an error against the column) --


class CellWidget(widgets.Widget):
    """Parses a cell with one of ``exchange.importing.columns``' functions."""

    def __init__(self, parse: Callable[[Any], Any], render: Callable[[Any], str] = str) -> None:
        super().__init__(coerce_to_string=True)
        self.parse = parse
        self.show = render

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return self.parse(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.show(value)


def _yes_no_render(value: Any) -> str:
    return "true" if value else "false"


def _date_render(value: Any) -> str:
    return str(value.isoformat())


def _list_render(value: Any) -> str:
    return "、".join(str(v) for v in value or [])


def _required_text(value: Any) -> str:
    return text_value(value)


def _required(parse: Callable[[Any], str]) -> Callable[[Any], str]:
    def parse_required(value: Any) -> str:
        text = parse(value)
        if not text:
            raise CellError(_("This column is required."))
        return text

    return parse_required


class CodeWidget(widgets.Widget):
    """A district, park or segment by its code (case ignored), read once per import."""

    def __init__(
        self, model: type[models.Model], *, unknown: str | Promise, required: bool
    ) -> None:
        super().__init__(coerce_to_string=True)
        self.model = model
        self.unknown = unknown
        self.required = required
        self._by_code: dict[str, Any] | None = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        code = code_value(value)
        if not code:
            if self.required:
                raise CellError(_("This column is required: enter a code."))
            return None
        if self._by_code is None:
            everything = self.model._default_manager.all()
            self._by_code = {str(getattr(o, "code", "")).lower(): o for o in everything}
        found = self._by_code.get(code.lower())
        if found is None:
            raise CellError(str(self.unknown) % {"code": code})
        return found

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value.code)


def _district_widget() -> CodeWidget:
    return CodeWidget(
        District,
        unknown=gettext_lazy("No district has the code “%(code)s” (see the sheet of districts)."),
        required=True,
    )


def _field(
    column: Column, widget: widgets.Widget, attribute: str | None = None, **kwargs: Any
) -> fields.Field:
    return fields.Field(
        attribute=attribute or column.key, column_name=column.key, widget=widget, **kwargs
    )


class _KeyLoader(ModelInstanceLoader):
    """Reads every existing row named in the file with one query; a key cell that cannot be
    used (a USCC stored as a number) finds nothing here and is reported by its widget."""

    def __init__(self, resource: Any, dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        key = resource.get_import_id_fields()[0]
        self.key_field = resource.fields[key]
        keys = set()
        if dataset is not None and key in (dataset.headers or []):
            for value in dataset.get_col(dataset.headers.index(key)):
                try:
                    keys.add(self.key_field.widget.clean(value))
                except ValueError:
                    continue
        query = {f"{self.key_field.attribute}__in": keys}
        self.existing = {
            getattr(obj, self.key_field.attribute): obj
            for obj in resource.get_queryset().filter(**query)
        }

    def get_instance(self, row: Any) -> Any:
        try:
            return self.existing.get(self.key_field.widget.clean(row[self.key_field.column_name]))
        except ValueError:
            return None


# --- the outcome of one import ------------------------------------------------------------


@dataclass
class Preview:
    """A row created or updated, for the dry run's preview."""

    row: int
    key: str
    name: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    """What an import did (or, for a dry run, would do). ``errors`` non-empty: nothing
    was saved."""

    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    created_rows: list[Preview] = field(default_factory=list)
    updated_rows: list[Preview] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        """API.md: ``created``/``updated`` count what was saved (with ``dry_run``, what
        would be); with errors nothing is, and both are 0."""
        return {
            "created": self.created if self.ok else 0,
            "updated": self.updated if self.ok else 0,
            "unchanged": self.unchanged if self.ok else 0,
            "skipped": self.skipped if self.ok else 0,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "errors": [error.as_json() for error in self.errors],
        }


# --- the resources ------------------------------------------------------------------------


class ServiceResource(resources.ModelResource):
    """A ModelResource whose rows are written by the app's services (see the module)."""

    columns: ClassVar[tuple[Column, ...]] = ()
    kind: ClassVar[str] = ""
    # The service's error keys that are not the column keys.
    error_fields: ClassVar[dict[str, str]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.user: Any = None
        self.present: set[str] = set()
        self.seen: dict[str, int] = {}
        self.row_numbers: list[int] = []
        self.created_rows: list[Preview] = []
        self.updated_rows: list[Preview] = []

    # -- the file --

    def dataset_prepare(self, dataset: tablib.Dataset) -> tablib.Dataset:
        """A dataset with this import's column keys as headers, from a sheet read by
        ``exchange.importing.reader`` (``dataset.dx_sheet``) or a dataset already keyed."""
        sheet: Sheet | None = getattr(dataset, "dx_sheet", None)
        if sheet is None:
            if getattr(dataset, "dx_rows", None) is not None:
                return dataset
            sheet = Sheet(
                title="",
                headers=[str(h or "") for h in dataset.headers or []],
                rows=[(n, list(row)) for n, row in enumerate(dataset, 1)],
            )
        return keyed_dataset(sheet, self.columns)

    # -- the import --

    def import_data(
        self,
        dataset: tablib.Dataset,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = False,
        **kwargs: Any,
    ) -> Result:
        """One transaction, rolled back for a dry run or when any row fails; recompute
        requests recorded for one rollup."""
        try:
            dataset = self.dataset_prepare(dataset)
        except ImportFileError as error:
            result = self.get_result_class()()
            result.append_base_error(Error(error))
            return result
        self.row_numbers = list(getattr(dataset, "dx_rows", []))
        with transaction.atomic():
            with recompute_batched():
                result = super().import_data(
                    dataset,
                    dry_run=dry_run,
                    raise_errors=raise_errors,
                    use_transactions=True,
                    collect_failed_rows=collect_failed_rows,
                    rollback_on_validation_errors=True,
                    **kwargs,
                )
            if dry_run or result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        self._numbers_restore(result)
        return result

    def _numbers_restore(self, result: Result) -> None:
        """Number the rows as the file does (blank rows were left out of the dataset)."""
        for row in [*result.invalid_rows, *result.error_rows]:
            row.number = self.file_row(row.number)

    def file_row(self, number: int) -> int:
        if 0 < number <= len(self.row_numbers):
            return self.row_numbers[number - 1]
        return number

    def before_import(self, dataset: tablib.Dataset, **kwargs: Any) -> None:
        self.user = kwargs.get("user")
        self.present = {h for h in dataset.headers or [] if h in self.fields}
        self.seen = {}

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        """The same key twice in one file: the second row is refused."""
        key_name = self.get_import_id_fields()[0]
        try:
            key = self.fields[key_name].widget.clean(row.get(key_name))
        except ValueError:
            return
        if not key:
            return
        number = self.file_row(kwargs.get("row_number", 0))
        first = self.seen.setdefault(key, number)
        if first != number:
            raise DjangoValidationError(
                {key_name: _("%(key)s is also in row %(row)d.") % {"key": key, "row": first}}
            )

    def after_init_instance(self, instance: Any, new: bool, row: Any, **kwargs: Any) -> None:
        instance._dx_before = None if new else copy.deepcopy(instance)

    def skip_row(
        self,
        instance: Any,
        original: Any,
        row: Any,
        import_validation_errors: Any = None,
    ) -> bool:
        before = getattr(instance, "_dx_before", None)
        if before is None or import_validation_errors:
            return False
        instance._dx_changes = self.changes(instance, before, row)
        return not instance._dx_changes

    def changes(self, instance: Any, before: Any, row: Any) -> list[tuple[str, str, str]]:
        """The columns whose value the row changes: (column, old, new) as exported."""
        out = []
        for key in sorted(self.present, key=self._order):
            if key in self.get_import_id_fields():
                continue
            field_ = self.fields[key]
            if isinstance(field_.widget, widgets.ManyToManyWidget):
                continue
            old, new = field_.export(before), field_.export(instance)
            if old != new:
                out.append((key, old, new))
        return out

    def _order(self, key: str) -> int:
        keys = [c.key for c in self.columns]
        return keys.index(key) if key in keys else len(keys)

    def save_instance(self, instance: Any, is_create: bool, row: Any, **kwargs: Any) -> None:
        before = getattr(instance, "_dx_before", None)
        missing = [c for c in self.columns if c.needed and c.key not in self.present]
        if before is None and missing:
            raise DjangoValidationError(
                _("This row is new, and a new row needs the columns %(columns)s.")
                % {"columns": "、".join(f"{c.zh} ({c.key})" for c in missing)}
            )
        try:
            saved = self.service_save(instance, before=before, row=row)
        except DjangoValidationError as error:
            raise self._error_keyed(error) from error
        instance.pk = saved.pk
        self._preview(instance, before, kwargs.get("row_number", 0))

    def save_m2m(self, instance: Any, row: Any, **kwargs: Any) -> None:
        """The services write the many-to-many fields."""

    def service_save(self, instance: Any, *, before: Any, row: Any) -> Any:
        raise NotImplementedError

    def given(self, *keys: str) -> list[str]:
        return [key for key in keys if key in self.present]

    def _error_keyed(self, error: DjangoValidationError) -> DjangoValidationError:
        if not hasattr(error, "error_dict"):
            return error
        keyed: dict[str, list[str]] = {}
        for name, messages in error.message_dict.items():
            key = "" if name == NON_FIELD_ERRORS else self.error_fields.get(name, name)
            keyed.setdefault(key or NON_FIELD_ERRORS, []).extend(messages)
        return DjangoValidationError(keyed)

    def _preview(self, instance: Any, before: Any, number: int) -> None:
        target = self.created_rows if before is None else self.updated_rows
        if len(target) >= PREVIEW_ROWS:
            return
        key = self.get_import_id_fields()[0]
        target.append(
            Preview(
                row=self.file_row(number),
                key=str(getattr(instance, self.fields[key].attribute)),
                name=str(instance),
                changes=list(getattr(instance, "_dx_changes", [])),
            )
        )

    # -- the outcome --

    def outcome(self, result: Result, *, dry_run: bool, rows: int) -> Outcome:
        totals = result.totals
        return Outcome(
            kind=self.kind,
            dry_run=dry_run,
            rows=rows,
            created=totals.get(RowResult.IMPORT_TYPE_NEW, 0),
            updated=totals.get(RowResult.IMPORT_TYPE_UPDATE, 0),
            unchanged=totals.get(RowResult.IMPORT_TYPE_SKIP, 0),
            errors=self.row_errors(result),
            created_rows=self.created_rows,
            updated_rows=self.updated_rows,
        )

    def row_errors(self, result: Result) -> list[RowError]:
        errors: list[RowError] = []
        for base in result.base_errors:
            errors.append(RowError(row=0, field="", message=_error_message(base.error)))
        headers = list(result.diff_headers)
        for invalid in result.invalid_rows:
            for name, messages in invalid.error_dict.items():
                key = "" if name == NON_FIELD_ERRORS else name
                raw = invalid.values[headers.index(key)] if key in headers else None
                value = "" if raw == "---" else display(raw)
                errors.extend(
                    RowError(row=invalid.number, field=key, message=str(m), value=value)
                    for m in messages
                )
        for error_row in result.error_rows:
            for error in error_row.errors:
                errors.append(
                    RowError(row=error_row.number, field="", message=_error_message(error.error))
                )
        return sorted(errors, key=lambda e: (e.row, self._order(e.field)))


def _error_message(error: BaseException) -> str:
    if isinstance(error, ImportFileError):
        return error.message
    if isinstance(error, DjangoValidationError | PermissionDenied):
        return " ".join(str(m) for m in getattr(error, "messages", [str(error)]))
    logger.error("Import row failed", exc_info=error)
    return _("This row could not be saved (an unexpected error); nothing was imported.")


def keyed_dataset(sheet: Sheet, columns: Sequence[Column]) -> tablib.Dataset:
    """The sheet's rows under the column keys (the headers matched in either language),
    with the file's row numbers in ``dx_rows``."""
    keys = columns_map(sheet, columns)
    present = [c.key for c in columns if c.key in keys and not c.info]
    dataset = tablib.Dataset(headers=present)
    numbers = []
    for record in records(sheet, keys):
        dataset.append([record.values.get(key) for key in present])
        numbers.append(record.row)
    if not numbers:
        raise ImportFileError(
            _("The sheet “%(sheet)s” has headers but no data rows.") % {"sheet": sheet.title}
        )
    dataset.dx_rows = numbers
    return dataset


class EnterpriseResource(ServiceResource):
    """Enterprises by USCC (API.md's columns, plus name_en, active_until, contact_email)."""

    columns = ENTERPRISE_COLUMNS
    kind = "enterprises"
    _c = {c.key: c for c in ENTERPRISE_COLUMNS}

    uscc = _field(_c["uscc"], CellWidget(_required(uscc_value)))
    name = _field(_c["name"], CellWidget(_required_text))
    name_en = _field(_c["name_en"], CellWidget(text_value))
    district = _field(_c["district"], _district_widget())
    park = _field(
        _c["park"],
        CodeWidget(
            Park,
            unknown=gettext_lazy("No park has the code “%(code)s” (see the sheet of parks)."),
            required=False,
        ),
    )
    segment = _field(
        _c["segment"],
        CodeWidget(
            Segment,
            unknown=gettext_lazy("No segment has the code “%(code)s” (see the sheet of segments)."),
            required=True,
        ),
    )
    is_key = _field(_c["is_key"], CellWidget(yes_no_value, _yes_no_render))
    above_scale = _field(_c["above_scale"], CellWidget(yes_no_value, _yes_no_render))
    active_from = _field(_c["active_from"], CellWidget(date_value, _date_render))
    active_until = _field(_c["active_until"], CellWidget(date_value, _date_render))
    contact_email = _field(_c["contact_email"], CellWidget(text_value))

    class Meta:
        model = Enterprise
        fields = tuple(c.key for c in ENTERPRISE_COLUMNS)
        import_id_fields = ("uscc",)
        instance_loader_class = _KeyLoader
        skip_diff = True
        skip_unchanged = True
        use_transactions = True
        clean_model_instances = False

    def service_save(self, instance: Enterprise, *, before: Any, row: Any) -> Enterprise:
        values: dict[str, Any] = {}
        for key in self.given(
            "name", "name_en", "is_key", "above_scale", "active_from", "active_until"
        ):
            values[key] = getattr(instance, key)
        if "contact_email" in self.present:
            values["contact_email"] = instance.contact_email or ""
        for key in self.given("district", "segment", "park"):
            related = getattr(instance, key)
            values[key] = None if related is None else str(related.code)
        if before is None:
            return enterprise_services.enterprise_create(uscc=instance.uscc, by=self.user, **values)
        return enterprise_services.enterprise_update(enterprise=before, by=self.user, **values)


class ParkResource(ServiceResource):
    """Parks by code: code, name (Chinese), name_en, district."""

    columns = PARK_COLUMNS
    kind = "parks"
    error_fields: ClassVar[dict[str, str]] = {"name_zh": "name"}
    _c = {c.key: c for c in PARK_COLUMNS}

    code = _field(_c["code"], CellWidget(_required(code_value)))
    name = _field(_c["name"], CellWidget(_required_text), attribute="name_zh")
    name_en = _field(_c["name_en"], CellWidget(text_value))
    district = _field(_c["district"], _district_widget())

    class Meta:
        model = Park
        fields = ("code", "name", "name_en", "district")
        import_id_fields = ("code",)
        instance_loader_class = _KeyLoader
        skip_diff = True
        skip_unchanged = True
        use_transactions = True
        clean_model_instances = False

    def service_save(self, instance: Park, *, before: Any, row: Any) -> Park:
        if before is None:
            return park_services.park_create(
                code=instance.code,
                name_zh=instance.name_zh,
                name_en=instance.name_en or "",
                district=instance.district,
                by=self.user,
            )
        values: dict[str, Any] = {}
        if "name" in self.present:
            values["name_zh"] = instance.name_zh
        if "name_en" in self.present:
            values["name_en"] = instance.name_en or ""
        if "district" in self.present:
            values["district"] = instance.district
        return park_services.park_update(park=before, by=self.user, **values)


class ProviderResource(ServiceResource):
    """Service providers by USCC: name, district, services, the enterprises they serve."""

    columns = PROVIDER_COLUMNS
    kind = "providers"
    _c = {c.key: c for c in PROVIDER_COLUMNS}

    uscc = _field(_c["uscc"], CellWidget(_required(uscc_value)))
    name = _field(_c["name"], CellWidget(_required_text))
    district = _field(_c["district"], _district_widget())
    services = _field(_c["services"], CellWidget(list_value, _list_render))
    enterprises = _field(
        _c["enterprises"], widgets.ManyToManyWidget(Enterprise, field="uscc", separator=",")
    )

    class Meta:
        model = Provider
        fields = ("uscc", "name", "district", "services", "enterprises")
        import_id_fields = ("uscc",)
        instance_loader_class = _KeyLoader
        skip_diff = True
        skip_unchanged = True
        use_transactions = True
        clean_model_instances = False

    def import_instance(self, instance: Any, row: Any, **kwargs: Any) -> None:
        super().import_instance(instance, row, **kwargs)
        if "enterprises" in row:
            instance._dx_served = sorted(
                {uscc_normalise(code) for code in list_value(row["enterprises"])}
            )

    def changes(self, instance: Any, before: Any, row: Any) -> list[tuple[str, str, str]]:
        out = [c for c in super().changes(instance, before, row) if c[0] != "enterprises"]
        if "enterprises" in self.present:
            old = sorted(before.enterprises.values_list("uscc", flat=True))
            new = getattr(instance, "_dx_served", [])
            if old != new:
                out.append(("enterprises", ",".join(old), ",".join(new)))
        return out

    def service_save(self, instance: Provider, *, before: Any, row: Any) -> Provider:
        values: dict[str, Any] = {}
        if "name" in self.present:
            values["name"] = instance.name
        if "district" in self.present:
            values["district"] = str(instance.district.code)
        if "services" in self.present:
            values["services"] = list(instance.services or [])
        if "enterprises" in self.present:
            values["enterprises"] = list(getattr(instance, "_dx_served", []))
        if before is None:
            return enterprise_services.provider_create(uscc=instance.uscc, by=self.user, **values)
        return enterprise_services.provider_update(provider=before, by=self.user, **values)


RESOURCES: dict[str, type[ServiceResource]] = {
    "enterprises": EnterpriseResource,
    "parks": ParkResource,
    "providers": ProviderResource,
}


# --- the admin's file formats ---------------------------------------------------------------


def _escaped(dataset: tablib.Dataset) -> tablib.Dataset:
    """Text that a spreadsheet would run as a formula (= + - @, tab, CR) gets a leading
    apostrophe."""
    out = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        out.append(
            [
                "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
                for v in row
            ]
        )
    return out


class _SafeRead:
    """Reads through ``exchange.importing.reader`` (every safety check); the Resource
    matches the headers."""

    def create_dataset(self, in_stream: Any, **kwargs: Any) -> tablib.Dataset:
        data = in_stream if isinstance(in_stream, bytes) else str(in_stream).encode("utf-8")
        book = read_upload(data, f"upload.{self.get_extension()}")  # type: ignore[attr-defined]
        sheet = book.sheets[0]
        assert sheet is not None  # noqa: S101 - the first sheet always exists
        width = len(sheet.headers)
        dataset = tablib.Dataset(headers=[h or f"({i + 1})" for i, h in enumerate(sheet.headers)])
        for _number, values in sheet.rows:
            dataset.append((list(values) + [None] * width)[:width])
        dataset.dx_sheet = sheet
        return dataset

    def is_binary(self) -> bool:
        return True

    def get_read_mode(self) -> str:
        return "rb"


class SafeXLSX(_SafeRead, base_formats.XLSX):
    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_escaped(dataset), **kwargs)


class SafeCSV(_SafeRead, base_formats.CSV):
    def export_data(self, dataset: tablib.Dataset, **kwargs: Any) -> Any:
        return super().export_data(_escaped(dataset), **kwargs)


ADMIN_FORMATS: list[type[Any]] = [SafeXLSX, SafeCSV]


class AdminUploadStorage(tmp_storages.BaseStorage):
    """Keeps the admin's upload between its dry run and its confirmation in the default
    storage (which every web process shares), under a generated name."""

    folder = "imports/admin"

    def __init__(self, **kwargs: Any) -> None:
        kwargs["read_mode"] = "rb"
        super().__init__(**kwargs)

    def _path(self) -> str:
        return f"{self.folder}/{os.path.basename(str(getattr(self, 'name', '') or ''))}"

    def save(self, data: bytes) -> None:
        if not getattr(self, "name", None):
            self.name = uuid.uuid4().hex
        default_storage.save(self._path(), ContentFile(data))

    def read(self) -> bytes:
        with default_storage.open(self._path(), "rb") as stream:
            return bytes(stream.read())

    def remove(self) -> None:
        default_storage.delete(self._path())


def admin_error_message(error: Exception) -> str:
    """What the admin's import form shows for a file it cannot read."""
    if isinstance(error, ImportFileError):
        return error.message
    return _("This file is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")
