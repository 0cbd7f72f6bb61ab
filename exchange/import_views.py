"""The officials' import page, /exchange/imports/: upload → dry run (what would be created
and updated, or every row's errors) → confirm → result; templates and error reports to
download.

The dry run keeps the checked file in the default storage under a generated name; the
confirm form carries a signed token for it (the user's, one hour, once), so the import
that runs is the file that was checked (exchange.import_services).
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from core import policies
from core.views import require
from targets.periods import PeriodError, period_format

from . import import_services
from .import_resources import Outcome
from .importing.downloads import (
    column_labels,
    errors_workbook,
    report_periods,
    template_period,
    template_response,
    xlsx_response,
)
from .importing.reader import ImportFileError, max_bytes, max_rows

KIND_CHOICES = [
    ("enterprises", gettext_lazy("Enterprises")),
    ("parks", gettext_lazy("Parks")),
    ("providers", gettext_lazy("Service providers")),
    ("reports", gettext_lazy("Quarterly reports (historical or offline)")),
]
ERRORS_SHOWN = 500


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(".xlsx, or CSV in UTF-8 or GBK"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.csv", "data-testid": "import-file"}
        ),
    )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("form", ImportForm(initial={"kind": request.GET.get("kind")}))
    context.update(
        kinds=KIND_CHOICES,
        periods=[period_format(p) for p in report_periods()],
        max_bytes=max_bytes(),
        max_rows=max_rows(),
    )
    status = 400 if context.get("file_error") else 200
    return render(request, "exchange/imports.html", context, status=status)


@require(policies.can_import)
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: the dry run of the file uploaded."""
    if request.method != "POST":
        return _page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form=form)
    kind = form.cleaned_data["kind"]
    upload = form.cleaned_data["file"]
    user = _user(request)
    try:
        data = import_services.upload_read(upload)
        outcome = import_services.records_import(
            kind=kind, data=data, name=upload.name or "", by=user, dry_run=True
        )
    except ImportFileError as error:
        return _page(request, form=form, kind=kind, file_error=error.message)
    token = ""
    if outcome.ok:
        token = import_services.pending_keep(kind=kind, name=upload.name or "", data=data, by=user)
    return _page(request, **_outcome_context(outcome, kind=kind, user=user), token=token)


@require(policies.can_import)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Import the file of a dry run (its token); nothing is saved when any row fails."""
    user = _user(request)
    try:
        pending = import_services.pending_take(request.POST.get("token", ""), by=user)
        outcome = import_services.records_import(
            kind=pending.kind, data=pending.data, name=pending.name, by=user
        )
    except ImportFileError as error:
        return _page(request, file_error=error.message)
    return _page(request, **_outcome_context(outcome, kind=pending.kind, user=user))


def _outcome_context(outcome: Outcome, *, kind: str, user: User) -> dict[str, Any]:
    labels = column_labels(kind, _language())
    errors_token = ""
    if outcome.errors:
        workbook = errors_workbook(outcome.errors, kind=kind, language=_language())
        errors_token = import_services.errors_keep(workbook=workbook, by=user)
    return {
        "outcome": outcome,
        "kind": kind,
        "kind_label": dict(KIND_CHOICES)[kind],
        "form": ImportForm(initial={"kind": kind}),
        "errors": [
            {"error": error, "label": labels.get(error.field, error.field)}
            for error in outcome.errors[:ERRORS_SHOWN]
        ],
        "errors_more": max(len(outcome.errors) - ERRORS_SHOWN, 0),
        "errors_token": errors_token,
        "labels": labels,
        "created_rows": [_preview(p, labels) for p in outcome.created_rows],
        "updated_rows": [_preview(p, labels) for p in outcome.updated_rows],
        "next_url": _next_url(kind),
    }


def _preview(preview: Any, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "row": preview.row,
        "key": preview.key,
        "name": preview.name,
        "changes": [
            {"label": labels.get(key, key), "old": _shown(old), "new": _shown(new)}
            for key, old, new in preview.changes
        ],
    }


def _shown(value: str) -> str:
    """Yes/no as the user reads it; other values as the file has them."""
    return {"true": _("yes"), "false": _("no")}.get(value, value)


def _next_url(kind: str) -> str:
    if kind == "reports":
        return reverse("reporting:review-queue")
    model = {"enterprises": "enterprise", "parks": "park", "providers": "provider"}[kind]
    app = "parks" if kind == "parks" else "enterprises"
    return reverse(f"admin:{app}_{model}_changelist")


@require(policies.can_import)
@require_GET
def import_errors(request: HttpRequest) -> HttpResponse:
    """The error report of a dry run, as a workbook."""
    try:
        workbook = import_services.errors_read(request.GET.get("t", ""), by=_user(request))
    except ImportFileError as error:
        raise Http404(error.message) from error
    return xlsx_response(workbook, "dx-import-errors.xlsx")


@require(policies.can_import)
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in import_services.KINDS:
        raise Http404(_("No such import."))
    try:
        period = template_period(kind, request.GET.get("period"))
    except PeriodError as error:
        return _page(request, file_error=str(error))
    return template_response(kind, period=period)
