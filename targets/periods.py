"""Quarters ("2024Q1") and their arithmetic.

A quarter is stored as its quarter number, ``year * 4 + quarter - 1`` (DOMAIN.md), so that
ranges and least-squares lines work on plain integers in SQL and Python alike.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

_PERIOD_RE = re.compile(r"^([0-9]{4})Q([1-4])$")  # ASCII digits only, never \d
FIRST_PERIOD = 2000 * 4
LAST_PERIOD = 2100 * 4 - 1
# DOMAIN.md: the programme's quarters run from 2022Q1; reports are owed from then on.
PROGRAMME_FIRST_PERIOD = 2022 * 4
# Earlier reports are accepted back to 2020Q1: the latest-flag rules read an enterprise's
# state before the programme (docs/decisions/0009-reporting-obligation.md).
REPORTS_FIRST_PERIOD = 2020 * 4


class PeriodError(ValueError):
    pass


def period_parse(text: str) -> int:
    """'2024Q1' → 8096. Raises PeriodError with a translatable message."""
    match = _PERIOD_RE.match(str(text).strip().upper())
    if not match:
        raise PeriodError(_("Enter a quarter as YYYYQn, for example 2024Q1."))
    year, quarter = int(match.group(1)), int(match.group(2))
    index = year * 4 + quarter - 1
    if not FIRST_PERIOD <= index <= LAST_PERIOD:
        raise PeriodError(_("That quarter is out of range."))
    return index


def period_format(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def period_start(index: int) -> dt.date:
    return dt.date(index // 4, (index % 4) * 3 + 1, 1)


def period_end(index: int) -> dt.date:
    year, quarter = index // 4, index % 4 + 1
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, quarter * 3 + 1, 1) - dt.timedelta(days=1)


def period_of(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def period_opens_on(index: int) -> dt.date:
    """The report for a quarter opens the day after the quarter ends."""
    return period_end(index) + dt.timedelta(days=1)


def period_due_on(index: int) -> dt.date:
    """Due on DX_REPORT_DUE_DAY of the month after the quarter."""
    opens = period_opens_on(index)
    return opens.replace(day=settings.DX_REPORT_DUE_DAY)


def today() -> dt.date:
    return timezone.localdate()


def last_ended_period(on: dt.date | None = None) -> int:
    """The latest quarter that has ended on the given day (today by default)."""
    return period_of(on or today()) - 1
