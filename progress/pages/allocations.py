"""Allocations on the dashboard and for officials (DOMAIN.md, "Allocations").

For the dashboard: the numbers an allocated district or park is read against (its value, and
its own or scaled milestones for the chart). For officials, under /progress/manage/: every
target with what is allocated per level, and a target's page that allocates it to districts
and parks, changes an allocation's value or milestones (showing who changed what, when) and
withdraws one. Every write goes through ``targets.services`` (validated, audited, and the
target recomputed); a view checks the form's shape, calls one service and redirects with a
message, or shows the service's field errors again (400)."""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from core import policies
from core.views import require
from parks.selectors import scopes_all
from targets import services as target_services
from targets.models import Allocation, Target
from targets.scopes import Scope, ScopeKind

from ..allocations import allocation_levels
from ..arithmetic import round_half_away
from .common import target_or_404, target_url, targets

manage_only = require(policies.can_manage_programme)
get_or_post = require_http_methods(["GET", "HEAD", "POST"])
HISTORY_SHOWN = 20
FIELD_NAMES = {
    "value": gettext_lazy("allocated value"),
    "milestones": gettext_lazy("own milestones"),
}


# --- how an allocation reads on the dashboard ----------------------------------------------


def goal_target(target: Target, value: Decimal | None) -> Target:
    """The target as a scope reads it: the allocated value in place of the city's (an
    unsaved copy, for the words that name "the target of ..."); the target itself for the
    city or an unallocated scope."""
    if value is None or value == target.value:
        return target
    scoped = copy.copy(target)
    scoped.value = value
    return scoped


def allocation_milestones(allocation: Allocation) -> list[tuple[dt.date, Decimal]]:
    """The milestones the scope's planned line runs through, two decimals for showing: its
    own, or the city's scaled by value ÷ target value."""
    city = list(allocation.target.milestones.all())
    return [(day, round_half_away(value, 2)) for day, value in allocation.planned_milestones(city)]


def allocation_baseline(allocation: Allocation) -> Decimal | None:
    """A numeric baseline as the scope reads it (as it is with own milestones, scaled
    without); None for a baseline "actual" (the scope's own actual then: the caller reads
    it from the figures)."""
    if allocation.target.baseline_value is None:
        return None
    value = allocation.planned_baseline(None)
    return None if value is None else round_half_away(value, 2)


# --- officials: every target and what is allocated ------------------------------------------


@require_safe
@manage_only
def allocation_targets(request: HttpRequest) -> HttpResponse:
    """Every target with how much of it is allocated to districts and to parks (three
    queries)."""
    by_target: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in Allocation.objects.order_by("scope"):
        by_target[allocation.target_id].append(allocation)
    rows = []
    for target in targets():
        levels = allocation_levels(target, by_target[target.pk])
        rows.append(
            {
                "target": target,
                "districts": levels[0],
                "parks": levels[1],
                "url": reverse("progress:manage-allocations", args=[target.code]),
            }
        )
    return render(request, "progress/manage_allocations.html", {"rows": rows})


# --- a target's allocations -----------------------------------------------------------------

_LINE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})\s*[:：,，;；\s]\s*(\S+)\s*$")


class MilestonesField(forms.CharField):
    """Own milestones typed one per line, "2025-06-30 4" (or with a colon or comma);
    cleans to [(date, Decimal)]. Empty: the city's milestones, scaled."""

    widget = forms.Textarea

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("Own milestones"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "One per line: the date and the value, for example “2025-06-30 4”. Leave "
                "empty to scale the city's milestones by the allocated value."
            ),
        )
        super().__init__(**kwargs)
        self.widget.attrs.update({"rows": 4, "spellcheck": "false", "autocomplete": "off"})

    def to_python(self, value: Any) -> list[tuple[dt.date, Decimal]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        found = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            match = _LINE.match(line)
            try:
                if match is None:
                    raise ValueError(line)
                day = dt.date.fromisoformat(_iso(match.group(1)))
                amount = Decimal(match.group(2).replace(",", ""))
            except (ValueError, InvalidOperation) as error:
                raise ValidationError(
                    _("Line %(n)d: write a date (YYYY-MM-DD) and a number.") % {"n": number}
                ) from error
            found.append((day, amount))
        return found

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(f"{day.isoformat()} {_plain(amount)}" for day, amount in value)
        return value


def _iso(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _plain(value: Decimal) -> str:
    """A stored number as typed: 10, not 10.0000."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class AllocationForm(forms.Form):
    value = forms.DecimalField(
        label=gettext_lazy("Allocated value"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    milestones = MilestonesField()


class AllocationNewForm(AllocationForm):
    scope = forms.ChoiceField(label=gettext_lazy("District or park"))

    field_order = ["scope", "value", "milestones"]

    def __init__(self, *args: Any, choices: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["scope"]).choices = [("", "—"), *choices]


def _scope_choices(everything: list[Scope], taken: set[str]) -> list[tuple[str, Any]]:
    """Districts and parks not allocated yet, grouped by level."""
    groups: list[tuple[str, Any]] = []
    for kind, label in ((ScopeKind.DISTRICT, _("Districts")), (ScopeKind.PARK, _("Parks"))):
        options = [
            (str(s), f"{s.label} ({s.code})")
            for s in everything
            if s.kind is kind and str(s) not in taken
        ]
        if options:
            groups.append((label, options))
    return groups


def _errors_onto(form: forms.Form, error: ValidationError) -> None:
    """A service's ValidationError onto the form's fields of the same names."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.error_dict.items():
        for message in ValidationError(errors).messages:
            form.add_error(key if key in form.fields else None, message)


@get_or_post
@manage_only
def target_allocations(request: HttpRequest, code: str) -> HttpResponse:
    """A target's allocations, and a new one (POST)."""
    target = target_or_404(code)
    everything = scopes_all()
    allocations = list(target.allocations.order_by("scope"))
    taken = {a.scope for a in allocations}
    form = AllocationNewForm(
        request.POST if request.method == "POST" else None,
        choices=_scope_choices(everything, taken),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            allocation = target_services.allocation_create(
                target=target,
                scope=data["scope"],
                value=data["value"],
                milestones=data["milestones"],
                by=request.user,
            )
        except target_services.AllocationExists:
            form.add_error("scope", _("This target is already allocated to that scope."))
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            messages.success(
                request,
                _("%(target)s allocated to %(scope)s; the figures are being updated.")
                % {"target": target.code, "scope": _label(everything, allocation.scope)},
            )
            return redirect("progress:manage-allocations", target.code)
    labels = {str(s): s.label for s in everything}
    rows = [
        {
            "allocation": a,
            "label": labels.get(a.scope, a.scope),
            "kind": a.scope.split(":", 1)[0],
            "milestones": allocation_milestones(_with_target(a, target)),
            "url": reverse("progress:manage-allocation", args=[target.code, a.pk]),
            "figures_url": target_url(target.code, scope=a.scope),
        }
        for a in allocations
    ]
    levels = allocation_levels(target, allocations)
    context = {
        "target": target,
        "rows": rows,
        "levels": levels,
        "form": form,
        "target_url": target_url(target.code),
        "is_share": target.rule_kind == Target.RuleKind.FLAG_LATEST_SHARE,
    }
    status = 400 if form.errors else 200
    return render(request, "progress/manage_target_allocations.html", context, status=status)


def _with_target(allocation: Allocation, target: Target) -> Allocation:
    allocation.target = target  # the target's milestones are read once for every row
    return allocation


def _label(everything: list[Scope], text: str) -> str:
    return next((s.label for s in everything if str(s) == text), text)


def _allocation_or_404(target: Target, pk: int) -> Allocation:
    return _with_target(get_object_or_404(Allocation, pk=pk, target=target), target)


@get_or_post
@manage_only
def allocation_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """One allocation: its value and own milestones (POST changes them), and every change
    with who made it and when."""
    target = target_or_404(code)
    allocation = _allocation_or_404(target, pk)
    initial = {"value": _plain(allocation.value), "milestones": allocation.own_milestones()}
    form = AllocationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not form.has_changed():
            messages.info(request, _("Nothing was changed."))
            return redirect("progress:manage-allocation", target.code, allocation.pk)
        data = form.cleaned_data
        try:
            target_services.allocation_update(
                allocation=allocation,
                value=data["value"],
                milestones=data["milestones"],
                by=request.user,
            )
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("Allocation changed; the figures are being updated."))
            return redirect("progress:manage-allocation", target.code, allocation.pk)
    everything = scopes_all()
    context = {
        "target": target,
        "allocation": allocation,
        "label": _label(everything, allocation.scope),
        "milestones": allocation_milestones(allocation),
        "baseline": allocation_baseline(allocation),
        "form": form,
        "history": _history(allocation),
        "figures_url": target_url(target.code, scope=allocation.scope),
    }
    status = 400 if form.errors else 200
    return render(request, "progress/manage_allocation.html", context, status=status)


def _history(allocation: Allocation) -> list[dict[str, Any]]:
    """Each recorded change, newest first, with what it changed (old → new)."""
    records = list(
        allocation.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_SHOWN + 1
        ]
    )
    rows = []
    for record, previous in zip(records, [*records[1:], None], strict=True):
        changes = []
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                changes.append(
                    {
                        "field": FIELD_NAMES.get(change.field, change.field),
                        "old": _shown(change.old),
                        "new": _shown(change.new),
                    }
                )
        rows.append({"record": record, "changes": changes})
    return rows[:HISTORY_SHOWN]


def _shown(value: Any) -> str:
    if isinstance(value, Decimal):
        return _plain(value)
    if isinstance(value, list):
        return "; ".join(f"{m['date']}: {m['value']}" for m in value) or _("the city's, scaled")
    return str(value)


@get_or_post
@manage_only
def allocation_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """Asks first (GET), withdraws the allocation on the confirmation (POST)."""
    target = target_or_404(code)
    allocation = _allocation_or_404(target, pk)
    label = _label(scopes_all(), allocation.scope)
    if request.method == "POST":
        target_services.allocation_delete(allocation=allocation, by=request.user)
        messages.success(
            request,
            _("The allocation to %(scope)s was withdrawn; the figures are being updated.")
            % {"scope": label},
        )
        return redirect("progress:manage-allocations", target.code)
    context = {"target": target, "allocation": allocation, "label": label}
    return render(request, "progress/manage_allocation_delete.html", context)


# The allocation pages' routes, under /progress/manage/ (progress.pages.manage includes them).
urlpatterns: list[URLPattern] = [
    path("allocations/", allocation_targets, name="manage-allocation-targets"),
    path("allocations/<str:code>/", target_allocations, name="manage-allocations"),
    path("allocations/<str:code>/<int:pk>/", allocation_edit, name="manage-allocation"),
    path(
        "allocations/<str:code>/<int:pk>/delete/",
        allocation_delete,
        name="manage-allocation-delete",
    ),
]
