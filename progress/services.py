"""Writes of progress: rollup runs and snapshots."""

from __future__ import annotations


def rollup_request(*, from_period: int | None = None) -> None:
    """Schedule a rollup of the quarters from ``from_period`` on (all when None).

    Filled in by the rollup engine (issue 4); a no-op until then.
    """
