"""Browser forms of the quarterly report: the shape of what is posted, nothing more.

The rules (ranges, integers, dates, duplicate identifiers, the quarter) live in
``reporting.validation``; the views map its field keys back onto these fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.models import ItemKind, Metric

from .validation import ITEMS_MAX

METRIC_PREFIX = "metric_"
ATTRIBUTE_PREFIX = "attr_"
YES, NO = "yes", "no"


def metric_field_name(code: str) -> str:
    return f"{METRIC_PREFIX}{code}"


def _yes_no(value: str) -> bool:
    return value == YES


def _number_text(value: object) -> str:
    """A stored number as the user typed it: 12, not 12.0000."""
    number = Decimal(str(value))
    return str(number.quantize(Decimal(1)) if number == number.to_integral_value() else number)


def _metric_help(metric: Metric) -> str:
    if metric.min_value is None and metric.max_value is None:
        return ""
    low = "" if metric.min_value is None else _number_text(metric.min_value)
    high = "" if metric.max_value is None else _number_text(metric.max_value)
    return str(_("Allowed: %(low)s to %(high)s %(unit)s")) % {
        "low": low,
        "high": high,
        "unit": metric.unit,
    }


def _metric_field(metric: Metric) -> forms.Field:
    field: forms.Field
    if metric.type == Metric.Type.BOOLEAN:
        field = forms.TypedChoiceField(
            choices=[(YES, _("Yes")), (NO, _("No"))],
            coerce=_yes_no,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
        )
    elif metric.type == Metric.Type.LEVEL:
        field = forms.TypedChoiceField(
            choices=[("", "—"), *((str(n), str(n)) for n in range(6))],
            coerce=int,
            empty_value=None,
            required=False,
        )
    else:
        # The text as typed: reading numbers (full-width digits, decimals) is the validation's.
        field = forms.CharField(
            required=False,
            max_length=60,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        )
    field.label = metric.name
    field.help_text = _metric_help(metric)
    cast(Any, field).metric = metric  # the template shows its unit beside the input
    return field


def metric_initial(metrics: Iterable[Metric], values: dict[str, Any]) -> dict[str, Any]:
    """Stored values (``Submission.metrics_data``) as the form's initial data."""
    initial: dict[str, Any] = {}
    for metric in metrics:
        value = values.get(metric.code)
        if value is None or value == "":
            continue
        if metric.type == Metric.Type.BOOLEAN:
            initial[metric_field_name(metric.code)] = YES if _truthy(value) else NO
        elif metric.type == Metric.Type.LEVEL:
            initial[metric_field_name(metric.code)] = str(int(Decimal(str(value))))
        else:
            initial[metric_field_name(metric.code)] = _number_text(value)
    return initial


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "1.0000"}
    return bool(value)


class ReportForm(forms.Form):
    """One field per catalogue metric, plus the version last read."""

    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, metrics: Sequence[Metric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.metrics = list(metrics)
        for metric in self.metrics:
            self.fields[metric_field_name(metric.code)] = _metric_field(metric)

    def groups(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The metric fields grouped by ``Metric.group``, groups in catalogue order."""
        grouped: dict[str, list[forms.BoundField]] = {}
        for metric in self.metrics:
            grouped.setdefault(metric.group, []).append(self[metric_field_name(metric.code)])
        labels = dict(Metric.Group.choices)
        return [(str(labels.get(group, group)), fields) for group, fields in grouped.items()]

    def metrics_payload(self) -> dict[str, Any]:
        """The entered values by metric code; fields left empty are not sent."""
        payload: dict[str, Any] = {}
        for metric in self.metrics:
            value = self.cleaned_data.get(metric_field_name(metric.code))
            if value is not None and value != "":
                payload[metric.code] = value
        return payload


def attribute_names(kinds: Iterable[ItemKind]) -> list[str]:
    names: list[str] = []
    for kind in kinds:
        for name in kind.attributes or {}:
            if name not in names:
                names.append(name)
    return names


ATTRIBUTE_LABELS = {"domain": _("Domain"), "level": _("Level")}
ATTRIBUTE_VALUE_LABELS = {
    "rnd": _("R&D"),
    "clinical": _("Clinical"),
    "production": _("Production"),
    "supply_chain": _("Supply chain"),
    "operations": _("Operations"),
    "marketing": _("Marketing"),
    "patient_service": _("Patient service"),
    "management": _("Management"),
    "national": _("National"),
    "industry": _("Industry"),
    "local": _("Local"),
    "group": _("Group (association)"),
    "enterprise": _("Enterprise"),
}


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"))
    identifier = forms.CharField(label=_("Identifier"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=300, required=False)
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence_url = forms.URLField(
        label=_("Evidence link"), max_length=500, required=False, assume_scheme="https"
    )
    # The ids of the row's evidence files (comma-separated), so that they stay with the
    # item when rows are removed or identifiers change; the files themselves are uploaded
    # beside the form (reporting.evidence_views).
    file_ids = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)

    def __init__(self, *args: Any, kinds: Sequence[ItemKind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = list(kinds)
        kind_field = cast(forms.ChoiceField, self.fields["kind"])
        kind_field.choices = [("", "—"), *((kind.code, kind.name) for kind in self.kinds)]
        for name in attribute_names(self.kinds):
            values: list[str] = []
            for kind in self.kinds:
                values += [v for v in (kind.attributes or {}).get(name, []) if v not in values]
            self.fields[f"{ATTRIBUTE_PREFIX}{name}"] = forms.ChoiceField(
                label=ATTRIBUTE_LABELS.get(name, name),
                required=False,
                choices=[("", "—"), *((v, ATTRIBUTE_VALUE_LABELS.get(v, v)) for v in values)],
            )

    def attribute_fields(self) -> list[tuple[str, forms.BoundField]]:
        return [
            (name[len(ATTRIBUTE_PREFIX) :], self[name])
            for name in self.fields
            if name.startswith(ATTRIBUTE_PREFIX)
        ]

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = next((k for k in self.kinds if k.code == data.get("kind")), None)
        allowed = (kind.attributes or {}) if kind else {}
        item: dict[str, Any] = {
            "kind": data.get("kind") or "",
            "identifier": data.get("identifier") or "",
            "title": data.get("title") or "",
            "date": data["date"].isoformat() if data.get("date") else "",
            "attributes": {
                name: data[f"{ATTRIBUTE_PREFIX}{name}"]
                for name in allowed
                if data.get(f"{ATTRIBUTE_PREFIX}{name}")
            },
        }
        if data.get("evidence_url"):
            item["evidence_url"] = data["evidence_url"]
        files = [int(part) for part in (data.get("file_ids") or "").split(",") if part.isdigit()]
        if files:
            item["files"] = files
        return item


class BaseItemFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    def __init__(self, *args: Any, kinds: Sequence[ItemKind], **kwargs: Any) -> None:
        self.kinds = list(kinds)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "kinds": self.kinds}

    def filled_forms(self) -> list[ItemForm]:
        """The rows that become items, in the order the validation numbers them."""
        return [
            form
            for form in self.forms
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        ]


ItemFormSet = cast(
    "type[BaseItemFormSet]",
    # The cap on items is report_validate's (ITEMS_MAX); this only bounds what is parsed.
    forms.formset_factory(
        ItemForm, formset=BaseItemFormSet, extra=0, can_delete=True, max_num=2 * ITEMS_MAX
    ),
)


def item_initial(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        row = {
            "kind": item.get("kind", ""),
            "identifier": item.get("identifier", ""),
            "title": item.get("title", ""),
            "date": item.get("date", ""),
            "evidence_url": item.get("evidence_url", ""),
        }
        for name, value in (item.get("attributes") or {}).items():
            row[f"{ATTRIBUTE_PREFIX}{name}"] = value
        rows.append(row)
    return rows


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the enterprise"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Returning: the item the comment is about (from 1), named at the comment's start.
    item = forms.IntegerField(required=False, min_value=1)


class ActionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class _IdsField(forms.MultipleChoiceField):
    """Report ids ticked in the queue; which of them may be approved is the service's call."""

    def valid_value(self, value: Any) -> bool:
        return str(value).isdigit()

    def clean(self, value: Any) -> list[int]:
        return [int(v) for v in super().clean(value)]


class BulkApproveForm(forms.Form):
    submissions = _IdsField(
        error_messages={"required": _("Select at least one report to approve.")}
    )


class CompletenessFilterForm(forms.Form):
    """The completeness page's state from the URL: the quarter (one of ``periods``), the
    scope (one the user may pick), the table's rows (for the city: by district or by park),
    which enterprises the list shows, and the sort. A value that is not one of the choices
    falls back to the default, so the page always shows something sensible."""

    SHOW_ALL, SHOW_MISSING, SHOW_LATE = "all", "missing", "late"
    BY_DISTRICT, BY_PARK = "district", "park"

    period = forms.ChoiceField(label=_("Quarter"))
    scope = forms.ChoiceField(label=_("Scope"))
    by = forms.ChoiceField(
        choices=[(BY_DISTRICT, _("By district")), (BY_PARK, _("By park"))],
        widget=forms.HiddenInput,
    )
    show = forms.ChoiceField(
        choices=[
            (SHOW_ALL, _("Missing and late")),
            (SHOW_MISSING, _("Missing")),
            (SHOW_LATE, _("Late")),
        ],
        widget=forms.HiddenInput,
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput)  # core.sorting reads it

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        periods: Sequence[tuple[str, str]],
        default_period: str,
        scopes: Sequence[tuple[str, str]],
    ) -> None:
        defaults = {
            "period": default_period,
            "scope": scopes[0][0] if scopes else "",
            "by": self.BY_DISTRICT,
            "show": self.SHOW_ALL,
        }
        allowed = {
            "period": {value for value, _label in periods},
            "scope": {value for value, _label in scopes},
            "by": {self.BY_DISTRICT, self.BY_PARK},
            "show": {self.SHOW_ALL, self.SHOW_MISSING, self.SHOW_LATE},
        }
        cleaned = {name: data.get(name) or "" for name in (*defaults, "sort")}
        for name, default in defaults.items():
            if cleaned[name] not in allowed[name]:
                cleaned[name] = default
        super().__init__(cleaned)
        cast(forms.ChoiceField, self.fields["period"]).choices = list(periods)
        cast(forms.ChoiceField, self.fields["scope"]).choices = list(scopes)
