from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Park


@transaction.atomic
def park_save(*, park: Park | None, data: dict[str, Any]) -> Park:
    park = park or Park()
    for field, value in data.items():
        setattr(park, field, value)
    try:
        park.full_clean()
    except ValidationError:
        raise
    park.save()
    return park
