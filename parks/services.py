"""Writes to parks. A park's code is how every figure, user and URL refers to it: it never
changes; its district changes only while no enterprise is in the park."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.types import UNSET, Unset
from targets.changes import recompute_request
from targets.models import District

from .models import Park


@transaction.atomic
def park_create(
    *,
    code: str,
    name_zh: str,
    district: District,
    name_en: str = "",
    prereview: bool = False,
    by: object = None,
) -> Park:
    park = Park(
        code=code.strip(), name_zh=name_zh, name_en=name_en, district=district, prereview=prereview
    )
    park.full_clean()
    park._history_user = by if getattr(by, "pk", None) else None  # type: ignore[attr-defined]
    park.save()
    return park


@transaction.atomic
def park_update(
    *,
    park: Park,
    name_zh: str | Unset = UNSET,
    name_en: str | Unset = UNSET,
    district: District | Unset = UNSET,
    prereview: bool | Unset = UNSET,
    by: object = None,
) -> Park:
    park = Park.objects.select_for_update().get(pk=park.pk)
    fields: list[str] = []
    if prereview is not UNSET and prereview != park.prereview:
        park.prereview = prereview
        fields.append("prereview")
    if name_zh is not UNSET:
        park.name_zh = name_zh
        fields.append("name_zh")
    if name_en is not UNSET:
        park.name_en = name_en
        fields.append("name_en")
    moved = district is not UNSET and district.pk != park.district_id
    if moved:
        if park.enterprises.exists():
            raise ValidationError(
                {
                    "district": [
                        _(
                            "A park with enterprises cannot move to another district: "
                            "its enterprises and figures belong to the district it is in."
                        )
                    ]
                }
            )
        park.district = district  # type: ignore[assignment]
        fields.append("district")
    park.full_clean()
    if fields:
        park._history_user = by if getattr(by, "pk", None) else None  # type: ignore[attr-defined]
        park.save(update_fields=fields)
    if moved:
        # Park designations count for the park's district.
        recompute_request(targets=None, from_period=None, reason=f"park {park.code}", by=by)
    return park
