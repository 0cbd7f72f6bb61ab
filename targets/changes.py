"""Recording changes that move figures (the outbox; docs/decisions/0008-recorded-changes.md).

A service that changes data the rollup reads calls ``recompute_request`` inside its own
transaction: the request is written with the change or not at all. After the commit the
``recompute_requested`` signal wakes whoever turns requests into rollup runs (``progress``);
if that fails (the broker is down), the request stays pending and a periodic sweep takes
it. ``recompute_batched`` holds the signal back during bulk writes (imports, the demo),
so that everything they record is computed in one run.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import RecomputeRequest
from .signals import recompute_requested

_batch_depth: contextvars.ContextVar[int] = contextvars.ContextVar("recompute_batch", default=0)


def recompute_request(
    *,
    targets: Iterable[str] | None,
    from_period: int | None,
    reason: str,
    by: Any = None,
    at: dt.datetime | None = None,
) -> RecomputeRequest | None:
    """Record that these targets' figures (None: all) need recomputing from ``from_period``
    (None: from each target's first quarter). Nothing is recorded for an empty list."""
    codes = None if targets is None else sorted(set(targets))
    if codes == []:
        return None
    request = RecomputeRequest.objects.create(
        targets=codes,
        from_period=from_period,
        reason=reason[:200],
        requested_at=at or timezone.now(),
        requested_by=by if getattr(by, "pk", None) else None,
    )
    if _batch_depth.get() == 0:
        transaction.on_commit(_announce)
    return request


@contextmanager
def recompute_batched() -> Iterator[None]:
    """Record requests without waking the dispatcher; wake it once at the end."""
    token = _batch_depth.set(_batch_depth.get() + 1)
    try:
        yield
    finally:
        _batch_depth.reset(token)
    if _batch_depth.get() == 0:
        transaction.on_commit(_announce)


def _announce() -> None:
    recompute_requested.send(sender=RecomputeRequest)
