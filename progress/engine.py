"""The rollup engine: every target's figures per quarter and scope (DOMAIN.md, "How each
target is computed"; interpretations in docs/decisions/0006-rollup-rules.md).

Data is aggregated in SQL (one or two queries per target), then spread over quarters and
scopes with vectorised pandas. Only the per-figure arithmetic (planned value, status,
projection: a few thousand figures) runs in Python, exactly, on ``Fraction``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import F, Min, Q, QuerySet, Sum

from enterprises.models import Designation, Enterprise, EnterpriseQuerySet
from parks.models import Park
from reporting.models import Item, MetricValue, Submission
from targets.models import District, ItemKind, Metric, Target
from targets.periods import last_ended_period, period_end, period_of

CITY = "city"
LAST_ATTAINMENT_PERIOD = 2040 * 4 + 3  # 2040Q4
FLOW_SCALE = 10_000  # flows are summed as integers of 1/10,000 (four decimals, exact)
ENTERPRISE_FILTERS = {"is_key": "is_key", "above_scale": "above_scale", "segment": "segment__code"}


@dataclass(frozen=True)
class Figure:
    target_id: int
    period: int
    scope: str
    actual: Decimal
    planned: Decimal | None = None
    target_value: Decimal | None = None
    percent_of_target: Decimal | None = None
    status: str | None = None
    projected_at_deadline: Decimal | None = None
    projected_attainment: int | None = None
    share_of_city: Decimal | None = None


@dataclass(frozen=True)
class Scopes:
    """Every scope label, and the label of each district and park id."""

    districts: dict[int, str]
    parks: dict[int, str]

    @classmethod
    def load(cls) -> Scopes:
        return cls(
            districts={
                pk: f"district:{code}" for pk, code in District.objects.values_list("pk", "code")
            },
            parks={pk: f"park:{code}" for pk, code in Park.objects.values_list("pk", "code")},
        )

    @property
    def labels(self) -> list[str]:
        return [CITY, *sorted(self.districts.values()), *sorted(self.parks.values())]


# --- rounding ---------------------------------------------------------------------------


def round_half_away(value: Fraction | Decimal | int, places: int) -> Decimal:
    """Round exactly, half away from zero (PostgreSQL's round(numeric))."""
    scaled = Fraction(value) * 10**places
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(-whole if scaled < 0 else whole).scaleb(-places)


def share_round(numerator: int, denominator: int) -> Decimal:
    if denominator == 0:
        return Decimal("0.0")
    return round_half_away(Fraction(100 * numerator, denominator), 1)


# --- public entry -----------------------------------------------------------------------


def first_period(target: Target) -> int:
    return period_of(target.counts_from)


def figures_compute(
    *,
    targets: Iterable[Target] | None = None,
    from_period: int | None = None,
    last: int | None = None,
) -> list[Figure]:
    """All figures of the given targets (all by default) for quarters ≥ ``from_period``."""
    last = last_ended_period() if last is None else last
    scopes = Scopes.load()
    chosen = list(targets) if targets is not None else list(Target.objects.all())
    figures: list[Figure] = []
    for target in chosen:
        figures.extend(
            target_figures(target=target, scopes=scopes, last=last, from_period=from_period)
        )
    return figures


def target_figures(
    *, target: Target, scopes: Scopes, last: int, from_period: int | None = None
) -> list[Figure]:
    first = first_period(target)
    if first > last:
        return []
    baseline_period = period_of(target.baseline_date)
    low = min(first, baseline_period) if target.baseline_is_actual else first
    actuals = actual_frame(target=target, scopes=scopes, low=low, last=last)
    row: list[Decimal] = list(actuals.to_numpy()[actuals.index.get_loc(CITY)])
    city: dict[int, Decimal] = dict(zip(range(low, last + 1), row, strict=True))
    baseline = city.get(baseline_period) if target.baseline_is_actual else target.baseline_value
    points = planned_points(target=target, baseline=baseline)
    start = max(first, from_period or first)
    figures: list[Figure] = []
    for period in range(start, last + 1):
        figures.append(city_figure(target=target, period=period, city=city, points=points))
        figures.extend(
            _scope_figures(target=target, period=period, column=actuals[period], city=city[period])
        )
    return figures


def _scope_figures(
    *, target: Target, period: int, column: pd.Series, city: Decimal
) -> list[Figure]:
    is_share = target.rule_kind == Target.RuleKind.FLAG_LATEST_SHARE
    figures = []
    for scope, actual in column.items():
        if scope == CITY:
            continue
        share = (
            None
            if is_share or city == 0
            else round_half_away(100 * Fraction(actual) / Fraction(city), 1)
        )
        figures.append(
            Figure(
                target_id=target.pk,
                period=period,
                scope=str(scope),
                actual=actual,
                share_of_city=share,
            )
        )
    return figures


# --- actual values ----------------------------------------------------------------------


def actual_frame(*, target: Target, scopes: Scopes, low: int, last: int) -> pd.DataFrame:
    """Actual values as Decimals: one row per scope label, one column per quarter low..last."""
    kind = target.rule_kind
    periods = list(range(low, last + 1))
    if kind == Target.RuleKind.FLAG_LATEST_SHARE:
        flagged, active = _latest_flags(
            target=target, scopes=scopes, periods=periods, active_only=True
        )
        return pd.DataFrame(
            [
                [
                    share_round(int(n), int(d))
                    for n, d in zip(flagged.loc[s], active.loc[s], strict=True)
                ]
                for s in flagged.index
            ],
            index=flagged.index,
            columns=periods,
            dtype=object,
        )
    if kind == Target.RuleKind.FLAG_LATEST_COUNT:
        counts, _active = _latest_flags(
            target=target, scopes=scopes, periods=periods, active_only=False
        )
        return counts.map(lambda v: Decimal(int(v)))
    if kind == Target.RuleKind.FLOW_SUM:
        sums = _pivot(_flow_events(target, last), scopes, periods, cumulative=True)
        return sums.map(lambda v: Decimal(int(v)).scaleb(-4))
    if kind == Target.RuleKind.DESIGNATION_COUNT:
        events = _designation_events(target, last)
    elif kind == Target.RuleKind.ITEM_DISTINCT:
        events = _item_events(target, last)
    elif kind == Target.RuleKind.FLAG_EVER_COUNT:
        events = _flag_ever_events(target, last)
    else:
        raise ValueError(f"Unknown rule kind {kind}")
    return _pivot(events, scopes, periods, cumulative=True).map(lambda v: Decimal(int(v)))


def enterprise_filter(target: Target, prefix: str = "") -> Q:
    wanted = target.rule.get("enterprises") or {}
    return Q(**{prefix + ENTERPRISE_FILTERS[key]: value for key, value in wanted.items()})


def enterprises_active(*, target: Target, period: int) -> EnterpriseQuerySet:
    """Enterprises matching the rule's filter that are active at the quarter's end."""
    return Enterprise.objects.filter(enterprise_filter(target)).active_on(period_end(period))


# --- what counts: one definition for the figures and for their evidence -----------------


def counted_designations(target: Target, until: dt.date) -> QuerySet[Designation]:
    """Designations of the rule's kind granted from ``counts_from`` to ``until`` (revoked
    ones included: the caller decides as of when)."""
    return Designation.objects.filter(
        kind__code=target.rule["designation"],
        granted_on__gte=target.counts_from,
        granted_on__lte=until,
    )


def counted_items(target: Target, until: dt.date) -> QuerySet[Item]:
    """Approved items of the rule's kind (and ``where`` filter) dated from ``counts_from``
    to ``until``, of enterprises matching the rule's filter."""
    rule = target.rule
    queryset = Item.objects.filter(
        approved=True,
        kind__code=rule["item"],
        date__gte=target.counts_from,
        date__lte=until,
    ).filter(enterprise_filter(target, "enterprise__"))
    for attribute, allowed in (rule.get("where") or {}).items():
        queryset = queryset.filter(**{f"attributes__{attribute}__in": list(allowed)})
    return queryset


def counted_values(target: Target, last: int) -> QuerySet[MetricValue]:
    """Approved values of the rule's metric for quarters from ``counts_from`` to ``last``."""
    return MetricValue.objects.filter(
        approved=True,
        metric__code=target.rule["metric"],
        period__gte=first_period(target),
        period__lte=last,
    ).filter(enterprise_filter(target, "enterprise__"))


def _quarters(dates: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(dates)
    return (stamps.dt.year * 4 + (stamps.dt.month - 1) // 3).astype("Int64")


def _pivot(
    events: pd.DataFrame, scopes: Scopes, periods: list[int], *, cumulative: bool
) -> pd.DataFrame:
    """Events (district, park, period, value[, key]) → scopes × quarters.

    With a ``key`` column, each key counts once per scope at its first quarter (distinct
    within the scope); otherwise values add up.
    """
    labels = scopes.labels
    if events.empty:
        return pd.DataFrame(0, index=labels, columns=periods, dtype="int64")
    events = events[events["period"] <= periods[-1]].copy()
    events["period"] = events["period"].clip(lower=periods[0])
    levels = [
        events.assign(label=CITY),
        events.assign(label=events["district"].map(scopes.districts)),
        events.assign(label=events["park"].map(scopes.parks)),
    ]
    long = pd.concat(levels, ignore_index=True).dropna(subset=["label"])
    if "key" in long.columns:
        long = long.sort_values("period", kind="stable").drop_duplicates(
            subset=["label", "key"], keep="first"
        )
    table = (
        long.groupby(["label", "period"])["value"]
        .sum()
        .unstack(fill_value=0)
        .reindex(index=labels, columns=periods, fill_value=0)
    )
    table = table.fillna(0).astype("int64")
    return table.cumsum(axis=1) if cumulative else table


def _frame(queryset: QuerySet[Any], columns: list[str]) -> pd.DataFrame:
    """A ``values()`` queryset's rows as a DataFrame, fetched as plain tuples.

    Django's per-row dicts and converters cost more than the query itself at 100k rows;
    callers cast what they need (dates may arrive as ISO strings on SQLite, decimals as
    floats there: round, never truncate).
    """
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=names)[columns]


def _designation_events(target: Target, last: int) -> pd.DataFrame:
    rows = counted_designations(target, period_end(last)).values(
        "granted_on",
        "revoked_on",
        "park_id",
        e_district=F("enterprise__district_id"),
        e_park=F("enterprise__park_id"),
        p_district=F("park__district_id"),
        v_district=F("provider__district_id"),
    )
    data = _frame(
        rows,
        ["granted_on", "revoked_on", "park_id", "e_district", "e_park", "p_district", "v_district"],
    )
    if data.empty:
        return pd.DataFrame(columns=["district", "park", "period", "value"])
    ids = data[["e_district", "p_district", "v_district", "e_park", "park_id"]].astype("Float64")
    district = ids["e_district"].fillna(ids["p_district"]).fillna(ids["v_district"])
    park = ids["e_park"].fillna(ids["park_id"])
    granted = pd.DataFrame(
        {"district": district, "park": park, "period": _quarters(data["granted_on"]), "value": 1}
    )
    # Revoked on end(P) means gone at P: the -1 lands in the revocation's own quarter.
    revoked_rows = data["revoked_on"].notna()
    revoked = pd.DataFrame(
        {
            "district": district[revoked_rows],
            "park": park[revoked_rows],
            "period": _quarters(data.loc[revoked_rows, "revoked_on"]),
            "value": -1,
        }
    )
    return pd.concat([granted, revoked], ignore_index=True)


def _item_events(target: Target, last: int) -> pd.DataFrame:
    queryset = counted_items(target, period_end(last))
    firsts = (
        queryset.values("enterprise_id", "identifier_key").annotate(first=Min("date")).order_by()
    )
    if rule_dedupe_by_enterprise(target):
        # Per-enterprise keys simply add up: count first sightings per scope and quarter in SQL.
        return _count_first_sightings(firsts)
    rows = firsts.values(
        "identifier_key",
        "first",
        district=F("enterprise__district_id"),
        park=F("enterprise__park_id"),
    )
    data = _frame(rows, ["identifier_key", "first", "district", "park"])
    # Rows are distinct (enterprise, key) pairs; _pivot keeps each key once per scope.
    return pd.DataFrame(
        {
            "district": data["district"],
            "park": data["park"],
            "period": _quarters(data["first"]),
            "value": 1,
            "key": pd.factorize(data["identifier_key"])[0],
        }
    )


def _quarter_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return (
            f"(CAST(EXTRACT(YEAR FROM {column}) AS integer) * 4"
            f" + (CAST(EXTRACT(MONTH FROM {column}) AS integer) - 1) / 3)"
        )
    return (
        # %% because the query is executed with parameters (and logged with them in DEBUG).
        f"(CAST(strftime('%%Y', {column}) AS integer) * 4"
        f" + (CAST(strftime('%%m', {column}) AS integer) - 1) / 3)"
    )


def _count_first_sightings(firsts: QuerySet[Any]) -> pd.DataFrame:
    inner, params = firsts.query.sql_with_params()
    quarter = _quarter_sql("f.first")
    sql = (
        f"SELECT e.district_id, e.park_id, {quarter}, COUNT(*) FROM ({inner}) f"
        f" JOIN {Enterprise._meta.db_table} e ON e.id = f.enterprise_id"
        f" GROUP BY e.district_id, e.park_id, {quarter}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame(rows, columns=["district", "park", "period", "value"])


def rule_dedupe_by_enterprise(target: Target) -> bool:
    dedupe = (
        ItemKind.objects.filter(code=target.rule["item"]).values_list("dedupe", flat=True).first()
    )
    return dedupe == ItemKind.Dedupe.ENTERPRISE_IDENTIFIER


def _flow_events(target: Target, last: int) -> pd.DataFrame:
    rows = (
        counted_values(target, last)
        .values("period", district=F("enterprise__district_id"), park=F("enterprise__park_id"))
        .annotate(total=Sum("value"))
        .order_by()
    )
    data = _frame(rows, ["period", "district", "park", "total"])
    data["value"] = [round(Decimal(str(v)) * FLOW_SCALE) for v in data["total"]]
    return data[["district", "park", "period", "value"]]


def _flag_ever_events(target: Target, last: int) -> pd.DataFrame:
    rows = (
        counted_values(target, last)
        .filter(value__gt=0)
        .values(
            "enterprise_id", district=F("enterprise__district_id"), park=F("enterprise__park_id")
        )
        .annotate(period=Min("period"))
        .order_by()
    )
    data = _frame(rows, ["enterprise_id", "district", "park", "period"])
    data["value"] = 1
    return data[["district", "park", "period", "value"]]


def _latest_flags(
    *, target: Target, scopes: Scopes, periods: list[int], active_only: bool
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enterprises whose latest approved report up to each quarter has the flag (scopes ×
    quarters), and the active enterprises matching the filter at each quarter end."""
    enterprises = _frame(
        Enterprise.objects.filter(enterprise_filter(target)).values(
            "id", "district_id", "park_id", "active_from", "active_until"
        ),
        ["id", "district_id", "park_id", "active_from", "active_until"],
    ).set_index("id")
    reports = _flag_transitions(target=target, last=periods[-1])
    # Reports before the first quarter shown still set each enterprise's state then: keep
    # the latest of them, moved onto that first quarter.
    reports = reports.sort_values("period", kind="stable")
    reports["period"] = reports["period"].clip(lower=periods[0])
    reports = reports.drop_duplicates(["enterprise_id", "period"], keep="last")
    wide = (
        reports.pivot(index="enterprise_id", columns="period", values="value")
        .reindex(index=enterprises.index, columns=periods)
        .ffill(axis=1)
        .fillna(0)
        .astype("int64")
    )
    active = _active_matrix(enterprises, periods)
    flagged = wide * active if active_only else wide
    return _sum_by_scope(flagged, enterprises, scopes), _sum_by_scope(active, enterprises, scopes)


def _flag_transitions(*, target: Target, last: int) -> pd.DataFrame:
    """(enterprise, quarter, flag) of each approved report up to ``last`` whose flag differs
    from the enterprise's previous approved report: the flag's state only changes there.
    A report without the metric counts as "no"."""
    metric_id = Metric.objects.get(code=target.rule["metric"]).pk
    enterprises_sql, enterprises_params = (
        Enterprise.objects.filter(enterprise_filter(target)).values("id").query.sql_with_params()
    )
    flag = "CASE WHEN mv.value > 0 THEN 1 ELSE 0 END"
    sql = (
        f"SELECT enterprise_id, period, flag FROM ("
        f" SELECT s.enterprise_id, s.period, {flag} AS flag,"
        f" LAG({flag}, 1, -1) OVER (PARTITION BY s.enterprise_id ORDER BY s.period) AS previous"
        f" FROM {Submission._meta.db_table} s"
        f" LEFT JOIN {MetricValue._meta.db_table} mv"
        f" ON mv.submission_id = s.id AND mv.metric_id = %s"
        f" WHERE s.status = %s AND s.period <= %s AND s.enterprise_id IN ({enterprises_sql})"
        f") changes WHERE flag <> previous"
    )
    params = [metric_id, Submission.Status.APPROVED, last, *enterprises_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return pd.DataFrame.from_records(rows, columns=["enterprise_id", "period", "value"])


def _active_matrix(enterprises: pd.DataFrame, periods: list[int]) -> pd.DataFrame:
    """1 where the enterprise is active at the quarter's end (EnterpriseQuerySet.active_on)."""
    columns = np.array(periods)
    start = _quarters(enterprises["active_from"]).fillna(-1).to_numpy(dtype="int64")
    until = pd.to_datetime(enterprises["active_until"])
    after = until + pd.Timedelta(days=1)
    ends_on_quarter_end = (after.dt.day == 1) & ((after.dt.month - 1) % 3 == 0)
    last_active = _quarters(enterprises["active_until"]) - (~ends_on_quarter_end).astype("int64")
    stop = last_active.fillna(10**6).to_numpy(dtype="int64")
    mask = (start[:, None] <= columns[None, :]) & (columns[None, :] <= stop[:, None])
    return pd.DataFrame(mask.astype("int64"), index=enterprises.index, columns=periods)


def _sum_by_scope(matrix: pd.DataFrame, enterprises: pd.DataFrame, scopes: Scopes) -> pd.DataFrame:
    labels = scopes.labels
    city = matrix.sum(axis=0).to_frame(CITY).T
    districts = matrix.groupby(enterprises["district_id"].map(scopes.districts)).sum()
    parks = matrix.groupby(enterprises["park_id"].map(scopes.parks)).sum()
    return pd.concat([city, districts, parks]).reindex(labels, fill_value=0).astype("int64")


# --- city figures: planned, status, projection ------------------------------------------


def planned_points(
    *, target: Target, baseline: Decimal | None
) -> list[tuple[dt.date, Fraction]] | None:
    """(date, value) through which the planned line runs; None when the baseline is unknown."""
    if baseline is None:
        return None
    points = [(target.baseline_date, Fraction(baseline))]
    points += [(m.date, Fraction(m.value)) for m in target.milestones.all()]
    return sorted(points, key=lambda point: point[0])


def planned_at(points: list[tuple[dt.date, Fraction]], day: dt.date) -> Fraction:
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in itertools.pairwise(points):
        if day <= d1 and d1 > d0:
            return v0 + (v1 - v0) * Fraction((day - d0).days, (d1 - d0).days)
    return points[-1][1]


def status_at(
    *, target: Target, period: int, actual: Decimal, planned: Fraction | None
) -> str | None:
    if actual >= target.achievement_threshold:
        return "achieved"
    if period_end(period) >= target.deadline:
        return "missed"
    if planned is None:
        return None
    if planned == 0:
        return "on_track"
    ratio = Fraction(actual) / planned
    if ratio >= 1:
        return "on_track"
    return "at_risk" if ratio >= Fraction(85, 100) else "off_track"


def projection_at(
    *, target: Target, period: int, city: dict[int, Decimal], achieved: bool
) -> tuple[Decimal | None, int | None]:
    deadline_period = period_of(target.deadline)
    if period >= deadline_period:
        return None, None
    xs = list(range(max(first_period(target), period - 3), period + 1))
    if len(xs) < 2:
        return None, None
    ys = [Fraction(city[x]) for x in xs]
    x_mean = Fraction(sum(xs), len(xs))
    y_mean = sum(ys, Fraction(0)) / len(ys)
    slope = sum(
        ((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True)), Fraction(0)
    ) / sum(((x - x_mean) ** 2 for x in xs), Fraction(0))
    at_deadline = max(y_mean + slope * (deadline_period - x_mean), Fraction(0))
    if target.is_cumulative:
        at_deadline = max(at_deadline, Fraction(city[period]))
    if target.rule_kind == Target.RuleKind.FLAG_LATEST_SHARE:
        at_deadline = min(at_deadline, Fraction(100))
    attainment = None
    if not achieved and slope > 0:
        reach = x_mean + (Fraction(target.achievement_threshold) - y_mean) / slope
        quarter = max(period, math.ceil(reach))
        attainment = quarter if quarter <= LAST_ATTAINMENT_PERIOD else None
    return round_half_away(at_deadline, 2), attainment


def city_figure(
    *,
    target: Target,
    period: int,
    city: dict[int, Decimal],
    points: list[tuple[dt.date, Fraction]] | None,
) -> Figure:
    actual = city[period]
    planned = planned_at(points, period_end(period)) if points is not None else None
    status = status_at(target=target, period=period, actual=actual, planned=planned)
    projected, attainment = projection_at(
        target=target, period=period, city=city, achieved=status == "achieved"
    )
    return Figure(
        target_id=target.pk,
        period=period,
        scope=CITY,
        actual=actual,
        planned=round_half_away(planned, 2) if planned is not None else None,
        target_value=target.value,
        percent_of_target=round_half_away(100 * Fraction(actual) / Fraction(target.value), 1)
        if target.value
        else None,
        status=status,
        projected_at_deadline=projected,
        projected_attainment=attainment,
    )
