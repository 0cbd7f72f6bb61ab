"""Which quarters an enterprise must report: the one definition behind "My reports",
completeness, reminders and the demo.

An enterprise owes the report of every programme quarter (from 2022Q1) that has ended and
at whose end it is active (``active_from ≤ end(P) ≤ active_until``). An enterprise that
closes on 2024-05-15 owes 2024Q1, not 2024Q2.
"""

from __future__ import annotations

import datetime as dt

from enterprises.models import Enterprise, EnterpriseQuerySet
from targets.periods import PROGRAMME_FIRST_PERIOD, last_ended_period, period_end


def reporting_periods(enterprise: Enterprise, *, today: dt.date) -> list[int]:
    """The quarters this enterprise owes, oldest first."""
    return [
        period
        for period in range(PROGRAMME_FIRST_PERIOD, last_ended_period(today) + 1)
        if enterprise.is_active_on(period_end(period))
    ]


def owes_report(enterprise: Enterprise, period: int, *, today: dt.date) -> bool:
    return PROGRAMME_FIRST_PERIOD <= period <= last_ended_period(today) and enterprise.is_active_on(
        period_end(period)
    )


def obligated_enterprises(
    period: int, *, among: EnterpriseQuerySet | None = None
) -> EnterpriseQuerySet:
    """The enterprises (of ``among``, default all) that owe the quarter's report."""
    enterprises = among if among is not None else Enterprise.objects.all()
    if period < PROGRAMME_FIRST_PERIOD:
        return enterprises.none()
    return enterprises.active_on(period_end(period))
