"""Set-based building blocks of the rollup: fetching rows as frames and spreading events
over scopes × quarters (docs/decisions/0006-rollup-engine.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import QuerySet

from parks.models import Park
from targets.models import District

CITY = "city"


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


def frame_fetch(queryset: QuerySet[Any], columns: list[str]) -> pd.DataFrame:
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


def sql_rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def quarters_of(dates: pd.Series) -> pd.Series:
    """Dates → quarter numbers (year × 4 + quarter − 1)."""
    stamps = pd.to_datetime(dates)
    return (stamps.dt.year * 4 + (stamps.dt.month - 1) // 3).astype("Int64")


def quarter_sql(column: str) -> str:
    """The quarter number of a date column, in SQL."""
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


def pivot(events: pd.DataFrame, scopes: Scopes, periods: list[int]) -> pd.DataFrame:
    """Events (district, park, period, value[, key]) → scopes × quarters, cumulated.

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
    return table.fillna(0).astype("int64").cumsum(axis=1)


def active_matrix(enterprises: pd.DataFrame, periods: list[int]) -> pd.DataFrame:
    """1 where the enterprise is active at the quarter's end (``enterprises.models.active_q``
    over a whole matrix at once)."""
    columns = np.array(periods)
    start = quarters_of(enterprises["active_from"]).fillna(-1).to_numpy(dtype="int64")
    until = pd.to_datetime(enterprises["active_until"])
    after = until + pd.Timedelta(days=1)
    ends_on_quarter_end = (after.dt.day == 1) & ((after.dt.month - 1) % 3 == 0)
    last_active = quarters_of(enterprises["active_until"]) - (~ends_on_quarter_end).astype("int64")
    stop = last_active.fillna(10**6).to_numpy(dtype="int64")
    mask = (start[:, None] <= columns[None, :]) & (columns[None, :] <= stop[:, None])
    return pd.DataFrame(mask.astype("int64"), index=enterprises.index, columns=periods)


def sum_by_scope(matrix: pd.DataFrame, enterprises: pd.DataFrame, scopes: Scopes) -> pd.DataFrame:
    """An enterprises × quarters matrix summed per scope (city, district, park)."""
    labels = scopes.labels
    city = matrix.sum(axis=0).to_frame(CITY).T
    districts = matrix.groupby(enterprises["district_id"].map(scopes.districts)).sum()
    parks = matrix.groupby(enterprises["park_id"].map(scopes.parks)).sum()
    return pd.concat([city, districts, parks]).reindex(labels, fill_value=0).astype("int64")
