from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from demo.data import DEMO_PASSWORD, MARKER_PARK
from demo.plan import DemoPlan
from demo.seed import demo_reset, demo_seed
from targets.models import District


class Command(BaseCommand):
    help = (
        "Create a believable demo programme (parks, enterprises, providers, designations, "
        "users and quarterly reports). Safe to run again: it does nothing when the demo is "
        "already there."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo data first, then create it again.",
        )
        parser.add_argument(
            "--no-reports",
            action="store_true",
            help="Create the entities, designations and users only.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["reset"]:
            try:
                deleted = demo_reset()
            except ProtectedError as error:
                referring = sorted({str(obj._meta.verbose_name) for obj in error.protected_objects})
                raise CommandError(
                    _("Cannot delete the demo data: other records still refer to it (%(e)s).")
                    % {"e": ", ".join(referring)}
                ) from error
            self.stdout.write(
                _("Deleted the demo data: %(counts)s.")
                % {"counts": ", ".join(f"{k} {v}" for k, v in deleted.items())}
            )
        try:
            result = demo_seed(reports=not options["no_reports"], log=self.stdout.write)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo programme created in %(seconds).1f s: %(counts)s.")
                    % {"seconds": time.monotonic() - started, "counts": counts}
                )
            )
        elif result.counts:
            self.stdout.write(
                _("Demo data already present (park %(code)s exists); added %(counts)s.")
                % {"code": MARKER_PARK, "counts": counts}
            )
        else:
            self.stdout.write(
                _("Demo data already present (park %(code)s exists); nothing changed.")
                % {"code": MARKER_PARK}
            )
            self.stdout.write(_("Run with --reset to create it again."))
        self._logins(result.plan)

    def _logins(self, plan: DemoPlan) -> None:
        enterprise = plan.reporter_enterprise
        park = next(p for p in plan.parks if p.code == MARKER_PARK)
        district = District.objects.get(code=park.district)
        # A table the README quotes: the same in every language.
        rows = [
            ("username", "password", "role", "sees"),
            ("official", DEMO_PASSWORD, "official", "everything; reviews reports"),
            ("analyst", DEMO_PASSWORD, "analyst", "everything, read-only"),
            ("park_zj", DEMO_PASSWORD, "park_manager", f"{park.name_zh} ({park.code})"),
            (
                "district_pd",
                DEMO_PASSWORD,
                "district_official",
                f"{district.name_zh} ({district.code}), read-only",
            ),
            ("ent_demo", DEMO_PASSWORD, "enterprise", enterprise.name),
        ]
        widths = [max(_width(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for index, row in enumerate(rows):
            cells = [
                cell + " " * (width - _width(cell))
                for cell, width in zip(row, widths, strict=False)
            ]
            self.stdout.write("  " + "  ".join([*cells, row[3]]))
            if index == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, _width(row[3])]))


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)
