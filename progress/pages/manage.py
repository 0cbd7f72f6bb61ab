"""Programme management for officials, outside the Django admin: the rollup runs and a full
rebuild, designations (record, correct, revoke, delete) and the targets' milestones.

Every write goes through the services of the app that owns the data
(``enterprises.services``, ``targets.services``, ``progress.services``), which validate,
record who made the change and which figures it moves. A view only checks the form's shape,
calls one service, and redirects with a message, or shows the service's field errors again
(400)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import policies
from core.pagination import page_of
from core.sorting import sort_from
from core.views import require
from enterprises import services as enterprise_services
from enterprises.models import Designation, Provider
from parks.models import Park
from targets import services as target_services
from targets.models import DesignationKind, Milestone, RecomputeRequest, Target
from targets.periods import today

from .. import services
from ..models import RollupRun
from . import allocations
from .common import target_or_404, target_url, targets

RECENT_RUNS = 10
REFRESH_SECONDS = 5
ACTIVE_RUN = (RollupRun.Status.PENDING, RollupRun.Status.RUNNING)
RUN_ICONS = {
    RollupRun.Status.PENDING: "…",
    RollupRun.Status.RUNNING: "⟳",
    RollupRun.Status.DONE: "✓",
    RollupRun.Status.FAILED: "✗",
}
manage_only = require(policies.can_manage_programme)
get_or_post = require_http_methods(["GET", "HEAD", "POST"])


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _errors_onto(
    form: forms.Form, error: ValidationError, rename: dict[str, str] | None = None
) -> None:
    """A service's ValidationError onto the form: each key on the field of that name (or
    the one ``rename`` says), the rest above the form."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.error_dict.items():
        field = (rename or {}).get(key, key)
        for message in ValidationError(errors).messages:
            form.add_error(field if field in form.fields else None, message)


# --- the management page: rollup runs and a full rebuild --------------------------------


def _run_rows(runs: list[RollupRun]) -> list[dict[str, Any]]:
    rows = []
    for run in runs:
        finished = run.finished_at
        duration = (finished - run.started_at) if finished and run.started_at else None
        rows.append(
            {
                "run": run,
                "icon": RUN_ICONS.get(RollupRun.Status(run.status), ""),
                "targets": _("every target")
                if run.targets is None
                else ", ".join(str(code) for code in run.targets),
                "from_period": run.from_period,
                "seconds": duration.total_seconds() if duration is not None else None,
            }
        )
    return rows


@require_safe
@manage_only
def manage_page(request: HttpRequest) -> HttpResponse:
    """The latest rollup runs (refreshing itself while one is pending or running), the
    rebuild button, and the way to the designations and milestones."""
    runs = list(RollupRun.objects.select_related("requested_by")[:RECENT_RUNS])
    waiting = RecomputeRequest.objects.filter(run_id__isnull=True).count()
    busy = waiting > 0 or any(run.status in ACTIVE_RUN for run in runs)
    on = today()
    designations = Designation.objects.aggregate(
        total=Count("pk"),
        in_force=Count("pk", filter=Q(revoked_on__isnull=True) | Q(revoked_on__gt=on)),
    )
    context = {
        "runs": _run_rows(runs),
        "waiting": waiting,
        "refresh": REFRESH_SECONDS if busy else None,
        "designations": designations,
        "target_count": Target.objects.count(),
    }
    return render(request, "progress/manage.html", context)


@require_POST
@manage_only
def rebuild(request: HttpRequest) -> HttpResponse:
    run = services.rollup_request(by=request.user)
    messages.success(
        request,
        _("A full rebuild of every figure was requested (run %(id)s).") % {"id": run.pk},
    )
    return redirect("progress:manage")


# --- designations: the list -------------------------------------------------------------


def _kind_label(kind: DesignationKind) -> str:
    subject = DesignationKind.Subject(kind.subject).label
    return _("%(kind)s (%(subject)s)") % {"kind": kind.name, "subject": subject}


class DesignationFilterForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    subject = forms.CharField(
        label=gettext_lazy("Subject (code or name)"), required=False, max_length=100
    )
    year = forms.TypedChoiceField(
        label=gettext_lazy("Granted in"), required=False, coerce=int, empty_value=None
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[
            ("", gettext_lazy("All")),
            ("current", gettext_lazy("In force")),
            ("revoked", gettext_lazy("Revoked")),
        ],
    )

    def __init__(self, *args: Any, kinds: list[DesignationKind], years: list[int], **kw: Any):
        super().__init__(*args, **kw)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [("", _("All kinds"))] + [(k.code, k.name) for k in kinds]
        year_field = cast(forms.ChoiceField, self.fields["year"])
        year_field.choices = [("", _("Any year"))] + [(str(y), str(y)) for y in years]

    def filter(self, designations: QuerySet[Designation]) -> QuerySet[Designation]:
        if not self.is_valid():
            return designations
        data = self.cleaned_data
        if data["kind"]:
            designations = designations.filter(kind__code=data["kind"])
        if data["subject"]:
            text = data["subject"].strip()
            designations = designations.filter(
                Q(enterprise__uscc__icontains=text)
                | Q(enterprise__name__icontains=text)
                | Q(park__code__icontains=text)
                | Q(park__name_zh__icontains=text)
                | Q(park__name_en__icontains=text)
                | Q(provider__uscc__icontains=text)
                | Q(provider__name__icontains=text)
                | Q(name__icontains=text)
            )
        if data["year"] is not None:
            designations = designations.filter(granted_on__year=data["year"])
        if data["state"] == "current":
            designations = designations.filter(revoked_on__isnull=True)
        elif data["state"] == "revoked":
            designations = designations.filter(revoked_on__isnull=False)
        return designations


DESIGNATION_COLUMNS = {
    "granted": ("granted_on", "id"),
    "revoked": ("revoked_on", "granted_on", "id"),
    "kind": ("kind_id", "granted_on", "id"),
    "name": ("name", "id"),
}


def _designations() -> QuerySet[Designation]:
    return Designation.objects.select_related("kind", "enterprise", "park", "provider")


@require_safe
@manage_only
def designation_list(request: HttpRequest) -> HttpResponse:
    kinds = list(DesignationKind.objects.order_by("id"))
    years = [day.year for day in Designation.objects.dates("granted_on", "year", order="DESC")]
    form = DesignationFilterForm(request.GET or None, kinds=kinds, years=years)
    sort = sort_from(request, DESIGNATION_COLUMNS, default="-granted")
    page = page_of(request, form.filter(_designations()).order_by(*sort.ordering))
    context = {"filter_form": form, "page": page, "rows": list(page.object_list), "sort": sort}
    return render(request, "progress/manage_designations.html", context)


# --- designations: record, correct, revoke, delete --------------------------------------


class DesignationCreateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"))
    enterprise = forms.CharField(
        label=gettext_lazy("Enterprise (USCC)"),
        required=False,
        max_length=18,
        help_text=gettext_lazy("For titles granted to an enterprise."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    park = forms.ChoiceField(
        label=gettext_lazy("Park"),
        required=False,
        help_text=gettext_lazy("For titles granted to a park."),
    )
    provider = forms.CharField(
        label=gettext_lazy("Service provider (USCC)"),
        required=False,
        max_length=18,
        help_text=gettext_lazy("For titles granted to a service provider."),
        widget=forms.TextInput(attrs={"list": "provider-list", "autocomplete": "off"}),
    )
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    reference = forms.CharField(
        label=gettext_lazy("Document reference"), required=False, max_length=200
    )
    granted_on = forms.DateField(label=gettext_lazy("Granted on"), widget=_date_widget())
    revoked_on = forms.DateField(
        label=gettext_lazy("Revoked on"), required=False, widget=_date_widget()
    )

    def __init__(self, *args: Any, kinds: list[DesignationKind], parks: list[Park], **kw: Any):
        super().__init__(*args, **kw)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [("", "—")] + [(k.code, _kind_label(k)) for k in kinds]
        park_field = cast(forms.ChoiceField, self.fields["park"])
        park_field.choices = [("", "—")] + [(p.code, f"{p.name} ({p.code})") for p in parks]


class DesignationCorrectForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), required=False, max_length=200)
    reference = forms.CharField(
        label=gettext_lazy("Document reference"), required=False, max_length=200
    )
    granted_on = forms.DateField(label=gettext_lazy("Granted on"), widget=_date_widget())


class DesignationRevokeForm(forms.Form):
    revoked_on = forms.DateField(label=gettext_lazy("Revoked on"), widget=_date_widget())


def _create_form(request: HttpRequest) -> DesignationCreateForm:
    return DesignationCreateForm(
        request.POST if request.method == "POST" else None,
        kinds=list(DesignationKind.objects.order_by("id")),
        parks=list(Park.objects.order_by("code")),
    )


def _providers() -> list[tuple[str, str]]:
    return list(Provider.objects.order_by("uscc").values_list("uscc", "name"))


@get_or_post
@manage_only
def designation_new(request: HttpRequest) -> HttpResponse:
    form = _create_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            designation = enterprise_services.designation_create(
                kind=data["kind"],
                granted_on=data["granted_on"],
                enterprise=data["enterprise"].strip() or None,
                park=data["park"] or None,
                provider=data["provider"].strip() or None,
                name=data["name"],
                reference=data["reference"],
                revoked_on=data["revoked_on"],
                by=request.user,
            )
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("Designation recorded; the figures are being updated."))
            return redirect("progress:manage-designation", designation.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "providers": _providers()}
    return render(request, "progress/manage_designation_new.html", context, status=status)


def _designation_page(
    request: HttpRequest,
    designation: Designation,
    *,
    correct: DesignationCorrectForm | None = None,
    revoke: DesignationRevokeForm | None = None,
) -> HttpResponse:
    correct = correct or DesignationCorrectForm(
        initial={
            "name": designation.name,
            "reference": designation.reference,
            "granted_on": designation.granted_on,
        }
    )
    revoke = revoke or DesignationRevokeForm(initial={"revoked_on": designation.revoked_on})
    history = list(designation.history.select_related("history_user").order_by("-history_date"))
    context = {
        "designation": designation,
        "kind_label": _kind_label(designation.kind),
        "correct_form": correct,
        "revoke_form": revoke,
        "history": history[:20],
    }
    status = 400 if correct.errors or revoke.errors else 200
    return render(request, "progress/manage_designation.html", context, status=status)


@get_or_post
@manage_only
def designation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The designation, and the correction of its name, reference and date (POST)."""
    designation = get_object_or_404(_designations(), pk=pk)
    if request.method != "POST":
        return _designation_page(request, designation)
    form = DesignationCorrectForm(
        request.POST,
        initial={
            "name": designation.name,
            "reference": designation.reference,
            "granted_on": designation.granted_on,
        },
    )
    if form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing was changed."))
            return redirect("progress:manage-designation", designation.pk)
        data = form.cleaned_data
        try:
            enterprise_services.designation_update(
                designation=designation,
                name=data["name"],
                reference=data["reference"],
                granted_on=data["granted_on"],
                by=request.user,
            )
        except ValidationError as error:
            # A grant date after the revocation is the grant date's fault here.
            _errors_onto(form, error, rename={"revoked_on": "granted_on"})
        else:
            messages.success(request, _("Designation corrected; the figures are being updated."))
            return redirect("progress:manage-designation", designation.pk)
    return _designation_page(request, designation, correct=form)


@require_POST
@manage_only
def designation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke (or change the revocation date); "reinstate" withdraws the revocation."""
    designation = get_object_or_404(_designations(), pk=pk)
    reinstate = request.POST.get("action") == "reinstate"
    form = DesignationRevokeForm(request.POST)
    if reinstate or form.is_valid():
        revoked_on = None if reinstate else form.cleaned_data["revoked_on"]
        try:
            enterprise_services.designation_update(
                designation=designation, revoked_on=revoked_on, by=request.user
            )
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            if reinstate:
                messages.success(request, _("The revocation was withdrawn."))
            else:
                messages.success(
                    request,
                    _("Designation revoked on %(day)s; the figures are being updated.")
                    % {"day": revoked_on},
                )
            return redirect("progress:manage-designation", designation.pk)
    return _designation_page(request, designation, revoke=form)


@get_or_post
@manage_only
def designation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), deletes on the confirmation (POST)."""
    designation = get_object_or_404(_designations(), pk=pk)
    if request.method == "POST":
        enterprise_services.designation_delete(designation=designation, by=request.user)
        messages.success(request, _("The designation was deleted."))
        return redirect("progress:manage-designations")
    context = {"designation": designation, "kind_label": _kind_label(designation.kind)}
    return render(request, "progress/manage_designation_delete.html", context)


# --- milestones -------------------------------------------------------------------------


def _plain(value: Decimal | None) -> str:
    """A stored number as typed: 10, not 10.0000."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class MilestoneForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=_date_widget())
    value = forms.DecimalField(
        label=gettext_lazy("Value"),
        max_digits=20,
        decimal_places=4,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, form_id: str, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.form_id = form_id
        for field in self.fields.values():
            field.widget.attrs["form"] = form_id  # the inputs sit in table cells


def _milestone_form(
    milestone: Milestone | None, data: Any = None, *, prefix: str | None = None
) -> MilestoneForm:
    if milestone is None:
        return MilestoneForm(data, prefix=prefix or "new", form_id="milestone-new")
    return MilestoneForm(
        data,
        prefix=prefix or f"m{milestone.pk}",
        form_id=f"milestone-{milestone.pk}",
        initial={"date": milestone.date, "value": _plain(milestone.value)},
    )


@require_safe
@manage_only
def milestone_targets(request: HttpRequest) -> HttpResponse:
    """Every target with its value, deadline and milestones (two queries)."""
    rows = [
        {"target": target, "url": reverse("progress:manage-milestones", args=[target.code])}
        for target in targets()
    ]
    return render(request, "progress/manage_milestones.html", {"rows": rows})


def _target_page(
    request: HttpRequest,
    target: Target,
    *,
    bound: MilestoneForm | None = None,
    bound_pk: int | None = None,
) -> HttpResponse:
    milestones = list(target.milestones.order_by("date"))
    rows = []
    for milestone in milestones:
        form = bound if bound is not None and bound_pk == milestone.pk else None
        rows.append({"milestone": milestone, "form": form or _milestone_form(milestone)})
    new = bound if bound is not None and bound_pk is None else _milestone_form(None)
    context = {
        "target": target,
        "rows": rows,
        "new_form": new,
        "target_url": target_url(target.code),
    }
    return render(
        request,
        "progress/manage_target_milestones.html",
        context,
        status=400 if bound is not None and bound.errors else 200,
    )


@require_safe
@manage_only
def target_milestones(request: HttpRequest, code: str) -> HttpResponse:
    return _target_page(request, target_or_404(code))


def _milestone_saved(
    request: HttpRequest, target: Target, milestone: Milestone, form: MilestoneForm
) -> HttpResponse:
    """Save through the service, or show its field errors on the row."""
    if form.is_valid():
        milestone.date = form.cleaned_data["date"]
        milestone.value = form.cleaned_data["value"]
        try:
            target_services.milestone_save(milestone=milestone, by=request.user)
        except ValidationError as error:
            _milestone_errors(form, error)
        else:
            messages.success(
                request,
                _("Milestone of %(day)s saved; the target's figures are being updated.")
                % {"day": milestone.date},
            )
            return redirect("progress:manage-milestones", target.code)
    return _target_page(request, target, bound=form, bound_pk=milestone.pk)


def _milestone_errors(form: MilestoneForm, error: ValidationError) -> None:
    """The model's errors on the fields; a second milestone on one date on the date."""
    if hasattr(error, "error_dict") and NON_FIELD_ERRORS in error.error_dict:
        for item in error.error_dict.pop(NON_FIELD_ERRORS):
            if item.code in ("unique", "unique_together"):
                form.add_error("date", _("This target already has a milestone on that date."))
            else:
                form.add_error(None, item.messages[0] if item.messages else str(item))
    if not hasattr(error, "error_dict") or error.error_dict:
        _errors_onto(form, error)


@require_POST
@manage_only
def milestone_new(request: HttpRequest, code: str) -> HttpResponse:
    target = target_or_404(code)
    form = _milestone_form(None, request.POST)
    return _milestone_saved(request, target, Milestone(target=target), form)


@require_POST
@manage_only
def milestone_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    target = target_or_404(code)
    milestone = get_object_or_404(Milestone, pk=pk, target=target)
    form = _milestone_form(milestone, request.POST)
    return _milestone_saved(request, target, milestone, form)


@require_POST
@manage_only
def milestone_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    target = target_or_404(code)
    milestone = get_object_or_404(Milestone, pk=pk, target=target)
    day = milestone.date
    target_services.milestone_delete(milestone=milestone, by=request.user)
    messages.success(
        request,
        _("Milestone of %(day)s deleted; the target's figures are being updated.") % {"day": day},
    )
    return redirect("progress:manage-milestones", target.code)


# The programme management pages' own routes, under /progress/manage/.
urlpatterns: list[URLPattern] = [
    path("", manage_page, name="manage"),
    path("rebuild/", rebuild, name="manage-rebuild"),
    path("designations/", designation_list, name="manage-designations"),
    path("designations/new/", designation_new, name="manage-designation-new"),
    path("designations/<int:pk>/", designation_edit, name="manage-designation"),
    path("designations/<int:pk>/revoke/", designation_revoke, name="manage-designation-revoke"),
    path("designations/<int:pk>/delete/", designation_delete, name="manage-designation-delete"),
    path("milestones/", milestone_targets, name="manage-targets"),
    path("milestones/<str:code>/", target_milestones, name="manage-milestones"),
    path("milestones/<str:code>/new/", milestone_new, name="manage-milestone-new"),
    path("milestones/<str:code>/<int:pk>/", milestone_edit, name="manage-milestone"),
    path(
        "milestones/<str:code>/<int:pk>/delete/", milestone_delete, name="manage-milestone-delete"
    ),
    *allocations.urlpatterns,
]
