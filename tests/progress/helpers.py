from __future__ import annotations

from progress import engine
from targets.models import Target
from targets.periods import period_format, period_parse

LAST = period_parse("2026Q3")


def figures_of(code: str, scope: str = "city", last: int = LAST) -> dict[str, engine.Figure]:
    """A target's figures for one scope, by quarter label."""
    target = Target.objects.get(code=code)
    return {
        period_format(f.period): f
        for f in engine.figures_compute(targets=[target], last=last)
        if f.scope == scope
    }


def actuals_of(code: str, scope: str = "city", last: int = LAST) -> dict[str, object]:
    return {label: f.actual for label, f in figures_of(code, scope, last).items()}
