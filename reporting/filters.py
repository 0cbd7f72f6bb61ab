"""The filters of report lists, shared by the API, the review queue, the report list and
(later) their Excel downloads: one FilterSet, one set of field names and messages."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from enterprises.uscc import uscc_normalise
from parks.models import Park
from targets.fields import PeriodFormField
from targets.models import District

from .models import Submission


class PeriodFilter(django_filters.Filter):
    field_class = PeriodFormField


_YES_NO = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


class YesNoField(forms.TypedChoiceField):
    """true/false (also 1/0 and yes/no); empty means either."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("coerce", None)
        super().__init__(
            choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))],
            coerce=lambda value: _YES_NO[str(value).lower()],
            empty_value=None,
            **kwargs,
        )

    def valid_value(self, value: Any) -> bool:
        return str(value).lower() in _YES_NO


class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


class SubmissionFilter(django_filters.FilterSet):
    """``period`` (YYYYQn), ``enterprise`` (USCC), ``status``, ``district`` and ``park``
    (codes), ``late`` (true/false)."""

    period = PeriodFilter(field_name="period", label=_("Quarter"))
    enterprise = django_filters.CharFilter(
        method="filter_enterprise", label=_("Enterprise (USCC)"), max_length=40
    )
    district = django_filters.ModelChoiceFilter(
        field_name="enterprise__district",
        queryset=District.objects.all(),
        to_field_name="code",
        label=_("District"),
        empty_label=_("All districts"),
    )
    park = django_filters.ModelChoiceFilter(
        field_name="enterprise__park",
        queryset=Park.objects.all(),
        to_field_name="code",
        label=_("Park"),
        empty_label=_("All parks"),
    )
    status = django_filters.ChoiceFilter(
        choices=Submission.Status.choices, label=_("Status"), empty_label=_("All statuses")
    )
    late = YesNoFilter(label=_("Late"))

    class Meta:
        model = Submission
        fields = ["period", "enterprise", "district", "park", "status", "late"]

    def __init__(self, *args: Any, parks: QuerySet[Park] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if parks is not None:
            self.filters["park"].queryset = parks
            self.form.fields["park"].queryset = parks

    def filter_enterprise(
        self, queryset: QuerySet[Submission], name: str, value: str
    ) -> QuerySet[Submission]:
        return queryset.filter(enterprise__uscc=uscc_normalise(value))
