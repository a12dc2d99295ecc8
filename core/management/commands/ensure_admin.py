import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Make sure an admin login exists. With DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD set, "
        "that user is created if missing. Otherwise, when no superuser exists yet, user 'admin' is created "
        "with a generated password that is printed once. An existing user is never changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="", help="Defaults to DJANGO_SUPERUSER_USERNAME or 'admin'.")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        import os

        User = get_user_model()
        username = options["username"] or os.environ.get("DJANGO_SUPERUSER_USERNAME", "")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD", "")
        if username and User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin login '{username}' already exists; left unchanged.")
            return
        if not username and User.objects.filter(is_superuser=True).exists():
            self.stdout.write("An admin login already exists; left unchanged.")
            return
        if username and not password:
            raise CommandError(f"DJANGO_SUPERUSER_USERNAME is '{username}' but DJANGO_SUPERUSER_PASSWORD is not set.")
        username = username or "admin"
        generated = not password
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created admin login '{username}' with password: {password}\n"
                    "It is shown only this once. Change it any time with "
                    f"`.venv/bin/python manage.py changepassword {username}`."
                )
            )
        else:
            self.stdout.write(f"Created admin login '{username}' from DJANGO_SUPERUSER_USERNAME.")
