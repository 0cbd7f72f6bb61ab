"""Browser pages of the programme workbook: ``/exchange/exports/`` (ask for one, follow its
progress, download it) and the Summary as CSV; and every page's table as a download
(``/exchange/tables/<name>.xlsx`` or ``.csv`` with the page's query)."""

from __future__ import annotations

import csv
import os
import tempfile
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import policies
from core.views import require
from parks.selectors import scope_resolve
from targets.periods import PeriodError, period_format, period_parse
from targets.scopes import ScopeError

from . import selectors, services, tables
from .api import export_file_response
from .models import Export
from .tables.output import content_type, csv_lines, xlsx_write
from .workbook.sheets import Context, summary_columns, summary_rows
from .workbook.writer import CSV_BOM, Typed, csv_text


class ExportForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Quarter"))
    scope = forms.ChoiceField(label=gettext_lazy("Scope"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        periods = selectors.export_periods()
        self.period_field.choices = [(period_format(p), period_format(p)) for p in periods]
        self.scope_field.choices = [
            (str(scope), scope.label) for scope in selectors.export_scopes(user=user)
        ]
        if periods:
            self.fields["period"].initial = period_format(periods[0])
        self.fields["scope"].initial = str(policies.default_scope(user))

    @property
    def period_field(self) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields["period"])

    @property
    def scope_field(self) -> forms.ChoiceField:
        return cast(forms.ChoiceField, self.fields["scope"])


def _row(export: Export) -> dict[str, Any]:
    table = export.kind == Export.Kind.TABLE
    return {
        "export": export,
        "table": table,
        "title": export.title if table else _("Programme workbook"),
        "period": _period_label(export),
        "scope": _scope_label(export.scope) if export.scope else "",
        "download": reverse("exchange:export-download", args=[export.pk])
        if export.status == Export.Status.DONE and export.file
        else None,
        "filename": selectors.export_filename(export),
        "expired": export.expires_at <= timezone.now(),
    }


def _period_label(export: Export) -> str:
    return period_format(export.period) if export.period is not None else ""


def _scope_label(text: str) -> str:
    try:
        return scope_resolve(text).label
    except ScopeError:
        return text


@require(policies.can_export)
def exports_page(request: HttpRequest) -> HttpResponse:
    """The form, the export being followed (``?export=ID``) and the user's recent ones."""
    user = request.user
    form = ExportForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            export = services.export_request(
                by=user,  # type: ignore[arg-type]
                period=period_parse(form.cleaned_data["period"]),
                scope=form.cleaned_data["scope"],
                language=translation.get_language() or "",
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as error:
            form.add_error("scope", str(error))
        else:
            messages.success(request, _("Your workbook is being built."))
            return redirect(f"{reverse('exchange:exports')}?export={export.pk}")
    current = None
    if request.GET.get("export", "").isdigit():
        found = selectors.export_get(user=user, export_id=int(request.GET["export"]))
        current = _row(found) if found is not None else None
        if found is not None and request.method != "POST" and found.kind != Export.Kind.TABLE:
            # The form offers the same quarter and scope again.
            form.initial.update({"period": _period_label(found), "scope": found.scope})
    context = {
        "form": form,
        "current": current,
        "exports": [_row(export) for export in selectors.export_list(user=user)],
        "has_periods": bool(form.period_field.choices),
        "own_scope": policies.own_scope(user),
        "expiry_days": settings.DX_EXPORT_EXPIRY_DAYS,
    }
    return render(request, "exchange/exports.html", context)


@require(policies.can_export)
def export_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The workbook, for its requester and officials; 404 for anyone else."""
    export = selectors.export_get(user=request.user, export_id=pk)
    if export is None:
        raise Http404
    return export_file_response(export)


@require(policies.can_export)
def summary_csv(request: HttpRequest) -> HttpResponse:
    """The Summary sheet of a quarter and scope as CSV (UTF-8 with a BOM, so that Excel
    shows Chinese; formula-like texts start with an apostrophe)."""
    user = request.user
    periods = selectors.export_periods()
    try:
        period = period_parse(request.GET["period"]) if request.GET.get("period") else None
        scope = scope_resolve(request.GET.get("scope")) if request.GET.get("scope") else None
    except (PeriodError, ScopeError) as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
    scope = scope or policies.default_scope(user)
    if not policies.scope_allowed(user, scope):
        if policies.is_district_official(user):
            raise PermissionDenied(_("You may only export your own district and its parks."))
        raise PermissionDenied(_("You may only export your own park."))
    if period is None:
        if not periods:
            raise Http404
        period = periods[0]
    if period not in periods:
        raise Http404
    context = Context.load(user=user, period=period, scope=scope, at=timezone.now())  # type: ignore[arg-type]
    filename = f"dx-tracker-summary-{period_format(period)}-{str(scope).replace(':', '-')}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(CSV_BOM)
    writer = csv.writer(response)
    writer.writerow([csv_text(column.header) for column in summary_columns(context)])
    for row in summary_rows(context):
        writer.writerow([_csv_value(value) for value in row])
    return response


def _csv_value(value: Any) -> Any:
    if isinstance(value, Typed):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, str):
        return csv_text(value)
    if hasattr(value, "isoformat"):
        if hasattr(value, "hour"):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            return value.strftime("%Y-%m-%d %H:%M")
        return value.isoformat()
    return value


@require(policies.can_export)
def table_download(request: HttpRequest, name: str, file_format: str) -> HttpResponseBase:
    """A page's table (``exchange.tables``) with the page's query, in the request's language.

    Up to ``DX_SYNC_DOWNLOAD_MAX_ROWS`` rows (``Table.cost``: a review queue row weighs
    five) it is answered at once: the .xlsx written to a temporary file and sent from it
    (a zip cannot be sent before it is complete), the CSV sent line by line as the rows are
    read. Above that, the export job builds it and the answer redirects to the exports page
    following it. The table checks the page's access rules itself: 403 for a role that may
    not open the page, 404 for rows the user may not see."""
    user = request.user
    language = getattr(request, "LANGUAGE_CODE", "") or translation.get_language() or ""
    params = tables.params_clean(request.GET)
    table = tables.table_build(name, user=user, params=params, language=language)
    if table.cost > settings.DX_SYNC_DOWNLOAD_MAX_ROWS:
        export = services.table_export_request(
            by=user,  # type: ignore[arg-type]
            table=table,
            params=params,
            file_format=file_format,
        )
        messages.info(
            request,
            _(
                "The table has %(rows)s rows: it is being prepared in the background and can be "
                "downloaded here when it is ready."
            )
            % {"rows": f"{table.count:,}"},
        )
        return redirect(f"{reverse('exchange:exports')}?export={export.pk}")
    filename = f"{table.filename}.{file_format}"
    response: HttpResponseBase
    if file_format == Export.Format.CSV:
        response = StreamingHttpResponse(csv_lines(table), content_type=content_type("csv"))
        response["Content-Disposition"] = content_disposition_header(True, filename) or ""
    else:
        handle, path = tempfile.mkstemp(prefix="dx-table-", suffix=".xlsx")
        os.close(handle)
        try:
            xlsx_write(table, path, user=user)
            # Sent from the open file, which is gone from the disk once closed.
            stream = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
        finally:
            os.unlink(path)
        response = FileResponse(
            stream, as_attachment=True, filename=filename, content_type=content_type("xlsx")
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
