"""Outlier flags that help officials review a report (reads only).

- "history": a value more than 3× the median of the enterprise's approved values of that
  metric in earlier quarters (needs at least one; skipped when that median ≤ 0);
- "peers": a modified z-score 0.6745·(x − median)/MAD beyond ±3.5 among the submitted and
  approved reports' values of that metric and quarter (skipped when MAD is 0).

Only integer and decimal metrics are judged, never flags or levels. The peers' median and
MAD are kept per metric and quarter in ``PeerStat`` (refreshed after reports change, see
``services.peer_stats_refresh``); a quarter without stored figures is computed here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

import pandas as pd
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from targets.models import Metric

from .models import MetricValue, PeerStat, Submission

Status = Submission.Status
HISTORY_FACTOR = Decimal(3)
MODIFIED_Z_LIMIT = 3.5
MODIFIED_Z_CONSTANT = 0.6745
FLAGGED_TYPES = (Metric.Type.INTEGER, Metric.Type.DECIMAL)
PEER_STATUSES = (Status.SUBMITTED, Status.PRE_APPROVED, Status.APPROVED)
_COLUMNS = ["submission_id", "enterprise_id", "period", "metric_id", "code", "name", "value"]


class Flag(TypedDict, total=False):
    metric: str
    rule: str  # "history" or "peers"
    value: float
    median: float
    score: float
    message: str


@dataclass(frozen=True)
class PeerFigures:
    median: float
    mad: float
    values: int


def outlier_flags(*, submissions: Iterable[Submission]) -> dict[int, list[Flag]]:
    """Flags per report id, in a fixed number of queries whatever the number of reports."""
    reports = list(submissions)
    flags: dict[int, list[Flag]] = {s.pk: [] for s in reports}
    if not reports:
        return flags
    own = _values_frame(MetricValue.objects.filter(submission_id__in=list(flags)))
    if own.empty:
        return flags
    for row in _history_flags(own).to_dict("records"):
        flags[int(row["submission_id"])].append(
            Flag(
                metric=row["code"],
                rule="history",
                value=row["value"],
                median=row["median"],
                message=_(
                    "%(metric)s is more than 3× this enterprise's median of earlier "
                    "quarters (%(median)s)."
                )
                % {"metric": row["name"], "median": _short(row["median"])},
            )
        )
    for row in _peer_flags(own).to_dict("records"):
        flags[int(row["submission_id"])].append(
            Flag(
                metric=row["code"],
                rule="peers",
                value=row["value"],
                score=row["score"],
                message=_(
                    "%(metric)s is far from other enterprises' values this quarter "
                    "(modified z-score %(score)s)."
                )
                % {"metric": row["name"], "score": _short(row["score"])},
            )
        )
    return flags


def peer_stats_compute(*, periods: Iterable[int]) -> dict[tuple[int, int], PeerFigures]:
    """Median and MAD per (metric id, quarter) over the submitted and approved reports."""
    values = _values_frame(
        MetricValue.objects.filter(period__in=list(periods), submission__status__in=PEER_STATUSES)
    )
    if values.empty:
        return {}
    grouped = values.groupby(["metric_id", "period"])["value"]
    medians = grouped.median().rename("median")
    values = values.join(medians, on=["metric_id", "period"])
    values["deviation"] = (values["value"] - values["median"]).abs()
    mads = values.groupby(["metric_id", "period"])["deviation"].median()
    counts = grouped.size()
    return {
        (int(metric_id), int(period)): PeerFigures(
            median=float(medians[(metric_id, period)]),
            mad=float(mads[(metric_id, period)]),
            values=int(counts[(metric_id, period)]),
        )
        for metric_id, period in medians.index
    }


def _short(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _values_frame(queryset: QuerySet[MetricValue]) -> pd.DataFrame:
    name = "metric__name_en" if (get_language() or "").startswith("en") else "metric__name_zh"
    rows = queryset.filter(metric__type__in=FLAGGED_TYPES).values_list(
        "submission_id", "enterprise_id", "period", "metric_id", "metric__code", name, "value"
    )
    frame = pd.DataFrame(list(rows), columns=_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame


def _history_flags(own: pd.DataFrame) -> pd.DataFrame:
    earlier = _values_frame(
        MetricValue.objects.filter(
            approved=True,
            enterprise_id__in=own["enterprise_id"].unique().tolist(),
            metric_id__in=own["metric_id"].unique().tolist(),
            period__lt=int(own["period"].max()),
        )
    )
    if earlier.empty:
        return own.iloc[0:0].assign(median=[])
    pairs = own.merge(
        earlier[["enterprise_id", "metric_id", "period", "value"]],
        on=["enterprise_id", "metric_id"],
        suffixes=("", "_earlier"),
    )
    pairs = pairs[pairs["period_earlier"] < pairs["period"]]
    medians = (
        pairs.groupby(["submission_id", "metric_id"])["value_earlier"].median().rename("median")
    )
    judged = own.join(medians, on=["submission_id", "metric_id"], how="inner")
    judged = judged[judged["median"] > 0]
    return judged[judged["value"] > float(HISTORY_FACTOR) * judged["median"]]


def _peer_stats(periods: list[int]) -> pd.DataFrame:
    """The stored figures of these quarters; quarters never stored are computed now."""
    rows = list(
        PeerStat.objects.filter(period__in=periods).values_list(
            "metric_id", "period", "median", "mad"
        )
    )
    stored = {period for _metric, period, _median, _mad in rows}
    missing = [p for p in periods if p not in stored]
    if missing:
        computed = peer_stats_compute(periods=missing)
        rows += [(m, p, f.median, f.mad) for (m, p), f in computed.items()]
    frame = pd.DataFrame(rows, columns=["metric_id", "period", "median", "mad"])
    return frame.set_index(["metric_id", "period"])


def _peer_flags(own: pd.DataFrame) -> pd.DataFrame:
    stats = _peer_stats(sorted(int(p) for p in own["period"].unique()))
    judged = own.join(stats, on=["metric_id", "period"], how="inner")
    judged = judged[judged["mad"] > 0]
    judged = judged.assign(
        score=MODIFIED_Z_CONSTANT * (judged["value"] - judged["median"]) / judged["mad"]
    )
    return judged[judged["score"].abs() > MODIFIED_Z_LIMIT]


__all__ = ["Flag", "PeerFigures", "outlier_flags", "peer_stats_compute"]
