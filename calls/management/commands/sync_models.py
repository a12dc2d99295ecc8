import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from calls.services import models_discover
from core.errors import ModelDeskError
from credentials.models import Credential


class Command(BaseCommand):
    help = "Discover a credential's models from the provider's model list and add the new ones as 'discovered'."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("credential", metavar="CREDENTIAL", help="Credential name.")
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        credential = Credential.objects.select_related("provider").filter(name=options["credential"]).first()
        if credential is None:
            raise CommandError(f"Unknown credential {options['credential']!r}.")
        try:
            report = models_discover(credential=credential)
        except ModelDeskError as error:
            raise CommandError(str(error)) from None
        if options["json"]:
            self.stdout.write(json.dumps({**report.__dict__, "missing": list(report.missing)}))
            return
        self.stdout.write(
            f"{credential.name}: {report.created} new models, {report.existing} already known, "
            f"{report.skipped} skipped (type not offered by {credential.provider.slug})."
        )
        if report.missing:
            self.stdout.write(
                self.style.WARNING(
                    f"{len(report.missing)} known models are no longer listed by the provider: "
                    + ", ".join(report.missing)
                )
            )
