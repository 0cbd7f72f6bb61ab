"""The demo's programme levels beyond allocations (DOMAIN.md, "Multi-level review" and
"Published figures"): two parks pre-review their enterprises' reports, the marker park's
manager has pre-approved some of them, and the officials have published every quarter of
the last full year. Everything goes through the services; running it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from parks.models import Park
from parks.services import park_update
from progress.models import Publication
from progress.services import publication_create
from reporting.models import Submission
from reporting.services import submission_pre_approve

from .data import MARKER_PARK

PREREVIEW_PARKS = (MARKER_PARK, "LG")
OFFICIAL = "official"
PARK_MANAGER = "park_zj"
PRE_APPROVE_EVERY = 2  # the manager has pre-approved every other waiting report so far


def levels_seed(*, today: dt.date, log: Callable[[str], None]) -> dict[str, int]:
    """Pre-review switched on, some reports pre-approved, the last full year published;
    returns what was written."""
    official = User.objects.filter(username=OFFICIAL).first()
    if official is None:
        return {}
    counts = {
        "pre-reviewing parks": _prereview_on(official),
        "pre-approved reports": _pre_approve(),
        "publications": _publish(official, year=today.year - 1),
    }
    written = {name: count for name, count in counts.items() if count}
    if written:
        log(
            _(
                "Pre-review on in %(parks)d parks, %(reports)d reports pre-approved, "
                "%(publications)d quarters published."
            )
            % {
                "parks": counts["pre-reviewing parks"],
                "reports": counts["pre-approved reports"],
                "publications": counts["publications"],
            }
        )
    return written


def _prereview_on(official: User) -> int:
    parks = list(Park.objects.filter(code__in=PREREVIEW_PARKS, prereview=False))
    for park in parks:
        park_update(park=park, prereview=True, by=official)
    return len(parks)


def _pre_approve() -> int:
    manager = User.objects.filter(username=PARK_MANAGER).first()
    if manager is None or Submission.objects.filter(status="pre_approved").exists():
        return 0
    waiting = list(
        Submission.objects.filter(
            status=Submission.Status.SUBMITTED, enterprise__park__code=MARKER_PARK
        )
        .select_related("enterprise__park")
        .order_by("submitted_at", "pk")
    )[::PRE_APPROVE_EVERY]
    now = timezone.now()
    for report in waiting:
        when = min(now, (report.submitted_at or now) + dt.timedelta(days=2))
        submission_pre_approve(submission=report, by=manager, at=when)
    return len(waiting)


def _publish(official: User, *, year: int) -> int:
    published = 0
    for quarter in range(year * 4, year * 4 + 4):
        if Publication.objects.filter(period=quarter).exists():
            continue
        publication_create(period=quarter, by=official)
        published += 1
    return published
