"""Writes to the catalogue."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from .changes import recompute_request
from .models import (
    DesignationKind,
    District,
    ItemKind,
    Metric,
    Milestone,
    Plan,
    Segment,
    Target,
)
from .rules import rule_parse

# How the report form groups the metrics (the plan's own headings).
METRIC_GROUPS = {
    "talent_high_end_new": Metric.Group.TALENT,
    "talent_backbone_new": Metric.Group.TALENT,
    "digital_staff": Metric.Group.TALENT,
    "digital_investment": Metric.Group.INVESTMENT,
    "rd_investment": Metric.Group.INVESTMENT,
    "revenue": Metric.Group.INVESTMENT,
    "cloud_adopted": Metric.Group.TRANSFORMATION,
    "self_upgrade": Metric.Group.TRANSFORMATION,
    "dx_transformed": Metric.Group.TRANSFORMATION,
    "dcmm_level": Metric.Group.MATURITY,
    "smart_mfg_level": Metric.Group.MATURITY,
}


def catalogue_read(path: Path | None = None) -> dict[str, Any]:
    with open(path or settings.DX_CATALOG_PATH, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@transaction.atomic
def catalogue_sync(*, path: Path | None = None) -> dict[str, int]:
    """Create every catalogue row that is missing; never change or duplicate existing ones.

    Officials edit targets and milestones in the admin afterwards, so a later migrate must
    not overwrite their edits (docs/decisions/0002-catalogue-loading.md).
    Returns how many rows of each kind were created.
    """
    data = catalogue_read(path)
    created: dict[str, int] = {}

    def upsert(model: Any, key: dict[str, Any], defaults: dict[str, Any], label: str) -> Any:
        obj, was_created = model.objects.get_or_create(**key, defaults=defaults)
        created[label] = created.get(label, 0) + int(was_created)
        return obj

    for row in data["districts"]:
        upsert(District, {"code": row["code"]}, _names(row), "districts")
    for row in data["segments"]:
        upsert(Segment, {"code": row["code"]}, _names(row), "segments")
    plans = {}
    for row in data["plans"]:
        plans[row["code"]] = upsert(
            Plan,
            {"code": row["code"]},
            {
                **_names(row),
                "issuer_zh": row.get("issuer_zh", ""),
                "document_no": row.get("document_no", ""),
                "issued_on": _date(row.get("issued_on")),
                "period_start": _date(row["period_start"]),
                "period_end": _date(row["period_end"]),
                "level": row["level"],
                "source": row.get("source", ""),
            },
            "plans",
        )
    for position, row in enumerate(data["metrics"]):
        upsert(
            Metric,
            {"code": row["code"]},
            {
                **_names(row),
                "type": row["type"],
                "semantics": row["semantics"],
                "group": METRIC_GROUPS.get(row["code"], Metric.Group.SYSTEMS),
                "position": position,
                "min_value": _decimal(row.get("min")),
                "max_value": _decimal(row.get("max")),
                "unit_zh": row.get("unit_zh", ""),
                "unit_en": row.get("unit_en", ""),
            },
            "metrics",
        )
    for row in data["item_kinds"]:
        upsert(
            ItemKind,
            {"code": row["code"]},
            {
                **_names(row),
                "dedupe": row["dedupe"],
                "identifier_label_zh": row["identifier_label_zh"],
                "identifier_label_en": row["identifier_label_en"],
                "attributes": row.get("attributes", {}),
            },
            "item_kinds",
        )
    for row in data["designation_kinds"]:
        upsert(
            DesignationKind,
            {"code": row["code"]},
            {**_names(row), "subject": row["subject"]},
            "designation_kinds",
        )
    for position, row in enumerate(data["targets"]):
        baseline = row["baseline"]
        target = upsert(
            Target,
            {"code": row["code"]},
            {
                **_names(row),
                "plan": plans[row["plan"]],
                "group": row["group"],
                "position": position,
                "unit_zh": row.get("unit_zh", ""),
                "unit_en": row.get("unit_en", ""),
                "comparator": row["comparator"],
                "value": _decimal(row["value"]),
                "counts_from": _date(row["counts_from"]),
                "deadline": _date(row["deadline"]),
                "baseline_date": _date(baseline["date"]),
                "baseline_value": None
                if baseline["value"] == "actual"
                else _decimal(baseline["value"]),
                "rule": row["rule"],
            },
            "targets",
        )
        if not target.milestones.exists():
            Milestone.objects.bulk_create(
                Milestone(
                    target=target,
                    date=dt.date.fromisoformat(m["date"]),
                    value=Decimal(str(m["value"])),
                )
                for m in row["milestones"]
            )
    return created


def _names(row: dict[str, Any]) -> dict[str, str]:
    return {"name_zh": row["name_zh"], "name_en": row["name_en"]}


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --- officials' edits of targets and milestones (the admin calls these) -----------------


@transaction.atomic
def target_save(*, target: Target, by: Any, fields: Iterable[str] | None = None) -> Target:
    """Save an official's edit of a target (attributes already set on ``target``): the rule
    must be readable and name codes that exist; the target's figures are recomputed."""
    rule_parse(target.rule)
    target.full_clean(exclude=["plan"])
    _history_user(target, by)
    if fields is None:
        target.save()
    else:
        target.save(update_fields=list(fields))
    recompute_request(
        targets=[target.code], from_period=None, reason=f"target {target.code}", by=by
    )
    return target


@transaction.atomic
def milestone_save(*, milestone: Milestone, by: Any) -> Milestone:
    milestone.full_clean(validate_unique=True)
    _history_user(milestone, by)
    milestone.save()
    _milestones_changed(milestone.target, by)
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, by: Any) -> None:
    target = milestone.target
    _history_user(milestone, by)
    milestone.delete()
    _milestones_changed(target, by)


def _milestones_changed(target: Target, by: Any) -> None:
    # Planned values, status and projections of every quarter read the milestones.
    recompute_request(
        targets=[target.code], from_period=None, reason=f"milestones {target.code}", by=by
    )


def _history_user(obj: Any, by: Any) -> None:
    """django-simple-history records who made the change."""
    if getattr(by, "pk", None):
        obj._history_user = by
