"""One way to read a quarter ("2024Q1") from a browser form or an API request."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .periods import PeriodError, period_format, period_parse


class PeriodFormField(forms.CharField):
    """A quarter typed as YYYYQn; cleans to the quarter number (None when empty)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Quarter"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        if isinstance(value, int):
            return value
        text = super().to_python(value)
        if not text:
            return None
        try:
            return period_parse(text)
        except PeriodError as error:
            raise ValidationError(str(error), code="invalid") from error

    def prepare_value(self, value: Any) -> Any:
        return period_format(value) if isinstance(value, int) else value


class PeriodChoiceField(forms.TypedChoiceField):
    """A quarter picked from a list of real quarters (newest first)."""

    def __init__(self, *, periods: list[int] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Quarter"))
        kwargs.setdefault("coerce", period_parse)
        kwargs.setdefault("empty_value", None)
        super().__init__(**kwargs)
        self.periods = periods or []

    @property
    def periods(self) -> list[int]:
        return self._periods

    @periods.setter
    def periods(self, values: list[int]) -> None:
        self._periods = list(values)
        self.choices = [(period_format(p), period_format(p)) for p in values]

    def prepare_value(self, value: Any) -> Any:
        return period_format(value) if isinstance(value, int) else value


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{4}Q[1-4]$", "example": "2024Q1"})
class PeriodSerializerField(serializers.Field):  # type: ignore[type-arg]
    """A quarter in the API: "2024Q1" in, the quarter number inside, "2024Q1" out."""

    default_error_messages = {"invalid": _("Enter a quarter as YYYYQn, for example 2024Q1.")}

    def to_internal_value(self, data: Any) -> int:
        if not isinstance(data, str):
            self.fail("invalid")
        try:
            return period_parse(data)
        except PeriodError as error:
            raise serializers.ValidationError(str(error)) from error

    def to_representation(self, value: int) -> str:
        return period_format(value)
