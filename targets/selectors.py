"""Reads of the catalogue."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from .models import Metric, Milestone, Target


def target_list() -> QuerySet[Target]:
    return Target.objects.select_related("plan").prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("date"))
    )


def metric_list() -> QuerySet[Metric]:
    return Metric.objects.all()


def metrics_by_code() -> dict[str, Metric]:
    return {metric.code: metric for metric in Metric.objects.all()}
