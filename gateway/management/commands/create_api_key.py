"""``manage.py create_api_key --user alice --name ci [--expires-days 30] [--model team-chat ...] [--rpm 60]
[--tpm 100000]``: a new key, printed once (the only place it is ever shown)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from gateway.keys import api_key_create


class Command(BaseCommand):
    help = "Create an API key for the /v1 gateway and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="The key's owner: its calls are theirs.")
        parser.add_argument("--name", required=True, help="What the key is for, e.g. 'ci'.")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until the key expires.")
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            help="A route or credential/model the key may call (repeat; none: all).",
        )
        parser.add_argument("--rpm", type=int, default=None, help="Requests a minute, shared by every process.")
        parser.add_argument("--tpm", type=int, default=None, help="Tokens a minute, shared by every process.")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = get_user_model().objects.filter(username=options["user"]).first()
        if owner is None:
            raise CommandError(f"No user is named {options['user']!r}.")
        days = options["expires_days"]
        if days is not None and days < 1:
            raise CommandError("--expires-days must be 1 or more.")
        expires = timezone.now() + timedelta(days=days) if days else None
        for limit in ("rpm", "tpm"):
            if options[limit] is not None and options[limit] < 1:
                raise CommandError(f"--{limit} must be 1 or more.")
        try:
            key, plaintext = api_key_create(
                owner=owner,
                name=options["name"],
                expires_at=expires,
                models=options["model"],
                rpm_limit=options["rpm"],
                tpm_limit=options["tpm"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(f"Created API key {key.name!r} ({key.prefix}…) for {owner.username}. It is shown once:")
        self.stdout.write(plaintext)
