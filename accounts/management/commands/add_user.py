from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Role
from accounts.services import user_upsert


class Command(BaseCommand):
    help = (
        "Create or update a user with a role "
        "(official, analyst, park_manager, district_official, enterprise)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--enterprise", help="USCC of the enterprise (enterprise users)")
        parser.add_argument("--park", help="code of the park (park managers)")
        parser.add_argument("--district", help="code of the district (district officials)")
        parser.add_argument("--password")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, created = user_upsert(
                username=options["username"],
                role=options["role"],
                enterprise_uscc=options["enterprise"],
                park_code=options["park"],
                district_code=options["district"],
                password=options["password"],
            )
        except ValidationError as error:
            messages = [f"{field}: {' '.join(m)}" for field, m in error.message_dict.items()]
            raise CommandError("\n".join(messages)) from error
        verb = "created" if created else "updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.username} ({user.role})"))
