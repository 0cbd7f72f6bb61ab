"""Whether an enterprise is active on a day: the SQL filter, the in-memory check and the
rollup's quarter-end matrix give the same answer on every boundary."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from enterprises.models import Enterprise, active_q
from progress.frames import active_matrix
from targets.periods import period_end, period_parse
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db

RANGES = [
    (None, None),
    (dt.date(2024, 4, 1), None),  # starts on a quarter's first day
    (dt.date(2024, 3, 31), None),  # starts on a quarter's last day
    (dt.date(2020, 1, 1), dt.date(2024, 5, 15)),  # closes mid-quarter
    (dt.date(2020, 1, 1), dt.date(2024, 6, 30)),  # closes on a quarter's last day
    (dt.date(2020, 1, 1), dt.date(2024, 7, 1)),  # closes the day after
]
QUARTERS = ["2024Q1", "2024Q2", "2024Q3"]


def test_sql_memory_and_matrix_agree_at_every_quarter_end():
    enterprises = [EnterpriseFactory(active_from=a, active_until=b) for a, b in RANGES]
    periods = [period_parse(q) for q in QUARTERS]
    frame = pd.DataFrame(
        [(e.pk, e.active_from, e.active_until) for e in enterprises],
        columns=["id", "active_from", "active_until"],
    ).set_index("id")
    matrix = active_matrix(frame, periods)
    for period in periods:
        day = period_end(period)
        in_sql = set(Enterprise.objects.filter(active_q(day)).values_list("pk", flat=True))
        in_memory = {e.pk for e in enterprises if e.is_active_on(day)}
        in_matrix = {pk for pk in matrix.index if matrix.loc[pk, period] == 1}
        assert in_sql == in_memory == in_matrix, period


def test_an_enterprise_closing_mid_quarter_is_not_active_at_its_end():
    closing = EnterpriseFactory(active_until=dt.date(2024, 5, 15))
    assert closing.is_active_on(period_end(period_parse("2024Q1")))
    assert not closing.is_active_on(period_end(period_parse("2024Q2")))
