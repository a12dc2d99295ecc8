import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from providers.services import catalog_load


class Command(BaseCommand):
    help = (
        "Load the built-in provider catalog into the database. Idempotent: an admin's enabled flag and base "
        "URL on each provider, and enabled flag on each predefined model, survive a reload. Providers no longer in "
        "the catalog are disabled; their credentials and models are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = catalog_load()
        if options["json"]:
            self.stdout.write(json.dumps(report.__dict__))
            return
        self.stdout.write(
            f"Providers: {report.providers_created} created, {report.providers_updated} updated. "
            f"Models: {report.models_created} created, {report.models_updated} updated."
            + (f" No longer in the catalog, disabled: {report.providers_removed}." if report.providers_removed else "")
        )
