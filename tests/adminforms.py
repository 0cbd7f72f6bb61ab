"""Driving the Django admin's forms as an official would."""

from __future__ import annotations

from typing import Any

from django.test import Client

from progress import services
from progress.models import Snapshot


def change_form_data(client: Client, url: str) -> dict[str, Any]:
    """The change form's current values, as the browser would post them back."""
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    for formset in page.context.get("inline_admin_formsets", []):
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
        for inline in formset.formset.forms:
            for name in inline.fields:
                value = inline[name].value()
                if value is not None:
                    data[inline.add_prefix(name)] = value
    return data


def figures() -> list[tuple[object, ...]]:
    """Every stored figure, without the moment it was computed."""
    return list(
        Snapshot.objects.order_by("target_id", "period", "scope").values_list(
            "target_id",
            "period",
            "scope",
            "actual",
            "planned",
            "target_value",
            "percent_of_target",
            "status",
            "projected_at_deadline",
            "projected_attainment",
            "share_of_city",
        )
    )


def figures_after_full_rebuild() -> list[tuple[object, ...]]:
    services.snapshots_rebuild()
    return figures()
